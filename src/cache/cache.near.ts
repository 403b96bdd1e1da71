// Near copies: the cache role's values kept for up to a second in this process too, in front
// of Redis, so that what every request reads (its session, post summaries, the viewer's sets)
// mostly costs no round trip. Redis stays the shared truth. Every change to a value there from
// any process (a value replaced, forgotten, a user's keys erased) is published on one channel,
// and every process drops its near copies of those keys when the message arrives: a session
// ended in one process is refused by all within milliseconds, and within a second at worst (a
// message lost as a connection drops). While this process is not subscribed (connecting,
// reconnecting) it keeps no near copies, and a value read while a change to it was heard is
// not kept either. A first value (a cache fill) has no near copy anywhere, so it is not published.
import type { RedisClient } from '../engines/redis.ts';
import { createMemoryCache } from './cache.memory.ts';
import type { CachePort } from './cache.port.ts';

/**
 * How long a near copy is kept at most, whatever its TTL in Redis: the bound on staleness should
 * a message be lost (a connection dropping before this process notices). A revoked session is
 * refused everywhere within it at worst; within milliseconds when the message arrives.
 */
const NEAR_TTL_SECONDS = 1;
const NEAR_MAX_ENTRIES = 20_000;
/** Past this many keys whose changes are remembered, the record starts anew (reads under way are then not kept). */
const MAX_CHANGES_TRACKED = 10_000;
/** A user's keys start with their hash tag (cacheKeys.user). */
const USER_KEY = /^\{u:(\d+)\}:/;

/** A published change: exact keys, and users all of whose keys went. */
interface Change {
  keys?: string[];
  users?: number[];
}

/** A value and how long it has left in the remote cache. */
export interface Timed<T> {
  value: T;
  ttlMs: number;
}

/** The remote cache, and what near copies need of it: values with their time left, whole sets. */
export type RemoteCache = CachePort & {
  /** remember, saying whether a value was there before (else no process can hold a near copy of it). */
  replace(key: string, value: unknown, ttlSeconds: number): Promise<boolean>;
  /** rememberSet, saying whether a set was there before. */
  replaceSet(key: string, members: readonly string[], ttlSeconds: number): Promise<boolean>;
  /** Like recallMany, each value with the time it has left, so a near copy never outlives it. */
  recallTimed<T>(keys: readonly string[]): Promise<Array<Timed<T> | undefined>>;
  /** Every member of the set under `key` with its time left, or undefined when none is stored. */
  setMembers(key: string): Promise<Timed<string[]> | undefined>;
};

export interface NearCacheOptions {
  /** Publishes the changes (the remote cache's own client). */
  publisher: RedisClient;
  /** A connection of its own, for subscriber mode (connected here if it is not yet). */
  subscriber: RedisClient;
  /** The channel every process of this deployment shares. */
  channel: string;
}

export interface NearCache extends CachePort {
  close(): Promise<void>;
}

export async function withNearCopies(
  remote: RemoteCache,
  { publisher, subscriber, channel }: NearCacheOptions,
): Promise<NearCache> {
  const fresh = () => createMemoryCache({ maxEntries: NEAR_MAX_ENTRIES });
  let near = fresh();
  let subscribed = false;
  // Which changes were heard, in order: a value read from Redis is kept near only when no change
  // of its key (nor of its user's keys, nor of everything) was heard while it was being read.
  let heardSoFar = 0;
  let everythingChangedAt = 0;
  const keyChangedAt = new Map<string, number>();
  const userChangedAt = new Map<number, number>();
  const userOf = (key: string) => {
    const match = USER_KEY.exec(key);
    return match ? Number(match[1]) : undefined;
  };

  const drop = async ({ keys = [], users = [] }: Change) => {
    heardSoFar++;
    if (keyChangedAt.size + userChangedAt.size > MAX_CHANGES_TRACKED) {
      keyChangedAt.clear();
      userChangedAt.clear();
      everythingChangedAt = heardSoFar;
    }
    for (const key of keys) keyChangedAt.set(key, heardSoFar);
    for (const userId of users) userChangedAt.set(userId, heardSoFar);
    await near.forget(...keys);
    for (const userId of users) await near.forgetUser(userId);
  };
  const dropAll = () => {
    heardSoFar++;
    everythingChangedAt = heardSoFar;
    near = fresh();
  };
  /** True when `key`, read from Redis since `heard`, may be kept near. */
  const mayKeep = (key: string, heard: number) => {
    if (!subscribed || everythingChangedAt > heard || (keyChangedAt.get(key) ?? 0) > heard) return false;
    const userId = userOf(key);
    return userId === undefined || (userChangedAt.get(userId) ?? 0) <= heard;
  };

  // A connection error shows as the subscription lost ('close'); without a listener it would throw.
  subscriber.on('error', () => {});
  subscriber.on('message', (from: string, message: string) => {
    if (from !== channel) return;
    try {
      void drop(JSON.parse(message) as Change);
    } catch {
      dropAll();
    }
  });
  // Not subscribed from the moment the connection is lost until it is subscribed again.
  const lost = () => {
    subscribed = false;
    dropAll();
  };
  subscriber.on('close', lost);
  subscriber.on('end', lost);
  const subscribe = async () => {
    await subscriber.subscribe(channel);
    subscribed = true;
  };
  subscriber.on('ready', () => {
    subscribe().catch(lost);
  });
  // Not connected yet: connect (Redis down at start: the client keeps reconnecting and subscribes once back).
  if (subscriber.status === 'wait') await subscriber.connect().catch(() => {});
  await subscribe().catch(lost);

  const publish = async (change: Change) => {
    await drop(change);
    await publisher.publish(channel, JSON.stringify(change));
  };
  const nearTtlSeconds = (ttlMs: number) => Math.min(NEAR_TTL_SECONDS, ttlMs / 1000);

  /** Values for keys missing near: from Redis, kept near when nothing changed them meanwhile. */
  const fetch = async <T>(keys: readonly string[]) => {
    const heard = heardSoFar;
    const timed = await remote.recallTimed<T>(keys);
    for (const [i, found] of timed.entries()) {
      const key = keys[i] as string;
      if (found && mayKeep(key, heard)) await near.remember(key, found.value, nearTtlSeconds(found.ttlMs));
    }
    return timed.map((found) => found?.value);
  };

  return {
    engine: remote.engine,
    async recall<T>(key: string) {
      const hit = subscribed ? await near.recall<T>(key) : undefined;
      return hit !== undefined ? hit : (await fetch<T>([key]))[0];
    },
    async recallMany<T>(keys: readonly string[]) {
      const found = subscribed ? await near.recallMany<T>(keys) : keys.map((): T | undefined => undefined);
      const missing = keys.filter((_, i) => found[i] === undefined);
      if (missing.length === 0) return found;
      const fetched = await fetch<T>(missing);
      let next = 0;
      return found.map((value) => (value !== undefined ? value : fetched[next++]));
    },
    async membersOf(key, candidates) {
      const hit = subscribed ? await near.membersOf(key, candidates) : undefined;
      if (hit) return hit;
      const heard = heardSoFar;
      const stored = await remote.setMembers(key);
      if (stored === undefined) return undefined;
      if (mayKeep(key, heard)) await near.rememberSet(key, stored.value, nearTtlSeconds(stored.ttlMs));
      const all = new Set(stored.value);
      return new Set(candidates.filter((candidate) => all.has(candidate)));
    },
    // A first value (a cache fill, the common case) has no near copy anywhere to drop: only a
    // value that replaced another is published.
    async remember(key, value, ttlSeconds) {
      if (await remote.replace(key, value, ttlSeconds)) await publish({ keys: [key] });
      else await drop({ keys: [key] });
    },
    async rememberSet(key, members, ttlSeconds) {
      if (await remote.replaceSet(key, members, ttlSeconds)) await publish({ keys: [key] });
      else await drop({ keys: [key] });
    },
    async forget(...keys) {
      await remote.forget(...keys);
      if (keys.length) await publish({ keys });
    },
    async forgetUser(userId) {
      await remote.forgetUser(userId);
      await publish({ users: [userId] });
    },
    countHit: (key, windowSeconds) => remote.countHit(key, windowSeconds),
    peekHits: (key) => remote.peekHits(key),
    ping: () => remote.ping(),
    async close() {
      subscriber.removeListener('close', lost);
      subscriber.removeListener('end', lost);
      subscribed = false;
      await subscriber.quit().catch(() => subscriber.disconnect());
    },
  };
}
