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
