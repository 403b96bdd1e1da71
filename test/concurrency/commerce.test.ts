// The correctness claims under concurrency, against the real PostgreSQL with many
// concurrent clients (PGlite serialises everything, so it would prove nothing): no oversell,
// money conserved to the cent, never a negative balance, a consistent snapshot for a reader
// during the storm (Jepsen's bank test), one booking per seat, and books that balance.
import { v7 } from 'uuid';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { CommercePort, Product } from '../../src/commerce/commerce.port.ts';
import { createPostgresCommerce } from '../../src/commerce/commerce.postgres.ts';
import { openPostgres } from '../../src/engines/postgres.ts';
import type { SqlDatabase } from '../../src/engines/sql.ts';
import { accountMaker } from '../contracts/commerce.contract.ts';
import { freshDatabaseUrl } from '../support/stores.ts';
import { servers, titled } from '../support/targets.ts';

// Connections the storms run on: "many concurrent clients", within the server's 100 slots
// that other test files share.
const POOL_SIZE = 24;

/** Runs `count` operations with at most `concurrency` in flight. */
async function storm(count: number, concurrency: number, operation: (i: number) => Promise<void>) {
  let next = 0;
  await Promise.all(
    Array.from({ length: concurrency }, async () => {
      while (next < count) await operation(next++);
    }),
  );
}

describe.skipIf(servers.postgres.skipReason !== undefined)(
  titled('commerce under concurrency on the real PostgreSQL', servers.postgres),
  () => {
    let db: SqlDatabase;
    let commerce: CommercePort;
    let newUsers: (count: number) => Promise<number[]>;

    beforeAll(async () => {
      db = openPostgres({ url: await freshDatabaseUrl(), max: POOL_SIZE });
      commerce = createPostgresCommerce(db);
      const newUser = await accountMaker(db);
      newUsers = (count) => Promise.all(Array.from({ length: count }, newUser));
    });
    afterAll(() => db?.close());

    const fund = (userIds: number[], cents: number) =>
      Promise.all(userIds.map((userId) => commerce.deposit(v7(), userId, cents)));
    const sumOf = (balances: Map<number, number>) => [...balances.values()].reduce((a, b) => a + b, 0);

    it('sells exactly the stock to 200 concurrent buyers of 10 items, balances right to the cent', async () => {
      const [seller] = await newUsers(1);
      const buyers = await newUsers(200);
      await fund(buyers, 1000);
      const product = await commerce.createProduct({
        id: v7(),
        sellerId: seller as number,
        name: 'Last ten',
        priceCents: 333,
        stock: 10,
      });
      const results = await Promise.all(
        buyers.map((buyerId) =>
          commerce.placeOrder({
            id: v7(),
            buyerId,
            lines: [{ product_id: product.id, quantity: 1, expected_unit_price_cents: 333 }],
            idempotencyKey: 'buy',
          }),
        ),
      );
      const sold = results.filter((r) => r.ok);
      expect(sold).toHaveLength(10);
      expect(results.filter((r) => !r.ok && r.reason === 'out_of_stock')).toHaveLength(190);
      expect((await commerce.product(product.id))?.stock).toBe(0);
      const balances = await commerce.balances([seller as number, ...buyers]);
      expect(balances.get(seller as number)).toBe(3330);
      const winners = new Set(sold.map((r) => (r.ok ? r.order.buyer_id : 0)));
      for (const buyerId of buyers) expect(balances.get(buyerId)).toBe(winners.has(buyerId) ? 667 : 1000);
      expect(sumOf(balances)).toBe(200 * 1000);
      expect((await commerce.sellerRevenue()).find((r) => r.userId === seller)?.revenueCents).toBe(3330);
    }, 120_000);

    it('conserves money over 10,000 random concurrent transfers among 50 wallets, as a snapshot reader sees it', async () => {
      const wallets = await newUsers(50);
      const start = 10_000;
      await fund(wallets, start);
      const total = wallets.length * start;
      let running = true;
      const snapshots: Array<{ sum: number; min: number }> = [];
      // The reader of Jepsen's bank test: every read of all balances is one snapshot.
      const reader = (async () => {
        while (running) {
          const balances = await commerce.balances(wallets);
          snapshots.push({ sum: sumOf(balances), min: Math.min(...balances.values()) });
        }
      })();
      const outcomes = { moved: 0, refused: 0 };
      await storm(10_000, POOL_SIZE * 2, async (i) => {
        const from = wallets[Math.floor(Math.random() * wallets.length)] as number;
        let to = wallets[Math.floor(Math.random() * wallets.length)] as number;
        if (to === from) to = wallets[(wallets.indexOf(from) + 1) % wallets.length] as number;
        const result = await commerce.transfer({
          id: v7(),
          fromUserId: from,
          toUserId: to,
          amountCents: 1 + Math.floor(Math.random() * 4000),
          idempotencyKey: `storm-${i}`,
        });
        if (result.ok) outcomes.moved++;
        else if (result.reason === 'insufficient_funds') outcomes.refused++;
        else throw new Error(`unexpected refusal ${result.reason}`);
      });
      running = false;
      await reader;
      expect(outcomes.moved + outcomes.refused).toBe(10_000);
      expect(outcomes.moved).toBeGreaterThan(0);
      const final = await commerce.balances(wallets);
      expect(sumOf(final)).toBe(total);
      expect(Math.min(...final.values())).toBeGreaterThanOrEqual(0);
      expect(snapshots.length).toBeGreaterThan(1);
      expect(snapshots.filter((s) => s.sum !== total || s.min < 0)).toEqual([]);
      console.log(
        `transfers: ${outcomes.moved} moved, ${outcomes.refused} refused for funds; ${snapshots.length} snapshot reads, all summing to ${total}`,
      );
    }, 120_000);

    it('does not deadlock on orders crossing between users who both buy and sell', async () => {
      const traders = await newUsers(20);
      await fund(traders, 50_000);
      const products: Product[] = await Promise.all(
        traders.map((sellerId) =>
          commerce.createProduct({ id: v7(), sellerId, name: 'Crossing', priceCents: 100, stock: 100_000 }),
        ),
      );
      let placed = 0;
      await storm(1000, POOL_SIZE * 2, async () => {
        const buyerId = traders[Math.floor(Math.random() * traders.length)] as number;
        const lines = products
          .filter((p) => p.seller_id !== buyerId && Math.random() < 0.15)
          .map((p) => ({
            product_id: p.id,
            quantity: 1 + Math.floor(Math.random() * 3),
            expected_unit_price_cents: 100,
          }));
        if (lines.length === 0) return;
        const result = await commerce.placeOrder({ id: v7(), buyerId, lines, idempotencyKey: v7() });
        if (!result.ok) throw new Error(`unexpected refusal ${result.reason}`);
        placed++;
      });
      expect(placed).toBeGreaterThan(0);
      expect(sumOf(await commerce.balances(traders))).toBe(traders.length * 50_000);
    }, 120_000);

    // place_order() is called directly, without the adapter's retries, so that a deadlock
    // (40P01) fails the test instead of being run again.
    it('never deadlocks orders naming the same products in opposite orders, each seller buying from the others', async () => {
      const traders = await newUsers(3);
      await fund(traders, 1_000_000);
      const products = await Promise.all(
        traders.map((sellerId) =>
          commerce.createProduct({ id: v7(), sellerId, name: 'Crossed', priceCents: 10, stock: 100_000 }),
        ),
      );
      await storm(600, POOL_SIZE, async (i) => {
        const buyerId = traders[i % 3] as number;
        const [one, two] = products.filter((p) => p.seller_id !== buyerId).map((p) => p.id);
        const ids = i % 2 === 0 ? [one, two] : [two, one];
        await db.query('SELECT id FROM place_order($1, $2, $3, $4::uuid[], $5::int[], $6::bigint[])', [
          v7(),
          buyerId,
          v7(),
          ids,
          [1, 1],
          [10, 10],
        ]);
      });
      // 600 orders, each product in two thirds of them.
      for (const product of products) expect((await commerce.product(product.id))?.stock).toBe(100_000 - 400);
      expect(sumOf(await commerce.balances(traders))).toBe(3 * 1_000_000);
    }, 120_000);

    it('gives one seat to exactly one of 50 concurrent bookers', async () => {
      const [organizer, ...guests] = await newUsers(51);
      const id = v7();
      await commerce.createEvent({
        id,
        organizerId: organizer as number,
        name: 'One seat',
        seats: 1,
        maxPerDay: 1000,
      });
      const results = await Promise.all(guests.map((guest) => commerce.bookSeat(id, 1, guest)));
      expect(results.filter((r) => r.ok)).toHaveLength(1);
      expect(results.filter((r) => !r.ok && r.reason === 'taken')).toHaveLength(49);
    }, 60_000);

    it('keeps the books after the storms: each balance is the sum of its ledger entries', async () => {
      expect(await commerce.auditLedger()).toEqual({ mismatchedWallets: [], unbalancedMovements: [] });
      const [{ entries }] = (await db.query<{ entries: number }>(
        'SELECT count(*)::bigint AS entries FROM ledger_entries',
      )) as [{ entries: number }];
      expect(entries).toBeGreaterThan(10_000);
    }, 60_000);
  },
);
