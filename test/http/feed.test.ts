// The home feed through the real HTTP stack, for each strategy (fanout, pull, sqljoin), on the
// embedded default (PGlite + memory cache) and on the real PostgreSQL + Redis; then the cases
// only the fan-out strategy has: rebuilding a lost timeline, the hybrid threshold, a cache that
// is down (pages from the stores, marked degraded, never a 500).
import type { FastifyInstance } from 'fastify';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildApp, type Platform } from '../../src/app.ts';
import { loadConfig } from '../../src/config.ts';
import { connectRedis, type RedisClient } from '../../src/engines/redis.ts';
import { caller, signUp, type TestUser } from '../support/api.ts';
import { type TestAppOptions, testEnv } from '../support/app.ts';
import { dropKeys } from '../support/stores.ts';
import { clusterStack, type HttpStack, httpStacks, stackTitle } from '../support/targets.ts';

interface FeedItem {
  id: string;
  author: { id: number };
  content: string;
  stats: { likes: number; comments: number; shares: number };
  reposted_by: { id: number; handle: string } | null;
  user_has_liked: boolean;
  [key: string]: unknown;
}

/** The platform on fresh stores, with its environment (for the key prefix), closed after the file. */
async function platformWith(
  options: TestAppOptions,
): Promise<{ platform: Platform; env: Record<string, string> }> {
  const env = await testEnv(options);
  const platform = await buildApp(loadConfig(env));
  afterAll(async () => {
    await platform.app.close();
    if (env.REDIS_URL && env.KEY_PREFIX) await dropKeys(env.REDIS_URL, env.KEY_PREFIX);
  });
  return { platform, env };
}

type Users<N extends number, T extends TestUser[] = []> = T['length'] extends N
  ? T
  : Users<N, [...T, TestUser]>;

/** `count` new signed-in users, one after another. */
async function signUps<N extends number>(app: FastifyInstance, count: N): Promise<Users<N>> {
  const users: TestUser[] = [];
  for (let i = 0; i < count; i++) users.push(await signUp(app));
  return users as Users<N>;
}

const stackOptions = (stack: HttpStack, env: Record<string, string>): TestAppOptions =>
  stack.sql === 'postgres'
    ? {
        sql: 'postgres',
        cache: stack.cache,
        env: { POSTS_STORE: 'postgres', GRAPH_STORE: 'postgres', ...env },
      }
    : { env };

function client(app: FastifyInstance) {
  const call = caller(() => app);
  return {
    call,
    async post(user: TestUser, content: string): Promise<FeedItem> {
      const res = await call('POST', '/posts', user, { content });
      expect(res.statusCode, res.body).toBe(201);
      return res.json();
    },
    async follow(user: TestUser, other: TestUser) {
      expect((await call('PUT', `/users/${other.id}/follow`, user)).statusCode).toBe(204);
    },
    async unfollow(user: TestUser, other: TestUser) {
      expect((await call('DELETE', `/users/${other.id}/follow`, user)).statusCode).toBe(204);
    },
    async feed(user: TestUser, query = '') {
      const res = await call('GET', `/feed${query}`, user);
      expect(res.statusCode, res.body).toBe(200);
      return res.json() as { items: FeedItem[]; next_cursor: string | null };
    },
    async feedIds(user: TestUser, query = '') {
      return (await this.feed(user, query)).items.map((item) => item.content);
    },
  };
}

for (const strategy of ['fanout', 'pull', 'sqljoin'] as const) {
  // On the cluster the fan-out strategy, the one that writes timelines in many slots at once.
  for (const stack of strategy === 'fanout' ? [...httpStacks, clusterStack] : httpStacks) {
    describe.skipIf(stack.skip !== undefined)(stackTitle(`home feed (${strategy})`, stack), () => {
      let platform: Platform;
      let api: ReturnType<typeof client>;
      let settle: () => Promise<void>;
      beforeAll(async () => {
        ({ platform } = await platformWith(stackOptions(stack, { FEED_STRATEGY: strategy })));
        api = client(platform.app);
        settle = () => platform.jobs.idle();
      });

      it('needs a session, and refuses a cursor it did not issue', async () => {
        expect((await api.call('GET', '/feed')).statusCode).toBe(401);
        const reader = await signUp(platform.app);
        const other = await signUp(platform.app);
        await api.post(reader, 'mine');
        await api.post(reader, 'mine too');
        await settle();
        const page = await api.feed(reader, '?limit=1');
        expect(page.next_cursor).not.toBeNull();
        expect((await api.call('GET', `/feed?cursor=${page.next_cursor}`, other)).statusCode).toBe(400);
        expect((await api.call('GET', '/feed?cursor=bogus', reader)).statusCode).toBe(400);
        expect((await api.call('GET', '/feed?limit=101', reader)).statusCode).toBe(400);
        const doc = (await platform.app.inject({ method: 'GET', url: '/openapi.json' })).json();
        const reply = doc.paths['/api/v1/feed'].get.responses['200'].content['application/json'].schema;
        expect(reply.properties.items.items.properties.reposted_by).toBeDefined();
      });

      it('shows own and followed posts newest first, never those of others', async () => {
        const [reader, friend, stranger] = await signUps(platform.app, 3);
        await api.follow(reader, friend);
        await api.post(friend, 'friend 1');
        await api.post(reader, 'reader 1');
        await api.post(stranger, 'stranger 1');
        await api.post(friend, 'friend 2');
        await settle();
        const page = await api.feed(reader);
        expect(page.items.map((item) => item.content)).toEqual(['friend 2', 'reader 1', 'friend 1']);
        expect(page.next_cursor).toBeNull();
        expect(page.items[0]).toMatchObject({ author: { id: friend.id }, user_has_liked: false });
        expect(page.items[0]).not.toHaveProperty('comments');
        // A post on the follower's first page as soon as its fan-out job finished.
        await api.post(friend, 'friend 3');
        await settle();
        expect((await api.feedIds(reader))[0]).toBe('friend 3');
      });

      it('shows likes and edits at once, and a deleted post leaves the feed at once', async () => {
        const [reader, friend] = await signUps(platform.app, 2);
        await api.follow(reader, friend);
        const kept = await api.post(friend, 'kept');
        const doomed = await api.post(friend, 'doomed');
        await settle();
        expect(await api.feedIds(reader)).toEqual(['doomed', 'kept']);
        expect((await api.call('PUT', `/posts/${kept.id}/like`, reader)).statusCode).toBe(204);
        expect(
          (await api.call('PATCH', `/posts/${kept.id}`, friend, { content: 'kept, edited' })).statusCode,
        ).toBe(200);
        const liked = (await api.feed(reader)).items.find((item) => item.id === kept.id);
        expect(liked).toMatchObject({ content: 'kept, edited', stats: { likes: 1 }, user_has_liked: true });
        expect((await api.call('DELETE', `/posts/${doomed.id}`, friend)).statusCode).toBe(204);
        // Before the removal job has run: hydration already leaves it out.
        expect(await api.feedIds(reader)).toEqual(['kept, edited']);
        await settle();
        expect(await api.feedIds(reader)).toEqual(['kept, edited']);
      });

      it('drops an author after an unfollow and adds their recent posts after a follow', async () => {
        const [reader, friend, later] = await signUps(platform.app, 3);
        await api.follow(reader, friend);
        await api.post(later, 'later 1');
        await api.post(friend, 'friend 1');
        await settle();
        expect(await api.feedIds(reader)).toEqual(['friend 1']);
        await api.unfollow(reader, friend);
        await api.follow(reader, later);
        expect(await api.feedIds(reader)).toEqual(['later 1']);
        await api.post(friend, 'friend 2');
        await settle();
        expect(await api.feedIds(reader)).toEqual(['later 1']);
      });

      it('shows a post to a follower who was signed out when it was fanned out', async () => {
        const [reader, friend] = await signUps(platform.app, 2);
        await api.follow(reader, friend);
        await api.post(friend, 'before');
        await settle();
        expect(await api.feedIds(reader)).toEqual(['before']);
        expect((await api.call('DELETE', '/sessions/current', reader)).statusCode).toBe(204);
        await api.post(friend, 'while away');
        await settle();
        const session = await api.call('POST', '/sessions', undefined, {
          email: reader.email,
          password: reader.password,
        });
        expect(session.statusCode, session.body).toBe(201);
        expect(await api.feedIds({ ...reader, token: session.json().token })).toEqual([
          'while away',
          'before',
        ]);
      });

      it('pages without duplicates or gaps while new posts arrive', async () => {
        const [reader, friend] = await signUps(platform.app, 2);
        await api.follow(reader, friend);
        const before: string[] = [];
        for (let i = 0; i < 7; i++) before.push((await api.post(friend, `old ${i}`)).id);
        await settle();
        const seen: string[] = [];
        let cursor: string | null = null;
        let round = 0;
        do {
          const page = await api.feed(reader, `?limit=3${cursor ? `&cursor=${cursor}` : ''}`);
          seen.push(...page.items.map((item) => item.id));
          cursor = page.next_cursor;
          await api.post(friend, `new ${round++}`);
          await settle();
        } while (cursor);
        expect(seen).toEqual([...before].reverse());
      });

      it("shows a followee's repost once, with reposted_by, until it is taken back", async () => {
        const [reader, friend, other, stranger] = await signUps(platform.app, 4);
        await api.follow(reader, friend);
        await api.follow(reader, other);
        const post = await api.post(stranger, 'worth sharing');
        await api.post(friend, 'friend 1');
        await settle();
        expect(await api.feedIds(reader)).toEqual(['friend 1']);
        expect((await api.call('PUT', `/posts/${post.id}/repost`, friend)).statusCode).toBe(204);
        await settle();
        const shown = (await api.feed(reader)).items;
        expect(shown.map((item) => item.content)).toEqual(['worth sharing', 'friend 1']);
        expect(shown[0]).toMatchObject({
          author: { id: stranger.id },
          reposted_by: { id: friend.id, handle: friend.handle },
        });
        expect(shown[1]?.reposted_by).toBeNull();
        // The same post reposted by a second followee is still one entry, the first repost's.
        expect((await api.call('PUT', `/posts/${post.id}/repost`, other)).statusCode).toBe(204);
        await settle();
        const once = (await api.feed(reader)).items.filter((item) => item.id === post.id);
        expect(once).toHaveLength(1);
        expect(once[0]).toMatchObject({ reposted_by: { id: friend.id }, stats: { shares: 2 } });
        // Taken back by the first, it is the second's; taken back by both, it is gone.
        expect((await api.call('DELETE', `/posts/${post.id}/repost`, friend)).statusCode).toBe(204);
        await settle();
        const left = (await api.feed(reader)).items.filter((item) => item.id === post.id);
        expect(left).toHaveLength(1);
        expect(left[0]).toMatchObject({ reposted_by: { id: other.id } });
        expect((await api.call('DELETE', `/posts/${post.id}/repost`, other)).statusCode).toBe(204);
        await settle();
        expect(await api.feedIds(reader)).toEqual(['friend 1']);
      });

      it("leaves a muted reposter's reposts out of the home feed", async () => {
        const [reader, friend, stranger] = await signUps(platform.app, 3);
        await api.follow(reader, friend);
        const post = await api.post(stranger, 'shared by a muted friend');
        expect((await api.call('PUT', `/posts/${post.id}/repost`, friend)).statusCode).toBe(204);
        await settle();
        expect(await api.feedIds(reader)).toEqual(['shared by a muted friend']);
        expect((await api.call('PUT', `/users/${friend.id}/mute`, reader)).statusCode).toBe(204);
        expect(await api.feedIds(reader)).toEqual([]);
        expect((await api.call('DELETE', `/users/${friend.id}/mute`, reader)).statusCode).toBe(204);
        expect(await api.feedIds(reader)).toEqual(['shared by a muted friend']);
      });

      it('counts a repost storm by 100 users as 100 shares and one feed entry per follower', async () => {
        const [author, ...readers] = await signUps(platform.app, 3);
        const post = await api.post(author, 'stormed');
        const reposters = await Promise.all(Array.from({ length: 100 }, () => signUp(platform.app)));
        for (const reader of readers) {
          for (const reposter of reposters.slice(0, 5)) await api.follow(reader, reposter);
        }
        const statuses = await Promise.all(
          reposters.map((reposter) => api.call('PUT', `/posts/${post.id}/repost`, reposter)),
        );
        expect(statuses.every((res) => res.statusCode === 204)).toBe(true);
        await settle();
        for (const reader of readers) {
          const { items } = await api.feed(reader);
          expect(items.map((item) => item.id)).toEqual([post.id]);
          expect(items[0]?.stats).toMatchObject({ shares: 100 });
          expect(items[0]?.reposted_by).not.toBeNull();
        }
        // A hundred sign-ups (argon2id each) take a while on a shared machine; nothing is timed here.
      }, 300_000);
    });
  }
}

for (const stack of [httpStacks[1], clusterStack]) {
  describe.skipIf(stack.skip !== undefined)(stackTitle('fan-out timelines in Redis', stack), () => {
    let platform: Platform;
    let redis: RedisClient;
    let prefix: string;
    let api: ReturnType<typeof client>;
    beforeAll(async () => {
      const built = await platformWith(stackOptions(stack, { FEED_FANOUT_THRESHOLD: '1' }));
      platform = built.platform;
      prefix = built.env.KEY_PREFIX as string;
      redis = connectRedis(built.env.REDIS_URL as string);
      await redis.connect();
      api = client(platform.app);
    });
    afterAll(() => redis.quit());
    const timeline = (user: TestUser) => redis.zrange(`${prefix}{u:${user.id}}:timeline`, 0, -1);

    it('rebuilds a timeline the cache lost from the graph and posts stores', async () => {
      const [reader, friend] = await signUps(platform.app, 2);
      await api.follow(reader, friend);
      const first = await api.post(friend, 'one');
      await platform.jobs.idle();
      expect(await api.feedIds(reader)).toEqual(['one']);
      expect(await timeline(reader)).toContain(first.id);
      await redis.del(`${prefix}{u:${reader.id}}:timeline`);
      expect(await api.feedIds(reader)).toEqual(['one']);
      expect(await timeline(reader)).toContain(first.id);
    });

    it('does not fan out posts of accounts above the threshold, and merges them at read time', async () => {
      const [reader, other, star, friend] = await signUps(platform.app, 4);
      await api.follow(reader, star);
      await api.follow(other, star);
      await api.follow(reader, friend);
      expect(await api.feedIds(reader)).toEqual([]);
      const starPost = await api.post(star, 'from the star');
      const friendPost = await api.post(friend, 'from a friend');
      await platform.jobs.idle();
      expect(await api.feedIds(reader)).toEqual(['from a friend', 'from the star']);
      const entries = await timeline(reader);
      expect(entries).toContain(friendPost.id);
      expect(entries).not.toContain(starPost.id);
    });
  });
}

describe('hybrid fan-out on PGlite + memory cache', () => {
  it('merges the posts of accounts above the threshold at read time', async () => {
    const { platform } = await platformWith({ env: { FEED_FANOUT_THRESHOLD: '1' } });
    const api = client(platform.app);
    const [reader, other, star] = await signUps(platform.app, 3);
    await api.follow(reader, star);
    await api.follow(other, star);
    expect(await api.feedIds(reader)).toEqual([]);
    await api.post(star, 'from the star');
    await platform.jobs.idle();
    expect(await api.feedIds(reader)).toEqual(['from the star']);
    expect(await api.feedIds(other)).toEqual(['from the star']);
  });

  it("merges popular accounts' posts and reposts page by page as the stores order them: each post once", async () => {
    const { platform } = await platformWith({ env: { FEED_FANOUT_THRESHOLD: '1' } });
    const api = client(platform.app);
    const [reader, other, star, rising, stranger] = await signUps(platform.app, 5);
    for (const fan of [reader, other]) {
      await api.follow(fan, star);
      await api.follow(fan, rising);
    }
    const repost = async (user: TestUser, post: FeedItem) =>
      expect((await api.call('PUT', `/posts/${post.id}/repost`, user)).statusCode).toBe(204);
    const old = await api.post(rising, 'rising, old');
    await api.post(star, 'star 1');
    const elsewhere = await api.post(stranger, 'from a stranger');
    await api.post(star, 'star 2');
    // A merged account's repost of another merged account's post: the post comes as itself, once.
    await repost(star, old);
    await repost(star, elsewhere);
    await api.post(rising, 'rising, new');
    await platform.jobs.idle();
    const expected = ['rising, new', 'from a stranger', 'star 2', 'star 1', 'rising, old'];
    expect(await api.feedIds(reader)).toEqual(expected);
    // The first page from the cached newest entries, the next from the stores: no gap, no repeat.
    const first = await api.feed(reader, '?limit=2');
    const second = await api.feed(
      reader,
      `?limit=10&cursor=${encodeURIComponent(first.next_cursor as string)}`,
    );
    expect([...first.items, ...second.items].map((item) => item.content)).toEqual(expected);
    expect(first.items[1]?.reposted_by?.id).toBe(star.id);
    // Deleting a post takes it out of the merged entries at once.
    expect((await api.call('DELETE', `/posts/${elsewhere.id}`, stranger)).statusCode).toBe(204);
    expect(await api.feedIds(reader)).toEqual(expected.filter((content) => content !== 'from a stranger'));
  });
});

describe('home feed with the cache down', () => {
  it('serves the feed from the stores with a degraded header, never a 500', async () => {
    // Port 1 on loopback: nothing listens there, so every cache call fails at once.
    const { platform } = await platformWith({
      env: { REDIS_URL: 'redis://127.0.0.1:1', CACHE_STORE: 'redis', JOBS_STORE: 'pglite' },
    });
    const api = client(platform.app);
    const [reader, friend] = await signUps(platform.app, 2);
    await api.follow(reader, friend);
    await api.post(friend, 'friend 1');
    await api.post(reader, 'reader 1');
    const res = await api.call('GET', '/feed', reader);
    expect(res.statusCode, res.body).toBe(200);
    expect(res.headers['x-feed-degraded']).toBe('cache-unavailable');
    expect(res.json().items.map((item: FeedItem) => item.content)).toEqual(['reader 1', 'friend 1']);
  });
});

describe('feed configuration', () => {
  it('refuses an unknown strategy, and sqljoin unless posts and graph share a SQL database', () => {
    expect(() => loadConfig({ FEED_STRATEGY: 'magic' })).toThrow(/FEED_STRATEGY/);
    expect(() => loadConfig({ FEED_STRATEGY: 'sqljoin', MONGODB_URL: 'mongodb://127.0.0.1:1/x' })).toThrow(
      /FEED_STRATEGY: sqljoin needs posts and graph/,
    );
    expect(() => loadConfig({ FEED_FANOUT_THRESHOLD: '-1' })).toThrow(/FEED_FANOUT_THRESHOLD/);
    expect(loadConfig({ FEED_STRATEGY: 'sqljoin' }).feed).toEqual({
      strategy: 'sqljoin',
      activeDays: 30,
      fanoutThreshold: 10_000,
    });
  });
});
