import { Redis } from 'ioredis';
import { describe, expect, it } from 'vitest';
import { createMemoryCache } from '../../src/cache/cache.memory.ts';
import { withNearCopies } from '../../src/cache/cache.near.ts';
import type { CachePort } from '../../src/cache/cache.port.ts';
import { createRedisCache } from '../../src/cache/cache.redis.ts';
import { openRedis, type RedisClient } from '../../src/engines/redis.ts';
import { dropKeys, freshKeyPrefix, freshRedis } from '../support/stores.ts';
import { redisTargets, servers, titled } from '../support/targets.ts';
import { cacheContract } from './cache.contract.ts';

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

cacheContract('memory (embedded)', async () => ({ cache: createMemoryCache(), close: async () => {} }));

for (const { name, server } of redisTargets) {
  cacheContract(
    name,
    async () => {
      const { redis, prefix, close } = await freshRedis(server.url);
      return { cache: createRedisCache(redis, prefix), close };
    },
    server.skipReason,
  );
}

/** Two processes' near caches on one Redis: each with its own connections, sharing the channel. */
async function nearCaches(url: string, count: number) {
  const opened = await Promise.all(Array.from({ length: count }, () => freshRedis(url)));
  const prefix = (opened[0] as { prefix: string }).prefix;
  const subscribers = opened.map(({ redis }) => redis.duplicate());
  const caches = await Promise.all(
    opened.map(async ({ redis }, i) => {
      const subscriber = subscribers[i] as RedisClient;
      await subscriber.connect();
      return withNearCopies(createRedisCache(redis, prefix), {
        publisher: redis,
        subscriber,
        channel: `${prefix}changes`,
      });
    }),
  );
  return {
    caches: caches as CachePort[],
    subscribers,
    prefix,
    async close() {
      for (const cache of caches) await cache.close();
      for (const { close } of opened) await close();
    },
  };
}

for (const { name, server } of redisTargets) {
  cacheContract(
    `${name} read through near copies`,
    async () => {
      const { caches, close } = await nearCaches(server.url as string, 1);
      return { cache: caches[0] as CachePort, close };
    },
    server.skipReason,
  );

  describe.skipIf(server.skipReason !== undefined)(titled(`near copies on ${name}`, server), () => {
    const eventually = async (check: () => Promise<boolean>) => {
      for (let i = 0; i < 100 && !(await check()); i++) await sleep(10);
      return check();
    };

    it('drops a near copy in every process when any process changes or forgets the key', async () => {
      const { caches, close } = await nearCaches(server.url as string, 2);
      const [a, b] = caches as [CachePort, CachePort];
      try {
        await a.remember('{s:t1}:session', { userId: 1 }, 60);
        expect(await b.recall('{s:t1}:session')).toEqual({ userId: 1 });
        // B now holds a near copy; A ends the session.
        await a.forget('{s:t1}:session');
        expect(await eventually(async () => (await b.recall('{s:t1}:session')) === undefined)).toBe(true);
        await a.remember('{p:x}:post', { likes: 1 }, 60);
        expect(await b.recallMany(['{p:x}:post'])).toEqual([{ likes: 1 }]);
        await a.remember('{p:x}:post', { likes: 2 }, 60);
        expect(
          await eventually(async () => (await b.recall<{ likes: number }>('{p:x}:post'))?.likes === 2),
        ).toBe(true);
        await a.rememberSet('{u:5}:hidden', ['7'], 60);
        expect(await b.membersOf('{u:5}:hidden', ['7', '8'])).toEqual(new Set(['7']));
        await a.rememberSet('{u:5}:hidden', ['8'], 60);
        expect(
          await eventually(async () => (await b.membersOf('{u:5}:hidden', ['7', '8']))?.has('8') === true),
        ).toBe(true);
        await a.forgetUser(5);
        expect(await eventually(async () => (await b.membersOf('{u:5}:hidden', ['8'])) === undefined)).toBe(
          true,
        );
      } finally {
        await close();
      }
    });

    it('keeps no near copy while its subscription is lost, and none that outlives the key', async () => {
      const { caches, subscribers, prefix, close } = await nearCaches(server.url as string, 1);
      const [cache] = caches as [CachePort];
      const raw = openRedis(server.url as string);
      await raw.connect();
      try {
        await cache.remember('{u:6}:profile', { v: 1 }, 60);
        expect(await cache.recall('{u:6}:profile')).toEqual({ v: 1 });
        // The subscription lost (and coming back): meanwhile reads go to Redis itself, so a
        // change made without a message heard (written here behind the cache's back) is seen.
        const subscriber = subscribers[0] as RedisClient;
        const closed = new Promise((resolve) => subscriber.once('close', resolve));
        subscriber.disconnect(true);
        await closed;
        await raw.set(`${prefix}{u:6}:profile`, JSON.stringify({ v: 2 }), 'EX', 60);
        expect(await cache.recall('{u:6}:profile')).toEqual({ v: 2 });
        await cache.remember('{u:6}:short', 'x', 1);
        expect(await cache.recall('{u:6}:short')).toBe('x');
        await sleep(1100);
        expect(await cache.recall('{u:6}:short')).toBeUndefined();
      } finally {
        await raw.quit();
        await close();
      }
    });
  });
}

describe('memory cache bounds', () => {
  it('evicts the oldest entries past its size bound', async () => {
    const cache = createMemoryCache({ maxEntries: 3 });
    for (const key of ['a', 'b', 'c', 'd']) await cache.remember(key, key, 60);
    expect(await cache.recall('a')).toBeUndefined();
    expect(await cache.recall('d')).toBe('d');
  });
});

describe.skipIf(servers.redis.skipReason !== undefined)('Redis cache keys', () => {
  it('puts every key under the configured prefix', async () => {
    const url = servers.redis.url as string;
    const prefix = freshKeyPrefix();
    const redis = openRedis(url);
    await redis.connect();
    const cache = createRedisCache(redis, prefix);
    await cache.remember('{u:1}:profile', { a: 1 }, 60);
    await cache.countHit('{rl:x}', 60);
    const raw = new Redis(url);
    expect((await raw.keys(`${prefix}*`)).sort()).toEqual([`${prefix}{rl:x}`, `${prefix}{u:1}:profile`]);
    await raw.quit();
    await redis.quit();
    await dropKeys(url, prefix);
  });
});
