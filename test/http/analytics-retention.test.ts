// Retention of the SQL analytics tables through the real platform, on both stacks: a platform
// that starts deletes the views and request events older than their retention (and again every
// ANALYTICS_RETENTION_INTERVAL_SECONDS), while trending over the kept window answers as before.
import { describe, expect, it } from 'vitest';
import { buildApp } from '../../src/app.ts';
import { loadConfig } from '../../src/config.ts';
import { openPglite } from '../../src/engines/pglite.ts';
import { openPostgres } from '../../src/engines/postgres.ts';
import type { SqlDatabase } from '../../src/engines/sql.ts';
import { caller, signUp } from '../support/api.ts';
import { testEnv } from '../support/app.ts';
import { dropKeys } from '../support/stores.ts';
import { httpStacks, stackTitle } from '../support/targets.ts';

/** The platform's database, opened while no platform runs (PGlite allows one process). */
const openStore = (env: Record<string, string>): Promise<SqlDatabase> =>
  env.DATABASE_URL
    ? Promise.resolve(openPostgres({ url: env.DATABASE_URL, max: 2 }))
    : openPglite({ dataDir: env.DATA_DIR as string });

const counts = async (db: SqlDatabase) => {
  const [row] = await db.query<{ views: number; requests: number }>(
    `SELECT (SELECT count(*)::int FROM analytics_views) AS views,
            (SELECT count(*)::int FROM analytics_requests) AS requests`,
  );
  return row;
};

for (const stack of httpStacks) {
  describe.skipIf(stack.skip !== undefined)(stackTitle('analytics retention', stack), () => {
    it('deletes expired views and requests at start, keeps recent ones, and trending is unchanged', async () => {
      const env = await testEnv({
        sql: stack.sql,
        cache: stack.cache,
        env: { ANALYTICS_RECORD_REQUESTS: '0' },
      });
      const first = await buildApp(loadConfig(env));
      const author = await signUp(first.app);
      const created = await caller(() => first.app)('POST', '/posts', author, { content: 'viewed long ago' });
      const postId = created.json().id as string;
      const trending = async (platform: typeof first) =>
        (await platform.app.inject({ url: '/api/v1/trending?hours=72&limit=10' }))
          .json()
          .items.map((item: { id: string; views: number }) => [item.id, item.views]);
      await first.app.close();

      const db = await openStore(env);
      try {
        // 4 views past 72 hours and 3 within; 5 requests past 30 days and 2 within.
        await db.query(
          `INSERT INTO analytics_views (at, post_id)
           SELECT now() - make_interval(hours => h), $1::uuid FROM unnest(ARRAY[73, 80, 100, 500, 1, 2, 71]) AS h`,
          [postId],
        );
        await db.query(
          `INSERT INTO analytics_requests (at, route, method, status, duration_ms)
           SELECT now() - make_interval(days => d), '/api/v1/feed', 'GET', 200, 3
           FROM unnest(ARRAY[31, 40, 60, 90, 365, 1, 29]) AS d`,
        );
      } finally {
        await db.close();
      }

      const second = await buildApp(loadConfig(env));
      try {
        await second.retention.runOnce();
        expect(await trending(second)).toEqual([[postId, 3]]);
      } finally {
        await second.app.close();
        if (env.REDIS_URL && env.KEY_PREFIX) await dropKeys(env.REDIS_URL, env.KEY_PREFIX);
      }
      const after = await openStore(env);
      try {
        expect(await counts(after)).toEqual({ views: 3, requests: 2 });
      } finally {
        await after.close();
      }
      // Three opens of the database (PGlite: a few seconds each on a busy machine).
    }, 90_000);
  });
}
