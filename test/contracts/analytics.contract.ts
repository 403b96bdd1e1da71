// The analytics port's contract: every adapter must pass it, on every engine it serves.
// Events are stamped "now" or hours ago as the recorder stamps them; no assertion is about a time.
import { v7 } from 'uuid';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { AnalyticsPort, EndpointBucket, RequestEvent } from '../../src/analytics/analytics.port.ts';

export interface AnalyticsHarness {
  analytics: AnalyticsPort;
  close(): Promise<void>;
}

const HOUR = 3_600_000;
const ago = (ms: number) => new Date(Date.now() - ms);

/** The buckets of one route and method, summed over the window (count and mean weighted). */
function total(rows: EndpointBucket[], route: string, method: string) {
  const mine = rows.filter((row) => row.route === route && row.method === method);
  const count = mine.reduce((sum, row) => sum + row.count, 0);
  const errors = mine.reduce((sum, row) => sum + row.error_rate * row.count, 0);
  const mean = mine.reduce((sum, row) => sum + row.mean_ms * row.count, 0) / Math.max(1, count);
  return { buckets: mine, count, errors: Math.round(errors), mean };
}

export function analyticsContract(name: string, open: () => Promise<AnalyticsHarness>, skipReason?: string) {
  describe.skipIf(skipReason !== undefined)(
    `analytics contract on ${name}${skipReason ? ` [SKIPPED: ${skipReason}]` : ''}`,
    () => {
      let harness: AnalyticsHarness;
      let analytics: AnalyticsPort;
      beforeAll(async () => {
        harness = await open();
        analytics = harness.analytics;
      });
      afterAll(() => harness?.close());

      it('ranks posts by their views in the window, most viewed first, and honours the limit', async () => {
        const [a, b, c, d] = [v7(), v7(), v7(), v7()];
        const views = (postId: string, count: number, at = () => new Date()) =>
          Array.from({ length: count }, () => ({ postId, at: at() }));
        await analytics.recordViews([...views(a, 3), ...views(b, 7), ...views(c, 5)]);
        // Many views, but two hours ago: outside a one-hour window, inside a three-hour one.
        await analytics.recordViews(views(d, 20, () => ago(2 * HOUR)));
        await analytics.recordViews([]);

        expect(await analytics.trending(1, 10)).toEqual([
          { postId: b, views: 7 },
          { postId: c, views: 5 },
          { postId: a, views: 3 },
        ]);
        expect(await analytics.trending(1, 2)).toEqual([
          { postId: b, views: 7 },
          { postId: c, views: 5 },
        ]);
        expect((await analytics.trending(3, 1))[0]).toEqual({ postId: d, views: 20 });
      });

      it('counts every event of a large batch, including many in the same millisecond', async () => {
        const post = v7();
        const at = new Date();
        // One timestamp for all: a store that keyed points by time alone would keep one.
        await analytics.recordViews(Array.from({ length: 5000 }, () => ({ postId: post, at })));
        const top = await analytics.trending(1, 1);
        expect(top).toEqual([{ postId: post, views: 5000 }]);
      });

      it('aggregates requests per route and method: count, error rate, mean and percentiles', async () => {
        const route = `/api/v1/contract/${v7()}/:id`;
        const at = new Date();
        const events: RequestEvent[] = [
          ...Array.from({ length: 90 }, (_, i) => ({
            at,
            route,
            method: 'GET',
            status: 200,
            durationMs: i + 1,
          })),
          ...Array.from({ length: 10 }, () => ({ at, route, method: 'GET', status: 503, durationMs: 100 })),
          ...Array.from({ length: 4 }, () => ({ at, route, method: 'POST', status: 404, durationMs: 7.5 })),
          // Two hours ago: outside the window.
          { at: ago(2 * HOUR), route, method: 'GET', status: 500, durationMs: 5000 },
        ];
        await analytics.recordRequests(events);
        await analytics.recordRequests([]);
        const rows = await analytics.endpointMetrics(3600, 60);

        const get = total(rows, route, 'GET');
        expect(get.count).toBe(100);
        expect(get.errors).toBe(10);
        expect(get.mean).toBeCloseTo((90 * 91) / 2 / 100 + 10, 6);
        for (const bucket of get.buckets) {
          expect(bucket.p50_ms).toBeGreaterThanOrEqual(1);
          expect(bucket.p50_ms).toBeLessThanOrEqual(bucket.p95_ms);
          expect(bucket.p95_ms).toBeLessThanOrEqual(bucket.p99_ms);
          expect(bucket.p99_ms).toBeLessThanOrEqual(100);
          expect(Number.isNaN(Date.parse(bucket.bucket))).toBe(false);
        }
        if (get.buckets.length === 1) {
          const [only] = get.buckets as [EndpointBucket];
          // Nearest-rank or interpolated, the 50th of 1..90,100×10 is near 50 and the 99th is 100.
          expect(only.p50_ms).toBeGreaterThanOrEqual(49);
          expect(only.p50_ms).toBeLessThanOrEqual(51);
          expect(only.p99_ms).toBe(100);
          expect(only.error_rate).toBeCloseTo(0.1, 6);
        }

        const post = total(rows, route, 'POST');
        expect(post.count).toBe(4);
        // 4xx are the client's: not errors of ours.
        expect(post.errors).toBe(0);
        for (const bucket of post.buckets) {
          expect(bucket.mean_ms).toBeCloseTo(7.5, 6);
          expect([bucket.p50_ms, bucket.p95_ms, bucket.p99_ms]).toEqual([7.5, 7.5, 7.5]);
        }
        // Buckets are aligned to `every` and come oldest first.
        const starts = rows.map((row) => Date.parse(row.bucket));
        for (const start of starts) expect(start % 60_000).toBe(0);
        expect(starts).toEqual([...starts].sort((x, y) => x - y));
      });

      it('stores route patterns and methods as given, whatever their characters', async () => {
        const route = `/api/v1/odd path,with=chars "quoted" ünï/${v7()}`;
        await analytics.recordRequests([
          { at: new Date(), route, method: 'PATCH', status: 201, durationMs: 3 },
        ]);
        const rows = await analytics.endpointMetrics(600, 600);
        expect(total(rows, route, 'PATCH').count).toBe(1);
      });

      it('answers its health probe', async () => {
        await expect(analytics.ping()).resolves.toBeUndefined();
      });
    },
  );
}
