// The graph port's contract: every adapter must pass it, on every engine it serves.
// Adapters know ids only; the users the graph may connect come from the harness (accounts
// rows where the graph's database references them, fresh ids in a namespace on Neo4j).
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { AdjacencyGraph } from '../../src/graph/adjacency.ts';
import { generateGraph } from '../../src/graph/generator.ts';
import type { Edge, FollowEdge, GraphPort } from '../../src/graph/graph.port.ts';
import { noRelation } from '../support/graph.ts';

export interface GraphHarness {
  graph: GraphPort;
  /** `count` new users the graph may connect, ascending ids. */
  newUsers(count: number): Promise<number[]>;
  close(): Promise<void>;
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

const sortEdges = (edges: readonly FollowEdge[]) =>
  [...edges].sort((x, y) => x.followerId - y.followerId || x.followeeId - y.followeeId);

/** Every edge of a list, page by page, as the service would walk it. */
async function walk(
  list: (userId: number, page: { limit: number; after?: Edge }) => Promise<Edge[]>,
  userId: number,
  limit: number,
): Promise<Edge[]> {
  const all: Edge[] = [];
  let after: Edge | undefined;
  for (;;) {
    const page = await list(userId, { limit, after });
    all.push(...page);
    if (page.length < limit) return all;
    after = page.at(-1);
  }
}

export function graphContract(name: string, open: () => Promise<GraphHarness>, skipReason?: string) {
  describe.skipIf(skipReason !== undefined)(
    `graph contract on ${name}${skipReason ? ` [SKIPPED: ${skipReason}]` : ''}`,
    () => {
      let harness: GraphHarness;
      let graph: GraphPort;
      const users = (count: number) => harness.newUsers(count);
      const followersOf = (id: number) => walk((user, page) => graph.followers(user, page), id, 1000);
      const followingOf = (id: number) => walk((user, page) => graph.following(user, page), id, 1000);

      beforeAll(async () => {
        harness = await open();
        graph = harness.graph;
      });
      afterAll(() => harness?.close());

      it('follows and unfollows idempotently, saying whether the edge really changed', async () => {
        const [a, b] = (await users(2)) as [number, number];
        expect(await graph.follow(a, b)).toBe(true);
        expect(await graph.follow(a, b)).toBe(false);
        expect(await graph.counts(a)).toEqual({ followers: 0, following: 1 });
        expect(await graph.counts(b)).toEqual({ followers: 1, following: 0 });
        expect(await graph.unfollow(a, b)).toBe(true);
        expect(await graph.unfollow(a, b)).toBe(false);
        expect(await graph.counts(a)).toEqual({ followers: 0, following: 0 });
        expect(await graph.counts(b)).toEqual({ followers: 0, following: 0 });
      });

      it('tells the relationship in both directions', async () => {
        const [a, b, c] = (await users(3)) as [number, number, number];
        await graph.follow(a, b);
        expect(await graph.relationship(a, b)).toEqual({ ...noRelation, following: true });
        expect(await graph.relationship(b, a)).toEqual({ ...noRelation, followed_by: true });
        await graph.follow(b, a);
        expect(await graph.relationship(a, b)).toEqual({ ...noRelation, following: true, followed_by: true });
        expect(await graph.relationship(a, c)).toEqual(noRelation);
      });

      it('lists followers and followees newest first, in keyset pages without gaps or duplicates', async () => {
        const [star, ...fans] = (await users(8)) as [number, ...number[]];
        for (const fan of fans) {
          await graph.follow(fan, star);
          await graph.follow(star, fan);
          await sleep(2);
        }
        const newestFirst = [...fans].reverse();
        expect((await followersOf(star)).map((edge) => edge.userId)).toEqual(newestFirst);
        expect((await followingOf(star)).map((edge) => edge.userId)).toEqual(newestFirst);
        const pages: number[][] = [];
        let after: Edge | undefined;
        for (;;) {
          const page = await graph.followers(star, { limit: 3, after });
          if (page.length === 0) break;
          pages.push(page.map((edge) => edge.userId));
          after = page.at(-1);
        }
        expect(pages).toEqual([newestFirst.slice(0, 3), newestFirst.slice(3, 6), newestFirst.slice(6)]);
        const edges = await followersOf(star);
        for (const [i, edge] of edges.entries()) {
          expect(Number.isSafeInteger(edge.at)).toBe(true);
          if (i > 0) expect(edge.at).toBeLessThanOrEqual((edges[i - 1] as Edge).at);
        }
      });

      it('keeps paging exactly through the older edges while new follows arrive', async () => {
        const [star, ...fans] = (await users(13)) as [number, ...number[]];
        const early = fans.slice(0, 8);
        const late = fans.slice(8);
        for (const fan of early) await graph.follow(fan, star);
        const first = await graph.followers(star, { limit: 3 });
        for (const fan of late) await graph.follow(fan, star);
        const rest = await walk(
          (id, { limit, after }) => graph.followers(id, { limit, after: after ?? first.at(-1) }),
          star,
          2,
        );
        const seen = [...first, ...rest].map((edge) => edge.userId);
        expect(seen).toHaveLength(new Set(seen).size);
        expect([...seen].sort((x, y) => x - y)).toEqual([...early].sort((x, y) => x - y));
        // The late followers are the newest, at the head of a fresh first page.
        const fresh = await graph.followers(star, { limit: late.length });
        expect(fresh.map((edge) => edge.userId).sort((x, y) => x - y)).toEqual(late);
      });

      it("suggests the article's example: Alice's first suggestion is Dave, with strength 2", async () => {
        const [alice, bob, carol, dave] = (await users(4)) as [number, number, number, number];
        await graph.follow(alice, bob);
        await graph.follow(alice, carol);
        await graph.follow(bob, carol);
        await graph.follow(bob, dave);
        await graph.follow(carol, dave);
        expect(await graph.suggestions(alice, 10)).toEqual([{ userId: dave, strength: 2 }]);
      });

      it('never suggests the user, nor whom they follow; ties go by id ascending', async () => {
        const [me, x, y, p, q, r] = (await users(6)) as [number, number, number, number, number, number];
        await graph.follow(me, x);
        await graph.follow(me, y);
        for (const [from, to] of [
          [x, me],
          [y, me],
          [x, y],
          [x, r],
          [x, q],
          [y, q],
          [y, p],
        ] as const) {
          await graph.follow(from, to);
        }
        expect(await graph.suggestions(me, 10)).toEqual([
          { userId: q, strength: 2 },
          { userId: p, strength: 1 },
          { userId: r, strength: 1 },
        ]);
        expect(await graph.suggestions(me, 2)).toEqual([
          { userId: q, strength: 2 },
          { userId: p, strength: 1 },
        ]);
        const [loner] = (await users(1)) as [number];
        expect(await graph.suggestions(loner, 10)).toEqual([]);
      });

      it('finds the accounts two users both follow, by id, at most the limit', async () => {
        const [a, b, ...others] = (await users(7)) as [number, number, ...number[]];
        const [c1, c2, c3, onlyA, onlyB] = others as [number, number, number, number, number];
        for (const target of [c3, c1, onlyA, c2]) await graph.follow(a, target);
        for (const target of [c2, onlyB, c1, c3]) await graph.follow(b, target);
        expect(await graph.commonFollowing(a, b, 10)).toEqual([c1, c2, c3]);
        expect(await graph.commonFollowing(b, a, 2)).toEqual([c1, c2]);
        // Compared with oneself: everything one follows.
        expect(await graph.commonFollowing(a, a, 10)).toEqual([c1, c2, c3, onlyA]);
      });

      it('answers for users the graph has never seen: empty lists, no counts', async () => {
        const [stranger, other] = (await users(2)) as [number, number];
        expect(await graph.followers(stranger, { limit: 5 })).toEqual([]);
        expect(await graph.following(stranger, { limit: 5 })).toEqual([]);
        expect(await graph.counts(stranger)).toEqual({ followers: 0, following: 0 });
        expect(await graph.relationship(stranger, other)).toEqual(noRelation);
        expect(await graph.unfollow(stranger, other)).toBe(false);
      });

      it('agrees with in-process adjacency lists on a generated power-law graph', async () => {
        const generated = generateGraph({ users: 40, averageFollowing: 6, seed: 42 });
        const ids = await users(generated.users);
        const id = (index: number) => ids[index] as number;
        const oracle = new AdjacencyGraph(
          Array.from(generated.followers, id),
          Array.from(generated.followees, id),
        );
        for (let start = 0; start < generated.followers.length; start += 20) {
          const batch = Array.from(generated.followers.subarray(start, start + 20).keys(), (k) => start + k);
          await Promise.all(
            batch.map((e) =>
              graph.follow(id(generated.followers[e] as number), id(generated.followees[e] as number)),
            ),
          );
        }
        for (const user of ids) {
          expect(await graph.suggestions(user, 5), `suggestions of ${user}`).toEqual(
            oracle.suggestions(user, 5),
          );
          const following = oracle.following.get(user) ?? new Int32Array();
          const followers = ids.filter((other) => oracle.following.get(other)?.includes(user));
          expect(await graph.counts(user)).toEqual({
            followers: followers.length,
            following: following.length,
          });
        }
        for (let i = 0; i + 1 < ids.length; i += 7) {
          expect(await graph.commonFollowing(id(i), id(i + 1), 100)).toEqual(
            oracle.commonFollowing(id(i), id(i + 1), 100),
          );
        }
      });

      it('keeps counts exact under a concurrent storm of follows and unfollows', async () => {
        const hot = (await users(3)) as number[];
        const crowd = await users(12);
        const operations = crowd.flatMap((fan, i) =>
          hot.flatMap((star, j) =>
            // Each fan follows, unfollows and follows again, with duplicates, all at once.
            Array.from({ length: 6 }, (_, k) =>
              (i + j + k) % 3 === 2 ? () => graph.unfollow(fan, star) : () => graph.follow(fan, star),
            ),
          ),
        );
        const results = await Promise.all(operations.map((operation) => operation()));
        expect(results.every((changed) => typeof changed === 'boolean')).toBe(true);
        for (const star of hot) {
          const followers = await followersOf(star);
          expect(new Set(followers.map((edge) => edge.userId)).size).toBe(followers.length);
          expect((await graph.counts(star)).followers).toBe(followers.length);
        }
        for (const fan of crowd) {
          const following = await followingOf(fan);
          expect((await graph.counts(fan)).following).toBe(following.length);
        }
        // Concurrent duplicates of one follow create the edge exactly once.
        const [x, y] = (await users(2)) as [number, number];
        const created = await Promise.all(Array.from({ length: 10 }, () => graph.follow(x, y)));
        expect(created.filter(Boolean)).toHaveLength(1);
        const removed = await Promise.all(Array.from({ length: 10 }, () => graph.unfollow(x, y)));
        expect(removed.filter(Boolean)).toHaveLength(1);
        expect(await graph.counts(y)).toEqual({ followers: 0, following: 0 });
      });

      it("erases a user: every follow, block and mute both ways goes, the others' counts follow, and again is a no-op", async () => {
        const [gone, a, b, c] = await users(4);
        await graph.followMany([
          { followerId: gone as number, followeeId: a as number },
          { followerId: a as number, followeeId: gone as number },
          { followerId: b as number, followeeId: gone as number },
          { followerId: b as number, followeeId: c as number },
        ]);
        await graph.block(gone as number, c as number);
        await graph.mute(c as number, gone as number);
        await graph.eraseUser(gone as number);
        await graph.eraseUser(gone as number);
        expect(await graph.blockBetween(gone as number, c as number)).toBe(false);
        expect(await graph.hiddenFrom(c as number, [gone as number], 'blocks_and_mutes')).toEqual([]);
        expect(await followersOf(gone as number)).toEqual([]);
        expect(await followingOf(gone as number)).toEqual([]);
        expect(await graph.counts(a as number)).toEqual({ followers: 0, following: 0 });
        expect(await graph.counts(b as number)).toEqual({ followers: 0, following: 1 });
        expect(await graph.relationship(b as number, gone as number)).toEqual(noRelation);
        expect((await graph.mostFollowed(10, c as number)).map((row) => row.userId)).not.toContain(gone);
      });

      it('blocks: ends the follows both ways with exact counters, idempotently', async () => {
        const [a, b, c] = (await users(3)) as [number, number, number];
        await graph.follow(a, b);
        await graph.follow(b, a);
        await graph.follow(c, b);
        const first = await graph.block(a, b);
        expect(first.created).toBe(true);
        expect(sortEdges(first.unfollowed)).toEqual(
          sortEdges([
            { followerId: a, followeeId: b },
            { followerId: b, followeeId: a },
          ]),
        );
        expect(await graph.block(a, b)).toEqual({ created: false, unfollowed: [] });
        expect(await graph.relationship(a, b)).toEqual({ ...noRelation, blocking: true });
        expect(await graph.relationship(b, a)).toEqual({ ...noRelation, blocked_by: true });
        expect(await graph.counts(a)).toEqual({ followers: 0, following: 0 });
        expect(await graph.counts(b)).toEqual({ followers: 1, following: 0 });
        // Only the pair's follows end: c still follows b.
        expect((await followersOf(b)).map((edge) => edge.userId)).toEqual([c]);
        // Blocking someone who follows neither way ends nothing.
        expect(await graph.block(c, a)).toEqual({ created: true, unfollowed: [] });
      });

      it('refuses follows across a block, either way, until it is removed', async () => {
        const [a, b, c] = (await users(3)) as [number, number, number];
        await graph.block(a, b);
        expect(await graph.follow(a, b)).toBe(false);
        expect(await graph.follow(b, a)).toBe(false);
        expect(
          await graph.followMany([
            { followerId: b, followeeId: a },
            { followerId: c, followeeId: a },
            { followerId: a, followeeId: b },
          ]),
        ).toEqual([{ followerId: c, followeeId: a }]);
        expect(await graph.counts(a)).toEqual({ followers: 1, following: 0 });
        expect(await graph.counts(b)).toEqual({ followers: 0, following: 0 });
        // Only the blocker may lift a block; the follows it ended do not come back.
        expect(await graph.unblock(b, a)).toBe(false);
        expect(await graph.blockBetween(a, b)).toBe(true);
        expect(await graph.unblock(a, b)).toBe(true);
        expect(await graph.unblock(a, b)).toBe(false);
        expect(await graph.relationship(a, b)).toEqual(noRelation);
        expect(await graph.follow(b, a)).toBe(true);
        expect(await graph.counts(a)).toEqual({ followers: 2, following: 0 });
      });

      it('tells whether a block exists between two users, in either direction', async () => {
        const [a, b, c] = (await users(3)) as [number, number, number];
        expect(await graph.blockBetween(a, b)).toBe(false);
        await graph.block(b, a);
        expect(await graph.blockBetween(a, b)).toBe(true);
        expect(await graph.blockBetween(b, a)).toBe(true);
        expect(await graph.blockBetween(a, c)).toBe(false);
        // Two blocks of one pair, one each way: lifting one leaves the other.
        await graph.block(a, b);
        await graph.unblock(b, a);
        expect(await graph.blockBetween(b, a)).toBe(true);
      });

      it('mutes and unmutes idempotently, leaving follows and blocks alone', async () => {
        const [a, b] = (await users(2)) as [number, number];
        await graph.follow(a, b);
        expect(await graph.mute(a, b)).toBe(true);
        expect(await graph.mute(a, b)).toBe(false);
        expect(await graph.relationship(a, b)).toEqual({ ...noRelation, following: true, muting: true });
        // The muted one is not told.
        expect(await graph.relationship(b, a)).toEqual({ ...noRelation, followed_by: true });
        expect(await graph.blockBetween(a, b)).toBe(false);
        expect(await graph.unmute(b, a)).toBe(false);
        expect(await graph.unmute(a, b)).toBe(true);
        expect(await graph.unmute(a, b)).toBe(false);
        expect(await graph.mutes(a, { limit: 5 })).toEqual([]);
      });

      it('lists blocks and mutes newest first, in keyset pages, each user their own', async () => {
        const [me, other, ...targets] = (await users(9)) as [number, number, ...number[]];
        for (const target of targets) {
          await graph.block(me, target);
          await graph.mute(me, target);
          await sleep(2);
        }
        await graph.block(other, me);
        await graph.mute(other, targets[0] as number);
        const newestFirst = [...targets].reverse();
        for (const list of ['blocks', 'mutes'] as const) {
          const all = await walk((user, page) => graph[list](user, page), me, 3);
          expect(
            all.map((edge) => edge.userId),
            list,
          ).toEqual(newestFirst);
          for (const [i, edge] of all.entries()) {
            expect(Number.isSafeInteger(edge.at)).toBe(true);
            if (i > 0) expect(edge.at).toBeLessThanOrEqual((all[i - 1] as Edge).at);
          }
        }
        await graph.unblock(me, targets[2] as number);
        expect(
          (await walk((user, page) => graph.blocks(user, page), me, 4)).map((edge) => edge.userId),
        ).toEqual(newestFirst.filter((id) => id !== targets[2]));
        expect((await graph.blocks(other, { limit: 5 })).map((edge) => edge.userId)).toEqual([me]);
      });

      it('says which of many users are hidden from a viewer: blocks both ways, mutes only when asked', async () => {
        const [viewer, blockedByViewer, blockingViewer, muted, plain, stranger] = (await users(6)) as [
          number,
          number,
          number,
          number,
          number,
          number,
        ];
        await graph.block(viewer, blockedByViewer);
        await graph.block(blockingViewer, viewer);
        await graph.mute(viewer, muted);
        // Someone else's mute and block hide nothing from this viewer.
        await graph.mute(muted, viewer);
        await graph.block(plain, stranger);
        const asked = [plain, muted, blockingViewer, blockedByViewer, stranger, muted];
        expect(await graph.hiddenFrom(viewer, asked, 'blocks')).toEqual([blockedByViewer, blockingViewer]);
        expect(await graph.hiddenFrom(viewer, asked, 'blocks_and_mutes')).toEqual(
          [blockedByViewer, blockingViewer, muted].sort((x, y) => x - y),
        );
        expect(await graph.hiddenFrom(viewer, [], 'blocks_and_mutes')).toEqual([]);
        expect(await graph.hiddenFrom(stranger, asked, 'blocks_and_mutes')).toEqual([plain]);
        const [newcomer] = (await users(1)) as [number];
        expect(await graph.hiddenFrom(newcomer, asked, 'blocks_and_mutes')).toEqual([]);
        // Everyone hidden, as the viewer's cached rules hold them: the same people, none asked for.
        const everyone = async (userId: number, scope: 'blocks' | 'blocks_and_mutes', limit = 100) =>
          (await graph.allHiddenFrom(userId, scope, limit)).sort((x, y) => x - y);
        expect(await everyone(viewer, 'blocks')).toEqual([blockedByViewer, blockingViewer]);
        expect(await everyone(viewer, 'blocks_and_mutes')).toEqual(
          [blockedByViewer, blockingViewer, muted].sort((x, y) => x - y),
        );
        expect(await everyone(muted, 'blocks_and_mutes')).toEqual([viewer]);
        expect(await everyone(newcomer, 'blocks_and_mutes')).toEqual([]);
        expect(await graph.allHiddenFrom(viewer, 'blocks_and_mutes', 2)).toHaveLength(2);
        await graph.unblock(viewer, blockedByViewer);
        await graph.unmute(viewer, muted);
        expect(await graph.hiddenFrom(viewer, asked, 'blocks_and_mutes')).toEqual([blockingViewer]);
        expect(await everyone(viewer, 'blocks_and_mutes')).toEqual([blockingViewer]);
      });

      it('never lets a follow and a block of one pair both win under concurrency', async () => {
        for (let round = 0; round < 8; round++) {
          const [a, b, fan] = (await users(3)) as [number, number, number];
          await graph.follow(fan, a);
          const results = await Promise.all([
            graph.follow(a, b),
            graph.follow(b, a),
            graph.block(round % 2 ? a : b, round % 2 ? b : a),
            graph.follow(a, b),
            graph.followMany([{ followerId: b, followeeId: a }]),
          ]);
          expect(results.length).toBe(5);
          expect(await graph.relationship(a, b)).toMatchObject({ following: false, followed_by: false });
          expect(await graph.counts(a)).toEqual({ followers: 1, following: 0 });
          expect(await graph.counts(b)).toEqual({ followers: 0, following: 0 });
        }
      });

      it('answers a ping', async () => {
        await expect(graph.ping()).resolves.toBeUndefined();
      });

      describe('on a graph of its own', () => {
        let own: GraphHarness;
        beforeAll(async () => {
          own = await open();
        });
        afterAll(() => own?.close());

        it('ranks the most-followed users, most first, ties by id, leaving one out', async () => {
          const [a, b, c, d, e] = (await own.newUsers(5)) as [number, number, number, number, number];
          for (const [from, to] of [
            [a, c],
            [b, c],
            [d, c],
            [a, b],
            [c, b],
            [c, d],
            [e, a],
          ] as const) {
            await own.graph.follow(from, to);
          }
          expect(await own.graph.mostFollowed(10, e)).toEqual([
            { userId: c, followers: 3 },
            { userId: b, followers: 2 },
            { userId: a, followers: 1 },
            { userId: d, followers: 1 },
          ]);
          expect(await own.graph.mostFollowed(2, c)).toEqual([
            { userId: b, followers: 2 },
            { userId: a, followers: 1 },
          ]);
        });
      });
    },
  );
}
