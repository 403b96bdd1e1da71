// Blocks and mutes through the real HTTP stack: the relations themselves (idempotent PUT and
// DELETE, the caller's own lists, follows refused across a block), on the embedded default
// and on PostgreSQL + Redis, and with the graph on Neo4j wherever NEO4J_URL is set.
import type { FastifyInstance } from 'fastify';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { caller, signUp, type TestUser } from '../support/api.ts';
import { buildTestApp } from '../support/app.ts';
import { graphStacks, noRelation } from '../support/graph.ts';

for (const stack of graphStacks()) {
  const title = stack.skip
    ? `blocks and mutes on ${stack.name} [SKIPPED: ${stack.skip}]`
    : `blocks and mutes on ${stack.name}`;
  describe.skipIf(stack.skip !== undefined)(title, () => {
    let app: FastifyInstance;
    const call = caller(() => app);
    beforeAll(async () => {
      ({ app } = await buildTestApp(stack.options));
    });
    afterAll(() => stack.cleanUp());

    const people = async (count: number) =>
      (await Promise.all(Array.from({ length: count }, () => signUp(app)))).sort((x, y) => x.id - y.id);
    const relate = async (method: 'PUT' | 'DELETE', relation: string, user: TestUser, other: TestUser) => {
      const res = await call(method, `/users/${other.id}/${relation}`, user);
      expect(res.statusCode, res.body).toBe(204);
    };
    const counts = async (user: TestUser) => (await call('GET', `/users/${user.id}`)).json().counts;
    const ids = async (url: string, user?: TestUser) => {
      const res = await call('GET', url, user);
      expect(res.statusCode, res.body).toBe(200);
      return res.json().items.map((item: { id: number }) => item.id);
    };

    it('a block ends the follows both ways, moves the counters, and is idempotent', async () => {
      const [a, b, fan] = (await people(3)) as [TestUser, TestUser, TestUser];
      await relate('PUT', 'follow', a, b);
      await relate('PUT', 'follow', b, a);
      await relate('PUT', 'follow', fan, b);
      await relate('PUT', 'block', a, b);
      await relate('PUT', 'block', a, b);
      expect(await counts(a)).toMatchObject({ followers: 0, following: 0 });
      expect(await counts(b)).toMatchObject({ followers: 1, following: 0 });
      expect(await ids(`/users/${b.id}/followers`)).toEqual([fan.id]);
      expect((await call('GET', `/users/${b.id}/relationship`, a)).json()).toEqual({
        ...noRelation,
        blocking: true,
      });
      expect((await call('GET', `/users/${a.id}/relationship`, b)).json()).toEqual({
        ...noRelation,
        blocked_by: true,
      });
    });

    it('refuses a follow across a block, either way, with 403 blocked, until the blocker lifts it', async () => {
      const [a, b] = (await people(2)) as [TestUser, TestUser];
      await relate('PUT', 'block', a, b);
      for (const [who, whom] of [
        [a, b],
        [b, a],
      ] as const) {
        const res = await call('PUT', `/users/${whom.id}/follow`, who);
        expect(res.statusCode, res.body).toBe(403);
        expect(res.json().error.code).toBe('blocked');
      }
      expect(await counts(b)).toMatchObject({ followers: 0, following: 0 });
      // The blocked one cannot lift it: their DELETE removes nothing (still 204, as any DELETE of a relation).
      await relate('DELETE', 'block', b, a);
      expect((await call('PUT', `/users/${a.id}/follow`, b)).statusCode).toBe(403);
      await relate('DELETE', 'block', a, b);
      await relate('DELETE', 'block', a, b);
      await relate('PUT', 'follow', b, a);
      expect(await counts(a)).toMatchObject({ followers: 1 });
    });

    it('lists your own blocks and mutes, newest first, in pages; nobody else sees them', async () => {
      const [me, ...others] = (await people(5)) as [TestUser, ...TestUser[]];
      for (const other of others) {
        await relate('PUT', 'block', me, other);
        await relate('PUT', 'mute', me, other);
      }
      const newestFirst = others.map((other) => other.id).reverse();
      for (const list of ['blocks', 'mutes']) {
        const first = await call('GET', `/me/${list}?limit=3`, me);
        expect(first.statusCode, first.body).toBe(200);
        const next = first.json().next_cursor;
        expect(next).toEqual(expect.any(String));
        const second = await call('GET', `/me/${list}?limit=3&cursor=${next}`, me);
        expect(
          [...first.json().items, ...second.json().items].map((item: { id: number }) => item.id),
        ).toEqual(newestFirst);
        expect(second.json().next_cursor).toBeNull();
        expect(first.json().items[0]).toEqual({
          id: newestFirst[0],
          handle: expect.any(String),
          name: expect.any(String),
          avatar_url: null,
        });
        // A cursor of one list is refused by the other.
        const other = list === 'blocks' ? 'mutes' : 'blocks';
        expect((await call('GET', `/me/${other}?cursor=${next}`, me)).statusCode).toBe(400);
        expect((await call('GET', `/me/${list}`)).statusCode).toBe(401);
        expect(await ids(`/me/${list}`, others[0])).toEqual([]);
      }
      await relate('DELETE', 'mute', me, others[1] as TestUser);
      await relate('DELETE', 'mute', me, others[1] as TestUser);
      expect(await ids('/me/mutes', me)).toEqual(newestFirst.filter((id) => id !== others[1]?.id));
      expect(await ids('/me/blocks', me)).toEqual(newestFirst);
    });

    it('a mute changes no follow and tells the muted user nothing', async () => {
      const [a, b] = (await people(2)) as [TestUser, TestUser];
      await relate('PUT', 'follow', a, b);
      await relate('PUT', 'mute', a, b);
      expect(await counts(b)).toMatchObject({ followers: 1 });
      expect((await call('GET', `/users/${b.id}/relationship`, a)).json()).toMatchObject({ following: true });
      expect((await call('GET', `/users/${a.id}/relationship`, b)).json()).toMatchObject({
        followed_by: true,
      });
      expect(await ids('/me/mutes', b)).toEqual([]);
    });

    it('refuses bad input with a clear 4xx and changes nothing', async () => {
      const [a] = (await people(1)) as [TestUser];
      for (const relation of ['block', 'mute']) {
        for (const method of ['PUT', 'DELETE']) {
          const self = await call(method, `/users/${a.id}/${relation}`, a);
          expect(self.statusCode, self.body).toBe(400);
          expect((await call(method, `/users/999999999/${relation}`, a)).statusCode).toBe(404);
          expect((await call(method, `/users/abc/${relation}`, a)).statusCode).toBe(400);
          expect((await call(method, `/users/${a.id}/${relation}`)).statusCode).toBe(401);
        }
      }
      expect((await call('GET', '/me/blocks?limit=0', a)).statusCode).toBe(400);
      expect((await call('GET', '/me/mutes?cursor=nonsense', a)).statusCode).toBe(400);
      expect(await ids('/me/blocks', a)).toEqual([]);
      expect(await ids('/me/mutes', a)).toEqual([]);
    });

    it('under a storm of follows and blocks of one pair, no follow survives beside the block', async () => {
      const [a, b] = (await people(2)) as [TestUser, TestUser];
      const replies = await Promise.all([
        ...Array.from({ length: 6 }, (_, i) =>
          call('PUT', `/users/${(i % 2 ? a : b).id}/follow`, i % 2 ? b : a),
        ),
        call('PUT', `/users/${b.id}/block`, a),
        call('PUT', `/users/${b.id}/block`, a),
      ]);
      for (const res of replies) expect([204, 403], res.body).toContain(res.statusCode);
      expect(await counts(a)).toMatchObject({ followers: 0, following: 0 });
      expect(await counts(b)).toMatchObject({ followers: 0, following: 0 });
      expect(await ids(`/users/${a.id}/followers`)).toEqual([]);
    });
  });
}
