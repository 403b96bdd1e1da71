// The graph role on PostgreSQL (PGlite or a server): an edge table indexed in both
// directions, plain parameterised SQL. "Friends of friends" is a self-join of that table.
import type { ProfileCounters } from '../accounts/profile-counters.ts';
import type { SqlDatabase } from '../engines/sql.ts';
import type { Edge, FollowEdge, GraphPort, PageRequest } from './graph.port.ts';

// A position's microseconds back into a timestamptz, exactly (integers below 2^53 survive
// the float8 multiplication), so keyset comparisons hit the very row the cursor came from.
const AT_MICROS = '(extract(epoch FROM f.created_at) * 1000000)::bigint';
const FROM_MICROS = (param: string) => `(timestamptz 'epoch' + ${param} * interval '1 microsecond')`;

/**
 * The graph on the accounts' own database: the FKs check both ends exist, and the profile
 * counters move in the same transaction as the edge, so they are exact under any concurrency.
 */
/** `counters`: the profile counters of the accounts' database, which this one is, moved with each edge. */
export function createPostgresGraph(db: SqlDatabase, counters: ProfileCounters) {
  /** One newest-first page of the edges at `userId`: `self` is its column, `other` the far end. */
  const page = async (
    self: 'follower_id' | 'followee_id',
    other: 'follower_id' | 'followee_id',
    userId: number,
    { limit, after }: PageRequest,
  ): Promise<Edge[]> => {
    // The row comparison matches the index order (self, created_at DESC, other DESC): one range scan.
    const rows = await db.query<Edge>(
      `SELECT f.${other} AS "userId", ${AT_MICROS} AS at
       FROM follows f
       WHERE f.${self} = $1
         AND ($3::bigint IS NULL OR (f.created_at, f.${other}) < (${FROM_MICROS('$3::bigint')}, $4::bigint))
       ORDER BY f.created_at DESC, f.${other} DESC
       LIMIT $2`,
      [userId, limit, after?.at ?? null, after?.userId ?? null],
    );
    return rows;
  };

  return {
    engine: db.engine,
    keepsProfileCounts: true,

    follow: (followerId, followeeId) =>
      db.transaction(async (tx) => {
        // ON CONFLICT DO NOTHING: a repeated follow inserts nothing and so counts nothing.
        const inserted = await tx.query(
          `INSERT INTO follows (follower_id, followee_id) VALUES ($1, $2)
           ON CONFLICT (follower_id, followee_id) DO NOTHING RETURNING 1`,
          [followerId, followeeId],
        );
        if (inserted.length) await counters.follows(tx, [{ followerId, followeeId }], 1);
        return inserted.length > 0;
      }),

    followMany: (edges) =>
      db.transaction(async (tx) => {
        // Inserted in key order, so that two batches sharing edges wait for each other
        // instead of deadlocking; only the rows really inserted are counted.
        const created = await tx.query<FollowEdge>(
          `INSERT INTO follows (follower_id, followee_id)
           SELECT DISTINCT follower_id, followee_id
           FROM unnest($1::bigint[], $2::bigint[]) AS edge(follower_id, followee_id)
           ORDER BY follower_id, followee_id
           ON CONFLICT (follower_id, followee_id) DO NOTHING
           RETURNING follower_id AS "followerId", followee_id AS "followeeId"`,
          [edges.map((edge) => edge.followerId), edges.map((edge) => edge.followeeId)],
        );
        if (created.length) await counters.follows(tx, created, 1);
        return created;
      }),

    unfollow: (followerId, followeeId) =>
      db.transaction(async (tx) => {
        const deleted = await tx.query(
          'DELETE FROM follows WHERE follower_id = $1 AND followee_id = $2 RETURNING 1',
          [followerId, followeeId],
        );
        if (deleted.length) await counters.follows(tx, [{ followerId, followeeId }], -1);
        return deleted.length > 0;
      }),

    followers: (userId, request) => page('followee_id', 'follower_id', userId, request),
    following: (userId, request) => page('follower_id', 'followee_id', userId, request),

    async relationship(userId, otherId) {
      const [row] = await db.query<{ following: boolean; followed_by: boolean }>(
        `SELECT EXISTS (SELECT 1 FROM follows WHERE follower_id = $1 AND followee_id = $2) AS following,
                EXISTS (SELECT 1 FROM follows WHERE follower_id = $2 AND followee_id = $1) AS followed_by`,
        [userId, otherId],
      );
      return { following: row?.following ?? false, followed_by: row?.followed_by ?? false };
    },

    async commonFollowing(userId, otherId, limit) {
      const rows = await db.query<{ id: number }>(
        `SELECT a.followee_id AS id
         FROM follows a JOIN follows b ON b.followee_id = a.followee_id AND b.follower_id = $2
         WHERE a.follower_id = $1
         ORDER BY a.followee_id
         LIMIT $3`,
        [userId, otherId, limit],
      );
      return rows.map((row) => row.id);
    },

    suggestions(userId, limit) {
      // Each (me -> x, x -> s) pair of rows is one distinct two-step path, so count(*) is
      // the strength. Both joins are index-only scans of the primary key.
      return db.query<{ userId: number; strength: number }>(
        `SELECT two.followee_id AS "userId", count(*)::int AS strength
         FROM follows one
         JOIN follows two ON two.follower_id = one.followee_id
         WHERE one.follower_id = $1
           AND two.followee_id <> $1
           AND NOT EXISTS (
             SELECT 1 FROM follows mine WHERE mine.follower_id = $1 AND mine.followee_id = two.followee_id
           )
         GROUP BY two.followee_id
         ORDER BY strength DESC, two.followee_id
         LIMIT $2`,
        [userId, limit],
      );
    },

    mostFollowed(limit, excludingUserId) {
      // The exact counters beside the profiles: a top-N over one row per user, not a count of 5M edges.
      return db.query<{ userId: number; followers: number }>(
        `SELECT user_id AS "userId", followers_count AS followers
         FROM user_profiles
         WHERE followers_count > 0 AND user_id <> $2
         ORDER BY followers_count DESC, user_id
         LIMIT $1`,
        [limit, excludingUserId],
      );
    },

    async counts(userId) {
      const [row] = await db.query<{ followers: number; following: number }>(
        'SELECT followers_count AS followers, following_count AS following FROM user_profiles WHERE user_id = $1',
        [userId],
      );
      return row ?? { followers: 0, following: 0 };
    },

    ping: () => db.ping(),
  } satisfies GraphPort;
}
