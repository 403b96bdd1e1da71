// The social graph through the real HTTP stack: on the embedded default, on the real
// PostgreSQL + Redis (where the concurrent storms mean something), and with the graph on
// Neo4j wherever NEO4J_URL is set.
import type { FastifyInstance } from 'fastify';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { auth, signUp, type TestUser } from '../support/api.ts';
import { buildTestApp } from '../support/app.ts';
import { graphStacks, noRelation } from '../support/graph.ts';

const summaryOf = (user: TestUser) => ({
  id: user.id,
  handle: user.handle,
  name: expect.any(String),
  avatar_url: null,
});

for (const stack of graphStacks()) {
  const title = stack.skip
    ? `graph API on ${stack.name} [SKIPPED: ${stack.skip}]`
    : `graph API on ${stack.name}`;
  describe.skipIf(stack.skip !== undefined)(title, () => {
    let app: FastifyInstance;
    beforeAll(async () => {
      ({ app } = await buildTestApp(stack.options));
    });
    afterAll(() => stack.cleanUp());

    const follow = (user: TestUser, id: number | string) =>
      app.inject({ method: 'PUT', url: `/api/v1/users/${id}/follow`, headers: auth(user.token) });
    const unfollow = (user: TestUser, id: number | string) =>
      app.inject({ method: 'DELETE', url: `/api/v1/users/${id}/follow`, headers: auth(user.token) });
    const get = (url: string, user?: TestUser) =>
      app.inject({ method: 'GET', url: `/api/v1${url}`, headers: user ? auth(user.token) : {} });
    /** New users, ascending ids (they sign up concurrently). */
    const people = async (count: number) =>
      (await Promise.all(Array.from({ length: count }, () => signUp(app)))).sort((x, y) => x.id - y.id);
    const counts = async (user: TestUser) => (await get(`/users/${user.id}`)).json().counts;

    /** Every id of a list, walking its pages. */
    async function walk(url: string, limit = 100): Promise<number[]> {
      const ids: number[] = [];
      let cursor: string | null = null;
      do {
        const res = await get(`${url}?limit=${limit}${cursor ? `&cursor=${cursor}` : ''}`);
        expect(res.statusCode, res.body).toBe(200);
        ids.push(...res.json().items.map((item: { id: number }) => item.id));
        cursor = res.json().next_cursor;
      } while (cursor);
      return ids;
    }

    it("gives the article's example: Alice's first suggestion is Dave, with strength 2", async () => {
      const [alice, bob, carol, dave] = (await people(4)) as [TestUser, TestUser, TestUser, TestUser];
      for (const [who, whom] of [
        [alice, bob],
        [alice, carol],
        [bob, carol],
        [bob, dave],
        [carol, dave],
      ] as const) {
        expect((await follow(who, whom.id)).statusCode).toBe(204);
      }
      const res = await get('/me/suggestions?limit=10', alice);
      expect(res.statusCode).toBe(200);
      expect(res.json()).toEqual({ items: [{ user: summaryOf(dave), strength: 2 }], next_cursor: null });
    });

    it('follows and unfollows idempotently with 204, and refuses bad requests in order', async () => {
      const [a, b] = (await people(2)) as [TestUser, TestUser];
      expect((await follow(a, b.id)).statusCode).toBe(204);
      expect((await follow(a, b.id)).statusCode).toBe(204);
      expect(await counts(b)).toMatchObject({ followers: 1, following: 0 });
      expect((await unfollow(a, b.id)).statusCode).toBe(204);
      expect((await unfollow(a, b.id)).statusCode).toBe(204);
      expect(await counts(b)).toMatchObject({ followers: 0, following: 0 });

      // Anonymous is 401 before any 400.
      const anonymous = await app.inject({ method: 'PUT', url: '/api/v1/users/not-a-number/follow' });
      expect(anonymous.statusCode).toBe(401);
      const self = await follow(a, a.id);
      expect(self.statusCode).toBe(400);
      expect(self.json().error.details).toMatchObject({ fields: { id: expect.any(String) } });
      expect((await unfollow(a, a.id)).statusCode).toBe(400);
      expect((await follow(a, 'abc')).statusCode).toBe(400);
      expect((await follow(a, 0)).statusCode).toBe(400);
      const unknown = await follow(a, 999_999_999);
      expect(unknown.statusCode).toBe(404);
      expect(unknown.json().error.code).toBe('not_found');
      expect((await unfollow(a, 999_999_999)).statusCode).toBe(404);
    });

    it('lists followers and following as profile summaries, newest first, to anyone', async () => {
      const [star, ...fans] = (await people(4)) as [TestUser, ...TestUser[]];
      for (const fan of fans) {
        await follow(fan, star.id);
        await follow(star, fan.id);
      }
      const newestFirst = [...fans].reverse().map(summaryOf);
      const followers = await get(`/users/${star.id}/followers`);
      expect(followers.statusCode).toBe(200);
      expect(followers.json()).toEqual({ items: newestFirst, next_cursor: null });
      expect((await get(`/users/${star.id}/following`)).json()).toEqual({
        items: newestFirst,
        next_cursor: null,
      });
      expect((await get('/users/999999999/followers')).statusCode).toBe(404);
      expect((await get('/users/999999999/following')).statusCode).toBe(404);
      for (const bad of ['limit=0', 'limit=101', 'limit=x', 'cursor=', 'cursor=a%20b', 'other=1']) {
        expect((await get(`/users/${star.id}/followers?${bad}`)).statusCode, bad).toBe(400);
      }
    });

    it('pages with keyset cursors: no duplicate and no gap while new follows arrive', async () => {
      const [star, ...fans] = (await people(11)) as [TestUser, ...TestUser[]];
      const early = fans.slice(0, 8);
      for (const fan of early) await follow(fan, star.id);
      const first = (await get(`/users/${star.id}/followers?limit=3`)).json();
      expect(first.items).toHaveLength(3);
      expect(first.next_cursor).toEqual(expect.any(String));
      for (const fan of fans.slice(8)) await follow(fan, star.id);
      const seen: number[] = first.items.map((item: { id: number }) => item.id);
      let cursor: string | null = first.next_cursor;
      while (cursor) {
        const page = (await get(`/users/${star.id}/followers?limit=3&cursor=${cursor}`)).json();
        seen.push(...page.items.map((item: { id: number }) => item.id));
        cursor = page.next_cursor;
      }
      expect(seen).toHaveLength(new Set(seen).size);
      expect([...seen].sort((x, y) => x - y)).toEqual(early.map((fan) => fan.id).sort((x, y) => x - y));
      // Exactly `limit` items left gives a last page with next_cursor null, not an empty page after it.
      const exact = (await get(`/users/${star.id}/followers?limit=11`)).json();
      expect(exact.items).toHaveLength(10);
      expect(exact.next_cursor).toBeNull();
    });

    it('refuses a cursor it did not issue, or one issued for another list or user', async () => {
      const [star, fan, other] = (await people(3)) as [TestUser, TestUser, TestUser];
      await follow(fan, star.id);
      await follow(other, star.id);
      await follow(star, fan.id);
      await follow(star, other.id);
      const cursor = (await get(`/users/${star.id}/followers?limit=1`)).json().next_cursor;
      expect(cursor).toEqual(expect.any(String));
      expect((await get(`/users/${star.id}/followers?limit=1&cursor=${cursor}`)).statusCode).toBe(200);
      const forged = Buffer.from(JSON.stringify({ after: 1 })).toString('base64url');
      for (const url of [
        `/users/${star.id}/following?cursor=${cursor}`,
        `/users/${fan.id}/followers?cursor=${cursor}`,
        `/users/${star.id}/followers?cursor=${forged}`,
        `/users/${star.id}/followers?cursor=AAAA`,
      ]) {
        const res = await get(url);
        expect(res.statusCode, url).toBe(400);
        expect(res.json().error.details).toMatchObject({ fields: { cursor: expect.any(String) } });
      }
    });

    it("tells the caller's relationship towards a user, to signed-in callers only", async () => {
      const [a, b, c] = (await people(3)) as [TestUser, TestUser, TestUser];
      await follow(b, a.id);
      expect((await get(`/users/${b.id}/relationship`, a)).json()).toEqual({
        ...noRelation,
        followed_by: true,
      });
      await follow(a, b.id);
      expect((await get(`/users/${b.id}/relationship`, a)).json()).toEqual({
        ...noRelation,
        following: true,
        followed_by: true,
      });
      expect((await get(`/users/${c.id}/relationship`, a)).json()).toEqual(noRelation);
      expect((await get(`/users/${b.id}/relationship`)).statusCode).toBe(401);
      expect((await get('/users/999999999/relationship', a)).statusCode).toBe(404);
    });

    it('lists the accounts both the caller and a user follow', async () => {
      const [a, b, c1, c2, onlyA] = (await people(5)) as [TestUser, TestUser, TestUser, TestUser, TestUser];
      for (const target of [c2, onlyA, c1]) await follow(a, target.id);
      for (const target of [c1, c2]) await follow(b, target.id);
      const res = await get(`/users/${b.id}/common-following`, a);
      expect(res.statusCode).toBe(200);
      expect(res.json()).toEqual({ items: [summaryOf(c1), summaryOf(c2)], next_cursor: null });
      expect((await get(`/users/${b.id}/common-following?limit=1`, a)).json().items).toEqual([summaryOf(c1)]);
      expect((await get(`/users/${b.id}/common-following`)).statusCode).toBe(401);
      expect((await get('/users/999999999/common-following', a)).statusCode).toBe(404);
    });

    it('offers a newcomer the most-followed accounts, with strength 0', async () => {
      const [newcomer, celebrity, ...fans] = (await people(6)) as [TestUser, TestUser, ...TestUser[]];
      for (const fan of fans) await follow(fan, celebrity.id);
      const res = await get('/me/suggestions', newcomer);
      expect(res.statusCode).toBe(200);
      const items: Array<{ user: { id: number }; strength: number }> = res.json().items;
      expect(items.length).toBeGreaterThan(0);
      expect(items.every((item) => item.strength === 0 && item.user.id !== newcomer.id)).toBe(true);
      const followerCounts = await Promise.all(
        items.map(async (item) => (await get(`/users/${item.user.id}`)).json().counts.followers),
      );
      expect(followerCounts).toEqual([...followerCounts].sort((x, y) => y - x));
      expect(followerCounts[0]).toBeGreaterThanOrEqual(fans.length);
      expect((await get('/me/suggestions')).statusCode).toBe(401);
      expect((await get('/me/suggestions?limit=101', newcomer)).statusCode).toBe(400);
    });

    it('shows a follow on both cached public profiles at once', async () => {
      const [a, b] = (await people(2)) as [TestUser, TestUser];
      // Read both profiles first, so that the cache holds them.
      expect(await counts(a)).toMatchObject({ followers: 0, following: 0 });
      expect(await counts(b)).toMatchObject({ followers: 0, following: 0 });
      await follow(a, b.id);
      expect(await counts(a)).toMatchObject({ followers: 0, following: 1 });
      expect(await counts(b)).toMatchObject({ followers: 1, following: 0 });
      await unfollow(a, b.id);
      expect(await counts(a)).toMatchObject({ following: 0 });
      expect(await counts(b)).toMatchObject({ followers: 0 });
    });

    it('keeps the profile counts exact under a concurrent storm of follows and unfollows', async () => {
      const stars = await people(3);
      const crowd = await people(16);
      const requests = crowd.flatMap((fan, i) => [
        ...stars.flatMap((star, j) =>
          Array.from({ length: 5 }, (_, k) =>
            (i + j + k) % 3 === 1 ? () => unfollow(fan, star.id) : () => follow(fan, star.id),
          ),
        ),
        // Fans follow each other both ways at once too: A -> B and B -> A lock the same two rows.
        () => follow(fan, (crowd[(i + 1) % crowd.length] as TestUser).id),
        () => follow(crowd[(i + 1) % crowd.length] as TestUser, fan.id),
        () => unfollow(stars[i % stars.length] as TestUser, fan.id),
        () => follow(stars[i % stars.length] as TestUser, fan.id),
      ]);
      const statuses = (await Promise.all(requests.map((request) => request()))).map((res) => res.statusCode);
      expect(statuses.filter((status) => status !== 204)).toEqual([]);
      for (const user of [...stars, ...crowd]) {
        const [followers, following] = await Promise.all([
          walk(`/users/${user.id}/followers`),
          walk(`/users/${user.id}/following`),
        ]);
        expect(await counts(user), `counts of ${user.id}`).toMatchObject({
          followers: followers.length,
          following: following.length,
        });
      }
      // One pair followed 20 times at once: one edge, counted once.
      const [x, y] = (await people(2)) as [TestUser, TestUser];
      await Promise.all(Array.from({ length: 20 }, () => follow(x, y.id)));
      expect(await counts(y)).toMatchObject({ followers: 1 });
      await Promise.all(Array.from({ length: 20 }, () => unfollow(x, y.id)));
      expect(await counts(y)).toMatchObject({ followers: 0 });
      expect(await counts(x)).toMatchObject({ following: 0 });
    });

    it('reports the graph role in /healthz', async () => {
      const res = await app.inject({ method: 'GET', url: '/healthz' });
      expect(res.json().roles.graph).toMatchObject({ ok: true });
    });
  });
}
