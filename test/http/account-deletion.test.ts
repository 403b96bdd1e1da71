// Deleting an account through the real HTTP stack, on the embedded default and on the real
// PostgreSQL + Redis: log-in stops at once, the erasure runs in the background, and afterwards
// no table column and no Redis key holds the person's id, email or handle, except the records
// a business keeps (orders, items, payments, the closed wallet and its ledger). Counters on
// other people's posts and profiles are right, and the email can sign up again.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildApp, type Platform } from '../../src/app.ts';
import { loadConfig } from '../../src/config.ts';
import { caller, signUp, type TestUser } from '../support/api.ts';
import { testEnv } from '../support/app.ts';
import { distinctiveNextUserId, openDatabase, redisRemains, sqlRemains } from '../support/remains.ts';
import { dropKeys } from '../support/stores.ts';
import { httpStacks, stackTitle } from '../support/targets.ts';

for (const stack of httpStacks) {
  describe.skipIf(stack.skip !== undefined)(stackTitle('account deletion', stack), () => {
    let env: Record<string, string>;
    let platform: Platform;
    let victimId: number;
    const call = caller(() => platform.app);

    beforeAll(async () => {
      env = await testEnv({ sql: stack.sql, cache: stack.cache, env: { DEMO_MODE: '1' } });
      victimId = await distinctiveNextUserId(env);
      platform = await buildApp(loadConfig(env));
    });
    afterAll(async () => {
      await platform?.app.close();
      if (env.REDIS_URL && env.KEY_PREFIX) await dropKeys(env.REDIS_URL, env.KEY_PREFIX);
    });

    it('erases the person everywhere but the records kept, corrects the counters, and frees the email', async () => {
      const victim = await signUp(platform.app, { bio: 'about me' });
      expect(victim.id).toBe(victimId);
      const friend = await signUp(platform.app);
      const other = await signUp(platform.app);

      // Posts, comments and likes both ways.
      const post = async (user: TestUser, content: string) =>
        (await call('POST', '/posts', user, { content })).json().id as string;
      const victimPost = await post(victim, 'mine');
      await post(victim, 'mine again');
      const friendPost = await post(friend, 'theirs');
      const otherPost = await post(other, 'someone else');
      expect((await call('PUT', `/posts/${victimPost}/like`, friend)).statusCode).toBe(204);
      expect((await call('POST', `/posts/${victimPost}/comments`, friend, { text: 'hi' })).statusCode).toBe(
        201,
      );
      expect((await call('PUT', `/posts/${friendPost}/like`, victim)).statusCode).toBe(204);
      expect((await call('PUT', `/posts/${otherPost}/like`, victim)).statusCode).toBe(204);
      expect((await call('PUT', `/posts/${otherPost}/like`, friend)).statusCode).toBe(204);
      for (const text of ['first', 'second']) {
        expect((await call('POST', `/posts/${friendPost}/comments`, victim, { text })).statusCode).toBe(201);
      }
      expect((await call('POST', `/posts/${friendPost}/comments`, other, { text: 'stays' })).statusCode).toBe(
        201,
      );
      // Follows both ways; the friend's home timeline holds the victim's posts.
      for (const [a, b] of [
        [victim, friend],
        [friend, victim],
        [other, victim],
        [other, friend],
      ] as const) {
        expect((await call('PUT', `/users/${b.id}/follow`, a)).statusCode).toBe(204);
      }
      expect((await call('GET', '/feed', friend)).json().items.length).toBe(3);
      expect((await call('GET', `/users/${victim.id}`)).statusCode).toBe(200);
      expect((await call('POST', `/posts/${friendPost}/views`, victim)).statusCode).toBeLessThan(300);

      // Commerce: the victim sells to the friend, has a cart, books a seat, organises an event.
      const product = (
        await call('POST', '/products', victim, { name: 'Mug', price_cents: 500, stock: 5 })
      ).json();
      const friendProduct = (
        await call('POST', '/products', friend, { name: 'Hat', price_cents: 300, stock: 5 })
      ).json();
      expect((await call('POST', '/wallet/deposits', friend, { amount_cents: 10_000 })).statusCode).toBe(201);
      const order = await call('POST', '/orders', friend, {
        items: [{ product_id: product.id, quantity: 1, expected_unit_price_cents: 500 }],
        idempotency_key: 'buy-mug',
      });
      expect(order.statusCode, order.body).toBe(201);
      expect(order.json().items[0].seller_name).toMatch(/^Test User/);
      const cart = await call('PUT', `/me/cart/items/${friendProduct.id}`, victim, { quantity: 2 });
      expect(cart.statusCode, cart.body).toBe(204);
      const event = (await call('POST', '/events', friend, { name: 'Gig', seats: 3 })).json();
      expect((await call('POST', `/events/${event.id}/seats/1/booking`, victim)).statusCode).toBe(201);
      expect((await call('POST', '/events', victim, { name: 'My party', seats: 2 })).statusCode).toBe(201);
      expect((await call('GET', '/leaderboards/sellers')).json().items[0].seller.id).toBe(victim.id);

      // The password is required; money in the wallet refuses the deletion, changing nothing.
      expect((await call('DELETE', '/me', victim, { password: 'not the password' })).statusCode).toBe(403);
      const refused = await call('DELETE', '/me', victim, { password: victim.password });
      expect(refused.statusCode, refused.body).toBe(409);
      expect(refused.json().error).toMatchObject({
        code: 'wallet_not_empty',
        details: { balance_cents: 500 },
      });
      expect((await call('GET', '/me', victim)).statusCode).toBe(200);
      const transfer = await call('POST', '/wallet/transfers', victim, {
        to_user_id: friend.id,
        amount_cents: 500,
        idempotency_key: 'empty-the-wallet',
      });
      expect(transfer.statusCode, transfer.body).toBe(201);

      const deleted = await call('DELETE', '/me', victim, { password: victim.password });
      expect(deleted.statusCode, deleted.body).toBe(204);
      // At once: the session is over, log-in fails, the profile is gone, money cannot come in.
      expect((await call('GET', '/me', victim)).statusCode).toBe(401);
      const logIn = await call('POST', '/sessions', undefined, {
        email: victim.email,
        password: victim.password,
      });
      expect(logIn.statusCode).toBe(401);
      expect((await call('GET', `/users/${victim.id}`)).statusCode).toBe(404);
      const gift = await call('POST', '/wallet/transfers', friend, {
        to_user_id: victim.id,
        amount_cents: 100,
        idempotency_key: 'to-the-deleted',
      });
      expect(gift.statusCode).toBe(404);

      await platform.jobs.idle();

      // Others' counters and lists are right.
      const friendPostNow = (await call('GET', `/posts/${friendPost}`)).json();
      expect(friendPostNow.stats).toMatchObject({ likes: 0, comments: 1 });
      expect(friendPostNow.comments.map((c: { text: string }) => c.text)).toEqual(['stays']);
      expect((await call('GET', `/posts/${otherPost}`)).json().stats.likes).toBe(1);
      expect((await call('GET', `/posts/${victimPost}`)).statusCode).toBe(404);
      expect((await call('GET', `/users/${friend.id}`)).json().counts).toEqual({
        followers: 1,
        following: 0,
        posts: 1,
      });
      expect((await call('GET', `/users/${other.id}`)).json().counts).toMatchObject({ following: 1 });
      const feed = (await call('GET', '/feed', friend)).json();
      expect(feed.items.map((item: { id: string }) => item.id)).toEqual([friendPost]);
      expect((await call('GET', `/products/${product.id}`)).statusCode).toBe(404);
      expect((await call('GET', '/leaderboards/sellers')).json().items).toEqual([]);
      // The order is kept, naming its seller as a deleted account.
      const kept = (await call('GET', `/orders/${order.json().id}`, friend)).json();
      expect(kept.items[0]).toMatchObject({
        seller_id: victim.id,
        seller_name: 'deleted account',
        name: 'Mug',
      });
      expect(kept.buyer_name).toMatch(/^Test User/);

      // Nothing else names the person.
      const person = { id: victim.id, email: victim.email, handle: victim.handle };
      if (env.REDIS_URL)
        expect(await redisRemains(env.REDIS_URL, env.KEY_PREFIX as string, person)).toEqual([]);
      // The platform stops, so that the embedded database can be opened and read whole.
      await platform.app.close();
      const db = await openDatabase(env);
      try {
        expect(await sqlRemains(db, person)).toEqual({});
        const [tombstone] = await db.query('SELECT * FROM users WHERE id = $1', [victim.id]);
        expect(tombstone).toMatchObject({
          email: null,
          email_normalized: null,
          password_hash: null,
          birthdate: null,
        });
        expect(tombstone?.deleted_at).toBeInstanceOf(Date);
        const [wallet] = await db.query('SELECT balance_cents, closed_at FROM wallets WHERE user_id = $1', [
          victim.id,
        ]);
        expect(wallet?.balance_cents).toBe(0);
        expect(wallet?.closed_at).toBeInstanceOf(Date);
      } finally {
        await db.close();
      }

      // The email (in any spelling) and the handle are free again.
      platform = await buildApp(loadConfig(env));
      const again = await call('POST', '/accounts', undefined, {
        email: victim.email.toUpperCase(),
        password: 'another long password',
        name: 'Someone New',
        birthdate: '1991-01-01',
        handle: victim.handle,
      });
      expect(again.statusCode, again.body).toBe(201);
      expect(again.json().id).not.toBe(victim.id);
    }, 180_000);
  });
}
