// Applies the SQL migrations in src/migrations (named by timestamp) that a database
// has not seen yet, each in its own transaction, in name order. One schema serves
// PGlite (PostgreSQL 18) and the server (PostgreSQL 15): nothing newer than 15.
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import type { SqlDatabase } from './sql.ts';

const MIGRATIONS_DIR = fileURLToPath(new URL('../migrations/', import.meta.url));
// Any constant works; it keeps processes starting at once on one server from racing.
const MIGRATION_LOCK_KEY = 7_406_221;

export interface Migration {
  version: string;
  sql: string;
}

export function readMigrations(dir = MIGRATIONS_DIR): Migration[] {
  return fs
    .readdirSync(dir)
    .filter((name) => /^\d{14}_[a-z0-9_]+\.sql$/.test(name))
    .sort()
    .map((name) => ({
      version: name.replace(/\.sql$/, ''),
      sql: fs.readFileSync(path.join(dir, name), 'utf8'),
    }));
}

/** Returns the versions it applied. */
export async function migrate(db: SqlDatabase, migrations = readMigrations()): Promise<string[]> {
  // The lock comes first: two CREATE TABLE IF NOT EXISTS at the same moment both see no table,
  // and the second fails on pg_type's unique index instead of finding the first one's table.
  await db.transaction(async (tx) => {
    await tx.query('SELECT pg_advisory_xact_lock($1)', [MIGRATION_LOCK_KEY]);
    await tx.query(`CREATE TABLE IF NOT EXISTS schema_migrations (
      version text PRIMARY KEY,
      applied_at timestamptz NOT NULL DEFAULT now()
    )`);
  });
  const applied = new Set(
    (await db.query<{ version: string }>('SELECT version FROM schema_migrations')).map((row) => row.version),
  );
  const pending = migrations.filter((migration) => !applied.has(migration.version));
  const done: string[] = [];
  for (const migration of pending) {
    const ran = await db.transaction(async (tx) => {
      await tx.query('SELECT pg_advisory_xact_lock($1)', [MIGRATION_LOCK_KEY]);
      const [already] = await tx.query('SELECT 1 FROM schema_migrations WHERE version = $1', [
        migration.version,
      ]);
      if (already) return false;
      await tx.script(migration.sql);
      await tx.query('INSERT INTO schema_migrations (version) VALUES ($1)', [migration.version]);
      return true;
    });
    if (ran) done.push(migration.version);
  }
  return done;
}
