// The feed through the whole server, measured with autocannon: GET /api/v1/feed on the
// running platform (fanout; embedded stores, and PostgreSQL + Redis when their URLs are
// set) next to a bare Fastify route answering the same 20-item JSON page (the framework's
// own ceiling), in the same process and run.
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import autocannon from 'autocannon';
import Fastify from 'fastify';
import { buildApp } from '../../src/app.ts';
import { loadConfig } from '../../src/config.ts';
import { dropBenchKeys } from './redis-keys.ts';
import { createScratchDatabase } from './scratch-database.ts';

const AUTHORS = 50;
const POSTS_PER_AUTHOR = 20;
const SECONDS = Number(process.env.FEED_HTTP_SECONDS ?? 10);
const CONNECTIONS = 16;

const BIG = '1000000000/1h';

async function load(url: string, headers: Record<string, string> = {}) {
  const result = await autocannon({ url, headers, connections: CONNECTIONS, duration: SECONDS });
  return {
    requests_per_second: Math.round(result.requests.average),
    p50_ms: result.latency.p50,
    p99_ms: result.latency.p99,
    non_2xx: result.non2xx,
    errors: result.errors,
  };
}

/** The platform on `env`, a reader following AUTHORS authors, measured against a bare route. */
async function measureStack(label: string, env: Record<string, string>) {
  const { app, jobs } = await buildApp(
    loadConfig({
      LOG_LEVEL: 'silent',
      RATE_LIMIT_SIGNUP_PER_ADDRESS: BIG,
      RATE_LIMIT_LOGIN_PER_ADDRESS: BIG,
      RATE_LIMIT_WRITES_PER_USER: BIG,
      ...env,
    }),
  );
  const bare = Fastify();
  try {
    const run = Date.now().toString(36);
    const signUp = async (n: number) => {
      const email = `feed_http_${run}_${n}@example.com`;
      const password = 'bench password 123';
      const created = await app.inject({
        method: 'POST',
        url: '/api/v1/accounts',
        payload: { email, password, name: `Author ${n}`, birthdate: '1990-01-01' },
      });
      const session = await app.inject({
        method: 'POST',
        url: '/api/v1/sessions',
        payload: { email, password },
      });
      return { id: created.json().id as number, token: session.json().token as string };
    };
    const reader = await signUp(0);
    const authors = [];
    for (let n = 1; n <= AUTHORS; n++) authors.push(await signUp(n));
    for (const author of authors) {
      await app.inject({
        method: 'PUT',
        url: `/api/v1/users/${author.id}/follow`,
        headers: { authorization: `Bearer ${reader.token}` },
      });
      for (let p = 0; p < POSTS_PER_AUTHOR; p++) {
        await app.inject({
          method: 'POST',
          url: '/api/v1/posts',
          headers: { authorization: `Bearer ${author.token}` },
          payload: { content: `post ${p} by author ${author.id}` },
        });
      }
    }
    await jobs.idle();
    const address = await app.listen({ host: '127.0.0.1', port: 0 });
    const headers = { authorization: `Bearer ${reader.token}` };
    const page = (await app.inject({ method: 'GET', url: '/api/v1/feed?limit=20', headers })).json();
    if (page.items?.length !== 20)
      throw new Error(`expected a 20-item feed page, got ${JSON.stringify(page)}`);

    bare.get('/page', async () => page);
    const bareAddress = await bare.listen({ host: '127.0.0.1', port: 0 });

    await load(`${address}/api/v1/feed?limit=20`, headers); // warm-up: JIT, caches
    const feed = await load(`${address}/api/v1/feed?limit=20`, headers);
    const ceiling = await load(`${bareAddress}/page`);
    console.log(
      `\nautocannon on ${label}, ${CONNECTIONS} connections, ${SECONDS} s each, same process ` +
        `(fanout; the reader follows ${AUTHORS} authors of ${POSTS_PER_AUTHOR} posts each):`,
    );
    console.table({ 'GET /api/v1/feed': feed, 'bare Fastify route, same page': ceiling });
    console.log(
      `  feed req/s / bare route req/s = ${(feed.requests_per_second / ceiling.requests_per_second).toFixed(2)} (target at least 0.5)`,
    );
  } finally {
    await bare.close();
    await app.close();
  }
}

export async function feedOverHttp() {
  const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'polyglot-bench-feed-http-'));
  try {
    await measureStack('the embedded stores (PGlite + memory)', { DATA_DIR: dataDir });
  } finally {
    fs.rmSync(dataDir, { recursive: true, force: true });
  }
  const { DATABASE_URL, REDIS_URL } = process.env;
  if (!DATABASE_URL || !REDIS_URL) {
    console.log('autocannon on PostgreSQL + Redis: skipped (set DATABASE_URL and REDIS_URL)');
    return;
  }
  const scratch = await createScratchDatabase(DATABASE_URL, 'feed_http');
  const keyPrefix = `polyglot-bench:feed-http:${process.pid}:`;
  try {
    await measureStack('PostgreSQL + Redis', { DATABASE_URL: scratch.url, REDIS_URL, KEY_PREFIX: keyPrefix });
  } finally {
    await scratch.drop();
    await dropBenchKeys(REDIS_URL, keyPrefix);
  }
}
