// The one place that knows which adapter serves which role: it opens the engines,
// builds adapters and services, and mounts the routes. Adapters for servers load their
// drivers (neo4j-driver, mongodb, bullmq) only when a role uses them, so the embedded
// default starts without paying for them.
import type { FastifyBaseLogger } from 'fastify';
import { createPostgresAccounts } from './accounts/accounts.postgres.ts';
import { accountsRoutes } from './accounts/accounts.routes.ts';
import { AccountsService, PROFILE_CHANGED_JOB } from './accounts/accounts.service.ts';
import { SessionsService } from './accounts/sessions.service.ts';
import { recordApiRequests } from './analytics/analytics.hook.ts';
import type { AnalyticsPort } from './analytics/analytics.port.ts';
import { createPostgresAnalytics } from './analytics/analytics.postgres.ts';
import { AnalyticsRecorder } from './analytics/analytics.recorder.ts';
import { scheduleRetention } from './analytics/analytics.retention.ts';
import { analyticsRoutes } from './analytics/analytics.routes.ts';
import { AnalyticsService } from './analytics/analytics.service.ts';
import { createMemoryViewDedupe } from './analytics/view-dedupe.memory.ts';
import type { ViewDedupePort } from './analytics/view-dedupe.port.ts';
import { createRedisViewDedupe } from './analytics/view-dedupe.redis.ts';
import { bestEffort } from './cache/cache.best-effort.ts';
import { createMemoryCache } from './cache/cache.memory.ts';
import type { CachePort } from './cache/cache.port.ts';
import { createRedisCache } from './cache/cache.redis.ts';
import { RateLimiter } from './cache/rate-limiter.ts';
import { cacheWriteMarks } from './cache/write-marks.ts';
import { CartService } from './commerce/cart.service.ts';
import { createPostgresCommerce } from './commerce/commerce.postgres.ts';
import { commerceRoutes } from './commerce/commerce.routes.ts';
import { CommerceService } from './commerce/commerce.service.ts';
import { createMemoryLeaderboard } from './commerce/leaderboard.memory.ts';
import type { LeaderboardPort } from './commerce/leaderboard.port.ts';
import { createRedisLeaderboard } from './commerce/leaderboard.redis.ts';
import { type Config, ConfigError } from './config.ts';
import { type Engines, openEngines } from './engines/open.ts';
import { createMemoryTimelines } from './feed/feed.memory.ts';
import type { TimelinePort } from './feed/feed.port.ts';
import { createRedisTimelines } from './feed/feed.redis.ts';
import { feedRoutes } from './feed/feed.routes.ts';
import { FeedService } from './feed/feed.service.ts';
import { createSqlJoinFeed } from './feed/feed.sqljoin.ts';
import type { GraphPort } from './graph/graph.port.ts';
import { createPostgresGraph } from './graph/graph.postgres.ts';
import { graphRoutes } from './graph/graph.routes.ts';
import { GraphService } from './graph/graph.service.ts';
import type { RoleProbes } from './health.ts';
import { authHooks } from './http/auth.ts';
import { openCursorCodec } from './http/cursor-key.ts';
import { operatorCheck } from './http/operators.ts';
import { readYourWrites } from './http/read-context.ts';
import { createHttpServer } from './http/server.ts';
import { systemRoutes } from './http/system.routes.ts';
import type { JobsPort } from './jobs/jobs.port.ts';
import { createSqlJobs } from './jobs/jobs.postgres.ts';
import type { OutboxPort } from './jobs/outbox.port.ts';
import { createSqlOutbox } from './jobs/outbox.postgres.ts';
import { createOutboxRelay } from './jobs/outbox.relay.ts';
import type { PostsPort } from './posts/posts.port.ts';
import { createPostgresPosts } from './posts/posts.postgres.ts';
import { postsRoutes } from './posts/posts.routes.ts';
import { PostsService } from './posts/posts.service.ts';

function accountsStore(config: Config, engines: Engines) {
  const engine = config.stores.accounts;
  if (engine !== 'pglite' && engine !== 'postgres') throw new Error(`accounts cannot run on ${engine}`);
  return createPostgresAccounts(engines.sql(engine));
}

function cacheStore(config: Config, engines: Engines): CachePort {
  return config.stores.cache === 'redis'
    ? createRedisCache(engines.redis(), config.keyPrefix)
    : createMemoryCache();
}

/** Home timelines live in the cache role: sorted sets on Redis, arrays in memory. */
function timelineStore(config: Config, engines: Engines): TimelinePort {
  return config.stores.cache === 'redis'
    ? createRedisTimelines(engines.redis(), {
        keyPrefix: config.keyPrefix,
        // A timeline outlives its owner's activity window by nothing: then it is rebuilt on read.
        ttlSeconds: config.feed.activeDays * 86_400,
      })
    : createMemoryTimelines();
}

function commerceStore(config: Config, engines: Engines) {
  const engine = config.stores.commerce;
  if (engine !== 'pglite' && engine !== 'postgres') throw new Error(`commerce cannot run on ${engine}`);
  // Wallets, products and orders reference users, and GET /me counts orders: one database.
  if (engine !== config.stores.accounts) {
    throw new ConfigError(
      'COMMERCE_STORE',
      `commerce on ${engine} must share the accounts' database (${config.stores.accounts}); use ${config.stores.accounts}`,
    );
  }
  return createPostgresCommerce(engines.sql(engine));
}

/** The sellers' leaderboard lives in the cache role, with domain operations of its own. */
function commerceLeaderboard(config: Config, engines: Engines): LeaderboardPort {
  if (config.stores.cache === 'redis') return createRedisLeaderboard(engines.redis(), config.keyPrefix);
  return createMemoryLeaderboard();
}

async function graphStore(config: Config, engines: Engines): Promise<GraphPort> {
  const engine = config.stores.graph;
  if (engine === 'neo4j') {
    const { driver, database } = engines.neo4j();
    const { createNeo4jGraph } = await import('./graph/graph.neo4j.ts');
    // The key prefix keeps deployments (and test runs) sharing one Neo4j database apart.
    return createNeo4jGraph(driver, { database, namespace: config.keyPrefix });
  }
  if (engine !== 'pglite' && engine !== 'postgres') throw new Error(`the graph cannot run on ${engine}`);
  // The edge table references users and keeps their profile counters: it needs the accounts' database.
  if (engine !== config.stores.accounts) {
    throw new ConfigError(
      'GRAPH_STORE',
      `the graph on ${engine} must share the accounts' database (${config.stores.accounts}); use ${config.stores.accounts} or neo4j`,
    );
  }
  return createPostgresGraph(engines.sql(engine));
}

async function postsStore(config: Config, engines: Engines): Promise<PostsPort> {
  const engine = config.stores.posts;
  if (engine === 'mongo') {
    const { createMongoPosts } = await import('./posts/posts.mongo.ts');
    return createMongoPosts(engines.mongo());
  }
  if (engine !== 'pglite' && engine !== 'postgres') throw new Error(`posts cannot run on ${engine}`);
  // Posts reference their authors and keep the profiles' posts counts: they need the accounts' database.
  if (engine !== config.stores.accounts) {
    throw new ConfigError(
      'POSTS_STORE',
      `posts on ${engine} must share the accounts' database (${config.stores.accounts}); use ${config.stores.accounts} or mongo`,
    );
  }
  return createPostgresPosts(engines.sql(engine));
}

async function analyticsStore(config: Config, engines: Engines): Promise<AnalyticsPort> {
  const engine = config.stores.analytics;
  if (engine === 'influx') {
    const [{ openInflux }, { createInfluxAnalytics }] = await Promise.all([
      import('./engines/influx.ts'),
      import('./analytics/analytics.influx.ts'),
    ]);
    // The database is INFLUX_URL's path (default polyglot); it and its retention policies are made if missing.
    return createInfluxAnalytics(openInflux(config.urls.INFLUX_URL as string));
  }
  if (engine !== 'pglite' && engine !== 'postgres') throw new Error(`analytics cannot run on ${engine}`);
  // Events reference nothing: any SQL database will do, not only the accounts' one.
  return createPostgresAnalytics(engines.sql(engine));
}

/** Which views repeat within minutes: remembered in the cache role, with an operation of its own. */
function viewDedupe(config: Config, engines: Engines): ViewDedupePort {
  return config.stores.cache === 'redis'
    ? createRedisViewDedupe(engines.redis(), config.keyPrefix)
    : createMemoryViewDedupe();
}

async function jobsQueue(config: Config, engines: Engines, log: FastifyBaseLogger): Promise<JobsPort> {
  const engine = config.stores.jobs;
  if (engine === 'redis') {
    const { createBullJobs } = await import('./jobs/jobs.bullmq.ts');
    return createBullJobs({ url: config.urls.REDIS_URL as string, keyPrefix: config.keyPrefix, log });
  }
  if (engine !== 'pglite' && engine !== 'postgres') throw new Error(`jobs cannot run on ${engine}`);
  return createSqlJobs(engines.sql(engine), { log });
}

/**
 * Where follow-up work of committed writes is stored: with the store that holds the fact. The
 * accounts' database holds profiles (and posts on SQL); MongoDB holds its posts' own.
 */
async function outboxes(config: Config, engines: Engines): Promise<OutboxPort[]> {
  const sql = createSqlOutbox(engines.sql(config.stores.accounts as 'pglite' | 'postgres'));
  if (config.stores.posts !== 'mongo') return [sql];
  const { createMongoOutbox } = await import('./jobs/outbox.mongo.ts');
  return [sql, createMongoOutbox(engines.mongo())];
}

export async function buildApp(config: Config) {
  const engines = await openEngines(config);
  try {
    const app = await createHttpServer(config);
    const accountsPort = accountsStore(config, engines);
    const commercePort = commerceStore(config, engines);
    const graphPort = await graphStore(config, engines);
    const postsPort = await postsStore(config, engines);
    const rawCache = cacheStore(config, engines);
    const cache = bestEffort(rawCache, app.log);
    const jobs = await jobsQueue(config, engines, app.log);
    const relay = createOutboxRelay({
      jobs,
      outboxes: await outboxes(config, engines),
      log: app.log,
      intervalMs: config.outbox.relayIntervalMs,
      leaseSeconds: config.outbox.leaseSeconds,
    });
    const analyticsPort = await analyticsStore(config, engines);
    // Every API request is recorded from here on, into a bounded buffer written in batches.
    const recorder = new AnalyticsRecorder(analyticsPort, { log: app.log });
    if (config.recordApiRequests) recordApiRequests(app, recorder);

    // One codec signs and checks the cursors of every list; its key is kept beside the accounts.
    const cursors = await openCursorCodec(
      config.cursorSecret,
      engines.sql(config.stores.accounts as 'pglite' | 'postgres'),
    );
    // The limiter gets the cache itself: it fails open on an outage, except for password guessing.
    const limiter = new RateLimiter(rawCache, config.rateLimits, app.log);
    const sessions = new SessionsService({
      accounts: accountsPort,
      cache,
      limiter,
      ttlSeconds: config.sessionTtlSeconds,
      maxAgeSeconds: config.sessionMaxAgeSeconds,
    });
    const accounts = new AccountsService({
      accounts: accountsPort,
      cache,
      sessions,
      profileTtlSeconds: config.profileCacheTtlSeconds,
      relay,
      orders: commercePort,
    });
    const feed = new FeedService(
      timelineStore(config, engines),
      postsPort,
      graphPort,
      accountsPort,
      cache,
      // config.ts allows sqljoin only with posts and graph on one SQL database.
      config.feed.strategy === 'sqljoin'
        ? createSqlJoinFeed(engines.sql(config.stores.posts as 'pglite' | 'postgres'))
        : undefined,
      { ...config.feed, log: app.log, cursors },
    );
    // Reactions stored in an outbox are handled through the relay, which removes each once done.
    feed.registerJobs(relay);
    const graph = new GraphService(graphPort, accountsPort, cache, cursors, feed.followChanged);
    const posts = new PostsService(postsPort, accountsPort, cache, cursors, {
      events: feed.postEvents,
      relay,
    });
    relay.handle(PROFILE_CHANGED_JOB, (payload) => posts.refreshAuthorCopies(payload));
    const auth = authHooks(sessions, limiter);
    const replicated = engines.replicated();
    if (replicated) {
      // Marks live in the cache role, so that every API process routes a writer's reads alike.
      replicated.keepMarksIn(cacheWriteMarks(rawCache, config.replica.readYourWritesSeconds));
      readYourWrites(app, {
        markWrite: (userId) => replicated.markWrite(userId),
        identify: auth.optionalSession,
      });
    }
    const commerce = new CommerceService(commercePort, commerceLeaderboard(config, engines), accountsPort, {
      demoMode: config.demoMode,
      events: config.events,
      log: app.log,
      cursors,
    });
    const carts = new CartService(commercePort, commerce);

    const probes: RoleProbes = {
      accounts: { engine: config.stores.accounts, ping: () => accountsPort.ping() },
      commerce: { engine: config.stores.commerce, ping: () => commercePort.ping() },
      graph: { engine: config.stores.graph, ping: () => graphPort.ping() },
      posts: { engine: config.stores.posts, ping: () => postsPort.ping() },
      cache: { engine: config.stores.cache, ping: () => rawCache.ping() },
      jobs: { engine: config.stores.jobs, ping: () => jobs.ping() },
      analytics: { engine: config.stores.analytics, ping: () => analyticsPort.ping() },
    };
    await app.register(systemRoutes, { probes });
    await app.register(accountsRoutes, {
      prefix: '/api/v1',
      accounts,
      sessions,
      limiter,
      auth,
    });
    await app.register(graphRoutes, { prefix: '/api/v1', graph, auth });
    await app.register(commerceRoutes, { prefix: '/api/v1', commerce, carts, auth });
    await app.register(postsRoutes, { prefix: '/api/v1', posts, auth });
    await app.register(feedRoutes, { prefix: '/api/v1', feed, auth });
    const analytics = new AnalyticsService(
      analyticsPort,
      recorder,
      postsPort,
      viewDedupe(config, engines),
      app.log,
      operatorCheck(accountsPort, config.adminEmails),
    );
    await app.register(analyticsRoutes, { prefix: '/api/v1', analytics, auth });
    // Handlers are registered by now: start working, including on jobs and outbox entries an earlier run left.
    await relay.start();
    const retention = scheduleRetention(analyticsPort, config.analyticsRetention, app.log);
    void retention.runOnce();
    // Fastify has stopped taking requests by onClose: finish due jobs, then close the engines.
    app.addHook('onClose', async () => {
      await retention.stop();
      await relay.close();
      // The events still buffered are written before their store closes.
      await recorder.close();
      await engines.close();
    });
    // `jobs` is the relay: its idle() also waits for the outbox's entries to be handled.
    // The services, for in-process callers that are not HTTP clients (the demo seed).
    const services = { accounts, sessions, graph, posts, commerce, analytics };
    return { app, probes, jobs: relay, analytics: recorder, retention, services };
  } catch (error) {
    await engines.close();
    throw error;
  }
}

export type Platform = Awaited<ReturnType<typeof buildApp>>;
