// Posts, comments and likes through the real HTTP stack: on the embedded default, on the real
// PostgreSQL, and with the posts on MongoDB wherever MONGODB_URL is set.
import type { FastifyInstance } from 'fastify';
import { v7 } from 'uuid';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildApp, type Platform } from '../../src/app.ts';
import { loadConfig } from '../../src/config.ts';
import { openMongo } from '../../src/engines/mongo.ts';
import { auth, caller, signUp, type TestUser } from '../support/api.ts';
import { buildTestApp, type TestAppOptions, testEnv } from '../support/app.ts';
import { freshMongoDatabaseName } from '../support/stores.ts';
import { servers } from '../support/targets.ts';

const mongoDatabase = freshMongoDatabaseName();
const mongoUrl = () => {
  const url = new URL(servers.mongo.url as string);
  url.pathname = `/${mongoDatabase}`;
  return url.toString();
};

const stacks: Array<{ name: string; options: () => TestAppOptions; skip: string | undefined }> = [
  { name: 'PGlite', options: () => ({}), skip: undefined },
  {
    name: 'PostgreSQL',
    options: () => ({ sql: 'postgres', env: { POSTS_STORE: 'postgres' } }),
    skip: servers.postgres.skipReason,
  },
  {
    name: 'MongoDB (posts) + PGlite',
    options: () => ({ env: { MONGODB_URL: mongoUrl(), POSTS_STORE: 'mongo' } }),
    skip: servers.mongo.skipReason,
  },
];

/** An object `depth` levels deep: `{}` is 1. */
const nested = (depth: number): unknown => (depth === 1 ? {} : { x: nested(depth - 1) });

interface PostBody {
  id: string;
  author: { id: number; handle: string; name: string; avatar_url: string | null };
  content: string;
  stats: { likes: number; comments: number; shares: number };
  comments: Array<{ id: string; text: string; author: { id: number; name: string } }>;
  [key: string]: unknown;
}

for (const stack of stacks) {
  const title = stack.skip
    ? `posts API on ${stack.name} [SKIPPED: ${stack.skip}]`
    : `posts API on ${stack.name}`;
  describe.skipIf(stack.skip !== undefined)(title, () => {
    let platform: Platform;
    let app: FastifyInstance;
    beforeAll(async () => {
      platform = await buildTestApp(stack.options());
      app = platform.app;
    });
    afterAll(async () => {
      if (stack.options().env?.POSTS_STORE !== 'mongo' || !servers.mongo.url) return;
      const { db, client } = openMongo(mongoUrl(), { writeConcern: 'majority' });
      await db.dropDatabase();
      await client.close();
    });

    const call = caller(() => app);
    const create = async (user: TestUser, body: Record<string, unknown> = { content: 'hello' }) => {
      const res = await call('POST', '/posts', user, body);
      expect(res.statusCode, res.body).toBe(201);
      return res.json() as PostBody;
    };
    const comment = async (user: TestUser, postId: string, text = 'nice') => {
      const res = await call('POST', `/posts/${postId}/comments`, user, { text });
      expect(res.statusCode, res.body).toBe(201);
      return res.json() as { id: string; text: string };
    };
    const read = async (postId: string) => (await call('GET', `/posts/${postId}`)).json() as PostBody;
    const postsCount = async (user: TestUser) => (await call('GET', `/users/${user.id}`)).json().counts.posts;
    /** Every item of a list, walking its pages. */
    async function walk(url: string, limit: number, user?: TestUser, duringWalk?: () => Promise<unknown>) {
      const ids: string[] = [];
      let cursor: string | null = null;
      do {
        const res = await call('GET', `${url}?limit=${limit}${cursor ? `&cursor=${cursor}` : ''}`, user);
        expect(res.statusCode, res.body).toBe(200);
        ids.push(...res.json().items.map((item: { id: string }) => item.id));
        cursor = res.json().next_cursor;
        await duringWalk?.();
      } while (cursor);
      return ids;
    }
    /** What the API shows of a post: for "changes nothing" checks. */
    const snapshot = async (postId: string, author: TestUser) => ({
      post: (await call('GET', `/posts/${postId}`)).body,
      comments: (await call('GET', `/posts/${postId}/comments?limit=100`)).body,
      timeline: (await call('GET', `/users/${author.id}/posts?limit=100`)).body,
      profile: (await call('GET', `/users/${author.id}`)).body,
    });

    describe('posts', () => {
      it('creates a post document with every documented field; anyone may read it', async () => {
        const user = await signUp(app);
        const body = {
          content: '<script>alert("x")</script><b>bold</b> & more',
          media_urls: ['https://example.com/cat.png'],
          attributes: { reading_time: 3, poll: { options: ['a', 'b'] } },
        };
        const post = await create(user, body);
        expect(post).toEqual({
          id: expect.stringMatching(/^[0-9a-f]{8}-[0-9a-f]{4}-7[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/),
          author: { id: user.id, handle: user.handle, name: expect.any(String), avatar_url: null },
          ...body,
          mentions: [],
          created_at: expect.any(String),
          updated_at: post.created_at,
          stats: { likes: 0, comments: 0, shares: 0 },
          comments: [],
        });
        const res = await call('GET', `/posts/${post.id}`);
        expect(res.statusCode).toBe(200);
        expect(res.headers['content-type']).toMatch(/^application\/json/);
        // HTML is stored and returned as text, unchanged.
        expect(res.json()).toEqual(post);
      });

      it('needs a session to write (401 before any 400)', async () => {
        for (const [method, url, payload] of [
          ['POST', '/posts', { content: '' }],
          ['PATCH', `/posts/${v7()}`, {}],
          ['DELETE', '/posts/not-a-uuid', undefined],
          ['POST', `/posts/${v7()}/comments`, { text: '' }],
          ['DELETE', `/posts/${v7()}/comments/${v7()}`, undefined],
          ['PATCH', `/posts/${v7()}/comments/${v7()}`, { text: '' }],
          ['PUT', `/posts/${v7()}/like`, undefined],
          ['DELETE', `/posts/${v7()}/like`, undefined],
        ] as const) {
          const res = await call(method, url, undefined, payload);
          expect(res.statusCode, `${method} ${url}`).toBe(401);
          expect(res.json().error.code).toBe('unauthorized');
        }
      });

      it.each([
        ['content', { content: '' }],
        ['content', { content: '   ' }],
        ['content', { content: 'x'.repeat(5001) }],
        ['content', { content: 'nul\u0000' }],
        ['content', { content: 42 }],
        ['media_urls', { content: 'hi', media_urls: Array(11).fill('https://example.com/a.png') }],
        ['media_urls.0', { content: 'hi', media_urls: ['javascript:alert(1)'] }],
        ['attributes', { content: 'hi', attributes: ['not', 'an', 'object'] }],
        ['attributes', { content: 'hi', attributes: 'text' }],
        ['attributes', { content: 'hi', attributes: { big: 'x'.repeat(17 * 1024) } }],
        ['attributes', { content: 'hi', attributes: nested(11) }],
        ['attributes', { content: 'hi', attributes: { $where: 'sleep(1000)' } }],
        ['attributes', { content: 'hi', attributes: { 'a.b': 1 } }],
        ['attributes', { content: 'hi', attributes: { a: ['nul\u0000'] } }],
        ['is_pinned', { content: 'hi', is_pinned: true }],
      ])('answers 400 naming %s, and creates nothing (%#)', async (field, body) => {
        const user = await signUp(app);
        const res = await call('POST', '/posts', user, body);
        expect(res.statusCode, res.body).toBe(400);
        expect(res.json().error.code).toBe('bad_request');
        expect(Object.keys(res.json().error.details.fields)).toContain(field);
        expect((await call('GET', `/users/${user.id}/posts`)).json().items).toEqual([]);
        expect(await postsCount(user)).toBe(0);
      });

      it('answers 413 to a body over the limit, creating nothing', async () => {
        const user = await signUp(app);
        const res = await call('POST', '/posts', user, { content: 'x'.repeat(2 * 1024 * 1024) });
        expect(res.statusCode).toBe(413);
        expect(res.json().error.code).toBe('too_large');
        expect(await postsCount(user)).toBe(0);
      });

      it('answers 400 to a malformed id and 404 to an unknown one', async () => {
        const user = await signUp(app);
        const post = await create(user);
        for (const bad of ['not-a-uuid', '123', `${v7()}x`, "' OR 1=1 --"]) {
          const id = encodeURIComponent(bad);
          for (const [method, url, payload] of [
            ['GET', `/posts/${id}`, undefined],
            ['PATCH', `/posts/${id}`, { content: 'x' }],
            ['DELETE', `/posts/${id}`, undefined],
            ['GET', `/posts/${id}/comments`, undefined],
            ['POST', `/posts/${id}/comments`, { text: 'x' }],
            ['PUT', `/posts/${id}/like`, undefined],
            ['DELETE', `/posts/${post.id}/comments/${id}`, undefined],
          ] as const) {
            const res = await call(method, url, user, payload);
            expect(res.statusCode, `${method} ${url}`).toBe(400);
          }
        }
        const unknown = v7();
        for (const [method, url, payload] of [
          ['GET', `/posts/${unknown}`, undefined],
          ['PATCH', `/posts/${unknown}`, { content: 'x' }],
          ['DELETE', `/posts/${unknown}`, undefined],
          ['GET', `/posts/${unknown}/comments`, undefined],
          ['POST', `/posts/${unknown}/comments`, { text: 'x' }],
          ['PUT', `/posts/${unknown}/like`, undefined],
          ['DELETE', `/posts/${unknown}/like`, undefined],
          ['DELETE', `/posts/${post.id}/comments/${unknown}`, undefined],
          ['DELETE', `/posts/${unknown}/comments/${unknown}`, undefined],
          ['GET', '/users/999999999/posts', undefined],
        ] as const) {
          const res = await call(method, url, user, payload);
          expect(res.statusCode, `${method} ${url}`).toBe(404);
          expect(res.json().error.code).toBe('not_found');
        }
      });
    });

    describe('changing and deleting posts', () => {
      it('applies a JSON merge patch for the author: null removes, objects merge', async () => {
        const user = await signUp(app);
        const post = await create(user, {
          content: 'before',
          media_urls: ['https://example.com/1.png'],
          attributes: { keep: 1, drop: true, poll: { q: 'tabs?', closed: false } },
        });
        const res = await call('PATCH', `/posts/${post.id}`, user, {
          content: 'after',
          attributes: { drop: null, poll: { closed: null, votes: 3 }, video_url: 'https://example.com/v' },
        });
        expect(res.statusCode, res.body).toBe(200);
        const expected = {
          ...post,
          content: 'after',
          attributes: { keep: 1, poll: { q: 'tabs?', votes: 3 }, video_url: 'https://example.com/v' },
          updated_at: expect.any(String),
        };
        expect(res.json()).toEqual(expected);
        expect(await read(post.id)).toEqual(expected);
        const cleared = await call('PATCH', `/posts/${post.id}`, user, {
          media_urls: null,
          attributes: null,
        });
        expect(cleared.json()).toMatchObject({ content: 'after', media_urls: [], attributes: {} });
      });

      it('refuses changes by anyone else (403) and bad patches (400), changing nothing', async () => {
        const [owner, other] = [await signUp(app), await signUp(app)];
        const post = await create(owner, { content: 'mine', attributes: { a: 'x'.repeat(9000) } });
        await comment(other, post.id);
        const before = await snapshot(post.id, owner);
        const refused = [
          [other, 'PATCH', { content: 'stolen' }, 403],
          [other, 'DELETE', undefined, 403],
          [owner, 'PATCH', { content: null }, 400],
          [owner, 'PATCH', {}, 400],
          [owner, 'PATCH', { author: { id: other.id } }, 400],
          [owner, 'PATCH', { attributes: { $set: 1 } }, 400],
          // Each half fits; merged they exceed 16 KB.
          [owner, 'PATCH', { content: 'new', attributes: { b: 'y'.repeat(9000) } }, 400],
        ] as const;
        for (const [user, method, payload, status] of refused) {
          const res = await call(method, `/posts/${post.id}`, user, payload);
          expect(res.statusCode, `${method} ${JSON.stringify(payload)?.slice(0, 80)}`).toBe(status);
          if (status === 400) expect(res.json().error.details.fields).toBeDefined();
        }
        expect(await snapshot(post.id, owner)).toEqual(before);
      });

      it('deletes a post for the author, for everyone, with its comments', async () => {
        const [owner, other] = [await signUp(app), await signUp(app)];
        const post = await create(owner);
        await comment(other, post.id);
        await call('PUT', `/posts/${post.id}/like`, other);
        expect((await call('DELETE', `/posts/${post.id}`, owner)).statusCode).toBe(204);
        expect((await call('GET', `/posts/${post.id}`)).statusCode).toBe(404);
        expect((await call('GET', `/posts/${post.id}/comments`)).statusCode).toBe(404);
        expect((await call('DELETE', `/posts/${post.id}`, owner)).statusCode).toBe(404);
        expect((await call('GET', `/users/${owner.id}/posts`)).json().items).toEqual([]);
      });

      it('keeps the public profile posts count exact, through the cache', async () => {
        const user = await signUp(app);
        expect(await postsCount(user)).toBe(0);
        const made = await Promise.all(Array.from({ length: 6 }, () => create(user)));
        expect(await postsCount(user)).toBe(6);
        const target = (made[0] as PostBody).id;
        const deletes = await Promise.all(
          Array.from({ length: 3 }, () => call('DELETE', `/posts/${target}`, user)),
        );
        expect(deletes.map((res) => res.statusCode).sort()).toEqual([204, 404, 404]);
        expect(await postsCount(user)).toBe(5);
      });
    });

    describe('comments', () => {
      it('adds, lists (keyset pages) and embeds the newest comments', async () => {
        const [owner, other] = [await signUp(app), await signUp(app)];
        const post = await create(owner);
        const res = await call('POST', `/posts/${post.id}/comments`, other, { text: '<i>hi</i>' });
        expect(res.statusCode).toBe(201);
        expect(res.json()).toEqual({
          id: expect.any(String),
          author: { id: other.id, handle: other.handle, name: expect.any(String), avatar_url: null },
          text: '<i>hi</i>',
          mentions: [],
          created_at: expect.any(String),
          edited_at: null,
        });
        const added = [res.json().id];
        for (let i = 0; i < 54; i++) added.push((await comment(i % 2 ? owner : other, post.id, `c${i}`)).id);
        const newest = [...added].reverse();
        const doc = await read(post.id);
        expect(doc.stats.comments).toBe(55);
        expect(doc.comments.map((c) => c.id)).toEqual(newest.slice(0, 50));
        // Anonymous callers may read; pages never repeat or skip, even as comments arrive.
        const walked = await walk(`/posts/${post.id}/comments`, 7, undefined, () => comment(owner, post.id));
        expect(walked.slice(0, 55)).toEqual(newest);
        expect(new Set(walked).size).toBe(walked.length);
      });

      it('lets the comment author and the post author delete a comment, nobody else', async () => {
        const [owner, writer, stranger] = [await signUp(app), await signUp(app), await signUp(app)];
        const post = await create(owner);
        const [a, b] = [await comment(writer, post.id, 'a'), await comment(writer, post.id, 'b')];
        const before = await snapshot(post.id, owner);
        const denied = await call('DELETE', `/posts/${post.id}/comments/${a.id}`, stranger);
        expect(denied.statusCode).toBe(403);
        expect(await snapshot(post.id, owner)).toEqual(before);
        expect((await call('DELETE', `/posts/${post.id}/comments/${a.id}`, writer)).statusCode).toBe(204);
        expect((await call('DELETE', `/posts/${post.id}/comments/${b.id}`, owner)).statusCode).toBe(204);
        expect((await call('DELETE', `/posts/${post.id}/comments/${b.id}`, owner)).statusCode).toBe(404);
        const doc = await read(post.id);
        expect(doc.stats.comments).toBe(0);
        expect(doc.comments).toEqual([]);
      });

      it('lets only its author edit a comment, in the list and in the post alike', async () => {
        const [owner, writer, stranger] = [await signUp(app), await signUp(app), await signUp(app)];
        const post = await create(owner);
        const [a, b] = [await comment(writer, post.id, 'a'), await comment(writer, post.id, 'b')];
        const other = await create(owner);
        const before = await snapshot(post.id, owner);
        for (const [user, status] of [
          [stranger, 403],
          [owner, 403],
        ] as const) {
          const res = await call('PATCH', `/posts/${post.id}/comments/${a.id}`, user, { text: 'hijacked' });
          expect(res.statusCode).toBe(status);
        }
        for (const payload of [{ text: '' }, { text: 'x'.repeat(2001) }, { text: 'a', extra: 1 }, {}]) {
          const res = await call('PATCH', `/posts/${post.id}/comments/${a.id}`, writer, payload);
          expect(res.statusCode, JSON.stringify(payload)).toBe(400);
        }
        for (const [url, status] of [
          [`/posts/${other.id}/comments/${a.id}`, 404],
          [`/posts/${post.id}/comments/${v7()}`, 404],
          [`/posts/${v7()}/comments/${a.id}`, 404],
          [`/posts/${post.id}/comments/not-a-uuid`, 400],
        ] as const) {
          expect((await call('PATCH', url, writer, { text: 'x' })).statusCode, url).toBe(status);
        }
        expect(await snapshot(post.id, owner)).toEqual(before);
        const [newer, older] = JSON.parse(before.comments).items;

        const res = await call('PATCH', `/posts/${post.id}/comments/${a.id}`, writer, {
          text: `changed, @${owner.handle}`,
        });
        expect(res.statusCode, res.body).toBe(200);
        const edited = res.json();
        expect(edited).toEqual({
          ...older,
          text: `changed, @${owner.handle}`,
          mentions: [{ id: owner.id, handle: owner.handle }],
          edited_at: expect.any(String),
        });
        const doc = await read(post.id);
        expect(doc.comments).toEqual([newer, edited]);
        expect((await call('GET', `/posts/${post.id}/comments`)).json().items).toEqual([newer, edited]);
        expect(doc.stats.comments).toBe(2);
        expect(newer.id).toBe(b.id);
      });

      it('resolves @handles to accounts when a post or comment is written or changed', async () => {
        const [writer, ann, bob] = [await signUp(app), await signUp(app), await signUp(app)];
        const post = await create(writer, {
          content: `hello @${ann.handle.toUpperCase()}, @${ann.handle} and @nobody_by_this_handle; mail x@${bob.handle}`,
        });
        expect(post.mentions).toEqual([{ id: ann.id, handle: ann.handle }]);
        const said = await call('POST', `/posts/${post.id}/comments`, ann, { text: `@${bob.handle} look` });
        expect(said.json().mentions).toEqual([{ id: bob.id, handle: bob.handle }]);
        const changed = await call('PATCH', `/posts/${post.id}`, writer, {
          content: `now @${bob.handle} only`,
        });
        expect(changed.json().mentions).toEqual([{ id: bob.id, handle: bob.handle }]);
        const untouched = await call('PATCH', `/posts/${post.id}`, writer, { attributes: { a: 1 } });
        expect(untouched.json().mentions).toEqual([{ id: bob.id, handle: bob.handle }]);
        const timeline = (await call('GET', `/users/${writer.id}/posts`)).json();
        expect(timeline.items[0].mentions).toEqual([{ id: bob.id, handle: bob.handle }]);
      });

      it('refuses bad comments and foreign cursors with 400, limits outside 1-100 too', async () => {
        const [owner, other] = [await signUp(app), await signUp(app)];
        const post = await create(owner);
        const second = await create(owner);
        for (const payload of [
          { text: '' },
          { text: 'x'.repeat(2001) },
          { text: 5 },
          { text: 'a', extra: 1 },
        ]) {
          expect((await call('POST', `/posts/${post.id}/comments`, other, payload)).statusCode).toBe(400);
        }
        for (let i = 0; i < 3; i++) await comment(other, post.id);
        const page = (await call('GET', `/posts/${post.id}/comments?limit=1`)).json();
        expect(page.next_cursor).toEqual(expect.any(String));
        const timelineCursor = (await call('GET', `/users/${owner.id}/posts?limit=1`)).json().next_cursor;
        for (const query of [
          `cursor=${page.next_cursor}x`,
          'cursor=bm90IGEgY3Vyc29y',
          `cursor=${timelineCursor}`,
          'limit=0',
          'limit=101',
          'limit=abc',
          'offset=10',
        ]) {
          const res = await call('GET', `/posts/${post.id}/comments?${query}`);
          expect(res.statusCode, query).toBe(400);
        }
        // A cursor of one post's comments is refused for another post's.
        expect(
          (await call('GET', `/posts/${second.id}/comments?cursor=${page.next_cursor}`)).statusCode,
        ).toBe(400);
        expect((await read(post.id)).stats.comments).toBe(3);
      });
    });

    describe('likes', () => {
      it('likes and unlikes idempotently (204), counting distinct likers', async () => {
        const [owner, a, b] = [await signUp(app), await signUp(app), await signUp(app)];
        const post = await create(owner);
        for (const user of [a, a, b, b, a]) {
          expect((await call('PUT', `/posts/${post.id}/like`, user)).statusCode).toBe(204);
        }
        expect((await read(post.id)).stats.likes).toBe(2);
        for (const user of [a, a]) {
          expect((await call('DELETE', `/posts/${post.id}/like`, user)).statusCode).toBe(204);
        }
        expect((await read(post.id)).stats.likes).toBe(1);
      });

      it('keeps stats.likes equal to the distinct likers under concurrent likes and unlikes', async () => {
        const owner = await signUp(app);
        const fans = await Promise.all(Array.from({ length: 12 }, () => signUp(app)));
        const post = await create(owner);
        await Promise.all(
          Array.from({ length: 60 }, (_, i) =>
            call(i % 5 === 4 ? 'DELETE' : 'PUT', `/posts/${post.id}/like`, fans[i % 12]),
          ),
        );
        const liked = await Promise.all(
          fans.map(async (fan) => {
            const items = (await call('GET', `/users/${owner.id}/posts`, fan)).json().items;
            return items[0].user_has_liked as boolean;
          }),
        );
        expect((await read(post.id)).stats.likes).toBe(liked.filter(Boolean).length);
      });

      it('shows user_has_liked to a signed-in caller only; a bad token is 401, not anonymous', async () => {
        const [owner, fan] = [await signUp(app), await signUp(app)];
        const [liked, notLiked] = [await create(owner), await create(owner)];
        await call('PUT', `/posts/${liked.id}/like`, fan);
        const signedIn = (await call('GET', `/users/${owner.id}/posts`, fan)).json().items;
        expect(
          signedIn.map((item: { id: string; user_has_liked: boolean }) => [item.id, item.user_has_liked]),
        ).toEqual([
          [notLiked.id, false],
          [liked.id, true],
        ]);
        const anonymous = (await call('GET', `/users/${owner.id}/posts`)).json().items;
        expect(anonymous[0]).not.toHaveProperty('user_has_liked');
        expect(anonymous[0]).not.toHaveProperty('comments');
        const bad = await app.inject({
          method: 'GET',
          url: `/api/v1/users/${owner.id}/posts`,
          headers: auth('x'.repeat(43)),
        });
        expect(bad.statusCode).toBe(401);
      });
    });

    describe('reposts', () => {
      it('reposts and takes back idempotently (204), counting distinct reposters, shown to the reposter', async () => {
        const [owner, fan] = [await signUp(app), await signUp(app)];
        const post = await create(owner);
        for (let i = 0; i < 2; i++) {
          expect((await call('PUT', `/posts/${post.id}/repost`, fan)).statusCode).toBe(204);
        }
        expect((await read(post.id)).stats.shares).toBe(1);
        const seen = (await call('GET', `/users/${owner.id}/posts`, fan)).json().items[0];
        expect(seen).toMatchObject({ id: post.id, user_has_reposted: true, user_has_liked: false });
        const other = (await call('GET', `/users/${owner.id}/posts`, owner)).json().items[0];
        expect(other.user_has_reposted).toBe(false);
        for (let i = 0; i < 2; i++) {
          expect((await call('DELETE', `/posts/${post.id}/repost`, fan)).statusCode).toBe(204);
        }
        expect((await read(post.id)).stats.shares).toBe(0);
        expect((await call('PUT', `/posts/${v7()}/repost`, fan)).statusCode).toBe(404);
        expect((await call('PUT', `/posts/not-a-uuid/repost`, fan)).statusCode).toBe(400);
        expect((await call('PUT', `/posts/${post.id}/repost`)).statusCode).toBe(401);
      });

      it('counts a storm of 100 concurrent reposts by 100 users as 100 shares', async () => {
        const owner = await signUp(app);
        const post = await create(owner);
        const fans = await Promise.all(Array.from({ length: 100 }, () => signUp(app)));
        const statuses = await Promise.all(
          [...fans, ...fans.slice(0, 10)].map((fan) => call('PUT', `/posts/${post.id}/repost`, fan)),
        );
        expect(statuses.every((res) => res.statusCode === 204)).toBe(true);
        expect((await read(post.id)).stats.shares).toBe(100);
        // A hundred sign-ups (argon2id each) take a while on a shared machine; nothing is timed here.
      }, 180_000);
    });

    describe('user timelines', () => {
      it("pages an author's posts newest first with no duplicate or gap while new posts arrive", async () => {
        const [author, other] = [await signUp(app), await signUp(app)];
        const made: string[] = [];
        for (let i = 0; i < 23; i++) made.push((await create(author, { content: `p${i}` })).id);
        await create(other);
        let late = 0;
        const walked = await walk(`/users/${author.id}/posts`, 5, other, async () => {
          if (late++ < 2) await create(author, { content: 'arrived while paging' });
        });
        expect(walked).toEqual([...made].reverse());
        const first = (await call('GET', `/users/${author.id}/posts?limit=3`)).json();
        expect(first.items).toHaveLength(3);
        expect((await call('GET', `/users/${other.id}/posts?cursor=${first.next_cursor}`)).statusCode).toBe(
          400,
        );
        expect((await call('GET', `/users/abc/posts`)).statusCode).toBe(400);
      });
    });

    describe('denormalised author copies', () => {
      it('updates the name and avatar in posts and comments after a profile change (a job)', async () => {
        const [writer, owner] = [await signUp(app), await signUp(app)];
        const own = await create(writer);
        const others = await create(owner);
        await comment(writer, own.id, 'on my own');
        await comment(writer, others.id, 'on theirs');
        await comment(owner, others.id, 'reply');
        const changes = { name: 'New Name', avatar_url: 'https://example.com/me.png' };
        expect((await call('PATCH', '/me', writer, changes)).statusCode).toBe(200);
        await platform.jobs.idle();
        const summary = { id: writer.id, handle: writer.handle, ...changes };
        expect((await read(own.id)).author).toEqual(summary);
        expect((await read(own.id)).comments.map((c) => c.author)).toEqual([summary]);
        const theirs = await read(others.id);
        expect(theirs.author.id).toBe(owner.id);
        expect(theirs.comments.map((c) => [c.text, c.author.name])).toEqual([
          ['reply', expect.not.stringMatching('New Name')],
          ['on theirs', 'New Name'],
        ]);
        const listed = (await call('GET', `/posts/${others.id}/comments`)).json().items;
        expect(listed[1].author).toEqual(summary);
        expect((await call('GET', `/users/${writer.id}/posts`)).json().items[0].author).toEqual(summary);
      });
    });
  });

  describe.skipIf(stack.skip !== undefined)(
    `author copies across a restart on ${stack.name}${stack.skip ? ` [SKIPPED: ${stack.skip}]` : ''}`,
    () => {
      it('runs a profile-change job left pending by a closed app when the app starts again', async () => {
        const env = await testEnv(stack.options());
        let first: Platform | undefined = await buildApp(loadConfig(env));
        const writer = await signUp(first.app);
        const res = await first.app.inject({
          method: 'POST',
          url: '/api/v1/posts',
          headers: auth(writer.token),
          payload: { content: 'before the restart' },
        });
        const postId = res.json().id as string;
        await first.app.inject({
          method: 'POST',
          url: `/api/v1/posts/${postId}/comments`,
          headers: auth(writer.token),
          payload: { text: 'mine' },
        });
        // Stop the worker first, so the job is accepted (stored) but cannot run before the app closes.
        await first.jobs.close(0);
        const patched = await first.app.inject({
          method: 'PATCH',
          url: '/api/v1/me',
          headers: auth(writer.token),
          payload: { name: 'Renamed Later' },
        });
        expect(patched.statusCode).toBe(200);
        expect((await first.app.inject({ url: `/api/v1/posts/${postId}` })).json().author.name).not.toBe(
          'Renamed Later',
        );
        await first.app.close();
        first = undefined;

        const second = await buildApp(loadConfig(env));
        try {
          await second.jobs.idle();
          const post = (await second.app.inject({ url: `/api/v1/posts/${postId}` })).json();
          expect(post.author.name).toBe('Renamed Later');
          expect(post.comments[0].author.name).toBe('Renamed Later');
        } finally {
          await second.app.close();
        }
      });
    },
  );
}
