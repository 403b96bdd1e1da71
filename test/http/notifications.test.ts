// Notifications through the real HTTP stack, on the embedded default and on the real
// PostgreSQL + Redis: each kind of event notifies the one it concerns (never the actor about
// themself), read marks and the unread count, a blocked or muted actor's notifications hidden,
// and a deleted account's notifications gone.
import { beforeAll, describe, expect, it } from 'vitest';
import type { Platform } from '../../src/app.ts';
import { caller, signUp, type TestUser } from '../support/api.ts';
import { buildTestApp } from '../support/app.ts';
import { httpStacks, stackTitle } from '../support/targets.ts';

interface Listed {
  id: string;
  kind: string;
  actor: { id: number };
  post: { id: string; excerpt: string } | null;
  read: boolean;
}

for (const stack of httpStacks) {
  describe.skipIf(stack.skip !== undefined)(stackTitle('notifications', stack), () => {
    let platform: Platform;
    const call = caller(() => platform.app);
    beforeAll(async () => {
      platform = await buildTestApp({ sql: stack.sql, cache: stack.cache });
    });

    const people = async (count: number) =>
      Promise.all(Array.from({ length: count }, () => signUp(platform.app)));
    const ok = async (method: string, url: string, user: TestUser, payload?: unknown) => {
      const res = await call(method, url, user, payload);
      expect(res.statusCode, res.body).toBeLessThan(300);
      return res;
    };
    const post = async (user: TestUser, content: string) =>
      (await ok('POST', '/posts', user, { content })).json().id as string;
    /** Every notification of `user`, walking the pages (after the durable jobs ran). */
    async function notifications(user: TestUser, limit = 2): Promise<Listed[]> {
      await platform.jobs.idle();
      const seen: Listed[] = [];
      let cursor: string | null = null;
      do {
        const res = await call(
          'GET',
          `/notifications?limit=${limit}${cursor ? `&cursor=${cursor}` : ''}`,
          user,
        );
        expect(res.statusCode, res.body).toBe(200);
        seen.push(...res.json().items);
        cursor = res.json().next_cursor;
      } while (cursor);
      return seen;
    }
    const unread = async (user: TestUser) => {
      await platform.jobs.idle();
      const res = await call('GET', '/notifications/unread_count', user);
      expect(res.statusCode, res.body).toBe(200);
      return res.json().count as number;
    };
    const kinds = (list: Listed[]) => list.map((n) => [n.kind, n.actor.id, n.post?.id ?? null]);

    it('notifies each kind of event, newest first, never the actor about themself', async () => {
      const [me, fan, friend] = (await people(3)) as [TestUser, TestUser, TestUser];
      const mine = await post(me, `My post, long enough to be cut: ${'x'.repeat(150)}`);
      await ok('PUT', `/users/${me.id}/follow`, fan);
      await ok('PUT', `/posts/${mine}/like`, fan);
      await ok('POST', `/posts/${mine}/comments`, fan, { text: `nice, @${friend.handle}` });
      await ok('PUT', `/posts/${mine}/repost`, fan);
      const theirs = await post(friend, `hello @${me.handle}`);
      // Acting on one's own post, or naming oneself, tells nobody.
      await ok('PUT', `/posts/${mine}/like`, me);
      await ok('POST', `/posts/${mine}/comments`, me, { text: `me, @${me.handle}` });
      await post(me, `talking to @${me.handle}`);

      const listed = await notifications(me);
      expect(kinds(listed)).toEqual([
        ['mention', friend.id, theirs],
        ['repost', fan.id, mine],
        ['comment', fan.id, mine],
        ['like', fan.id, mine],
        ['follow', fan.id, null],
      ]);
      expect(listed[1]?.post?.excerpt).toHaveLength(100);
      expect(listed.every((n) => !n.read)).toBe(true);
      expect(kinds(await notifications(friend))).toEqual([['mention', fan.id, mine]]);
      expect(await notifications(fan)).toEqual([]);

      // The same event again (a like taken back and given again) stays one notification.
      await ok('DELETE', `/posts/${mine}/like`, fan);
      await ok('PUT', `/posts/${mine}/like`, fan);
      expect(await notifications(me)).toHaveLength(5);
    });

    it('marks one and every older notification read, and counts the unread', async () => {
      const [me, a, b, c] = (await people(4)) as [TestUser, TestUser, TestUser, TestUser];
      for (const fan of [a, b, c]) await ok('PUT', `/users/${me.id}/follow`, fan);
      expect(await unread(me)).toBe(3);
      const [, middle] = await notifications(me);
      expect((await ok('POST', '/notifications/read', me, { up_to_id: middle?.id })).statusCode).toBe(204);
      expect(await unread(me)).toBe(1);
      expect((await notifications(me)).map((n) => n.read)).toEqual([false, true, true]);
      // Another's notification, a bad id, no session: refused, nothing changes.
      const [theirs] = await notifications(me);
      const refused = await call('POST', '/notifications/read', a, { up_to_id: theirs?.id });
      expect(refused.statusCode).toBe(404);
      expect((await call('POST', '/notifications/read', me, { up_to_id: 'nope' })).statusCode).toBe(400);
      expect(
        (await call('POST', '/notifications/read', undefined, { up_to_id: theirs?.id })).statusCode,
      ).toBe(401);
      expect((await call('GET', '/notifications/unread_count')).statusCode).toBe(401);
      expect(await unread(me)).toBe(1);
      await ok('POST', '/notifications/read', me, { up_to_id: theirs?.id });
      expect(await unread(me)).toBe(0);
    });

    it("hides a blocked or muted actor's notifications from the list and the count", async () => {
      const [me, blocked, muted, fan] = (await people(4)) as [TestUser, TestUser, TestUser, TestUser];
      for (const actor of [blocked, muted, fan]) await ok('PUT', `/users/${me.id}/follow`, actor);
      expect(await unread(me)).toBe(3);
      await ok('PUT', `/users/${blocked.id}/block`, me);
      await ok('PUT', `/users/${muted.id}/mute`, me);
      expect(kinds(await notifications(me, 1))).toEqual([['follow', fan.id, null]]);
      expect(await unread(me)).toBe(1);
      await ok('DELETE', `/users/${muted.id}/mute`, me);
      expect(await unread(me)).toBe(2);
    });

    // What the deleted account received is erased with it too (the store's contract shows it).
    it('removes the notifications a deleted account set off', async () => {
      const [gone, me, fan] = (await people(3)) as [TestUser, TestUser, TestUser];
      await ok('PUT', `/users/${gone.id}/follow`, fan);
      await ok('PUT', `/users/${me.id}/follow`, gone);
      await ok('PUT', `/users/${me.id}/follow`, fan);
      expect(await unread(me)).toBe(2);
      await ok('DELETE', '/me', gone, { password: gone.password });
      expect(kinds(await notifications(me))).toEqual([['follow', fan.id, null]]);
      expect(await unread(me)).toBe(1);
    });
  });
}
