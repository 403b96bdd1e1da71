// The viewer's likes and reposts as every page asks them: per-user sets in the cache role
// (one membership check a page), loaded from the posts store on a miss and forgotten when the
// viewer likes, unlikes, reposts or takes a repost back.

import { type CachePort, cacheKeys } from '../cache/cache.port.ts';
import { CachedSet } from '../cache/cached-sets.ts';
import type { EventBus } from '../events.ts';
import type { PostsPort } from './posts.port.ts';
import type { ViewerRelations } from './posts.views.ts';

/** A day: a viewer's likes change only by their own hand, and each change forgets the set. */
const TTL_SECONDS = 86_400;
/** Someone who liked more posts than this is asked of the store on every page. */
const MAX_MEMBERS = 10_000;

export function cachedViewerRelations(
  posts: Pick<PostsPort, 'postsRelatedTo' | 'likedBy' | 'repostedBy'>,
  cache: CachePort,
  events: EventBus,
): ViewerRelations {
  const relationSet = (
    relation: 'likes' | 'reposts',
    key: (userId: number) => string,
    ask: (userId: number, postIds: readonly string[]) => Promise<Set<string>>,
  ) =>
    new CachedSet({
      cache,
      key,
      load: (userId, limit) => posts.postsRelatedTo(userId, relation, limit),
      ask,
      ttlSeconds: TTL_SECONDS,
      maxMembers: MAX_MEMBERS,
    });
  const liked = relationSet('likes', cacheKeys.liked, (userId, postIds) => posts.likedBy(userId, postIds));
  const reposted = relationSet('reposts', cacheKeys.reposted, (userId, postIds) =>
    posts.repostedBy(userId, postIds),
  );
  events.onCommit('like.changed', ({ user_id }) => liked.forget(user_id));
  events.onCommit('post.reposted', ({ reposter_id }) => reposted.forget(reposter_id));
  return {
    liked: (viewerId, postIds) => liked.has(viewerId, postIds),
    reposted: (viewerId, postIds) => reposted.has(viewerId, postIds),
    warm: async (viewerId) => {
      await Promise.all([liked.warm(viewerId), reposted.warm(viewerId)]);
    },
  };
}
