// The commerce port's contract: every adapter must pass it, on every engine it serves.
// Users come from the accounts adapter of the same database (wallets reference them).
import { v7 } from 'uuid';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createPostgresAccounts } from '../../src/accounts/accounts.postgres.ts';
import { hashPassword } from '../../src/accounts/passwords.ts';
import type { CommercePort, OrderResult, Product, TransferResult } from '../../src/commerce/commerce.port.ts';
import type { SqlDatabase } from '../../src/engines/sql.ts';

export interface CommerceHarness {
  commerce: CommercePort;
  /** A new user (and so a new wallet); returns the id. */
  newUser(): Promise<number>;
  /** Deletes a user's account (step one: the tombstone and the closed wallet), through the accounts adapter. */
  deleteUser(userId: number): Promise<void>;
  close(): Promise<void>;
}

let accountNumber = 0;

/** Deletes accounts through the accounts adapter of the same database (a wallet with money refuses). */
export function accountDeleter(db: SqlDatabase): (userId: number) => Promise<void> {
  const accounts = createPostgresAccounts(db);
  return async (userId) => {
    const result = await accounts.deleteAccount(userId, () => []);
    if (!result.ok) throw new Error(`account ${userId} not deleted: ${result.reason}`);
  };
}

/** Makes accounts (and so wallets) through the accounts adapter of the same database. */
export async function accountMaker(db: SqlDatabase): Promise<() => Promise<number>> {
  const accounts = createPostgresAccounts(db);
  const passwordHash = await hashPassword('a long enough password');
  return async () => {
    const n = ++accountNumber;
    const result = await accounts.createAccount({
      email: `buyer${n}_${process.pid}@example.com`,
      passwordHash,
      name: `Buyer ${n}`,
      birthdate: '1980-01-01',
      handleCandidates: [`buyer_${n}_${process.pid}`],
    });
    if (!result.ok) throw new Error(`no account: ${result.taken} taken`);
    return result.account.id;
  };
}

const ISO = /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$/;

export function commerceContract(name: string, open: () => Promise<CommerceHarness>, skipReason?: string) {
  describe.skipIf(skipReason !== undefined)(
    `commerce contract on ${name}${skipReason ? ` [SKIPPED: ${skipReason}]` : ''}`,
    () => {
      let harness: CommerceHarness;
      let commerce: CommercePort;

      const funded = async (cents: number) => {
        const userId = await harness.newUser();
        if (cents > 0) await commerce.deposit(v7(), userId, cents);
        return userId;
      };
      const balance = async (userId: number) => (await commerce.wallet(userId))?.balance_cents;
      const product = (sellerId: number, priceCents: number, stock: number, name = 'Widget') =>
        commerce.createProduct({ id: v7(), sellerId, name, priceCents, stock });
      const stockOf = async (p: Product) => (await commerce.product(p.id))?.stock;
      const transfer = (fromUserId: number, toUserId: number, amountCents: number, key = v7()) =>
        commerce.transfer({ id: v7(), fromUserId, toUserId, amountCents, idempotencyKey: key });
      const order = (buyerId: number, lines: Array<[Product, number]>, key = v7()) =>
        commerce.placeOrder({
          id: v7(),
          buyerId,
          lines: lines.map(([p, quantity]) => ({
            product_id: p.id,
            quantity,
            expected_unit_price_cents: p.price_cents,
          })),
          idempotencyKey: key,
        });
      const checkout = (buyerId: number, key = v7()) =>
        commerce.placeOrder({ id: v7(), buyerId, lines: 'cart', idempotencyKey: key });
      const okOrder = (result: OrderResult) => {
        if (!result.ok) throw new Error(`expected an order, got ${result.reason}`);
        return result.order;
      };

      beforeAll(async () => {
        harness = await open();
        commerce = harness.commerce;
      });
      afterAll(() => harness?.close());

      describe('wallets and the ledger', () => {
        it('gives every new account a wallet at zero, and none to an unknown user', async () => {
          const userId = await harness.newUser();
          expect(await commerce.wallet(userId)).toEqual({
            user_id: userId,
            balance_cents: 0,
            updated_at: expect.stringMatching(ISO),
          });
          expect(await commerce.wallet(999_999_999)).toBeNull();
          expect(await commerce.entries(userId, { limit: 10 })).toEqual([]);
        });

        it('records a deposit as a balanced movement, with the balance it left', async () => {
          const userId = await harness.newUser();
          const movement = v7();
          expect((await commerce.deposit(movement, userId, 1250)).balance_cents).toBe(1250);
          expect((await commerce.deposit(v7(), userId, 50)).balance_cents).toBe(1300);
          const entries = await commerce.entries(userId, { limit: 10 });
          expect(entries.map((e) => [e.kind, e.amount_cents, e.balance_after_cents])).toEqual([
            ['deposit', 50, 1300],
            ['deposit', 1250, 1250],
          ]);
          expect(entries[1]).toEqual({
            id: expect.any(String),
            movement_id: movement,
            kind: 'deposit',
            amount_cents: 1250,
            balance_after_cents: 1250,
            created_at: expect.stringMatching(ISO),
          });
        });

        it('pages entries newest first by keyset, with no gap and no repeat', async () => {
          const userId = await harness.newUser();
          for (let i = 1; i <= 5; i++) await commerce.deposit(v7(), userId, i);
          const first = await commerce.entries(userId, { limit: 2 });
          const second = await commerce.entries(userId, { limit: 2, after: first.at(-1)?.id });
          const third = await commerce.entries(userId, { limit: 2, after: second.at(-1)?.id });
          expect([...first, ...second, ...third].map((e) => e.amount_cents)).toEqual([5, 4, 3, 2, 1]);
        });

        it('moves money between wallets with one entry on each side', async () => {
          const [from, to] = [await funded(1000), await harness.newUser()];
          const result = await transfer(from, to, 300);
          expect(result).toEqual({
            ok: true,
            replayed: false,
            transfer: {
              id: expect.any(String),
              from_user_id: from,
              to_user_id: to,
              amount_cents: 300,
              created_at: expect.stringMatching(ISO),
            },
          });
          expect([await balance(from), await balance(to)]).toEqual([700, 300]);
          const [out] = await commerce.entries(from, { limit: 1 });
          const [into] = await commerce.entries(to, { limit: 1 });
          expect([out?.amount_cents, into?.amount_cents]).toEqual([-300, 300]);
          expect(out?.movement_id).toBe(into?.movement_id);
        });

        it('refuses a transfer beyond the balance and changes nothing', async () => {
          const [from, to] = [await funded(100), await harness.newUser()];
          expect(await transfer(from, to, 101)).toEqual({
            ok: false,
            reason: 'insufficient_funds',
            balanceCents: 100,
          });
          expect([await balance(from), await balance(to)]).toEqual([100, 0]);
          expect(await commerce.entries(to, { limit: 10 })).toEqual([]);
        });

        it('refuses an unknown recipient', async () => {
          expect(await transfer(await funded(100), 999_999_999, 1)).toEqual({
            ok: false,
            reason: 'unknown_recipient',
          });
        });

        it('replays a transfer for the same key and body, moving the money once', async () => {
          const [from, to] = [await funded(1000), await harness.newUser()];
          const first = (await transfer(from, to, 250, 'key-1')) as Extract<TransferResult, { ok: true }>;
          const again = await transfer(from, to, 250, 'key-1');
          expect(again).toEqual({ ok: true, replayed: true, transfer: first.transfer });
          expect([await balance(from), await balance(to)]).toEqual([750, 250]);
          expect(await transfer(from, to, 251, 'key-1')).toEqual({ ok: false, reason: 'key_reused' });
          // Keys are per sender: another sender may use the same one.
          expect((await transfer(to, from, 1, 'key-1')).ok).toBe(true);
        });

        it('keeps no key for a refused transfer, so it may be retried once funds arrive', async () => {
          const [from, to] = [await funded(10), await harness.newUser()];
          expect((await transfer(from, to, 50, 'retry-me')).ok).toBe(false);
          await commerce.deposit(v7(), from, 100);
          expect((await transfer(from, to, 50, 'retry-me')).ok).toBe(true);
        });

        it('gives one result to concurrent replays of one transfer', async () => {
          const [from, to] = [await funded(1000), await harness.newUser()];
          const results = await Promise.all(
            Array.from({ length: 10 }, () => transfer(from, to, 100, 'same')),
          );
          expect(results.every((r) => r.ok)).toBe(true);
          expect(new Set(results.map((r) => (r.ok ? r.transfer.id : '')))).toHaveProperty('size', 1);
          expect(results.filter((r) => r.ok && !r.replayed)).toHaveLength(1);
          expect([await balance(from), await balance(to)]).toEqual([900, 100]);
        });

        it('reads balances in one snapshot', async () => {
          const [a, b] = [await funded(5), await funded(7)];
          expect(await commerce.balances([a, b, 999_999_999])).toEqual(
            new Map([
              [a, 5],
              [b, 7],
            ]),
          );
        });
      });

      describe('products', () => {
        it('creates, reads and changes a product', async () => {
          const seller = await harness.newUser();
          const created = await product(seller, 1999, 5, 'Lamp');
          expect(created).toEqual({
            id: expect.any(String),
            seller_id: seller,
            name: 'Lamp',
            price_cents: 1999,
            stock: 5,
            created_at: expect.stringMatching(ISO),
            updated_at: expect.stringMatching(ISO),
          });
          expect(await commerce.product(created.id)).toEqual(created);
          expect(await commerce.updateProduct(created.id, { stock: 9 })).toMatchObject({
            price_cents: 1999,
            stock: 9,
          });
          expect(await commerce.updateProduct(created.id, { price_cents: 2500 })).toMatchObject({
            price_cents: 2500,
            stock: 9,
          });
          expect(await commerce.product(v7())).toBeNull();
          expect(await commerce.updateProduct(v7(), { stock: 1 })).toBeNull();
        });

        it('lists products newest first by keyset', async () => {
          const seller = await harness.newUser();
          const made = [];
          for (let i = 0; i < 3; i++) made.push(await product(seller, 100, 1));
          const first = await commerce.products({ limit: 2 });
          expect(first.map((p) => p.id)).toEqual([made[2]?.id, made[1]?.id]);
          const next = await commerce.products({ limit: 1, after: first.at(-1)?.id });
          expect(next.map((p) => p.id)).toEqual([made[0]?.id]);
        });
      });

      describe('orders', () => {
        it('takes stock, debits the buyer, credits each seller and records the order, all at once', async () => {
          const [buyer, s1, s2] = [await funded(10_000), await harness.newUser(), await harness.newUser()];
          const [p1, p2] = [await product(s1, 1000, 5, 'Chair'), await product(s2, 250, 3, 'Cup')];
          const placed = okOrder(
            await order(
              buyer,
              [
                [p1, 2],
                [p2, 3],
              ],
              'order-1',
            ),
          );
          expect(placed).toEqual({
            id: expect.any(String),
            buyer_id: buyer,
            buyer_name: expect.stringMatching(/^Buyer /),
            status: 'paid',
            total_cents: 2750,
            items: expect.arrayContaining([
              {
                product_id: p1.id,
                quantity: 2,
                seller_id: s1,
                seller_name: expect.stringMatching(/^Buyer /),
                name: 'Chair',
                unit_price_cents: 1000,
              },
              {
                product_id: p2.id,
                quantity: 3,
                seller_id: s2,
                seller_name: expect.stringMatching(/^Buyer /),
                name: 'Cup',
                unit_price_cents: 250,
              },
            ]),
            created_at: expect.stringMatching(ISO),
          });
          expect([await stockOf(p1), await stockOf(p2)]).toEqual([3, 0]);
          expect([await balance(buyer), await balance(s1), await balance(s2)]).toEqual([7250, 2000, 750]);
          expect(await commerce.order(placed.id)).toEqual(placed);
          expect(await commerce.orderCount(buyer)).toBe(1);
          const [payment] = await commerce.entries(buyer, { limit: 1 });
          expect(payment).toMatchObject({ kind: 'order', amount_cents: -2750, movement_id: placed.id });
        });

        it('refuses an order beyond the stock, naming the product, and changes nothing', async () => {
          const [buyer, seller] = [await funded(10_000), await harness.newUser()];
          const [plenty, scarce] = [await product(seller, 100, 10), await product(seller, 100, 1, 'Rare')];
          const result = await order(buyer, [
            [plenty, 1],
            [scarce, 2],
          ]);
          expect(result).toEqual({
            ok: false,
            reason: 'out_of_stock',
            productId: scarce.id,
            name: 'Rare',
            available: 1,
          });
          expect([await stockOf(plenty), await stockOf(scarce)]).toEqual([10, 1]);
          expect([await balance(buyer), await balance(seller)]).toEqual([10_000, 0]);
          expect(await commerce.orderCount(buyer)).toBe(0);
        });

        it('refuses an order beyond the balance and changes nothing', async () => {
          const [buyer, seller] = [await funded(150), await harness.newUser()];
          const item = await product(seller, 100, 10);
          expect(await order(buyer, [[item, 2]])).toEqual({
            ok: false,
            reason: 'insufficient_funds',
            balanceCents: 150,
            totalCents: 200,
          });
          expect([await stockOf(item), await balance(buyer), await balance(seller)]).toEqual([10, 150, 0]);
          expect(await commerce.ordersOf(buyer, { limit: 10 })).toEqual([]);
        });

        it('refuses unknown products and your own products', async () => {
          const buyer = await funded(1000);
          const ghost = { id: v7() } as Product;
          expect(await order(buyer, [[ghost, 1]])).toEqual({
            ok: false,
            reason: 'unknown_product',
            productId: ghost.id,
          });
          const mine = await product(buyer, 100, 1);
          expect(await order(buyer, [[mine, 1]])).toEqual({
            ok: false,
            reason: 'own_product',
            productId: mine.id,
          });
        });

        it('replays an order for the same key and items, once; another body with the key conflicts', async () => {
          const [buyer, seller] = [await funded(1000), await harness.newUser()];
          const item = await product(seller, 100, 10);
          const first = okOrder(await order(buyer, [[item, 2]], 'k'));
          expect(await order(buyer, [[item, 2]], 'k')).toEqual({ ok: true, replayed: true, order: first });
          expect(await order(buyer, [[item, 3]], 'k')).toEqual({ ok: false, reason: 'key_reused' });
          expect([await stockOf(item), await balance(buyer), await balance(seller)]).toEqual([8, 800, 200]);
          expect(await commerce.orderByKey(buyer, 'k')).toEqual({ order: first, fromCart: false });
          expect(await commerce.orderByKey(buyer, 'nope')).toBeNull();
        });

        it('lists a buyer’s orders newest first by keyset', async () => {
          const [buyer, seller] = [await funded(1000), await harness.newUser()];
          const item = await product(seller, 10, 10);
          const ids = [];
          for (let i = 0; i < 3; i++) ids.push(okOrder(await order(buyer, [[item, 1]])).id);
          const first = await commerce.ordersOf(buyer, { limit: 2 });
          const rest = await commerce.ordersOf(buyer, { limit: 2, after: first.at(-1)?.id });
          expect([...first, ...rest].map((o) => o.id)).toEqual(ids.reverse());
        });

        it('lists a seller’s sales newest first by keyset, with only that seller’s lines', async () => {
          const [buyer, seller, other] = [
            await funded(1000),
            await harness.newUser(),
            await harness.newUser(),
          ];
          const [mine, theirs] = [await product(seller, 10, 10), await product(other, 20, 10)];
          const shared = okOrder(
            await order(buyer, [
              [mine, 2],
              [theirs, 1],
            ]),
          );
          okOrder(await order(buyer, [[theirs, 1]]));
          const solo = okOrder(await order(buyer, [[mine, 1]]));
          const first = await commerce.salesOf(seller, { limit: 1 });
          const rest = await commerce.salesOf(seller, { limit: 5, after: first.at(-1)?.id });
          expect([...first, ...rest].map((sale) => sale.id)).toEqual([solo.id, shared.id]);
          const { total_cents: _, ...sharedPart } = shared;
          expect(rest).toEqual([
            { ...sharedPart, items: shared.items.filter((i) => i.seller_id === seller) },
          ]);
          expect(await commerce.salesOf(buyer, { limit: 5 })).toEqual([]);
        });

        it('orders a cart once and takes its lines out with it; the same key replays', async () => {
          const [buyer, seller] = [await funded(1000), await harness.newUser()];
          const item = await product(seller, 10, 10);
          expect(await checkout(buyer, 'a')).toEqual({ ok: false, reason: 'cart_empty' });
          expect(await commerce.setCartLine(buyer, item.id, 1, 50)).toBe('ok');
          const first = okOrder(await checkout(buyer, 'a'));
          expect(first.total_cents).toBe(10);
          expect(await checkout(buyer, 'b')).toEqual({ ok: false, reason: 'cart_empty' });
          expect(await checkout(buyer, 'a')).toEqual({ ok: true, order: first, replayed: true });
          expect(await commerce.cart(buyer)).toEqual([]);
          expect((await commerce.orderByKey(buyer, 'a'))?.fromCart).toBe(true);
          // A checkout's key replays as a checkout, not as a direct order.
          expect(await order(buyer, [[item, 1]], 'a')).toEqual({ ok: false, reason: 'key_reused' });
        });

        it('sums each seller’s revenue', async () => {
          const [buyer, seller] = [await funded(10_000), await harness.newUser()];
          const [a, b] = [await product(seller, 300, 10), await product(seller, 50, 10)];
          okOrder(
            await order(buyer, [
              [a, 2],
              [b, 1],
            ]),
          );
          okOrder(await order(buyer, [[b, 4]]));
          const revenue = await commerce.sellerRevenue();
          expect(revenue.find((r) => r.userId === seller)).toEqual({ userId: seller, revenueCents: 850 });
        });
      });

      describe('seats', () => {
        it('creates numbered seats, books a free one once, and knows seats that do not exist', async () => {
          const [organizer, guest] = [await harness.newUser(), await harness.newUser()];
          const id = v7();
          const created = await commerce.createEvent({
            id,
            organizerId: organizer,
            name: 'Gala',
            seats: 3,
            maxPerDay: 2,
          });
          if (!created.ok) throw new Error(`expected an event, got ${created.reason}`);
          const event = created.event;
          expect(event).toEqual({
            id,
            organizer_id: organizer,
            name: 'Gala',
            seat_count: 3,
            free_seats: [1, 2, 3],
            created_at: expect.stringMatching(ISO),
          });
          expect(await commerce.bookSeat(id, 2, guest)).toEqual({
            ok: true,
            booking: { event_id: id, seat: 2, booked_by: guest, booked_at: expect.stringMatching(ISO) },
          });
          expect(await commerce.bookSeat(id, 2, organizer)).toEqual({ ok: false, reason: 'taken' });
          expect(await commerce.bookSeat(id, 4, guest)).toEqual({ ok: false, reason: 'no_such_seat' });
          expect(await commerce.bookSeat(v7(), 1, guest)).toEqual({ ok: false, reason: 'no_such_seat' });
          expect((await commerce.event(id))?.free_seats).toEqual([1, 3]);
          expect(await commerce.event(v7())).toBeNull();
        });

        it('refuses an organizer their events beyond maxPerDay in 24 hours, even when asked at once', async () => {
          const [organizer, other] = [await harness.newUser(), await harness.newUser()];
          const create = (organizerId: number) =>
            commerce.createEvent({ id: v7(), organizerId, name: 'Daily', seats: 2, maxPerDay: 3 });
          const results = await Promise.all(Array.from({ length: 6 }, () => create(organizer)));
          expect(results.filter((r) => r.ok)).toHaveLength(3);
          for (const refused of results.filter((r) => !r.ok)) {
            expect(refused).toEqual({
              ok: false,
              reason: 'daily_limit',
              retryAfterSeconds: expect.any(Number),
            });
            if (!refused.ok) expect(refused.retryAfterSeconds).toBeGreaterThan(0);
          }
          expect((await create(other)).ok).toBe(true);
        });

        it('gives a seat to exactly one of many concurrent bookers', async () => {
          const organizer = await harness.newUser();
          const guests = await Promise.all(Array.from({ length: 10 }, () => harness.newUser()));
          const id = v7();
          await commerce.createEvent({ id, organizerId: organizer, name: 'Rush', seats: 1, maxPerDay: 1 });
          const results = await Promise.all(guests.map((guest) => commerce.bookSeat(id, 1, guest)));
          expect(results.filter((r) => r.ok)).toHaveLength(1);
          expect(results.filter((r) => !r.ok && r.reason === 'taken')).toHaveLength(9);
          expect((await commerce.event(id))?.free_seats).toEqual([]);
        });
      });

      describe('carts', () => {
        it('sets lines at the price of the moment, removes them, and refuses unknown products and a full cart', async () => {
          const [user, seller] = [await harness.newUser(), await harness.newUser()];
          const [a, b] = [await product(seller, 100, 1), await product(seller, 7, 1)];
          expect(await commerce.cart(user)).toEqual([]);
          expect(await commerce.setCartLine(user, a.id, 2, 2)).toBe('ok');
          expect(await commerce.setCartLine(user, b.id, 1, 2)).toBe('ok');
          await commerce.updateProduct(a.id, { price_cents: 150 });
          const line = (p: Product, quantity: number, stored: number, current: number) => ({
            product_id: p.id,
            quantity,
            unit_price_cents: stored,
            current_unit_price_cents: current,
          });
          const sorted = (lines: ReturnType<typeof line>[]) =>
            lines.sort((x, y) => (x.product_id < y.product_id ? -1 : 1));
          expect(await commerce.cart(user)).toEqual(sorted([line(a, 2, 100, 150), line(b, 1, 7, 7)]));
          // Putting the product again accepts its new price.
          expect(await commerce.setCartLine(user, a.id, 3, 2)).toBe('ok');
          expect(await commerce.cart(user)).toEqual(sorted([line(a, 3, 150, 150), line(b, 1, 7, 7)]));
          expect(await commerce.setCartLine(user, v7(), 1, 50)).toBe('unknown_product');
          const c = await product(seller, 1, 1);
          expect(await commerce.setCartLine(user, c.id, 1, 2)).toBe('cart_full');
          await commerce.removeCartLine(user, b.id);
          await commerce.removeCartLine(user, b.id);
          expect(await commerce.cart(user)).toEqual([line(a, 3, 150, 150)]);
        });
      });

      describe('a deleted account', () => {
        const sellerWithAnOrder = async () => {
          const seller = await funded(0);
          const buyer = await funded(1000);
          const mug = await product(seller, 100, 5, 'Mug');
          const sold = okOrder(await order(buyer, [[mug, 1]]));
          // Deletion waits for an empty wallet: the revenue goes back out first.
          expect((await transfer(seller, buyer, 100)).ok).toBe(true);
          return { seller, buyer, mug, sold };
        };

        it('has a closed wallet: no transfer or order pays into it, and its orders show a deleted account', async () => {
          const { seller, buyer, mug, sold } = await sellerWithAnOrder();
          await harness.deleteUser(seller);
          expect(await transfer(buyer, seller, 10)).toEqual({ ok: false, reason: 'unknown_recipient' });
          await expect(commerce.deposit(v7(), seller, 10)).rejects.toThrow();
          expect(await order(buyer, [[mug, 1]])).toEqual({
            ok: false,
            reason: 'unknown_product',
            productId: mug.id,
          });
          expect(await balance(seller)).toBe(0);
          const kept = await commerce.order(sold.id);
          expect(kept?.items).toEqual([
            expect.objectContaining({ seller_id: seller, seller_name: 'deleted account' }),
          ]);
          expect(kept?.buyer_name).toMatch(/^Buyer /);
          expect((await commerce.sellerRevenue()).map((row) => row.userId)).not.toContain(seller);
        });

        it('is erased from carts, the catalogue, events and seats, keeping orders and the ledger; again is a no-op', async () => {
          const { seller, buyer, mug, sold } = await sellerWithAnOrder();
          const unsold = await product(seller, 70, 3, 'Vase');
          const hat = await product(buyer, 50, 3, 'Hat');
          expect(await commerce.setCartLine(seller, hat.id, 1, 10)).toBe('ok');
          expect(await commerce.setCartLine(buyer, unsold.id, 2, 10)).toBe('ok');
          const gig = await commerce.createEvent({
            id: v7(),
            organizerId: buyer,
            name: 'Gig',
            seats: 2,
            maxPerDay: 100,
          });
          const party = await commerce.createEvent({
            id: v7(),
            organizerId: seller,
            name: 'Party',
            seats: 2,
            maxPerDay: 100,
          });
          if (!gig.ok || !party.ok) throw new Error('events not created');
          expect((await commerce.bookSeat(gig.event.id, 1, seller)).ok).toBe(true);
          expect((await commerce.bookSeat(party.event.id, 1, buyer)).ok).toBe(true);

          await harness.deleteUser(seller);
          await commerce.eraseUser(seller);
          await commerce.eraseUser(seller);

          expect(await commerce.cart(seller)).toEqual([]);
          expect(await commerce.cart(buyer)).toEqual([]);
          expect(await commerce.product(mug.id)).toBeNull();
          expect(await commerce.product(unsold.id)).toBeNull();
          expect(await commerce.product(hat.id)).not.toBeNull();
          expect(await commerce.event(party.event.id)).toBeNull();
          expect((await commerce.event(gig.event.id))?.free_seats).toEqual([1, 2]);
          expect(await commerce.order(sold.id)).toMatchObject({
            items: [{ product_id: mug.id, name: 'Mug', seller_id: seller, seller_name: 'deleted account' }],
          });
          expect((await commerce.entries(seller, { limit: 10 })).length).toBe(2);
          expect(await commerce.auditLedger()).toEqual({ mismatchedWallets: [], unbalancedMovements: [] });
        });
      });

      it('keeps the books: every balance is the sum of its entries, every movement sums to zero', async () => {
        expect(await commerce.auditLedger()).toEqual({ mismatchedWallets: [], unbalancedMovements: [] });
      });

      it('answers a ping', async () => {
        await expect(commerce.ping()).resolves.toBeUndefined();
      });
    },
  );
}
