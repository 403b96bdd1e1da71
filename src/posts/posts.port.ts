// The posts role: post documents with the newest comments embedded (MongoDB's subset
// pattern), every comment in its own collection/table, and likes one row per liker.
// Records are shaped as the API returns them (snake_case, ISO timestamps), so routes pass
// them through. Ids and timestamps come from the service, so every adapter stores the same.
import type { Reaction } from '../jobs/outbox.port.ts';

/** The author's profile summary, copied into each post and comment (denormalised, as the seed does). */
export interface AuthorCopy {
  id: number;
  handle: string;
  name: string;
  avatar_url: string | null;
}

/** An account named as `@handle` in a post or comment, resolved when the text was written. */
export interface Mention {
  id: number;
  handle: string;
}

export interface Comment {
  id: string;
  author: AuthorCopy;
  text: string;
  mentions: Mention[];
  created_at: string;
  /** When its author last changed the text; null if never. */
  edited_at: string | null;
}

export interface PostStats {
  likes: number;
  comments: number;
  shares: number;
}

export type Attributes = Record<string, unknown>;

/** A post as a timeline shows it: the document without its embedded comments. */
export interface PostSummary {
  id: string;
  author: AuthorCopy;
  content: string;
  mentions: Mention[];
  media_urls: string[];
  attributes: Attributes;
  created_at: string;
  updated_at: string;
  stats: PostStats;
}

/** The whole document: one read gets the post and its newest comments (at most 50, newest first). */
export interface Post extends PostSummary {
  comments: Comment[];
}

export interface NewPost {
  id: string;
  author: AuthorCopy;
  content: string;
  /** The accounts the content names; none when absent. */
  mentions?: Mention[];
  media_urls: string[];
  attributes: Attributes;
  created_at: Date;
}

export interface NewComment {
  id: string;
  author: AuthorCopy;
  text: string;
  /** The accounts the text names; none when absent. */
  mentions?: Mention[];
  created_at: Date;
}

/** A comment's new text, with the accounts it names. */
export interface CommentEdit {
  text: string;
  mentions: Mention[];
  edited_at: Date;
}

/**
 * A JSON Merge Patch (RFC 7396) of the changeable fields: a field left out stays, `null`
 * removes (media_urls becomes [], attributes {}), and `attributes` merges key by key.
 */
export interface PostPatch {
  content?: string;
  /** The accounts the new content names: given with `content`. */
  mentions?: Mention[];
  media_urls?: string[] | null;
  attributes?: Attributes | null;
}

/**
 * Where an item sits in a newest-first list: its creation time in milliseconds since the
 * epoch, and its id as the tie-break. Pages continue strictly after a position (keyset
 * pagination, never OFFSET), so items created while a client pages shift nothing.
 */
export interface Position {
  at: number;
  id: string;
}

export interface PageRequest {
  limit: number;
  /** Continue after this position; the newest items when absent. */
  after?: Position;
}

/**
 * A post as it reaches a home feed through a repost: the post, when it was reposted (its
 * place in the feed) and by whom.
 */
export interface RepostEntry {
  postId: string;
  at: number;
  repostedBy: number;
}

/** What a PUT/DELETE of a relation (a like, a repost) did. */
export type RelationChange = 'changed' | 'unchanged' | 'no_post';

/** A user's likes and reposts (post ids) and comments, as deleting the account finds them. */
export interface UserActivity {
  likedPosts: string[];
  repostedPosts: string[];
  comments: Array<{ postId: string; commentId: string }>;
}

/** How many comments a post document embeds: it stays far below MongoDB's 16 MB limit. */
export const EMBEDDED_COMMENTS = 50;

export interface PostsPort {
  readonly engine: 'pglite' | 'postgres' | 'mongo';
  /**
   * True when the adapter moves the author's profile posts_count itself, in the transaction
   * of the post (it shares the accounts' database). When false the service moves it through
   * the accounts port, once per post really created or deleted.
   */
  readonly keepsProfileCounts: boolean;

  /** Stores the post and, in the same transaction, the follow-up work to run once it committed. */
  createPost(post: NewPost, reactions?: readonly Reaction[]): Promise<Post>;
  getPost(id: string): Promise<Post | null>;
  /** Applies the merge patch atomically; null when there is no such post. */
  updatePost(id: string, patch: PostPatch, updatedAt: Date): Promise<Post | null>;
  /**
   * Deletes the post with its comments and likes, and stores `reactions` in the same
   * transaction. True only when this call deleted it (otherwise no reaction is stored).
   */
  deletePost(id: string, reactions?: readonly Reaction[]): Promise<boolean>;

  /**
   * Stores the comment, embeds it in the post's newest-50 subset and increments
   * stats.comments, all in one transaction. Null when there is no such post.
   */
  addComment(postId: string, comment: NewComment): Promise<Comment | null>;
  findComment(postId: string, commentId: string): Promise<Comment | null>;
  /**
   * Deletes the comment, decrements stats.comments and refills the embedded subset from
   * all comments, in one transaction. True only when this call deleted it.
   */
  deleteComment(postId: string, commentId: string): Promise<boolean>;
  /**
   * Changes the comment's text and mentions, in the comments table/collection and in the
   * post's embedded subset alike, in one transaction. Null when there is no such comment.
   */
  editComment(postId: string, commentId: string, edit: CommentEdit): Promise<Comment | null>;
  /** A post's comments, newest first. */
  comments(postId: string, page: PageRequest): Promise<Comment[]>;

  /** Idempotent per user: stats.likes always equals the number of distinct likers. */
  like(postId: string, userId: number): Promise<RelationChange>;
  unlike(postId: string, userId: number): Promise<RelationChange>;
  /** Each user's like of one post, as `like` would do it for each; how many were new. */
  likeMany(postId: string, userIds: readonly number[]): Promise<number | 'no_post'>;
  /** The ids among `postIds` that `userId` has liked. */
  likedBy(userId: number, postIds: readonly string[]): Promise<Set<string>>;

  /**
   * The ids of the posts `userId` liked (or reposted), at most `limit`, in no particular order:
   * what the viewer's cached state on every page is loaded from.
   */
  postsRelatedTo(userId: number, relation: 'likes' | 'reposts', limit: number): Promise<string[]>;

  /**
   * Some of a user's likes, reposts and comments on any post (at most `limit` of each, in no particular
   * order): what deleting the account takes back, a batch at a time, through unlike and
   * deleteComment, so that every counter and embedded subset is corrected as for a single one.
   */
  userActivity(userId: number, limit: number): Promise<UserActivity>;

  /**
   * Idempotent per user, dated `at` the first time: stats.shares always equals the number of
   * distinct reposters. Deleting the post deletes its reposts.
   */
  repost(postId: string, userId: number, at: Date): Promise<RelationChange>;
  unrepost(postId: string, userId: number): Promise<RelationChange>;
  /** The ids among `postIds` that `userId` has reposted. */
  repostedBy(userId: number, postIds: readonly string[]): Promise<Set<string>>;
  /**
   * The home feed's reposts read from the store: for the readers whose feed shows the posts
   * of `userIds` (the accounts they follow and themselves), each post reposted by one of them
   * and written by none of them (those appear as themselves), once, at its earliest repost
   * among them; newest first by that time, keyset-paged by (at, postId).
   */
  authorsReposts(userIds: readonly number[], page: PageRequest): Promise<RepostEntry[]>;

  /** An author's posts, newest first, without their embedded comments. */
  userTimeline(authorId: number, page: PageRequest): Promise<PostSummary[]>;
  /** The posts of any of `authorIds`, newest first, without comments: the home feed read from the store. */
  authorsTimeline(authorIds: readonly number[], page: PageRequest): Promise<PostSummary[]>;
  /** The posts that exist among `postIds`, without comments, in no particular order. */
  summaries(postIds: readonly string[]): Promise<PostSummary[]>;
  /**
   * Rewrites every copy of the author's summary (their posts, their comments, and the
   * comments embedded in others' posts). Idempotent: the copies become `author`.
   */
  updateAuthorCopies(author: AuthorCopy): Promise<void>;

  ping(): Promise<void>;
}
