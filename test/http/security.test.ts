// What an attacker tries at the HTTP edge, through the real server on both stacks: one thing
// answering to several ids (letter case of UUIDs).
import type { FastifyInstance } from 'fastify';
import { beforeAll, describe, expect, it } from 'vitest';
import type { Platform } from '../../src/app.ts';
import { caller, signUp, type TestUser } from '../support/api.ts';
import { buildTestApp } from '../support/app.ts';
import { httpStacks, stackTitle } from '../support/targets.ts';

/** `count` distinct spellings of one UUID, differing only in the case of its letters. */
function caseVariants(id: string, count: number): string[] {
  const letters = [...id].flatMap((char, index) => (/[a-f]/.test(char) ? [index] : []));
  expect(2 ** letters.length).toBeGreaterThanOrEqual(count);
  return Array.from({ length: count }, (_, n) => {
    const chars = [...id];
    letters.forEach((index, bit) => {
      if ((n >> bit) & 1) chars[index] = (chars[index] as string).toUpperCase();
    });
    return chars.join('');
  });
}

for (const stack of httpStacks) {
  describe.skipIf(stack.skip !== undefined)(stackTitle('the HTTP edge against abuse', stack), () => {
    let platform: Platform;
    let app: FastifyInstance;
    let alice: TestUser;
    let bob: TestUser;
    beforeAll(async () => {
      platform = await buildTestApp({
        sql: stack.sql,
        cache: stack.cache,
        env: { DEMO_MODE: '1', COMMERCE_STORE: stack.sql, ANALYTICS_STORE: stack.sql },
      });
      ({ app } = platform);
      [alice, bob] = await Promise.all([signUp(app), signUp(app)]);
    });
    const call = caller(() => app);
    const newPost = async (user: TestUser) => {
      const res = await call('POST', '/posts', user, { content: 'one post, one id' });
      expect(res.statusCode, res.body).toBe(201);
      return res.json().id as string;
    };

    describe('one id per thing, whatever the letter case', () => {
      it('keeps one cart line for a product put in upper and lower case, and checks it out', async () => {
        const product = await call('POST', '/products', alice, { name: 'Lamp', price_cents: 500, stock: 5 });
        expect(product.statusCode, product.body).toBe(201);
        const id = product.json().id as string;
        expect((await call('POST', '/wallet/deposits', bob, { amount_cents: 5000 })).statusCode).toBe(201);

        expect(
          (await call('PUT', `/me/cart/items/${id.toUpperCase()}`, bob, { quantity: 2 })).statusCode,
        ).toBe(204);
        expect((await call('PUT', `/me/cart/items/${id}`, bob, { quantity: 3 })).statusCode).toBe(204);
        expect((await call('GET', '/me/cart', bob)).json()).toEqual({
          items: [{ product_id: id, quantity: 3 }],
        });

        const order = await call('POST', '/me/cart/checkout', bob, { idempotency_key: 'upper-case-cart' });
        expect(order.statusCode, order.body).toBe(201);
        expect(order.json().items).toEqual([expect.objectContaining({ product_id: id, quantity: 3 })]);
        expect((await call('GET', `/products/${id.toUpperCase()}`)).json()).toMatchObject({ id, stock: 2 });
        const byUpper = await call('GET', `/orders/${(order.json().id as string).toUpperCase()}`, bob);
        expect([byUpper.statusCode, byUpper.json().id]).toEqual([200, order.json().id]);
      });

      it('takes an order line whose product_id is in upper case as that product', async () => {
        const product = await call('POST', '/products', alice, { name: 'Desk', price_cents: 700, stock: 4 });
        const id = product.json().id as string;
        expect((await call('POST', '/wallet/deposits', bob, { amount_cents: 5000 })).statusCode).toBe(201);
        const order = await call('POST', '/orders', bob, {
          items: [{ product_id: id.toUpperCase(), quantity: 1 }],
          idempotency_key: 'upper-case-order',
        });
        expect(order.statusCode, order.body).toBe(201);
        expect(order.json().items[0].product_id).toBe(id);
        expect((await call('GET', `/products/${id}`)).json().stock).toBe(3);
      });

      it('answers to an upper-case post id everywhere: read, like, comment, delete', async () => {
        const id = await newPost(alice);
        const upper = id.toUpperCase();
        const read = await call('GET', `/posts/${upper}`);
        expect([read.statusCode, read.json().id]).toEqual([200, id]);
        expect((await call('PUT', `/posts/${upper}/like`, bob)).statusCode).toBe(204);
        expect((await call('PUT', `/posts/${id}/like`, bob)).statusCode).toBe(204);
        const comment = await call('POST', `/posts/${upper}/comments`, bob, { text: 'same post' });
        expect(comment.statusCode, comment.body).toBe(201);
        const commentId = comment.json().id as string;
        expect((await call('GET', `/posts/${id}`)).json()).toMatchObject({
          stats: { likes: 1, comments: 1 },
        });
        expect(
          (await call('DELETE', `/posts/${upper}/comments/${commentId.toUpperCase()}`, bob)).statusCode,
        ).toBe(204);
        expect((await call('GET', `/posts/${upper}/comments`)).json().items).toEqual([]);
        expect((await call('DELETE', `/posts/${upper}`, alice)).statusCode).toBe(204);
        expect((await call('GET', `/posts/${id}`)).statusCode).toBe(404);
      });

      it('counts one view for 20 spellings of one post id from one viewer', async () => {
        const id = await newPost(alice);
        const counted = [];
        for (const spelling of caseVariants(id, 20)) {
          const res = await call('POST', `/posts/${spelling}/views`, bob);
          expect(res.statusCode, res.body).toBe(202);
          counted.push(res.json().counted);
        }
        expect(counted.filter(Boolean)).toHaveLength(1);
        await platform.analytics.flush();
        const trending = (await call('GET', '/trending?hours=1&limit=100')).json();
        expect(trending.items.find((item: { id: string }) => item.id === id)?.views).toBe(1);
      });

      it('still refuses what is not a UUID in canonical form', async () => {
        const id = await newPost(alice);
        for (const bad of [`urn:uuid:${id}`, `{${id}}`, id.replaceAll('-', '')]) {
          expect((await call('GET', `/posts/${encodeURIComponent(bad)}`)).statusCode).toBe(400);
        }
      });
    });
  });
}
