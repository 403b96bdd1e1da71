// The transaction discipline of the commerce adapters on PostgreSQL: bounded retries of
// the failures that are nobody's fault, and refusals that roll a transaction back but
// reach the caller as an ordinary result instead of an error.
import { type SqlClient, type SqlDatabase, sqlState } from '../engines/sql.ts';

// 40001: serialization failure; 40P01: deadlock detected. PostgreSQL rolled the transaction
// back and it may simply be run again. Rows are locked in a consistent order (products by id,
// then wallets by user id), so these are rare; the bound keeps a pathological case finite.
const RETRYABLE = new Set(['40001', '40P01']);
export const MAX_TRANSACTION_ATTEMPTS = 6;

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

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
 * Runs `attempt` again (with a short random back-off) when PostgreSQL aborted its
 * transaction for a serialization failure or a deadlock.
 */
export async function withRetries<Result>(attempt: () => Promise<Result>): Promise<Result> {
  for (let attempts = 1; ; attempts++) {
    try {
      return await attempt();
    } catch (error) {
      if (attempts >= MAX_TRANSACTION_ATTEMPTS || !RETRYABLE.has(sqlState(error) ?? '')) throw error;
      // Jitter, so that the transactions that collided do not collide again in step.
      await sleep(Math.random() * 5 * 2 ** attempts);
    }
  }
}

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
