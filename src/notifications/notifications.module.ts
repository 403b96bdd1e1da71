// The notifications role: one row per event on the accounts' SQL database (the recipient and
// the actor are accounts), made by subscribers of the posts' and graph's facts, read through
// the viewer seam's 'notifications' rules.
import { eraseOnAccountDeleted } from '../accounts/erasure.ts';
import type { PlatformModule } from '../modules.ts';
import type { NotificationsPort } from './notifications.port.ts';
import { createPostgresNotifications } from './notifications.postgres.ts';
import { notificationsRoutes } from './notifications.routes.ts';
import { NotificationsService } from './notifications.service.ts';

declare module '../modules.ts' {
  interface Provided {
    notifications: NotificationsPort;
    notificationsService: NotificationsService;
  }
}

export const notificationsModule: PlatformModule = {
  name: 'notifications',
  async open(ctx) {
    const store = ctx.guard('accounts', createPostgresNotifications(ctx.sql('accounts')));
    const events = ctx.use('events');
    const service = new NotificationsService({
      store,
      posts: ctx.use('posts'),
      views: ctx.use('views'),
      cursors: ctx.use('cursors'),
      events,
    });
    eraseOnAccountDeleted(events, ctx.log, 'notifications', ({ user_id }) => service.eraseUser(user_id));
    const auth = ctx.use('auth');
    return {
      provides: { notifications: store, notificationsService: service },
      routes: (app) => app.register(notificationsRoutes, { notifications: service, auth }),
    };
  },
};
