// Retention of the SQL analytics tables on PGlite and PostgreSQL: events older than their
// retention go, in batches, recent ones stay, and trending and endpoint metrics over their
// windows answer the same before and after. Running it again, or from several processes at
// once, deletes nothing twice and fails nothing.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createPostgresAnalytics, DELETE_BATCH } from '../../src/analytics/analytics.postgres.ts';
import type { SqlDatabase } from '../../src/engines/sql.ts';
import { freshSqlDatabase, type SqlEngine } from '../support/stores.ts';
import { servers } from '../support/targets.ts';

const retention = { viewsSeconds: 72 * 3600, requestsSeconds: 30 * 86_400 };
const POST = '01900000-0000-7000-8000-000000000001';

/** `count` views and requests `age` ago (a PostgreSQL interval), written as the recorder would, in one statement. */
async function eventsAged(db: SqlDatabase, age: string, count: number) {
  await db.query(
    `INSERT INTO analytics_views (at, post_id)
     SELECT now() - $1::interval - make_interval(secs => i % 60), $2::uuid FROM generate_series(1, $3) AS i`,
    [age, POST, count],
  );
  await db.query(
    `INSERT INTO analytics_requests (at, route, method, status, duration_ms)
     SELECT now() - $1::interval - make_interval(secs => i % 60), '/api/v1/posts/:id', 'GET', 200, i % 50
     FROM generate_series(1, $2) AS i`,
    [age, count],
  );
}

const counted = async (db: SqlDatabase, table: 'analytics_views' | 'analytics_requests') =>
  (await db.query<{ n: number }>(`SELECT count(*)::int AS n FROM ${table}`))[0]?.n;

const targets: Array<{ engine: SqlEngine; title: string; skip?: string }> = [
  { engine: 'pglite', title: 'PGlite (embedded)' },
  { engine: 'postgres', title: 'PostgreSQL (server)', skip: servers.postgres.skipReason },
];

for (const target of targets) {
  describe.skipIf(target.skip !== undefined)(
    `analytics retention on ${target.title}${target.skip ? ` [SKIPPED: ${target.skip}]` : ''}`,
    () => {
      let db: SqlDatabase;
      beforeAll(async () => {
        db = await freshSqlDatabase(target.engine);
      });
      afterAll(() => db?.close());

      it('deletes expired events in batches, keeps recent ones, and leaves the windows unchanged', async () => {
        const analytics = createPostgresAnalytics(db);
        const old = DELETE_BATCH * 2 + 500;
        // Views past 72 hours and requests past 30 days; recent ones inside both windows.
        await db.query(
          `INSERT INTO analytics_views (at, post_id)
           SELECT now() - interval '73 hours', $1::uuid FROM generate_series(1, $2)`,
          [POST, old],
        );
        await eventsAged(db, '31 days', old);
        await eventsAged(db, '10 minutes', 40);
        // Views two days old: older than a day, within the 72 hours kept.
        await eventsAged(db, '48 hours', 7);
        const trendingBefore = await analytics.trending(72, 10);
        const metricsBefore = await analytics.endpointMetrics(7 * 86_400, 3600);

        expect(await analytics.deleteExpired(retention)).toEqual({ views: old * 2, requests: old });
        expect(await counted(db, 'analytics_views')).toBe(47);
        expect(await counted(db, 'analytics_requests')).toBe(47);
        expect(await analytics.trending(72, 10)).toEqual(trendingBefore);
        expect(trendingBefore).toEqual([{ postId: POST, views: 47 }]);
        expect(await analytics.endpointMetrics(7 * 86_400, 3600)).toEqual(metricsBefore);
        // Again: nothing left to delete.
        expect(await analytics.deleteExpired(retention)).toEqual({ views: 0, requests: 0 });
      });

      it('is safe from several processes at once: each expired event is deleted once', async () => {
        const old = DELETE_BATCH + 1000;
        await eventsAged(db, '40 days', old);
        const before = {
          views: await counted(db, 'analytics_views'),
          requests: await counted(db, 'analytics_requests'),
        };
        const runs = await Promise.all(
          Array.from({ length: 3 }, () => createPostgresAnalytics(db).deleteExpired(retention)),
        );
        expect(runs.reduce((sum, run) => sum + run.views, 0)).toBe(old);
        expect(runs.reduce((sum, run) => sum + run.requests, 0)).toBe(old);
        expect(await counted(db, 'analytics_views')).toBe((before.views as number) - old);
        expect(await counted(db, 'analytics_requests')).toBe((before.requests as number) - old);
      });
    },
  );
}
