// The one small SQL interface that PGlite and node-postgres both serve, so that
// one adapter per role runs on the embedded default and on a real server alike.

export interface QueryOptions {
  prepare?: boolean;
}

export interface SqlClient {
  /**
   * Runs one parameterised statement and returns its rows. With `prepare`, a server keeps the
   * statement parsed and planned on each connection (for fixed statements on hot paths).
   */
  query<Row = Record<string, unknown>>(
    text: string,
    params?: readonly unknown[],
    options?: QueryOptions,
  ): Promise<Row[]>;
  /** Runs a script of several statements without parameters (migrations). */
  script(sql: string): Promise<void>;
}

export interface SqlDatabase extends SqlClient {
  readonly engine: 'pglite' | 'postgres';
  /** Runs `work` in one transaction: committed when it resolves, rolled back when it throws. */
  transaction<T>(work: (tx: SqlClient) => Promise<T>): Promise<T>;
  /**
   * Where a read that tolerates replication lag goes (public profiles, follower lists, user
   * timelines, products, trending, suggestions): a streaming replica when one is configured
   * and has replayed the viewer's own latest write, else this database itself.
   */
  read(): SqlClient;
  ping(): Promise<void>;
  close(): Promise<void>;
}

/** PostgreSQL's SQLSTATE of a failed statement, when the error carries one. */
export function sqlState(error: unknown): string | undefined {
  const code = (error as { code?: unknown } | null)?.code;
  return typeof code === 'string' && /^[0-9A-Z]{5}$/.test(code) ? code : undefined;
}

/** The constraint a failed statement broke, when PostgreSQL names it. */
export function sqlConstraint(error: unknown): string | undefined {
  const constraint = (error as { constraint?: unknown } | null)?.constraint;
  return typeof constraint === 'string' ? constraint : undefined;
}

// Both drivers get the same type parsing, so an adapter sees the same values on either:
// int8 ids as JS numbers (ids stay far below 2^53), dates as 'YYYY-MM-DD' strings
// (a JS Date would shift them by the local time zone).
export const INT8_OID = 20;
export const DATE_OID = 1082;
export const parseInt8 = (value: string): number => Number(value);
export const parseDate = (value: string): string => value;

// 40001: serialization failure; 40P01: deadlock detected. PostgreSQL rolled the transaction
// back and it may simply be run again. Rows are locked in a consistent order wherever two
// transactions meet, so these are rare; the bound keeps a pathological case finite.
const RETRYABLE = new Set(['40001', '40P01']);
const MAX_TRANSACTION_ATTEMPTS = 6;

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

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
