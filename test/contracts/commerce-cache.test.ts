import { createMemoryCarts } from '../../src/commerce/cart.memory.ts';
import { createRedisCarts } from '../../src/commerce/cart.redis.ts';
import { createMemoryLeaderboard } from '../../src/commerce/leaderboard.memory.ts';
import { createRedisLeaderboard } from '../../src/commerce/leaderboard.redis.ts';
import { openRedis } from '../../src/engines/redis.ts';
import { dropKeys, freshKeyPrefix } from '../support/stores.ts';
import { servers } from '../support/targets.ts';
import { commerceCacheContract } from './commerce-cache.contract.ts';

commerceCacheContract('memory (embedded)', async () => {
  // A flush of the embedded cache is a restart of the process: new, empty adapters.
  const harness = {
    carts: createMemoryCarts(),
    leaderboard: createMemoryLeaderboard(),
    async flush() {
      harness.carts = createMemoryCarts();
      harness.leaderboard = createMemoryLeaderboard();
    },
    close: async () => {},
  };
  return harness;
});

commerceCacheContract(
  'Redis (server)',
  async () => {
    const url = servers.redis.url as string;
    // Each run has its own prefix: the "flush" drops this run's keys only, never a shared Redis.
    const prefix = freshKeyPrefix();
    const redis = openRedis(url);
    await redis.connect();
    return {
      carts: createRedisCarts(redis, prefix),
      leaderboard: createRedisLeaderboard(redis, prefix),
      flush: () => dropKeys(url, prefix),
      close: async () => {
        await redis.quit();
        await dropKeys(url, prefix);
      },
    };
  },
  servers.redis.skipReason,
);
