// The feed through the whole server, measured with autocannon: GET /api/v1/feed on the
// running platform (fanout; embedded stores, and PostgreSQL + Redis when their URLs are
// set) next to a bare route on the same app answering the same 20-item JSON page (the
// framework's own ceiling with the same global hooks: request ids, security headers, request
// recording). The load comes from
// autocannon's CLI in a process of its own, the same way for both, so the generator never
// takes the server's event loop.
import { execFile } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { buildApp } from '../../src/app.ts';
import { loadConfig } from '../../src/config.ts';
import { UNLIMITED_RATES } from './mixed-load.ts';
import { dropBenchKeys } from './redis-keys.ts';
import { createScratchDatabase } from './scratch-database.ts';

const AUTHORS = 50;
const POSTS_PER_AUTHOR = 20;
const CONNECTIONS = 16;
const AUTOCANNON = fileURLToPath(new URL('../../node_modules/.bin/autocannon', import.meta.url));

const execFile$ = promisify(execFile);

export interface HttpFigures {
  requests_per_second: number;
  p50_ms: number;
  p99_ms: number;
  non_2xx: number;
  errors: number;
}

/** autocannon's CLI in a child process (asynchronously: the server here keeps serving). */
async function load(
  url: string,
  seconds: number,
  headers: Record<string, string> = {},
): Promise<HttpFigures> {
  const args = ['-c', String(CONNECTIONS), '-d', String(seconds), '-j', '-n'];
  for (const [name, value] of Object.entries(headers)) args.push('-H', `${name}=${value}`);
  const { stdout } = await execFile$(AUTOCANNON, [...args, url], { maxBuffer: 16 * 1024 * 1024 });
  const result = JSON.parse(stdout.trim().split('\n').at(-1) ?? '{}');
  return {
    requests_per_second: Math.round(result.requests.average),
    p50_ms: result.latency.p50,
    p99_ms: result.latency.p99,
    non_2xx: result.non2xx,
    errors: result.errors,
  };
}

export interface FeedHttpStack {
  feed: HttpFigures;
  bare_route: HttpFigures;
  /** feed req/s over bare route req/s (target at least 0.5). */
  ratio: number;
}

/** The platform on `env`, a reader following AUTHORS authors, measured against a bare route. */
async function measureStack(
  label: string,
  env: Record<string, string>,
  seconds: number,
): Promise<FeedHttpStack> {
  const { app, jobs } = await buildApp(loadConfig({ LOG_LEVEL: 'silent', ...UNLIMITED_RATES, ...env }));
  // Registered before the app is first used (Fastify takes no route after it is ready); the
  // page it serves is the reader's, fetched below.
  let page: unknown;
  app.get('/bench/feed-page', async () => page);
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
    page = (await app.inject({ method: 'GET', url: '/api/v1/feed?limit=20', headers })).json();
    if ((page as { items?: unknown[] }).items?.length !== 20)
      throw new Error(`expected a 20-item feed page, got ${JSON.stringify(page)}`);

    await load(`${address}/api/v1/feed?limit=20`, Math.min(3, seconds), headers); // warm-up: JIT, caches
    const feed = await load(`${address}/api/v1/feed?limit=20`, seconds, headers);
    const ceiling = await load(`${address}/bench/feed-page`, seconds);
    const ratio = feed.requests_per_second / Math.max(1, ceiling.requests_per_second);
    console.log(
      `\nautocannon (its own process) on ${label}, ${CONNECTIONS} connections, ${seconds} s each ` +
        `(fanout; the reader follows ${AUTHORS} authors of ${POSTS_PER_AUTHOR} posts each):`,
    );
    console.table({ 'GET /api/v1/feed': feed, 'bare route on the same app, same page': ceiling });
    console.log(`  feed req/s / bare route req/s = ${ratio.toFixed(2)} (target at least 0.5)`);
    return { feed, bare_route: ceiling, ratio };
  } finally {
    await app.close();
  }
}

/** The feed over HTTP on the embedded stores, and on PostgreSQL + Redis when both URLs are set. */
export async function feedOverHttp(seconds: number): Promise<Record<string, FeedHttpStack>> {
  const stacks: Record<string, FeedHttpStack> = {};
  const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'polyglot-bench-feed-http-'));
  try {
    stacks.embedded = await measureStack(
      'the embedded stores (PGlite + memory)',
      { DATA_DIR: dataDir },
      seconds,
    );
  } finally {
    fs.rmSync(dataDir, { recursive: true, force: true });
  }
  const { DATABASE_URL, REDIS_URL } = process.env;
  if (!DATABASE_URL || !REDIS_URL) {
    console.log('autocannon on PostgreSQL + Redis: skipped (set DATABASE_URL and REDIS_URL)');
    return stacks;
  }
  const scratch = await createScratchDatabase(DATABASE_URL, 'feed_http');
  const keyPrefix = `polyglot-bench:feed-http:${process.pid}:`;
  try {
    stacks.postgres_redis = await measureStack(
      'PostgreSQL + Redis',
      { DATABASE_URL: scratch.url, REDIS_URL, KEY_PREFIX: keyPrefix },
      seconds,
    );
  } finally {
    await scratch.drop();
    await dropBenchKeys(REDIS_URL, keyPrefix);
  }
  return stacks;
}
