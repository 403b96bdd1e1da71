// A per-user set kept in the cache role in front of its store of record (the posts a user
// liked, the accounts hidden from them), so that a page asks one membership check of the cache
// instead of a query of the store. Cache-aside: a miss loads the whole set from the store and
// keeps it; a change forgets it at once and once more a moment later, so that a read which
// loaded the set just before the change committed, and stored it just after, cannot leave it
// stale. A user with more members than the bound is not cached: the store answers each ask.
import type { CachePort } from './cache.port.ts';

/** Stored in place of the members of a set too large to keep. Ids never take this form. */
const TOO_LARGE = '!too-large';
/** Long enough for any read that loaded a set before a change to have stored it. */
const FORGET_AGAIN_AFTER_MS = 1000;

export interface CachedSetOptions {
  cache: CachePort;
  key: (userId: number) => string;
  /** Up to `limit` members of the user's set, from the store of record. */
  load: (userId: number, limit: number) => Promise<string[]>;
  /** The store's own answer, for a user whose set is too large to keep. */
  ask: (userId: number, candidates: readonly string[]) => Promise<Set<string>>;
  ttlSeconds: number;
  /** Sets larger than this are not kept (a user who liked more posts asks the store each time). */
  maxMembers: number;
}

export class CachedSet {
  constructor(private readonly options: CachedSetOptions) {}

  /** Which of `candidates` the user's set holds. */
  async has(userId: number, candidates: readonly string[]): Promise<Set<string>> {
    return candidates.length === 0 ? new Set() : this.lookUp(userId, candidates);
  }

  /**
   * Makes the user's set ready in the cache role (loaded from the store if missing), ahead of
   * the asks a page will make: with near copies (cache.near.ts) those asks are then answered
   * in this process, so the page waits for no round trip of its own for them.
   */
  async warm(userId: number): Promise<void> {
    await this.lookUp(userId, []);
  }

  private async lookUp(userId: number, candidates: readonly string[]): Promise<Set<string>> {
    const { cache, key, load, ask, ttlSeconds, maxMembers } = this.options;
    const found = await cache.membersOf(key(userId), [TOO_LARGE, ...candidates]);
    if (found) return found.has(TOO_LARGE) && candidates.length ? ask(userId, candidates) : found;
    const members = await load(userId, maxMembers + 1);
    if (members.length > maxMembers) {
      await cache.rememberSet(key(userId), [TOO_LARGE], ttlSeconds);
      return candidates.length ? ask(userId, candidates) : new Set();
    }
    await cache.rememberSet(key(userId), members, ttlSeconds);
    const all = new Set(members);
    return new Set(candidates.filter((candidate) => all.has(candidate)));
  }

  /** After a change to these users' sets in the store: the next ask loads them anew. */
  async forget(...userIds: number[]): Promise<void> {
    const keys = userIds.map(this.options.key);
    await this.options.cache.forget(...keys);
    // The first forget reported any failure; the second is a safety net only.
    setTimeout(() => this.options.cache.forget(...keys).catch(() => {}), FORGET_AGAIN_AFTER_MS).unref();
  }
}
