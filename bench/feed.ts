// The article's headline: a home feed built by a six-table join took 2 s at 100k users, a
// denormalised one 50 ms, a cached one should be far below a millisecond. One deterministic
// dataset (the graph generator's power-law follows, posts, likes, comments, 10% of users
// active) is loaded into PostgreSQL (DATABASE_URL; PGlite otherwise) and kept for the next
// run; then a 20-post page is timed for each strategy (fanout, pull, sqljoin) through the
// FeedService itself, the sqljoin query's EXPLAIN ANALYZE is printed, and the fan-out rate
// (timeline inserts/s: the job end to end, and the pushes alone) is put next to
// redis-benchmark's pipelined ZADD run now on the same Redis. Then the delay from a post's
// commit until it is in every active follower's timeline, for an author with 10,000 followers
// (fewer below scale 0.1: every user follows them). Last, the feed over HTTP
// (support/feed-http.ts).
//
//   --scale X     (FEED_BENCH_SCALE)    fraction of the full size, 100k users / 1M posts (default 0.1)
//   --samples N   (FEED_BENCH_SAMPLES)  timed pages per strategy (default 300; sqljoin gets a fifth)
//   --seconds N   (FEED_HTTP_SECONDS)   autocannon's duration per HTTP measurement (default 10)
//   REDIS_URL                           timelines on Redis (memory otherwise) and redis-benchmark

import { execFileSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import os from 'node:os';
import path from 'node:path';
import { v7 } from 'uuid';
import { createPostgresAccounts, sqlProfileCounters } from '../src/accounts/accounts.postgres.ts';
import { createMemoryCache } from '../src/cache/cache.memory.ts';
import { withNearCopies } from '../src/cache/cache.near.ts';
import type { CachePort } from '../src/cache/cache.port.ts';
import { createRedisCache } from '../src/cache/cache.redis.ts';
import type { FeedStrategy } from '../src/config.ts';
import { migrate } from '../src/engines/migrate.ts';
import { openPglite } from '../src/engines/pglite.ts';
import { openPostgres } from '../src/engines/postgres.ts';
import { openRedis } from '../src/engines/redis.ts';

import type { SqlDatabase } from '../src/engines/sql.ts';
import { EventBus } from '../src/events.ts';
import { createMemoryTimelines } from '../src/feed/feed.memory.ts';
import type { TimelineEntry, TimelinePort } from '../src/feed/feed.port.ts';
import { createRedisTimelines } from '../src/feed/feed.redis.ts';
import { FeedService } from '../src/feed/feed.service.ts';
import { createSqlJoinFeed, FEED_JOIN_SQL, feedJoinParams } from '../src/feed/feed.sqljoin.ts';
import { generateGraph, mulberry32 } from '../src/graph/generator.ts';
import { createPostgresGraph } from '../src/graph/graph.postgres.ts';
import { graphViewerRules } from '../src/graph/graph.viewer-rules.ts';
import { CursorCodec } from '../src/pagination.ts';
import { PostSummaries } from '../src/posts/post-summaries.ts';
import { createPostgresPosts } from '../src/posts/posts.postgres.ts';
import { PostViews } from '../src/posts/posts.views.ts';
import { cachedViewerRelations } from '../src/posts/viewer-relations.ts';
import { loadSql, progressBar } from './graph.ts';
import { type LatencySummary, measure, printTable } from './measure.ts';
import { feedOverHttp } from './support/feed-http.ts';
import { type BenchOptions, pick } from './support/options.ts';
import { dropBenchKeys } from './support/redis-keys.ts';
import { round, type Target, target, versions, writeResults } from './support/results.ts';

const SEED = 2026;
const FULL_USERS = 100_000;
const POSTS_PER_USER = 10;
const LIKES_PER_POST = 3;
const COMMENTS_PER_POST = 0.5;
const ACTIVE_SHARE = 0.1;
const PAGE = 20;
const BATCH = 10_000;
const NOW = Date.UTC(2026, 10, 1);
const POSTS_SPREAD_MS = 60 * 86_400_000;

/** The followers of the author whose post's delivery is timed (the 10,000), and the fan-out threshold that still fans it out. */
const POPULAR_FOLLOWERS = 10_000;
/** Timelines checked for the post after each delivery: a sample of the active followers. */
const CHECKED_TIMELINES = 20;
const DELIVERIES = 5;

/** Posts, likes, comments and sessions on top of the graph loader's users and follows. */
async function loadFeedData(db: SqlDatabase, users: number) {
  const random = mulberry32(SEED + 7);
  const posts = users * POSTS_PER_USER;
  const bar = progressBar('posts', posts);
  const bytes = () => Uint8Array.from({ length: 16 }, () => Math.floor(random() * 256));
  const postIds: string[] = [];
  for (let start = 0; start < posts; start += BATCH) {
    const n = Math.min(BATCH, posts - start);
    const times = Array.from({ length: n }, () => NOW - Math.floor(random() * POSTS_SPREAD_MS));
    const ids = times.map((msecs) => v7({ msecs, random: bytes() }));
    const authors = Array.from({ length: n }, () => 1 + Math.floor(random() * users));
    postIds.push(...ids);
    await db.query(
      `INSERT INTO posts (id, author_id, created_at, updated_at, doc)
       SELECT t.id, t.author, t.at, t.at, jsonb_build_object(
         'author', jsonb_build_object('id', p.user_id, 'handle', p.handle, 'name', p.name, 'avatar_url', p.avatar_url),
         'content', 'post ' || t.id, 'media_urls', '[]'::jsonb, 'attributes', '{}'::jsonb,
         'stats', jsonb_build_object('likes', 0, 'comments', 0, 'shares', 0), 'comments', '[]'::jsonb)
       FROM unnest($1::uuid[], $2::bigint[], $3::timestamptz[]) AS t(id, author, at)
       JOIN user_profiles p ON p.user_id = t.author`,
      [ids, authors, times.map((ms) => new Date(ms).toISOString())],
    );
    bar.update(start + n);
  }
  bar.stop();
  const likes = posts * LIKES_PER_POST;
  for (let start = 0; start < likes; start += BATCH) {
    const n = Math.min(BATCH, likes - start);
    await db.query(
      `INSERT INTO post_likes (post_id, user_id) SELECT * FROM unnest($1::uuid[], $2::bigint[])
       ON CONFLICT DO NOTHING`,
      [
        Array.from({ length: n }, () => postIds[Math.floor(random() * posts)]),
        Array.from({ length: n }, () => 1 + Math.floor(random() * users)),
      ],
    );
  }
  const comments = Math.round(posts * COMMENTS_PER_POST);
  for (let start = 0; start < comments; start += BATCH) {
    const n = Math.min(BATCH, comments - start);
    const times = Array.from({ length: n }, () => NOW - Math.floor(random() * POSTS_SPREAD_MS));
    await db.query(
      `INSERT INTO comments (id, post_id, author_id, author, text, created_at)
       SELECT t.id, t.post, p.user_id,
              jsonb_build_object('id', p.user_id, 'handle', p.handle, 'name', p.name, 'avatar_url', p.avatar_url),
              'nice', t.at
       FROM unnest($1::uuid[], $2::uuid[], $3::bigint[], $4::timestamptz[]) AS t(id, post, author, at)
       JOIN user_profiles p ON p.user_id = t.author`,
      [
        times.map((msecs) => v7({ msecs, random: bytes() })),
        Array.from({ length: n }, () => postIds[Math.floor(random() * posts)]),
        Array.from({ length: n }, () => 1 + Math.floor(random() * users)),
        times.map((ms) => new Date(ms).toISOString()),
      ],
    );
  }
  // The counters the adapters keep row by row, here set-based, in batches (each statement
  // stays well inside the server's statement timeout).
  for (let start = 0; start < posts; start += BATCH) {
    await db.query(
      `UPDATE posts p SET doc = jsonb_set(
         jsonb_set(p.doc, '{stats,likes}', to_jsonb((SELECT count(*)::int FROM post_likes l WHERE l.post_id = p.id))),
         '{stats,comments}', to_jsonb((SELECT count(*)::int FROM comments c WHERE c.post_id = p.id)))
       WHERE p.id = ANY($1::uuid[])`,
      [postIds.slice(start, start + BATCH)],
    );
  }
  await db.query(
    `UPDATE user_profiles u SET posts_count = c.n
     FROM (SELECT author_id, count(*)::int AS n FROM posts GROUP BY author_id) c WHERE u.user_id = c.author_id`,
  );
  // 10% of users active: a session of theirs is live (sign-ins within the window).
  await db.query(
    `INSERT INTO sessions (token_hash, user_id, created_at, expires_at, absolute_expires_at)
     SELECT encode(sha256(('bench' || id)::bytea), 'hex'), id, now(), now() + interval '30 days', now() + interval '30 days'
     FROM users WHERE id % $1 = 0`,
    [Math.round(1 / ACTIVE_SHARE)],
  );
  await db.query('CREATE TABLE bench_feed_loaded (users int NOT NULL)');
  await db.query('INSERT INTO bench_feed_loaded VALUES ($1)', [users]);
  for (const table of ['users', 'user_profiles', 'follows', 'posts', 'post_likes', 'comments', 'sessions']) {
    await db.query(`VACUUM ANALYZE ${table}`);
  }
}

/** The dataset's database: kept between runs (one per scale), reused when its load completed. */
async function openDataset(scale: number): Promise<{ db: SqlDatabase; where: string }> {
  const serverUrl = process.env.DATABASE_URL;
  const label = String(scale).replace('.', '_');
  if (serverUrl) {
    const name = `polyglot_bench_feed_${label}`;
    const url = new URL(serverUrl);
    url.pathname = `/${name}`;
    const admin = openPostgres({ url: serverUrl, max: 1 });
    try {
      if ((await admin.query('SELECT 1 FROM pg_database WHERE datname = $1', [name])).length) {
        const db = openPostgres({ url: url.toString(), max: 8 });
        if (await isLoaded(db))
          return { db, where: `PostgreSQL database ${name}, reused (DROP DATABASE ${name} to free it)` };
        await db.close();
      }
      // A load that was cut short starts again from an empty database.
      await admin.query(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`);
      await admin.query(`CREATE DATABASE ${name}`);
    } finally {
      await admin.close();
    }
    return {
      db: openPostgres({ url: url.toString(), max: 8 }),
      where: `PostgreSQL database ${name}, loaded now and kept (DROP DATABASE ${name} to free it)`,
    };
  }
  const dir = path.join(os.tmpdir(), `polyglot-bench-feed-${label}`);
  const db = await openPglite({ dataDir: dir });
  return { db, where: `PGlite in ${dir}, kept for the next run` };
}

async function isLoaded(db: SqlDatabase): Promise<boolean> {
  return (await db.query("SELECT 1 FROM pg_tables WHERE tablename = 'bench_feed_loaded'")).length > 0;
}

/** `redis-benchmark -t zadd -P 16` on the same Redis now: ZADDs per second. */
function redisBenchmarkZadd(redisUrl: string): number {
  const url = new URL(redisUrl);
  const out = execFileSync(
    'redis-benchmark',
    ['-h', url.hostname, '-p', url.port || '6379', '-t', 'zadd', '-P', '16', '-q', '-n', '200000'],
    { encoding: 'utf8', timeout: 120_000 },
  );
  const line = out.split('\r').at(-1)?.trim() ?? out.trim();
  const match = /ZADD: ([\d.]+) requests per second/.exec(line);
  if (!match) throw new Error(`could not read redis-benchmark's rate from: ${line}`);
  return Number(match[1]);
}

/**
 * An author followed by POPULAR_FOLLOWERS users (every user below scale 0.1), added for the
 * measurement and removed afterwards, as the dataset is kept between runs.
 */
async function addPopularAuthor(db: SqlDatabase, users: number) {
  const [author] = await db.query<{ id: number }>(
    `WITH u AS (
       INSERT INTO users (email, email_normalized, password_hash, birthdate)
       VALUES ('bench-popular@example.com', 'bench-popular@example.com', '$argon2id$bench', DATE '1990-01-01')
       RETURNING id
     )
     INSERT INTO user_profiles (user_id, handle, name) SELECT id, 'bench_popular', 'Popular author' FROM u
     RETURNING user_id AS id`,
  );
  const id = Number(author?.id);
  const followers = Math.min(POPULAR_FOLLOWERS, users);
  await db.query(
    `INSERT INTO follows (follower_id, followee_id, created_at)
     SELECT g, $1, now() FROM generate_series(1, $2::int) g`,
    [id, followers],
  );
  await db.query('UPDATE user_profiles SET followers_count = $2 WHERE user_id = $1', [id, followers]);
  return {
    id,
    followers,
    async remove() {
      await db.query('DELETE FROM follows WHERE followee_id = $1', [id]);
      await db.query('DELETE FROM posts WHERE author_id = $1', [id]);
      await db.query('DELETE FROM user_profiles WHERE user_id = $1', [id]);
      await db.query('DELETE FROM users WHERE id = $1', [id]);
    },
  };
}

type Row = { name: string } & LatencySummary;

export async function run(options: BenchOptions) {
  const scale = pick(options.scale, 'FEED_BENCH_SCALE', 0.1);
  if (scale > 1) throw new Error(`the scale must be above 0 and at most 1, got ${scale}`);
  const users = Math.max(100, Math.round(FULL_USERS * scale));
  const samples = pick(options.samples, 'FEED_BENCH_SAMPLES', 300);
  const httpSeconds = pick(options.seconds, 'FEED_HTTP_SECONDS', 10);
  const engines: Record<string, string> = {};
  const figures: Record<string, unknown> = {};
  const ratios: Record<string, number> = {};
  const targets: Record<string, Target> = {};
  const threshold = Math.max(100, Math.round(10_000 * scale));
  console.log(
    `scale ${scale}: ${users.toLocaleString('en')} users, ~${(users * 50).toLocaleString('en')} follows (power law), ` +
      `${(users * POSTS_PER_USER).toLocaleString('en')} posts, ~${(users * POSTS_PER_USER * LIKES_PER_POST).toLocaleString('en')} likes, ` +
      `${Math.round(users * POSTS_PER_USER * COMMENTS_PER_POST).toLocaleString('en')} comments, ${ACTIVE_SHARE * 100}% active` +
      ` (the full size is scale 1: 100,000 users, 1,000,000 posts)`,
  );

  const dataset = await openDataset(scale);
  const { db } = dataset;
  const redisUrl = process.env.REDIS_URL;
  const redis = redisUrl ? openRedis(redisUrl) : undefined;
  let closeCache = async () => {};
  const prefix = `polyglot-bench:feed:${process.pid}:`;
  try {
    if (!(await isLoaded(db))) {
      const started = performance.now();
      await migrate(db);
      await loadSql(db, 'users+edges', generateGraph({ users, averageFollowing: 50, seed: SEED }));
      await loadFeedData(db, users);
      console.log(`  loaded in ${((performance.now() - started) / 1000).toFixed(1)} s`);
    }
    console.log(`dataset: ${dataset.where}`);
    if (db.engine === 'pglite') engines.pglite = await versions.pglite(db);
    else engines.postgresql = await versions.sql(db);
    const [counts] = await db.query<{ posts: number; follows: number; likes: number; comments: number }>(
      `SELECT (SELECT count(*) FROM posts)::int AS posts, (SELECT count(*) FROM follows)::int AS follows,
              (SELECT count(*) FROM post_likes)::int AS likes, (SELECT count(*) FROM comments)::int AS comments`,
    );
    console.log(`  rows: ${JSON.stringify(counts)}`);

    if (redis) {
      await redis.connect();
      engines.redis = await versions.redis(redis);
    }
    // The cache role as the platform opens it on Redis: near copies in this process in front of it.
    const cache: CachePort & { close?: () => Promise<void> } = redis
      ? await withNearCopies(createRedisCache(redis, prefix), {
          publisher: redis,
          subscriber: redis.duplicate(),
          channel: `${prefix}cache:changes`,
        })
      : createMemoryCache({ maxEntries: 1_000_000 });
    closeCache = async () => {
      await cache.close?.();
    };
    const timelines: TimelinePort = redis
      ? createRedisTimelines(redis, { keyPrefix: prefix, ttlSeconds: 3600 })
      : createMemoryTimelines();
    const posts = createPostgresPosts(db, sqlProfileCounters);
    const graph = createPostgresGraph(db, sqlProfileCounters);
    const accounts = createPostgresAccounts(db);
    const log = { warn: (object: unknown, message: string) => console.warn(message, object) };
    // The benchmark calls the fan-out itself and changes nothing it reads: events need no relay.
    const quietEvents = () => new EventBus({ handle() {}, relayNow() {} }, log);
    // The viewer seam as the platform builds it: the viewer's relations and rules from the cache role.
    const viewEvents = quietEvents();
    const views = new PostViews(cachedViewerRelations(posts, cache, viewEvents));
    for (const rule of graphViewerRules(graph, cache, viewEvents)) views.addRule(rule);
    const summaries = new PostSummaries(posts, cache, viewEvents);
    const service = (strategy: FeedStrategy, fanoutThreshold = threshold) =>
      new FeedService({
        timelines,
        posts,
        graph,
        accounts,
        cache,
        sqlJoin: createSqlJoinFeed(db),
        strategy,
        activeDays: 30,
        fanoutThreshold,
        log,
        cursors: new CursorCodec(randomBytes(32)),
        events: quietEvents(),
        views,
        summaries,
      });

    // Readers: active users who follow someone, deterministic.
    const active = (
      await db.query<{ id: number }>(
        'SELECT s.user_id AS id FROM sessions s JOIN user_profiles p ON p.user_id = s.user_id WHERE p.following_count > 0 ORDER BY s.user_id',
      )
    ).map((row) => Number(row.id));
    const random = mulberry32(SEED + 11);
    const readers = Array.from(
      { length: samples },
      () => active[Math.floor(random() * active.length)] as number,
    );
    console.log(
      `timelines on ${timelines.engine}; fan-out threshold ${threshold} followers (10,000 x scale, at least 100)`,
    );

    // Build the active users' timelines, as fan-out would have kept them.
    const fanout = service('fanout');
    let started = performance.now();
    for (let i = 0; i < active.length; i += 8) {
      await Promise.all(active.slice(i, i + 8).map((id) => fanout.rebuild(id)));
    }
    const rebuildSeconds = (performance.now() - started) / 1000;
    console.log(
      `  built ${active.length.toLocaleString('en')} active timelines in ${rebuildSeconds.toFixed(1)} s (${Math.round(active.length / rebuildSeconds)} rebuilds/s)`,
    );

    const rows: Row[] = [];
    const at = (i: number) => readers[i % readers.length] as number;
    for (const strategy of ['fanout', 'pull', 'sqljoin'] as const) {
      const feed = strategy === 'fanout' ? fanout : service(strategy);
      const n = strategy === 'sqljoin' ? Math.max(20, Math.round(samples / 5)) : samples;
      // One untimed pass over the readers warms the caches and the JIT, as on a running server.
      for (let i = 0; i < n; i++) await feed.page(at(i), PAGE);
      rows.push({ name: `${strategy}: 20-post page`, ...(await measure(n, (i) => feed.page(at(i), PAGE))) });
      rows.push({
        name: `${strategy}: 20-post page, 8 in flight`,
        ...(await measure(n, (i) => feed.page(at(i), PAGE), 8)),
      });
    }
    console.log(
      `\n${samples} pages per strategy (sqljoin ${Math.max(20, Math.round(samples / 5))}), readers drawn from the active users; p50 vs sqljoin:`,
    );
    printTable(rows, 'sqljoin: 20-post page');
    const p50 = (name: string) => rows.find((row) => row.name === name)?.p50_ms ?? Number.NaN;
    const fanoutVsJoin = p50('sqljoin: 20-post page') / p50('fanout: 20-post page');
    figures.pages = Object.fromEntries(rows.map(({ name, ...summary }) => [name, summary]));
    ratios['feed page p50: sqljoin / fanout'] = round(fanoutVsJoin, 1);
    targets[`fanout ${scale === 1 ? '≥ 100×' : '≥ 20×'} faster than sqljoin (p50, scale ${scale})`] =
      target.atLeast(fanoutVsJoin, scale === 1 ? 100 : 20);

    // The baseline's plan, for an honest comparison: a reader with a median following count.
    const sorted = [...new Set(readers)].sort((a, b) => a - b);
    const median = sorted[Math.floor(sorted.length / 2)] as number;
    const plan = await db.query<{ 'QUERY PLAN': string }>(
      `EXPLAIN (ANALYZE, BUFFERS) ${FEED_JOIN_SQL}`,
      feedJoinParams(median, { limit: PAGE + 1 }),
    );
    console.log(`\nEXPLAIN ANALYZE of the sqljoin page for user ${median}:`);
    for (const row of plan) console.log(`  ${row['QUERY PLAN']}`);

    // Fan-out: the job's whole work per post (followers from the graph, active filter, pipelined
    // pushes), then the bare pipelined pushes into the timelines, next to redis-benchmark.
    const authors = (
      await db.query<{ id: number }>(
        'SELECT user_id AS id FROM user_profiles WHERE followers_count BETWEEN 10 AND $1 ORDER BY followers_count DESC, user_id LIMIT 50',
        [threshold],
      )
    ).map((row) => Number(row.id));
    let inserts = 0;
    const fakePosts = authors.map((author) => ({ post_id: v7(), author_id: author, at: Date.now() }));
    started = performance.now();
    for (const payload of fakePosts) inserts += await fanout.fanOut(payload);
    const jobSeconds = (performance.now() - started) / 1000;
    const pushTargets = active.slice(0, Math.min(active.length, 10_000));
    started = performance.now();
    const rounds = 20;
    for (let r = 0; r < rounds; r++)
      await timelines.pushToTimelines({ postId: v7(), at: Date.now() }, pushTargets);
    const pushSeconds = (performance.now() - started) / 1000;
    const jobRate = inserts / jobSeconds;
    const pushRate = (rounds * pushTargets.length) / pushSeconds;
    console.log('\nfan-out:');
    console.log(
      `  fan-out jobs: ${fakePosts.length} posts by authors with 10-${threshold} followers, ${inserts.toLocaleString('en')} timeline inserts in ${jobSeconds.toFixed(2)} s = ${Math.round(jobRate).toLocaleString('en')} inserts/s (graph + active filter + pushes)`,
    );
    console.log(
      `  pushes alone: ${(rounds * pushTargets.length).toLocaleString('en')} inserts in ${pushSeconds.toFixed(2)} s = ${Math.round(pushRate).toLocaleString('en')} inserts/s`,
    );
    const fanoutFigures: Record<string, number> = {
      job_inserts_per_second: Math.round(jobRate),
      pushes_inserts_per_second: Math.round(pushRate),
    };
    if (redisUrl) {
      const zadd = redisBenchmarkZadd(redisUrl);
      fanoutFigures.redis_benchmark_zadd_per_second = Math.round(zadd);
      console.log(`  redis-benchmark -t zadd -P 16: ${Math.round(zadd).toLocaleString('en')} ZADD/s`);
      ratios['fan-out job / redis-benchmark zadd'] = round(jobRate / zadd);
      ratios['pushes alone / redis-benchmark zadd'] = round(pushRate / zadd);
      targets['fan-out job end to end / redis-benchmark zadd -P 16'] = target.atLeast(jobRate / zadd, 0.1);
      targets['pushes alone / redis-benchmark zadd -P 16'] = target.atLeast(pushRate / zadd, 0.3);
    } else {
      console.log('  redis-benchmark: skipped (REDIS_URL is not set; timelines were in memory, no ratio)');
    }
    // Remove the fake posts' entries again.
    for (const payload of fakePosts) {
      await timelines.removeFromTimelines({ postId: payload.post_id, at: payload.at }, active);
    }

    const delivery = await timePopularDelivery(
      db,
      users,
      service('fanout', POPULAR_FOLLOWERS),
      timelines,
      active,
    );
    figures.fanout = { ...fanoutFigures, popular_author: delivery };
    targets[
      `a post by an author with ${delivery.followers.toLocaleString('en')} followers in every active follower's timeline`
    ] = target.below(delivery.max_ms, 100);
  } finally {
    await closeCache();
    if (redis && redisUrl) {
      redis.disconnect();
      await dropBenchKeys(redisUrl, prefix);
    }
    await db.close();
  }
  const http = await feedOverHttp(httpSeconds);
  engines.pglite ??= await versions.pglite();
  figures.http = http;
  for (const [stack, { ratio }] of Object.entries(http)) {
    ratios[`${stack}: feed req/s / bare route req/s`] = round(ratio);
    targets[`${stack}: GET /api/v1/feed / bare route`] = target.atLeast(ratio, 0.5);
  }
  writeResults('feed', { engines, scale, figures, ratios, targets }, options);
}

/**
 * From a post's commit until it is in every active follower's timeline, for an author with
 * POPULAR_FOLLOWERS followers: the post row is inserted (committed), then the fan-out job's
 * work runs, then a sample of the active followers' timelines is read until each holds it.
 */
async function timePopularDelivery(
  db: SqlDatabase,
  users: number,
  feed: FeedService,
  timelines: TimelinePort,
  active: number[],
) {
  const author = await addPopularAuthor(db, users);
  const activeFollowers = active.filter((id) => id <= author.followers);
  const random = mulberry32(SEED + 13);
  const checked = Array.from(
    { length: Math.min(CHECKED_TIMELINES, activeFollowers.length) },
    () => activeFollowers[Math.floor(random() * activeFollowers.length)] as number,
  );
  const delays: number[] = [];
  const entries: TimelineEntry[] = [];
  try {
    for (let n = 0; n < DELIVERIES; n++) {
      const at = Date.now();
      const postId = v7({ msecs: at });
      entries.push({ postId, at });
      await db.query(
        `INSERT INTO posts (id, author_id, created_at, updated_at, doc)
         VALUES ($1::uuid, $2, $3, $3, jsonb_build_object('content', 'a post to many timelines'))`,
        [postId, author.id, new Date(at).toISOString()],
      );
      const committed = performance.now();
      await feed.fanOut({ post_id: postId, author_id: author.id, at });
      for (const follower of checked) {
        const newest = await timelines.readTimeline(follower, { limit: 1 });
        if (newest?.[0]?.postId !== postId)
          throw new Error(`post ${postId} is not first in ${follower}'s timeline`);
      }
      delays.push(performance.now() - committed);
    }
  } finally {
    for (const entry of entries) await timelines.removeFromTimelines(entry, [author.id, ...activeFollowers]);
    await author.remove();
  }
  delays.sort((a, b) => a - b);
  const result = {
    followers: author.followers,
    active_followers: activeFollowers.length,
    deliveries: DELIVERIES,
    p50_ms: round(delays[Math.floor(delays.length / 2)] ?? 0, 1),
    max_ms: round(delays.at(-1) ?? 0, 1),
  };
  console.log(
    `  a post by an author with ${result.followers.toLocaleString('en')} followers (${result.active_followers.toLocaleString('en')} active): in their timelines ${result.p50_ms} ms after the commit (median of ${DELIVERIES}; slowest ${result.max_ms} ms; ${checked.length} timelines checked each time)`,
  );
  return result;
}
