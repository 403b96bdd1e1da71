// The one writer of benchmark results: bench/results/NAME.json (ignored by git: this machine's
// latest run), or bench/reference/NAME.json with --reference (the committed run the architecture
// page shows when no local results exist). The shape is what src/http/benchmarks.ts serves and
// web/pages/architecture/architecture.tsx charts: `ratios` as bars, `targets` as met / not met.
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { openPostgres } from '../../src/engines/postgres.ts';
import { openRedis, type RedisClient } from '../../src/engines/redis.ts';
import type { SqlClient } from '../../src/engines/sql.ts';
import type { BenchOptions } from './options.ts';

export interface Target {
  goal: string;
  value: number;
  met: boolean;
}

export interface BenchReport {
  /** Engine name → version, e.g. { postgresql: '15.14', redis: '7.0.15', pglite: '0.5.16 (PostgreSQL 18.0)' }. */
  engines: Record<string, string>;
  scale?: number | Record<string, number>;
  figures: Record<string, unknown>;
  /** Each a plain number: a figure over the baseline measured in the same run. */
  ratios: Record<string, number>;
  targets: Record<string, Target>;
}

/** Rounds for the JSON and the console: three significant decimals are all a loaded machine supports. */
export const round = (value: number, digits = 3) => Math.round(value * 10 ** digits) / 10 ** digits;

/** A target of the table: the goal as text, the measured value, met or not. */
export const target = {
  atLeast: (value: number, goal: number, unit = '×'): Target => ({
    goal: `≥ ${goal}${unit}`,
    value: round(value),
    met: value >= goal,
  }),
  atMost: (value: number, goal: number, unit = '×'): Target => ({
    goal: `≤ ${goal}${unit}`,
    value: round(value),
    met: value <= goal,
  }),
  below: (value: number, goal: number, unit = ' ms'): Target => ({
    goal: `< ${goal}${unit}`,
    value: round(value),
    met: value < goal,
  }),
};

/** The engines' own versions, for the report's `engines`. */
export const versions = {
  /** The server's version as PostgreSQL reports it (PGlite included: its embedded PostgreSQL's). */
  async sql(db: SqlClient): Promise<string> {
    const [row] = await db.query<{ server_version: string }>('SHOW server_version');
    return row?.server_version ?? 'unknown';
  },

  async redis(redis: RedisClient): Promise<string> {
    const info = await redis.info('server');
    return /redis_version:(\S+)/.exec(info)?.[1] ?? 'unknown';
  },

  /** PGlite's package version, with the PostgreSQL it embeds when an open database is at hand. */
  async pglite(db?: SqlClient): Promise<string> {
    const file = new URL('../../node_modules/@electric-sql/pglite/package.json', import.meta.url);
    const { version } = JSON.parse(fs.readFileSync(file, 'utf8')) as { version: string };
    return db ? `${version} (PostgreSQL ${await versions.sql(db)})` : version;
  },

  /** PostgreSQL's and Redis' versions, each through a connection of its own opened for the question. */
  async servers(databaseUrl: string, redisUrl: string): Promise<{ postgresql: string; redis: string }> {
    const db = openPostgres({ url: databaseUrl, max: 1 });
    const redis = openRedis(redisUrl);
    try {
      await redis.connect();
      return { postgresql: await versions.sql(db), redis: await versions.redis(redis) };
    } finally {
      await db.close();
      redis.disconnect();
    }
  },
};

function machine() {
  return {
    cpu: os.cpus()[0]?.model ?? 'unknown',
    cores: os.availableParallelism(),
    memory_gib: round(os.totalmem() / 2 ** 30, 1),
    node: process.version,
    // The 1, 5 and 15 minute load averages: how busy the machine was around the run.
    load_average: os.loadavg().map((load) => round(load, 2)),
  };
}

/** Writes the report with the date and the machine into `benchDir` (this folder's parent); returns the file's path. */
export function writeResults(
  name: string,
  report: BenchReport,
  options: Pick<BenchOptions, 'reference'>,
  benchDir = fileURLToPath(new URL('..', import.meta.url)),
): string {
  const folder = path.join(benchDir, options.reference ? 'reference' : 'results');
  fs.mkdirSync(folder, { recursive: true });
  const file = path.join(folder, `${name}.json`);
  const { engines, scale, figures, ratios, targets } = report;
  const body = {
    date: new Date().toISOString(),
    machine: machine(),
    engines,
    scale,
    figures,
    ratios,
    targets,
  };
  // Written aside, then renamed into place: a page served meanwhile reads the old file or the new one.
  fs.writeFileSync(`${file}.tmp`, `${JSON.stringify(body, null, 2)}\n`);
  fs.renameSync(`${file}.tmp`, file);
  for (const [label, { goal, value, met }] of Object.entries(targets)) {
    console.log(`  target ${label}: ${goal}, measured ${value}: ${met ? 'met' : 'NOT met'}`);
  }
  console.log(`results written to ${file}`);
  return file;
}
