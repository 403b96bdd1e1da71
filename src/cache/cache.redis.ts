// The cache role on Redis: JSON strings with EX, and the article's INCR + EXPIRE counter,
// every key under the configured prefix.
import { type RedisClient, unlinkKeysStartingWith } from '../engines/redis.ts';
import { type CachePort, cacheKeys, type WindowCount } from './cache.port.ts';

export function createRedisCache(redis: RedisClient, keyPrefix: string) {
  const k = (key: string) => `${keyPrefix}${key}`;

  const windowOf = (count: number, ttl: number): WindowCount => ({
    count,
    resetsInSeconds: count > 0 ? Math.max(1, ttl) : 0,
  });

  return {
    engine: 'redis',
    async recall<T>(key: string) {
      const raw = await redis.get(k(key));
      return raw === null ? undefined : (JSON.parse(raw) as T);
    },
    async remember(key, value, ttlSeconds) {
      await redis.set(k(key), JSON.stringify(value), 'EX', ttlSeconds);
    },
    async forget(...keys) {
      // One DEL per key rather than one multi-key DEL (or one pipeline), so keys in different
      // cluster slots work too; auto-pipelining still sends them together.
      await Promise.all(keys.map((key) => redis.del(k(key))));
    },
    async forgetUser(userId) {
      // SCAN finds them (a user's keys are few); on Redis Cluster they share one slot by their tag.
      await unlinkKeysStartingWith(redis, k(cacheKeys.user(userId)));
    },
    async countHit(key, windowSeconds) {
      // MULTI: the counter and its expiry are set together, so a crash between the two
      // cannot leave a counter that never expires. NX keeps the window fixed from its first hit.
      const results = await redis.multi().incr(k(key)).expire(k(key), windowSeconds, 'NX').ttl(k(key)).exec();
      if (!results) throw new Error('rate-limit transaction was aborted');
      const [[incrError, count], , [ttlError, ttl]] = results as [
        [Error | null, number],
        unknown,
        [Error | null, number],
      ];
      if (incrError || ttlError) throw incrError ?? ttlError;
      return windowOf(count, ttl);
    },
    async peekHits(key) {
      const [[, raw], [, ttl]] = (await redis.multi().get(k(key)).ttl(k(key)).exec()) as [
        [Error | null, string | null],
        [Error | null, number],
      ];
      return windowOf(raw === null ? 0 : Number(raw), ttl);
    },
    async ping() {
      await redis.ping();
    },
  } satisfies CachePort;
}
