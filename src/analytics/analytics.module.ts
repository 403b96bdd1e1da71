// The analytics role: post views, API request metrics and trending, on SQL (an event table) or
// InfluxDB (line protocol, InfluxQL). Every API request is recorded into a bounded buffer
// written in batches; expired events are deleted on a timer (InfluxDB's retention policies do
// it there). Which views repeat within minutes is remembered in the cache role.
import type { PlatformModule } from '../modules.ts';
import { recordApiRequests } from './analytics.hook.ts';
import type { AnalyticsPort } from './analytics.port.ts';
import { createPostgresAnalytics } from './analytics.postgres.ts';
import { AnalyticsRecorder } from './analytics.recorder.ts';
import { type RetentionTask, scheduleRetention } from './analytics.retention.ts';
import { analyticsRoutes } from './analytics.routes.ts';
import { AnalyticsService } from './analytics.service.ts';
import { createMemoryViewDedupe } from './view-dedupe.memory.ts';
import { createRedisViewDedupe } from './view-dedupe.redis.ts';

declare module '../modules.ts' {
  interface Provided {
    analyticsService: AnalyticsService;
    /** The buffer of API requests and views; close() writes what it holds. */
    recorder: AnalyticsRecorder;
    retention: RetentionTask;
  }
}

export const analyticsModule: PlatformModule = {
  name: 'analytics',
  async open(ctx) {
    const { config } = ctx;
    let port: AnalyticsPort;
    if (config.stores.analytics === 'influx') {
      const [{ openInflux }, { createInfluxAnalytics }] = await Promise.all([
        import('../engines/influx.ts'),
        import('./analytics.influx.ts'),
      ]);
      // The database is INFLUX_URL's path (default polyglot); it and its retention policies are made if missing.
      port = await createInfluxAnalytics(openInflux(config.urls.INFLUX_URL as string));
    } else {
      // Events reference nothing: any SQL database will do, not only the accounts' one.
      port = createPostgresAnalytics(ctx.sql('analytics'));
    }
    const analytics = ctx.guard('analytics', port);
    const recorder = new AnalyticsRecorder(analytics, { log: ctx.log });
    if (config.recordApiRequests) recordApiRequests(ctx.http, recorder);
    const service = new AnalyticsService({
      analytics,
      recorder,
      posts: ctx.use('posts'),
      views: ctx.use('views'),
      dedupe: ctx.guard(
        'cache',
        config.stores.cache === 'redis'
          ? createRedisViewDedupe(ctx.engines.redis(), config.keyPrefix)
          : createMemoryViewDedupe(),
      ),
      log: ctx.log,
      isOperator: ctx.use('isOperator'),
    });
    const retention = scheduleRetention(analytics, config.analyticsRetention, ctx.log);
    const auth = ctx.use('auth');
    return {
      provides: { analyticsService: service, recorder, retention },
      routes: (app) => app.register(analyticsRoutes, { analytics: service, auth }),
      probes: { analytics: { engine: config.stores.analytics, ping: () => analytics.ping() } },
      start: () => void retention.runOnce(),
      async close() {
        await retention.stop();
        // The events still buffered are written before their store closes.
        await recorder.close();
      },
    };
  },
};
