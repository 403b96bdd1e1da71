// The analytics role, per adapter (PGlite, PostgreSQL, InfluxDB): the ingest rate of batched
// events through the adapter, and the latency of the trending and endpoint-metrics queries
// over the loaded volume. Beside InfluxDB, the engine's own ceiling: raw line-protocol batches
// POSTed straight to /write by this benchmark. Then the cost on the hot path: API requests/s
// with request recording on and off, interleaved over several repeats, medians with spread.
//
// --scale X sets the volume per adapter to 10,000,000 x X events (ANALYTICS_BENCH_EVENTS: the
// count itself); 10,000,000 by default (about five minutes for the whole run on a 2-core
// machine); less for a quick look.
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import cliProgress from 'cli-progress';
import { v7 } from 'uuid';
import { createInfluxAnalytics } from '../src/analytics/analytics.influx.ts';
import type { AnalyticsPort, RequestEvent, ViewEvent } from '../src/analytics/analytics.port.ts';
import { createPostgresAnalytics } from '../src/analytics/analytics.postgres.ts';
import { buildApp } from '../src/app.ts';
import { loadConfig } from '../src/config.ts';
import { openInflux } from '../src/engines/influx.ts';
import { migrate } from '../src/engines/migrate.ts';
import { openPglite } from '../src/engines/pglite.ts';
import { openPostgres } from '../src/engines/postgres.ts';
import { measure } from './measure.ts';
import { type BenchOptions, pick } from './support/options.ts';
import { round, type Target, target, versions, writeResults } from './support/results.ts';
import { createScratchDatabase } from './support/scratch-database.ts';

const DEFAULT_EVENTS = 10_000_000;
const BATCH = 10_000;
const POSTS = 10_000;
/** Events are spread over the last 48 hours, so a one-hour window holds about 1/48 of them. */
const SPREAD_MS = 48 * 3_600_000;
const ROUTES = Array.from({ length: 20 }, (_, i) => `/api/v1/bench/r${i}/:id`);
const METHODS = ['GET', 'GET', 'GET', 'POST', 'PUT', 'DELETE'];

const postIds = Array.from({ length: POSTS }, () => v7());
/** Skewed towards a few posts, as real views are. */
const somePost = () => postIds[Math.floor(POSTS * Math.random() ** 3)] as string;
const someTime = () => new Date(Date.now() - Math.random() * SPREAD_MS);

function viewBatch(size: number): ViewEvent[] {
  return Array.from({ length: size }, () => ({ at: someTime(), postId: somePost() }));
}

function requestBatch(size: number): RequestEvent[] {
  return Array.from({ length: size }, () => {
    const roll = Math.random();
    return {
      at: someTime(),
      route: ROUTES[Math.floor(Math.random() * ROUTES.length)] as string,
      method: METHODS[Math.floor(Math.random() * METHODS.length)] as string,
      status: roll < 0.02 ? 500 : roll < 0.06 ? 404 : 200,
      durationMs: Math.round(-Math.log(1 - Math.random()) * 8_000) / 1000,
    };
  });
}

interface LoadResult {
  events: number;
  seconds: number;
  perSecond: number;
}

/** Loads `events` (half views, half requests) in batches, `concurrency` batches at a time. */
async function load(
  label: string,
  writeBatch: (i: number) => Promise<void>,
  events: number,
  concurrency: number,
): Promise<LoadResult> {
  const batches = Math.ceil(events / BATCH);
  const bar = new cliProgress.SingleBar(
    {
      format: `  ${label.padEnd(28)} [{bar}] {percentage}% | {value}/{total} batches | {eta}s left`,
      etaBuffer: 20,
    },
    cliProgress.Presets.shades_classic,
  );
  bar.start(batches, 0);
  let next = 0;
  const started = performance.now();
  await Promise.all(
    Array.from({ length: concurrency }, async () => {
      while (next < batches) {
        const i = next++;
        await writeBatch(i);
        bar.increment();
      }
    }),
  );
  const seconds = (performance.now() - started) / 1000;
  bar.stop();
  return { events: batches * BATCH, seconds, perSecond: Math.round((batches * BATCH) / seconds) };
}

const adapterBatch = (port: AnalyticsPort) => (i: number) =>
  i % 2 === 0 ? port.recordViews(viewBatch(BATCH)) : port.recordRequests(requestBatch(BATCH));

async function queryLatencies(port: AnalyticsPort) {
  const queries: Array<[string, () => Promise<unknown>]> = [
    ['trending 1h top 20', () => port.trending(1, 20)],
    ['trending 24h top 20', () => port.trending(24, 20)],
    ['endpoints 1h every 5m', () => port.endpointMetrics(3600, 300)],
    ['endpoints 24h every 1h', () => port.endpointMetrics(86_400, 3600)],
  ];
  const rows: Record<string, number | string> = {};
  for (const [name, query] of queries) {
    await query(); // warm-up
    const summary = await measure(5, query);
    rows[name] = `${summary.p50_ms.toFixed(1)} ms (mean ${summary.mean_ms.toFixed(1)})`;
  }
  return rows;
}

/** Raw line protocol, formatted by template (the values need no escaping) and POSTed to /write. */
function rawInfluxWriter(baseUrl: string, database: string) {
  let sequence = 0;
  const ns = (at: Date) => {
    sequence = (sequence + 1) % 1_000_000;
    return `${at.getTime()}${String(sequence).padStart(6, '0')}`;
  };
  return async (i: number) => {
    const lines =
      i % 2 === 0
        ? viewBatch(BATCH).map((e) => `post_views,post_id=${e.postId} n=1i ${ns(e.at)}`)
        : requestBatch(BATCH).map(
            (e) =>
              `api_requests,method=${e.method},route=${e.route},status_class=${Math.floor(e.status / 100)}xx duration_ms=${e.durationMs},status=${e.status}i ${ns(e.at)}`,
          );
    const response = await fetch(`${baseUrl}/write?db=${database}&precision=ns`, {
      method: 'POST',
      body: lines.join('\n'),
    });
    if (response.status !== 204) throw new Error(`raw write: ${response.status} ${await response.text()}`);
  };
}

async function hotPath() {
  const REPEATS = 8;
  const REQUESTS = 3000;
  const CONCURRENCY = 16;
  const closers: Array<() => Promise<unknown>> = [];
  try {
    const apps = [];
    for (const recording of ['on', 'off'] as const) {
      const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'polyglot-bench-'));
      closers.push(async () => fs.rmSync(dataDir, { recursive: true, force: true }));
      const platform = await buildApp(
        loadConfig({
          LOG_LEVEL: 'silent',
          DATA_DIR: dataDir,
          ANALYTICS_RECORD_REQUESTS: recording === 'on' ? '1' : '0',
          RATE_LIMIT_WRITES_PER_USER: '100000/1h',
        }),
      );
      closers.unshift(() => platform.app.close());
      const app = platform.app;
      const account = { email: `bench_${recording}@example.com`, password: 'bench password 123' };
      await app.inject({
        method: 'POST',
        url: '/api/v1/accounts',
        payload: { ...account, name: 'Bench', birthdate: '1990-01-01' },
      });
      const token = (await app.inject({ method: 'POST', url: '/api/v1/sessions', payload: account })).json()
        .token;
      const post = await app.inject({
        method: 'POST',
        url: '/api/v1/posts',
        headers: { authorization: `Bearer ${token}` },
        payload: { content: 'bench' },
      });
      const url = `/api/v1/posts/${post.json().id}`;
      const get = () => app.inject({ method: 'GET', url });
      await measure(500, get, CONCURRENCY); // warm-up
      apps.push({ recording, get });
    }
    const rates: Record<string, number[]> = { on: [], off: [] };
    for (let repeat = 0; repeat < REPEATS; repeat++) {
      // Alternate which goes first, so neither always runs on a warmer machine.
      const order = repeat % 2 === 0 ? apps : [...apps].reverse();
      for (const { recording, get } of order) {
        rates[recording]?.push((await measure(REQUESTS, get, CONCURRENCY)).per_second);
      }
    }
    const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)] ?? 0;
    const on = rates.on ?? [];
    const off = rates.off ?? [];
    console.log(
      `\nHot path: GET /api/v1/posts/:id through app.inject on PGlite, ${REQUESTS} requests ${CONCURRENCY} at a time, ${REPEATS} interleaved repeats`,
    );
    console.table({
      'recording on': { median_rps: median(on), min: Math.min(...on), max: Math.max(...on) },
      'recording off': { median_rps: median(off), min: Math.min(...off), max: Math.max(...off) },
    });
    console.log(
      `recording costs ${((1 - median(on) / median(off)) * 100).toFixed(1)}% of requests/s (median vs median)`,
    );
    return { recording_on_median_rps: median(on), recording_off_median_rps: median(off) };
  } finally {
    for (const close of closers) await close();
  }
}

export async function run(options: BenchOptions) {
  const EVENTS = Math.round(
    options.scale
      ? options.scale * DEFAULT_EVENTS
      : pick(undefined, 'ANALYTICS_BENCH_EVENTS', DEFAULT_EVENTS),
  );
  const engines: Record<string, string> = {};
  const ratios: Record<string, number> = {};
  const targets: Record<string, Target> = {};
  console.log(
    `Loading ${EVENTS.toLocaleString('en')} events per adapter (half views over ${POSTS} posts, half API requests; ` +
      `${BATCH} per batch, spread over 48 h)` +
      (EVENTS < 10_000_000
        ? `. Fewer than the 10,000,000 the claim is about (--scale or ANALYTICS_BENCH_EVENTS).`
        : ''),
  );
  const results: Record<string, Record<string, number | string>> = {};
  const closers: Array<() => Promise<unknown>> = [];
  try {
    // PGlite, in a data folder of its own.
    const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'polyglot-bench-'));
    closers.push(async () => fs.rmSync(dataDir, { recursive: true, force: true }));
    const pglite = await openPglite({ dataDir });
    closers.unshift(() => pglite.close());
    await migrate(pglite);
    engines.pglite = await versions.pglite(pglite);
    const adapters: Array<[string, AnalyticsPort, number]> = [['PGlite', createPostgresAnalytics(pglite), 1]];

    if (process.env.DATABASE_URL) {
      const scratch = await createScratchDatabase(process.env.DATABASE_URL, 'analytics');
      const postgres = openPostgres({ url: scratch.url, max: 4 });
      closers.unshift(() => scratch.drop());
      closers.unshift(() => postgres.close());
      await migrate(postgres);
      engines.postgresql = await versions.sql(postgres);
      adapters.push(['PostgreSQL', createPostgresAnalytics(postgres), 4]);
    } else console.log('skipped PostgreSQL: set DATABASE_URL to include it');

    let influxBase: string | undefined;
    if (process.env.INFLUX_URL) {
      const url = new URL(process.env.INFLUX_URL);
      influxBase = `${url.protocol}//${url.host}`;
      const influx = openInflux(process.env.INFLUX_URL, { database: `polyglot_bench_${process.pid}` });
      closers.unshift(() => influx.query(`DROP DATABASE "${influx.database}"`));
      adapters.push(['InfluxDB', await createInfluxAnalytics(influx), 4]);
    } else console.log('skipped InfluxDB: set INFLUX_URL to include it');

    for (const [name, port, concurrency] of adapters) {
      const loaded = await load(`${name} (adapter)`, adapterBatch(port), EVENTS, concurrency);
      results[name] = {
        'events/s': loaded.perSecond,
        'load s': Math.round(loaded.seconds),
        ...(await queryLatencies(port)),
      };
    }

    if (influxBase && process.env.INFLUX_URL) {
      const raw = openInflux(process.env.INFLUX_URL, { database: `polyglot_bench_raw_${process.pid}` });
      await raw.query(`CREATE DATABASE "${raw.database}"`);
      closers.unshift(() => raw.query(`DROP DATABASE "${raw.database}"`));
      const loaded = await load(
        'InfluxDB raw /write (ceiling)',
        rawInfluxWriter(influxBase, raw.database),
        EVENTS,
        4,
      );
      results['InfluxDB raw /write'] = { 'events/s': loaded.perSecond, 'load s': Math.round(loaded.seconds) };
      const adapter = results.InfluxDB?.['events/s'] as number;
      console.log(
        `InfluxDB adapter ingest is ${((adapter / loaded.perSecond) * 100).toFixed(0)}% of the raw line-protocol ceiling (target: at least 50%)`,
      );
      ratios['InfluxDB adapter ingest / raw /write'] = round(adapter / loaded.perSecond);
      targets['InfluxDB adapter ingest / raw /write'] = target.atLeast(adapter / loaded.perSecond, 0.5);
    }
    console.log(
      `\n${EVENTS.toLocaleString('en')} events per adapter; query latencies are p50 of 5 runs after a warm-up`,
    );
    console.table(results);
  } finally {
    for (const close of closers) await close();
  }
  const hot = await hotPath();
  ratios['API req/s, recording on / off'] = round(hot.recording_on_median_rps / hot.recording_off_median_rps);
  writeResults(
    'analytics',
    {
      engines,
      scale: { events: EVENTS },
      figures: { adapters: results, hot_path: hot },
      ratios,
      targets: {},
    },
    options,
  );
}
