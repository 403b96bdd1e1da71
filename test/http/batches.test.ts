// The batch paths that load demo content (follows, likes and views many at a time) and a
// bio given at sign-up, checked through the HTTP API on both stacks: a batch leaves exactly
// what the same calls made one by one would leave, and repeating it changes nothing.
import { v7 } from 'uuid';
import { beforeAll, describe, expect, it } from 'vitest';
import type { Platform } from '../../src/app.ts';
import { auth, caller, newAccountBody, signUp, type TestUser } from '../support/api.ts';
import { buildTestApp } from '../support/app.ts';
import { httpStacks, stackTitle } from '../support/targets.ts';

for (const stack of httpStacks) {
  describe.skipIf(stack.skip)(stackTitle('batches and sign-up with a bio', stack), () => {
    let platform: Platform;
    let people: TestUser[];
    beforeAll(async () => {
      platform = await buildTestApp({ sql: stack.sql, cache: stack.cache });
      people = [];
      for (let i = 0; i < 4; i++) people.push(await signUp(platform.app));
    });
    const call = caller(() => platform.app);
    const counts = async (user: TestUser) => {
      const res = await call('GET', `/users/${user.id}`);
      expect(res.statusCode, res.body).toBe(200);
      const { followers, following } = res.json().counts as { followers: number; following: number };
      return { followers, following };
    };
    const followerIds = async (user: TestUser) =>
      (await call('GET', `/users/${user.id}/followers?limit=100`))
        .json()
        .items.map((u: { id: number }) => u.id);

    it('follows many at once with exact counters, skipping edges that exist, and a repeat adds nothing', async () => {
      const [a, b, c, d] = people as [TestUser, TestUser, TestUser, TestUser];
      // Read first, so the cached profiles must be forgotten for the new counts to show.
      expect(await counts(d)).toEqual({ followers: 0, following: 0 });
      expect((await call('PUT', `/users/${d.id}/follow`, a)).statusCode).toBe(204);
      const edges = [
        { followerId: a.id, followeeId: d.id },
        { followerId: b.id, followeeId: d.id },
        { followerId: c.id, followeeId: d.id },
        { followerId: c.id, followeeId: d.id },
        { followerId: d.id, followeeId: a.id },
      ];
      expect(await platform.services.graph.followMany(edges)).toBe(3);
      expect(await counts(d)).toEqual({ followers: 3, following: 1 });
      expect(await counts(a)).toEqual({ followers: 1, following: 1 });
      expect(await counts(c)).toEqual({ followers: 0, following: 1 });
      expect((await followerIds(d)).sort()).toEqual([a.id, b.id, c.id].sort());

      expect(await platform.services.graph.followMany(edges)).toBe(0);
      expect(await counts(d)).toEqual({ followers: 3, following: 1 });
      // The batch's edges are ordinary follows: one unfollow over HTTP takes one back.
      expect((await call('DELETE', `/users/${d.id}/follow`, b)).statusCode).toBe(204);
      expect(await counts(d)).toEqual({ followers: 2, following: 1 });
    });

    it('refuses a batch with a self-follow or an unknown user, following nobody', async () => {
      const [a, b] = people as [TestUser, TestUser];
      const before = [await counts(a), await counts(b)];
      const selfFollow = [
        { followerId: a.id, followeeId: b.id },
        { followerId: b.id, followeeId: b.id },
      ];
      await expect(platform.services.graph.followMany(selfFollow)).rejects.toMatchObject({ status: 400 });
      const unknown = [
        { followerId: b.id, followeeId: a.id },
        { followerId: b.id, followeeId: 9_999_999 },
      ];
      await expect(platform.services.graph.followMany(unknown)).rejects.toMatchObject({ status: 404 });
      expect([await counts(a), await counts(b)]).toEqual(before);
    });

    it('likes a post by many at once, counting each liker once, and a repeat adds nothing', async () => {
      const [a, b, c, d] = people as [TestUser, TestUser, TestUser, TestUser];
      const created = await call('POST', '/posts', a, { content: 'liked in a batch' });
      expect(created.statusCode, created.body).toBe(201);
      const postId = created.json().id as string;
      expect((await call('GET', `/posts/${postId}`)).json().stats.likes).toBe(0);
      expect((await call('PUT', `/posts/${postId}/like`, b)).statusCode).toBe(204);

      const likers = [b.id, c.id, c.id, d.id];
      expect(await platform.services.posts.likeMany(likers, postId)).toBe(2);
      expect((await call('GET', `/posts/${postId}`)).json().stats.likes).toBe(3);
      expect(await platform.services.posts.likeMany(likers, postId)).toBe(0);
      expect((await call('GET', `/posts/${postId}`)).json().stats.likes).toBe(3);
      const timeline = await call('GET', `/users/${a.id}/posts`, c);
      expect(timeline.json().items[0]).toMatchObject({ id: postId, user_has_liked: true });
      // One unlike over HTTP takes back one like of the batch.
      expect((await call('DELETE', `/posts/${postId}/like`, c)).statusCode).toBe(204);
      expect((await call('GET', `/posts/${postId}`)).json().stats.likes).toBe(2);

      await expect(platform.services.posts.likeMany([b.id], v7())).rejects.toMatchObject({ status: 404 });
    });

    it('records many views of a post at once, each viewer once within the window', async () => {
      const [a, b, c] = people as [TestUser, TestUser, TestUser];
      const postId = (await call('POST', '/posts', a, { content: 'viewed in a batch' })).json().id as string;
      expect((await call('POST', `/posts/${postId}/views`, b)).json().counted).toBe(true);
      expect(await platform.services.analytics.viewsOf(postId, [b.id, c.id, c.id, a.id])).toBe(2);
      await platform.analytics.flush();
      const trending = await call('GET', '/trending?hours=1&limit=100');
      const item = trending.json().items.find((entry: { id: string }) => entry.id === postId);
      expect(item?.views).toBe(3);
      await expect(platform.services.analytics.viewsOf(v7(), [a.id])).rejects.toMatchObject({ status: 404 });
    });

    it('takes a bio at sign-up and shows it on the account and the public profile', async () => {
      const body = newAccountBody({ bio: 'Potter in Lisbon; into jazz.' });
      const created = await platform.app.inject({ method: 'POST', url: '/api/v1/accounts', payload: body });
      expect(created.statusCode, created.body).toBe(201);
      expect(created.json().bio).toBe('Potter in Lisbon; into jazz.');
      const profile = await call('GET', `/users/${created.json().id}`);
      expect(profile.json().bio).toBe('Potter in Lisbon; into jazz.');
      const session = await platform.app.inject({
        method: 'POST',
        url: '/api/v1/sessions',
        payload: { email: body.email, password: body.password },
      });
      const me = await platform.app.inject({
        method: 'GET',
        url: '/api/v1/me',
        headers: auth(session.json().token),
      });
      expect(me.json().bio).toBe('Potter in Lisbon; into jazz.');
    });

    it('refuses a bio over 500 characters at sign-up with 400, creating nothing', async () => {
      const body = newAccountBody({ bio: 'x'.repeat(501) });
      const refused = await platform.app.inject({ method: 'POST', url: '/api/v1/accounts', payload: body });
      expect(refused.statusCode, refused.body).toBe(400);
      expect(refused.json().error.details.fields).toHaveProperty('bio');
      const logIn = await platform.app.inject({
        method: 'POST',
        url: '/api/v1/sessions',
        payload: { email: body.email, password: body.password },
      });
      expect(logIn.statusCode).toBe(401);
    });
  });
}
