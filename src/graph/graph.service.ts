// Rules of the social graph: nobody follows themself, both ends must be users, lists are
// keyset pages with cursors only this server issues, and a follow shows at once on both
// public profiles (exact counters, cached copies invalidated).
import type { AccountsPort, ProfileSummary } from '../accounts/accounts.port.ts';
import { afterOwnChange } from '../accounts/profile-counters.ts';
import { BadRequestError, NotFoundError } from '../errors.ts';
import { type EventBus, fact } from '../events.ts';
import { type CursorCodec, field, oneMore, type Page, pageOf } from '../pagination.ts';
import type { EdgePosition, FollowEdge, GraphPort, Relationship } from './graph.port.ts';

export type FollowList = 'followers' | 'following';

export interface SuggestionItem {
  user: ProfileSummary;
  strength: number;
}

// A cursor names its list and its user, so that one list's cursor is refused by another;
// the signed codec (pagination.ts) refuses any string it did not issue.
const CURSOR_VERSION = 1;
const LIST_CODE: Record<FollowList, string> = { followers: 'r', following: 'g' };

export const encodeCursor = (
  codec: CursorCodec,
  list: FollowList,
  userId: number,
  position: EdgePosition,
): string => codec.encode([CURSOR_VERSION, LIST_CODE[list], userId, position.at, position.userId]);

export function decodeCursor(
  codec: CursorCodec,
  cursor: string,
  list: FollowList,
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
  /** Where follow.changed is published. */
  events: EventBus;
}

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

  async follow(callerId: number, userId: number): Promise<void> {
    this.refuseSelf(callerId, userId, 'follow');
    await this.ensureUser(userId);
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

  /** One newest-first page of a user's followers or followees, as profile summaries. */
  async list(
    list: FollowList,
    userId: number,
    limit: number,
    cursor?: string,
  ): Promise<Page<ProfileSummary>> {
    const after = cursor === undefined ? undefined : decodeCursor(this.cursors, cursor, list, userId);
    const request = { limit: oneMore(limit), after };
    const [edges] = await Promise.all([
      list === 'followers' ? this.graph.followers(userId, request) : this.graph.following(userId, request),
      this.ensureUser(userId),
    ]);
    const page = pageOf(edges, limit, (last) => encodeCursor(this.cursors, list, userId, last));
    return { ...page, items: await this.summaries(page.items.map((edge) => edge.userId)) };
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
    const summaries = await this.summaryMap(ranked.map((suggestion) => suggestion.userId));
    const items = ranked.flatMap(({ userId, strength }) => {
      const user = summaries.get(userId);
      return user ? [{ user, strength }] : [];
    });
    return { items, next_cursor: null };
  }

  private refuseSelf(callerId: number, userId: number, action: 'follow' | 'unfollow') {
    if (callerId === userId) {
      throw new BadRequestError(`you cannot ${action} yourself`, {
        in: 'params',
        fields: { id: 'is your own id' },
      });
    }
  }

  /** The graph may live on another engine than the accounts: existence is asked of the accounts. */
  private async ensureUser(userId: number): Promise<void> {
    if (!(await this.accounts.findAccount(userId))) throw new NotFoundError('user');
  }

  /**
   * After an edge really appeared (+1) or disappeared (-1). A graph on the accounts' database
   * moved the counters in its own transaction; on another engine (Neo4j) they are moved here,
   * once per real change, so repeated or concurrent PUT/DELETE never drift them; should that
   * fail, the edge change is undone (afterOwnChange). The graph's own exact degree
   * (GraphPort.counts, O(1) on Neo4j) is the truth a repair would reset them from.
   */
  private async afterChange(followerId: number, followeeId: number, delta: 1 | -1): Promise<void> {
    if (!this.graph.keepsProfileCounts) {
      await afterOwnChange(
        () => this.accounts.adjustFollowCounts(followerId, followeeId, delta),
        () =>
          delta > 0 ? this.graph.unfollow(followerId, followeeId) : this.graph.follow(followerId, followeeId),
      );
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
