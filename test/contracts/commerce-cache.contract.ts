// The contracts of the commerce role's two cache-role ports, the live cart and the sellers'
// leaderboard, for the in-process cache and Redis alike.
import { v7 } from 'uuid';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { CartCachePort } from '../../src/commerce/cart.port.ts';
import type { LeaderboardPort } from '../../src/commerce/leaderboard.port.ts';

export interface CommerceCacheHarness {
  carts: CartCachePort;
  leaderboard: LeaderboardPort;
  /** Loses everything cached, as a Redis FLUSHALL or a restart of the process would. */
  flush(): Promise<void>;
  close(): Promise<void>;
}

let user = 0;
const byId = <Line extends { product_id: string }>(lines: Line[]) =>
  [...lines].sort((a, b) => (a.product_id < b.product_id ? -1 : 1));

export function commerceCacheContract(
  name: string,
  open: () => Promise<CommerceCacheHarness>,
  skipReason?: string,
) {
  describe.skipIf(skipReason !== undefined)(
    `cart and leaderboard contracts on ${name}${skipReason ? ` [SKIPPED: ${skipReason}]` : ''}`,
    () => {
      let harness: CommerceCacheHarness;
      // Read through the harness each time: a flush may give it new adapters.
      let carts: CartCachePort;
      let leaderboard: LeaderboardPort;
      const flush = async () => {
        await harness.flush();
        ({ carts, leaderboard } = harness);
      };
      beforeAll(async () => {
        harness = await open();
        ({ carts, leaderboard } = harness);
      });
      afterAll(() => harness?.close());

      describe('cart', () => {
        it('holds no cart until one is filled, then writes need no fill', async () => {
          const id = ++user;
          expect(await carts.load(id)).toBeNull();
          expect(await carts.setQuantity(id, v7(), 1)).toBeNull();
          expect(await carts.load(id)).toBeNull();
          expect(await carts.fill(id, { version: 0, lines: [] })).toEqual({ version: 0, lines: [] });
          const [a, b] = [v7(), v7()];
          const first = await carts.setQuantity(id, a, 2);
          const second = await carts.setQuantity(id, b, 1);
          expect(second?.lines).toEqual(
            byId([
              { product_id: a, quantity: 2 },
              { product_id: b, quantity: 1 },
            ]),
          );
          expect(second?.version).toBeGreaterThan(first?.version ?? Number.MAX_SAFE_INTEGER);
          const removed = await carts.setQuantity(id, a, 0);
          expect(removed?.lines).toEqual([{ product_id: b, quantity: 1 }]);
          expect(await carts.load(id)).toEqual(removed);
        });

        it('fills only a cart that is not cached: a newer cached cart wins', async () => {
          const id = ++user;
          const product = v7();
          await carts.fill(id, { version: 3, lines: [{ product_id: product, quantity: 4 }] });
          expect(await carts.load(id)).toEqual({ version: 3, lines: [{ product_id: product, quantity: 4 }] });
          const changed = await carts.setQuantity(id, product, 5);
          expect(await carts.fill(id, { version: 3, lines: [] })).toEqual(changed);
        });

        it('gives versions above the clock, so a cart refilled after a flush outranks older changes', async () => {
          const id = ++user;
          await carts.fill(id, { version: 1, lines: [] });
          const before = await carts.setQuantity(id, v7(), 1);
          await flush();
          expect(await carts.load(id)).toBeNull();
          await carts.fill(id, { version: 1, lines: [] });
          const after = await carts.setQuantity(id, v7(), 1);
          expect(before?.version).toBeGreaterThan(Date.now() * 1000 - 60_000_000);
          expect(after?.version).toBeGreaterThan(before?.version ?? Number.MAX_SAFE_INTEGER);
        });

        it('empties a cart with a new version, cached or not', async () => {
          const id = ++user;
          const filled = await carts.fill(id, { version: 7, lines: [{ product_id: v7(), quantity: 1 }] });
          const cleared = await carts.clear(id);
          expect(cleared.lines).toEqual([]);
          expect(cleared.version).toBeGreaterThan(filled.version);
          expect(await carts.load(id)).toEqual(cleared);
          expect((await carts.clear(++user)).lines).toEqual([]);
        });

        it('loses no change among concurrent writers of one cart', async () => {
          const id = ++user;
          await carts.fill(id, { version: 0, lines: [] });
          const products = Array.from({ length: 20 }, () => v7());
          const results = await Promise.all(products.map((p, i) => carts.setQuantity(id, p, i + 1)));
          const versions = results.map((r) => r?.version);
          expect(new Set(versions).size).toBe(20);
          expect((await carts.load(id))?.lines).toEqual(
            byId(products.map((product_id, i) => ({ product_id, quantity: i + 1 }))),
          );
        });
      });

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

      it('answers a ping', async () => {
        await expect(carts.ping()).resolves.toBeUndefined();
        await expect(leaderboard.ping()).resolves.toBeUndefined();
      });
    },
  );
}
