// The feed role: home feeds under the strategy FEED_STRATEGY chose. Timelines live in the cache
// role (sorted sets on Redis, arrays in memory); the sqljoin strategy reads posts and follows
// in one query on their shared SQL database (config.ts allows it only then).
import { eraseOnAccountDeleted } from '../accounts/erasure.ts';
import type { PlatformModule } from '../modules.ts';
import { createMemoryTimelines } from './feed.memory.ts';
import { createRedisTimelines } from './feed.redis.ts';
import { feedRoutes } from './feed.routes.ts';
import { FeedService } from './feed.service.ts';
import { createSqlJoinFeed } from './feed.sqljoin.ts';

export const feedModule: PlatformModule = {
  name: 'feed',
  async open(ctx) {
    const { config } = ctx;
    const timelines = ctx.guard(
      'cache',
      config.stores.cache === 'redis'
        ? createRedisTimelines(ctx.engines.redis(), {
            keyPrefix: config.keyPrefix,
            // A timeline outlives its owner's activity window by nothing: then it is rebuilt on read.
            ttlSeconds: config.feed.activeDays * 86_400,
          })
        : createMemoryTimelines(),
    );
    const feed = new FeedService({
      ...config.feed,
      timelines,
      posts: ctx.use('posts'),
      graph: ctx.use('graph'),
      accounts: ctx.use('accounts'),
      cache: ctx.use('cache'),
      sqlJoin:
        config.feed.strategy === 'sqljoin'
          ? ctx.guard('posts', createSqlJoinFeed(ctx.sql('posts')))
          : undefined,
      log: ctx.log,
      cursors: ctx.use('cursors'),
      events: ctx.use('events'),
      views: ctx.use('views'),
      summaries: ctx.use('postSummaries'),
    });
    eraseOnAccountDeleted(ctx.use('events'), ctx.log, 'feed', ({ user_id }) => feed.eraseUser(user_id));
    const auth = ctx.use('auth');
    return { routes: (app) => app.register(feedRoutes, { feed, auth }) };
  },
};
