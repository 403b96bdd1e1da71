// Rules of the social graph: nobody follows, blocks or mutes themself, both ends must be
// users, nobody follows across a block, lists are keyset pages with cursors only this server
// issues, and a follow shows at once on both public profiles (exact counters, cached copies
// invalidated).
import type { AccountsPort, ProfileSummary } from '../accounts/accounts.port.ts';
import { afterOwnChange } from '../accounts/profile-counters.ts';
import { BadRequestError, BlockedError, NotFoundError } from '../errors.ts';
import { type EventBus, fact } from '../events.ts';
import { type CursorCodec, field, oneMore, type Page, pageOf } from '../pagination.ts';
import type { EdgePosition, FollowEdge, GraphPort, Relationship } from './graph.port.ts';

/** The newest-first lists of users kept in the graph: anyone's follows, one's own blocks and mutes. */
export type EdgeList = 'followers' | 'following' | 'blocks' | 'mutes';

export interface SuggestionItem {
  user: ProfileSummary;
  strength: number;
}

// A cursor names its list and its user, so that one list's cursor is refused by another;
// the signed codec (pagination.ts) refuses any string it did not issue.
const CURSOR_VERSION = 1;
const LIST_CODE: Record<EdgeList, string> = { followers: 'r', following: 'g', blocks: 'b', mutes: 'm' };

export const encodeCursor = (
  codec: CursorCodec,
  list: EdgeList,
  userId: number,
  position: EdgePosition,
): string => codec.encode([CURSOR_VERSION, LIST_CODE[list], userId, position.at, position.userId]);

export function decodeCursor(
  codec: CursorCodec,
  cursor: string,
  list: EdgeList,
  userId: number,
): EdgePosition {
  const [, , , at, other] = codec.decode(cursor, [
    field.is(CURSOR_VERSION),
    field.is(LIST_CODE[list]),
    field.is(userId),
    field.microseconds,
    field.userId,
  ]);
  return { at, userId: other };
}

export interface GraphOptions {
  graph: GraphPort;
  /** Existence of users, their summaries, and the counters when the graph is on another engine. */
  accounts: AccountsPort;
  cursors: CursorCodec;
  /** Where follow.changed, block.changed and mute.changed are published. */
  events: EventBus;
}

/** How many edges one read of a deleted account's follows takes. */
const ERASE_BATCH = 500;

export class GraphService {
  private readonly graph: GraphPort;
  private readonly accounts: AccountsPort;
  private readonly cursors: CursorCodec;
  private readonly events: EventBus;

  constructor({ graph, accounts, cursors, events }: GraphOptions) {
    this.graph = graph;
    this.accounts = accounts;
    this.cursors = cursors;
    this.events = events;
  }

  /** Refused with 403 `blocked` when either has blocked the other. */
  async follow(callerId: number, userId: number): Promise<void> {
    this.refuseSelf(callerId, userId, 'follow');
    const [blocked] = await Promise.all([this.graph.blockBetween(callerId, userId), this.ensureUser(userId)]);
    if (blocked) throw new BlockedError('follow this user');
    // A block that commits between the check and the follow wins: the graph then creates nothing.
    if (await this.graph.follow(callerId, userId)) await this.afterChange(callerId, userId, 1);
  }

  /**
   * Many follows at once, under the rules of one: nobody follows themself, every end must be
   * a user, and each edge created moves the counters and clears the caches as a single follow
   * does. Returns how many edges were new. Should a follow-up fail, the edges not yet followed
   * up are taken back, so that a retry of the same batch redoes them all.
   */
  async followMany(edges: readonly FollowEdge[]): Promise<number> {
    for (const { followerId, followeeId } of edges) this.refuseSelf(followerId, followeeId, 'follow');
    const ends = [...new Set(edges.flatMap((edge) => [edge.followerId, edge.followeeId]))];
    if ((await this.summaryMap(ends)).size < ends.length) throw new NotFoundError('user');
    const created = await this.graph.followMany(edges);
    for (const [i, { followerId, followeeId }] of created.entries()) {
      try {
        await this.afterChange(followerId, followeeId, 1);
      } catch (error) {
        const later = created.slice(i + 1);
        await Promise.allSettled(later.map((edge) => this.graph.unfollow(edge.followerId, edge.followeeId)));
        throw error;
      }
    }
    return created.length;
  }

  async unfollow(callerId: number, userId: number): Promise<void> {
    this.refuseSelf(callerId, userId, 'unfollow');
    await this.ensureUser(userId);
    if (await this.graph.unfollow(callerId, userId)) await this.afterChange(callerId, userId, -1);
  }

  /**
   * The graph's part of deleting an account: every follow both ways is undone as an unfollow
   * would (the other end's counters, cached profile and home timeline follow), then what is
   * left of the user in the graph goes. Each batch is read anew, so a run cut short continues.
   */
  async eraseUser(userId: number): Promise<void> {
    for (;;) {
      const [followers, following] = await Promise.all([
        this.graph.followers(userId, { limit: ERASE_BATCH }),
        this.graph.following(userId, { limit: ERASE_BATCH }),
      ]);
      if (followers.length === 0 && following.length === 0) break;
      const edges = [
        ...followers.map((edge) => ({ followerId: edge.userId, followeeId: userId })),
        ...following.map((edge) => ({ followerId: userId, followeeId: edge.userId })),
      ];
      for (const { followerId, followeeId } of edges) {
        if (await this.graph.unfollow(followerId, followeeId))
          await this.afterChange(followerId, followeeId, -1);
      }
    }
    await this.graph.eraseUser(userId);
  }

  /**
   * The caller blocks a user: the block and the end of their follows, both ways, are one unit
   * of work in the graph, and each follow it ended is followed up as an unfollow is (counters,
   * cached profiles, the home feed). Idempotent. True only when the block is new.
   */
  async block(callerId: number, userId: number): Promise<boolean> {
    this.refuseSelf(callerId, userId, 'block');
    await this.ensureUser(userId);
    const { created, unfollowed } = await this.graph.block(callerId, userId);
    for (const [i, { followerId, followeeId }] of unfollowed.entries()) {
      // Undone in the order a retry needs: the block first (a follow is refused beside it),
      // then the follows whose counters were not moved yet.
      await this.afterChange(followerId, followeeId, -1, async () => {
        if (created) await this.graph.unblock(callerId, userId);
        for (const edge of unfollowed.slice(i)) await this.graph.follow(edge.followerId, edge.followeeId);
      });
    }
    if (created) await this.blockChanged(callerId, userId, 1);
    return created;
  }

  /** Idempotent; the follows a block ended stay ended. True only when a block was removed. */
  async unblock(callerId: number, userId: number): Promise<boolean> {
    this.refuseSelf(callerId, userId, 'unblock');
    await this.ensureUser(userId);
    const removed = await this.graph.unblock(callerId, userId);
    if (removed) await this.blockChanged(callerId, userId, -1);
    return removed;
  }

  /** Idempotent. Nothing tells the muted user. True only when the mute is new. */
  async mute(callerId: number, userId: number): Promise<boolean> {
    this.refuseSelf(callerId, userId, 'mute');
    await this.ensureUser(userId);
    const created = await this.graph.mute(callerId, userId);
    if (created) await this.muteChanged(callerId, userId, 1);
    return created;
  }

  /** Idempotent. True only when a mute was removed. */
  async unmute(callerId: number, userId: number): Promise<boolean> {
    this.refuseSelf(callerId, userId, 'unmute');
    await this.ensureUser(userId);
    const removed = await this.graph.unmute(callerId, userId);
    if (removed) await this.muteChanged(callerId, userId, -1);
    return removed;
  }

  // Published after the commit to in-process subscribers: the graph may be on Neo4j, which holds
  // no outbox, and every reaction to these (tidying cached timelines) is an optimisation that
  // the viewer's rules make unnecessary for correctness.
  private blockChanged(blockerId: number, blockedId: number, delta: 1 | -1): Promise<void> {
    return this.events.committed(
      fact('block.changed', { blocker_id: blockerId, blocked_id: blockedId, delta }),
    );
  }

  private muteChanged(muterId: number, mutedId: number, delta: 1 | -1): Promise<void> {
    return this.events.committed(fact('mute.changed', { muter_id: muterId, muted_id: mutedId, delta }));
  }

  /**
   * One newest-first page of a user's followers, followees, blocks or mutes, as profile
   * summaries. `viewerId` (a signed-in caller) does not see the users with a block between
   * them and it: a page may come shorter, its cursor still continues after the last edge read.
   */
  async list(
    list: EdgeList,
    userId: number,
    limit: number,
    cursor?: string,
    viewerId?: number,
  ): Promise<Page<ProfileSummary>> {
    const after = cursor === undefined ? undefined : decodeCursor(this.cursors, cursor, list, userId);
    const request = { limit: oneMore(limit), after };
    const [edges] = await Promise.all([this.graph[list](userId, request), this.ensureUser(userId)]);
    const page = pageOf(edges, limit, (last) => encodeCursor(this.cursors, list, userId, last));
    const ids = await this.visibleTo(
      viewerId,
      page.items.map((edge) => edge.userId),
    );
    return { ...page, items: await this.summaries(ids) };
  }

  async relationship(callerId: number, userId: number): Promise<Relationship> {
    const [relationship] = await Promise.all([
      this.graph.relationship(callerId, userId),
      this.ensureUser(userId),
    ]);
    return relationship;
  }

  async commonFollowing(callerId: number, userId: number, limit: number): Promise<Page<ProfileSummary>> {
    const [ids] = await Promise.all([
      this.graph.commonFollowing(callerId, userId, limit),
      this.ensureUser(userId),
    ]);
    return { items: await this.summaries(ids), next_cursor: null };
  }

  /** Friends of friends by strength; for someone who follows nobody yet, the most followed. */
  async suggestions(callerId: number, limit: number): Promise<Page<SuggestionItem>> {
    let ranked = await this.graph.suggestions(callerId, limit);
    if (ranked.length === 0 && (await this.graph.following(callerId, { limit: 1 })).length === 0) {
      const popular = await this.graph.mostFollowed(limit, callerId);
      ranked = popular.map(({ userId }) => ({ userId, strength: 0 }));
    }
    const ids = await this.visibleTo(
      callerId,
      ranked.map((suggestion) => suggestion.userId),
    );
    const summaries = await this.summaryMap(ids);
    const items = ranked.flatMap(({ userId, strength }) => {
      const user = summaries.get(userId);
      return user ? [{ user, strength }] : [];
    });
    return { items, next_cursor: null };
  }

  private refuseSelf(callerId: number, userId: number, action: string) {
    if (callerId === userId) {
      throw new BadRequestError(`you cannot ${action} yourself`, {
        in: 'params',
        fields: { id: 'is your own id' },
      });
    }
  }

  /** `ids` without the users with a block between them and `viewerId` (all of them for an anonymous viewer). */
  private async visibleTo(viewerId: number | undefined, ids: number[]): Promise<number[]> {
    if (viewerId === undefined || ids.length === 0) return ids;
    const hidden = new Set(await this.graph.hiddenFrom(viewerId, ids, 'blocks'));
    return hidden.size ? ids.filter((id) => !hidden.has(id)) : ids;
  }

  /** The graph may live on another engine than the accounts: existence is asked of the accounts. */
  private async ensureUser(userId: number): Promise<void> {
    if (!(await this.accounts.findAccount(userId))) throw new NotFoundError('user');
  }

  /**
   * After an edge really appeared (+1) or disappeared (-1). A graph on the accounts' database
   * moved the counters in its own transaction; on another engine (Neo4j) they are moved here,
   * once per real change, so repeated or concurrent PUT/DELETE never drift them; should that
   * fail, the edge change is undone (afterOwnChange; `undo`, the reverse of the one edge change
   * by default). The graph's own exact degree (GraphPort.counts, O(1) on Neo4j) is the truth a
   * repair would reset them from.
   */
  private async afterChange(
    followerId: number,
    followeeId: number,
    delta: 1 | -1,
    undo: () => Promise<unknown> = () =>
      delta > 0 ? this.graph.unfollow(followerId, followeeId) : this.graph.follow(followerId, followeeId),
  ): Promise<void> {
    if (!this.graph.keepsProfileCounts) {
      await afterOwnChange(() => this.accounts.adjustFollowCounts(followerId, followeeId, delta), undo);
    }
    await this.events.committed(
      fact('follow.changed', { follower_id: followerId, followee_id: followeeId, delta }),
    );
  }

  private async summaryMap(ids: number[]): Promise<Map<number, ProfileSummary>> {
    const summaries = ids.length ? await this.accounts.summaries(ids) : [];
    return new Map(summaries.map((summary) => [summary.id, summary]));
  }

  /** Summaries in the order of `ids`; a user deleted meanwhile is left out. */
  private async summaries(ids: number[]): Promise<ProfileSummary[]> {
    const byId = await this.summaryMap(ids);
    return ids.flatMap((id) => byId.get(id) ?? []);
  }
}
