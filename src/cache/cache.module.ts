// The cache role: in-process memory, or Redis when REDIS_URL is set. It provides the cache
// twice: best effort (an outage reads as a miss and writes nothing: what services want), and
// as it is (the rate limiter decides for itself what an outage means). Other roles' data that
// lives in this role (timelines, leaderboards, view dedupe) is opened by those roles' modules.
import type { PlatformModule } from '../modules.ts';
import { bestEffort } from './cache.best-effort.ts';
import { createMemoryCache } from './cache.memory.ts';
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
    const rawCache = ctx.guard(
      'cache',
      config.stores.cache === 'redis'
        ? createRedisCache(ctx.engines.redis(), config.keyPrefix)
        : createMemoryCache(),
    );
    return {
      provides: { cache: bestEffort(rawCache, ctx.log), rawCache },
      probes: { cache: { engine: config.stores.cache, ping: () => rawCache.ping() } },
    };
  },
};
