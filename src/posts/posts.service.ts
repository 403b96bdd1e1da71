// Rules about posts and comments: only the author changes or deletes a post; only its author
// edits a comment, and its author or the post's author deletes it; `@handle`s are resolved to
// accounts whenever a text is written; ids and timestamps are made here (UUIDv7,
// the same on every adapter); lists are keyset pages with cursors only this server issues;
// the author's profile posts count stays exact, and the author copies follow profile changes.
import { v7 } from 'uuid';
import type { AccountsPort } from '../accounts/accounts.port.ts';
import { type CachePort, cacheKeys } from '../cache/cache.port.ts';
import { ForbiddenError, NotFoundError } from '../errors.ts';
import type { CursorCodec } from '../http/cursors.ts';
import type { JobPayload } from '../jobs/jobs.port.ts';
import type { Reaction } from '../jobs/outbox.port.ts';
import type { OutboxRelaying } from '../jobs/outbox.relay.ts';
import { nextCursor, type PostList, pageRequest } from './cursors.ts';
import { assertAttributes } from './documents.ts';
import { inTextOrder, mentionedHandles } from './mentions.ts';
import type {
  Attributes,
  AuthorCopy,
  Comment,
  Mention,
  Post,
  PostPatch,
  PostSummary,
  PostsPort,
  RelationChange,
} from './posts.port.ts';

export interface NewPostInput {
  content: string;
  media_urls?: string[];
  attributes?: Attributes;
}

export interface ListPage<Item> {
  items: Item[];
  next_cursor: string | null;
}

/** A timeline item: the post without comments, plus user_has_liked for a signed-in caller. */
export type TimelineItem = PostSummary & { user_has_liked?: boolean };

/** What other parts react to: a post as it appeared or went. */
export type PostFact = Pick<PostSummary, 'id' | 'author' | 'created_at'>;

/**
 * The follow-up work other parts (the home feed) want when a post appears or goes. It is
 * stored with the change, in its transaction (the outbox), and runs as jobs after it committed.
 */
export interface PostEvents {
  created(post: PostFact): Reaction[];
  deleted(post: PostFact): Reaction[];
}

export interface PostsFollowUp {
  events: PostEvents;
  /** Relays the stored follow-up work at once, in the background. */
  relay: OutboxRelaying;
}

export class PostsService {
  constructor(
    private readonly posts: PostsPort,
    private readonly accounts: AccountsPort,
    private readonly cache: CachePort,
    private readonly cursors: CursorCodec,
    private readonly followUp?: PostsFollowUp,
  ) {}

  /**
   * `at`: when the post was written, for in-process callers replaying history (the demo
   * content); the API always dates a post now. The id is a UUIDv7 of that time, so ids and
   * creation times keep one order.
   */
  async create(userId: number, input: NewPostInput, { at = new Date() }: { at?: Date } = {}): Promise<Post> {
    const attributes = input.attributes ?? {};
    assertAttributes(attributes);
    const fact: PostFact = {
      id: v7({ msecs: at.getTime() }),
      author: await this.authorCopy(userId),
      created_at: at.toISOString(),
    };
    const post = await this.posts.createPost(
      {
        ...fact,
        content: input.content,
        mentions: await this.mentions(input.content),
        media_urls: input.media_urls ?? [],
        attributes,
        created_at: new Date(fact.created_at),
      },
      this.followUp?.events.created(fact),
    );
    // Taking the post back also takes back what its creation set off (the fan-out).
    await this.afterPostCountChange(userId, 1, () =>
      this.posts.deletePost(post.id, this.followUp?.events.deleted(fact)),
    );
    this.followUp?.relay.relayNow();
    return post;
  }

  async get(postId: string): Promise<Post> {
    const post = await this.posts.getPost(postId);
    if (!post) throw new NotFoundError('post');
    return post;
  }

  async update(userId: number, postId: string, patch: PostPatch): Promise<Post> {
    // The patch itself obeys the attribute rules; the adapter checks the merged result again.
    if (patch.attributes) assertAttributes(patch.attributes);
    await this.ownPost(userId, postId, 'change');
    const mentions = patch.content === undefined ? undefined : await this.mentions(patch.content);
    const updated = await this.posts.updatePost(postId, { ...patch, mentions }, new Date());
    if (!updated) throw new NotFoundError('post');
    await this.forgetPost(postId);
    return updated;
  }

  async delete(userId: number, postId: string): Promise<void> {
    const post = await this.ownPost(userId, postId, 'delete');
    // A concurrent DELETE may have won: only the call that deleted the post counts it.
    if (!(await this.posts.deletePost(postId, this.followUp?.events.deleted(post)))) {
      throw new NotFoundError('post');
    }
    this.followUp?.relay.relayNow();
    // A failed counter update cannot bring the comments back; it is logged by the caller's 500.
    await this.forgetPost(postId);
    await this.afterPostCountChange(post.author.id, -1);
  }

  async addComment(userId: number, postId: string, text: string): Promise<Comment> {
    const comment = await this.posts.addComment(postId, {
      id: v7(),
      author: await this.authorCopy(userId),
      text,
      mentions: await this.mentions(text),
      created_at: new Date(),
    });
    if (!comment) throw new NotFoundError('post');
    await this.forgetPost(postId);
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
    await this.forgetPost(postId);
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
    await this.forgetPost(postId);
  }

  async comments(postId: string, limit: number, cursor?: string): Promise<ListPage<Comment>> {
    const list: PostList = { kind: 'comments', postId };
    const [fetched, post] = await Promise.all([
      this.posts.comments(postId, pageRequest(this.cursors, list, limit, cursor)),
      this.posts.getPost(postId),
    ]);
    if (!post) throw new NotFoundError('post');
    return nextCursor(this.cursors, list, fetched, limit);
  }

  async like(userId: number, postId: string): Promise<void> {
    if (this.found(await this.posts.like(postId, userId))) await this.forgetPost(postId);
  }

  /** Each user's like of one post (loading demo content); how many likes were new. */
  async likeMany(userIds: readonly number[], postId: string): Promise<number> {
    const added = await this.posts.likeMany(postId, userIds);
    if (added === 'no_post') throw new NotFoundError('post');
    if (added > 0) await this.forgetPost(postId);
    return added;
  }

  async unlike(userId: number, postId: string): Promise<void> {
    if (this.found(await this.posts.unlike(postId, userId))) await this.forgetPost(postId);
  }

  /** An author's posts, newest first; `viewerId` (a signed-in caller) adds user_has_liked. */
  async timeline(
    viewerId: number | undefined,
    authorId: number,
    limit: number,
    cursor?: string,
  ): Promise<ListPage<TimelineItem>> {
    const list: PostList = { kind: 'timeline', authorId };
    const [fetched, author] = await Promise.all([
      this.posts.userTimeline(authorId, pageRequest(this.cursors, list, limit, cursor)),
      this.accounts.findAccount(authorId),
    ]);
    if (!author) throw new NotFoundError('user');
    const page = nextCursor(this.cursors, list, fetched, limit);
    if (viewerId === undefined) return page;
    const liked = await this.posts.likedBy(
      viewerId,
      page.items.map((post) => post.id),
    );
    return { ...page, items: page.items.map((post) => ({ ...post, user_has_liked: liked.has(post.id) })) };
  }

  /**
   * The job after a profile change: copies the author's current summary into their posts and
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
   * Feeds cache post summaries by id (one shared copy, not pages per user): after a change
   * commits its exact key is forgotten, so the next page shows the new text or counters.
   */
  private async forgetPost(postId: string): Promise<void> {
    await this.cache.forget(cacheKeys.post(postId));
  }

  /**
   * After a post really appeared (+1) or went (-1). Posts on the accounts' database moved
   * posts_count in their own transaction; on another engine (MongoDB) it is moved here. Should
   * that fail after a create, the post is taken back (`undo`), so the client's retry redoes
   * both. Either way the cached public profile is forgotten after the change committed.
   */
  private async afterPostCountChange(
    userId: number,
    delta: 1 | -1,
    undo?: () => Promise<unknown>,
  ): Promise<void> {
    if (!this.posts.keepsProfileCounts) {
      try {
        await this.accounts.adjustPostsCount(userId, delta);
      } catch (error) {
        await undo?.().catch(() => {});
        throw error;
      }
    }
    await this.cache.forget(cacheKeys.profile(userId));
  }
}
