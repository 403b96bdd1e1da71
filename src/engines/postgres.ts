// A PostgreSQL server through node-postgres' pool.
import { createHash } from 'node:crypto';
import pg from 'pg';
import {
  DATE_OID,
  INT8_OID,
  parseDate,
  parseInt8,
  type QueryOptions,
  type SqlClient,
  type SqlDatabase,
} from './sql.ts';

const statementNames = new Map<string, string>();
/** One name per statement text, the same in every process. */
function statementName(text: string): string {
  let name = statementNames.get(text);
  if (!name) {
    name = `s_${createHash('sha256').update(text).digest('hex').slice(0, 24)}`;
    statementNames.set(text, name);
  }
  return name;
}

const types = {
  getTypeParser(oid: number, format?: 'text' | 'binary') {
    if (oid === INT8_OID) return parseInt8;
    if (oid === DATE_OID) return parseDate;
    return pg.types.getTypeParser(oid, format);
  },
} as pg.CustomTypesConfig;

export interface PostgresOptions {
  url: string;
  max?: number;
  applicationName?: string;
  /**
   * How long each query may take: past it the caller gets an error (a 503) instead of waiting
   * on a slow server, and the connection is dropped.
   */
  timeoutMs?: number;
  /** How long waiting for a connection (a new one, or a free one of the pool) may take. */
  connectTimeoutMs?: number;
}

export function openPostgres({
  url,
  max = 10,
  applicationName = 'polyglot-social',
  timeoutMs = 30_000,
  connectTimeoutMs = 5000,
}: PostgresOptions): SqlDatabase {
  const pool = new pg.Pool({
    connectionString: url,
    max,
    types,
    application_name: applicationName,
    connectionTimeoutMillis: connectTimeoutMs,
    // Client-side, so that a slow network counts too; the server's own bound frees its backend.
    query_timeout: timeoutMs,
    statement_timeout: timeoutMs,
  });
  // An idle client losing its connection emits 'error' on the pool; without a listener that
  // would crash the process. The next query gets a fresh connection or a clear error.
  pool.on('error', () => {});

  const clientOf = (runner: pg.Pool | pg.PoolClient): SqlClient => ({
    async query<Row>(text: string, params: readonly unknown[] = [], options?: QueryOptions) {
      const values = params as unknown[];
      // A named statement is parsed once per connection (node-postgres keeps the names it made).
      const result = await (options?.prepare
        ? runner.query({ name: statementName(text), text, values })
        : runner.query(text, values));
      return result.rows as Row[];
    },
    async script(sql: string) {
      // Without parameters node-postgres uses the simple protocol, which takes several statements.
      await runner.query(sql);
    },
  });

  const direct = clientOf(pool);
  return {
    engine: 'postgres',
    ...direct,
    read: () => direct,
    async transaction(work) {
      const client = await pool.connect();
      let broken: Error | undefined;
      try {
        await client.query('BEGIN');
        const result = await work(clientOf(client));
        await client.query('COMMIT');
        return result;
      } catch (error) {
        // A connection that cannot even roll back is discarded instead of returned to the pool.
        await client.query('ROLLBACK').catch((rollbackError: Error) => {
          broken = rollbackError;
        });
        throw error;
      } finally {
        client.release(broken);
      }
    },
    async ping() {
      await pool.query('SELECT 1');
    },
    async close() {
      await pool.end();
    },
  };
}
