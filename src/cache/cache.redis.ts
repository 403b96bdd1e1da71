// The cache role on Redis: JSON strings with EX, and the article's INCR + EXPIRE counter,
// every key under the configured prefix.
import { Cluster } from 'ioredis';
import { type RedisClient, unlinkKeysStartingWith } from '../engines/redis.ts';
import { type CachePort, cacheKeys, type WindowCount } from './cache.port.ts';

/**
 * The member every stored set holds besides its own, so that an empty set still exists (a
 * missing key means "not known"). Members are ids: none is an empty string.
 */
const SET_MARKER = '';
/** Members per SADD, so that a large set never makes one huge command. */
const SADD_BATCH = 1000;

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
    async recallMany<T>(keys: readonly string[]) {
      if (keys.length === 0) return [];
      // One MGET on a single node. On a cluster the keys lie in many slots: one GET each, which
      // auto-pipelining sends as one pipeline per node.
      const raws =
        redis instanceof Cluster
          ? await Promise.all(keys.map((key) => redis.get(k(key))))
          : await redis.mget(keys.map(k));
      return raws.map((raw) => (raw === null ? undefined : (JSON.parse(raw) as T)));
    },
    async rememberSet(key, members, ttlSeconds) {
      // MULTI on the one key: a reader sees the old set or the whole new one.
      const multi = redis.multi().del(k(key)).sadd(k(key), SET_MARKER);
      for (let start = 0; start < members.length; start += SADD_BATCH) {
        multi.sadd(k(key), ...members.slice(start, start + SADD_BATCH));
      }
      const results = await multi.expire(k(key), ttlSeconds).exec();
      if (!results) throw new Error('storing the set was aborted');
      for (const [error] of results) if (error) throw error;
    },
    async membersOf(key, candidates) {
      const [stored, ...found] = await redis.smismember(k(key), SET_MARKER, ...candidates);
      if (!stored) return undefined;
      return new Set(candidates.filter((_, i) => found[i] === 1));
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
