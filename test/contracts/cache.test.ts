import { Redis } from 'ioredis';
import { describe, expect, it } from 'vitest';
import { createMemoryCache } from '../../src/cache/cache.memory.ts';
import { createRedisCache } from '../../src/cache/cache.redis.ts';
import { openRedis } from '../../src/engines/redis.ts';
import { dropKeys, freshKeyPrefix, freshRedis } from '../support/stores.ts';
import { redisTargets, servers } from '../support/targets.ts';
import { cacheContract } from './cache.contract.ts';

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
