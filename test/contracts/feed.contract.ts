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

      it('keeps each timeline to its cap, dropping the oldest', async () => {
        const user = newUser();
        const all = entries(harness.size + 3);
        await timelines.rebuildTimeline(user, all.slice(0, harness.size + 1));
        expect(await timelines.readTimeline(user, { limit: 1000 })).toHaveLength(harness.size);
        for (const entry of all.slice(harness.size + 1)) await timelines.pushToTimelines(entry, [user]);
        const kept = await timelines.readTimeline(user, { limit: 1000 });
        expect(ids(kept)).toEqual(ids(newestFirst(all).slice(0, harness.size)));
      });

      it('fans out to many timelines in batches', async () => {
        const users = Array.from({ length: 1200 }, newUser);
        for (const user of users) await timelines.rebuildTimeline(user, []);
        const post = { postId: v7(), at: 1_800_000_000_000 };
        await timelines.pushToTimelines(post, users);
        const first = await timelines.readTimeline(users[0] as number, { limit: 5 });
        const last = await timelines.readTimeline(users.at(-1) as number, { limit: 5 });
        expect(ids(first)).toEqual([post.postId]);
        expect(ids(last)).toEqual([post.postId]);
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
