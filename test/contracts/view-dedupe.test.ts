// The contract of view deduplication (the cache role's port for analytics), for the
// in-process map and Redis alike: one count per viewer and post within the window, and a
// deleted viewer forgotten.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createMemoryViewDedupe } from '../../src/analytics/view-dedupe.memory.ts';
import type { ViewDedupePort } from '../../src/analytics/view-dedupe.port.ts';
import { createRedisViewDedupe } from '../../src/analytics/view-dedupe.redis.ts';
import { freshRedis } from '../support/stores.ts';
import { servers } from '../support/targets.ts';

interface ViewDedupeHarness {
  views: ViewDedupePort;
  close(): Promise<void>;
}

function viewDedupeContract(name: string, open: () => Promise<ViewDedupeHarness>, skipReason?: string) {
  describe.skipIf(skipReason !== undefined)(
    `view deduplication contract on ${name}${skipReason ? ` [SKIPPED: ${skipReason}]` : ''}`,
    () => {
      let harness: ViewDedupeHarness;
      beforeAll(async () => {
        harness = await open();
      });
      afterAll(() => harness?.close());

      it('counts the first view of a post by a viewer within the window only', async () => {
        expect(await harness.views.firstView(1, 'post-a', 60)).toBe(true);
        expect(await harness.views.firstView(1, 'post-a', 60)).toBe(false);
        expect(await harness.views.firstView(2, 'post-a', 60)).toBe(true);
        expect(await harness.views.firstView(1, 'post-b', 60)).toBe(true);
      });

      it("forgets one viewer's views, and only theirs", async () => {
        await harness.views.firstView(7, 'post-a', 60);
        await harness.views.firstView(7, 'post-b', 60);
        await harness.views.firstView(77, 'post-a', 60);
        await harness.views.forgetViewer(7);
        await harness.views.forgetViewer(7);
        expect(await harness.views.firstView(7, 'post-a', 60)).toBe(true);
        expect(await harness.views.firstView(7, 'post-b', 60)).toBe(true);
        expect(await harness.views.firstView(77, 'post-a', 60)).toBe(false);
      });
    },
  );
}

viewDedupeContract('memory (embedded)', async () => ({
  views: createMemoryViewDedupe(),
  close: async () => {},
}));

viewDedupeContract(
  'Redis (server)',
  async () => {
    const { redis, prefix, close } = await freshRedis();
    return { views: createRedisViewDedupe(redis, prefix), close };
  },
  servers.redis.skipReason,
);
