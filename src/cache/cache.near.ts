// Near copies: the cache role's values kept for a few seconds in this process too, in front
// of Redis, so that what every request reads (its session, post summaries, the viewer's sets)
// costs no round trip. Redis stays the shared truth. Every write to it from any process
// (remember, forget, a set stored, a user's keys erased) is published on one channel, and
// every process drops its near copies of those keys when the message arrives: a session
// ended in one process is refused by all within that delay. While this process is not
// subscribed (connecting, reconnecting) it keeps no near copies, so a message it could miss
// can never leave one stale; and a value read while a message arrived is not kept either.
import type { RedisClient } from '../engines/redis.ts';
import { createMemoryCache } from './cache.memory.ts';
import type { CachePort } from './cache.port.ts';

/** How long a near copy is kept at most, whatever its TTL in Redis. */
const NEAR_TTL_SECONDS = 10;
const NEAR_MAX_ENTRIES = 20_000;

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
  /** Like recallMany, each value with the time it has left, so a near copy never outlives it. */
  recallTimed<T>(keys: readonly string[]): Promise<Array<Timed<T> | undefined>>;
  /** Every member of the set under `key` with its time left, or undefined when none is stored. */
  setMembers(key: string): Promise<Timed<string[]> | undefined>;
};

export interface NearCacheOptions {
  /** Publishes the changes (the remote cache's own client). */
  publisher: RedisClient;
  /** A connection of its own, in subscriber mode. */
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
  // Counts the changes heard: a value read while one arrived may predate it, and is not kept.
  let changesHeard = 0;

  const drop = async ({ keys = [], users = [] }: Change) => {
    changesHeard++;
    await near.forget(...keys);
    for (const userId of users) await near.forgetUser(userId);
  };
  const dropAll = () => {
    changesHeard++;
    near = fresh();
  };

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
  await subscribe().catch(lost);

  const publish = async (change: Change) => {
    await drop(change);
    await publisher.publish(channel, JSON.stringify(change));
  };
  /** True when a value read since `heard` may be kept near: subscribed, and no change heard meanwhile. */
  const mayKeep = (heard: number) => subscribed && heard === changesHeard;
  const nearTtlSeconds = (ttlMs: number) => Math.min(NEAR_TTL_SECONDS, ttlMs / 1000);

  /** Values for keys missing near: from Redis, kept near when nothing changed meanwhile. */
  const fetch = async <T>(keys: readonly string[]) => {
    const heard = changesHeard;
    const timed = await remote.recallTimed<T>(keys);
    if (mayKeep(heard)) {
      for (const [i, found] of timed.entries()) {
        if (found) await near.remember(keys[i] as string, found.value, nearTtlSeconds(found.ttlMs));
      }
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
      const heard = changesHeard;
      const stored = await remote.setMembers(key);
      if (stored === undefined) return undefined;
      if (mayKeep(heard)) await near.rememberSet(key, stored.value, nearTtlSeconds(stored.ttlMs));
      const all = new Set(stored.value);
      return new Set(candidates.filter((candidate) => all.has(candidate)));
    },
    async remember(key, value, ttlSeconds) {
      await remote.remember(key, value, ttlSeconds);
      await publish({ keys: [key] });
    },
    async rememberSet(key, members, ttlSeconds) {
      await remote.rememberSet(key, members, ttlSeconds);
      await publish({ keys: [key] });
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
