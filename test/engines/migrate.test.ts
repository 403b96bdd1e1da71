// Migrations on a PostgreSQL server that several processes start against at the same moment:
// each migrator has a pool (a session) of its own, as each process would.
import { describe, expect, inject, it } from 'vitest';
import { migrate, readMigrations } from '../../src/engines/migrate.ts';
import { openPostgres } from '../../src/engines/postgres.ts';
import { databaseUrl } from '../support/global-setup.ts';
import { servers, titled } from '../support/targets.ts';

const MIGRATORS = 8;
const ROUNDS = 2;

/** A new, empty database (not the migrated template): the migrations table does not exist yet. */
async function emptyDatabaseUrl(round: number): Promise<string> {
  const base = servers.postgres.url as string;
  const name = `polyglot_t_${inject('runId')}_migrate_${process.pid}_${round}`;
  const admin = openPostgres({ url: base, max: 1 });
  try {
    await admin.query(`CREATE DATABASE ${name}`);
  } finally {
    await admin.close();
  }
  return databaseUrl(base, name);
}

describe.skipIf(servers.postgres.skipReason !== undefined)(
  titled('migrations started by several processes at once', servers.postgres),
  () => {
    it(`${MIGRATORS} migrators on a fresh database all succeed and apply each migration once`, async () => {
      const versions = readMigrations().map((migration) => migration.version);
      for (let round = 0; round < ROUNDS; round++) {
        const url = await emptyDatabaseUrl(round);
        const pools = Array.from({ length: MIGRATORS }, () => openPostgres({ url, max: 1 }));
        try {
          const applied = await Promise.all(pools.map((db) => migrate(db)));
          // Between them they applied every migration exactly once; the others found it done.
          expect(applied.flat().sort()).toEqual(versions);
          const [first] = pools as [ReturnType<typeof openPostgres>];
          const rows = await first.query<{ version: string }>(
            'SELECT version FROM schema_migrations ORDER BY 1',
          );
          expect(rows.map((row) => row.version)).toEqual(versions);
        } finally {
          await Promise.all(pools.map((db) => db.close()));
        }
      }
    });
  },
);
