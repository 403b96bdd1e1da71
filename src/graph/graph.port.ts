// The graph role: who follows whom. Adapters know user ids only; the service checks that
// users exist and hydrates ids into profile summaries through the accounts port, because
// the graph may live on another engine (Neo4j) than the accounts (PostgreSQL).

/**
 * Where an edge sits in a newest-first list: when it was made, in microseconds since the
 * epoch (an exact JS integer until the year 2255), and the user at the other end as the
 * tie-break. Pages continue strictly after a position (keyset pagination, never OFFSET).
 */
export interface EdgePosition {
  at: number;
  userId: number;
}

/** One entry of a followers or following list: the user at the other end, and when. */
export type Edge = EdgePosition;

export interface PageRequest {
  /** At most this many edges. */
  limit: number;
  /** Continue after this position; the newest edges when absent. */
  after?: EdgePosition;
}

/** One FOLLOWS edge: followerId follows followeeId. */
export interface FollowEdge {
  followerId: number;
  followeeId: number;
}

/**
 * The caller's relationship towards another user, as the API returns it. Whether the other
 * muted the caller is not part of it: a mute is never told to the muted.
 */
export interface Relationship {
  following: boolean;
  followed_by: boolean;
  blocking: boolean;
  blocked_by: boolean;
  muting: boolean;
}

export interface Suggestion {
  userId: number;
  /** The number of distinct two-step paths caller -> x -> suggested user. */
  strength: number;
}

/** What a block did: whether the block is new, and the follows between the two it ended. */
export interface BlockChange {
  created: boolean;
  /**
   * The FOLLOWS edges (either direction) this call removed, in the block's own transaction;
   * on a graph that keeps the profile counters they moved with them.
   */
  unfollowed: FollowEdge[];
}

/**
 * What hides an account from a viewer. A block, in either direction, hides the two from each
 * other everywhere; a mute hides the muted account only from the muter's home feed and
 * notifications, so only those lists ask for 'blocks_and_mutes'.
 */
export type HiddenScope = 'blocks' | 'blocks_and_mutes';

export interface FollowCounts {
  followers: number;
  following: number;
}

export interface GraphPort {
  readonly engine: 'pglite' | 'postgres' | 'neo4j';
  /**
   * True when the adapter keeps the public profile's followers/following counters itself,
   * in the same transaction as the edge (the graph shares the accounts' database). When
   * false, the service adjusts them through the accounts port after each real change.
   */
  readonly keepsProfileCounts: boolean;

  /**
   * Idempotent. True only when this call created the edge. Creates nothing (false) when a
   * block exists between the two, checked under a lock that a concurrent block also takes,
   * so that a follow and a block never both win.
   */
  follow(followerId: number, followeeId: number): Promise<boolean>;
  /**
   * Many follows in one unit of work (loading a whole graph). Idempotent: edges that exist
   * already, and pairs with a block between them, are left alone. Returns the edges this call
   * created.
   */
  followMany(edges: readonly FollowEdge[]): Promise<FollowEdge[]>;
  /** Idempotent. True only when this call removed the edge. */
  unfollow(followerId: number, followeeId: number): Promise<boolean>;
  /** Who follows `userId`, newest first. */
  followers(userId: number, page: PageRequest): Promise<Edge[]>;
  /** Whom `userId` follows, newest first. */
  following(userId: number, page: PageRequest): Promise<Edge[]>;
  relationship(userId: number, otherId: number): Promise<Relationship>;
  /** Users both follow (the article's mutual friends), by id ascending, at most `limit`. */
  commonFollowing(userId: number, otherId: number, limit: number): Promise<number[]>;
  /**
   * Friends of friends: users followed by those `userId` follows, not followed yet and not
   * `userId`, by strength descending, then id ascending.
   */
  suggestions(userId: number, limit: number): Promise<Suggestion[]>;
  /** The users with the most followers (at least one), most first, then id ascending. */
  mostFollowed(limit: number, excludingUserId: number): Promise<Array<{ userId: number; followers: number }>>;
  /**
   * The last step of deleting an account: removes what the graph still holds of the user, any
   * follow left (moving the counters where the adapter keeps them), its blocks and mutes both
   * ways and, on Neo4j, its node. The
   * service unfollows edge by edge first, so that every other end gets its usual follow-up.
   * Idempotent.
   */
  eraseUser(userId: number): Promise<void>;
  /**
   * `blockerId` blocks `blockedId`, and the follows between them, both ways, end in the same
   * unit of work. Idempotent: a repeated block creates nothing and (no follow can exist
   * beside a block) removes nothing.
   */
  block(blockerId: number, blockedId: number): Promise<BlockChange>;
  /** Idempotent. True only when this call removed the block. Follows do not come back. */
  unblock(blockerId: number, blockedId: number): Promise<boolean>;
  /** Idempotent. True only when this call created the mute. */
  mute(muterId: number, mutedId: number): Promise<boolean>;
  /** Idempotent. True only when this call removed the mute. */
  unmute(muterId: number, mutedId: number): Promise<boolean>;
  /** Whom `userId` blocked, newest first (keyset pages, as followers are). */
  blocks(userId: number, page: PageRequest): Promise<Edge[]>;
  /** Whom `userId` muted, newest first. */
  mutes(userId: number, page: PageRequest): Promise<Edge[]>;
  /**
   * Of `userIds` (a page's authors, a list's people), those hidden from `viewerId` in a list of
   * the given scope: blocked by the viewer or blocking the viewer, and with
   * 'blocks_and_mutes' also muted by the viewer. Ascending ids, each once; one round trip
   * however many ids are asked about.
   */
  hiddenFrom(viewerId: number, userIds: readonly number[], scope: HiddenScope): Promise<number[]>;
  /**
   * Everyone hidden from `viewerId` in lists of the given scope (as hiddenFrom judges them),
   * at most `limit` of them, in no particular order: what the viewer's cached rules hold.
   */
  allHiddenFrom(viewerId: number, scope: HiddenScope, limit: number): Promise<number[]>;
  /** True when either of the two has blocked the other. */
  blockBetween(userId: number, otherId: number): Promise<boolean>;
  /** Exact, and cheap: no scan of the edges. */
  counts(userId: number): Promise<FollowCounts>;
  ping(): Promise<void>;
}
