import { describe, expect, it } from 'vitest';
import { openRedis } from '../../src/engines/redis.ts';
import { createMemoryTimelines } from '../../src/feed/feed.memory.ts';
import { createRedisTimelines } from '../../src/feed/feed.redis.ts';
import { dropKeys, freshKeyPrefix, freshRedis } from '../support/stores.ts';
import { redisTargets, servers } from '../support/targets.ts';
import { timelineContract } from './feed.contract.ts';

const SIZE = 20;

timelineContract('memory (embedded)', async () => ({
  timelines: createMemoryTimelines({ size: SIZE }),
  size: SIZE,
  close: async () => {},
}));

for (const { name, server } of redisTargets) {
  timelineContract(
    name,
    async () => {
      const { redis, prefix, close } = await freshRedis(server.url);
      return {
        timelines: createRedisTimelines(redis, { keyPrefix: prefix, ttlSeconds: 3600, size: SIZE }),
        size: SIZE,
        close,
      };
    },
    server.skipReason,
  );
}

describe.skipIf(servers.redis.skipReason !== undefined)('Redis timeline keys', () => {
  it('keeps a user timeline under the prefix and the user hash tag, with an expiry', async () => {
    const url = servers.redis.url as string;
    const prefix = freshKeyPrefix();
    const redis = openRedis(url);
    await redis.connect();
    const timelines = createRedisTimelines(redis, { keyPrefix: prefix, ttlSeconds: 3600 });
    await timelines.rebuildTimeline(42, []);
    expect(await redis.keys(`${prefix}*`)).toEqual([`${prefix}{u:42}:timeline`]);
    expect(await redis.ttl(`${prefix}{u:42}:timeline`)).toBeGreaterThan(0);
    await redis.quit();
    await dropKeys(url, prefix);
  });
});
