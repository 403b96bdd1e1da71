// The embedded cache: a Map in this process, with TTLs and a size bound.
import { type CachePort, cacheKeys, type WindowCount } from './cache.port.ts';

interface Entry {
  value: unknown;
  expiresAt: number;
}

export interface MemoryCacheOptions {
  /** Past this many entries the least recently written are evicted, so the process cannot grow without bound. */
  maxEntries?: number;
  now?: () => number;
}

function deepFreeze<T>(value: T): T {
  if (typeof value === 'object' && value !== null) {
    for (const inner of Object.values(value)) deepFreeze(inner);
    Object.freeze(value);
  }
  return value;
}

export function createMemoryCache({ maxEntries = 100_000, now = Date.now }: MemoryCacheOptions = {}) {
  const entries = new Map<string, Entry>();

  const live = (key: string): Entry | undefined => {
    const entry = entries.get(key);
    if (entry && entry.expiresAt <= now()) {
      entries.delete(key);
      return undefined;
    }
    return entry;
  };

  const write = (key: string, value: unknown, ttlMs: number) => {
    // Delete first so that the key moves to the end of the Map's insertion order.
    entries.delete(key);
    entries.set(key, { value, expiresAt: now() + ttlMs });
    if (entries.size > maxEntries) {
      const oldest = entries.keys().next().value;
      if (oldest !== undefined) entries.delete(oldest);
    }
  };

  const windowOf = (entry: Entry | undefined): WindowCount =>
    entry
      ? {
          count: entry.value as number,
          resetsInSeconds: Math.max(1, Math.ceil((entry.expiresAt - now()) / 1000)),
        }
      : { count: 0, resetsInSeconds: 0 };

  return {
    engine: 'memory',
    async recall<T>(key: string) {
      return live(key)?.value as T | undefined;
    },
    async recallMany<T>(keys: readonly string[]) {
      return keys.map((key) => live(key)?.value as T | undefined);
    },
    async rememberSet(key, members, ttlSeconds) {
      write(key, new Set(members), ttlSeconds * 1000);
    },
    async membersOf(key, candidates) {
      const entry = live(key);
      if (!(entry?.value instanceof Set)) return undefined;
      const set = entry.value as Set<string>;
      return new Set(candidates.filter((candidate) => set.has(candidate)));
    },
    async remember(key, value, ttlSeconds) {
      // A JSON copy, as a round trip through Redis would give, frozen: every recall hands out
      // this one copy (no clone per read), and no caller can change what the cache holds.
      write(key, deepFreeze(JSON.parse(JSON.stringify(value))), ttlSeconds * 1000);
    },
    async forget(...keys) {
      for (const key of keys) entries.delete(key);
    },
    async forgetUser(userId) {
      const start = cacheKeys.user(userId);
      for (const key of entries.keys()) if (key.startsWith(start)) entries.delete(key);
    },
    async countHit(key, windowSeconds) {
      const entry = live(key);
      if (entry) {
        entry.value = (entry.value as number) + 1;
        return windowOf(entry);
      }
      write(key, 1, windowSeconds * 1000);
      return windowOf(entries.get(key));
    },
    async peekHits(key) {
      return windowOf(live(key));
    },
    async ping() {},
  } satisfies CachePort;
}
