// Notifications on the accounts' database (PGlite or a server): one row per event, under a
// unique constraint on what identifies the event, so a repeated event inserts nothing. Lists
// join the actor's profile, so a notification shows the actor's name as it is now, and a
// deleted account takes its notifications with it (foreign keys ON DELETE CASCADE).
import type { SqlDatabase } from '../engines/sql.ts';
import type {
  MarkReadResult,
  Notification,
  NotificationKind,
  NotificationsPort,
} from './notifications.port.ts';

interface NotificationRow {
  id: string;
  kind: NotificationKind;
  actor_id: number;
  handle: string;
  name: string;
  avatar_url: string | null;
  post_id: string | null;
  excerpt: string | null;
  created_at: Date;
  read: boolean;
}

const toNotification = (row: NotificationRow): Notification => ({
  id: row.id,
  kind: row.kind,
  actor: { id: row.actor_id, handle: row.handle, name: row.name, avatar_url: row.avatar_url },
  post: row.post_id === null ? null : { id: row.post_id, excerpt: row.excerpt ?? '' },
  created_at: row.created_at.toISOString(),
  read: row.read,
});

export function createPostgresNotifications(db: SqlDatabase) {
  return {
    engine: db.engine,

    async notify(notifications) {
      if (notifications.length === 0) return 0;
      // One statement for the batch (a post mentioning several people); a row whose event is
      // stored already meets the unique constraint and is skipped.
      const column = <T>(pick: (n: (typeof notifications)[number]) => T) => notifications.map(pick);
      const [{ added } = { added: 0 }] = await db.query<{ added: number }>(
        `WITH added AS (
           INSERT INTO notifications (id, recipient_id, kind, actor_id, post_id, comment_id, excerpt, created_at)
           SELECT * FROM unnest($1::uuid[], $2::bigint[], $3::text[], $4::bigint[], $5::uuid[], $6::uuid[],
                                $7::text[], $8::timestamptz[])
           ON CONFLICT ON CONSTRAINT notifications_once DO NOTHING
           RETURNING 1
         )
         SELECT count(*)::int AS added FROM added`,
        [
          column((n) => n.id),
          column((n) => n.recipientId),
          column((n) => n.kind),
          column((n) => n.actorId),
          column((n) => n.postId),
          column((n) => n.commentId),
          column((n) => n.excerpt),
          column((n) => n.created_at.toISOString()),
        ],
      );
      return added;
    },

    async list(recipientId, { limit, after }) {
      // The index (recipient_id, created_at DESC, id DESC) serves the page as one range scan.
      const rows = await db.query<NotificationRow>(
        `SELECT n.id::text AS id, n.kind, n.actor_id, p.handle, p.name, p.avatar_url,
                n.post_id::text AS post_id, n.excerpt, n.created_at, n.read
         FROM notifications n JOIN user_profiles p ON p.user_id = n.actor_id
         WHERE n.recipient_id = $1
           AND ($3::timestamptz IS NULL OR (n.created_at, n.id) < ($3::timestamptz, $4::uuid))
         ORDER BY n.created_at DESC, n.id DESC LIMIT $2`,
        [recipientId, limit, after ? new Date(after.at).toISOString() : null, after?.id ?? null],
      );
      return rows.map(toNotification);
    },

    async markRead(recipientId, upToId): Promise<MarkReadResult> {
      const [row] = await db.query<{ found: boolean; marked: number }>(
        `WITH up_to AS (
           SELECT created_at, id FROM notifications WHERE id = $2 AND recipient_id = $1
         ), marked AS (
           UPDATE notifications n SET read = true FROM up_to
           WHERE n.recipient_id = $1 AND NOT n.read AND (n.created_at, n.id) <= (up_to.created_at, up_to.id)
           RETURNING 1
         )
         SELECT EXISTS (SELECT 1 FROM up_to) AS found, (SELECT count(*) FROM marked)::int AS marked`,
        [recipientId, upToId],
      );
      return row?.found ? { found: true, marked: row.marked } : { found: false };
    },

    async unreadCount(recipientId) {
      // The partial index on unread rows answers without reading the read ones.
      const [row] = await db.query<{ count: number }>(
        'SELECT count(*)::int AS count FROM notifications WHERE recipient_id = $1 AND NOT read',
        [recipientId],
      );
      return row?.count ?? 0;
    },

    async unreadByActor(recipientId) {
      // Read from the partial index on unread rows, as unreadCount is.
      const rows = await db.query<{ actor_id: number; count: number }>(
        `SELECT actor_id, count(*)::int AS count FROM notifications
         WHERE recipient_id = $1 AND NOT read GROUP BY actor_id`,
        [recipientId],
      );
      return new Map(rows.map((row) => [Number(row.actor_id), row.count]));
    },

    async eraseUser(userId) {
      await db.query('DELETE FROM notifications WHERE recipient_id = $1 OR actor_id = $1', [userId]);
    },

    async forgetPost(postId) {
      await db.query('DELETE FROM notifications WHERE post_id = $1', [postId]);
    },

    ping: () => db.ping(),
  } satisfies NotificationsPort;
}
