// Rules about posts and comments: only the author changes or deletes a post; only its author
// edits a comment, and its author or the post's author deletes it; `@handle`s are resolved to
// accounts whenever a text is written; ids and timestamps are made here (UUIDv7,
// the same on every adapter); lists are keyset pages with cursors only this server issues;
// the author's profile posts count stays exact, and the author copies follow profile changes.
import { v7 } from 'uuid';
import type { AccountsPort } from '../accounts/accounts.port.ts';
import { afterOwnChange } from '../accounts/profile-counters.ts';
import { type CachePort, cacheKeys } from '../cache/cache.port.ts';
import { BlockedError, ForbiddenError, NotFoundError } from '../errors.ts';
import { type EventBus, fact } from '../events.ts';
import type { JobPayload } from '../jobs/jobs.port.ts';
import { type CursorCodec, oneMore, type Page } from '../pagination.ts';
import { outsideReads } from '../read-your-writes.ts';
import { nextCursor, type PostList, pageRequest } from './cursors.ts';
import { assertAttributes } from './documents.ts';
import { inTextOrder, mentionedHandles } from './mentions.ts';
import type { PostSummaries } from './post-summaries.ts';
import type {
  Attributes,
  AuthorCopy,
  Comment,
  Mention,
  PageRequest,
  Post,
  PostPatch,
  PostSummary,
  PostsPort,
  RelationChange,
} from './posts.port.ts';
import type { PostViews, TimelineItem } from './posts.views.ts';

export interface NewPostInput {
  content: string;
  media_urls?: string[];
  attributes?: Attributes;
}

/** The fact of a post that appeared or went, as subscribers get it. */
const postFact = (post: Pick<PostSummary, 'id' | 'author' | 'created_at'>) => ({
  post_id: post.id,
  author_id: post.author.id,
  at: Date.parse(post.created_at),
});

/** The durable subscription that copies a changed profile into posts and comments (its job kind). */
export const PROFILE_COPIES_JOB = 'accounts.profile-changed';

export interface PostsOptions {
  posts: PostsPort;
  /** Authors' summaries and existence, and their posts counts when posts are on another engine. */
  accounts: AccountsPort;
  cursors: CursorCodec;
  /** Where the posts' facts are published, and profile changes subscribed to. */
  events: EventBus;
  /** The viewer seam every list read passes through. */
  views: PostViews;
  /** Post summaries through the cache role. */
  summaries: PostSummaries;
  /** Where each author's newest post ids are kept, for their timeline's first page. */
  cache: CachePort;
}

/** The newest post ids kept per author: a first page of any size the API allows, and one more. */
const NEWEST_KEPT = 101;
const NEWEST_TTL_SECONDS = 300;

/** How many likes, comments or posts one read of a deleted account's remains takes. */
const ERASE_BATCH = 100;

export class PostsService {
  private readonly posts: PostsPort;
  private readonly accounts: AccountsPort;
  private readonly cursors: CursorCodec;
  private readonly events: EventBus;
  private readonly views: PostViews;

  private readonly summaries: PostSummaries;
  private readonly cache: CachePort;

  constructor({ posts, accounts, cursors, events, views, summaries, cache }: PostsOptions) {
    this.summaries = summaries;
    this.cache = cache;
    // A post appearing or going changes its author's newest posts; a deleted account has none.
    for (const name of ['post.created', 'post.deleted'] as const) {
      events.onCommit(name, ({ author_id }) => cache.forget(cacheKeys.newestPosts(author_id)));
    }
    events.onCommit('account.deleted', ({ user_id }) => cache.forget(cacheKeys.newestPosts(user_id)));
    this.views = views;
    this.posts = posts;
    this.accounts = accounts;
    this.cursors = cursors;
    this.events = events;
    // Posts and comments embed their authors' summaries: a new name or avatar is copied into them.
    events.subscribe('account.changed', PROFILE_COPIES_JOB, (payload) => this.refreshAuthorCopies(payload), {
      when: ({ fields }) => fields.includes('name') || fields.includes('avatar_url'),
    });
  }

  /**
   * `at`: when the post was written, for in-process callers replaying history (the demo
   * content); the API always dates a post now. The id is a UUIDv7 of that time, so ids and
   * creation times keep one order.
   */
  async create(userId: number, input: NewPostInput, { at = new Date() }: { at?: Date } = {}): Promise<Post> {
    const attributes = input.attributes ?? {};
    assertAttributes(attributes);
    const id = v7({ msecs: at.getTime() });
    const author = await this.authorCopy(userId);
    const facts = postFact({ id, author, created_at: at.toISOString() });
    const mentions = await this.mentions(input.content);
    const created = fact('post.created', { ...facts, mentions: mentions.map((account) => account.id) });
    const post = await this.posts.createPost(
      {
        id,
        author,
        content: input.content,
        mentions,
        media_urls: input.media_urls ?? [],
        attributes,
        created_at: at,
      },
      this.events.record(created),
    );
    // Taking the post back also takes back what its creation set off (the fan-out).
    await this.afterPostCountChange(userId, 1, () =>
      this.posts.deletePost(post.id, this.events.record(fact('post.deleted', facts))),
    );
    await this.events.committed(created);
    return post;
  }

  async get(postId: string): Promise<Post> {
    const post = await this.posts.getPost(postId);
    if (!post) throw new NotFoundError('post');
    return post;
  }

  /** A post as `viewerId` (undefined: anonymous) sees it: 404 when the viewer's rules hide it. */
  async view(viewerId: number | undefined, postId: string): Promise<Post> {
    const post = await this.get(postId);
    if (!(await this.views.mayView(viewerId, 'post', post.author.id))) throw new NotFoundError('post');
    const { items } = await this.views.authored(viewerId, 'comments', {
      items: post.comments,
      next_cursor: null,
    });
    return { ...post, comments: items };
  }

  async update(userId: number, postId: string, patch: PostPatch): Promise<Post> {
    // The patch itself obeys the attribute rules; the adapter checks the merged result again.
    if (patch.attributes) assertAttributes(patch.attributes);
    await this.ownPost(userId, postId, 'change');
    const mentions = patch.content === undefined ? undefined : await this.mentions(patch.content);
    const updated = await this.posts.updatePost(postId, { ...patch, mentions }, new Date());
    if (!updated) throw new NotFoundError('post');
    await this.events.committed(fact('post.changed', { post_id: postId, author_id: userId }));
    return updated;
  }

  async delete(userId: number, postId: string): Promise<void> {
    const post = await this.ownPost(userId, postId, 'delete');
    const deleted = fact('post.deleted', postFact(post));
    // A concurrent DELETE may have won: only the call that deleted the post counts it.
    if (!(await this.posts.deletePost(postId, this.events.record(deleted)))) throw new NotFoundError('post');
    // A failed counter update cannot bring the comments back; it is logged by the caller's 500.
    await this.afterPostCountChange(post.author.id, -1);
    await this.events.committed(deleted);
  }

  /** Refused with 403 `blocked` when the caller or the post's author has blocked the other. */
  async addComment(userId: number, postId: string, text: string): Promise<Comment> {
    await this.refuseActionAcrossBlock(userId, postId, 'comment on this post');
    const mentions = await this.mentions(text);
    const comment = await this.posts.addComment(postId, {
      id: v7(),
      author: await this.authorCopy(userId),
      text,
      mentions,
      created_at: new Date(),
    });
    if (!comment) throw new NotFoundError('post');
    await this.events.committed(
      fact('comment.created', {
        post_id: postId,
        comment_id: comment.id,
        author_id: userId,
        at: Date.parse(comment.created_at),
        mentions: mentions.map((account) => account.id),
      }),
    );
    return comment;
  }

  /** Changes the text of one's own comment, where it is stored and where the post embeds it. */
  async editComment(userId: number, postId: string, commentId: string, text: string): Promise<Comment> {
    const comment = await this.posts.findComment(postId, commentId);
    if (!comment) {
      throw (await this.posts.getPost(postId)) ? new NotFoundError('comment') : new NotFoundError('post');
    }
    if (comment.author.id !== userId) throw new ForbiddenError("only the comment's author may change it");
    const edited = await this.posts.editComment(postId, commentId, {
      text,
      mentions: await this.mentions(text),
      edited_at: new Date(),
    });
    // Deleted meanwhile (by the post's author, or with the post).
    if (!edited) throw new NotFoundError('comment');
    await this.events.committed(
      fact('comment.changed', { post_id: postId, comment_id: commentId, author_id: userId }),
    );
    return edited;
  }

  async deleteComment(userId: number, postId: string, commentId: string): Promise<void> {
    const [post, comment] = await Promise.all([
      this.posts.getPost(postId),
      this.posts.findComment(postId, commentId),
    ]);
    if (!post) throw new NotFoundError('post');
    if (!comment) throw new NotFoundError('comment');
    if (comment.author.id !== userId && post.author.id !== userId) {
      throw new ForbiddenError("only the comment's author or the post's author may delete this comment");
    }
    if (!(await this.posts.deleteComment(postId, commentId))) throw new NotFoundError('comment');
    await this.events.committed(
      fact('comment.deleted', { post_id: postId, comment_id: commentId, author_id: comment.author.id }),
    );
  }

  async comments(
    viewerId: number | undefined,
    postId: string,
    limit: number,
    cursor?: string,
  ): Promise<Page<Comment>> {
    const list: PostList = { kind: 'comments', postId };
    const [fetched, post] = await Promise.all([
      this.posts.comments(postId, pageRequest(this.cursors, list, limit, cursor)),
      this.posts.getPost(postId),
    ]);
    if (!post) throw new NotFoundError('post');
    return this.views.authored(viewerId, 'comments', nextCursor(this.cursors, list, fetched, limit));
  }

  /** Refused with 403 `blocked` when the caller or the post's author has blocked the other. */
  async like(userId: number, postId: string): Promise<void> {
    await this.refuseActionAcrossBlock(userId, postId, 'like this post');
    if (this.found(await this.posts.like(postId, userId))) await this.liked(postId, userId, 1);
  }

  /** Each user's like of one post (loading demo content); how many likes were new. */
  async likeMany(userIds: readonly number[], postId: string): Promise<number> {
    const added = await this.posts.likeMany(postId, userIds);
    if (added === 'no_post') throw new NotFoundError('post');
    // The demo content likes fresh posts only: every like given is a new one.
    if (added > 0) for (const userId of new Set(userIds)) await this.liked(postId, userId, 1);
    return added;
  }

  async unlike(userId: number, postId: string): Promise<void> {
    if (this.found(await this.posts.unlike(postId, userId))) await this.liked(postId, userId, -1);
  }

  /** The viewer's rules that bar actions (a block, either way) decide; 404 when there is no post. */
  private async refuseActionAcrossBlock(userId: number, postId: string, action: string): Promise<void> {
    const post = await this.get(postId);
    if (!(await this.views.mayActOn(userId, post.author.id))) throw new BlockedError(action);
  }

  /** Reposts the post for `userId`'s followers; stats.shares counts each reposter once. */
  async repost(userId: number, postId: string): Promise<void> {
    await this.refuseActionAcrossBlock(userId, postId, 'repost this post');
    await this.reposted(userId, postId, 1);
  }

  async unrepost(userId: number, postId: string): Promise<void> {
    await this.reposted(userId, postId, -1);
  }

  /** True when this call changed the repost. */
  private async reposted(userId: number, postId: string, delta: 1 | -1): Promise<boolean> {
    const at = new Date();
    const change =
      delta > 0 ? await this.posts.repost(postId, userId, at) : await this.posts.unrepost(postId, userId);
    if (!this.found(change)) return false;
    const post = await this.posts.getPost(postId);
    if (!post) return true;
    await this.events.committed(
      fact('post.reposted', {
        post_id: postId,
        author_id: post.author.id,
        reposter_id: userId,
        at: at.getTime(),
        delta,
      }),
    );
    return true;
  }

  private liked(postId: string, userId: number, delta: 1 | -1): Promise<void> {
    return this.events.committed(fact('like.changed', { post_id: postId, user_id: userId, delta }));
  }

  /** An author's posts, newest first, through the viewer seam (a signed-in caller's state and rules). */
  async timeline(
    viewerId: number | undefined,
    authorId: number,
    limit: number,
    cursor?: string,
  ): Promise<Page<TimelineItem>> {
    const list: PostList = { kind: 'timeline', authorId };
    const first = cursor === undefined ? await this.newestPage(authorId, limit) : undefined;
    const fetched =
      first ?? (await this.storedPage(authorId, pageRequest(this.cursors, list, limit, cursor)));
    return this.views.posts(viewerId, 'timeline', nextCursor(this.cursors, list, fetched, limit));
  }

  /** A page of an author's posts from the store; NotFoundError when there is no such author. */
  private async storedPage(authorId: number, request: PageRequest): Promise<PostSummary[]> {
    const [fetched, author] = await Promise.all([
      this.posts.userTimeline(authorId, request),
      this.accounts.findAccount(authorId),
    ]);
    if (!author) throw new NotFoundError('user');
    return fetched;
  }

  /**
   * The first page (and one post more) of an author's timeline from their newest post ids kept
   * in the cache role, hydrated from the cached summaries: the page most reads ask costs no
   * query. The ids are read from the primary (never a lagging replica), so a post's author
   * finds it there at once; undefined when a post among them went meanwhile (the store answers).
   */
  private async newestPage(authorId: number, limit: number): Promise<PostSummary[] | undefined> {
    const key = cacheKeys.newestPosts(authorId);
    let newest = await this.cache.recall<string[]>(key);
    if (!newest) {
      const posts = await outsideReads(() => this.storedPage(authorId, { limit: NEWEST_KEPT }));
      newest = posts.map((post) => post.id);
      await this.cache.remember(key, newest, NEWEST_TTL_SECONDS);
    }
    const wanted = newest.slice(0, oneMore(limit));
    const found = await this.summaries.byId(wanted);
    if (found.size < wanted.length) return undefined;
    return wanted.map((id) => found.get(id) as PostSummary);
  }

  /**
   * The reaction to a profile change: copies the author's current summary into their posts and
   * comments. It reads the profile when it runs, so jobs running late, twice or out of order
   * still leave the newest name and avatar everywhere.
   */
  async refreshAuthorCopies(payload: JobPayload): Promise<void> {
    const userId = payload.user_id;
    if (typeof userId !== 'number' || !Number.isSafeInteger(userId)) {
      throw new Error(`a profile change job needs a user_id, got ${JSON.stringify(userId)}`);
    }
    const [summary] = await this.accounts.summaries([userId]);
    // A user deleted since has no profile to copy.
    if (summary) await this.posts.updateAuthorCopies(summary);
  }

  /**
   * The posts' part of deleting an account: the user's likes, reposts and comments on any post are
   * taken back one by one (each corrects that post's counters and embedded comments, and
   * publishes its fact, as an unlike or a comment deletion does), then the user's posts are
   * deleted as their author would (each records post.deleted for the feed, and takes its
   * comments and likes with it). Each batch is read anew from the store, so a run cut short
   * continues where it stopped.
   */
  async eraseUser(userId: number): Promise<void> {
    for (;;) {
      const { likedPosts, repostedPosts, comments } = await this.posts.userActivity(userId, ERASE_BATCH);
      if (likedPosts.length === 0 && repostedPosts.length === 0 && comments.length === 0) break;
      let taken = 0;
      for (const postId of likedPosts) {
        if ((await this.posts.unlike(postId, userId)) !== 'changed') continue;
        taken++;
        await this.liked(postId, userId, -1);
      }
      for (const postId of repostedPosts) {
        if (await this.reposted(userId, postId, -1)) taken++;
      }
      for (const { postId, commentId } of comments) {
        if (!(await this.posts.deleteComment(postId, commentId))) continue;
        taken++;
        await this.events.committed(
          fact('comment.deleted', { post_id: postId, comment_id: commentId, author_id: userId }),
        );
      }
      // Found but not taken: another deletion is removing them; the next run of the job finishes.
      if (taken === 0) throw new Error(`likes and comments of user ${userId} could not be taken back yet`);
    }
    for (;;) {
      const own = await this.posts.userTimeline(userId, { limit: ERASE_BATCH });
      if (own.length === 0) break;
      for (const post of own) {
        const deleted = fact('post.deleted', postFact(post));
        if (!(await this.posts.deletePost(post.id, this.events.record(deleted)))) continue;
        await this.afterPostCountChange(userId, -1);
        await this.events.committed(deleted);
      }
    }
  }

  /** The accounts `text` names as @handle, resolved now; handles of nobody stay plain text. */
  private async mentions(text: string): Promise<Mention[]> {
    const handles = mentionedHandles(text);
    if (handles.length === 0) return [];
    return inTextOrder(handles, await this.accounts.summariesByHandle(handles));
  }

  private async authorCopy(userId: number): Promise<AuthorCopy> {
    const [summary] = await this.accounts.summaries([userId]);
    if (!summary) throw new NotFoundError('account');
    return summary;
  }

  private async ownPost(userId: number, postId: string, action: 'change' | 'delete'): Promise<Post> {
    const post = await this.get(postId);
    if (post.author.id !== userId) throw new ForbiddenError(`only the author may ${action} this post`);
    return post;
  }

  /** True when the relation really changed. */
  private found(change: RelationChange): boolean {
    if (change === 'no_post') throw new NotFoundError('post');
    return change === 'changed';
  }

  /**
   * After a post really appeared (+1) or went (-1). Posts on the accounts' database moved
   * posts_count in their own transaction; on another engine (MongoDB) it is moved here, and
   * should that fail after a create the post is taken back (`undo`), so the client's retry
   * redoes both.
   */
  private async afterPostCountChange(
    userId: number,
    delta: 1 | -1,
    undo?: () => Promise<unknown>,
  ): Promise<void> {
    if (!this.posts.keepsProfileCounts) {
      await afterOwnChange(() => this.accounts.adjustPostsCount(userId, delta), undo);
    }
  }
}
