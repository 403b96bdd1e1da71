// The platform process killed with SIGKILL under a mixed load of posts, orders and transfers,
// then started again. It runs as `polyglot start` in a child process, on a PostgreSQL database
// of this test's own (cloned from the template) with its jobs there, and its cache on a Redis
// of this test's own, which outlives the kill. After the restart every acknowledged post,
// order and transfer is there, every wallet equals its ledger, the follow-up work of every
// post ran (no outbox entry or job left, none failed) and no timeline holds a post twice.
import { type ChildProcess, spawn } from 'node:child_process';
import path from 'node:path';
import { Redis } from 'ioredis';
import { v7 } from 'uuid';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { KNOWN_VARIABLES } from '../../src/config.ts';
import { openPostgres } from '../../src/engines/postgres.ts';
import { createRedisTimelines } from '../../src/feed/feed.redis.ts';
import { newAccountBody } from '../support/api.ts';
import { freePort, hasRedisServer, startRedis, stop } from '../support/redis-server.ts';
import { freshDatabaseUrl, freshKeyPrefix } from '../support/stores.ts';
import { servers } from '../support/targets.ts';

const ROOT = path.join(import.meta.dirname, '../..');
const LOAD_MS = 2000;
const WORKERS = 6;
const skip = !hasRedisServer ? 'no redis-server binary on this machine' : servers.postgres.skipReason;

/** `polyglot start` in a child process; resolves once it says it is ready. */
function startPlatform(env: Record<string, string>): Promise<ChildProcess> {
  const inherited = { ...process.env };
  for (const name of KNOWN_VARIABLES) delete inherited[name];
  const tsx = new URL('../../node_modules/tsx/dist/loader.mjs', import.meta.url).href;
  const child = spawn(process.execPath, ['--import', tsx, path.join(ROOT, 'src/cli.ts'), 'start'], {
    cwd: ROOT,
    env: { ...inherited, ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let output = '';
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`not ready within 120 s:\n${output}`)), 120_000);
    child.stdout?.setEncoding('utf8').on('data', (chunk: string) => {
      output += chunk;
      if (output.includes('is ready at')) {
        clearTimeout(timer);
        resolve(child);
      }
    });
    child.stderr?.setEncoding('utf8').on('data', (chunk: string) => {
      output += chunk;
    });
    child.once('exit', (code) => {
      clearTimeout(timer);
      reject(new Error(`exited with ${code} before it was ready:\n${output}`));
    });
  });
}

const killed = (child: ChildProcess) =>
  new Promise<void>((resolve) => {
    if (child.exitCode !== null || child.signalCode !== null) return resolve();
    child.once('exit', () => resolve());
    child.kill('SIGKILL');
  });

describe.skipIf(skip !== undefined)(
  `the platform killed with SIGKILL under load, on PostgreSQL${skip ? ` [SKIPPED: ${skip}]` : ''}`,
  () => {
    let redis: ChildProcess | undefined;
    let platform: ChildProcess | undefined;
    let env: Record<string, string>;
    let base: string;

    beforeAll(async () => {
      const redisPort = await freePort();
      redis = await startRedis(redisPort);
      const port = await freePort();
      base = `http://127.0.0.1:${port}/api/v1`;
      env = {
        HOST: '127.0.0.1',
        PORT: String(port),
        LOG_LEVEL: 'warn',
        LOG_FORMAT: 'json',
        SEED: 'false',
        DEMO_MODE: 'true',
        DATABASE_URL: await freshDatabaseUrl(),
        REDIS_URL: `redis://127.0.0.1:${redisPort}`,
        CACHE_STORE: 'redis',
        JOBS_STORE: 'postgres',
        KEY_PREFIX: freshKeyPrefix(),
        OUTBOX_RELAY_INTERVAL_MS: '200',
        OUTBOX_LEASE_SECONDS: '2',
        RATE_LIMIT_SIGNUP_PER_ADDRESS: '100000/1h',
        RATE_LIMIT_LOGIN_PER_ADDRESS: '100000/1h',
        RATE_LIMIT_WRITES_PER_USER: '100000/1h',
      };
      platform = await startPlatform(env);
    }, 150_000);

    afterAll(async () => {
      if (platform) await killed(platform);
      if (redis && redis.exitCode === null && redis.signalCode === null) await stop(redis);
    });

    async function api(method: string, url: string, token?: string, body?: unknown) {
      const response = await fetch(`${base}${url}`, {
        method,
        headers: {
          ...(token ? { authorization: `Bearer ${token}` } : {}),
          ...(body === undefined ? {} : { 'content-type': 'application/json' }),
        },
        body: body === undefined ? undefined : JSON.stringify(body),
      });
      const text = await response.text();
      return { status: response.status, body: text ? JSON.parse(text) : undefined };
    }

    async function account() {
      const body = newAccountBody();
      const created = await api('POST', '/accounts', undefined, body);
      expect(created.status).toBe(201);
      const session = await api('POST', '/sessions', undefined, {
        email: body.email,
        password: body.password,
      });
      return { id: created.body.id as number, token: session.body.token as string };
    }

    it('keeps every acknowledged post, order and transfer, a balanced ledger, every job, and no doubled timeline entry', async () => {
      const author = await account();
      const follower = await account();
      const buyers = [await account(), await account(), await account()];
      expect((await api('PUT', `/users/${author.id}/follow`, follower.token)).status).toBe(204);
      expect((await api('GET', '/feed', follower.token)).status).toBe(200);
      const product = await api('POST', '/products', author.token, {
        name: 'Kill lamp',
        price_cents: 100,
        stock: 100_000,
      });
      expect(product.status).toBe(201);
      for (const buyer of buyers) {
        expect((await api('POST', '/wallet/deposits', buyer.token, { amount_cents: 1_000_000 })).status).toBe(
          201,
        );
      }

      const posts: string[] = [];
      const orders: Array<{ id: string; token: string }> = [];
      const transfers: string[] = [];
      let stopping = false;
      const worker = async (n: number) => {
        for (let i = 0; !stopping && posts.length < 80; i++) {
          const buyer = buyers[(n + i) % buyers.length] as (typeof buyers)[number];
          try {
            if (i % 3 === 0) {
              const created = await api('POST', '/posts', author.token, { content: `under load ${n}.${i}` });
              if (created.status === 201) posts.push(created.body.id);
            } else if (i % 3 === 1) {
              const order = await api('POST', '/orders', buyer.token, {
                items: [{ product_id: product.body.id, quantity: 1 }],
                idempotency_key: v7(),
              });
              if (order.status === 201) orders.push({ id: order.body.id, token: buyer.token });
            } else {
              const transfer = await api('POST', '/wallet/transfers', buyer.token, {
                to_user_id: author.id,
                amount_cents: 7,
                idempotency_key: v7(),
              });
              if (transfer.status === 201) transfers.push(transfer.body.id);
            }
          } catch {
            // The connection died with the process: the outcome is unknown, so nothing is expected of it.
          }
        }
      };
      const load = Promise.all(Array.from({ length: WORKERS }, (_, n) => worker(n)));
      await new Promise((resolve) => setTimeout(resolve, LOAD_MS));
      await killed(platform as ChildProcess);
      stopping = true;
      await load;
      expect(posts.length + orders.length + transfers.length).toBeGreaterThan(0);

      platform = await startPlatform(env);
      for (const id of posts) expect((await api('GET', `/posts/${id}`)).status, id).toBe(200);
      for (const order of orders)
        expect((await api('GET', `/orders/${order.id}`, order.token)).status).toBe(200);

      const db = openPostgres({ url: env.DATABASE_URL as string, max: 1 });
      try {
        const found = await db.query<{ id: string }>(
          'SELECT id::text FROM transfers WHERE id = ANY($1::uuid[])',
          [transfers],
        );
        expect(found.map((row) => row.id).sort()).toEqual([...transfers].sort());
        const unbalanced = await db.query(
          `SELECT w.user_id FROM wallets w
           LEFT JOIN ledger_entries e ON e.user_id = w.user_id
           GROUP BY w.user_id, w.balance_cents
           HAVING w.balance_cents <> coalesce(sum(e.amount_cents), 0)`,
        );
        expect(unbalanced).toEqual([]);
        const [money] = await db.query<{ total: number }>(
          'SELECT sum(balance_cents)::int AS total FROM wallets',
        );
        expect(money?.total).toBe(3 * 1_000_000);

        // Every accepted job runs after the restart: the outbox and the queue empty, none failed.
        const deadline = Date.now() + 60_000;
        for (;;) {
          const [left] = await db.query<{ outbox: number; jobs: number; failed: number }>(
            `SELECT (SELECT count(*)::int FROM outbox) AS outbox,
                    (SELECT count(*)::int FROM jobs WHERE failed_at IS NULL) AS jobs,
                    (SELECT count(*)::int FROM jobs WHERE failed_at IS NOT NULL) AS failed`,
          );
          expect(left?.failed).toBe(0);
          if (left?.outbox === 0 && left.jobs === 0) break;
          expect(Date.now()).toBeLessThan(deadline);
          await new Promise((resolve) => setTimeout(resolve, 250));
        }
      } finally {
        await db.close();
      }

      // The follower's timeline in Redis: every acknowledged post of the author, none twice.
      const direct = new Redis(env.REDIS_URL as string);
      try {
        const timelines = createRedisTimelines(direct, {
          keyPrefix: env.KEY_PREFIX as string,
          ttlSeconds: 86_400,
        });
        const entries = ((await timelines.readTimeline(follower.id, { limit: 1000 })) ?? []).map(
          (entry) => entry.postId,
        );
        expect(new Set(entries).size).toBe(entries.length);
        expect(entries).toEqual(expect.arrayContaining(posts));
      } finally {
        await direct.quit();
      }
      const feed = (await api('GET', '/feed?limit=100', follower.token)).body.items as Array<{ id: string }>;
      const ids = feed.map((item) => item.id);
      expect(new Set(ids).size).toBe(ids.length);
      expect(ids).toEqual(expect.arrayContaining(posts));
    }, 300_000);
  },
);
