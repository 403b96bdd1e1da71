// The graph's rules for the viewer seam (posts/posts.views.ts): what blocks and mutes hide.
// A block, either way, hides the two from each other in every list and bars acting on each
// other's posts (liking, commenting, reposting); a mute hides the muted account only from the
// muter's home feed and notifications. Asked of the graph once per page, for all its authors.
import type { ViewerRule } from '../posts/posts.views.ts';
import type { GraphPort, HiddenScope } from './graph.port.ts';

export function graphViewerRules(graph: Pick<GraphPort, 'hiddenFrom'>): ViewerRule[] {
  const hiding = (scope: HiddenScope) => async (viewerId: number, authorIds: readonly number[]) =>
    new Set(await graph.hiddenFrom(viewerId, authorIds, scope));
  return [
    { name: 'blocks', lists: 'all', barsActions: true, hiddenAuthors: hiding('blocks') },
    // 'blocks_and_mutes' answers for both in the one query these lists make.
    { name: 'mutes', lists: ['home', 'notifications'], hiddenAuthors: hiding('blocks_and_mutes') },
  ];
}
