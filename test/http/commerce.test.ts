// Wallets, products, orders, seats, carts and the sellers' leaderboard through the real HTTP
// stack, on the embedded default (PGlite + memory cache + the embedded queue) and on the real
// PostgreSQL + Redis (BullMQ jobs).
import type { ChildProcess } from 'node:child_process';
import type { FastifyInstance } from 'fastify';
import { v7 } from 'uuid';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildApp, type Platform } from '../../src/app.ts';
import { ConfigError, loadConfig } from '../../src/config.ts';
import { auth, caller, signUp, type TestUser } from '../support/api.ts';
import { buildTestApp, testEnv } from '../support/app.ts';
import { freePort, hasRedisServer, startRedis, stop } from '../support/redis-server.ts';
import { dropKeys } from '../support/stores.ts';
import { clusterStack, type HttpStack, httpStacks, servers, stackTitle } from '../support/targets.ts';

interface Product {
  id: string;
  name: string;
  price_cents: number;
  stock: number;
}

/**
 * A platform that can lose its cache: on Redis the run's keys are dropped (a FLUSHALL of this
 * run); embedded, the process "restarts" (a new platform on the same data folder), which
 * empties the in-process cache and keeps PGlite.
 */
async function platformWithCacheLoss(stack: HttpStack, extraEnv: Record<string, string> = {}) {
  const env = await testEnv({
    sql: stack.sql,
    cache: stack.cache,
    env: { DEMO_MODE: '1', COMMERCE_STORE: stack.sql, ...extraEnv },
  });
  let platform = await buildApp(loadConfig(env));
  return {
    get app() {
      return platform.app;
    },
    get jobs() {
      return platform.jobs;
    },
    async loseCache() {
      if (env.REDIS_URL) {
        await dropKeys(env.REDIS_URL, env.KEY_PREFIX as string);
        return;
      }
      await platform.app.close();
      platform = await buildApp(loadConfig(env));
    },
    async close() {
      await platform.app.close();
      if (env.REDIS_URL) await dropKeys(env.REDIS_URL, env.KEY_PREFIX as string);
    },
  };
}

for (const stack of [...httpStacks, clusterStack]) {
  describe.skipIf(stack.skip !== undefined)(stackTitle('commerce API', stack), () => {
    let platform: Platform;
    let app: FastifyInstance;
    beforeAll(async () => {
      platform = await buildTestApp({
        sql: stack.sql,
        cache: stack.cache,
        env: { DEMO_MODE: '1', COMMERCE_STORE: stack.sql },
      });
      ({ app } = platform);
    });

    const call = caller(() => app);
    const balance = async (user: TestUser) => (await call('GET', '/me/wallet', user)).json().balance_cents;
    const deposit = async (user: TestUser, amount_cents: number) =>
      expect((await call('POST', '/wallet/deposits', user, { amount_cents })).statusCode).toBe(201);
    const funded = async (cents: number) => {
      const user = await signUp(app);
      if (cents) await deposit(user, cents);
      return user;
    };
    const newProduct = async (seller: TestUser, price_cents = 1000, stock = 10, name = 'Teapot') => {
      const res = await call('POST', '/products', seller, { name, price_cents, stock });
      expect(res.statusCode, res.body).toBe(201);
      return res.json() as Product;
    };
    /** An order of the products at the prices the buyer saw (`expected`, or the product's price). */
    const buy = (buyer: TestUser, items: Array<[Product, number, number?]>, idempotency_key = v7()) =>
      call('POST', '/orders', buyer, {
        items: items.map(([p, quantity, expected]) => ({
          product_id: p.id,
          quantity,
          expected_unit_price_cents: expected ?? p.price_cents,
        })),
        idempotency_key,
      });
    const stockOf = async (p: { id: string }) => (await call('GET', `/products/${p.id}`)).json().stock;

    describe('wallets', () => {
      it('gives a new account a wallet at zero; anonymous callers get 401', async () => {
        const user = await signUp(app);
        const res = await call('GET', '/me/wallet', user);
        expect(res.statusCode).toBe(200);
        expect(res.json()).toEqual({ user_id: user.id, balance_cents: 0, updated_at: expect.any(String) });
        expect((await call('GET', '/me/wallet')).statusCode).toBe(401);
        expect((await call('GET', '/me/wallet/entries')).statusCode).toBe(401);
      });

      it('takes demo deposits, validated, 401 before 400', async () => {
        const user = await signUp(app);
        const res = await call('POST', '/wallet/deposits', user, { amount_cents: 2500 });
        expect(res.statusCode).toBe(201);
        expect(res.json().balance_cents).toBe(2500);
        for (const amount_cents of [0, -5, 12.5, '100', 100_000_001]) {
          const bad = await call('POST', '/wallet/deposits', user, { amount_cents });
          expect(bad.statusCode).toBe(400);
          expect(Object.keys(bad.json().error.details.fields)).toEqual(['amount_cents']);
        }
        expect((await call('POST', '/wallet/deposits', undefined, { amount_cents: 'x' })).statusCode).toBe(
          401,
        );
        expect(await balance(user)).toBe(2500);
      });

      it('transfers money once per idempotency key; another body with the key is 409', async () => {
        const [from, to] = [await funded(1000), await signUp(app)];
        const body = { to_user_id: to.id, amount_cents: 400, idempotency_key: 'rent-may' };
        const first = await call('POST', '/wallet/transfers', from, body);
        expect(first.statusCode).toBe(201);
        expect(first.json()).toEqual({
          id: expect.any(String),
          from_user_id: from.id,
          to_user_id: to.id,
          amount_cents: 400,
          created_at: expect.any(String),
        });
        const again = await call('POST', '/wallet/transfers', from, body);
        expect([again.statusCode, again.json()]).toEqual([201, first.json()]);
        expect([await balance(from), await balance(to)]).toEqual([600, 400]);
        const other = await call('POST', '/wallet/transfers', from, { ...body, amount_cents: 401 });
        expect(other.statusCode).toBe(409);
        expect(other.json().error).toMatchObject({
          code: 'idempotency_key_reused',
          details: { fields: { idempotency_key: expect.any(String) } },
        });
        expect([await balance(from), await balance(to)]).toEqual([600, 400]);
      });

      it('answers 402 with the error shape when funds are short, and changes nothing', async () => {
        const [from, to] = [await funded(100), await signUp(app)];
        const res = await call('POST', '/wallet/transfers', from, {
          to_user_id: to.id,
          amount_cents: 101,
          idempotency_key: 'too-much',
        });
        expect(res.statusCode).toBe(402);
        expect(res.json()).toEqual({
          error: {
            code: 'insufficient_funds',
            message: expect.any(String),
            details: { balance_cents: 100, required_cents: 101 },
          },
        });
        expect([await balance(from), await balance(to)]).toEqual([100, 0]);
        expect((await call('GET', '/me/wallet/entries', to)).json().items).toEqual([]);
      });

      it('refuses transfers to yourself (400), to nobody (404), and bad fields (400 naming them)', async () => {
        const user = await funded(100);
        const self = await call('POST', '/wallet/transfers', user, {
          to_user_id: user.id,
          amount_cents: 1,
          idempotency_key: 'me',
        });
        expect([self.statusCode, Object.keys(self.json().error.details.fields)]).toEqual([
          400,
          ['to_user_id'],
        ]);
        const nobody = await call('POST', '/wallet/transfers', user, {
          to_user_id: 999_999_999,
          amount_cents: 1,
          idempotency_key: 'nobody',
        });
        expect(nobody.statusCode).toBe(404);
        const bad = await call('POST', '/wallet/transfers', user, {
          to_user_id: 'x',
          amount_cents: 1.5,
          idempotency_key: '',
        });
        expect(bad.statusCode).toBe(400);
        expect(Object.keys(bad.json().error.details.fields).sort()).toEqual([
          'amount_cents',
          'idempotency_key',
          'to_user_id',
        ]);
        expect(await balance(user)).toBe(100);
      });

      it('pages ledger entries newest first; a foreign or forged cursor is 400', async () => {
        const user = await signUp(app);
        for (const cents of [1, 2, 3]) await deposit(user, cents);
        const first = (await call('GET', '/me/wallet/entries?limit=2', user)).json();
        expect(first.items.map((e: { amount_cents: number }) => e.amount_cents)).toEqual([3, 2]);
        expect(first.items[0]).toEqual({
          id: expect.any(String),
          movement_id: expect.any(String),
          kind: 'deposit',
          amount_cents: 3,
          balance_after_cents: 6,
          created_at: expect.any(String),
        });
        const second = (
          await call('GET', `/me/wallet/entries?limit=2&cursor=${first.next_cursor}`, user)
        ).json();
        expect(second).toEqual({ items: [expect.objectContaining({ amount_cents: 1 })], next_cursor: null });
        const stranger = await signUp(app);
        for (const cursor of [
          first.next_cursor,
          'abc',
          Buffer.from('[1,"entries",1,"1"]').toString('base64url'),
        ]) {
          const res = await call('GET', `/me/wallet/entries?cursor=${cursor}`, stranger);
          expect(res.statusCode).toBe(400);
          expect(res.json().error.details.fields).toHaveProperty('cursor');
        }
        expect((await call('GET', '/me/wallet/entries?limit=0', user)).statusCode).toBe(400);
      });
    });

    describe('products', () => {
      it('creates a product with the caller as seller, shows it to anyone, lists it newest first', async () => {
        const seller = await signUp(app);
        const product = await newProduct(seller, 1299, 4, 'Kettle');
        expect(product).toEqual({
          id: expect.stringMatching(/^[0-9a-f]{8}-[0-9a-f]{4}-7[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/),
          seller_id: seller.id,
          name: 'Kettle',
          price_cents: 1299,
          stock: 4,
          created_at: expect.any(String),
          updated_at: expect.any(String),
        });
        expect((await call('GET', `/products/${product.id}`)).json()).toEqual(product);
        const newer = await newProduct(seller);
        const page = (await call('GET', '/products?limit=1')).json();
        expect(page.items.map((p: { id: string }) => p.id)).toEqual([newer.id]);
        const next = (await call('GET', `/products?limit=1&cursor=${page.next_cursor}`)).json();
        expect(next.items.map((p: { id: string }) => p.id)).toEqual([product.id]);
      });

      it('answers 400 for a malformed id or bad fields, 404 for an unknown product, 401 before 400', async () => {
        expect((await call('GET', '/products/not-a-uuid')).statusCode).toBe(400);
        expect((await call('GET', `/products/${v7()}`)).statusCode).toBe(404);
        const seller = await signUp(app);
        const bad = await call('POST', '/products', seller, { name: ' ', price_cents: 0, stock: -1 });
        expect(bad.statusCode).toBe(400);
        expect(Object.keys(bad.json().error.details.fields).sort()).toEqual(['name', 'price_cents', 'stock']);
        expect((await call('POST', '/products', undefined, { name: 1 })).statusCode).toBe(401);
      });

      it('lets only the seller change price and stock (403 for others, 401 anonymous)', async () => {
        const [seller, other] = [await signUp(app), await signUp(app)];
        const product = await newProduct(seller, 500, 1);
        const changed = await call('PATCH', `/products/${product.id}`, seller, {
          stock: 7,
          price_cents: 450,
        });
        expect(changed.statusCode).toBe(200);
        expect(changed.json()).toMatchObject({ stock: 7, price_cents: 450 });
        const forbidden = await call('PATCH', `/products/${product.id}`, other, { stock: 0 });
        expect([forbidden.statusCode, forbidden.json().error.code]).toEqual([403, 'forbidden']);
        expect((await call('PATCH', `/products/${product.id}`, undefined, { stock: 0 })).statusCode).toBe(
          401,
        );
        expect((await call('PATCH', `/products/${product.id}`, seller, {})).statusCode).toBe(400);
        expect((await call('PATCH', `/products/${product.id}`, seller, { name: 'x' })).statusCode).toBe(400);
        expect((await call('PATCH', `/products/${v7()}`, seller, { stock: 1 })).statusCode).toBe(404);
        expect(await stockOf(product)).toBe(7);
      });
    });

    describe('orders', () => {
      it('takes the stock and the money in one go, and shows the order to buyer and seller only', async () => {
        const [buyer, seller, stranger] = [await funded(5000), await signUp(app), await signUp(app)];
        const product = await newProduct(seller, 1200, 3, 'Vase');
        const res = await buy(buyer, [[product, 2]]);
        expect(res.statusCode, res.body).toBe(201);
        const order = res.json();
        expect(order).toEqual({
          id: expect.any(String),
          buyer_id: buyer.id,
          buyer_name: expect.stringMatching(/^Test User/),
          status: 'paid',
          total_cents: 2400,
          items: [
            {
              product_id: product.id,
              name: 'Vase',
              seller_id: seller.id,
              seller_name: expect.stringMatching(/^Test User/),
              quantity: 2,
              unit_price_cents: 1200,
            },
          ],
          created_at: expect.any(String),
        });
        expect([await stockOf(product), await balance(buyer), await balance(seller)]).toEqual([
          1, 2600, 2400,
        ]);
        expect((await call('GET', `/orders/${order.id}`, buyer)).json()).toEqual({ view: 'buyer', ...order });
        expect((await call('GET', `/orders/${order.id}`, seller)).statusCode).toBe(200);
        expect((await call('GET', `/orders/${order.id}`, stranger)).statusCode).toBe(403);
        expect((await call('GET', `/orders/${order.id}`)).statusCode).toBe(401);
        expect((await call('GET', `/orders/${v7()}`, buyer)).statusCode).toBe(404);
        expect((await call('GET', '/orders/123', buyer)).statusCode).toBe(400);
        const mine = (await call('GET', '/me/orders', buyer)).json();
        expect(mine).toEqual({ items: [order], next_cursor: null });
      });

      it('shows a seller of a shared order only their own lines and subtotal; the buyer sees all', async () => {
        const [buyer, first, second] = [await funded(10_000), await signUp(app), await signUp(app)];
        const [cup, pot] = [await newProduct(first, 300, 5, 'Cup'), await newProduct(second, 1000, 5, 'Pot')];
        const placed = await buy(buyer, [
          [cup, 2],
          [pot, 1],
        ]);
        expect(placed.statusCode, placed.body).toBe(201);
        const order = placed.json();
        const lineOf = (product: Product) =>
          order.items.find((item: { product_id: string }) => item.product_id === product.id);
        const asBuyer = (await call('GET', `/orders/${order.id}`, buyer)).json();
        expect(asBuyer).toEqual({ view: 'buyer', ...order });
        expect([asBuyer.total_cents, asBuyer.items.length]).toEqual([1600, 2]);
        for (const [seller, product, subtotal] of [
          [first, cup, 600],
          [second, pot, 1000],
        ] as const) {
          const res = await call('GET', `/orders/${order.id}`, seller);
          expect(res.statusCode).toBe(200);
          expect(res.json()).toEqual({
            view: 'seller',
            id: order.id,
            buyer_id: buyer.id,
            buyer_name: order.buyer_name,
            status: 'paid',
            subtotal_cents: subtotal,
            items: [lineOf(product)],
            created_at: order.created_at,
          });
        }
      });

      it('lists a seller’s sales with only their lines, paged by signed cursor', async () => {
        const [buyer, seller, other] = [await funded(10_000), await signUp(app), await signUp(app)];
        const [cup, pot] = [await newProduct(seller, 300, 9, 'Cup'), await newProduct(other, 1000, 9, 'Pot')];
        const shared = (
          await buy(buyer, [
            [cup, 2],
            [pot, 1],
          ])
        ).json();
        await buy(buyer, [[pot, 1]]);
        const solo = (await buy(buyer, [[cup, 1]])).json();
        const first = await call('GET', '/me/sales?limit=1', seller);
        expect(first.statusCode, first.body).toBe(200);
        expect(first.json().items.map((sale: { id: string }) => sale.id)).toEqual([solo.id]);
        const cursor = first.json().next_cursor;
        const rest = (
          await call('GET', `/me/sales?limit=5&cursor=${encodeURIComponent(cursor)}`, seller)
        ).json();
        expect(rest).toEqual({
          items: [
            {
              view: 'seller',
              id: shared.id,
              buyer_id: buyer.id,
              buyer_name: shared.buyer_name,
              status: 'paid',
              subtotal_cents: 600,
              items: shared.items.filter((item: { seller_id: number }) => item.seller_id === seller.id),
              created_at: shared.created_at,
            },
          ],
          next_cursor: null,
        });
        // The cursor is the seller's own: another seller, or the buyer's orders list, refuses it.
        expect((await call('GET', `/me/sales?cursor=${encodeURIComponent(cursor)}`, other)).statusCode).toBe(
          400,
        );
        expect(
          (await call('GET', `/me/orders?cursor=${encodeURIComponent(cursor)}`, seller)).statusCode,
        ).toBe(400);
        expect((await call('GET', '/me/sales', buyer)).json()).toEqual({ items: [], next_cursor: null });
        expect((await call('GET', '/me/sales')).statusCode).toBe(401);
      });

      it('puts the order count on GET /me, and not on the public profile', async () => {
        const [buyer, seller] = [await funded(5000), await signUp(app)];
        const product = await newProduct(seller, 100, 5);
        expect((await call('GET', '/me', buyer)).json().order_count).toBe(0);
        await buy(buyer, [[product, 1]]);
        await buy(buyer, [[product, 1]]);
        expect((await call('GET', '/me', buyer)).json()).toMatchObject({ id: buyer.id, order_count: 2 });
        expect((await call('GET', `/users/${buyer.id}`)).json()).not.toHaveProperty('order_count');
      });

      it('answers 409 naming the product when stock is short, and changes nothing', async () => {
        const [buyer, seller] = [await funded(10_000), await signUp(app)];
        const [plenty, scarce] = [
          await newProduct(seller, 100, 5, 'Plenty'),
          await newProduct(seller, 100, 1, 'Scarce'),
        ];
        const res = await buy(buyer, [
          [plenty, 1],
          [scarce, 2],
        ]);
        expect(res.statusCode).toBe(409);
        expect(res.json().error).toEqual({
          code: 'out_of_stock',
          message: expect.stringContaining('Scarce'),
          details: { product_id: scarce.id, name: 'Scarce', available: 1 },
        });
        expect([await stockOf(plenty), await stockOf(scarce), await balance(buyer)]).toEqual([5, 1, 10_000]);
        expect((await call('GET', '/me/orders', buyer)).json().items).toEqual([]);
      });

      it('answers 402 when the buyer cannot pay, and changes nothing', async () => {
        const [buyer, seller] = [await funded(99), await signUp(app)];
        const product = await newProduct(seller, 100, 5);
        const res = await buy(buyer, [[product, 1]]);
        expect(res.statusCode).toBe(402);
        expect(res.json().error).toMatchObject({
          code: 'insufficient_funds',
          details: { balance_cents: 99, required_cents: 100 },
        });
        expect([await stockOf(product), await balance(buyer), await balance(seller)]).toEqual([5, 99, 0]);
      });

      it('replays an order for the same key and body; another body is 409', async () => {
        const [buyer, seller] = [await funded(1000), await signUp(app)];
        const product = await newProduct(seller, 100, 5);
        const first = await buy(buyer, [[product, 1]], 'order-42');
        const again = await buy(buyer, [[product, 1]], 'order-42');
        expect([again.statusCode, again.json()]).toEqual([201, first.json()]);
        const other = await buy(buyer, [[product, 2]], 'order-42');
        expect([other.statusCode, other.json().error.code]).toEqual([409, 'idempotency_key_reused']);
        expect([await stockOf(product), await balance(buyer)]).toEqual([4, 900]);
      });

      it('answers 404 for an unknown product, 400 for duplicates, own products and bad items', async () => {
        const buyer = await funded(1000);
        const ghost = v7();
        const unknown = await buy(buyer, [[{ id: ghost, name: 'Ghost', price_cents: 1, stock: 1 }, 1]]);
        expect([unknown.statusCode, unknown.json().error.details]).toEqual([404, { product_id: ghost }]);
        const own = await newProduct(buyer);
        expect((await buy(buyer, [[own, 1]])).statusCode).toBe(400);
        const twice = await buy(buyer, [
          [own, 1],
          [own, 1],
        ]);
        expect([twice.statusCode, Object.keys(twice.json().error.details.fields)]).toEqual([
          400,
          ['items.1.product_id'],
        ]);
        const bad = await call('POST', '/orders', buyer, { items: [], idempotency_key: 'x' });
        expect([bad.statusCode, Object.keys(bad.json().error.details.fields)]).toEqual([400, ['items']]);
        const zero = await buy(buyer, [[own, 0]]);
        expect(Object.keys(zero.json().error.details.fields)).toEqual(['items.0.quantity']);
        expect((await call('POST', '/orders', undefined, { items: 'x' })).statusCode).toBe(401);
        expect(await balance(buyer)).toBe(1000);
      });
    });

    describe('prices a buyer was shown', () => {
      /** Stock, both wallets and the buyer's orders: what a refused order must leave as it was. */
      const snapshot = async (product: Product, buyer: TestUser, seller: TestUser) => ({
        stock: await stockOf(product),
        buyer: await balance(buyer),
        seller: await balance(seller),
        orders: (await call('GET', '/me/orders', buyer)).json().items.length,
      });
      /** 409 naming the product, its price now and the price the buyer expected. */
      const expectPriceChanged = (
        res: { statusCode: number; json: () => { error: unknown } },
        product: Product,
        current: number,
        expected: number,
      ) => {
        expect(res.statusCode).toBe(409);
        expect(res.json().error).toMatchObject({
          code: 'price_changed',
          details: {
            product_id: product.id,
            name: product.name,
            current_unit_price_cents: current,
            expected_unit_price_cents: expected,
          },
        });
        expect((res.json().error as { message: string }).message).toContain(product.name);
      };
      const reprice = async (seller: TestUser, product: Product, price_cents: number) =>
        expect((await call('PATCH', `/products/${product.id}`, seller, { price_cents })).statusCode).toBe(
          200,
        );

      it('refuses an order above the expected price with 409 naming the product, changing nothing', async () => {
        const [buyer, seller] = [await funded(100_000), await signUp(app)];
        const product = await newProduct(seller, 100, 5);
        await reprice(seller, product, 5_000);
        const before = await snapshot(product, buyer, seller);
        expectPriceChanged(await buy(buyer, [[product, 1, 100]]), product, 5_000, 100);
        expect(await snapshot(product, buyer, seller)).toEqual(before);
      });

      it('charges the lower price when the price fell', async () => {
        const [buyer, seller] = [await funded(1000), await signUp(app)];
        const product = await newProduct(seller, 100, 5);
        await reprice(seller, product, 60);
        const res = await buy(buyer, [[product, 2, 100]]);
        expect(res.statusCode, res.body).toBe(201);
        expect(res.json()).toMatchObject({ total_cents: 120, items: [{ unit_price_cents: 60 }] });
        expect([await balance(buyer), await balance(seller)]).toEqual([880, 120]);
      });

      it('requires the expected price on every line (400 naming it)', async () => {
        const [buyer, seller] = [await funded(1000), await signUp(app)];
        const product = await newProduct(seller, 100, 5);
        const res = await call('POST', '/orders', buyer, {
          items: [{ product_id: product.id, quantity: 1 }],
          idempotency_key: v7(),
        });
        expect(res.statusCode).toBe(400);
        expect(Object.keys(res.json().error.details.fields)).toEqual(['items.0.expected_unit_price_cents']);
        expect(await balance(buyer)).toBe(1000);
      });

      it('never charges more than expected while the seller changes the price concurrently', async () => {
        const [buyer, seller] = [await funded(1_000_000), await signUp(app)];
        const product = await newProduct(seller, 100, 1000);
        for (let round = 0; round < 15; round++) {
          const [order] = await Promise.all([
            buy(buyer, [[product, 1, 100]]),
            reprice(seller, product, round % 2 ? 100 : 5000),
          ]);
          expect([201, 409]).toContain(order.statusCode);
          if (order.statusCode === 201) expect(order.json().total_cents).toBe(100);
          else expect(order.json().error.details.current_unit_price_cents).toBe(5000);
          await reprice(seller, product, 100);
        }
        const paid = (await call('GET', '/me/orders?limit=100', buyer)).json().items;
        expect(1_000_000 - (await balance(buyer))).toBe(paid.length * 100);
      });

      it('checks a cart out at the price stored with each line: higher is 409 and keeps the cart', async () => {
        const [buyer, seller] = [await funded(100_000), await signUp(app)];
        const product = await newProduct(seller, 100, 5);
        expect((await call('PUT', `/me/cart/items/${product.id}`, buyer, { quantity: 1 })).statusCode).toBe(
          204,
        );
        await reprice(seller, product, 5_000);
        const line = { product_id: product.id, quantity: 1 };
        expect((await call('GET', '/me/cart', buyer)).json().items).toEqual([
          { ...line, unit_price_cents: 100, current_unit_price_cents: 5_000 },
        ]);
        const before = await snapshot(product, buyer, seller);
        const refused = await call('POST', '/me/cart/checkout', buyer, { idempotency_key: v7() });
        expectPriceChanged(refused, product, 5_000, 100);
        expect(await snapshot(product, buyer, seller)).toEqual(before);
        expect((await call('GET', '/me/cart', buyer)).json().items).toHaveLength(1);
        // Putting the product again accepts the new price.
        expect((await call('PUT', `/me/cart/items/${product.id}`, buyer, { quantity: 1 })).statusCode).toBe(
          204,
        );
        expect((await call('GET', '/me/cart', buyer)).json().items).toEqual([
          { ...line, unit_price_cents: 5_000, current_unit_price_cents: 5_000 },
        ]);
        const paid = await call('POST', '/me/cart/checkout', buyer, { idempotency_key: v7() });
        expect([paid.statusCode, paid.json().total_cents]).toEqual([201, 5_000]);
      });

      it('checks a cart out at the lower price when the price fell', async () => {
        const [buyer, seller] = [await funded(1000), await signUp(app)];
        const product = await newProduct(seller, 100, 5);
        await call('PUT', `/me/cart/items/${product.id}`, buyer, { quantity: 2 });
        await reprice(seller, product, 80);
        const res = await call('POST', '/me/cart/checkout', buyer, { idempotency_key: v7() });
        expect([res.statusCode, res.json().total_cents]).toEqual([201, 160]);
        expect(await balance(buyer)).toBe(840);
      });
    });

    describe('seats', () => {
      it('creates numbered seats and books each at most once: 201, then 409; 404 beyond the last', async () => {
        const [organizer, guest, late] = [await signUp(app), await signUp(app), await signUp(app)];
        const created = await call('POST', '/events', organizer, { name: 'Concert', seats: 3 });
        expect(created.statusCode).toBe(201);
        const event = created.json();
        expect(event).toEqual({
          id: expect.any(String),
          organizer_id: organizer.id,
          name: 'Concert',
          seat_count: 3,
          free_seats: [1, 2, 3],
          created_at: expect.any(String),
        });
        const booked = await call('POST', `/events/${event.id}/seats/2/booking`, guest);
        expect(booked.statusCode).toBe(201);
        expect(booked.json()).toEqual({
          event_id: event.id,
          seat: 2,
          booked_by: guest.id,
          booked_at: expect.any(String),
        });
        const taken = await call('POST', `/events/${event.id}/seats/2/booking`, late);
        expect([taken.statusCode, taken.json().error.code]).toEqual([409, 'seat_taken']);
        expect((await call('POST', `/events/${event.id}/seats/4/booking`, late)).statusCode).toBe(404);
        expect((await call('POST', `/events/${v7()}/seats/1/booking`, late)).statusCode).toBe(404);
        expect((await call('POST', `/events/${event.id}/seats/0/booking`, late)).statusCode).toBe(400);
        expect((await call('POST', `/events/${event.id}/seats/1/booking`)).statusCode).toBe(401);
        expect((await call('GET', `/events/${event.id}`, late)).json().free_seats).toEqual([1, 3]);
        expect((await call('GET', `/events/${v7()}`, late)).statusCode).toBe(404);
        const bad = await call('POST', '/events', organizer, { name: '', seats: 0 });
        expect(Object.keys(bad.json().error.details.fields).sort()).toEqual(['name', 'seats']);
      });
    });

    describe('cart', () => {
      it('puts, changes and removes items (204, idempotent), and refuses unknown products', async () => {
        const [user, seller] = [await signUp(app), await signUp(app)];
        const [a, b] = [await newProduct(seller), await newProduct(seller)];
        expect((await call('GET', '/me/cart', user)).json()).toEqual({ items: [] });
        expect((await call('PUT', `/me/cart/items/${a.id}`, user, { quantity: 2 })).statusCode).toBe(204);
        expect((await call('PUT', `/me/cart/items/${a.id}`, user, { quantity: 3 })).statusCode).toBe(204);
        expect((await call('PUT', `/me/cart/items/${b.id}`, user, { quantity: 1 })).statusCode).toBe(204);
        expect((await call('DELETE', `/me/cart/items/${b.id}`, user)).statusCode).toBe(204);
        expect((await call('DELETE', `/me/cart/items/${b.id}`, user)).statusCode).toBe(204);
        expect((await call('GET', '/me/cart', user)).json()).toEqual({
          items: [{ product_id: a.id, quantity: 3, unit_price_cents: 1000, current_unit_price_cents: 1000 }],
        });
        const unknown = await call('PUT', `/me/cart/items/${v7()}`, user, { quantity: 1 });
        expect(unknown.statusCode).toBe(404);
        expect((await call('PUT', `/me/cart/items/${a.id}`, user, { quantity: 0 })).statusCode).toBe(400);
        expect((await call('PUT', `/me/cart/items/${a.id}`, undefined, { quantity: 0 })).statusCode).toBe(
          401,
        );
        expect((await call('GET', '/me/cart')).statusCode).toBe(401);
      });

      it('checks out into an order and an empty cart; the same key replays, an empty cart is 409', async () => {
        const [buyer, seller] = [await funded(10_000), await signUp(app)];
        const [a, b] = [await newProduct(seller, 300, 5), await newProduct(seller, 200, 5)];
        await call('PUT', `/me/cart/items/${a.id}`, buyer, { quantity: 2 });
        await call('PUT', `/me/cart/items/${b.id}`, buyer, { quantity: 1 });
        const res = await call('POST', '/me/cart/checkout', buyer, { idempotency_key: 'checkout-1' });
        expect(res.statusCode, res.body).toBe(201);
        expect(res.json()).toMatchObject({ buyer_id: buyer.id, total_cents: 800, status: 'paid' });
        expect((await call('GET', '/me/cart', buyer)).json()).toEqual({ items: [] });
        expect([await stockOf(a), await stockOf(b), await balance(buyer)]).toEqual([3, 4, 9200]);
        const again = await call('POST', '/me/cart/checkout', buyer, { idempotency_key: 'checkout-1' });
        expect([again.statusCode, again.json()]).toEqual([201, res.json()]);
        const empty = await call('POST', '/me/cart/checkout', buyer, { idempotency_key: 'checkout-2' });
        expect([empty.statusCode, empty.json().error.code]).toEqual([409, 'cart_empty']);
        expect((await call('GET', '/me', buyer)).json().order_count).toBe(1);
      });

      it('gives one order to two checkouts racing on one cart', async () => {
        const [buyer, seller] = [await funded(10_000), await signUp(app)];
        const product = await newProduct(seller, 100, 10);
        await call('PUT', `/me/cart/items/${product.id}`, buyer, { quantity: 2 });
        const [one, two] = await Promise.all([
          call('POST', '/me/cart/checkout', buyer, { idempotency_key: 'race-a' }),
          call('POST', '/me/cart/checkout', buyer, { idempotency_key: 'race-b' }),
        ]);
        expect([one.statusCode, two.statusCode].sort()).toEqual([201, 409]);
        expect((await call('GET', '/me/orders', buyer)).json().items).toHaveLength(1);
        expect([await stockOf(product), await balance(buyer)]).toEqual([8, 9800]);
      });

      it('never drops an acknowledged edit made while a checkout of the same cart runs', async () => {
        const [buyer, seller] = [await funded(1_000_000), await signUp(app)];
        const [bought, added] = [await newProduct(seller, 10, 1000), await newProduct(seller, 20, 1000)];
        for (let round = 0; round < 10; round++) {
          expect((await call('PUT', `/me/cart/items/${bought.id}`, buyer, { quantity: 1 })).statusCode).toBe(
            204,
          );
          const [checkout, edit] = await Promise.all([
            call('POST', '/me/cart/checkout', buyer, { idempotency_key: v7() }),
            call('PUT', `/me/cart/items/${added.id}`, buyer, { quantity: 2 }),
          ]);
          expect(checkout.statusCode, checkout.body).toBe(201);
          expect(edit.statusCode).toBe(204);
          // The acknowledged line is in the order, or still in the cart: never lost.
          const ordered = checkout
            .json()
            .items.some((item: { product_id: string }) => item.product_id === added.id);
          const cart = (await call('GET', '/me/cart', buyer)).json().items;
          expect(
            cart.map((line: { product_id: string; quantity: number }) => [line.product_id, line.quantity]),
          ).toEqual(ordered ? [] : [[added.id, 2]]);
          if (!ordered) await call('DELETE', `/me/cart/items/${added.id}`, buyer);
        }
      });

      it('refuses a checkout the buyer cannot pay with 402, keeping the cart', async () => {
        const [buyer, seller] = [await funded(50), await signUp(app)];
        const product = await newProduct(seller, 100, 10);
        await call('PUT', `/me/cart/items/${product.id}`, buyer, { quantity: 1 });
        expect((await call('POST', '/me/cart/checkout', buyer, { idempotency_key: 'poor' })).statusCode).toBe(
          402,
        );
        expect((await call('GET', '/me/cart', buyer)).json().items).toHaveLength(1);
        expect(await stockOf(product)).toBe(10);
      });
    });

    describe('sellers leaderboard', () => {
      it('ranks sellers by revenue for anyone, top N with no cursor', async () => {
        const buyer = await funded(100_000);
        const [big, small] = [await signUp(app), await signUp(app)];
        const [pricey, cheap] = [await newProduct(big, 40_000, 5), await newProduct(small, 30_000, 5)];
        await buy(buyer, [[pricey, 1]]);
        await buy(buyer, [[cheap, 1]]);
        const res = await call('GET', '/leaderboards/sellers?limit=2');
        expect(res.statusCode).toBe(200);
        expect(res.json()).toEqual({
          items: [
            {
              seller: { id: big.id, handle: big.handle, name: expect.any(String), avatar_url: null },
              revenue_cents: 40_000,
            },
            { seller: expect.objectContaining({ id: small.id }), revenue_cents: 30_000 },
          ],
          next_cursor: null,
        });
        expect((await call('GET', '/leaderboards/sellers?limit=101')).statusCode).toBe(400);
      });
    });

    it('reports the commerce role in /healthz', async () => {
      const res = await app.inject({ method: 'GET', url: '/healthz' });
      expect(res.json().roles.commerce).toMatchObject({ engine: stack.sql, ok: true });
    });
  });

  describe.skipIf(stack.skip !== undefined)(
    `carts and the leaderboard survive a lost cache on ${stack.name}${stack.skip ? ` [SKIPPED: ${stack.skip}]` : ''}`,
    () => {
      let platform: Awaited<ReturnType<typeof platformWithCacheLoss>>;
      beforeAll(async () => {
        platform = await platformWithCacheLoss(stack);
      });
      afterAll(() => platform?.close());

      const call = caller(() => platform.app);

      it('keeps every acknowledged cart line when the cache loses everything, and checks it out', async () => {
        const [buyer, seller] = [await signUp(platform.app), await signUp(platform.app)];
        await call('POST', '/wallet/deposits', buyer, { amount_cents: 10_000 });
        const product = (
          await call('POST', '/products', seller, { name: 'Mug', price_cents: 700, stock: 9 })
        ).json();
        expect((await call('PUT', `/me/cart/items/${product.id}`, buyer, { quantity: 2 })).statusCode).toBe(
          204,
        );
        // No background work to wait for: a 204 means the line is saved.
        await platform.loseCache();
        const line = { product_id: product.id, unit_price_cents: 700, current_unit_price_cents: 700 };
        expect((await call('GET', '/me/cart', buyer)).json()).toEqual({ items: [{ ...line, quantity: 2 }] });
        expect((await call('PUT', `/me/cart/items/${product.id}`, buyer, { quantity: 3 })).statusCode).toBe(
          204,
        );
        await platform.loseCache();
        expect((await call('GET', '/me/cart', buyer)).json().items).toEqual([{ ...line, quantity: 3 }]);
        const order = await call('POST', '/me/cart/checkout', buyer, { idempotency_key: 'after-flush' });
        expect([order.statusCode, order.json().total_cents]).toEqual([201, 2100]);
        await platform.loseCache();
        expect((await call('GET', '/me/cart', buyer)).json()).toEqual({ items: [] });
      });

      it('rebuilds the sellers leaderboard from PostgreSQL when it is lost', async () => {
        const [buyer, seller] = [await signUp(platform.app), await signUp(platform.app)];
        await call('POST', '/wallet/deposits', buyer, { amount_cents: 1_000_000 });
        const product = (
          await call('POST', '/products', seller, { name: 'Gold', price_cents: 900_000, stock: 1 })
        ).json();
        await call('POST', '/orders', buyer, {
          items: [{ product_id: product.id, quantity: 1, expected_unit_price_cents: 900_000 }],
          idempotency_key: 'g',
        });
        const before = (await call('GET', '/leaderboards/sellers?limit=1')).json();
        expect(before.items[0]).toMatchObject({ seller: { id: seller.id }, revenue_cents: 900_000 });
        await platform.loseCache();
        expect((await call('GET', '/leaderboards/sellers?limit=1')).json()).toEqual(before);
      });
    },
  );
}

for (const stack of httpStacks) {
  describe.skipIf(stack.skip !== undefined)(stackTitle('bounded events', stack), () => {
    let platform: Awaited<ReturnType<typeof platformWithCacheLoss>>;
    beforeAll(async () => {
      platform = await platformWithCacheLoss(stack, { EVENT_MAX_SEATS: '50', EVENTS_PER_USER_PER_DAY: '3' });
    });
    afterAll(() => platform?.close());
    const call = caller(() => platform.app);
    const create = (user: TestUser, seats: number) =>
      call('POST', '/events', user, { name: 'Meetup', seats });

    it('refuses more seats than EVENT_MAX_SEATS with 400 naming the field, creating nothing', async () => {
      const organizer = await signUp(platform.app);
      for (const seats of [51, 10_001]) {
        const res = await create(organizer, seats);
        expect(res.statusCode).toBe(400);
        expect(Object.keys(res.json().error.details.fields)).toEqual(['seats']);
      }
      // The refusals counted for nothing: the day's three events are all still there to make.
      for (let i = 0; i < 3; i++) expect((await create(organizer, 50)).statusCode).toBe(201);
    });

    it('refuses an organizer more than EVENTS_PER_USER_PER_DAY with 429 and Retry-After, also after the cache is lost', async () => {
      const [organizer, other] = [await signUp(platform.app), await signUp(platform.app)];
      for (let i = 0; i < 3; i++) expect((await create(organizer, 2)).statusCode).toBe(201);
      const refused = await create(organizer, 2);
      expect([refused.statusCode, refused.json().error.code]).toEqual([429, 'rate_limited']);
      const retryAfter = Number(refused.headers['retry-after']);
      expect(retryAfter).toBeGreaterThan(0);
      expect(retryAfter).toBeLessThanOrEqual(86_400);
      // Counted in the database: a cache that lost everything (or a restart) changes nothing.
      await platform.loseCache();
      expect((await create(organizer, 2)).statusCode).toBe(429);
      expect((await create(other, 2)).statusCode).toBe(201);
    });
  });
}

// Carts through a Redis outage and a Redis that comes back empty: a Redis of this test's own
// (the shared one is never stopped), in front of each SQL store of record.
for (const sql of ['pglite', 'postgres'] as const) {
  const skip = !hasRedisServer
    ? 'no redis-server binary on this machine'
    : sql === 'postgres'
      ? servers.postgres.skipReason
      : undefined;
  describe.skipIf(skip !== undefined)(
    `carts when Redis goes down and comes back empty, on ${sql}${skip ? ` [SKIPPED: ${skip}]` : ''}`,
    () => {
      let redis: ChildProcess | undefined;
      afterAll(async () => {
        if (redis && redis.exitCode === null) await stop(redis);
      });

      it('keeps every acknowledged line, answers 204 or 503 (never 500) meanwhile, and checks out right', async () => {
        const port = await freePort();
        redis = await startRedis(port);
        const { app } = await buildTestApp({
          sql,
          env: {
            REDIS_URL: `redis://127.0.0.1:${port}`,
            CACHE_STORE: 'redis',
            JOBS_STORE: sql,
            COMMERCE_STORE: sql,
            DEMO_MODE: '1',
          },
        });
        const call = caller(() => app);
        const [buyer, seller] = [await signUp(app), await signUp(app)];
        await call('POST', '/wallet/deposits', buyer, { amount_cents: 100_000 });
        const products: Product[] = [];
        for (const price_cents of [100, 200, 300, 400]) {
          products.push(
            (await call('POST', '/products', seller, { name: 'Lamp', price_cents, stock: 10 })).json(),
          );
        }
        const [a, b, c, d] = products as [Product, Product, Product, Product];
        const put = (p: Product, quantity: number) =>
          call('PUT', `/me/cart/items/${p.id}`, buyer, { quantity });
        expect((await put(a, 1)).statusCode).toBe(204);
        expect((await put(b, 2)).statusCode).toBe(204);

        await stop(redis);
        const during = await put(c, 3);
        expect([204, 503]).toContain(during.statusCode);
        if (during.statusCode === 503) expect(during.headers['retry-after']).toBeDefined();
        const removed = await call('DELETE', `/me/cart/items/${a.id}`, buyer);
        expect([204, 503]).toContain(removed.statusCode);

        // Back, with none of its data; the lines acknowledged before are all still there.
        redis = await startRedis(port);
        const after = await put(d, 1);
        expect([204, 503]).toContain(after.statusCode);
        const expected = new Map<string, number>([[b.id, 2]]);
        if (removed.statusCode !== 204) expected.set(a.id, 1);
        if (during.statusCode === 204) expected.set(c.id, 3);
        if (after.statusCode === 204) expected.set(d.id, 1);
        const items: Array<{ product_id: string; quantity: number }> = (
          await call('GET', '/me/cart', buyer)
        ).json().items;
        expect(new Map(items.map((line) => [line.product_id, line.quantity]))).toEqual(expected);

        const order = await call('POST', '/me/cart/checkout', buyer, { idempotency_key: 'after-outage' });
        expect(order.statusCode, order.body).toBe(201);
        const priceOf = new Map(products.map((p) => [p.id, p.price_cents]));
        const total = [...expected].reduce(
          (sum, [id, quantity]) => sum + (priceOf.get(id) ?? 0) * quantity,
          0,
        );
        expect(order.json().total_cents).toBe(total);
        expect((await call('GET', '/me/wallet', buyer)).json().balance_cents).toBe(100_000 - total);
      }, 60_000);
    },
  );
}

describe('demo mode', () => {
  it('is on by default with embedded stores, off when DATABASE_URL is set unless DEMO_MODE=1', () => {
    expect(loadConfig({}).demoMode).toBe(true);
    const url = 'postgres://localhost/x';
    expect(loadConfig({ DATABASE_URL: url }).demoMode).toBe(false);
    expect(loadConfig({ DATABASE_URL: url, DEMO_MODE: '1' }).demoMode).toBe(true);
    expect(loadConfig({ DEMO_MODE: 'off' }).demoMode).toBe(false);
    expect(() => loadConfig({ DEMO_MODE: 'sometimes' })).toThrow(ConfigError);
  });

  describe.skipIf(servers.postgres.skipReason !== undefined)(
    `on PostgreSQL${servers.postgres.skipReason ? ` [SKIPPED: ${servers.postgres.skipReason}]` : ''}`,
    () => {
      let app: FastifyInstance;
      beforeAll(async () => {
        ({ app } = await buildTestApp({ sql: 'postgres' }));
      });

      it('has no deposit route without DEMO_MODE=1', async () => {
        const user = await signUp(app);
        const res = await app.inject({
          method: 'POST',
          url: '/api/v1/wallet/deposits',
          headers: auth(user.token),
          payload: { amount_cents: 100 },
        });
        expect(res.statusCode).toBe(404);
      });

      it('refuses commerce on another database than the accounts, before opening any', async () => {
        const env = await testEnv({ sql: 'postgres', env: { COMMERCE_STORE: 'pglite' } });
        expect(() => loadConfig(env)).toThrow(/COMMERCE_STORE/);
      });
    },
  );
});
