import { createMemoryLeaderboard } from '../../src/commerce/leaderboard.memory.ts';
import { createRedisLeaderboard } from '../../src/commerce/leaderboard.redis.ts';
import { freshRedis } from '../support/stores.ts';
import { redisTargets } from '../support/targets.ts';
import { commerceCacheContract } from './commerce-cache.contract.ts';

commerceCacheContract('memory (embedded)', async () => {
  // A flush of the embedded cache is a restart of the process: new, empty adapters.
  const harness = {
    leaderboard: createMemoryLeaderboard(),
    async flush() {
      harness.leaderboard = createMemoryLeaderboard();
    },
    close: async () => {},
  };
  return harness;
});

for (const { name, server } of redisTargets) {
  commerceCacheContract(
    name,
    async () => {
      // Each run has its own prefix: the "flush" drops this run's keys only, never a shared Redis.
      const { redis, prefix, flush, close } = await freshRedis(server.url);
      return {
        leaderboard: createRedisLeaderboard(redis, prefix),
        flush,
        close,
      };
    },
    server.skipReason,
  );
}
