// The platform: the engines the configuration names, then one module per role, in order (a
// module may use what the ones before it provide), their routes under /api/v1, and /healthz
// over their probes. Each module opens its role's ports on the engine the configuration chose
// (src/<role>/<role>.module.ts); this file knows nothing of any role's insides. Adding a role
// is a folder, its migrations, and one line in MODULES.
import { accountsModule } from './accounts/accounts.module.ts';
import { analyticsModule } from './analytics/analytics.module.ts';
import { cacheModule } from './cache/cache.module.ts';
import { cacheWriteMarks } from './cache/write-marks.ts';
import { commerceModule } from './commerce/commerce.module.ts';
import type { Config } from './config.ts';
import { openEngines } from './engines/open.ts';
import { feedModule } from './feed/feed.module.ts';
import { graphModule } from './graph/graph.module.ts';
import type { RoleProbes } from './health.ts';
import { readYourWrites } from './http/read-context.ts';
import { createHttpServer } from './http/server.ts';
import { systemRoutes } from './http/system.routes.ts';
import { jobsModule } from './jobs/jobs.module.ts';
import { moduleContext, type OpenedModule, type PlatformModule, type Provided } from './modules.ts';
import { notificationsModule } from './notifications/notifications.module.ts';
import { postsModule } from './posts/posts.module.ts';
import { demoRoutes } from './seed/demo.routes.ts';
import { demoLogIns } from './seed/seed.ts';

/** The roles, in the order they open: each may use what the ones before it provide. */
export const MODULES: readonly PlatformModule[] = [
  cacheModule,
  jobsModule,
  accountsModule,
  commerceModule,
  postsModule,
  graphModule,
  notificationsModule,
  feedModule,
  analyticsModule,
];

export async function buildApp(config: Config, modules: readonly PlatformModule[] = MODULES) {
  const engines = await openEngines(config);
  const opened: OpenedModule[] = [];
  const closeModules = async () => {
    for (const module of opened.toReversed()) await module.close?.();
  };
  try {
    const app = await createHttpServer(config);
    const provided: Partial<Provided> = {};
    const ctx = moduleContext(config, engines, app, provided);
    for (const module of modules) {
      const open = await module.open(ctx);
      opened.push(open);
      Object.assign(provided, open.provides);
    }
    // Reads on a replica see their reader's own writes: marks in the cache role, shared by every process.
    const replicated = engines.replicated();
    if (replicated) {
      replicated.keepMarksIn(cacheWriteMarks(ctx.use('rawCache'), config.replica.readYourWritesSeconds));
      readYourWrites(app, {
        markWrite: (userId) => replicated.markWrite(userId),
        identify: ctx.use('auth').optionalSession,
      });
    }
    const probes: RoleProbes = Object.assign({}, ...opened.map((module) => module.probes));
    await app.register(systemRoutes, { probes });
    await app.register(
      async (api) => {
        for (const module of opened) await module.routes?.(api);
      },
      { prefix: '/api/v1' },
    );
    await app.register(demoRoutes, {
      prefix: '/api/v1',
      demoMode: config.demoMode,
      logIns: demoLogIns(ctx.use('accountsService')),
    });
    // Handlers and subscriptions are registered by now: start working, including on what an earlier run left.
    for (const module of opened) await module.start?.();
    // Fastify has stopped taking requests by onClose: finish due work, then close the engines.
    app.addHook('onClose', async () => {
      await closeModules();
      await engines.close();
    });
    const use = ctx.use;
    // The services, for in-process callers that are not HTTP clients (the demo seed).
    const services = {
      accounts: use('accountsService'),
      sessions: use('sessions'),
      graph: use('graphService'),
      posts: use('postsService'),
      commerce: use('commerceService'),
      analytics: use('analyticsService'),
    };
    // `jobs` is the relay: its idle() also waits for the outbox's entries to be handled.
    return {
      app,
      probes,
      jobs: use('relay'),
      analytics: use('recorder'),
      retention: use('retention'),
      services,
    };
  } catch (error) {
    await closeModules().catch(() => {});
    await engines.close();
    throw error;
  }
}

export type Platform = Awaited<ReturnType<typeof buildApp>>;
