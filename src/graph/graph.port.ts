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

/** The caller's relationship towards another user, as the API returns it. */
export interface Relationship {
  following: boolean;
  followed_by: boolean;
}

export interface Suggestion {
  userId: number;
  /** The number of distinct two-step paths caller -> x -> suggested user. */
  strength: number;
}

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

  /** Idempotent. True only when this call created the edge. */
  follow(followerId: number, followeeId: number): Promise<boolean>;
  /**
   * Many follows in one unit of work (loading a whole graph). Idempotent: edges that exist
   * already are left alone. Returns the edges this call created.
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
   * edge left (moving the counters where the adapter keeps them) and, on Neo4j, its node. The
   * service unfollows edge by edge first, so that every other end gets its usual follow-up.
   * Idempotent.
   */
  eraseUser(userId: number): Promise<void>;
  /** Exact, and cheap: no scan of the edges. */
  counts(userId: number): Promise<FollowCounts>;
  ping(): Promise<void>;
}
