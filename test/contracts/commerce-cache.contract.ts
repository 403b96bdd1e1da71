// The contract of the commerce role's cache-role port, the sellers' leaderboard, for the
// in-process cache and Redis alike.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { LeaderboardPort } from '../../src/commerce/leaderboard.port.ts';

export interface CommerceCacheHarness {
  leaderboard: LeaderboardPort;
  /** Loses everything cached, as a Redis FLUSHALL or a restart of the process would. */
  flush(): Promise<void>;
  close(): Promise<void>;
}

export function commerceCacheContract(
  name: string,
  open: () => Promise<CommerceCacheHarness>,
  skipReason?: string,
) {
  describe.skipIf(skipReason !== undefined)(
    `leaderboard contract on ${name}${skipReason ? ` [SKIPPED: ${skipReason}]` : ''}`,
    () => {
      let harness: CommerceCacheHarness;
      // Read through the harness each time: a flush may give it new adapters.
      let leaderboard: LeaderboardPort;
      const flush = async () => {
        await harness.flush();
        ({ leaderboard } = harness);
      };
      beforeAll(async () => {
        harness = await open();
        ({ leaderboard } = harness);
      });
      afterAll(() => harness?.close());

      describe('leaderboard', () => {
        it('is missing until replaced, ranks by revenue, and ties go to the larger id', async () => {
          await flush();
          expect(await leaderboard.top(10)).toBeNull();
          await leaderboard.addRevenue([{ userId: 1, revenueCents: 100 }]);
          expect(await leaderboard.top(10)).toBeNull();
          await leaderboard.replace([
            { userId: 9, revenueCents: 500 },
            { userId: 10, revenueCents: 500 },
            { userId: 2, revenueCents: 700 },
          ]);
          expect(await leaderboard.top(10)).toEqual([
            { userId: 2, revenueCents: 700 },
            { userId: 10, revenueCents: 500 },
            { userId: 9, revenueCents: 500 },
          ]);
          await leaderboard.addRevenue([
            { userId: 9, revenueCents: 250 },
            { userId: 11, revenueCents: 1 },
          ]);
          expect(await leaderboard.top(2)).toEqual([
            { userId: 9, revenueCents: 750 },
            { userId: 2, revenueCents: 700 },
          ]);
        });

        it('replaces the whole board', async () => {
          await leaderboard.replace([{ userId: 3, revenueCents: 1 }]);
          expect(await leaderboard.top(10)).toEqual([{ userId: 3, revenueCents: 1 }]);
          await flush();
          expect(await leaderboard.top(10)).toBeNull();
        });
      });

      it('takes a seller off the board, and again is a no-op', async () => {
        await flush();
        await leaderboard.removeSeller(5);
        await leaderboard.replace([
          { userId: 5, revenueCents: 900 },
          { userId: 6, revenueCents: 100 },
        ]);
        await leaderboard.removeSeller(5);
        await leaderboard.removeSeller(5);
        expect(await leaderboard.top(10)).toEqual([{ userId: 6, revenueCents: 100 }]);
      });

      it('answers a ping', async () => {
        await expect(leaderboard.ping()).resolves.toBeUndefined();
      });
    },
  );
}
