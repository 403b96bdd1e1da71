// Redis stopped under a running platform (cache and BullMQ jobs on a Redis of this test's
// own; accounts, posts, graph and commerce on PostgreSQL), then started again EMPTY. While it
// is down: feeds are served from the stores with the degraded header, sessions are read from
// their record, writes that need only SQL succeed (posts, profile changes, follows, carts,
// orders, transfers: carts live in SQL), the leaderboard is read from the record, and nothing
// answers 500. Once it is back, without a restart: /healthz is 200, feeds are served from the
// cache again, and every acknowledged write and its fan-out is there.
import type { ChildProcess } from 'node:child_process';
import type { LightMyRequestResponse } from 'fastify';
import { v7 } from 'uuid';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildApp, type Platform } from '../../src/app.ts';
import { loadConfig } from '../../src/config.ts';
import { caller, signUp, type TestUser } from '../support/api.ts';
import { testEnv } from '../support/app.ts';
import { freePort, hasRedisServer, startRedis, stop } from '../support/redis-server.ts';
import { freshKeyPrefix } from '../support/stores.ts';
import { servers } from '../support/targets.ts';

const DEGRADED = 'x-feed-degraded';
const skip = !hasRedisServer ? 'no redis-server binary on this machine' : servers.postgres.skipReason;

/** The write's success, never 500: with Redis down a write that needs only SQL must succeed. */
function expectStatus(response: LightMyRequestResponse, status: number) {
  expect(response.statusCode, response.body).toBe(status);
}

describe.skipIf(skip !== undefined)(
  `Redis stopped under a running platform on PostgreSQL${skip ? ` [SKIPPED: ${skip}]` : ''}`,
  () => {
    let redis: ChildProcess | undefined;
    let redisPort: number;
    let platform: Platform | undefined;
    let call: ReturnType<typeof caller>;
    let author: TestUser;
    let follower: TestUser;
    const posts: string[] = [];

    beforeAll(async () => {
      redisPort = await freePort();
      redis = await startRedis(redisPort);
      const env = await testEnv({
        sql: 'postgres',
        env: {
          REDIS_URL: `redis://127.0.0.1:${redisPort}`,
          KEY_PREFIX: freshKeyPrefix(),
          DEMO_MODE: 'true',
          OUTBOX_RELAY_INTERVAL_MS: '200',
          OUTBOX_LEASE_SECONDS: '2',
        },
      });
      platform = await buildApp(loadConfig(env));
      expect([platform.probes.cache?.engine, platform.probes.jobs?.engine]).toEqual(['redis', 'redis']);
      const { app } = platform;
      call = caller(() => app);
      author = await signUp(app);
      follower = await signUp(app);
      expectStatus(await call('PUT', `/users/${author.id}/follow`, follower), 204);
      expectStatus(await call('GET', '/feed', follower), 200);
    }, 60_000);

    afterAll(async () => {
      await platform?.app.close();
      if (redis && redis.exitCode === null && redis.signalCode === null) await stop(redis);
    });

    const post = async (content: string) => {
      const created = await call('POST', '/posts', author, { content });
      expectStatus(created, 201);
      posts.push(created.json().id);
    };
    const feedIds = (response: LightMyRequestResponse) =>
      (response.json().items as Array<{ id: string }>).map((item) => item.id).sort();

    it('serves feeds degraded, sessions from their record, and SQL writes while Redis is down', async () => {
      await post('before the outage');
      await platform?.jobs.idle();
      const before = await call('GET', '/feed', follower);
      expect(before.headers[DEGRADED]).toBeUndefined();
      expect(feedIds(before)).toEqual([...posts].sort());

      await stop(redis as ChildProcess);

      const feed = await call('GET', '/feed', follower);
      expectStatus(feed, 200);
      expect(feed.headers[DEGRADED]).toBe('cache-unavailable');
      expect(feedIds(feed)).toEqual([...posts].sort());
      expectStatus(await call('GET', '/me', author), 200);
      const health = await platform?.app.inject({ method: 'GET', url: '/healthz' });
      expect(health?.statusCode).toBe(503);
      expect(health?.json().failing).toEqual(['cache', 'jobs']);

      // Writes that need only SQL: their follow-up work waits in the outbox.
      await post('during the outage');
      expectStatus(await call('PATCH', '/me', author, { name: 'Renamed During The Outage' }), 200);
      const product = await call('POST', '/products', author, {
        name: 'Outage lamp',
        price_cents: 700,
        stock: 5,
      });
      expectStatus(product, 201);
      expectStatus(await call('POST', '/wallet/deposits', follower, { amount_cents: 5000 }), 201);
      expectStatus(await call('PUT', `/me/cart/items/${product.json().id}`, follower, { quantity: 2 }), 204);
      expectStatus(await call('POST', '/me/cart/checkout', follower, { idempotency_key: v7() }), 201);
      const transfer = { to_user_id: author.id, amount_cents: 100, idempotency_key: v7() };
      expectStatus(await call('POST', '/wallet/transfers', follower, transfer), 201);
      const leaders = await call('GET', '/leaderboards/sellers');
      expectStatus(leaders, 200);
      expect(leaders.json().items[0]).toMatchObject({ seller: { id: author.id }, revenue_cents: 1400 });
      // The feed still shows the new post: read from the stores, not from the timeline.
      expect(feedIds(await call('GET', '/feed', follower))).toEqual([...posts].sort());
    });

    it('returns to the cache without a restart when Redis is back, with every acknowledged write', async () => {
      redis = await startRedis(redisPort);
      const deadline = Date.now() + 30_000;
      while ((await platform?.app.inject({ method: 'GET', url: '/healthz' }))?.statusCode !== 200) {
        expect(Date.now()).toBeLessThan(deadline);
        await new Promise((resolve) => setTimeout(resolve, 200));
      }
      await post('after the outage');
      await platform?.jobs.idle();
      const feed = await call('GET', '/feed', follower);
      expectStatus(feed, 200);
      expect(feed.headers[DEGRADED]).toBeUndefined();
      expect(feedIds(feed)).toEqual([...posts].sort());
      const mine = (await call('GET', `/users/${author.id}/posts`)).json().items as Array<{
        author: { name: string };
      }>;
      expect(mine).toHaveLength(posts.length);
      expect(new Set(mine.map((item) => item.author.name))).toEqual(new Set(['Renamed During The Outage']));
      expect((await call('GET', '/me/orders', follower)).json().items).toHaveLength(1);
      expect((await call('GET', '/me/wallet', follower)).json().balance_cents).toBe(5000 - 1400 - 100);
    });
  },
);
