// Committed writes and their follow-up work across a Redis outage. The platform runs on
// PostgreSQL with a Redis of this test's own (cache and BullMQ jobs), reached through a small
// TCP proxy of the test's own. Redis is killed while posts are created and profiles changed,
// then started again EMPTY (no persistence): jobs it held are gone. Every request must answer
// its success (it committed) or 503 with Retry-After, never 500; afterwards every acknowledged
// post exists once, the last acknowledged name is on every author copy, and every post reached
// the followers' timelines: the reactions were kept by the outbox, not by Redis.
import type { ChildProcess } from 'node:child_process';
import type { LightMyRequestResponse } from 'fastify';
import { Redis } from 'ioredis';
import { afterAll, describe, expect, it } from 'vitest';
import { buildApp, type Platform } from '../../src/app.ts';
import { loadConfig } from '../../src/config.ts';
import { createRedisTimelines } from '../../src/feed/feed.redis.ts';
import { caller, signUp, type TestUser } from '../support/api.ts';
import { buildTestApp, testEnv } from '../support/app.ts';
import { freePort, hasRedisServer, startRedis, stop } from '../support/redis-server.ts';
import { freshKeyPrefix } from '../support/stores.ts';
import { servers } from '../support/targets.ts';
import { startTcpProxy } from '../support/tcp-proxy.ts';

type Outcome = 'committed' | 'unavailable';

/** A write's answer: its success (it committed) or 503 with Retry-After; anything else fails the test. */
function outcomeOf(response: LightMyRequestResponse, success: number): Outcome {
  if (response.statusCode === success) return 'committed';
  expect(response.statusCode, response.body).toBe(503);
  expect(response.headers['retry-after']).toBeDefined();
  return 'unavailable';
}

interface Scenario {
  platform: Platform;
  /** Runs between the writes made before and those made during the outage (and after it). */
  outage?: {
    begin(): Promise<void>;
    /** `before`: the posts acknowledged before the outage. */
    end(before: Array<{ id: string; at: number }>, followers: TestUser[]): Promise<void>;
  };
}

/** Posts and profile changes by one author with three followers; what was acknowledged. */
async function writeThrough({ platform, outage }: Scenario) {
  const call = caller(() => platform.app);
  const author = await signUp(platform.app);
  const followers: TestUser[] = [];
  for (let i = 0; i < 3; i++) {
    const follower = await signUp(platform.app);
    expect((await call('PUT', `/users/${author.id}/follow`, follower)).statusCode).toBe(204);
    // Each follower's timeline exists from here on, so a fan-out has somewhere to go.
    expect((await call('GET', '/feed', follower)).statusCode).toBe(200);
    followers.push(follower);
  }
  const posts: Array<{ id: string; content: string; at: number }> = [];
  let name = (await call('GET', '/me', author)).json().name as string;
  const round = async (label: string) => {
    for (let i = 0; i < 6; i++) {
      const content = `${label} post ${i}`;
      const created = await call('POST', '/posts', author, { content });
      if (outcomeOf(created, 201) === 'committed') {
        const post = created.json();
        posts.push({ id: post.id, content, at: Date.parse(post.created_at) });
      }
      if (i % 2 === 1) {
        const next = `${label} name ${i}`;
        if (outcomeOf(await call('PATCH', '/me', author, { name: next }), 200) === 'committed') name = next;
      }
    }
  };
  await round('before');
  if (outage) {
    await platform.jobs.idle();
    await outage.begin();
    await round('during');
    await outage.end(
      posts.filter((post) => post.content.startsWith('before')),
      followers,
    );
  }
  await round('after');
  await platform.jobs.idle();
  return { call, author, followers, posts, name };
}

/** Every acknowledged post once, each author copy with the last acknowledged name. */
async function expectApplied({ call, author, posts, name }: Awaited<ReturnType<typeof writeThrough>>) {
  const listed = (await call('GET', `/users/${author.id}/posts?limit=100`)).json().items as Array<{
    content: string;
    author: { name: string };
  }>;
  expect(listed.map((post) => post.content).sort()).toEqual(posts.map((post) => post.content).sort());
  expect(new Set(listed.map((post) => post.author.name))).toEqual(new Set([name]));
}

describe('follow-up work of committed writes on PGlite + memory cache (SQL queue)', async () => {
  const platform = await buildTestApp();

  it('applies every acknowledged post and profile change, with its fan-out, exactly once', async () => {
    const written = await writeThrough({ platform });
    await expectApplied(written);
    for (const follower of written.followers) {
      const feed = (await written.call('GET', '/feed?limit=100', follower)).json();
      expect(feed.items.map((post: { id: string }) => post.id).sort()).toEqual(
        written.posts.map((post) => post.id).sort(),
      );
    }
  });
});

const skip = !hasRedisServer
  ? 'no redis-server binary on this machine'
  : (servers.postgres.skipReason ?? undefined);

describe.skipIf(skip !== undefined)(
  `follow-up work across a Redis outage on PostgreSQL + a Redis restarted empty${skip ? ` [SKIPPED: ${skip}]` : ''}`,
  () => {
    let redis: ChildProcess | undefined;
    let platform: Platform | undefined;
    const closers: Array<() => Promise<unknown>> = [];
    afterAll(async () => {
      await platform?.app.close();
      for (const close of closers) await close();
      if (redis && redis.exitCode === null) await stop(redis);
    });

    it('answers 201/200 or 503, never 500, and loses no reaction with Redis data', async () => {
      const redisPort = await freePort();
      redis = await startRedis(redisPort);
      const gate = await startTcpProxy(redisPort);
      closers.push(gate.close);
      const keyPrefix = freshKeyPrefix();
      const env = await testEnv({
        sql: 'postgres',
        env: {
          REDIS_URL: `redis://127.0.0.1:${gate.port}`,
          KEY_PREFIX: keyPrefix,
          OUTBOX_LEASE_SECONDS: '2',
          OUTBOX_RELAY_INTERVAL_MS: '200',
        },
      });
      platform = await buildApp(loadConfig(env));
      expect(platform.probes.jobs?.engine).toBe('redis');
      const ttlSeconds = 30 * 86_400;

      const written = await writeThrough({
        platform,
        outage: {
          async begin() {
            gate.shut();
            await stop(redis as ChildProcess);
          },
          // Redis comes back with nothing: no queued job, no timeline. The followers' timelines
          // are made again with the posts from before the outage only, before the platform can
          // reach Redis: every later post can reach them only through its fan-out job.
          async end(before, followers) {
            redis = await startRedis(redisPort);
            const direct = new Redis(redisPort, '127.0.0.1');
            closers.push(() => direct.quit());
            const timelines = createRedisTimelines(direct, { keyPrefix, ttlSeconds });
            const entries = before.map((post) => ({ postId: post.id, at: post.at }));
            for (const follower of followers) await timelines.rebuildTimeline(follower.id, entries);
            gate.open();
          },
        },
      });
      await expectApplied(written);
      const direct = new Redis(redisPort, '127.0.0.1');
      closers.push(() => direct.quit());
      const timelines = createRedisTimelines(direct, { keyPrefix, ttlSeconds });
      for (const follower of written.followers) {
        const entries = await timelines.readTimeline(follower.id, { limit: 100 });
        expect(entries?.map((entry) => entry.postId).sort()).toEqual(
          written.posts.map((post) => post.id).sort(),
        );
      }
    });
  },
);
