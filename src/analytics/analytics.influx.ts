// The analytics role on InfluxDB, through the v1 HTTP API: points written as line protocol
// (escaped by @influxdata/influxdb-client's escaper, never by hand) to /write, read with
// InfluxQL and bound parameters on /query. The database and its retention policies are
// created at start when missing.
//
// Series design. Every distinct set of tag values is a series that InfluxDB indexes in
// memory, and InfluxQL can GROUP BY tags only. So:
// - `post_views` needs post_id as a tag (trending groups by it), which makes one series
//   per post viewed. It therefore lives on a short retention policy (72 h, all that
//   trending looks back): series cardinality stays bounded by the posts viewed within
//   three days, instead of growing with every post ever viewed. The viewer is never a tag
//   (the article's `user_id` tag would make a series per user), and not stored at all: views
//   are deduplicated per viewer in the cache role before they get here.
// - `api_requests` is tagged by route pattern, method and status class only: a few hundred
//   series for the whole API. The status and the duration are fields.
// Lines are composed from constant measurement, tag and field names; every tag value goes
// through the library's line-protocol escaper (its Point class does the same per point, at
// twice the cost, which mattered for the ingest rate: see bench/analytics.ts).
// Points of one series with the same timestamp overwrite each other, so each point gets a
// nanosecond timestamp of its millisecond plus a per-process sequence number.
import { escape as lineProtocol } from '@influxdata/influxdb-client';
import { type InfluxConnection, type InfluxSeries, InfluxWriteError } from '../engines/influx.ts';
import {
  type AnalyticsPort,
  byViews,
  type EndpointBucket,
  PartialWriteError,
  statusClass,
  VIEWS_RETENTION_HOURS,
} from './analytics.port.ts';

/** A float field value: line protocol has no NaN or Infinity. */
const finite = (value: number) => (Number.isFinite(value) && value >= 0 ? value : 0);

export const VIEWS_POLICY = { name: 'views_72h', duration: `${VIEWS_RETENTION_HOURS}h` };
export const REQUESTS_POLICY = { name: 'requests_30d', duration: '30d' };

const TRENDING = `SELECT TOP(views, post_id, $limit) AS views
  FROM (SELECT count(n) AS views FROM post_views WHERE time >= $since GROUP BY post_id)`;

/**
 * GROUP BY time() takes a duration literal only: InfluxDB 1.6 answers "time dimension must
 * have duration argument" to a bound parameter there. The literal is therefore written from
 * a whole number of seconds that the caller has already validated; everything else is bound.
 */
function endpointMetricsQuery(everySeconds: number): string {
  if (!Number.isSafeInteger(everySeconds) || everySeconds < 1) throw new Error('every must be whole seconds');
  const every = `${everySeconds}s`;
  return `SELECT count(duration_ms) AS count, mean(duration_ms) AS mean_ms,
      percentile(duration_ms, 50) AS p50_ms, percentile(duration_ms, 95) AS p95_ms,
      percentile(duration_ms, 99) AS p99_ms
    FROM api_requests WHERE time >= $since GROUP BY time(${every}), route, method fill(none);
    SELECT count(duration_ms) AS errors
    FROM api_requests WHERE time >= $since AND status_class = $failed
    GROUP BY time(${every}), route, method fill(none)`;
}

/** The rows of a result's series as objects, with the series' tags. */
function rowsOf(series: InfluxSeries[] | undefined): Array<Record<string, unknown>> {
  return (series ?? []).flatMap((one) =>
    one.values.map((values) => ({
      ...one.tags,
      ...Object.fromEntries(one.columns.map((column, i) => [column, values[i]])),
    })),
  );
}

export async function createInfluxAnalytics(influx: InfluxConnection) {
  // Idempotent: CREATE DATABASE and an unchanged CREATE RETENTION POLICY are no-ops.
  // Identifiers cannot be bound; the database name was checked to be word characters.
  const db = `"${influx.database}"`;
  await influx.query(`CREATE DATABASE ${db}`);
  for (const policy of [VIEWS_POLICY, REQUESTS_POLICY]) {
    const settings = `ON ${db} DURATION ${policy.duration} REPLICATION 1`;
    await influx.query(`CREATE RETENTION POLICY "${policy.name}" ${settings}`).catch(async (error: Error) => {
      // It exists with other settings (an older deployment): bring it to ours.
      if (!/already exists/.test(error.message)) throw error;
      await influx.query(`ALTER RETENTION POLICY "${policy.name}" ${settings}`);
    });
  }

  /** Writes lines; a partial write becomes the port's PartialWriteError, naming what was lost. */
  const write = async (lines: string[], policy: string) => {
    try {
      await influx.write(lines, policy);
    } catch (error) {
      if (error instanceof InfluxWriteError) throw new PartialWriteError(error.message, error.dropped);
      throw error;
    }
  };

  let sequence = 0;
  /** A nanosecond timestamp unique within this process for the event's millisecond. */
  const timestamp = (at: Date) => {
    sequence = (sequence + 1) % 1_000_000;
    return `${at.getTime()}${String(sequence).padStart(6, '0')}`;
  };

  return {
    engine: 'influx',

    async recordRequests(batch) {
      const lines = batch.map((event) => {
        // Tag keys in sorted order, as InfluxDB keeps them (it would sort them on every write otherwise).
        const tags = `method=${lineProtocol.tag(event.method)},route=${lineProtocol.tag(event.route)},status_class=${statusClass(event.status)}`;
        const fields = `duration_ms=${finite(event.durationMs)},status=${Math.trunc(event.status)}i`;
        return `api_requests,${tags} ${fields} ${timestamp(event.at)}`;
      });
      await write(lines, REQUESTS_POLICY.name);
    },

    async recordViews(batch) {
      const lines = batch.map(
        (event) => `post_views,post_id=${lineProtocol.tag(event.postId)} n=1i ${timestamp(event.at)}`,
      );
      await write(lines, VIEWS_POLICY.name);
    },

    async trending(hours, limit) {
      const since = new Date(Date.now() - hours * 3_600_000).toISOString();
      const [result] = await influx.query(TRENDING, { since, limit }, VIEWS_POLICY.name);
      return rowsOf(result?.series)
        .map((row) => ({ postId: String(row.post_id), views: Number(row.views) }))
        .sort(byViews);
    },

    async endpointMetrics(windowSeconds, everySeconds) {
      const since = new Date(Date.now() - windowSeconds * 1000).toISOString();
      const [totals, failures] = await influx.query(
        endpointMetricsQuery(everySeconds),
        { since, failed: statusClass(500) },
        REQUESTS_POLICY.name,
      );
      const key = (row: Record<string, unknown>) => `${row.time} ${row.method} ${row.route}`;
      const errors = new Map(rowsOf(failures?.series).map((row) => [key(row), Number(row.errors)]));
      return rowsOf(totals?.series)
        .map(
          (row): EndpointBucket => ({
            route: String(row.route),
            method: String(row.method),
            bucket: new Date(String(row.time)).toISOString(),
            count: Number(row.count),
            error_rate: (errors.get(key(row)) ?? 0) / Number(row.count),
            mean_ms: Number(row.mean_ms),
            p50_ms: Number(row.p50_ms),
            p95_ms: Number(row.p95_ms),
            p99_ms: Number(row.p99_ms),
          }),
        )
        .sort(
          (a, b) =>
            a.bucket.localeCompare(b.bucket) ||
            a.route.localeCompare(b.route) ||
            a.method.localeCompare(b.method),
        );
    },

    ping: () => influx.ping(),
    // Plain HTTP requests: nothing stays open.
    async close() {},
  } satisfies AnalyticsPort;
}
