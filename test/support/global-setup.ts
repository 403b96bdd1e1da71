// Runs once per test run: makes one migrated PGlite data directory and, when
// DATABASE_URL is set, one migrated PostgreSQL template database. Each test file
// copies them instead of paying for initdb and migrations again.
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import type { TestProject } from 'vitest/node';
import { buildWeb } from '../../scripts/build-web.ts';
import { openInflux } from '../../src/engines/influx.ts';
import { migrate } from '../../src/engines/migrate.ts';
import { openPglite } from '../../src/engines/pglite.ts';
import { openPostgres } from '../../src/engines/postgres.ts';
import { isCI, servers } from './targets.ts';

declare module 'vitest' {
  export interface ProvidedContext {
    runId: string;
    pgliteTemplate: string;
    postgresTemplate: string | null;
  }
}

export const databaseUrl = (base: string, database: string) => {
  const url = new URL(base);
  url.pathname = `/${database}`;
  return url.toString();
};

export default async function setup(project: TestProject) {
  // The server serves the built web UI: built once here when its sources changed (else a hash).
  await buildWeb({ quiet: true });
  const runId = `${Date.now().toString(36)}${process.pid.toString(36)}`;
  const root = fs.mkdtempSync(path.join(os.tmpdir(), 'polyglot-test-'));

  const skipped = Object.entries(servers).filter(([, server]) => server.skipReason && server.ciStartsIt);
  if (isCI && skipped.length) {
    throw new Error(
      `CI=true but ${skipped.map(([name]) => name).join(', ')} is not configured: ${skipped[0]?.[1].skipReason}`,
    );
  }
  console.log('\nServer suites in this run:');
  for (const [name, server] of Object.entries(servers)) {
    console.log(
      `  ${name.padEnd(12)} ${server.skipReason ? `SKIPPED: ${server.skipReason}` : 'runs against the real server'}`,
    );
  }
  console.log('');

  const pgliteTemplate = path.join(root, 'template');
  const db = await openPglite({ dataDir: pgliteTemplate });
  await migrate(db);
  await db.close();

  let postgresTemplate: string | null = null;
  let admin: ReturnType<typeof openPostgres> | undefined;
  if (servers.postgres.url) {
    admin = openPostgres({ url: servers.postgres.url, max: 2 });
    postgresTemplate = `polyglot_t_${runId}_tpl`;
    await admin.query(`CREATE DATABASE ${postgresTemplate}`);
    const template = openPostgres({ url: databaseUrl(servers.postgres.url, postgresTemplate), max: 1 });
    await migrate(template);
    await template.close();
  }

  project.provide('runId', runId);
  project.provide('pgliteTemplate', pgliteTemplate);
  project.provide('postgresTemplate', postgresTemplate);

  return async () => {
    fs.rmSync(root, { recursive: true, force: true });
    // Safety net: each suite drops its own InfluxDB database; whatever one left goes here.
    if (servers.influx.url) {
      const influx = openInflux(servers.influx.url);
      const [result] = await influx.query('SHOW DATABASES');
      const names = (result?.series?.[0]?.values ?? []).map(([name]) => String(name));
      for (const name of names.filter((n) => n.startsWith(`polyglot_t_${runId}_`))) {
        await influx.query(`DROP DATABASE "${name}"`);
      }
    }
    if (admin) {
      const rows = await admin.query<{ datname: string }>(
        'SELECT datname FROM pg_database WHERE datname LIKE $1',
        [`polyglot\\_t\\_${runId}\\_%`],
      );
      for (const { datname } of rows) await admin.query(`DROP DATABASE IF EXISTS ${datname} WITH (FORCE)`);
      await admin.close();
    }
  };
}
