// The cache role: in-process memory, or Redis when REDIS_URL is set. It provides the cache
// twice: best effort (an outage reads as a miss and writes nothing: what services want), with
// near copies in this process on Redis (cache.near.ts), and as it is (the rate limiter decides
// for itself what an outage means). Other roles' data that lives in this role (timelines,
// leaderboards, view dedupe) is opened by those roles' modules.
import type { PlatformModule } from '../modules.ts';
import { bestEffort } from './cache.best-effort.ts';
import { createMemoryCache } from './cache.memory.ts';
import { withNearCopies } from './cache.near.ts';
import type { CachePort } from './cache.port.ts';
import { createRedisCache } from './cache.redis.ts';

declare module '../modules.ts' {
  interface Provided {
    /** The cache, best effort: an outage reads as a miss. */
    cache: CachePort;
    /** The cache as it is: its calls fail during an outage. */
    rawCache: CachePort;
  }
}

export const cacheModule: PlatformModule = {
  name: 'cache',
  async open(ctx) {
    const { config } = ctx;
    if (config.stores.cache !== 'redis') {
      const memory = ctx.guard('cache', createMemoryCache());
      return {
        provides: { cache: bestEffort(memory, ctx.log), rawCache: memory },
        probes: { cache: { engine: 'memory', ping: () => memory.ping() } },
      };
    }
    const redis = ctx.engines.redis();
    const rawCache = ctx.guard('cache', createRedisCache(redis, config.keyPrefix));
    // Services read through near copies in this process; the rate limiter and the write marks
    // (rawCache) count and read in Redis itself, shared by every process at every instant.
    const near = await withNearCopies(rawCache, {
      publisher: redis,
      subscriber: redis.duplicate(),
      channel: `${config.keyPrefix}cache:changes`,
    });
    return {
      provides: { cache: bestEffort(near, ctx.log), rawCache },
      probes: { cache: { engine: 'redis', ping: () => rawCache.ping() } },
      close: () => near.close(),
    };
  },
};
