// The cache role on Redis: JSON strings with EX, and the article's INCR + EXPIRE counter,
// every key under the configured prefix.
import {
  groupsBySlot,
  type RedisClient,
  runScript,
  scriptOf,
  unlinkKeysStartingWith,
} from '../engines/redis.ts';
import type { RemoteCache, Timed } from './cache.near.ts';
import { cacheKeys, type WindowCount } from './cache.port.ts';

/**
 * The member every stored set holds besides its own, so that an empty set still exists (a
 * missing key means "not known"). Members are ids: none is an empty string.
 */
const SET_MARKER = '';
/** PTTL's answer as time left: a key without an expiry (-1) has all the time there is. */
const remainingMs = (pttl: number) => (pttl === -1 ? Number.POSITIVE_INFINITY : Math.max(0, pttl));
/** Keys per read of many: one call reads them all (on a cluster, those of one slot). */
const MANY_BATCH = 100;
/** KEYS: the keys to read; returns each one's value and PTTL in turn. */
const GET_TIMED = scriptOf(`
  local found = {}
  for i, key in ipairs(KEYS) do
    found[2 * i - 1] = redis.call('GET', key)
    found[2 * i] = redis.call('PTTL', key)
  end
  return found`);
/** Members per SADD, so that a large set never makes one huge command. */
const SADD_BATCH = 1000;

export function createRedisCache(redis: RedisClient, keyPrefix: string) {
  const k = (key: string) => `${keyPrefix}${key}`;

  const windowOf = (count: number, ttl: number): WindowCount => ({
    count,
    resetsInSeconds: count > 0 ? Math.max(1, ttl) : 0,
  });

  /** Stores the set; true when it replaced one. */
  async function replaceSet(key: string, members: readonly string[], ttlSeconds: number): Promise<boolean> {
    // MULTI on the one key: a reader sees the old set or the whole new one.
    const multi = redis.multi().del(k(key)).sadd(k(key), SET_MARKER);
    for (let start = 0; start < members.length; start += SADD_BATCH) {
      multi.sadd(k(key), ...members.slice(start, start + SADD_BATCH));
    }
    const results = await multi.expire(k(key), ttlSeconds).exec();
    if (!results) throw new Error('storing the set was aborted');
    for (const [error] of results) if (error) throw error;
    return results[0]?.[1] === 1;
  }

  return {
    engine: 'redis',
    async recall<T>(key: string) {
      const raw = await redis.get(k(key));
      return raw === null ? undefined : (JSON.parse(raw) as T);
    },
    async recallMany<T>(keys: readonly string[]) {
      // One MGET per hash slot (on one server: one MGET); auto-pipelining sends a cluster's together.
      const found = new Map<string, T>();
      await Promise.all(
        groupsBySlot(redis, keys, (key) => key, MANY_BATCH).map(async (group) => {
          const raws = await redis.mget(group.map(k));
          group.forEach((key, i) => {
            const raw = raws[i];
            if (typeof raw === 'string') found.set(key, JSON.parse(raw) as T);
          });
        }),
      );
      return keys.map((key) => found.get(key));
    },
    rememberSet: async (key, members, ttlSeconds) => {
      await replaceSet(key, members, ttlSeconds);
    },
    replaceSet,
    async recallTimed<T>(keys: readonly string[]) {
      // One script call per hash slot (on one server: one call), each value with its PTTL.
      const found = new Map<string, Timed<T>>();
      await Promise.all(
        groupsBySlot(redis, keys, (key) => key, MANY_BATCH).map(async (group) => {
          const flat = (await runScript(redis, GET_TIMED, group.map(k), [])) as Array<string | number | null>;
          group.forEach((key, i) => {
            const raw = flat[2 * i];
            if (typeof raw === 'string') {
              found.set(key, { value: JSON.parse(raw) as T, ttlMs: remainingMs(flat[2 * i + 1] as number) });
            }
          });
        }),
      );
      return keys.map((key) => found.get(key));
    },
    async setMembers(key: string) {
      const [members, ttlMs] = await Promise.all([redis.smembers(k(key)), redis.pttl(k(key))]);
      if (!members.includes(SET_MARKER)) return undefined;
      return { value: members.filter((member) => member !== SET_MARKER), ttlMs: remainingMs(ttlMs) };
    },
    async membersOf(key, candidates) {
      const [stored, ...found] = await redis.smismember(k(key), SET_MARKER, ...candidates);
      if (!stored) return undefined;
      return new Set(candidates.filter((_, i) => found[i] === 1));
    },
    async remember(key, value, ttlSeconds) {
      await redis.set(k(key), JSON.stringify(value), 'EX', ttlSeconds);
    },
    async replace(key, value, ttlSeconds) {
      return (await redis.set(k(key), JSON.stringify(value), 'EX', ttlSeconds, 'GET')) !== null;
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
  } satisfies RemoteCache;
}
