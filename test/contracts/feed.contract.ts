// The timeline port's contract (home feeds in the cache role), for memory and Redis alike.
import { v7 } from 'uuid';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { TimelineEntry, TimelinePort } from '../../src/feed/feed.port.ts';

export interface TimelineHarness {
  timelines: TimelinePort;
  /** The cap the adapter was built with (small, so that the test can pass it). */
  size: number;
  close(): Promise<void>;
}

let nextUser = 1000;
const newUser = () => nextUser++;
/** Entries at distinct times, oldest first. */
const entries = (count: number, from = 1_700_000_000_000): TimelineEntry[] =>
  Array.from({ length: count }, (_, i) => ({ postId: v7(), at: from + i * 1000 }));
const ids = (list: TimelineEntry[] | null) => list?.map((entry) => entry.postId);
const newestFirst = (list: TimelineEntry[]) => [...list].reverse();

export function timelineContract(name: string, open: () => Promise<TimelineHarness>, skipReason?: string) {
  describe.skipIf(skipReason !== undefined)(
    `timeline contract on ${name}${skipReason ? ` [SKIPPED: ${skipReason}]` : ''}`,
    () => {
      let harness: TimelineHarness;
      let timelines: TimelinePort;
      beforeAll(async () => {
        harness = await open();
        timelines = harness.timelines;
      });
      afterAll(() => harness?.close());

      it('has no timeline until one is built; an empty one exists and reads empty', async () => {
        const user = newUser();
        expect(await timelines.hasTimeline(user)).toBe(false);
        expect(await timelines.readTimeline(user, { limit: 10 })).toBeNull();
        await timelines.rebuildTimeline(user, []);
        expect(await timelines.hasTimeline(user)).toBe(true);
        expect(await timelines.readTimeline(user, { limit: 10 })).toEqual([]);
      });

      it('reads newest first in keyset pages that continue strictly after the cursor', async () => {
        const user = newUser();
        const all = entries(7);
        await timelines.rebuildTimeline(user, all);
        const first = await timelines.readTimeline(user, { limit: 3 });
        expect(ids(first)).toEqual(ids(newestFirst(all).slice(0, 3)));
        const second = await timelines.readTimeline(user, { limit: 3, after: first?.at(-1) });
        expect(ids(second)).toEqual(ids(newestFirst(all).slice(3, 6)));
        expect(second?.[0]?.at).toBe(all[3]?.at);
        const last = await timelines.readTimeline(user, { limit: 3, after: second?.at(-1) });
        expect(ids(last)).toEqual([all[0]?.postId]);
      });

      it('orders entries of the same millisecond by post id, and pages through them without gaps', async () => {
        const user = newUser();
        const at = 1_700_000_500_000;
        const tied = Array.from({ length: 5 }, () => ({ postId: v7(), at }));
        await timelines.rebuildTimeline(user, [
          ...entries(2, at - 10_000),
          ...tied,
          ...entries(2, at + 10_000),
        ]);
        const seen: string[] = [];
        let after: TimelineEntry | undefined;
        for (;;) {
          const page = (await timelines.readTimeline(user, { limit: 2, after })) ?? [];
          seen.push(...(ids(page) ?? []));
          if (page.length < 2) break;
          after = page.at(-1);
        }
        expect(seen).toHaveLength(9);
        expect(new Set(seen).size).toBe(9);
        const tiedOrder = seen.filter((id) => tied.some((entry) => entry.postId === id));
        expect(tiedOrder).toEqual(
          tied
            .map((entry) => entry.postId)
            .sort()
            .reverse(),
        );
      });

      it('pushes only to timelines that exist, once per post, and removes again', async () => {
        const [built, missing] = [newUser(), newUser()];
        const old = entries(2);
        await timelines.rebuildTimeline(built, old);
        const post = { postId: v7(), at: 1_800_000_000_000 };
        await timelines.pushToTimelines(post, [built, missing]);
        await timelines.pushToTimelines(post, [built, missing]);
        expect(ids(await timelines.readTimeline(built, { limit: 10 }))).toEqual([
          post.postId,
          ...(ids(newestFirst(old)) ?? []),
        ]);
        // A missing timeline stays missing: it is rebuilt whole, never started with one entry.
        expect(await timelines.hasTimeline(missing)).toBe(false);
        await timelines.removeFromTimelines(post, [built, missing]);
        expect(ids(await timelines.readTimeline(built, { limit: 10 }))).toEqual(ids(newestFirst(old)));
      });

      it("removes many posts from one user's timeline, idempotently, leaving others' alone", async () => {
        const [reader, other, missing] = [newUser(), newUser(), newUser()];
        const all = entries(6);
        await timelines.rebuildTimeline(reader, all);
        await timelines.rebuildTimeline(other, all);
        const gone = [all[1], all[4], all[5]].map((entry) => (entry as TimelineEntry).postId);
        await timelines.removePostsFromTimeline(reader, [...gone, v7()]);
        await timelines.removePostsFromTimeline(reader, gone);
        await timelines.removePostsFromTimeline(missing, gone);
        await timelines.removePostsFromTimeline(reader, []);
        expect(ids(await timelines.readTimeline(reader, { limit: 10 }))).toEqual(
          (ids(newestFirst(all)) ?? []).filter((id) => !gone.includes(id)),
        );
        expect(ids(await timelines.readTimeline(other, { limit: 10 }))).toEqual(ids(newestFirst(all)));
        expect(await timelines.hasTimeline(missing)).toBe(false);
      });

      it('holds a repost as an entry of the original that names the reposter', async () => {
        const user = newUser();
        const old = entries(2);
        await timelines.rebuildTimeline(user, old);
        const repost = { postId: v7(), at: 1_800_000_000_000, repostedBy: 7 };
        await timelines.pushToTimelines(repost, [user]);
        await timelines.pushToTimelines(repost, [user]);
        expect(await timelines.readTimeline(user, { limit: 10 })).toEqual([repost, ...newestFirst(old)]);
        // Pages continue after a repost entry as after any other.
        const next = await timelines.readTimeline(user, { limit: 10, after: repost });
        expect(next).toEqual(newestFirst(old));
      });

      it('keeps each post once: whichever entry of it came first stays', async () => {
        const user = newUser();
        await timelines.rebuildTimeline(user, []);
        const original = { postId: v7(), at: 1_800_000_000_000 };
        const reposted = { postId: v7(), at: 1_800_000_001_000 };
        await timelines.pushToTimelines(original, [user]);
        // A repost of a post already here, and a second followee's repost, add nothing.
        await timelines.pushToTimelines({ ...original, at: 1_800_000_005_000, repostedBy: 7 }, [user]);
        await timelines.pushToTimelines({ ...reposted, repostedBy: 7 }, [user]);
        await timelines.pushToTimelines({ ...reposted, at: 1_800_000_006_000, repostedBy: 8 }, [user]);
        // The original arriving after its repost (a late fan-out) adds nothing either.
        await timelines.pushToTimelines({ postId: reposted.postId, at: 1_799_000_000_000 }, [user]);
        expect(await timelines.readTimeline(user, { limit: 10 })).toEqual([
          { ...reposted, repostedBy: 7 },
          original,
        ]);
      });

      it('removes a post whichever entry of it is there', async () => {
        const user = newUser();
        await timelines.rebuildTimeline(user, []);
        const [one, two] = [
          { postId: v7(), at: 1_800_000_000_000, repostedBy: 7 },
          { postId: v7(), at: 1_800_000_001_000 },
        ];
        await timelines.pushToTimelines(one, [user]);
        await timelines.pushToTimelines(two, [user]);
        await timelines.removeFromTimelines({ postId: one.postId, at: 0 }, [user]);
        await timelines.removeFromTimelines(two, [user]);
        expect(await timelines.readTimeline(user, { limit: 10 })).toEqual([]);
        // Gone means gone: the post can come again, as anything.
        await timelines.pushToTimelines({ postId: one.postId, at: one.at }, [user]);
        expect(await timelines.readTimeline(user, { limit: 10 })).toEqual([
          { postId: one.postId, at: one.at },
        ]);
      });

      it("drops only the timelines showing the post as the withdrawn reposter's", async () => {
        const [byThem, byOther, asItself, without] = [newUser(), newUser(), newUser(), newUser()];
        const post = v7();
        for (const user of [byThem, byOther, asItself, without]) await timelines.rebuildTimeline(user, []);
        await timelines.pushToTimelines({ postId: post, at: 1_800_000_000_000, repostedBy: 7 }, [byThem]);
        await timelines.pushToTimelines({ postId: post, at: 1_800_000_000_000, repostedBy: 8 }, [byOther]);
        await timelines.pushToTimelines({ postId: post, at: 1_700_000_000_000 }, [asItself]);
        await timelines.withdrawRepost({ postId: post, repostedBy: 7 }, [byThem, byOther, asItself, without]);
        await timelines.withdrawRepost({ postId: post, repostedBy: 7 }, [byThem, newUser()]);
        expect(await timelines.hasTimeline(byThem)).toBe(false);
        expect(ids(await timelines.readTimeline(byOther, { limit: 10 }))).toEqual([post]);
        expect(ids(await timelines.readTimeline(asItself, { limit: 10 }))).toEqual([post]);
        expect(await timelines.readTimeline(without, { limit: 10 })).toEqual([]);
      });

      it('rebuilds with one entry per post, the earliest, reposts named', async () => {
        const user = newUser();
        const [a, b, c] = [v7(), v7(), v7()];
        await timelines.rebuildTimeline(user, [
          { postId: a, at: 1_700_000_003_000, repostedBy: 8 },
          { postId: a, at: 1_700_000_001_000, repostedBy: 7 },
          { postId: b, at: 1_700_000_004_000, repostedBy: 7 },
          { postId: b, at: 1_700_000_000_000 },
          { postId: c, at: 1_700_000_002_000 },
        ]);
        expect(await timelines.readTimeline(user, { limit: 10 })).toEqual([
          { postId: c, at: 1_700_000_002_000 },
          { postId: a, at: 1_700_000_001_000, repostedBy: 7 },
          { postId: b, at: 1_700_000_000_000 },
        ]);
        // Once per post holds for entries pushed after the rebuild too.
        await timelines.pushToTimelines({ postId: a, at: 1_800_000_000_000 }, [user]);
        expect(await timelines.readTimeline(user, { limit: 1 })).toEqual([
          { postId: c, at: 1_700_000_002_000 },
        ]);
      });

      it('forgets a repost trimmed past the cap, so the post may come again', async () => {
        const user = newUser();
        const repost = { postId: v7(), at: 1_600_000_000_000, repostedBy: 7 };
        await timelines.rebuildTimeline(user, [repost, ...entries(harness.size - 1)]);
        await timelines.pushToTimelines(entries(1, 1_800_000_000_000)[0] as TimelineEntry, [user]);
        const kept = (await timelines.readTimeline(user, { limit: 1000 })) ?? [];
        expect(kept).toHaveLength(harness.size);
        expect(ids(kept)).not.toContain(repost.postId);
        const again = { postId: repost.postId, at: 1_900_000_000_000, repostedBy: 8 };
        await timelines.pushToTimelines(again, [user]);
        expect((await timelines.readTimeline(user, { limit: 1 }))?.[0]).toEqual(again);
      });

      it('keeps each timeline to its cap, dropping the oldest', async () => {
        const user = newUser();
        const all = entries(harness.size + 3);
        await timelines.rebuildTimeline(user, all.slice(0, harness.size + 1));
        expect(await timelines.readTimeline(user, { limit: 1000 })).toHaveLength(harness.size);
        for (const entry of all.slice(harness.size + 1)) await timelines.pushToTimelines(entry, [user]);
        const kept = await timelines.readTimeline(user, { limit: 1000 });
        expect(ids(kept)).toEqual(ids(newestFirst(all).slice(0, harness.size)));
      });

      it('fans out to many timelines in batches, across many hash slots, each timeline on its own terms', async () => {
        const users = Array.from({ length: 1200 }, newUser);
        // Every third timeline is missing; every fifth shows the post already, as a repost.
        const built = users.filter((_, i) => i % 3 !== 0);
        const reposted = built.filter((_, i) => i % 5 === 0);
        for (const user of built) await timelines.rebuildTimeline(user, []);
        const post = { postId: v7(), at: 1_800_000_000_000 };
        const repost = { ...post, at: 1_799_000_000_000, repostedBy: 7 };
        await timelines.pushToTimelines(repost, reposted);
        await timelines.pushToTimelines(post, users);
        await timelines.pushToTimelines(post, users);
        const shown = await Promise.all(users.map((user) => timelines.readTimeline(user, { limit: 5 })));
        expect(shown).toEqual(
          users.map((user, i) => (i % 3 === 0 ? null : reposted.includes(user) ? [repost] : [post])),
        );
      });

      it('shows at most the cap while a timeline grows past it, the newest entries', async () => {
        const user = newUser();
        const all = entries(harness.size * 2);
        await timelines.rebuildTimeline(user, []);
        for (const [i, entry] of all.entries()) {
          await timelines.pushToTimelines(entry, [user]);
          const kept = await timelines.readTimeline(user, { limit: 1000 });
          expect(ids(kept)).toEqual(ids(newestFirst(all.slice(0, i + 1)).slice(0, harness.size)));
        }
        // Paging from the last entry shown reaches nothing beyond the cap.
        const last = newestFirst(all)[harness.size - 1];
        expect(await timelines.readTimeline(user, { limit: 10, after: last })).toEqual([]);
      });

      it('lets a post whose entry lies past the cap, not yet trimmed, come again', async () => {
        const user = newUser();
        const repost = { postId: v7(), at: 1_600_000_000_000, repostedBy: 7 };
        await timelines.rebuildTimeline(user, [repost, ...entries(harness.size - 1)]);
        // One newer entry pushes the repost just past the cap: it is not shown, and not in the way.
        await timelines.pushToTimelines(entries(1, 1_800_000_000_000)[0] as TimelineEntry, [user]);
        expect(ids(await timelines.readTimeline(user, { limit: 1000 }))).not.toContain(repost.postId);
        const again = { postId: repost.postId, at: 1_900_000_000_000 };
        await timelines.pushToTimelines(again, [user]);
        const kept = (await timelines.readTimeline(user, { limit: 1000 })) ?? [];
        expect(kept[0]).toEqual(again);
        expect(kept).toHaveLength(harness.size);
        expect(kept.filter((entry) => entry.postId === repost.postId)).toHaveLength(1);
      });

      it('rebuilds by replacing, and drops a timeline', async () => {
        const user = newUser();
        await timelines.rebuildTimeline(user, entries(3));
        const fresh = entries(2, 1_750_000_000_000);
        await timelines.rebuildTimeline(user, fresh);
        expect(ids(await timelines.readTimeline(user, { limit: 10 }))).toEqual(ids(newestFirst(fresh)));
        const other = newUser();
        await timelines.rebuildTimeline(other, []);
        await timelines.dropTimelines([user, other, newUser()]);
        expect(await timelines.hasTimeline(user)).toBe(false);
        expect(await timelines.hasTimeline(other)).toBe(false);
        expect(await timelines.readTimeline(user, { limit: 10 })).toBeNull();
      });
    },
  );
}
