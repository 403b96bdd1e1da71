// HTTP routes of the caller's notifications: validate, call the service, shape the reply.
import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { type AuthHooks, sessionOf } from '../http/auth.ts';
import { bearerAuth, errorReplies, PageQuery } from '../http/schemas.ts';
import { MarkReadBody, NotificationPageReply, UnreadCountReply } from './notifications.schemas.ts';
import type { NotificationsService } from './notifications.service.ts';

export interface NotificationsRoutesOptions {
  notifications: NotificationsService;
  auth: AuthHooks;
}

export const notificationsRoutes: FastifyPluginAsyncTypebox<NotificationsRoutesOptions> = async (
  app,
  { notifications, auth },
) => {
  const signedIn = { onRequest: auth.requireSession };

  app.get(
    '/notifications',
    {
      ...signedIn,
      schema: {
        tags: ['notifications'],
        summary:
          'Your notifications, newest first (none from users you blocked, who blocked you, or you muted)',
        security: bearerAuth,
        querystring: PageQuery,
        response: { 200: NotificationPageReply, ...errorReplies(400, 401) },
      },
    },
    async (request) =>
      notifications.list(sessionOf(request).userId, request.query.limit, request.query.cursor),
  );

  app.post(
    '/notifications/read',
    {
      ...signedIn,
      schema: {
        tags: ['notifications'],
        summary: 'Mark a notification of yours and every older one read',
        security: bearerAuth,
        body: MarkReadBody,
        response: errorReplies(400, 401, 404),
      },
    },
    async (request, reply) => {
      await notifications.markRead(sessionOf(request).userId, request.body.up_to_id);
      return reply.status(204).send();
    },
  );

  app.get(
    '/notifications/unread_count',
    {
      ...signedIn,
      schema: {
        tags: ['notifications'],
        summary: 'How many of your notifications are unread (as the list shows them)',
        security: bearerAuth,
        response: { 200: UnreadCountReply, ...errorReplies(401) },
      },
    },
    async (request) => ({ count: await notifications.unreadCount(sessionOf(request).userId) }),
  );
};
