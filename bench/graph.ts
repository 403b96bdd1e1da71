// The article's claim: "friends of friends" is natural in a graph engine and painful in SQL.
// One generated power-law follow graph is loaded into each available adapter (PGlite
// always, PostgreSQL when DATABASE_URL is set, Neo4j when NEO4J_URL is set) and the same
// operations are timed on each. The baseline is the lower bound a native graph engine's
// adjacency lists approach: the same suggestions computed in this process over
// Map<user, Int32Array>, built from the same graph.
//
// The suggestions' p50 and p99 on each engine, as ratios to the bound's, go to the results.
//
//   --scale X        users = 100,000 x X (GRAPH_BENCH_USERS: the count itself; default 100,000)
//   GRAPH_BENCH_FOLLOWING  mean accounts followed (default 50: about 5M edges at 100k users)
//   --samples N      (GRAPH_BENCH_SAMPLES) timed calls per operation (default 300)
//   --concurrency N  (GRAPH_BENCH_CONCURRENCY) calls in flight at once (default 1: latency without queueing)

import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import cliProgress from 'cli-progress';
import neo4j from 'neo4j-driver';
import { sqlProfileCounters } from '../src/accounts/accounts.postgres.ts';
import { migrate } from '../src/engines/migrate.ts';
import { openNeo4j } from '../src/engines/neo4j.ts';
import { openPglite } from '../src/engines/pglite.ts';
import { openPostgres } from '../src/engines/postgres.ts';
import type { SqlDatabase } from '../src/engines/sql.ts';
import { AdjacencyGraph } from '../src/graph/adjacency.ts';
import { type GeneratedGraph, generateGraph, mulberry32 } from '../src/graph/generator.ts';
import { createNeo4jGraph, deleteNamespace } from '../src/graph/graph.neo4j.ts';
import type { GraphPort } from '../src/graph/graph.port.ts';
import { createPostgresGraph } from '../src/graph/graph.postgres.ts';
import { type LatencySummary, measure, printTable } from './measure.ts';
import { type BenchOptions, pick } from './support/options.ts';
import { round, type Target, target, versions, writeResults } from './support/results.ts';
import { createScratchDatabase } from './support/scratch-database.ts';

const SEED = 2026;
const BATCH = 10_000;
const LIMIT = 10;
const PAGE = 20;
const BOUND = 'in-process adjacency: suggestions';
// Edge timestamps spread over two years before this instant, so pages order by real times.
const EPOCH_MS = Date.UTC(2026, 0, 1);
const SPREAD_MS = 2 * 365 * 86_400_000;

const FULL_USERS = 100_000;
/** The suggestions' tail target per engine (ms at p99); p50 within 3x the bound on every engine. */
const P99_TARGET_MS: Record<string, number> = { PostgreSQL: 20, PGlite: 50 };

const readCount = (option: number | undefined, name: string, fallback: number) => {
  const value = Math.round(pick(option, name, fallback));
  if (value < 2) throw new Error(`${name} must be a whole number of at least 2`);
  return value;
};

type Row = { name: string } & LatencySummary;

/** User i of the generated graph is id i + 1 on every engine (a fresh database numbers them so). */
const idOf = (index: number) => index + 1;
const createdAtMs = (edge: number, edges: number) =>
  EPOCH_MS - SPREAD_MS + Math.floor((edge / edges) * SPREAD_MS);

export function progressBar(label: string, total: number) {
  const bar = new cliProgress.SingleBar(
    {
      format: `  loading ${label.padEnd(11)} [{bar}] {percentage}% | {value}/{total} rows | {duration_formatted}`,
      hideCursor: true,
      // Without a terminal (CI logs, a file) print a line every 10 s instead of redrawing.
      noTTYOutput: true,
      notTTYSchedule: 10_000,
    },
    cliProgress.Presets.shades_classic,
  );
  bar.start(total, 0);
  return bar;
}

/** Users straight in SQL (no argon2 per user), then edges as batched unnest INSERTs, then the counters. */
export async function loadSql(db: SqlDatabase, label: string, graph: GeneratedGraph) {
  const edges = graph.followers.length;
  const bar = progressBar(label, graph.users + edges);
  for (let start = 1; start <= graph.users; start += BATCH) {
    const end = Math.min(graph.users, start + BATCH - 1);
    await db.query(
      `WITH u AS (
         INSERT INTO users (email, email_normalized, password_hash, birthdate)
         SELECT 'bench' || g || '@example.com', 'bench' || g || '@example.com', '$argon2id$bench', DATE '1990-01-01'
         FROM generate_series($1::int, $2::int) g
         RETURNING id
       )
       INSERT INTO user_profiles (user_id, handle, name) SELECT id, 'bench_' || id, 'Bench user ' || id FROM u`,
      [start, end],
    );
    bar.update(end);
  }
  const [{ max } = { max: 0 }] = await db.query<{ max: number }>('SELECT max(id) AS max FROM users');
  if (max !== graph.users)
    throw new Error(`expected ids 1..${graph.users} in a fresh database, got up to ${max}`);
  for (let start = 0; start < edges; start += BATCH) {
    const end = Math.min(edges, start + BATCH);
    const followers = Array.from(graph.followers.subarray(start, end), idOf);
    const followees = Array.from(graph.followees.subarray(start, end), idOf);
    const times = Array.from({ length: end - start }, (_, k) =>
      new Date(createdAtMs(start + k, edges)).toISOString(),
    );
    await db.query(
      `INSERT INTO follows (follower_id, followee_id, created_at)
       SELECT * FROM unnest($1::bigint[], $2::bigint[], $3::timestamptz[])`,
      [followers, followees, times],
    );
    bar.update(graph.users + end);
  }
  bar.stop();
  // The exact counters, as the adapter keeps them edge by edge, here in two set-based updates.
  await db.query(
    `UPDATE user_profiles p SET followers_count = c.n
     FROM (SELECT followee_id AS id, count(*)::int AS n FROM follows GROUP BY followee_id) c WHERE p.user_id = c.id`,
  );
  await db.query(
    `UPDATE user_profiles p SET following_count = c.n
     FROM (SELECT follower_id AS id, count(*)::int AS n FROM follows GROUP BY follower_id) c WHERE p.user_id = c.id`,
  );
  await db.query('VACUUM ANALYZE');
}

async function loadNeo4j(url: string, namespace: string, graph: GeneratedGraph) {
  const { driver, database } = openNeo4j(url);
  const port = await createNeo4jGraph(driver, { database, namespace });
  const edges = graph.followers.length;
  const bar = progressBar('Neo4j', graph.users + edges);
  const write = (query: string, params: Record<string, unknown>) =>
    driver.executeQuery(query, params, { database, routing: neo4j.routing.WRITE });
  for (let start = 0; start < graph.users; start += BATCH) {
    const end = Math.min(graph.users, start + BATCH);
    const ids = Array.from({ length: end - start }, (_, k) => neo4j.int(idOf(start + k)));
    await write('UNWIND $ids AS id CREATE (:User {ns: $ns, id: id})', { ids, ns: namespace });
    bar.update(end);
  }
  for (let start = 0; start < edges; start += BATCH) {
    const end = Math.min(edges, start + BATCH);
    const rows = Array.from({ length: end - start }, (_, k) => [
      neo4j.int(idOf(graph.followers[start + k] as number)),
      neo4j.int(idOf(graph.followees[start + k] as number)),
      neo4j.int(createdAtMs(start + k, edges)),
    ]);
    await write(
      `UNWIND $rows AS row
       MATCH (a:User {ns: $ns, id: row[0]})
       MATCH (b:User {ns: $ns, id: row[1]})
       CREATE (a)-[:FOLLOWS {created_at: datetime({epochMillis: row[2]})}]->(b)`,
      { rows, ns: namespace },
    );
    bar.update(graph.users + end);
  }
  bar.stop();
  return {
    port,
    close: async () => {
      await deleteNamespace(driver, database, namespace);
      await driver.close();
    },
  };
}

interface Workload {
  /** Users who follow someone: suggestion askers. */
  askers: number[];
  /** Users drawn in proportion to their followers: whose followers page is viewed. */
  viewed: number[];
  pairs: Array<[number, number]>;
  /** Pairs not yet connected, for follow writes. */
  newEdges: Array<[number, number]>;
}

function workload(graph: GeneratedGraph, adjacency: AdjacencyGraph, samples: number): Workload {
  const random = mulberry32(SEED + 1);
  const pick = (n: number) => Math.floor(random() * n);
  const edges = graph.followers.length;
  const askers = Array.from({ length: samples }, () => idOf(graph.followers[pick(edges)] as number));
  const viewed = Array.from({ length: samples }, () => idOf(graph.followees[pick(edges)] as number));
  const pairs = Array.from(
    { length: samples },
    () =>
      [idOf(graph.followers[pick(edges)] as number), idOf(graph.followers[pick(edges)] as number)] as [
        number,
        number,
      ],
  );
  const newEdges: Array<[number, number]> = [];
  while (newEdges.length < samples) {
    const [a, b] = [idOf(pick(graph.users)), idOf(pick(graph.users))];
    if (a !== b && !adjacency.following.get(a)?.includes(b)) newEdges.push([a, b]);
  }
  return { askers, viewed, pairs, newEdges };
}

async function measurePort(
  name: string,
  port: GraphPort,
  work: Workload,
  adjacency: AdjacencyGraph,
  concurrency: number,
) {
  const n = work.askers.length;
  const timed = (operation: (i: number) => Promise<unknown>) => measure(n, operation, concurrency);
  // Sanity first: the adapter ranks exactly as the in-process lists do.
  let agreeing = 0;
  for (const user of work.askers.slice(0, 20)) {
    const got = JSON.stringify(await port.suggestions(user, LIMIT));
    if (got === JSON.stringify(adjacency.suggestions(user, LIMIT))) agreeing++;
  }
  console.log(`  ${name}: suggestions agree with the in-process lists for ${agreeing}/20 users`);
  const rows: Row[] = [];
  const at = <T>(list: T[], i: number) => list[i % list.length] as T;
  rows.push({
    name: `${name}: suggestions`,
    ...(await timed((i) => port.suggestions(at(work.askers, i), LIMIT))),
  });
  rows.push({
    name: `${name}: followers page`,
    ...(await timed((i) => port.followers(at(work.viewed, i), { limit: PAGE + 1 }))),
  });
  rows.push({
    name: `${name}: common-following`,
    ...(await timed((i) => {
      const [a, b] = at(work.pairs, i);
      return port.commonFollowing(a, b, PAGE);
    })),
  });
  rows.push({
    name: `${name}: follow (write)`,
    ...(await timed((i) => {
      const [a, b] = at(work.newEdges, i);
      return port.follow(a, b);
    })),
  });
  return rows;
}

export async function run(options: BenchOptions) {
  const users = readCount(options.scale && options.scale * FULL_USERS, 'GRAPH_BENCH_USERS', FULL_USERS);
  const averageFollowing = readCount(undefined, 'GRAPH_BENCH_FOLLOWING', 50);
  const samples = readCount(options.samples, 'GRAPH_BENCH_SAMPLES', 300);
  const concurrency = Math.round(pick(options.concurrency, 'GRAPH_BENCH_CONCURRENCY', 1));
  const engines: Record<string, string> = {};

  let started = performance.now();
  const graph = generateGraph({ users, averageFollowing, seed: SEED });
  const edges = graph.followers.length;
  const adjacency = new AdjacencyGraph(Array.from(graph.followers, idOf), Array.from(graph.followees, idOf));
  console.log(
    `graph: ${users.toLocaleString('en')} users, ${edges.toLocaleString('en')} edges (seed ${SEED}), generated in ${Math.round(performance.now() - started)} ms`,
  );
  const work = workload(graph, adjacency, samples);
  // One untimed pass first, so the bound is not charged for JIT warm-up and first-touch page faults.
  for (const user of work.askers) adjacency.suggestions(user, LIMIT);
  const rows: Row[] = [
    {
      name: BOUND,
      ...(await measure(samples, async (i) =>
        adjacency.suggestions(work.askers[i % samples] as number, LIMIT),
      )),
    },
  ];
  const loads: string[] = [];
  const timedLoad = async <T>(label: string, load: () => Promise<T>) => {
    started = performance.now();
    const result = await load();
    const seconds = (performance.now() - started) / 1000;
    loads.push(
      `  ${label}: ${seconds.toFixed(1)} s (${Math.round((users + edges) / seconds).toLocaleString('en')} rows/s)`,
    );
    return result;
  };

  const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'polyglot-bench-graph-'));
  try {
    const pglite = await openPglite({ dataDir });
    try {
      await migrate(pglite);
      engines.pglite = await versions.pglite(pglite);
      await timedLoad('PGlite', () => loadSql(pglite, 'PGlite', graph));
      rows.push(
        ...(await measurePort(
          'PGlite',
          createPostgresGraph(pglite, sqlProfileCounters),
          work,
          adjacency,
          concurrency,
        )),
      );
    } finally {
      await pglite.close();
    }
  } finally {
    fs.rmSync(dataDir, { recursive: true, force: true });
  }

  const serverUrl = process.env.DATABASE_URL;
  if (serverUrl) {
    const scratch = await createScratchDatabase(serverUrl, 'graph');
    const db = openPostgres({ url: scratch.url, max: 4 });
    try {
      await migrate(db);
      engines.postgresql = await versions.sql(db);
      await timedLoad('PostgreSQL', () => loadSql(db, 'PostgreSQL', graph));
      rows.push(
        ...(await measurePort(
          'PostgreSQL',
          createPostgresGraph(db, sqlProfileCounters),
          work,
          adjacency,
          concurrency,
        )),
      );
    } finally {
      await db.close();
      await scratch.drop();
    }
  } else {
    console.log('  PostgreSQL: skipped (DATABASE_URL is not set)');
  }

  const neo4jUrl = process.env.NEO4J_URL;
  if (neo4jUrl) {
    const loaded = await timedLoad('Neo4j', () =>
      loadNeo4j(neo4jUrl, `polyglot-bench:${process.pid}:`, graph),
    );
    try {
      rows.push(...(await measurePort('Neo4j', loaded.port, work, adjacency, concurrency)));
    } finally {
      await loaded.close();
    }
  } else {
    console.log('  Neo4j: skipped (NEO4J_URL is not set; set it to a Neo4j server to compare)');
  }

  console.log('\nload times (users + edges + counters + ANALYZE):');
  for (const line of loads) console.log(line);
  console.log(
    `\n${samples} calls per operation, ${concurrency} at a time; suggestions top ${LIMIT}, pages of ${PAGE}; p50 as a ratio to the in-process bound:`,
  );
  printTable(rows, BOUND);
  // The tail and the throughput against the same bound (printTable shows the median only).
  const bound = rows[0] as Row;
  console.table(
    rows.map((row) => ({
      name: row.name,
      'p99 vs bound': `${(row.p99_ms / bound.p99_ms).toFixed(2)}x`,
      'throughput vs bound': `${(row.per_second / bound.per_second).toFixed(2)}x`,
    })),
  );

  const ratios: Record<string, number> = {};
  const targets: Record<string, Target> = {};
  for (const row of rows.filter((r) => r.name.endsWith(': suggestions') && r !== bound)) {
    const engine = row.name.slice(0, -': suggestions'.length);
    const p50Ratio = row.p50_ms / bound.p50_ms;
    ratios[`${engine}: suggestions p50 / bound p50`] = round(p50Ratio, 2);
    ratios[`${engine}: suggestions p99 / bound p99`] = round(row.p99_ms / bound.p99_ms, 2);
    targets[`${engine}: suggestions p50 / in-process bound p50`] = target.atMost(p50Ratio, 3);
    const p99Goal = P99_TARGET_MS[engine];
    if (p99Goal) targets[`${engine}: suggestions p99`] = target.below(row.p99_ms, p99Goal);
  }
  writeResults(
    'graph',
    {
      engines,
      scale: { users, edges, average_following: averageFollowing, samples, concurrency },
      figures: Object.fromEntries(rows.map(({ name, ...summary }) => [name, summary])),
      ratios,
      targets,
    },
    options,
  );
}
