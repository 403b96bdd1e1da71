// Two API processes, started as `npm start` starts one, on one PostgreSQL and one Redis, with
// the client's requests dealt round-robin between them as a load balancer would: they behave as
// one platform (sessions, feeds, rate limits, jobs), and one of them shut down with SIGTERM in
// the middle of a burst loses no request (a refused connection is retried on the other process,
// as a load balancer does; none is reset).
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { newAccountBody } from '../support/api.ts';
import { type ApiProcess, startApiProcess } from '../support/api-process.ts';
import { dropKeys, freshDatabaseUrl, freshKeyPrefix } from '../support/stores.ts';
import { servers, titled } from '../support/targets.ts';

const WRITES_PER_USER = 8;
const skip = servers.postgres.skipReason ?? servers.redis.skipReason;
const server = { url: undefined, skipReason: skip, ciStartsIt: true };

interface Answer {
  status: number;
  body: Record<string, unknown> & { items?: Array<{ id: string; content: string }> };
}

async function call(
  base: string,
  method: string,
  path: string,
  token?: string,
  body?: unknown,
): Promise<Answer> {
  const response = await fetch(`${base}/api/v1${path}`, {
    method,
    headers: {
      ...(token ? { authorization: `Bearer ${token}` } : {}),
      ...(body === undefined ? {} : { 'content-type': 'application/json' }),
    },
    ...(body === undefined ? {} : { body: JSON.stringify(body) }),
  });
  const text = await response.text();
  return { status: response.status, body: text ? JSON.parse(text) : {} };
}

describe.skipIf(skip !== undefined)(
  titled('two API processes on one PostgreSQL and one Redis', server),
  () => {
    let a: ApiProcess;
    let b: ApiProcess;
    let keyPrefix: string;

    beforeAll(async () => {
      keyPrefix = freshKeyPrefix();
      const env = {
        DATABASE_URL: await freshDatabaseUrl(),
        REDIS_URL: servers.redis.url as string,
        KEY_PREFIX: keyPrefix,
        LOG_LEVEL: 'warn',
        RATE_LIMIT_SIGNUP_PER_ADDRESS: '1000/1h',
        RATE_LIMIT_LOGIN_PER_ADDRESS: '1000/1h',
        RATE_LIMIT_WRITES_PER_USER: `${WRITES_PER_USER}/1h`,
      };
      // Started together: both migrate the same database at the same moment.
      [a, b] = await Promise.all([startApiProcess(env, 150_000), startApiProcess(env, 150_000)]);
    }, 180_000);

    afterAll(async () => {
      await Promise.all([a?.stop(), b?.stop()]);
      await dropKeys(servers.redis.url as string, keyPrefix);
    });

    async function signUp(base: string) {
      const body = newAccountBody();
      const created = await call(base, 'POST', '/accounts', undefined, body);
      expect(created.status, JSON.stringify(created.body)).toBe(201);
      const session = await call(base, 'POST', '/sessions', undefined, {
        email: body.email,
        password: body.password,
      });
      expect(session.status).toBe(201);
      return { id: created.body.id as number, token: session.body.token as string };
    }

    it('shares sessions, feeds, rate limits and jobs, each job applied once', {
      timeout: 120_000,
    }, async () => {
      // Signed up and in on A, the session works on B.
      const author = await signUp(a.url);
      expect((await call(b.url, 'GET', '/me', author.token)).body.id).toBe(author.id);
      const reader = await signUp(b.url);
      expect((await call(a.url, 'PUT', `/users/${author.id}/follow`, reader.token)).status).toBe(204);

      // Posted on A, fanned out by whichever process took the job, read on B: once.
      const posted = await call(a.url, 'POST', '/posts', author.token, { content: 'made on A' });
      expect(posted.status).toBe(201);
      let feed: Answer | undefined;
      for (let attempt = 0; attempt < 100; attempt++) {
        feed = await call(b.url, 'GET', '/feed', reader.token);
        if (feed.body.items?.some((item) => item.id === posted.body.id)) break;
        await new Promise((resolve) => setTimeout(resolve, 100));
      }
      expect(feed?.body.items?.filter((item) => item.id === posted.body.id)).toHaveLength(1);
      const profile = await call(b.url, 'GET', `/users/${author.id}`);
      expect((profile.body.counts as { posts: number }).posts).toBe(1);

      // The write limit counts across both processes: exactly WRITES_PER_USER succeed in all.
      const writer = await signUp(a.url);
      const statuses: number[] = [];
      for (let i = 0; i < WRITES_PER_USER + 4; i++) {
        const base = i % 2 === 0 ? a.url : b.url;
        statuses.push((await call(base, 'POST', '/posts', writer.token, { content: `post ${i}` })).status);
      }
      expect(statuses.filter((status) => status === 201)).toHaveLength(WRITES_PER_USER);
      expect(statuses.slice(WRITES_PER_USER).every((status) => status === 429)).toBe(true);
    });

    it('loses no request when one process is shut down with SIGTERM in the middle of a burst', {
      timeout: 120_000,
    }, async () => {
      const user = await signUp(b.url);
      const REQUESTS = 60;
      const outcomes: Array<Promise<string>> = [];
      let stopped: Promise<number | NodeJS.Signals> | undefined;
      for (let i = 0; i < REQUESTS; i++) {
        if (i === REQUESTS / 2) stopped = a.stop('SIGTERM');
        const first = i % 2 === 0 ? a.url : b.url;
        outcomes.push(
          (async () => {
            try {
              return String((await call(first, 'GET', '/me', user.token)).status);
            } catch (error) {
              const code = (error as { cause?: { code?: string } }).cause?.code ?? String(error);
              // Refused: it never reached that process; a load balancer sends it to the other.
              if (code !== 'ECONNREFUSED') return `lost: ${code}`;
              return `retried ${(await call(b.url, 'GET', '/me', user.token)).status}`;
            }
          })(),
        );
        await new Promise((resolve) => setTimeout(resolve, 10));
      }
      const results = await Promise.all(outcomes);
      expect(results.filter((result) => !['200', 'retried 200'].includes(result))).toEqual([]);
      expect(await stopped).toBe(0);
    });
  },
);
