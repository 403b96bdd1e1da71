// The posts port's contract: every adapter must pass it, on every engine it serves. Ids and
// times are made here as the service makes them (UUIDv7, now), so no assertion is about a time.
import { v7 } from 'uuid';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { OutboxPort } from '../../src/jobs/outbox.port.ts';
import {
  type AuthorCopy,
  type Comment,
  EMBEDDED_COMMENTS,
  type NewPost,
  type Position,
  type PostsPort,
} from '../../src/posts/posts.port.ts';

export interface PostsHarness {
  posts: PostsPort;
  /** New authors the posts may name (real users where the store references them). */
  newAuthors(count: number): Promise<AuthorCopy[]>;
  /** The author's profile posts count, where the adapter keeps it (keepsProfileCounts). */
  postsCount?(userId: number): Promise<number>;
  /** The outbox of the store that holds the posts, where their follow-up work is stored. */
  outbox: OutboxPort;
  close(): Promise<void>;
}

const positionOf = (item: { id: string; created_at: string }): Position => ({
  at: Date.parse(item.created_at),
  id: item.id,
});

/** Newest first, as every list is ordered: created_at, then id, both descending. */
const newestFirst = <T extends { id: string; created_at: string }>(items: T[]) =>
  [...items].sort((a, b) => b.created_at.localeCompare(a.created_at) || (a.id < b.id ? 1 : -1));

export function postsContract(name: string, open: () => Promise<PostsHarness>, skipReason?: string) {
  describe.skipIf(skipReason !== undefined)(
    `posts contract on ${name}${skipReason ? ` [SKIPPED: ${skipReason}]` : ''}`,
    () => {
      let harness: PostsHarness;
      let posts: PostsPort;
      const author = async () => (await harness.newAuthors(1))[0] as AuthorCopy;
      const newPost = (by: AuthorCopy, overrides: Partial<NewPost> = {}): NewPost => ({
        id: v7(),
        author: by,
        content: 'hello',
        media_urls: [],
        attributes: {},
        created_at: new Date(),
        ...overrides,
      });
      const comment = (by: AuthorCopy, text = 'nice', created_at = new Date()) => ({
        id: v7(),
        author: by,
        text,
        created_at,
      });
      /** Every comment of a post, page by page, as the service walks them. */
      async function allComments(postId: string, limit: number): Promise<Comment[]> {
        const all: Comment[] = [];
        let after: Position | undefined;
        for (;;) {
          const page = await posts.comments(postId, { limit, after });
          all.push(...page);
          if (page.length < limit) return all;
          after = positionOf(page.at(-1) as Comment);
        }
      }

      beforeAll(async () => {
        harness = await open();
        posts = harness.posts;
      });
      afterAll(() => harness?.close());

      it('stores a post document and reads it back whole, ids as given', async () => {
        const by = await author();
        const input = newPost(by, {
          content: '<script>alert(1)</script> & <b>bold</b> — ünïcödé 🎉',
          media_urls: ['https://example.com/a.png', 'http://example.com/b.mp4'],
          attributes: {
            video_url: 'https://example.com/v',
            reading_time: 4,
            ratio: 1.5,
            draft: false,
            nothing: null,
            poll: { question: 'Tabs?', options: ['yes', 'no'], votes: [{ n: 1 }] },
          },
        });
        const created = await posts.createPost(input);
        const expected = {
          id: input.id,
          author: by,
          content: input.content,
          mentions: [],
          media_urls: input.media_urls,
          attributes: input.attributes,
          created_at: input.created_at.toISOString(),
          updated_at: input.created_at.toISOString(),
          stats: { likes: 0, comments: 0, shares: 0 },
          comments: [],
        };
        expect(created).toEqual(expected);
        expect(await posts.getPost(input.id)).toEqual(expected);
        expect(await posts.getPost(v7())).toBeNull();
      });

      it('deletes a post exactly once under concurrent deletes (what the posts count relies on)', async () => {
        const by = await author();
        const made = await Promise.all(Array.from({ length: 5 }, () => posts.createPost(newPost(by))));
        const target = (made[0] as { id: string }).id;
        const results = await Promise.all(Array.from({ length: 4 }, () => posts.deletePost(target)));
        expect(results.filter(Boolean)).toHaveLength(1);
        // An adapter on the accounts' database keeps the profile's count itself, exactly.
        expect(await harness.postsCount?.(by.id)).toBe(posts.keepsProfileCounts ? 4 : undefined);
      });

      it('applies a JSON merge patch: null removes, objects merge, arrays and text replace', async () => {
        const by = await author();
        const input = newPost(by, {
          media_urls: ['https://example.com/1.png'],
          attributes: { keep: 1, drop: 'x', nested: { a: 1, b: 2 }, list: [1, 2] },
        });
        await posts.createPost(input);
        const later = new Date(input.created_at.getTime() + 1000);
        const updated = await posts.updatePost(
          input.id,
          {
            content: 'changed',
            attributes: { drop: null, nested: { b: null, c: 3 }, list: [3], added: { deep: true } },
          },
          later,
        );
        const expected = {
          content: 'changed',
          media_urls: ['https://example.com/1.png'],
          attributes: { keep: 1, nested: { a: 1, c: 3 }, list: [3], added: { deep: true } },
          updated_at: later.toISOString(),
          created_at: input.created_at.toISOString(),
        };
        expect(updated).toMatchObject(expected);
        expect(await posts.getPost(input.id)).toMatchObject(expected);
        const cleared = await posts.updatePost(input.id, { media_urls: null, attributes: null }, later);
        expect(cleared).toMatchObject({ content: 'changed', media_urls: [], attributes: {} });
        expect(await posts.updatePost(v7(), { content: 'x' }, later)).toBeNull();
      });

      it('refuses a patch whose merged attributes exceed 16 KB, changing nothing', async () => {
        const by = await author();
        const input = newPost(by, { attributes: { a: 'x'.repeat(10_000) } });
        await posts.createPost(input);
        const before = await posts.getPost(input.id);
        await expect(
          posts.updatePost(input.id, { content: 'new', attributes: { b: 'y'.repeat(10_000) } }, new Date()),
        ).rejects.toMatchObject({ status: 400, details: { fields: { attributes: expect.any(String) } } });
        expect(await posts.getPost(input.id)).toEqual(before);
      });

      it('adds comments: stored, embedded newest first, counted', async () => {
        const [by, commenter] = (await harness.newAuthors(2)) as [AuthorCopy, AuthorCopy];
        const input = newPost(by);
        await posts.createPost(input);
        const first = await posts.addComment(input.id, comment(commenter, 'first'));
        const second = await posts.addComment(input.id, comment(by, 'second'));
        expect(first).toEqual({
          id: expect.any(String),
          author: commenter,
          text: 'first',
          mentions: [],
          created_at: expect.any(String),
          edited_at: null,
        });
        const post = await posts.getPost(input.id);
        expect(post?.stats.comments).toBe(2);
        expect(post?.comments).toEqual([second, first]);
        expect(await posts.findComment(input.id, first?.id as string)).toEqual(first);
        expect(await posts.findComment(v7(), first?.id as string)).toBeNull();
        expect(await posts.addComment(v7(), comment(commenter))).toBeNull();
      });

      it('embeds only the newest 50, pages through all, and refills the subset on delete', async () => {
        const [by, commenter] = (await harness.newAuthors(2)) as [AuthorCopy, AuthorCopy];
        const input = newPost(by);
        await posts.createPost(input);
        const base = Date.now();
        const added: Comment[] = [];
        for (let i = 0; i < 60; i++) {
          // Some share a millisecond: the id breaks the tie, in the subset and in pages alike.
          const at = new Date(base + Math.floor(i / 3));
          added.push((await posts.addComment(input.id, comment(commenter, `c${i}`, at))) as Comment);
        }
        const ordered = newestFirst(added);
        let post = await posts.getPost(input.id);
        expect(post?.stats.comments).toBe(60);
        expect(post?.comments).toEqual(ordered.slice(0, EMBEDDED_COMMENTS));
        for (const limit of [1, 7, 100]) expect(await allComments(input.id, limit)).toEqual(ordered);

        // Deleting an embedded comment pulls the 51st newest up into the document.
        const gone = ordered[3] as Comment;
        expect(await posts.deleteComment(input.id, gone.id)).toBe(true);
        expect(await posts.deleteComment(input.id, gone.id)).toBe(false);
        const rest = ordered.filter((c) => c.id !== gone.id);
        post = await posts.getPost(input.id);
        expect(post?.stats.comments).toBe(59);
        expect(post?.comments).toEqual(rest.slice(0, EMBEDDED_COMMENTS));
        expect(await allComments(input.id, 20)).toEqual(rest);
        // A comment id under another post is not found there.
        const other = newPost(by);
        await posts.createPost(other);
        expect(await posts.deleteComment(other.id, (rest[0] as Comment).id)).toBe(false);
        expect((await posts.getPost(input.id))?.stats.comments).toBe(59);
      });

      it('counts 100 concurrent comments exactly, embedding the newest 50', async () => {
        const [by, ...commenters] = await harness.newAuthors(11);
        const input = newPost(by as AuthorCopy);
        await posts.createPost(input);
        const added = await Promise.all(
          Array.from({ length: 100 }, (_, i) =>
            posts.addComment(input.id, comment(commenters[i % 10] as AuthorCopy, `c${i}`)),
          ),
        );
        expect(added.every((c) => c !== null)).toBe(true);
        const all = await allComments(input.id, 100);
        expect(all).toHaveLength(100);
        expect(new Set(all.map((c) => c.id)).size).toBe(100);
        const post = await posts.getPost(input.id);
        expect(post?.stats.comments).toBe(100);
        expect(post?.comments).toHaveLength(EMBEDDED_COMMENTS);
        expect(post?.comments).toEqual(all.slice(0, EMBEDDED_COMMENTS));
      });

      it('lists the posts a user liked and those they reposted, up to a limit', async () => {
        const [by, fan] = (await harness.newAuthors(2)) as [AuthorCopy, AuthorCopy];
        const [first, second, third] = [newPost(by), newPost(by), newPost(by)];
        for (const post of [first, second, third]) await posts.createPost(post);
        await posts.like(first.id, fan.id);
        await posts.like(second.id, fan.id);
        await posts.repost(third.id, fan.id, new Date());
        expect((await posts.postsRelatedTo(fan.id, 'likes', 10)).sort()).toEqual(
          [first.id, second.id].sort(),
        );
        expect(await posts.postsRelatedTo(fan.id, 'reposts', 10)).toEqual([third.id]);
        expect(await posts.postsRelatedTo(fan.id, 'likes', 1)).toHaveLength(1);
        expect(await posts.postsRelatedTo(by.id, 'likes', 10)).toEqual([]);
        await posts.unlike(first.id, fan.id);
        expect(await posts.postsRelatedTo(fan.id, 'likes', 10)).toEqual([second.id]);
      });

      it('likes and unlikes idempotently per user, saying what changed', async () => {
        const [by, fan] = (await harness.newAuthors(2)) as [AuthorCopy, AuthorCopy];
        const input = newPost(by);
        await posts.createPost(input);
        expect(await posts.like(input.id, fan.id)).toBe('changed');
        expect(await posts.like(input.id, fan.id)).toBe('unchanged');
        expect(await posts.like(input.id, by.id)).toBe('changed');
        expect((await posts.getPost(input.id))?.stats.likes).toBe(2);
        expect(await posts.likedBy(fan.id, [input.id, v7()])).toEqual(new Set([input.id]));
        expect(await posts.unlike(input.id, fan.id)).toBe('changed');
        expect(await posts.unlike(input.id, fan.id)).toBe('unchanged');
        expect((await posts.getPost(input.id))?.stats.likes).toBe(1);
        expect(await posts.likedBy(fan.id, [input.id])).toEqual(new Set());
        expect(await posts.likedBy(fan.id, [])).toEqual(new Set());
        expect(await posts.like(v7(), fan.id)).toBe('no_post');
        expect(await posts.unlike(v7(), fan.id)).toBe('no_post');
      });

      it('keeps stats.likes equal to the distinct likers under 100 concurrent likes and unlikes', async () => {
        const [by, ...fans] = await harness.newAuthors(21);
        const input = newPost(by as AuthorCopy);
        await posts.createPost(input);
        // Fans 0-9 like three times each; fans 10-19 like twice and unlike three times, all at once.
        const operations = Array.from({ length: 100 }, (_, i) => {
          const fan = fans[i % 20] as AuthorCopy;
          const unlike = i % 20 >= 10 && i >= 40;
          return () => (unlike ? posts.unlike(input.id, fan.id) : posts.like(input.id, fan.id));
        });
        await Promise.all(operations.map((run) => run()));
        const liked = await Promise.all(
          fans.map(async (fan) => (await posts.likedBy(fan.id, [input.id])).size),
        );
        const likers = liked.reduce((sum, n) => sum + n, 0);
        expect(liked.slice(0, 10).every((n) => n === 1)).toBe(true);
        expect((await posts.getPost(input.id))?.stats.likes).toBe(likers);
        // Then everyone unlikes at once: back to zero, never below.
        await Promise.all(
          fans.flatMap((fan) => [posts.unlike(input.id, fan.id), posts.unlike(input.id, fan.id)]),
        );
        expect((await posts.getPost(input.id))?.stats.likes).toBe(0);
      });

      it('keeps the mentions of a post and of a comment, and replaces them with the content', async () => {
        const [by, named, other] = (await harness.newAuthors(3)) as [AuthorCopy, AuthorCopy, AuthorCopy];
        const mention = (who: AuthorCopy) => ({ id: who.id, handle: who.handle });
        const input = newPost(by, { content: `hi @${named.handle}`, mentions: [mention(named)] });
        expect((await posts.createPost(input)).mentions).toEqual([mention(named)]);
        const said = await posts.addComment(input.id, {
          ...comment(other, `@${by.handle} @${named.handle}`),
          mentions: [mention(by), mention(named)],
        });
        expect(said?.mentions).toEqual([mention(by), mention(named)]);
        expect((await posts.getPost(input.id))?.comments[0]?.mentions).toEqual([mention(by), mention(named)]);
        expect((await posts.comments(input.id, { limit: 5 }))[0]?.mentions).toEqual([
          mention(by),
          mention(named),
        ]);
        const changed = await posts.updatePost(
          input.id,
          { content: `now @${other.handle}`, mentions: [mention(other)] },
          new Date(),
        );
        expect(changed?.mentions).toEqual([mention(other)]);
        // A patch without content leaves them as they are.
        await posts.updatePost(input.id, { attributes: { a: 1 } }, new Date());
        expect((await posts.getPost(input.id))?.mentions).toEqual([mention(other)]);
        expect((await posts.userTimeline(by.id, { limit: 1 }))[0]?.mentions).toEqual([mention(other)]);
      });

      it('edits a comment in its table and in the embedded subset alike, in place', async () => {
        const [by, commenter] = (await harness.newAuthors(2)) as [AuthorCopy, AuthorCopy];
        const input = newPost(by);
        await posts.createPost(input);
        const base = Date.now();
        const added: Comment[] = [];
        for (let i = 0; i < 3; i++) {
          added.push(
            (await posts.addComment(input.id, comment(commenter, `c${i}`, new Date(base + i)))) as Comment,
          );
        }
        const target = added[1] as Comment;
        const editedAt = new Date(base + 5000);
        const edited = await posts.editComment(input.id, target.id, {
          text: `changed @${by.handle}`,
          mentions: [{ id: by.id, handle: by.handle }],
          edited_at: editedAt,
        });
        const expected = {
          ...target,
          text: `changed @${by.handle}`,
          mentions: [{ id: by.id, handle: by.handle }],
          edited_at: editedAt.toISOString(),
        };
        expect(edited).toEqual(expected);
        expect(await posts.findComment(input.id, target.id)).toEqual(expected);
        const post = await posts.getPost(input.id);
        // Same place, same counter; the others unchanged.
        expect(post?.comments).toEqual([added[2], expected, added[0]]);
        expect(post?.stats.comments).toBe(3);
        expect(await allComments(input.id, 2)).toEqual([added[2], expected, added[0]]);
        // Unknown comment, or a comment under another post: nothing found, nothing changed.
        const other = newPost(by);
        await posts.createPost(other);
        const edit = { text: 'x', mentions: [], edited_at: new Date() };
        expect(await posts.editComment(other.id, target.id, edit)).toBeNull();
        expect(await posts.editComment(input.id, v7(), edit)).toBeNull();
        expect(await posts.editComment(v7(), target.id, edit)).toBeNull();
        expect(await posts.findComment(input.id, target.id)).toEqual(expected);
      });

      it('edits a comment no longer embedded in the table only, and the refill carries the edit', async () => {
        const [by, commenter] = (await harness.newAuthors(2)) as [AuthorCopy, AuthorCopy];
        const input = newPost(by);
        await posts.createPost(input);
        const base = Date.now();
        const added: Comment[] = [];
        for (let i = 0; i < EMBEDDED_COMMENTS + 1; i++) {
          added.push(
            (await posts.addComment(input.id, comment(commenter, `c${i}`, new Date(base + i)))) as Comment,
          );
        }
        const oldest = added[0] as Comment;
        const before = await posts.getPost(input.id);
        const edited = await posts.editComment(input.id, oldest.id, {
          text: 'old, edited',
          mentions: [],
          edited_at: new Date(),
        });
        expect(edited?.text).toBe('old, edited');
        expect(await posts.getPost(input.id)).toEqual(before);
        // Deleting an embedded comment pulls the edited one up into the document.
        await posts.deleteComment(input.id, (added.at(-1) as Comment).id);
        expect((await posts.getPost(input.id))?.comments.at(-1)).toEqual(edited);
      });

      it('reposts and unreposts idempotently per user, saying what changed', async () => {
        const [by, fan, other] = (await harness.newAuthors(3)) as [AuthorCopy, AuthorCopy, AuthorCopy];
        const input = newPost(by);
        await posts.createPost(input);
        expect(await posts.repost(input.id, fan.id, new Date())).toBe('changed');
        expect(await posts.repost(input.id, fan.id, new Date())).toBe('unchanged');
        expect(await posts.repost(input.id, other.id, new Date())).toBe('changed');
        expect((await posts.getPost(input.id))?.stats).toEqual({ likes: 0, comments: 0, shares: 2 });
        expect(await posts.repostedBy(fan.id, [input.id, v7()])).toEqual(new Set([input.id]));
        // Reposts and likes are separate relations.
        expect(await posts.likedBy(fan.id, [input.id])).toEqual(new Set());
        expect(await posts.unrepost(input.id, fan.id)).toBe('changed');
        expect(await posts.unrepost(input.id, fan.id)).toBe('unchanged');
        expect((await posts.getPost(input.id))?.stats.shares).toBe(1);
        expect(await posts.repostedBy(fan.id, [input.id])).toEqual(new Set());
        expect(await posts.repostedBy(fan.id, [])).toEqual(new Set());
        expect(await posts.repost(v7(), fan.id, new Date())).toBe('no_post');
        expect(await posts.unrepost(v7(), fan.id)).toBe('no_post');
      });

      it('counts 100 concurrent reposts by 100 users as 100 shares, and repeats as none', async () => {
        const [by, ...fans] = await harness.newAuthors(101);
        const input = newPost(by as AuthorCopy);
        await posts.createPost(input);
        const results = await Promise.all(
          [...fans, ...fans.slice(0, 20)].map((fan) => posts.repost(input.id, fan.id, new Date())),
        );
        expect(results.filter((result) => result === 'changed')).toHaveLength(100);
        expect((await posts.getPost(input.id))?.stats.shares).toBe(100);
        // Half take it back at once, some twice: 50 remain.
        await Promise.all(
          fans
            .slice(0, 50)
            .flatMap((fan) => [posts.unrepost(input.id, fan.id), posts.unrepost(input.id, fan.id)]),
        );
        expect((await posts.getPost(input.id))?.stats.shares).toBe(50);
      });

      it("pages followees' reposts once per post at the earliest repost, leaving out their own posts", async () => {
        const [reader, one, two, stranger, writer] = (await harness.newAuthors(5)) as AuthorCopy[] as [
          AuthorCopy,
          AuthorCopy,
          AuthorCopy,
          AuthorCopy,
          AuthorCopy,
        ];
        const base = Date.now();
        const at = (seconds: number) => new Date(base + seconds * 1000);
        const [p1, p2, p3, own] = [newPost(writer), newPost(writer), newPost(stranger), newPost(one)];
        for (const post of [p1, p2, p3, own]) await posts.createPost(post);
        await posts.repost(p1.id, one.id, at(1));
        await posts.repost(p1.id, two.id, at(2)); // p1 again: shown once, at one's earlier repost
        await posts.repost(p2.id, two.id, at(3));
        await posts.repost(p3.id, stranger.id, at(4)); // not followed: not in this feed
        await posts.repost(own.id, two.id, at(5)); // one's own post: in the feed as itself
        await posts.repost(p3.id, reader.id, at(6)); // the reader's own repost counts too
        const feed = [reader.id, one.id, two.id];
        const expected = [
          { postId: p3.id, at: at(6).getTime(), repostedBy: reader.id },
          { postId: p2.id, at: at(3).getTime(), repostedBy: two.id },
          { postId: p1.id, at: at(1).getTime(), repostedBy: one.id },
        ];
        expect(await posts.authorsReposts(feed, { limit: 10 })).toEqual(expected);
        const first = await posts.authorsReposts(feed, { limit: 2 });
        expect(first).toEqual(expected.slice(0, 2));
        const last = first.at(-1) as { postId: string; at: number };
        expect(
          await posts.authorsReposts(feed, { limit: 2, after: { at: last.at, id: last.postId } }),
        ).toEqual(expected.slice(2));
        // Following the writer too: both posts appear as themselves, not as reposts.
        expect(
          (await posts.authorsReposts([...feed, writer.id], { limit: 10 })).map((e) => e.postId),
        ).toEqual([p3.id]);
        // The earliest repost goes: the next one takes its place.
        await posts.unrepost(p1.id, one.id);
        expect((await posts.authorsReposts(feed, { limit: 10 })).at(-1)).toEqual({
          postId: p1.id,
          at: at(2).getTime(),
          repostedBy: two.id,
        });
        expect(await posts.authorsReposts([], { limit: 10 })).toEqual([]);
      });

      it('stores follow-up work with the post created or deleted, and none when the write fails', async () => {
        const by = await author();
        const before = await harness.outbox.pending();
        const input = newPost(by);
        const work = (kind: string) => [{ kind, payload: { post_id: input.id } }];
        await posts.createPost(input, work('contract.created'));
        expect(await harness.outbox.pending()).toBe(before + 1);
        // The same id again: the insert fails, and its transaction takes the work back with it.
        await expect(posts.createPost(input, work('contract.created'))).rejects.toThrow();
        expect(await harness.outbox.pending()).toBe(before + 1);
        expect(await posts.deletePost(input.id, work('contract.deleted'))).toBe(true);
        expect(await posts.deletePost(input.id, work('contract.deleted'))).toBe(false);
        expect(await harness.outbox.pending()).toBe(before + 2);
        const claimed = await harness.outbox.claimDue(10, 60);
        expect(claimed.map((entry) => [entry.kind, entry.payload]).sort()).toEqual([
          ['contract.created', { post_id: input.id }],
          ['contract.deleted', { post_id: input.id }],
        ]);
        // Claimed: not due again until the lease ends, and still pending until completed.
        expect(await harness.outbox.claimDue(10, 60)).toEqual([]);
        for (const entry of claimed) await harness.outbox.complete(entry.id);
        expect(await harness.outbox.pending()).toBe(before);
      });

      it('deletes a post with its comments, likes and reposts, once', async () => {
        const [by, fan] = (await harness.newAuthors(2)) as [AuthorCopy, AuthorCopy];
        const input = newPost(by);
        await posts.createPost(input);
        const said = (await posts.addComment(input.id, comment(fan))) as Comment;
        await posts.like(input.id, fan.id);
        await posts.repost(input.id, fan.id, new Date());
        expect(await posts.deletePost(input.id)).toBe(true);
        expect(await posts.deletePost(input.id)).toBe(false);
        expect(await posts.getPost(input.id)).toBeNull();
        expect(await posts.comments(input.id, { limit: 10 })).toEqual([]);
        expect(await posts.findComment(input.id, said.id)).toBeNull();
        expect(await posts.likedBy(fan.id, [input.id])).toEqual(new Set());
        expect(await posts.repostedBy(fan.id, [input.id])).toEqual(new Set());
        expect(await posts.authorsReposts([fan.id], { limit: 10 })).toEqual([]);
        expect(await posts.like(input.id, fan.id)).toBe('no_post');
        expect(await posts.addComment(input.id, comment(fan))).toBeNull();
      });

      it("pages an author's timeline newest first, without comments, no duplicate or gap as posts arrive", async () => {
        const [by, other] = (await harness.newAuthors(2)) as [AuthorCopy, AuthorCopy];
        const base = Date.now();
        const made = [];
        for (let i = 0; i < 25; i++) {
          const input = newPost(by, { content: `p${i}`, created_at: new Date(base + Math.floor(i / 2)) });
          made.push(await posts.createPost(input));
          await posts.addComment(input.id, comment(other));
        }
        await posts.createPost(newPost(other));
        const expected = newestFirst(made).map((post) => post.id);
        const seen: string[] = [];
        let after: Position | undefined;
        for (let page = 0; ; page++) {
          const items = await posts.userTimeline(by.id, { limit: 4, after });
          for (const item of items) {
            expect(item).not.toHaveProperty('comments');
            expect(item.author).toEqual(by);
            expect(item.stats.comments).toBe(1);
          }
          seen.push(...items.map((item) => item.id));
          // A new post while paging lands before the first page, never inside a later one.
          if (page === 1) await posts.createPost(newPost(by, { content: 'late' }));
          if (items.length < 4) break;
          after = positionOf(items.at(-1) as { id: string; created_at: string });
        }
        expect(seen).toEqual(expected);
        expect(await posts.userTimeline(by.id + 1_000_000, { limit: 5 })).toEqual([]);
      });

      it("pages several authors' posts together, newest first, and finds summaries by id", async () => {
        const [one, two, three] = (await harness.newAuthors(3)) as [AuthorCopy, AuthorCopy, AuthorCopy];
        const base = Date.now();
        const made = [];
        for (let i = 0; i < 9; i++) {
          const by = [one, two, three][i % 3] as AuthorCopy;
          made.push(
            await posts.createPost(newPost(by, { content: `m${i}`, created_at: new Date(base + i) })),
          );
        }
        const wanted = newestFirst(made.filter((post) => post.author.id !== three.id)).map((post) => post.id);
        const first = await posts.authorsTimeline([one.id, two.id], { limit: 4 });
        const rest = await posts.authorsTimeline([one.id, two.id], {
          limit: 10,
          after: positionOf(first.at(-1) as { id: string; created_at: string }),
        });
        expect([...first, ...rest].map((post) => post.id)).toEqual(wanted);
        expect(first[0]).not.toHaveProperty('comments');
        expect(await posts.authorsTimeline([], { limit: 5 })).toEqual([]);
        const some = made.slice(0, 2).map((post) => post.id);
        const found = await posts.summaries([...some, v7()]);
        expect(found.map((post) => post.id).sort()).toEqual([...some].sort());
        expect(found[0]).not.toHaveProperty('comments');
      });

      it('rewrites every copy of an author, idempotently', async () => {
        const [writer, commenter] = (await harness.newAuthors(2)) as [AuthorCopy, AuthorCopy];
        const own = newPost(writer);
        const others = newPost(commenter);
        await posts.createPost(own);
        await posts.createPost(others);
        await posts.addComment(own.id, comment(writer, 'self'));
        await posts.addComment(others.id, comment(commenter, 'theirs'));
        const mine = (await posts.addComment(others.id, comment(writer, 'mine'))) as Comment;
        const renamed = { ...writer, name: 'Renamed Writer', avatar_url: 'https://example.com/new.png' };
        await posts.updateAuthorCopies(renamed);
        await posts.updateAuthorCopies(renamed);
        const ownAfter = await posts.getPost(own.id);
        expect(ownAfter?.author).toEqual(renamed);
        expect(ownAfter?.comments.map((c) => c.author)).toEqual([renamed]);
        const othersAfter = await posts.getPost(others.id);
        expect(othersAfter?.author).toEqual(commenter);
        expect(othersAfter?.comments.map((c) => [c.text, c.author])).toEqual([
          ['mine', renamed],
          ['theirs', commenter],
        ]);
        expect(await posts.findComment(others.id, mine.id)).toMatchObject({ author: renamed });
        expect((await posts.userTimeline(writer.id, { limit: 5 }))[0]?.author).toEqual(renamed);
      });

      it("finds a user's likes, reposts and comments on any post, a batch at a time, until none is left", async () => {
        const [writer, fan] = (await harness.newAuthors(2)) as [AuthorCopy, AuthorCopy];
        const [first, second] = [newPost(writer), newPost(writer)];
        await posts.createPost(first);
        await posts.createPost(second);
        const comments = [comment(fan, 'one'), comment(fan, 'two'), comment(writer, 'not theirs')];
        for (const c of comments) await posts.addComment(first.id, c);
        await posts.like(first.id, fan.id);
        await posts.like(second.id, fan.id);
        await posts.like(second.id, writer.id);
        await posts.repost(second.id, fan.id, new Date());

        const batch = await posts.userActivity(fan.id, 1);
        expect(batch.likedPosts.length).toBe(1);
        expect(batch.repostedPosts).toEqual([second.id]);
        expect(batch.comments.length).toBe(1);
        const all = await posts.userActivity(fan.id, 10);
        expect(all.likedPosts.sort()).toEqual([first.id, second.id].sort());
        expect(all.comments.sort((a, b) => a.commentId.localeCompare(b.commentId))).toEqual(
          comments.slice(0, 2).map((c) => ({ postId: first.id, commentId: c.id })),
        );
        // Taken back through unlike and deleteComment, each post's counters and subset follow.
        for (const postId of all.likedPosts) expect(await posts.unlike(postId, fan.id)).toBe('changed');
        for (const c of all.comments) expect(await posts.deleteComment(c.postId, c.commentId)).toBe(true);
        expect(await posts.unrepost(second.id, fan.id)).toBe('changed');
        expect(await posts.userActivity(fan.id, 10)).toEqual({
          likedPosts: [],
          repostedPosts: [],
          comments: [],
        });
        const firstNow = await posts.getPost(first.id);
        expect(firstNow?.stats).toMatchObject({ likes: 0, comments: 1 });
        expect(firstNow?.comments.map((c) => c.text)).toEqual(['not theirs']);
        expect((await posts.getPost(second.id))?.stats.likes).toBe(1);
      });

      it('answers a ping', async () => {
        await expect(posts.ping()).resolves.toBeUndefined();
      });
    },
  );
}
