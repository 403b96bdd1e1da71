// What the cache role buys on the hottest read of all: resolving a bearer token to a
// session, which every signed-in request does. Baseline: the session row of record
// read from PostgreSQL (the server) on every request, with no cache in front.
//
//   --samples N   lookups timed per case (default 20,000)
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { createPostgresAccounts } from '../src/accounts/accounts.postgres.ts';
import { hashPassword } from '../src/accounts/passwords.ts';
import { SessionsService } from '../src/accounts/sessions.service.ts';
import { createMemoryCache } from '../src/cache/cache.memory.ts';
import type { CachePort } from '../src/cache/cache.port.ts';
import { createRedisCache } from '../src/cache/cache.redis.ts';
import { RateLimiter } from '../src/cache/rate-limiter.ts';
import { loadConfig } from '../src/config.ts';
import { migrate } from '../src/engines/migrate.ts';
import { openPglite } from '../src/engines/pglite.ts';
import { openPostgres } from '../src/engines/postgres.ts';
import { openRedis } from '../src/engines/redis.ts';
import type { SqlDatabase } from '../src/engines/sql.ts';
import { type LatencySummary, measure, printTable } from './measure.ts';
import type { BenchOptions } from './support/options.ts';
import { dropBenchKeys } from './support/redis-keys.ts';
import { round, versions, writeResults } from './support/results.ts';
import { createScratchDatabase } from './support/scratch-database.ts';

const CONCURRENCY = 16;

/** A cache that always misses: every lookup goes to the row of record. */
const noCache: CachePort = {
  engine: 'memory',
  recall: async () => undefined,
  recallMany: async (keys) => keys.map(() => undefined),
  rememberSet: async () => {},
  membersOf: async () => undefined,
  remember: async () => {},
  forget: async () => {},
  forgetUser: async () => {},
  countHit: async () => ({ count: 0, resetsInSeconds: 0 }),
  peekHits: async () => ({ count: 0, resetsInSeconds: 0 }),
  ping: async () => {},
};

async function sessionsOn(db: SqlDatabase, cache: CachePort) {
  const accounts = createPostgresAccounts(db);
  const config = loadConfig({ RATE_LIMIT_LOGIN_PER_ADDRESS: '1000000/1h' });
  const sessions = new SessionsService({
    accounts,
    cache,
    limiter: new RateLimiter(cache, config.rateLimits),
    ttlSeconds: 3600,
    maxAgeSeconds: config.sessionMaxAgeSeconds,
  });
  const email = `bench_${Date.now()}@example.com`;
  const created = await accounts.createAccount({
    email,
    passwordHash: await hashPassword('bench password 123'),
    name: 'Bench',
    birthdate: '1990-01-01',
    handleCandidates: [`bench_${Date.now() % 1e8}`],
  });
  if (!created.ok) throw new Error('could not create the bench account');
  const { token } = await sessions.logIn({ email, password: 'bench password 123', address: '127.0.0.1' });
  return () => sessions.authenticate(token);
}

export async function run(options: BenchOptions) {
  const lookups = options.samples ?? 20_000;
  const engines: Record<string, string> = {};
  const rows: Array<{ name: string } & LatencySummary> = [];
  const closers: Array<() => Promise<unknown>> = [];
  const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'polyglot-bench-'));
  closers.push(async () => fs.rmSync(dataDir, { recursive: true, force: true }));
  try {
    const pglite = await openPglite({ dataDir });
    closers.unshift(() => pglite.close());
    await migrate(pglite);
    engines.pglite = await versions.pglite(pglite);
    const databaseUrl = process.env.DATABASE_URL;
    const redisUrl = process.env.REDIS_URL;
    const scratch = databaseUrl ? await createScratchDatabase(databaseUrl, 'sessions') : undefined;
    const postgres = scratch ? openPostgres({ url: scratch.url, max: CONCURRENCY }) : undefined;
    if (scratch && postgres) {
      closers.unshift(() => scratch.drop());
      closers.unshift(() => postgres.close());
      await migrate(postgres);
      engines.postgresql = await versions.sql(postgres);
    }
    const redis = redisUrl ? openRedis(redisUrl) : undefined;
    if (redis) {
      await redis.connect();
      engines.redis = await versions.redis(redis);
      closers.unshift(() => redis.quit());
    }
    const prefix = `polyglot-bench:${process.pid}:`;

    const cases: Array<[string, SqlDatabase | undefined, CachePort | undefined]> = [
      ['record on PostgreSQL, no cache', postgres, noCache],
      ['record on PGlite, no cache', pglite, noCache],
      ['PostgreSQL + Redis cache', postgres, redis && createRedisCache(redis, prefix)],
      ['PGlite + memory cache', pglite, createMemoryCache()],
    ];
    for (const [name, db, cache] of cases) {
      if (!db || !cache) {
        console.log(`skipped "${name}": set DATABASE_URL and REDIS_URL to include it`);
        continue;
      }
      const authenticate = await sessionsOn(db, cache);
      await measure(500, authenticate, CONCURRENCY); // warm-up
      rows.push({ name, ...(await measure(lookups, authenticate, CONCURRENCY)) });
    }
    console.log(`${lookups} session lookups, ${CONCURRENCY} at a time (bearer token -> user id)`);
    printTable(rows, rows[0]?.name ?? '');
    const baseline = rows[0];
    writeResults(
      'sessions',
      {
        engines,
        figures: Object.fromEntries(rows.map(({ name, ...summary }) => [name, summary])),
        ratios: Object.fromEntries(
          rows
            .slice(1)
            .map((row) => [
              `${row.name}: lookups/s / ${baseline?.name}`,
              round(row.per_second / (baseline?.per_second ?? 1), 2),
            ]),
        ),
        targets: {},
      },
      options,
    );
    if (redisUrl) await dropBenchKeys(redisUrl, prefix);
  } finally {
    for (const close of closers) await close();
  }
}
