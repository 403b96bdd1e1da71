// The outbox on PostgreSQL or PGlite: the `outbox` table of the database that holds the facts
// (the accounts' database, which posts on SQL share). Writers insert entries inside their own
// transaction with recordReactions; the relay claims due entries with FOR UPDATE SKIP LOCKED,
// so several API processes relaying at once share the entries instead of waiting on each other.
import type { SqlClient, SqlDatabase } from '../engines/sql.ts';
import type { OutboxEntry, OutboxPort, Reaction } from './outbox.port.ts';

/** Stores `reactions` in the caller's transaction: they commit or roll back with the fact. */
export async function recordReactions(tx: SqlClient, reactions: readonly Reaction[]): Promise<void> {
  if (!reactions.length) return;
  await tx.query('INSERT INTO outbox (kind, payload) SELECT * FROM unnest($1::text[], $2::jsonb[])', [
    reactions.map((reaction) => reaction.kind),
    reactions.map((reaction) => JSON.stringify(reaction.payload)),
  ]);
}

export function createSqlOutbox(db: SqlDatabase) {
  return {
    store: 'sql',
    claimDue: (limit, leaseSeconds) =>
      db.query<OutboxEntry>(
        `UPDATE outbox SET lease_until = now() + make_interval(secs => $2), relays = relays + 1
         WHERE id IN (
           SELECT id FROM outbox WHERE lease_until <= now()
           ORDER BY lease_until, id
           LIMIT $1
           FOR UPDATE SKIP LOCKED
         )
         RETURNING id::text AS id, kind, payload`,
        [limit, leaseSeconds],
      ),
    async release(id) {
      await db.query('UPDATE outbox SET lease_until = now() WHERE id = $1', [id]);
    },
    async complete(id) {
      await db.query('DELETE FROM outbox WHERE id = $1', [id]);
    },
    async pending() {
      const [row] = await db.query<{ n: number }>('SELECT count(*)::int AS n FROM outbox');
      return row?.n ?? 0;
    },
  } satisfies OutboxPort;
}
