// Throughput and p99 of a mixed workload against 1, 2 and 3 API processes on one PostgreSQL and
// one Redis. The workload: 60% home feeds, 30% user timelines, 10% new posts, from 32
// concurrent clients, each request dealt round-robin to the next process (the load balancer is
// the load generator). All processes share this machine's cores with PostgreSQL, Redis and the
// load generator, so the figures say how far one machine scales, not how a fleet would.
//
//   DATABASE_URL, REDIS_URL    required: the servers the processes share (a scratch database is made and dropped)
//   SCALE_BENCH_SECONDS        seconds measured per process count (default 15)
import fs from 'node:fs';
import { startApiProcess } from '../test/support/api-process.ts';
import { dropBenchKeys } from './support/redis-keys.ts';
import { createScratchDatabase } from './support/scratch-database.ts';

const PROCESS_COUNTS = [1, 2, 3];
const CLIENTS = 32;
const USERS = 60;
const FOLLOWS_PER_USER = 15;
const POSTS_PER_USER = 5;
const RESULTS = new URL('./results/scale.json', import.meta.url);

interface User {
  id: number;
  token: string;
}

async function call(base: string, method: string, path: string, token?: string, body?: unknown) {
  const response = await fetch(`${base}/api/v1${path}`, {
    method,
    headers: {
      ...(token ? { authorization: `Bearer ${token}` } : {}),
      ...(body === undefined ? {} : { 'content-type': 'application/json' }),
    },
    ...(body === undefined ? {} : { body: JSON.stringify(body) }),
  });
  const text = await response.text();
  if (response.status >= 400) throw new Error(`${method} ${path}: ${response.status} ${text}`);
  return text ? JSON.parse(text) : {};
}

/** People who follow each other and have posted, made through the API of one process. */
async function seed(base: string): Promise<User[]> {
  const users: User[] = [];
  for (let i = 0; i < USERS; i++) {
    const email = `scale_${process.pid}_${i}@example.com`;
    const password = 'a long enough password';
    const { id } = await call(base, 'POST', '/accounts', undefined, {
      email,
      password,
      name: `Scale ${i}`,
      birthdate: '1990-01-01',
    });
    const { token } = await call(base, 'POST', '/sessions', undefined, { email, password });
    users.push({ id, token });
  }
  for (const [i, user] of users.entries()) {
    for (let k = 1; k <= FOLLOWS_PER_USER; k++) {
      await call(base, 'PUT', `/users/${users[(i + k) % USERS]?.id}/follow`, user.token);
    }
    for (let p = 0; p < POSTS_PER_USER; p++)
      await call(base, 'POST', '/posts', user.token, { content: `post ${p}` });
  }
  return users;
}

const percentile = (sorted: number[], p: number) =>
  sorted[Math.min(sorted.length - 1, Math.floor(sorted.length * p))] ?? 0;

/** 32 clients for `seconds`, each request to the next process in turn. */
async function load(bases: string[], users: User[], seconds: number) {
  const latencies: number[] = [];
  let errors = 0;
  let next = 0;
  const until = performance.now() + seconds * 1000;
  const client = async (c: number) => {
    for (let n = 0; performance.now() < until; n++) {
      const user = users[(c + n) % users.length] as User;
      const base = bases[next++ % bases.length] as string;
      const roll = (c * 7 + n * 13) % 10;
      const started = performance.now();
      try {
        if (roll < 6) await call(base, 'GET', '/feed', user.token);
        else if (roll < 9) await call(base, 'GET', `/users/${users[(c + n + 1) % users.length]?.id}/posts`);
        else await call(base, 'POST', '/posts', user.token, { content: `load ${c} ${n}` });
        latencies.push(performance.now() - started);
      } catch {
        errors++;
      }
    }
  };
  const started = performance.now();
  await Promise.all(Array.from({ length: CLIENTS }, (_, c) => client(c)));
  const elapsed = (performance.now() - started) / 1000;
  latencies.sort((x, y) => x - y);
  return {
    requests: latencies.length,
    errors,
    requests_per_second: Math.round(latencies.length / elapsed),
    p50_ms: Math.round(percentile(latencies, 0.5) * 10) / 10,
    p99_ms: Math.round(percentile(latencies, 0.99) * 10) / 10,
  };
}

export async function run() {
  const databaseUrl = process.env.DATABASE_URL;
  const redisUrl = process.env.REDIS_URL;
  if (!databaseUrl || !redisUrl) {
    console.log('scale: set DATABASE_URL and REDIS_URL (the servers the API processes share); skipped');
    return;
  }
  const seconds = Number(process.env.SCALE_BENCH_SECONDS ?? 15);
  const scratch = await createScratchDatabase(databaseUrl, 'scale');
  const keyPrefix = `polyglot-bench:scale:${process.pid}:`;
  const env = {
    DATABASE_URL: scratch.url,
    REDIS_URL: redisUrl,
    KEY_PREFIX: keyPrefix,
    LOG_LEVEL: 'warn',
    LOG_REQUESTS: 'false',
    ANALYTICS_RECORD_REQUESTS: 'false',
    RATE_LIMIT_SIGNUP_PER_ADDRESS: '100000/1h',
    RATE_LIMIT_LOGIN_PER_ADDRESS: '100000/1h',
    RATE_LIMIT_WRITES_PER_USER: '100000/1h',
  };
  const rows: Array<{ processes: number } & Awaited<ReturnType<typeof load>>> = [];
  try {
    let users: User[] | undefined;
    for (const count of PROCESS_COUNTS) {
      const processes = await Promise.all(Array.from({ length: count }, () => startApiProcess(env, 120_000)));
      try {
        users ??= await seed((processes[0] as { url: string }).url);
        const row = {
          processes: count,
          ...(await load(
            processes.map((p) => p.url),
            users,
            seconds,
          )),
        };
        rows.push(row);
        console.log(
          `${count} process(es): ${row.requests_per_second} req/s, p50 ${row.p50_ms} ms, p99 ${row.p99_ms} ms, ${row.errors} errors`,
        );
      } finally {
        await Promise.all(processes.map((p) => p.stop()));
      }
    }
  } finally {
    await scratch.drop();
    await dropBenchKeys(redisUrl, keyPrefix);
  }
  const base = rows[0]?.requests_per_second ?? 1;
  const report = {
    workload: {
      home_feed: 0.6,
      user_timeline: 0.3,
      new_post: 0.1,
      clients: CLIENTS,
      seconds_per_count: seconds,
    },
    rows: rows.map((row) => ({
      ...row,
      throughput_vs_one_process: Math.round((row.requests_per_second / base) * 100) / 100,
    })),
  };
  fs.mkdirSync(new URL('./results/', import.meta.url), { recursive: true });
  fs.writeFileSync(RESULTS, `${JSON.stringify(report, null, 2)}\n`);
  console.log(`written to ${RESULTS.pathname}`);
}
