// The posts role: post documents with their newest comments embedded, all comments, and likes,
// on the accounts' SQL database (JSONB documents and tables) or on MongoDB. It owns the viewer
// seam every list of posts passes through; roles with viewer rules add them to it.

import { sqlProfileCounters } from '../accounts/accounts.postgres.ts';
import { eraseOnAccountDeleted } from '../accounts/erasure.ts';
import type { PlatformModule } from '../modules.ts';
import { PostSummaries } from './post-summaries.ts';
import type { PostsPort } from './posts.port.ts';
import { createPostgresPosts } from './posts.postgres.ts';
import { postsRoutes } from './posts.routes.ts';
import { PostsService } from './posts.service.ts';
import { PostViews } from './posts.views.ts';
import { cachedViewerRelations } from './viewer-relations.ts';

declare module '../modules.ts' {
  interface Provided {
    posts: PostsPort;
    postsService: PostsService;
    /** The viewer seam: add a ViewerRule here. */
    views: PostViews;
    /** Post summaries through the cache role, for every list that shows posts. */
    postSummaries: PostSummaries;
  }
}

export const postsModule: PlatformModule = {
  name: 'posts',
  async open(ctx) {
    const { config } = ctx;
    let port: PostsPort;
    if (config.stores.posts === 'mongo') {
      const { createMongoPosts } = await import('./posts.mongo.ts');
      port = await createMongoPosts(ctx.engines.mongo());
    } else {
      // On the accounts' database (config.ts): a post moves its author's posts count in its transaction.
      port = createPostgresPosts(ctx.sql('posts'), sqlProfileCounters);
    }
    const posts = ctx.guard('posts', port);
    const cache = ctx.use('cache');
    const events = ctx.use('events');
    const views = new PostViews(cachedViewerRelations(posts, cache, events));
    const postSummaries = new PostSummaries(posts, cache, events);
    const service = new PostsService({
      posts,
      accounts: ctx.use('accounts'),
      cursors: ctx.use('cursors'),
      events,
      views,
      summaries: postSummaries,
      cache,
    });
    eraseOnAccountDeleted(ctx.use('events'), ctx.log, 'posts', ({ user_id }) => service.eraseUser(user_id));
    const auth = ctx.use('auth');
    return {
      provides: { posts, postsService: service, views, postSummaries },
      routes: (app) => app.register(postsRoutes, { posts: service, auth }),
      probes: { posts: { engine: config.stores.posts, ping: () => posts.ping() } },
    };
  },
};
