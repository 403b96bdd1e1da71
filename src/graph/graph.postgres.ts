// The graph role on PostgreSQL (PGlite or a server): edge tables (follows, blocks, mutes)
// indexed in both directions, plain parameterised SQL. "Friends of friends" is a self-join
// of the follows table, bounded (SuggestionBound) for accounts with huge neighbourhoods.
import type { ProfileCounters } from '../accounts/profile-counters.ts';
import { type SqlClient, type SqlDatabase, withRetries } from '../engines/sql.ts';
import {
  type BlockChange,
  type Edge,
  type FollowEdge,
  type GraphPort,
  type PageRequest,
  type Relationship,
  SUGGESTION_BOUND,
  type SuggestionBound,
} from './graph.port.ts';

// A position's microseconds back into a timestamptz, exactly (integers below 2^53 survive
// the float8 multiplication), so keyset comparisons hit the very row the cursor came from.
const AT_MICROS = '(extract(epoch FROM e.created_at) * 1000000)::bigint';
const FROM_MICROS = (param: string) => `(timestamptz 'epoch' + ${param} * interval '1 microsecond')`;

/** Each newest-first list: its table, the column of the user it belongs to, and the far end. */
const LISTS = {
  followers: { table: 'follows', self: 'followee_id', other: 'follower_id' },
  following: { table: 'follows', self: 'follower_id', other: 'followee_id' },
  blocks: { table: 'blocks', self: 'blocker_id', other: 'blocked_id' },
  mutes: { table: 'mutes', self: 'muter_id', other: 'muted_id' },
} as const;

/**
 * A follow and a block of the same pair must not both win: a follow checks for a block and
 * then inserts, a block inserts and then deletes the follows, and under READ COMMITTED each
 * could miss the other's uncommitted row. A follow first takes FOR KEY SHARE on both users
 * (the lock its foreign keys take anyway, so follows never wait for each other); a block
 * takes FOR UPDATE, the one row lock that conflicts with it. Whichever comes second waits,
 * and its next statement sees what the first committed. Row locks, not advisory ones: a batch
 * of follows locks hundreds of users without filling the shared lock table.
 */
const lockUsersForFollow = (tx: SqlClient, ids: readonly number[]) =>
  tx.query('SELECT 1 FROM users WHERE id = ANY($1::bigint[]) ORDER BY id FOR KEY SHARE', [ids]);
const lockUsersForBlock = (tx: SqlClient, ids: readonly number[]) =>
  tx.query('SELECT 1 FROM users WHERE id = ANY($1::bigint[]) ORDER BY id FOR UPDATE', [ids]);

// No block either way between the pair `edge` (follower_id, followee_id) of the SELECT.
const NO_BLOCK_BETWEEN = `NOT EXISTS (
  SELECT 1 FROM blocks b
  WHERE (b.blocker_id = edge.follower_id AND b.blocked_id = edge.followee_id)
     OR (b.blocker_id = edge.followee_id AND b.blocked_id = edge.follower_id))`;

/**
 * The graph on the accounts' own database: the FKs check both ends exist, and the profile
 * counters move in the same transaction as the edge, so they are exact under any concurrency.
 */
/**
 * `counters`: the profile counters of the accounts' database, which this one is, moved with each
 * edge. `bound`: how much of a two-step neighbourhood one suggestions call reads.
 */
export function createPostgresGraph(
  db: SqlDatabase,
  counters: ProfileCounters,
  bound: SuggestionBound = SUGGESTION_BOUND,
) {
  const inRetriedTransaction = <Result>(work: (tx: SqlClient) => Promise<Result>) =>
    withRetries(() => db.transaction(work));

  /** One newest-first page of one of `userId`'s lists. */
  const page = async (
    list: keyof typeof LISTS,
    userId: number,
    { limit, after }: PageRequest,
  ): Promise<Edge[]> => {
    const { table, self, other } = LISTS[list];
    // The row comparison matches the index order (self, created_at DESC, other DESC): one range scan.
    // A list may lag a moment behind for others (db.read), never behind its reader's own changes.
    const rows = await db.read().query<Edge>(
      `SELECT e.${other} AS "userId", ${AT_MICROS} AS at
       FROM ${table} e
       WHERE e.${self} = $1
         AND ($3::bigint IS NULL OR (e.created_at, e.${other}) < (${FROM_MICROS('$3::bigint')}, $4::bigint))
       ORDER BY e.created_at DESC, e.${other} DESC
       LIMIT $2`,
      [userId, limit, after?.at ?? null, after?.userId ?? null],
    );
    return rows;
  };

  return {
    engine: db.engine,
    keepsProfileCounts: true,

    // A deadlock between a follow and a block of one pair (seen under load, rare) is retried.
    follow: (followerId, followeeId) =>
      inRetriedTransaction(async (tx) => {
        await lockUsersForFollow(tx, [followerId, followeeId]);
        // ON CONFLICT DO NOTHING: a repeated follow inserts nothing and so counts nothing.
        const inserted = await tx.query(
          `INSERT INTO follows (follower_id, followee_id)
           SELECT follower_id, followee_id FROM (VALUES ($1::bigint, $2::bigint)) AS edge(follower_id, followee_id)
           WHERE ${NO_BLOCK_BETWEEN}
           ON CONFLICT (follower_id, followee_id) DO NOTHING RETURNING 1`,
          [followerId, followeeId],
        );
        if (inserted.length) await counters.follows(tx, [{ followerId, followeeId }], 1);
        return inserted.length > 0;
      }),

    followMany: (edges) =>
      db.transaction(async (tx) => {
        const followers = edges.map((edge) => edge.followerId);
        const followees = edges.map((edge) => edge.followeeId);
        await lockUsersForFollow(tx, [...new Set([...followers, ...followees])]);
        // Inserted in key order, so that two batches sharing edges wait for each other
        // instead of deadlocking; only the rows really inserted are counted.
        const created = await tx.query<FollowEdge>(
          `INSERT INTO follows (follower_id, followee_id)
           SELECT DISTINCT follower_id, followee_id
           FROM unnest($1::bigint[], $2::bigint[]) AS edge(follower_id, followee_id)
           WHERE ${NO_BLOCK_BETWEEN}
           ORDER BY follower_id, followee_id
           ON CONFLICT (follower_id, followee_id) DO NOTHING
           RETURNING follower_id AS "followerId", followee_id AS "followeeId"`,
          [followers, followees],
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

    eraseUser: (userId) =>
      db.transaction(async (tx) => {
        const deleted = await tx.query<FollowEdge>(
          `DELETE FROM follows WHERE follower_id = $1 OR followee_id = $1
           RETURNING follower_id AS "followerId", followee_id AS "followeeId"`,
          [userId],
        );
        if (deleted.length) await counters.follows(tx, deleted, -1);
        await tx.query('DELETE FROM blocks WHERE blocker_id = $1 OR blocked_id = $1', [userId]);
        await tx.query('DELETE FROM mutes WHERE muter_id = $1 OR muted_id = $1', [userId]);
      }),

    followers: (userId, request) => page('followers', userId, request),
    following: (userId, request) => page('following', userId, request),

    block: (blockerId, blockedId) =>
      inRetriedTransaction(async (tx): Promise<BlockChange> => {
        await lockUsersForBlock(tx, [blockerId, blockedId]);
        const inserted = await tx.query(
          `INSERT INTO blocks (blocker_id, blocked_id) VALUES ($1, $2)
           ON CONFLICT (blocker_id, blocked_id) DO NOTHING RETURNING 1`,
          [blockerId, blockedId],
        );
        const unfollowed = await tx.query<FollowEdge>(
          `DELETE FROM follows
           WHERE (follower_id = $1 AND followee_id = $2) OR (follower_id = $2 AND followee_id = $1)
           RETURNING follower_id AS "followerId", followee_id AS "followeeId"`,
          [blockerId, blockedId],
        );
        if (unfollowed.length) await counters.follows(tx, unfollowed, -1);
        return { created: inserted.length > 0, unfollowed };
      }),

    async unblock(blockerId, blockedId) {
      const deleted = await db.query(
        'DELETE FROM blocks WHERE blocker_id = $1 AND blocked_id = $2 RETURNING 1',
        [blockerId, blockedId],
      );
      return deleted.length > 0;
    },

    async mute(muterId, mutedId) {
      const inserted = await db.query(
        `INSERT INTO mutes (muter_id, muted_id) VALUES ($1, $2)
         ON CONFLICT (muter_id, muted_id) DO NOTHING RETURNING 1`,
        [muterId, mutedId],
      );
      return inserted.length > 0;
    },

    async unmute(muterId, mutedId) {
      const deleted = await db.query('DELETE FROM mutes WHERE muter_id = $1 AND muted_id = $2 RETURNING 1', [
        muterId,
        mutedId,
      ]);
      return deleted.length > 0;
    },

    blocks: (userId, request) => page('blocks', userId, request),
    mutes: (userId, request) => page('mutes', userId, request),

    async hiddenFrom(viewerId, userIds, scope) {
      if (userIds.length === 0) return [];
      // Each EXISTS is one probe of an index: the primary keys (viewer's own blocks and mutes)
      // and blocks_blocked (who blocked the viewer).
      const rows = await db.query<{ id: number }>(
        `SELECT DISTINCT asked.id
         FROM unnest($2::bigint[]) AS asked(id)
         WHERE EXISTS (SELECT 1 FROM blocks WHERE blocker_id = $1 AND blocked_id = asked.id)
            OR EXISTS (SELECT 1 FROM blocks WHERE blocker_id = asked.id AND blocked_id = $1)
            OR ($3 AND EXISTS (SELECT 1 FROM mutes WHERE muter_id = $1 AND muted_id = asked.id))
         ORDER BY asked.id`,
        [viewerId, userIds, scope === 'blocks_and_mutes'],
      );
      return rows.map((row) => row.id);
    },

    async allHiddenFrom(viewerId, scope, limit) {
      // Three index-only reads: the viewer's blocks and mutes (primary keys), and blocks_blocked.
      const rows = await db.query<{ id: number }>(
        `SELECT blocked_id AS id FROM blocks WHERE blocker_id = $1
         UNION SELECT blocker_id FROM blocks WHERE blocked_id = $1
         UNION SELECT muted_id FROM mutes WHERE $3 AND muter_id = $1
         LIMIT $2`,
        [viewerId, limit, scope === 'blocks_and_mutes'],
      );
      return rows.map((row) => row.id);
    },

    async blockBetween(userId, otherId) {
      const [row] = await db.query<{ blocked: boolean }>(
        `SELECT EXISTS (
           SELECT 1 FROM blocks
           WHERE (blocker_id = $1 AND blocked_id = $2) OR (blocker_id = $2 AND blocked_id = $1)
         ) AS blocked`,
        [userId, otherId],
      );
      return row?.blocked ?? false;
    },

    async relationship(userId, otherId) {
      const [row] = await db.query<Relationship>(
        `SELECT EXISTS (SELECT 1 FROM follows WHERE follower_id = $1 AND followee_id = $2) AS following,
                EXISTS (SELECT 1 FROM follows WHERE follower_id = $2 AND followee_id = $1) AS followed_by,
                EXISTS (SELECT 1 FROM blocks WHERE blocker_id = $1 AND blocked_id = $2) AS blocking,
                EXISTS (SELECT 1 FROM blocks WHERE blocker_id = $2 AND blocked_id = $1) AS blocked_by,
                EXISTS (SELECT 1 FROM mutes WHERE muter_id = $1 AND muted_id = $2) AS muting`,
        [userId, otherId],
      );
      return row as Relationship;
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
      // the strength. Both steps are index-only scans of follows_following_page, already in
      // the bound's newest-first order: the outer ORDER BY extends that order (an incremental
      // sort) and its LIMIT stops the nested loop after `paths` rows, so a huge neighbourhood
      // costs no more than the bound. The inner LIMIT only tells the planner that no followee
      // yields more. The exclusion reads all of the caller's follows (primary key).
      // Lag-tolerant (db.read).
      return db.read().query<{ userId: number; strength: number }>(
        `SELECT path.followee_id AS "userId", count(*)::int AS strength
         FROM (
           SELECT two.followee_id
           FROM (
             SELECT followee_id, created_at FROM follows
             WHERE follower_id = $1
             ORDER BY created_at DESC, followee_id DESC
             LIMIT $3
           ) one
           CROSS JOIN LATERAL (
             SELECT followee_id, created_at FROM follows
             WHERE follower_id = one.followee_id
             ORDER BY created_at DESC, followee_id DESC
             LIMIT $4
           ) two
           ORDER BY one.created_at DESC, one.followee_id DESC, two.created_at DESC, two.followee_id DESC
           LIMIT $4
         ) path
         WHERE path.followee_id <> $1
           AND NOT EXISTS (
             SELECT 1 FROM follows mine WHERE mine.follower_id = $1 AND mine.followee_id = path.followee_id
           )
         GROUP BY path.followee_id
         ORDER BY strength DESC, path.followee_id
         LIMIT $2`,
        [userId, limit, bound.followees, bound.paths],
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
