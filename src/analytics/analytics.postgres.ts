// The analytics role on PostgreSQL (PGlite or a server): append-only event tables with BRIN
// time indexes (see the migration), batches inserted as arrays through unnest (one statement
// per batch, whatever its size), and time buckets made by date_bin. Expired events are
// deleted in batches of DELETE_BATCH rows, found through the BRIN time index.
import type { SqlDatabase } from '../engines/sql.ts';
import type { AnalyticsPort, EndpointBucket, TrendingEntry } from './analytics.port.ts';

interface BucketRow extends Omit<EndpointBucket, 'bucket'> {
  bucket: Date;
}

/** Rows per DELETE: short statements, so a large backlog never holds locks or WAL for long. */
export const DELETE_BATCH = 10_000;

export function createPostgresAnalytics(db: SqlDatabase) {
  /**
   * Deletes the table's rows older than `seconds`, batch after batch until none is left. The
   * rows of a batch are locked with SKIP LOCKED, so processes pruning at once split the work
   * instead of queueing on each other, and a repeated run finds nothing to do. The tables have
   * no key: a batch is named by its rows' physical addresses (ctid), valid while they are locked.
   */
  async function deleteOlderThan(table: 'analytics_views' | 'analytics_requests', seconds: number) {
    let deleted = 0;
    for (;;) {
      const [row] = await db.query<{ n: number }>(
        `WITH gone AS (
           DELETE FROM ${table} WHERE ctid = ANY(ARRAY(
             SELECT ctid FROM ${table} WHERE at < now() - make_interval(secs => $1)
             LIMIT $2 FOR UPDATE SKIP LOCKED))
           RETURNING 1)
         SELECT count(*)::int AS n FROM gone`,
        [seconds, DELETE_BATCH],
      );
      const n = row?.n ?? 0;
      deleted += n;
      if (n < DELETE_BATCH) return deleted;
    }
  }

  return {
    engine: db.engine,

    async recordRequests(batch) {
      if (!batch.length) return;
      await db.query(
        `INSERT INTO analytics_requests (at, route, method, status, duration_ms)
         SELECT * FROM unnest($1::timestamptz[], $2::text[], $3::text[], $4::smallint[], $5::real[])`,
        [
          batch.map((event) => event.at.toISOString()),
          batch.map((event) => event.route),
          batch.map((event) => event.method),
          batch.map((event) => event.status),
          batch.map((event) => event.durationMs),
        ],
      );
    },

    async recordViews(batch) {
      if (!batch.length) return;
      await db.query(
        'INSERT INTO analytics_views (at, post_id) SELECT * FROM unnest($1::timestamptz[], $2::uuid[])',
        [batch.map((event) => event.at.toISOString()), batch.map((event) => event.postId)],
      );
    },

    // A ranking over hours of views: a replica's moment of lag changes nothing (db.read).
    trending: (hours, limit) =>
      db.read().query<TrendingEntry>(
        `SELECT post_id::text AS "postId", count(*)::int AS views
         FROM analytics_views
         WHERE at >= now() - make_interval(hours => $1)
         GROUP BY post_id
         ORDER BY views DESC, post_id DESC
         LIMIT $2`,
        [hours, limit],
      ),

    async endpointMetrics(windowSeconds, everySeconds) {
      // Buckets align to multiples of `every` since the epoch, as InfluxDB's GROUP BY time()
      // does, so both adapters answer with the same bucket starts.
      const rows = await db.query<BucketRow>(
        `SELECT route, method,
                date_bin(make_interval(secs => $2), at, TIMESTAMPTZ 'epoch') AS bucket,
                count(*)::int AS count,
                avg((status >= 500)::int)::float8 AS error_rate,
                avg(duration_ms)::float8 AS mean_ms,
                percentile_cont(0.5) WITHIN GROUP (ORDER BY duration_ms)::float8 AS p50_ms,
                percentile_cont(0.95) WITHIN GROUP (ORDER BY duration_ms)::float8 AS p95_ms,
                percentile_cont(0.99) WITHIN GROUP (ORDER BY duration_ms)::float8 AS p99_ms
         FROM analytics_requests
         WHERE at >= now() - make_interval(secs => $1)
         GROUP BY route, method, bucket
         ORDER BY bucket, route, method`,
        [windowSeconds, everySeconds],
      );
      return rows.map((row) => ({ ...row, bucket: row.bucket.toISOString() }));
    },

    async deleteExpired({ viewsSeconds, requestsSeconds }) {
      const views = await deleteOlderThan('analytics_views', viewsSeconds);
      const requests = await deleteOlderThan('analytics_requests', requestsSeconds);
      return { views, requests };
    },

    ping: () => db.ping(),
    // The database belongs to the engines, which close it.
    async close() {},
  } satisfies AnalyticsPort;
}
