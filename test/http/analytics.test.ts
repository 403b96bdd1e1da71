// Analytics through the real HTTP stack: views (deduplicated in the cache role), trending
// hydrated like a timeline, endpoint metrics recorded by the server hook, and the recorder's
// bound and shutdown flush. On the embedded default, on PostgreSQL + Redis, and with the
// analytics role on InfluxDB.
import type { FastifyInstance } from 'fastify';
import { v7 } from 'uuid';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createPostgresAnalytics } from '../../src/analytics/analytics.postgres.ts';
import { AnalyticsRecorder } from '../../src/analytics/analytics.recorder.ts';
import { buildApp, type Platform } from '../../src/app.ts';
import { DEMO_OPERATOR_EMAIL, loadConfig } from '../../src/config.ts';
import { openPglite } from '../../src/engines/pglite.ts';
import { auth, caller, newAccountBody, signUp, type TestUser } from '../support/api.ts';
import { buildTestApp, type TestAppOptions, testEnv } from '../support/app.ts';
import { dropInfluxDatabase, freshInfluxUrl, freshSqlDatabase } from '../support/stores.ts';
import { httpStacks, servers, stackTitle } from '../support/targets.ts';

const influxUrl = servers.influx.url ? freshInfluxUrl() : '';

// Platform metrics are for operators: alice is one (ADMIN_EMAILS is compared case-insensitively).
const OPERATOR_EMAIL = 'metrics.operator@example.com';
const operators = { ADMIN_EMAILS: `someone@example.org, ${OPERATOR_EMAIL.toUpperCase()}`, DEMO_MODE: '0' };

const stacks: Array<{ name: string; options: () => TestAppOptions; skip: string | undefined }> = [
  { name: 'PGlite + memory cache', options: () => ({ env: operators }), skip: undefined },
  {
    name: 'PostgreSQL + Redis',
    options: () => ({ sql: 'postgres', cache: 'redis', env: { ...operators, ANALYTICS_STORE: 'postgres' } }),
    skip: servers.postgres.skipReason ?? servers.redis.skipReason,
  },
  {
    name: 'InfluxDB (analytics) + PGlite',
    options: () => ({ env: { ...operators, INFLUX_URL: influxUrl, ANALYTICS_STORE: 'influx' } }),
    skip: servers.influx.skipReason,
  },
];

interface TrendingBody {
  items: Array<{ id: string; views: number; user_has_liked?: boolean; comments?: unknown; stats: unknown }>;
  next_cursor: null;
}

for (const stack of stacks) {
  const title = stack.skip
    ? `analytics API on ${stack.name} [SKIPPED: ${stack.skip}]`
    : `analytics API on ${stack.name}`;
  describe.skipIf(stack.skip !== undefined)(title, () => {
    let platform: Platform;
    let app: FastifyInstance;
    let alice: TestUser;
    let bob: TestUser;
    let carol: TestUser;
    beforeAll(async () => {
      platform = await buildTestApp(stack.options());
      app = platform.app;
      [alice, bob, carol] = await Promise.all([
        signUp(app, { email: OPERATOR_EMAIL }),
        signUp(app),
        signUp(app),
      ]);
    });
    afterAll(async () => {
      if (stack.options().env?.ANALYTICS_STORE === 'influx') await dropInfluxDatabase(influxUrl);
    });

    const call = caller(() => app);
    const create = async (user: TestUser) => {
      const res = await app.inject({
        method: 'POST',
        url: '/api/v1/posts',
        headers: auth(user.token),
        payload: { content: `trending ${v7()}` },
      });
      expect(res.statusCode, res.body).toBe(201);
      return res.json().id as string;
    };
    const view = async (user: TestUser, postId: string) => {
      const res = await call('POST', `/posts/${postId}/views`, user);
      expect(res.statusCode, res.body).toBe(202);
      return res.json().counted as boolean;
    };
    const trending = async (user?: TestUser) => {
      await platform.analytics.flush();
      const res = await call('GET', '/trending?hours=1&limit=100', user);
      expect(res.statusCode, res.body).toBe(200);
      return res.json() as TrendingBody;
    };

    it('counts a view once per viewer and post within minutes', async () => {
      const post = await create(alice);
      expect(await view(bob, post)).toBe(true);
      expect(await view(bob, post)).toBe(false);
      expect(await view(bob, post)).toBe(false);
      expect(await view(carol, post)).toBe(true);
      const item = (await trending()).items.find((entry) => entry.id === post);
      expect(item?.views).toBe(2);
    });

    it('needs a session to view, and a post that exists', async () => {
      const post = await create(alice);
      expect((await call('POST', `/posts/${post}/views`)).statusCode).toBe(401);
      const unknown = await call('POST', `/posts/${v7()}/views`, bob);
      expect(unknown.statusCode).toBe(404);
      expect(unknown.json().error.code).toBe('not_found');
      expect((await call('POST', '/posts/not-a-uuid/views', bob)).statusCode).toBe(400);
    });

    it('ranks the most viewed posts first, hydrated like timeline items, with user_has_liked when signed in', async () => {
      const [popular, middling, quiet] = [await create(alice), await create(bob), await create(carol)];
      for (const user of [alice, bob, carol]) await view(user, popular);
      for (const user of [alice, bob]) await view(user, middling);
      await view(alice, quiet);
      expect((await call('PUT', `/posts/${popular}/like`, carol)).statusCode).toBe(204);

      const anonymous = await trending();
      expect(anonymous.next_cursor).toBeNull();
      const mine = anonymous.items.filter((item) => [popular, middling, quiet].includes(item.id));
      expect(mine.map((item) => [item.id, item.views])).toEqual([
        [popular, 3],
        [middling, 2],
        [quiet, 1],
      ]);
      const views = anonymous.items.map((item) => item.views);
      expect(views).toEqual([...views].sort((a, b) => b - a));
      for (const item of mine) {
        expect(item.comments).toBeUndefined();
        expect(item.user_has_liked).toBeUndefined();
      }
      const first = mine[0] as TrendingBody['items'][number];
      const post = (await call('GET', `/posts/${popular}`)).json();
      const { comments: _comments, ...summary } = post;
      expect(first).toEqual({ ...summary, views: 3 });

      const asCarol = (await trending(carol)).items.filter((item) => [popular, middling].includes(item.id));
      expect(asCarol.map((item) => item.user_has_liked)).toEqual([true, false]);

      const top = await call('GET', '/trending?hours=1&limit=1');
      expect(top.json().items).toHaveLength(1);
    });

    it('never shows a deleted post', async () => {
      const doomed = await create(alice);
      for (const user of [alice, bob, carol]) await view(user, doomed);
      expect((await trending()).items.map((item) => item.id)).toContain(doomed);
      expect((await call('DELETE', `/posts/${doomed}`, alice)).statusCode).toBe(204);
      const after = await trending();
      expect(after.items.map((item) => item.id)).not.toContain(doomed);
      // Even when the deleted post held the top place of a one-item list.
      const top = await call('GET', '/trending?hours=1&limit=1');
      expect(top.json().items.map((item: { id: string }) => item.id)).not.toContain(doomed);
    });

    it('refuses bad trending parameters', async () => {
      for (const query of ['hours=0', 'hours=73', 'hours=1.5', 'limit=0', 'limit=101', 'cursor=x']) {
        const res = await call('GET', `/trending?${query}`);
        expect(res.statusCode, query).toBe(400);
        expect(res.json().error.code).toBe('bad_request');
      }
    });

    it('reports every API request per route pattern and method: count, error rate, latencies', async () => {
      const post = await create(alice);
      for (let i = 0; i < 5; i++) expect((await call('GET', `/posts/${post}`)).statusCode).toBe(200);
      expect((await call('GET', `/posts/${v7()}`)).statusCode).toBe(404);
      await new Promise((resolve) => setImmediate(resolve));
      await platform.analytics.flush();
      const res = await call('GET', '/metrics/endpoints?window=1h&every=5m', alice);
      expect(res.statusCode, res.body).toBe(200);
      const body = res.json() as {
        window: string;
        every: string;
        items: Array<{ route: string; method: string; buckets: Array<Record<string, number>> }>;
      };
      expect([body.window, body.every]).toEqual(['1h', '5m']);
      const route = body.items.find((item) => item.route === '/api/v1/posts/:id' && item.method === 'GET');
      expect(route, JSON.stringify(body.items.map((item) => `${item.method} ${item.route}`))).toBeDefined();
      const buckets = route?.buckets ?? [];
      expect(buckets.reduce((sum, bucket) => sum + (bucket.count ?? 0), 0)).toBeGreaterThanOrEqual(6);
      for (const bucket of buckets) {
        expect(bucket.error_rate).toBe(0);
        expect(bucket.p50_ms).toBeLessThanOrEqual(bucket.p95_ms as number);
        expect(bucket.p95_ms).toBeLessThanOrEqual(bucket.p99_ms as number);
        expect(bucket.mean_ms).toBeGreaterThan(0);
      }
      // Raw URLs never become routes: ids stay out of the series.
      expect(body.items.some((item) => item.route.includes(post))).toBe(false);
      expect((await call('GET', '/metrics/endpoints')).statusCode).toBe(401);
    });

    it('shows platform metrics to operators only: 401 anonymous, 403 to other users', async () => {
      const url = '/metrics/endpoints?window=1h&every=5m';
      expect((await call('GET', url, alice)).statusCode).toBe(200);
      expect((await call('GET', url)).statusCode).toBe(401);
      const refused = await call('GET', url, bob);
      expect([refused.statusCode, refused.json().error.code]).toEqual([403, 'forbidden']);
      // Nobody can sign up as the demo operator and so become one.
      const demoOperator = await call(
        'POST',
        '/accounts',
        undefined,
        newAccountBody({ email: DEMO_OPERATOR_EMAIL }),
      );
      expect(demoOperator.statusCode).toBe(400);
    });

    it('refuses durations that are malformed, too long, or make too many buckets', async () => {
      const bad = [
        ['window=abc', 'window'],
        ['window=1h&every=0m', 'every'],
        ['window=1h&every=5', 'every'],
        ['window=8d', 'window'],
        ['window=1h&every=5s', 'every'],
        ['window=5m&every=1h', 'every'],
        ['window=7d&every=10s', 'every'],
        ['window=1h&every=-5m', 'every'],
        ['window=1h&extra=1', 'extra'],
      ] as const;
      for (const [query, field] of bad) {
        const res = await call('GET', `/metrics/endpoints?${query}`, alice);
        expect(res.statusCode, query).toBe(400);
        expect(Object.keys(res.json().error.details.fields), query).toContain(field);
      }
    });
  });
}

for (const stack of httpStacks) {
  describe.skipIf(stack.skip !== undefined)(stackTitle('analytics reads in demo mode', stack), () => {
    let app: FastifyInstance;
    let platform: Platform;
    beforeAll(async () => {
      platform = await buildTestApp({
        sql: stack.sql,
        cache: stack.cache,
        env: { DEMO_MODE: '1', ANALYTICS_STORE: stack.sql, RATE_LIMIT_WRITES_PER_USER: '3/1h' },
      });
      ({ app } = platform);
    });
    const call = caller(() => app);

    it('lets the demo operator read platform metrics, and counts analytics reads like writes (429)', async () => {
      // The demo content creates the operator's account (sign-up refuses its address).
      const body = newAccountBody({ email: DEMO_OPERATOR_EMAIL });
      const account = await platform.services.accounts.signUp(body, { demoOperator: true });
      const session = await call('POST', '/sessions', undefined, {
        email: body.email,
        password: body.password,
      });
      const operator: TestUser = {
        ...body,
        id: account.id,
        handle: account.handle,
        token: session.json().token,
      };
      const url = '/metrics/endpoints?window=1h&every=5m';
      for (let i = 0; i < 3; i++) expect((await call('GET', url, operator)).statusCode).toBe(200);
      const limited = await call('GET', url, operator);
      expect([limited.statusCode, limited.json().error.code]).toEqual([429, 'rate_limited']);
      expect(Number(limited.headers['retry-after'])).toBeGreaterThan(0);

      const reader = await signUp(app);
      for (let i = 0; i < 3; i++) expect((await call('GET', '/trending', reader)).statusCode).toBe(200);
      expect((await call('GET', '/trending', reader)).statusCode).toBe(429);
      // Anonymous readers count per address.
      for (let i = 0; i < 3; i++) expect((await call('GET', '/trending')).statusCode).toBe(200);
      expect((await call('GET', '/trending')).statusCode).toBe(429);
    });
  });
}

describe('the analytics recorder', () => {
  it('holds at most its bound, drops and counts the rest, and writes what it kept in batches', async () => {
    const db = await freshSqlDatabase('pglite');
    try {
      const port = createPostgresAnalytics(db);
      // Nothing flushes on its own here: the buffer fills up to its bound.
      const recorder = new AnalyticsRecorder(port, {
        maxBuffered: 100,
        batchSize: 1000,
        flushIntervalMs: 3_600_000,
      });
      const postId = v7();
      const accepted = Array.from({ length: 130 }, () => recorder.view({ at: new Date(), postId }));
      expect(accepted.filter(Boolean)).toHaveLength(100);
      expect(recorder.stats().views).toEqual({ buffered: 100, written: 0, dropped: 30, failed: 0 });
      await recorder.flush();
      expect(recorder.stats().views).toEqual({ buffered: 0, written: 100, dropped: 30, failed: 0 });
      expect(await port.trending(1, 1)).toEqual([{ postId, views: 100 }]);
      // Room again once written.
      expect(recorder.view({ at: new Date(), postId })).toBe(true);
      await recorder.close();
      expect(await port.trending(1, 1)).toEqual([{ postId, views: 101 }]);
      // Closed: takes nothing more.
      expect(recorder.view({ at: new Date(), postId })).toBe(false);
    } finally {
      await db.close();
    }
  });

  it('writes a full batch without waiting for the timer', async () => {
    const db = await freshSqlDatabase('pglite');
    try {
      const port = createPostgresAnalytics(db);
      const recorder = new AnalyticsRecorder(port, { batchSize: 10, flushIntervalMs: 3_600_000 });
      const postId = v7();
      for (let i = 0; i < 10; i++) recorder.view({ at: new Date(), postId });
      // The size-triggered flush is under way; flush() joins it.
      await recorder.flush();
      expect(recorder.stats().views.written).toBe(10);
      await recorder.close();
    } finally {
      await db.close();
    }
  });

  it('counts a batch the store refuses as failed, and goes on', async () => {
    const db = await freshSqlDatabase('pglite');
    const port = createPostgresAnalytics(db);
    const recorder = new AnalyticsRecorder(port, { flushIntervalMs: 3_600_000 });
    // A negative duration breaks the table's CHECK: the whole batch is refused.
    recorder.request({ at: new Date(), route: '/x', method: 'GET', status: 200, durationMs: -1 });
    await recorder.flush();
    expect(recorder.stats().requests).toMatchObject({ written: 0, failed: 1, buffered: 0 });
    recorder.request({ at: new Date(), route: '/x', method: 'GET', status: 200, durationMs: 1 });
    await recorder.close();
    expect(recorder.stats().requests).toMatchObject({ written: 1, failed: 1 });
    await db.close();
  });

  it('is flushed when the app closes: every recorded request reaches the store', async () => {
    const env = await testEnv();
    const platform = await buildApp(loadConfig(env));
    for (let i = 0; i < 7; i++) {
      expect((await platform.app.inject({ method: 'GET', url: `/api/v1/posts/${v7()}` })).statusCode).toBe(
        404,
      );
    }
    await new Promise((resolve) => setImmediate(resolve));
    const { written, buffered } = platform.analytics.stats().requests;
    expect(written + buffered).toBe(7);
    await platform.app.close();
    const db = await openPglite({ dataDir: env.DATA_DIR as string });
    try {
      const [row] = await db.query<{ n: number }>(
        "SELECT count(*)::int AS n FROM analytics_requests WHERE route = '/api/v1/posts/:id'",
      );
      expect(row?.n).toBe(7);
    } finally {
      await db.close();
    }
  });
});
