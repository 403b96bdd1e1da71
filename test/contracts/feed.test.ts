import { v7 } from 'uuid';
import { describe, expect, it } from 'vitest';
import { openRedis } from '../../src/engines/redis.ts';
import { createMemoryTimelines } from '../../src/feed/feed.memory.ts';
import { trimMarginOf } from '../../src/feed/feed.port.ts';
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

  it('trims a timeline back to its cap once it passes cap + margin, reposts hash included', async () => {
    const url = servers.redis.url as string;
    const prefix = freshKeyPrefix();
    const redis = openRedis(url);
    await redis.connect();
    const timelines = createRedisTimelines(redis, { keyPrefix: prefix, ttlSeconds: 3600, size: SIZE });
    const [timeline, reposts] = [`${prefix}{u:7}:timeline`, `${prefix}{u:7}:reposts`];
    await timelines.rebuildTimeline(7, []);
    // Members: the sentinel and the entries; every other entry a repost, so the hash trims too.
    const most = 1 + SIZE + trimMarginOf(SIZE);
    const sizes: number[] = [];
    for (let i = 0; i < SIZE * 3; i++) {
      const entry = { postId: v7(), at: 1_800_000_000_000 + i, ...(i % 2 ? { repostedBy: 9 } : {}) };
      await timelines.pushToTimelines(entry, [7]);
      sizes.push(await redis.zcard(timeline));
      const members = await redis.zrange(timeline, 0, -1);
      const repostMembers = members
        .filter((member) => member.includes('/'))
        .map((member) => member.split('/')[0]);
      expect((await redis.hkeys(reposts)).sort()).toEqual(repostMembers.sort());
    }
    expect(Math.max(...sizes)).toBe(most);
    expect(sizes.at(-1)).toBeGreaterThanOrEqual(1 + SIZE);
    // Right after each trim the timeline holds the sentinel and exactly the cap.
    expect(sizes.filter((size, i) => size < (sizes[i - 1] ?? 0))).toEqual(
      sizes.filter((size, i) => size < (sizes[i - 1] ?? 0)).map(() => 1 + SIZE),
    );
    await redis.quit();
    await dropKeys(url, prefix);
  });
});
