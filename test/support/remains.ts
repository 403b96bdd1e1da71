// Looks for what is left of a person in the stores: every column of every table, every key
// under a test's Redis prefix. A deleted account must leave nothing but the records a
// business keeps.
import { Redis } from 'ioredis';
import { openPglite } from '../../src/engines/pglite.ts';
import { openPostgres } from '../../src/engines/postgres.ts';
import type { SqlDatabase } from '../../src/engines/sql.ts';

/**
 * The accounts' database of a test's environment. PGlite allows one opener per data directory:
 * open it only while no platform runs on it.
 */
export const openDatabase = (env: Record<string, string>): Promise<SqlDatabase> | SqlDatabase =>
  env.DATABASE_URL
    ? openPostgres({ url: env.DATABASE_URL, max: 2 })
    : openPglite({ dataDir: env.DATA_DIR as string });

/**
 * The next user id becomes a large, unusual number, so that finding it anywhere (a column, a
 * key, a JSON document) means the person, never a count or a quantity that happens to equal it.
 */
export async function distinctiveNextUserId(env: Record<string, string>): Promise<number> {
  const id = 7_300_000 + Math.floor(Math.random() * 90_000);
  const db = await openDatabase(env);
  try {
    await db.query("SELECT setval(pg_get_serial_sequence('users', 'id'), $1)", [id - 1]);
  } finally {
    await db.close();
  }
  return id;
}

/** What identifies the person: their user id, email and handle. */
export interface Person {
  id: number;
  email: string;
  handle: string;
}

/** Tables that may keep a deleted account's id: orders, their items and payments, the wallet and its ledger. */
export const KEPT_RECORDS = new Set([
  'orders',
  'order_items',
  'payments',
  'wallets',
  'ledger_entries',
  'ledger_movements',
  'transfers',
]);

const NUMERIC = new Set(['smallint', 'integer', 'bigint', 'numeric']);

/** The id as a whole number in text (not a part of a longer one), for a regular expression. */
const idPattern = (id: number) => `(^|[^0-9])${id}([^0-9]|$)`;

const quoted = (identifier: string) => `"${identifier.replaceAll('"', '""')}"`;

/**
 * Every `table.column` (of the current schema) holding the person's id, email or handle, with
 * how many rows do; tables in `KEPT_RECORDS` are left out, and so is the users row's own id.
 */
export async function sqlRemains(db: SqlDatabase, person: Person): Promise<Record<string, number>> {
  const columns = await db.query<{ table_name: string; column_name: string; data_type: string }>(
    `SELECT c.table_name, c.column_name, c.data_type
     FROM information_schema.columns c
     JOIN information_schema.tables t ON t.table_schema = c.table_schema AND t.table_name = c.table_name
     WHERE c.table_schema = current_schema() AND t.table_type = 'BASE TABLE'
     ORDER BY c.table_name, c.ordinal_position`,
  );
  const found: Record<string, number> = {};
  for (const { table_name: table, column_name: column, data_type: type } of columns) {
    if (KEPT_RECORDS.has(table)) continue;
    const where = NUMERIC.has(type)
      ? `${quoted(column)} = $1::bigint`
      : `(${quoted(column)}::text ~ $1 OR strpos(lower(${quoted(column)}::text), $2) > 0
          OR strpos(lower(${quoted(column)}::text), $3) > 0)`;
    const [row] = await db.query<{ n: number }>(
      `SELECT count(*)::int AS n FROM ${quoted(table)} WHERE ${where}`,
      NUMERIC.has(type)
        ? [person.id]
        : [idPattern(person.id), person.email.toLowerCase(), person.handle.toLowerCase()],
    );
    // The users row of the person is the tombstone the kept records reference; it is checked apart.
    if (row && row.n > 0 && !(table === 'users' && column === 'id')) found[`${table}.${column}`] = row.n;
  }
  return found;
}

/** Every key under `prefix` whose name or value holds the person's id, email or handle, with what matched. */
export async function redisRemains(url: string, prefix: string, person: Person): Promise<string[]> {
  const redis = new Redis(url);
  const id = new RegExp(idPattern(person.id));
  const holds = (text: string) =>
    id.test(text) ||
    text.toLowerCase().includes(person.email.toLowerCase()) ||
    text.toLowerCase().includes(person.handle.toLowerCase());
  const found: string[] = [];
  try {
    let cursor = '0';
    do {
      const [next, keys] = await redis.scan(cursor, 'MATCH', `${prefix}*`, 'COUNT', 1000);
      cursor = next;
      for (const key of keys) {
        const content = await keyContent(redis, key);
        if (holds(key.slice(prefix.length)) || holds(content)) found.push(`${key}: ${content.slice(0, 200)}`);
      }
    } while (cursor !== '0');
  } finally {
    await redis.quit();
  }
  return found;
}

/** A key's value as text, whatever its type (sorted set members are zero-padded ids: padding is dropped). */
async function keyContent(redis: Redis, key: string): Promise<string> {
  switch (await redis.type(key)) {
    case 'string':
      return (await redis.get(key)) ?? '';
    case 'zset':
      return (await redis.zrange(key, 0, -1)).map((member) => member.replace(/^0+(?=\d)/, '')).join(' ');
    case 'hash':
      return JSON.stringify(await redis.hgetall(key));
    case 'list':
      return (await redis.lrange(key, 0, -1)).join(' ');
    case 'set':
      return (await redis.smembers(key)).join(' ');
    case 'stream':
      return JSON.stringify(await redis.xrange(key, '-', '+'));
    default:
      return '';
  }
}
