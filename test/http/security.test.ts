// What an attacker tries at the HTTP edge, through the real server on both stacks: one thing
// answering to several ids (letter case of UUIDs), and cursors the server did not issue
// (forged, tampered, or signed with fields out of range).
import type { FastifyInstance } from 'fastify';
import { beforeAll, describe, expect, it } from 'vitest';
import { buildApp, type Platform } from '../../src/app.ts';
import { loadConfig } from '../../src/config.ts';
import { CursorCodec } from '../../src/pagination.ts';
import { auth, caller, signUp, type TestUser } from '../support/api.ts';
import { buildTestApp, testEnv } from '../support/app.ts';
import { dropKeys } from '../support/stores.ts';
import { httpStacks, stackTitle } from '../support/targets.ts';

// The tests know the key, so they can sign cursors whose fields are out of range.
const CURSOR_SECRET = 'a test key for list cursors, 32+ characters long';
const MAC_CHARS = 22;
/** The fields of a cursor, read as a client could (they are signed, not hidden). */
const fieldsOf = (cursor: string): unknown[] =>
  JSON.parse(Buffer.from(cursor.slice(MAC_CHARS), 'base64url').toString('utf8'));
/** Values no field of a cursor the server issued holds where a number, a text or null stood. */
const outOfRange = (value: unknown): unknown[] => {
  if (typeof value === 'number') return [-1, 1.5, 2 ** 53, String(value)];
  if (typeof value !== 'string') return [1, 'x'];
  const otherCase = value.toUpperCase() === value ? value.toLowerCase() : value.toUpperCase();
  return ['not-an-id', 1, ...(otherCase === value ? [] : [otherCase])];
};

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
        env: {
          DEMO_MODE: '1',
          COMMERCE_STORE: stack.sql,
          ANALYTICS_STORE: stack.sql,
          CURSOR_SECRET,
          // Behind a proxy that says whether the client came over HTTPS.
          TRUST_PROXY: 'true',
        },
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
          items: [expect.objectContaining({ product_id: id, quantity: 3, unit_price_cents: 500 })],
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
          items: [{ product_id: id.toUpperCase(), quantity: 1, expected_unit_price_cents: 700 }],
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

    describe('security headers', () => {
      const get = (url: string, headers: Record<string, string> = {}) =>
        app.inject({ method: 'GET', url, headers });

      it('sends a CSP without inline script, no framing, nosniff and a Referrer-Policy on pages and the API', async () => {
        const docs = await get('/docs/');
        expect(docs.statusCode).toBe(200);
        // Swagger UI's own script, as the page names it.
        const src = /<script src="([^"]*swagger-initializer\.js)"/.exec(docs.body)?.[1] ?? '';
        const script = await get(src.startsWith('/') ? src : `/docs/${src.replace(/^\.\//, '')}`);
        expect(script.statusCode).toBe(200);
        for (const res of [
          await get('/'),
          docs,
          script,
          await get('/api/v1/products'),
          await get('/nowhere'),
        ]) {
          const csp = String(res.headers['content-security-policy']);
          const directives = new Map(
            csp.split(';').map((part) => {
              const [name = '', ...values] = part.trim().split(/\s+/);
              return [name, values] as const;
            }),
          );
          expect(directives.get('script-src'), csp).toEqual(["'self'"]);
          expect(directives.get('script-src-attr'), csp).toEqual(["'none'"]);
          expect(directives.get('frame-ancestors'), csp).toEqual(["'none'"]);
          expect(directives.get('img-src'), csp).toEqual(expect.arrayContaining(['https:', 'http:']));
          expect(directives.has('upgrade-insecure-requests'), csp).toBe(false);
          expect(res.headers['x-content-type-options']).toBe('nosniff');
          expect(res.headers['x-frame-options']).toBe('DENY');
          expect(res.headers['referrer-policy']).toBe('strict-origin-when-cross-origin');
          expect(res.headers['strict-transport-security']).toBeUndefined();
        }
        // The pages load their scripts from files: no inline script for the CSP to block.
        for (const page of [await get('/'), docs]) {
          expect(page.body).not.toMatch(/<script(?![^>]*\ssrc=)[^>]*>/i);
        }
      });

      it('sends HSTS only when the client came over HTTPS', async () => {
        const secure = await get('/', { 'x-forwarded-proto': 'https' });
        expect(secure.headers['strict-transport-security']).toMatch(/max-age=\d+/);
        expect(
          (await get('/', { 'x-forwarded-proto': 'http' })).headers['strict-transport-security'],
        ).toBeUndefined();
      });

      it('marks replies carrying private data no-store, and leaves anonymous public reads cacheable', async () => {
        for (const url of [
          '/me',
          '/me/wallet',
          '/me/orders',
          '/me/cart',
          '/me/wallet/entries',
          '/products',
        ]) {
          const res = await call('GET', url, bob);
          expect(res.statusCode, url).toBe(200);
          expect(res.headers['cache-control'], url).toBe('no-store');
        }
        const session = await app.inject({
          method: 'POST',
          url: '/api/v1/sessions',
          payload: { email: bob.email, password: bob.password },
        });
        expect([session.statusCode, session.headers['cache-control']]).toEqual([201, 'no-store']);
        expect((await call('GET', '/products')).headers['cache-control']).toBeUndefined();
      });
    });

    describe('cursors the server did not issue', () => {
      // Every cursor-paginated list, with a caller who sees at least two pages of it.
      const lists: Array<{ name: string; url: () => string; user?: () => TestUser }> = [];
      let carol: TestUser;
      beforeAll(async () => {
        carol = await signUp(app);
        const [postId] = [await newPost(alice), await newPost(alice)];
        for (const text of ['one', 'two']) await call('POST', `/posts/${postId}/comments`, bob, { text });
        for (const [who, whom] of [
          [bob, alice],
          [carol, alice],
          [alice, bob],
          [alice, carol],
        ] as const) {
          expect((await call('PUT', `/users/${whom.id}/follow`, who)).statusCode).toBe(204);
        }
        expect((await call('POST', '/wallet/deposits', carol, { amount_cents: 5000 })).statusCode).toBe(201);
        for (const name of ['Cup', 'Mug']) {
          const product = (
            await call('POST', '/products', alice, { name, price_cents: 100, stock: 9 })
          ).json();
          const order = await call('POST', '/orders', carol, {
            items: [{ product_id: product.id, quantity: 1, expected_unit_price_cents: 100 }],
            idempotency_key: `cursor-${name}`,
          });
          expect(order.statusCode, order.body).toBe(201);
        }
        lists.push(
          { name: 'user posts', url: () => `/users/${alice.id}/posts` },
          { name: 'comments', url: () => `/posts/${postId}/comments` },
          { name: 'followers', url: () => `/users/${alice.id}/followers` },
          { name: 'following', url: () => `/users/${alice.id}/following` },
          { name: 'home feed', url: () => '/feed', user: () => bob },
          { name: 'products', url: () => '/products' },
          { name: 'orders', url: () => '/me/orders', user: () => carol },
          { name: 'wallet entries', url: () => '/me/wallet/entries', user: () => carol },
        );
      });

      const page = (list: (typeof lists)[number], cursor?: string) =>
        call(
          'GET',
          `${list.url()}?limit=1${cursor === undefined ? '' : `&cursor=${encodeURIComponent(cursor)}`}`,
          list.user?.(),
        );
      const expectRefused = async (list: (typeof lists)[number], cursor: string, what: string) => {
        const res = await page(list, cursor);
        expect(res.statusCode, `${list.name}, ${what}: ${res.body}`).toBe(400);
        expect(res.json().error.details.fields).toHaveProperty('cursor');
      };

      it('refuses forged, tampered and re-signed out-of-range cursors on every list with 400, never 500', async () => {
        const codec = new CursorCodec(Buffer.from(CURSOR_SECRET));
        for (const list of lists) {
          const first = await page(list);
          expect(first.statusCode, `${list.name}: ${first.body}`).toBe(200);
          const cursor = first.json().next_cursor as string;
          expect(cursor, list.name).toEqual(expect.any(String));
          expect((await page(list, cursor)).statusCode, list.name).toBe(200);

          const fields = fieldsOf(cursor);
          // The reported forgery: a time past Date's range, unsigned as cursors used to be.
          const forged = fields.map((value, index) =>
            index === 3 && typeof value === 'number' ? 8.64e15 + 1 : value,
          );
          await expectRefused(list, Buffer.from(JSON.stringify(forged)).toString('base64url'), 'unsigned');
          await expectRefused(
            list,
            codec.encode(fields).replace(/^./, (c) => (c === 'A' ? 'B' : 'A')),
            'bad signature',
          );
          const payload = cursor.slice(MAC_CHARS);
          const tampered = `${cursor.slice(0, MAC_CHARS)}${payload.slice(0, -2)}${payload.at(-2) === 'A' ? 'B' : 'A'}${payload.at(-1)}`;
          await expectRefused(list, tampered, 'tampered');
          await expectRefused(list, new CursorCodec(Buffer.alloc(32, 1)).encode(fields), 'another key');
          for (const [index, value] of fields.entries()) {
            for (const bad of outOfRange(value)) {
              const changed = fields.with(index, bad);
              await expectRefused(list, codec.encode(changed), `field ${index} = ${JSON.stringify(bad)}`);
            }
          }
          if (
            typeof fields[3] === 'number' &&
            fields[0] === 1 &&
            list.name !== 'followers' &&
            list.name !== 'following'
          ) {
            await expectRefused(list, codec.encode(forged), "signed, past Date's range");
          }
        }
      });
    });
  });
}

for (const stack of httpStacks) {
  describe.skipIf(stack.skip !== undefined)(stackTitle('the stored cursor key', stack), () => {
    it('is made once and shared: a cursor survives a restart and is accepted by another process', async () => {
      const env = await testEnv({ sql: stack.sql, cache: stack.cache });
      const running: Platform[] = [];
      const start = async () => {
        const platform = await buildApp(loadConfig(env));
        running.push(platform);
        return platform.app;
      };
      try {
        const first = await start();
        const author = await signUp(first);
        const post = (content: string) =>
          first.inject({
            method: 'POST',
            url: '/api/v1/posts',
            headers: auth(author.token),
            payload: { content },
          });
        for (const content of ['a', 'b']) expect((await post(content)).statusCode).toBe(201);
        const url = `/api/v1/users/${author.id}/posts?limit=1`;
        const cursor = (await first.inject({ method: 'GET', url })).json().next_cursor as string;
        // PGlite allows one process per data directory: there the second opens after the first closes.
        if (stack.sql === 'pglite') await running.shift()?.app.close();
        const next = await (await start()).inject({ method: 'GET', url: `${url}&cursor=${cursor}` });
        expect(next.statusCode, next.body).toBe(200);
        expect(next.json().items).toHaveLength(1);
      } finally {
        for (const platform of running) await platform.app.close();
        if (env.REDIS_URL && env.KEY_PREFIX) await dropKeys(env.REDIS_URL, env.KEY_PREFIX);
      }
    });
  });
}
