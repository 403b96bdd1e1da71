// A PostgreSQL database of the benchmark's own, dropped afterwards: a benchmark never
// touches the data behind DATABASE_URL itself.
import { openPostgres } from '../../src/engines/postgres.ts';

export interface ScratchDatabase {
  url: string;
  drop(): Promise<void>;
}

export async function createScratchDatabase(serverUrl: string, label: string): Promise<ScratchDatabase> {
  const name = `polyglot_bench_${label}_${process.pid}`;
  const admin = openPostgres({ url: serverUrl, max: 1 });
  await admin.query(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`);
  await admin.query(`CREATE DATABASE ${name}`);
  const url = new URL(serverUrl);
  url.pathname = `/${name}`;
  return {
    url: url.toString(),
    async drop() {
      await admin.query(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`);
      await admin.close();
    },
  };
}
