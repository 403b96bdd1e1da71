// The accounts role on PostgreSQL (PGlite or a server): plain parameterised SQL.
import { closeWalletIn } from '../commerce/wallets.postgres.ts';
import type { SqlClient, SqlDatabase } from '../engines/sql.ts';
import type { Reaction } from '../jobs/outbox.port.ts';
import { recordReactions } from '../jobs/outbox.postgres.ts';
import type {
  Account,
  AccountsPort,
  CreateAccountResult,
  DeleteAccountResult,
  NewAccount,
  ProfileSummary,
  PublicProfile,
} from './accounts.port.ts';
import { normaliseEmail } from './email.ts';
import type { ProfileCounters } from './profile-counters.ts';

/** An account as the database returns it: the same fields, with a Date for created_at. */
type AccountRow = Omit<Account, 'created_at'> & { created_at: Date };

interface PublicProfileRow extends Omit<AccountRow, 'email' | 'birthdate'> {
  followers_count: number;
  following_count: number;
  posts_count: number;
}

const toAccount = (row: AccountRow): Account => ({ ...row, created_at: row.created_at.toISOString() });

const ACCOUNT_COLUMNS = 'u.id, p.handle, u.email, p.name, p.bio, p.avatar_url, u.birthdate, u.created_at';

/** Thrown inside the sign-up transaction to roll it back when no candidate handle is free. */
class HandleTaken extends Error {}

/** LIKE treats % _ and \ specially; a query is matched literally. */
const likePrefix = (text: string) => `${text.replace(/[\\%_]/g, (c) => `\\${c}`)}%`;

/**
 * Moves the profile counters by the given edges, inside the caller's transaction. The rows are
 * locked in id order first, so that A follows B and B follows A at once cannot deadlock, nor
 * can two batches; `x = x + n` re-reads the row it waited for, so concurrent changes never
 * lose an update. A batch of edges costs two statements, however many edges it holds.
 */
async function adjustFollowCountsIn(
  tx: SqlClient,
  edges: readonly { followerId: number; followeeId: number }[],
  delta: 1 | -1,
): Promise<void> {
  const followers = edges.map((edge) => edge.followerId);
  const followees = edges.map((edge) => edge.followeeId);
  await tx.query(
    `SELECT 1 FROM user_profiles WHERE user_id = ANY($1::bigint[]) OR user_id = ANY($2::bigint[])
     ORDER BY user_id FOR NO KEY UPDATE`,
    [followers, followees],
  );
  await tx.query(
    `UPDATE user_profiles p SET
       following_count = p.following_count + moved.following * $3::int,
       followers_count = p.followers_count + moved.followers * $3::int
     FROM (
       SELECT user_id, sum(following)::int AS following, sum(followers)::int AS followers
       FROM (
         SELECT unnest($1::bigint[]) AS user_id, 1 AS following, 0 AS followers
         UNION ALL
         SELECT unnest($2::bigint[]), 0, 1
       ) AS edge_ends
       GROUP BY user_id
     ) AS moved
     WHERE p.user_id = moved.user_id`,
    [followers, followees, delta],
  );
}

/** Moves a profile's posts counter by one post, inside the caller's transaction (`x = x + 1` never loses an update). */
async function adjustPostsCountIn(tx: SqlClient, userId: number, delta: 1 | -1): Promise<void> {
  await tx.query('UPDATE user_profiles SET posts_count = posts_count + $2::int WHERE user_id = $1', [
    userId,
    delta,
  ]);
}

/** The counters other roles on this database move inside their own transactions. */
export const sqlProfileCounters: ProfileCounters = {
  follows: adjustFollowCountsIn,
  posts: adjustPostsCountIn,
};

export function createPostgresAccounts(db: SqlDatabase) {
  return {
    async createAccount(
      { email, passwordHash, name, birthdate, bio, handleCandidates }: NewAccount,
      reactionsFor?: (userId: number) => readonly Reaction[],
    ): Promise<CreateAccountResult> {
      try {
        return await db.transaction(async (tx) => {
          // ON CONFLICT on the normalised email: a taken email, in any spelling of it, inserts nothing.
          const [user] = await tx.query<Pick<AccountRow, 'id' | 'email' | 'birthdate' | 'created_at'>>(
            `INSERT INTO users (email, email_normalized, password_hash, birthdate) VALUES ($1, $2, $3, $4)
             ON CONFLICT (email_normalized) DO NOTHING
             RETURNING id, email, birthdate, created_at`,
            [email, normaliseEmail(email), passwordHash, birthdate],
          );
          if (!user) return { ok: false, taken: 'email' } as const;
          for (const handle of handleCandidates) {
            const [profile] = await tx.query<Pick<AccountRow, 'handle' | 'name' | 'bio' | 'avatar_url'>>(
              `INSERT INTO user_profiles (user_id, handle, name, bio) VALUES ($1, $2, $3, $4)
               ON CONFLICT (handle) DO NOTHING
               RETURNING handle, name, bio, avatar_url`,
              [user.id, handle, name, bio ?? ''],
            );
            if (profile) {
              await recordReactions(tx, reactionsFor?.(user.id) ?? []);
              return { ok: true, account: toAccount({ ...user, ...profile }) } as const;
            }
          }
          throw new HandleTaken();
        });
      } catch (error) {
        if (error instanceof HandleTaken) return { ok: false, taken: 'handle' };
        throw error;
      }
    },

    async findAccount(userId) {
      const [row] = await db.query<AccountRow>(
        `SELECT ${ACCOUNT_COLUMNS} FROM users u JOIN user_profiles p ON p.user_id = u.id WHERE u.id = $1`,
        [userId],
      );
      return row ? toAccount(row) : null;
    },

    async publicProfile(userId): Promise<PublicProfile | null> {
      // On the primary, never a replica: this fills the profile cache (cache-aside), and a copy a
      // lagging replica gave after the writer's invalidation would be served to all for its TTL.
      const [row] = await db.query<PublicProfileRow>(
        `SELECT u.id, p.handle, p.name, p.bio, p.avatar_url, u.created_at,
                p.followers_count, p.following_count, p.posts_count
         FROM users u JOIN user_profiles p ON p.user_id = u.id WHERE u.id = $1`,
        [userId],
      );
      if (!row) return null;
      const { followers_count, following_count, posts_count, created_at, ...profile } = row;
      return {
        ...profile,
        created_at: created_at.toISOString(),
        counts: { followers: followers_count, following: following_count, posts: posts_count },
      };
    },

    async findCredentials(email) {
      const [row] = await db.query<{ id: number; password_hash: string }>(
        'SELECT id, password_hash FROM users WHERE email_normalized = $1',
        [normaliseEmail(email)],
      );
      return row ? { userId: row.id, passwordHash: row.password_hash } : null;
    },

    updateProfile: (userId, changes, reactions = []) =>
      db.transaction(async (tx) => {
        const [row] = await tx.query<AccountRow>(
          `WITH p AS (
           UPDATE user_profiles SET
             name = COALESCE($2, name),
             bio = COALESCE($3, bio),
             avatar_url = CASE WHEN $5::boolean THEN $4 ELSE avatar_url END,
             updated_at = now()
           WHERE user_id = $1
           RETURNING *
         )
         SELECT ${ACCOUNT_COLUMNS} FROM p JOIN users u ON u.id = p.user_id`,
          [
            userId,
            changes.name ?? null,
            changes.bio ?? null,
            changes.avatar_url ?? null,
            'avatar_url' in changes,
          ],
        );
        if (!row) return null;
        // The follow-up work (author copies) commits with the change, or neither does.
        await recordReactions(tx, reactions);
        return toAccount(row);
      }),

    async changePasswordHash(userId, passwordHash) {
      await db.query('UPDATE users SET password_hash = $2 WHERE id = $1 AND deleted_at IS NULL', [
        userId,
        passwordHash,
      ]);
    },

    deleteAccount: (userId, reactions) =>
      db.transaction(async (tx): Promise<DeleteAccountResult> => {
        // The users row first: a concurrent deletion of the same account waits here, then finds a tombstone.
        const [user] = await tx.query<{ deleted: boolean }>(
          'SELECT deleted_at IS NOT NULL AS deleted FROM users WHERE id = $1 FOR UPDATE',
          [userId],
        );
        if (!user || user.deleted) return { ok: false, reason: 'no_account' };
        const closed = await closeWalletIn(tx, userId);
        if (!closed.ok) return { ok: false, reason: 'balance', balanceCents: closed.balanceCents };
        await tx.query(
          `UPDATE users SET deleted_at = now(), email = NULL, email_normalized = NULL,
             password_hash = NULL, birthdate = NULL
           WHERE id = $1`,
          [userId],
        );
        await tx.query('DELETE FROM user_profiles WHERE user_id = $1', [userId]);
        await tx.query('DELETE FROM device_tokens WHERE user_id = $1', [userId]);
        const ended = await tx.query<{ token_hash: string }>(
          'DELETE FROM sessions WHERE user_id = $1 RETURNING token_hash',
          [userId],
        );
        const endedSessions = ended.map((row) => row.token_hash);
        await recordReactions(tx, reactions(endedSessions));
        return { ok: true, endedSessions };
      }),

    async searchPeople(query, limit): Promise<ProfileSummary[]> {
      const text = query.toLowerCase();
      const prefix = likePrefix(text);
      // Prefix matches (handle, name, a word of the name) rank first, then trigram similarity.
      return db.query<ProfileSummary>(
        `SELECT user_id AS id, handle, name, avatar_url
         FROM user_profiles
         WHERE handle LIKE $2 OR lower(name) LIKE $2 OR lower(name) LIKE '% ' || $2
            OR handle % $1 OR lower(name) % $1
         ORDER BY (handle LIKE $2 OR lower(name) LIKE $2 OR lower(name) LIKE '% ' || $2) DESC,
                  greatest(similarity(handle, $1), similarity(lower(name), $1)) DESC,
                  user_id
         LIMIT $3`,
        [text, prefix, limit],
      );
    },

    summaries(userIds): Promise<ProfileSummary[]> {
      if (userIds.length === 0) return Promise.resolve([]);
      return db.query<ProfileSummary>(
        'SELECT user_id AS id, handle, name, avatar_url FROM user_profiles WHERE user_id = ANY($1::bigint[])',
        [userIds],
      );
    },

    summariesByHandle(handles): Promise<ProfileSummary[]> {
      if (handles.length === 0) return Promise.resolve([]);
      // The unique index on handle answers each one.
      return db.query<ProfileSummary>(
        'SELECT user_id AS id, handle, name, avatar_url FROM user_profiles WHERE handle = ANY($1::text[])',
        [handles],
      );
    },

    adjustFollowCounts: (followerId, followeeId, delta) =>
      db.transaction((tx) => adjustFollowCountsIn(tx, [{ followerId, followeeId }], delta)),

    adjustPostsCount: (userId, delta) => adjustPostsCountIn(db, userId, delta),

    async createSession(userId, tokenHash, expiresAt, absoluteExpiresAt) {
      await db.transaction(async (tx) => {
        // Expired sessions of this user are swept as new ones are made.
        await tx.query('DELETE FROM sessions WHERE user_id = $1 AND expires_at <= now()', [userId]);
        await tx.query(
          'INSERT INTO sessions (token_hash, user_id, expires_at, absolute_expires_at) VALUES ($1, $2, $3, $4)',
          [tokenHash, userId, expiresAt, absoluteExpiresAt],
        );
      });
    },

    async findSession(tokenHash) {
      const [row] = await db.query<{ user_id: number; expires_at: Date; absolute_expires_at: Date }>(
        `SELECT user_id, expires_at, absolute_expires_at FROM sessions
         WHERE token_hash = $1 AND expires_at > now() AND absolute_expires_at > now()`,
        [tokenHash],
      );
      return row
        ? { userId: row.user_id, expiresAt: row.expires_at, absoluteExpiresAt: row.absolute_expires_at }
        : null;
    },

    async extendSession(tokenHash, expiresAt) {
      await db.query(
        `UPDATE sessions SET expires_at = least($2, absolute_expires_at)
         WHERE token_hash = $1 AND expires_at < least($2, absolute_expires_at)`,
        [tokenHash, expiresAt],
      );
    },

    async endSession(tokenHash) {
      await db.query('DELETE FROM sessions WHERE token_hash = $1', [tokenHash]);
    },

    async activeUsers(userIds, since) {
      if (userIds.length === 0) return [];
      // A session created since `since` expires after it too (sessions_expiry_after_creation),
      // so expires_at alone decides; one index-only probe of sessions_user_id_expires_at per
      // user, stopping at the first live session.
      const rows = await db.query<{ id: number }>(
        `SELECT u.id FROM unnest($1::bigint[]) AS u(id)
         WHERE EXISTS (SELECT 1 FROM sessions s WHERE s.user_id = u.id AND s.expires_at >= $2)`,
        [userIds, since],
      );
      return rows.map((row) => Number(row.id));
    },

    async endSessions(userId, keep) {
      const rows = await db.query<{ token_hash: string }>(
        'DELETE FROM sessions WHERE user_id = $1 AND token_hash IS DISTINCT FROM $2 RETURNING token_hash',
        [userId, keep ?? null],
      );
      return rows.map((row) => row.token_hash);
    },

    async createDeviceToken(userId, tokenHash, expiresAt, keep) {
      await db.transaction(async (tx) => {
        await tx.query('DELETE FROM device_tokens WHERE user_id = $1 AND expires_at <= now()', [userId]);
        await tx.query('INSERT INTO device_tokens (token_hash, user_id, expires_at) VALUES ($1, $2, $3)', [
          tokenHash,
          userId,
          expiresAt,
        ]);
        await tx.query(
          `DELETE FROM device_tokens WHERE user_id = $1 AND token_hash NOT IN (
             SELECT token_hash FROM device_tokens WHERE user_id = $1
             ORDER BY created_at DESC, token_hash = $2 DESC LIMIT $3)`,
          [userId, tokenHash, keep],
        );
      });
    },

    async endDeviceTokens(userId) {
      await db.query('DELETE FROM device_tokens WHERE user_id = $1', [userId]);
    },

    async findDeviceToken(tokenHash) {
      const [row] = await db.query<{ user_id: number; expires_at: Date }>(
        'SELECT user_id, expires_at FROM device_tokens WHERE token_hash = $1 AND expires_at > now()',
        [tokenHash],
      );
      return row ? { userId: row.user_id, expiresAt: row.expires_at } : null;
    },

    ping: () => db.ping(),
  } satisfies AccountsPort;
}
