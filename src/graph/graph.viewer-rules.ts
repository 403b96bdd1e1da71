// The graph's rules for the viewer seam (posts/posts.views.ts): what blocks and mutes hide.
// A block, either way, hides the two from each other in every list and bars acting on each
// other's posts (liking, commenting, reposting); a mute hides the muted account only from the
// muter's home feed and notifications.
// Lists ask the viewer's hidden accounts as per-user sets in the cache role (one membership
// check a page), loaded from the graph on a miss and forgotten when a block or mute of theirs
// changes. Should the cache be unreachable at the instant of that change, a list may show the
// old state until the set expires (HIDDEN_TTL_SECONDS). Acting is always asked of the graph.

import { type CachePort, cacheKeys } from '../cache/cache.port.ts';
import { CachedSet } from '../cache/cached-sets.ts';
import type { EventBus } from '../events.ts';
import type { ViewerRule } from '../posts/posts.views.ts';
import type { GraphPort, HiddenScope } from './graph.port.ts';

/** How stale a list may be after a block or mute whose forgetting the cache missed. */
const HIDDEN_TTL_SECONDS = 300;
/** A viewer who blocks or mutes more accounts than this is asked of the graph on every page. */
const MAX_HIDDEN = 10_000;

export function graphViewerRules(
  graph: Pick<GraphPort, 'hiddenFrom' | 'allHiddenFrom' | 'blockBetween'>,
  cache: CachePort,
  events: EventBus,
): ViewerRule[] {
  const hiddenSet = (scope: HiddenScope, key: (userId: number) => string) =>
    new CachedSet({
      cache,
      key,
      load: async (userId, limit) => (await graph.allHiddenFrom(userId, scope, limit)).map(String),
      ask: async (userId, ids) =>
        new Set((await graph.hiddenFrom(userId, ids.map(Number), scope)).map(String)),
      ttlSeconds: HIDDEN_TTL_SECONDS,
      maxMembers: MAX_HIDDEN,
    });
  const everywhere = hiddenSet('blocks', cacheKeys.hiddenEverywhere);
  // 'blocks_and_mutes' answers for both in the one check these lists make.
  const atHome = hiddenSet('blocks_and_mutes', cacheKeys.hiddenAtHome);
  events.onCommit('block.changed', async ({ blocker_id, blocked_id }) => {
    await Promise.all([everywhere.forget(blocker_id, blocked_id), atHome.forget(blocker_id, blocked_id)]);
  });
  events.onCommit('mute.changed', ({ muter_id }) => atHome.forget(muter_id));
  const hiding = (set: CachedSet) => async (viewerId: number, authorIds: readonly number[]) =>
    new Set([...(await set.has(viewerId, authorIds.map(String)))].map(Number));
  return [
    {
      name: 'blocks',
      lists: 'all',
      hiddenAuthors: hiding(everywhere),
      warm: (viewerId) => everywhere.warm(viewerId),
      barsActing: (viewerId, authorId) => graph.blockBetween(viewerId, authorId),
    },
    {
      name: 'mutes',
      lists: ['home', 'notifications'],
      hiddenAuthors: hiding(atHome),
      warm: (viewerId) => atHome.warm(viewerId),
    },
  ];
}
