// Post summaries (documents without comments, with their counters) cached in the cache role,
// shared by every list that shows them: home feeds and user timelines read the cache first and
// the posts store for the rest. A change to a post (edit, deletion, a like, a repost, a comment)
// forgets its summary right after the commit, so the next page shows it.
import { type CachePort, cacheKeys } from '../cache/cache.port.ts';
import type { EventBus } from '../events.ts';
import type { PostSummary, PostsPort } from './posts.port.ts';

const TTL_SECONDS = 300;

export class PostSummaries {
  constructor(
    private readonly posts: Pick<PostsPort, 'summaries'>,
    private readonly cache: CachePort,
    events: EventBus,
  ) {
    const forget = async ({ post_id }: { post_id: string }) => {
      await cache.forget(cacheKeys.post(post_id));
    };
    for (const name of [
      'post.changed',
      'post.deleted',
      'like.changed',
      'post.reposted',
      'comment.created',
      'comment.changed',
      'comment.deleted',
    ] as const) {
      events.onCommit(name, forget);
    }
  }

  /** The summaries of the posts among `ids` that exist, by id. */
  async byId(ids: readonly string[]): Promise<Map<string, PostSummary>> {
    const cached = await this.cache.recallMany<PostSummary>(ids.map(cacheKeys.post));
    const found = new Map<string, PostSummary>();
    for (const post of cached) if (post) found.set(post.id, post);
    const missing = ids.filter((id) => !found.has(id));
    if (missing.length) {
      const loaded = await this.posts.summaries(missing);
      await Promise.all(
        loaded.map((post) => this.cache.remember(cacheKeys.post(post.id), post, TTL_SECONDS)),
      );
      for (const post of loaded) found.set(post.id, post);
    }
    return found;
  }
}
