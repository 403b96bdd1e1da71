// The cache role: short-lived copies and counters in front of the stores of record.
// Nothing here is the only copy of anything: a lost cache costs speed, never data.

export interface WindowCount {
  /** Hits counted in the current window. */
  count: number;
  /** Seconds until the window resets (0 when nothing is counted). */
  resetsInSeconds: number;
}

export interface CachePort {
  readonly engine: 'memory' | 'redis';
  /**
   * Cache-aside read: the value stored under `key`, or undefined on a miss. Recalled values are
   * read-only (the in-process cache hands out the one frozen copy it keeps): copy to change.
   */
  recall<T>(key: string): Promise<T | undefined>;
  /** Stores a JSON-serialisable value for `ttlSeconds`. */
  remember(key: string, value: unknown, ttlSeconds: number): Promise<void>;
  /**
   * Many values at once, in the order of `keys` (undefined for a miss): one round trip where
   * the engine allows it, whatever slots the keys live in.
   */
  recallMany<T>(keys: readonly string[]): Promise<Array<T | undefined>>;
  /**
   * Stores the set `members` under `key` for `ttlSeconds`, replacing any set there. An empty
   * set is stored too: it says "none", where a missing key says "not known".
   */
  rememberSet(key: string, members: readonly string[], ttlSeconds: number): Promise<void>;
  /**
   * Which of `candidates` the set under `key` holds (one membership check, SMISMEMBER), or
   * undefined when no set is stored there.
   */
  membersOf(key: string, candidates: readonly string[]): Promise<Set<string> | undefined>;
  /** Invalidates keys (exact keys: there are no patterns, unlike the article's `feed:{id}:*`). */
  forget(...keys: string[]): Promise<void>;
  /**
   * Forgets every key under one user's hash tag (`{u:ID}:`, see cacheKeys), whichever part
   * wrote it: what deleting the account clears. Idempotent.
   */
  forgetUser(userId: number): Promise<void>;
  /** The article's rate-limit counter: INCR, and EXPIRE when the window starts. */
  countHit(key: string, windowSeconds: number): Promise<WindowCount>;
  /** The current window's count without adding a hit. */
  peekHits(key: string): Promise<WindowCount>;
  ping(): Promise<void>;
}

/**
 * Cache keys. Everything about one user shares the hash tag `{u:ID}`, so that on
 * Redis Cluster a user's keys live in one slot and may go in one pipeline.
 */
export const cacheKeys = {
  /** The start of every key about one user. */
  user: (userId: number) => `{u:${userId}}:`,
  profile: (userId: number) => `{u:${userId}}:profile`,
  /** The primary's WAL position after the user's latest write (read-your-writes over a replica). */
  writeMark: (userId: number) => `{u:${userId}}:write-lsn`,
  session: (tokenHash: string) => `{s:${tokenHash}}:session`,
  rateLimit: (rule: string, subject: string) => `{rl:${rule}:${subject}}`,
  /** A post's summary (document without comments, with its counters), shared by every feed page. */
  post: (postId: string) => `{p:${postId}}:post`,
  /** The ids of a user's newest posts: the first page of their timeline. */
  newestPosts: (userId: number) => `{u:${userId}}:newest-posts`,
  /** The posts a user liked, and those they reposted: the viewer's state on every page. */
  liked: (userId: number) => `{u:${userId}}:liked`,
  reposted: (userId: number) => `{u:${userId}}:reposted`,
  /** The accounts hidden from a user everywhere (blocks both ways), and in the home feed too (mutes). */
  hiddenEverywhere: (userId: number) => `{u:${userId}}:hidden`,
  hiddenAtHome: (userId: number) => `{u:${userId}}:hidden-home`,
  /** The accounts a user follows whose posts are merged at read time (too many followers to fan out). */
  feedPulled: (userId: number) => `{u:${userId}}:feed-pulled`,
  /** An account's newest feed entries, for the followers that merge its posts at read time. */
  feedNewest: (userId: number) => `{u:${userId}}:feed-newest`,
  /** The accounts with more followers than the fan-out threshold, most followed first. */
  feedPopular: '{feed}:popular',
  /** The sellers' revenue sorted set: one key, one slot. */
  sellersLeaderboard: '{lb:sellers}:revenue',
};
