// InfluxDB stopped under a running platform, on an InfluxDB of this test's own. Analytics
// events are held in the recorder's bounded buffer (events past the bound dropped and
// counted) and written once it is back; trending answers 503 meanwhile; posts, sessions and
// everything else are unaffected; /healthz names analytics alone.

import { v7 } from 'uuid';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createInfluxAnalytics } from '../../src/analytics/analytics.influx.ts';
import { AnalyticsRecorder } from '../../src/analytics/analytics.recorder.ts';
import { buildApp, type Platform } from '../../src/app.ts';
import { loadConfig } from '../../src/config.ts';
import { openInflux } from '../../src/engines/influx.ts';
import { guardPort } from '../../src/engines/unavailable.ts';
import { caller, signUp } from '../support/api.ts';
import { testEnv } from '../support/app.ts';
import { type InfluxServer, influxServerUnavailable, startInfluxServer } from '../support/influx-server.ts';
import { isCI } from '../support/targets.ts';

const skip = isCI ? undefined : influxServerUnavailable;

describe.skipIf(skip !== undefined)(
  `InfluxDB stopped under a running platform${skip ? ` [SKIPPED: ${skip}]` : ''}`,
  () => {
    let influx: InfluxServer | undefined;
    let platform: Platform | undefined;

    beforeAll(async () => {
      influx = await startInfluxServer();
    }, 60_000);

    afterAll(async () => {
      await platform?.app.close();
      await influx?.remove();
    });

    const dbUrl = (name: string) => {
      const url = new URL(influx?.url as string);
      url.pathname = `/${name}`;
      return url.toString();
    };

    it('holds events in the bounded buffer while it is down, counts the drops, and writes the rest on its return', async () => {
      // Guarded as the analytics module guards it: an unreachable server becomes StoreUnavailableError.
      const analytics = guardPort(await createInfluxAnalytics(openInflux(dbUrl('recorder'))), {
        role: 'analytics',
        engine: 'influx',
      });
      await analytics.ping();
      const recorder = new AnalyticsRecorder(analytics, {
        maxBuffered: 100,
        batchSize: 20,
        flushIntervalMs: 60_000,
      });
      try {
        await influx?.stop();
        const posts = [v7(), v7()];
        for (let i = 0; i < 150; i++) recorder.view({ at: new Date(), postId: posts[i % 2] as string });
        await recorder.flush();
        expect(recorder.stats().views).toMatchObject({ buffered: 100, written: 0, dropped: 50, failed: 0 });

        await influx?.start();
        await recorder.flush();
        expect(recorder.stats().views).toMatchObject({ buffered: 0, written: 100, dropped: 50, failed: 0 });
        const trending = await analytics.trending(1, 10);
        expect(trending.reduce((sum, entry) => sum + entry.views, 0)).toBe(100);
      } finally {
        await recorder.close();
      }
    });

    it('answers trending 503 while it is down and serves everything else, then trends again without a restart', async () => {
      const env = await testEnv({ env: { INFLUX_URL: dbUrl('platform'), ANALYTICS_STORE: 'influx' } });
      platform = await buildApp(loadConfig(env));
      const { app } = platform;
      const call = caller(() => app);
      const user = await signUp(app);
      const created = await call('POST', '/posts', user, { content: 'viewed during the outage' });
      expect(created.statusCode).toBe(201);
      const id = created.json().id as string;

      await influx?.stop();
      try {
        const trending = await call('GET', '/trending');
        expect(trending.statusCode, trending.body).toBe(503);
        expect(trending.headers['retry-after']).toBeDefined();
        expect((await call('POST', `/posts/${id}/views`, user)).json()).toEqual({ counted: true });
        expect((await call('GET', `/posts/${id}`, user)).statusCode).toBe(200);
        expect(
          (await call('POST', '/posts', user, { content: 'written while analytics is down' })).statusCode,
        ).toBe(201);
        expect((await call('GET', '/me', user)).statusCode).toBe(200);
        const health = await app.inject({ method: 'GET', url: '/healthz' });
        expect(health.json().failing).toEqual(['analytics']);
      } finally {
        await influx?.start();
      }
      await platform.analytics.flush();
      const trending = await call('GET', '/trending');
      expect(trending.statusCode, trending.body).toBe(200);
      expect(trending.json().items).toEqual([expect.objectContaining({ id, views: 1 })]);
      // It builds a platform and restarts InfluxDB: more than one request's bound.
    }, 120_000);
  },
);
