// DeathStarBench's social-network mix over HTTP: 60% home feeds, 30% user timelines, 10% new
// posts from 32 concurrent clients, against the platform running as `npm start` runs it, in a
// process of its own (the load comes from this process, never from the server's event loop).
// 100 users are seeded through the API as a clustered friendship graph. The ceiling is /healthz
// on the same server, loaded the same way. Run on the embedded stores, and on PostgreSQL + Redis
// when DATABASE_URL and REDIS_URL are set (a scratch database and a key prefix of its own).
// Rate limits are set far above the load, so that every request does the real work.
//
//   --seconds N   seconds of load per measurement (default 15), after an unmeasured warm-up
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { KNOWN_VARIABLES } from '../src/config.ts';
import { startApiProcess } from '../test/support/api-process.ts';
import {
  healthMix,
  type PathFigures,
  runLoad,
  seedFriends,
  socialMix,
  UNLIMITED_RATES,
} from './support/mixed-load.ts';
import type { BenchOptions } from './support/options.ts';
import { dropBenchKeys } from './support/redis-keys.ts';
import { round, type Target, target, versions, writeResults } from './support/results.ts';
import { createScratchDatabase } from './support/scratch-database.ts';

const CLIENTS = 32;
const SHAPE = { users: 100, neighbours: 8, postsPerUser: 5 };

interface StackFigures {
  workload: PathFigures;
  paths: Record<string, PathFigures>;
  healthz: PathFigures;
}

/** Seeds, warms up, then measures the mix and /healthz on one server process started with `env`. */
async function measureStack(
  label: string,
  env: Record<string, string>,
  seconds: number,
): Promise<StackFigures> {
  const server = await startApiProcess(
    { LOG_LEVEL: 'warn', LOG_REQUESTS: 'false', ...UNLIMITED_RATES, ...env },
    120_000,
  );
  try {
    const started = performance.now();
    const users = await seedFriends(server.url, SHAPE);
    console.log(
      `  ${label}: ${SHAPE.users} users, ${SHAPE.neighbours * 2} mutual follows and ${SHAPE.postsPerUser} posts each, seeded in ${((performance.now() - started) / 1000).toFixed(1)} s`,
    );
    const mix = socialMix(users);
    // Unmeasured: JIT, caches, the seed's fan-out jobs draining.
    await runLoad([server.url], mix, CLIENTS, Math.min(3, seconds));
    const workload = await runLoad([server.url], mix, CLIENTS, seconds);
    const healthz = await runLoad([server.url], healthMix, CLIENTS, seconds);
    console.log(`\n${label}: ${CLIENTS} clients, ${seconds} s each (server in its own process)`);
    console.table({ 'the mix': workload.total, ...workload.paths, 'GET /healthz (ceiling)': healthz.total });
    return { workload: workload.total, paths: workload.paths, healthz: healthz.total };
  } finally {
    const exit = await server.stop();
    if (exit !== 0 && exit !== 'SIGTERM')
      console.warn(`  the server exited with ${exit}:\n${server.output()}`);
  }
}

function targetsOf(label: string, figures: StackFigures): Record<string, Target> {
  const failed = figures.workload.errors + figures.workload.non_2xx;
  return {
    [`${label}: p99`]: target.below(figures.workload.p99_ms, 25),
    [`${label}: errors and non-2xx`]: { goal: '= 0', value: failed, met: failed === 0 },
  };
}

export async function run(options: BenchOptions) {
  const seconds = options.seconds ?? 15;
  const stacks: Record<string, StackFigures> = {};
  const engines: Record<string, string> = {};

  const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'polyglot-bench-workload-'));
  try {
    // Every server URL and store choice blanked, so the server takes the embedded stores
    // whatever this shell has set.
    const embedded = KNOWN_VARIABLES.filter((name) => name.endsWith('_URL') || name.endsWith('_STORE'));
    stacks.embedded = await measureStack(
      'embedded (PGlite + memory)',
      { DATA_DIR: dataDir, ...Object.fromEntries(embedded.map((name) => [name, ''])) },
      seconds,
    );
    engines.pglite = await versions.pglite();
  } finally {
    fs.rmSync(dataDir, { recursive: true, force: true });
  }

  const { DATABASE_URL, REDIS_URL } = process.env;
  if (DATABASE_URL && REDIS_URL) {
    const scratch = await createScratchDatabase(DATABASE_URL, 'workload');
    const keyPrefix = `polyglot-bench:workload:${process.pid}:`;
    try {
      stacks.postgres_redis = await measureStack(
        'PostgreSQL + Redis',
        { DATABASE_URL: scratch.url, REDIS_URL, KEY_PREFIX: keyPrefix },
        seconds,
      );
      Object.assign(engines, await versions.servers(scratch.url, REDIS_URL));
    } finally {
      await scratch.drop();
      await dropBenchKeys(REDIS_URL, keyPrefix);
    }
  } else {
    console.log('PostgreSQL + Redis: skipped (set DATABASE_URL and REDIS_URL)');
  }

  const ratios: Record<string, number> = {};
  let targets: Record<string, Target> = {};
  for (const [label, figures] of Object.entries(stacks)) {
    ratios[`${label}: mix req/s / healthz req/s`] = round(
      figures.workload.requests_per_second / Math.max(1, figures.healthz.requests_per_second),
    );
    targets = { ...targets, ...targetsOf(label, figures) };
  }
  writeResults(
    'workload',
    {
      engines,
      scale: SHAPE,
      figures: {
        clients: CLIENTS,
        seconds,
        mix: { home_feed: 0.6, user_timeline: 0.3, new_post: 0.1 },
        ...stacks,
      },
      ratios,
      targets,
    },
    options,
  );
}
