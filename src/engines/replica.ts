// A PostgreSQL primary with a streaming read replica behind the one SqlDatabase interface.
// Writes, transactions and ordinary reads go to the primary; `read()` (the reads that tolerate
// lag) goes to the replica, except for a viewer whose latest write the replica has not
// replayed yet (read-your-writes: pg_current_wal_lsn() remembered after the write, compared
// with the replica's pg_last_wal_replay_lsn()). A replica that fails is read around: its
// reads go to the primary until it answers again.
import { currentRead, type WriteMarks } from '../read-your-writes.ts';
import type { QueryOptions, SqlClient, SqlDatabase } from './sql.ts';

export interface ReplicatedDatabase extends SqlDatabase {
  /** Remembers where the primary's WAL is now as `userId`'s latest write; call once it committed. */
  markWrite(userId: number): Promise<void>;
  /**
   * Where the marks are kept: the cache role, shared by every API process. Until set, no mark
   * can be read, so signed-in viewers read the primary (correct, only slower).
   */
  keepMarksIn(marks: WriteMarks): void;
}

export function openReplicated(primary: SqlDatabase, replica: SqlDatabase): ReplicatedDatabase {
  let marks: WriteMarks | undefined;

  /** Whether this read may be served by the replica. */
  async function replicaServes(): Promise<boolean> {
    const context = currentRead();
    if (!context) return false;
    if (context.viewer === undefined) return true;
    if (!marks) return false;
    const lsn = await marks.latest(context.viewer);
    if (lsn === undefined) return true;
    // NULL when the server is not a standby (a misconfigured URL): then the primary answers.
    const [row] = await replica.query<{ replayed: boolean | null }>(
      'SELECT pg_last_wal_replay_lsn() >= $1::pg_lsn AS replayed',
      [lsn],
    );
    return row?.replayed === true;
  }

  const lagTolerant: SqlClient = {
    async query<Row>(text: string, params?: readonly unknown[]) {
      // The marks or the replica unreachable: the primary is always right.
      if (!(await replicaServes().catch(() => false))) return primary.query<Row>(text, params);
      try {
        return await replica.query<Row>(text, params);
      } catch {
        // A replica down, restarting or cancelling the query for a conflict with recovery: the
        // primary answers instead (a query that is itself wrong fails there with its own error).
        return primary.query<Row>(text, params);
      }
    },
    script: (sql) => primary.script(sql),
  };

  return {
    engine: 'postgres',
    query: <Row>(text: string, params?: readonly unknown[], options?: QueryOptions) =>
      primary.query<Row>(text, params, options),
    script: (sql) => primary.script(sql),
    transaction: (work) => primary.transaction(work),
    read: () => lagTolerant,
    // The primary is the store of record; an unreachable replica only costs the primary some reads.
    ping: () => primary.ping(),
    async close() {
      await Promise.allSettled([primary.close(), replica.close()]);
    },
    async markWrite(userId) {
      if (!marks) return;
      const [row] = await primary.query<{ lsn: string }>('SELECT pg_current_wal_lsn()::text AS lsn');
      if (row) await marks.remember(userId, row.lsn);
    },
    keepMarksIn(next) {
      marks = next;
    },
  };
}
