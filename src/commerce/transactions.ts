// The transaction discipline of the commerce adapters on PostgreSQL: bounded retries of
// the failures that are nobody's fault (engines/sql.ts), and refusals that roll a transaction back but
// reach the caller as an ordinary result instead of an error.
import { type SqlClient, type SqlDatabase, withRetries } from '../engines/sql.ts';

/** A refusal inside a transaction: thrown to roll it back, then returned as `result`. */
class Refusal<Result> extends Error {
  constructor(readonly result: Result) {
    super('refused');
  }
}

export const refuse = <Result>(result: Result): never => {
  throw new Refusal(result);
};

/**
 * Runs `work` in a transaction, retried as `withRetries` says. A `refuse(...)` inside rolls
 * the transaction back and becomes the return value.
 */
export async function inTransaction<Result>(
  db: SqlDatabase,
  work: (tx: SqlClient) => Promise<Result>,
): Promise<Result> {
  try {
    return await withRetries(() => db.transaction(work));
  } catch (error) {
    if (error instanceof Refusal) return error.result as Result;
    throw error;
  }
}

export const iso = (date: Date) => date.toISOString();
