// What blocks and mutes hide, through the real HTTP stack, under every home-feed strategy
// (fanout, pull, sqljoin) on the embedded default and on PostgreSQL + Redis: a block hides the
// two from each other everywhere and bars likes and comments; a mute hides from the muter's
// home feed only; lifting either restores what it hid.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildApp, type Platform } from '../../src/app.ts';
import { loadConfig } from '../../src/config.ts';
import { caller, signUp, type TestUser } from '../support/api.ts';
import { testEnv } from '../support/app.ts';
import { dropKeys } from '../support/stores.ts';
import { httpStacks, stackTitle } from '../support/targets.ts';

for (const strategy of ['fanout', 'pull', 'sqljoin'] as const) {
  for (const stack of httpStacks) {
    describe.skipIf(stack.skip !== undefined)(
      stackTitle(`blocks and mutes in views (${strategy})`, stack),
      () => {
        let platform: Platform;
        const call = caller(() => platform.app);
        beforeAll(async () => {
          const env = await testEnv(
            stack.sql === 'postgres'
              ? { sql: 'postgres', cache: 'redis', env: { FEED_STRATEGY: strategy } }
              : { env: { FEED_STRATEGY: strategy } },
          );
          platform = await buildApp(loadConfig(env));
          afterAll(async () => {
            await platform.app.close();
            if (env.REDIS_URL && env.KEY_PREFIX) await dropKeys(env.REDIS_URL, env.KEY_PREFIX);
          });
        });

        const ok = async (method: string, url: string, user?: TestUser, body?: unknown) => {
          const res = await call(method, url, user, body);
          expect(res.statusCode, `${method} ${url}: ${res.body}`).toBeLessThan(300);
          return res.statusCode === 204 ? undefined : res.json();
        };
        const post = async (user: TestUser, content: string): Promise<string> =>
          (await ok('POST', '/posts', user, { content })).id;
        const contents = async (url: string, user?: TestUser): Promise<string[]> => {
          await platform.jobs.idle();
          return (await ok('GET', url, user)).items.map(
            (item: { content?: string; text?: string }) => item.content ?? item.text,
          );
        };

        it("a blocked user's posts never appear in the blocker's feed, and come back to nobody's after unblock", async () => {
          const reader = await signUp(platform.app);
          const target = await signUp(platform.app);
          await ok('PUT', `/users/${target.id}/follow`, reader);
          await ok('PUT', `/users/${reader.id}/follow`, target);
          await post(target, 'before the block');
          await post(reader, 'reader speaks');
          expect(await contents('/feed', reader)).toContain('before the block');
          await contents('/feed', target);
          await ok('PUT', `/users/${target.id}/block`, reader);
          await post(target, 'after the block');
          expect(await contents('/feed', reader)).toEqual(['reader speaks']);
          expect(await contents('/feed', target)).toEqual(['after the block', 'before the block']);
          // Refollowing is refused both ways while the block stands.
          for (const [who, whom] of [
            [reader, target],
            [target, reader],
          ] as const) {
            const res = await call('PUT', `/users/${whom.id}/follow`, who);
            expect(res.statusCode).toBe(403);
            expect(res.json().error.code).toBe('blocked');
          }
          await ok('DELETE', `/users/${target.id}/block`, reader);
          await ok('PUT', `/users/${target.id}/follow`, reader);
          expect(await contents('/feed', reader)).toEqual([
            'after the block',
            'reader speaks',
            'before the block',
          ]);
        });

        it("a mute hides the muted account's posts from the muter's home feed only", async () => {
          const reader = await signUp(platform.app);
          const muted = await signUp(platform.app);
          await ok('PUT', `/users/${muted.id}/follow`, reader);
          await contents('/feed', reader);
          const id = await post(muted, 'muted voice');
          await ok('PUT', `/users/${muted.id}/mute`, reader);
          expect(await contents('/feed', reader)).toEqual([]);
          // Everywhere else the muted account is as before: its timeline, its post, liking it.
          expect(await contents(`/users/${muted.id}/posts`, reader)).toEqual(['muted voice']);
          expect((await ok('GET', `/posts/${id}`, reader)).content).toBe('muted voice');
          await ok('PUT', `/posts/${id}/like`, reader);
          // The muted one still sees the muter as a follower.
          expect(
            (await ok('GET', `/users/${muted.id}/followers`, muted)).items.map((u: TestUser) => u.id),
          ).toEqual([reader.id]);
          await ok('DELETE', `/users/${muted.id}/mute`, reader);
          expect(await contents('/feed', reader)).toEqual(['muted voice']);
        });

        it.runIf(strategy === 'fanout')(
          'a block hides posts, comments and people both ways, and bars likes and comments with 403 blocked',
          async () => {
            const [a, b, friend] = [
              await signUp(platform.app),
              await signUp(platform.app),
              await signUp(platform.app),
            ];
            const aPost = await post(a, 'by a');
            const bPost = await post(b, 'by b');
            await ok('POST', `/posts/${aPost}/comments`, b, { text: 'b was here' });
            await ok('POST', `/posts/${aPost}/comments`, friend, { text: 'friend was here' });
            await ok('PUT', `/users/${friend.id}/follow`, a);
            await ok('PUT', `/users/${friend.id}/follow`, b);
            await ok('PUT', `/users/${b.id}/block`, a);

            for (const [viewer, other, otherPost] of [
              [a, b, bPost],
              [b, a, aPost],
            ] as const) {
              expect(await contents(`/users/${other.id}/posts`, viewer)).toEqual([]);
              expect((await call('GET', `/posts/${otherPost}`, viewer)).statusCode).toBe(404);
              for (const [method, url, body] of [
                ['PUT', `/posts/${otherPost}/like`, undefined],
                ['POST', `/posts/${otherPost}/comments`, { text: 'hello?' }],
              ] as const) {
                const res = await call(method, url, viewer, body);
                expect(res.statusCode, res.body).toBe(403);
                expect(res.json().error.code).toBe('blocked');
              }
              const followers = await ok('GET', `/users/${friend.id}/followers`, viewer);
              expect(followers.items.map((u: TestUser) => u.id)).toEqual([viewer.id]);
            }
            // a's own post: b's comment is gone for a, in the list and in the embedded newest comments.
            expect(await contents(`/posts/${aPost}/comments`, a)).toEqual(['friend was here']);
            const seen = await ok('GET', `/posts/${aPost}`, a);
            expect(seen.comments.map((c: { text: string }) => c.text)).toEqual(['friend was here']);
            // Anonymous readers and third parties see everything.
            expect(await contents(`/posts/${aPost}/comments`)).toEqual(['friend was here', 'b was here']);
            expect(await contents(`/posts/${aPost}/comments`, friend)).toEqual([
              'friend was here',
              'b was here',
            ]);
            expect((await ok('GET', `/users/${friend.id}/followers`)).items).toHaveLength(2);
            // Nothing was liked or commented by the refused calls.
            expect((await ok('GET', `/posts/${bPost}`, friend)).stats).toMatchObject({
              likes: 0,
              comments: 0,
            });

            await ok('DELETE', `/users/${b.id}/block`, a);
            expect(await contents(`/posts/${aPost}/comments`, a)).toEqual(['friend was here', 'b was here']);
            expect(await contents(`/users/${b.id}/posts`, a)).toEqual(['by b']);
            await ok('PUT', `/posts/${bPost}/like`, a);
          },
        );
      },
    );
  }
}
