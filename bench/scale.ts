// Throughput and p99 of a mixed workload against 1, 2 and 3 API processes on one PostgreSQL and
// one Redis. The workload (bench/support/mixed-load.ts): 60% home feeds, 30% user timelines,
// 10% new posts, from 32 concurrent clients, each request dealt round-robin to the next
// process (the load balancer is the load generator). All processes share this machine's cores with PostgreSQL, Redis and the
// load generator, so the figures say how far one machine scales, not how a fleet would.
//
//   DATABASE_URL, REDIS_URL          required: the servers the processes share (a scratch database is made and dropped)
//   --seconds N (SCALE_BENCH_SECONDS)  seconds measured per process count (default 15)

import { startApiProcess } from '../test/support/api-process.ts';
import {
  type PathFigures,
  runLoad,
  seedFriends,
  socialMix,
  UNLIMITED_RATES,
  type User,
} from './support/mixed-load.ts';
import { type BenchOptions, pick } from './support/options.ts';
import { dropBenchKeys } from './support/redis-keys.ts';
import { round, versions, writeResults } from './support/results.ts';
import { createScratchDatabase } from './support/scratch-database.ts';

const PROCESS_COUNTS = [1, 2, 3];
const CLIENTS = 32;
const SHAPE = { users: 60, neighbours: 7, postsPerUser: 5 };

export async function run(options: BenchOptions) {
  const databaseUrl = process.env.DATABASE_URL;
  const redisUrl = process.env.REDIS_URL;
  if (!databaseUrl || !redisUrl) {
    console.log('scale: set DATABASE_URL and REDIS_URL (the servers the API processes share); skipped');
    return;
  }
  const seconds = pick(options.seconds, 'SCALE_BENCH_SECONDS', 15);
  const engines: Record<string, string> = {};
  const scratch = await createScratchDatabase(databaseUrl, 'scale');
  const keyPrefix = `polyglot-bench:scale:${process.pid}:`;
  const env = {
    DATABASE_URL: scratch.url,
    REDIS_URL: redisUrl,
    KEY_PREFIX: keyPrefix,
    LOG_LEVEL: 'warn',
    LOG_REQUESTS: 'false',
    ANALYTICS_RECORD_REQUESTS: 'false',
    ...UNLIMITED_RATES,
  };
  const rows: Array<{ processes: number } & PathFigures> = [];
  try {
    let users: User[] | undefined;
    for (const count of PROCESS_COUNTS) {
      const processes = await Promise.all(Array.from({ length: count }, () => startApiProcess(env, 120_000)));
      try {
        users ??= await seedFriends((processes[0] as { url: string }).url, SHAPE);
        const { total } = await runLoad(
          processes.map((p) => p.url),
          socialMix(users),
          CLIENTS,
          seconds,
        );
        const row = { processes: count, ...total };
        rows.push(row);
        console.log(
          `${count} process(es): ${row.requests_per_second} req/s, p50 ${row.p50_ms} ms, p99 ${row.p99_ms} ms, ${row.errors} errors, ${row.non_2xx} non-2xx`,
        );
      } finally {
        await Promise.all(processes.map((p) => p.stop()));
      }
    }
    Object.assign(engines, await versions.servers(scratch.url, redisUrl));
  } finally {
    await scratch.drop();
    await dropBenchKeys(redisUrl, keyPrefix);
  }
  const base = rows[0]?.requests_per_second ?? 1;
  writeResults(
    'scale',
    {
      engines,
      scale: SHAPE,
      figures: {
        workload: {
          home_feed: 0.6,
          user_timeline: 0.3,
          new_post: 0.1,
          clients: CLIENTS,
          seconds_per_count: seconds,
        },
        processes: Object.fromEntries(rows.map(({ processes, ...figures }) => [String(processes), figures])),
      },
      ratios: Object.fromEntries(
        rows.map((row) => [
          `${row.processes} process(es): req/s / 1 process`,
          round(row.requests_per_second / base, 2),
        ]),
      ),
      targets: {},
    },
    options,
  );
}
