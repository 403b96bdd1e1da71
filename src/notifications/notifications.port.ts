// The notifications role: what happened to a person's account and posts (a follow, a like, a
// comment, a repost, a mention), one row per event, listed newest first and counted while
// unread. Records are shaped as the API returns them (snake_case, ISO timestamps).
import type { ProfileSummary } from '../accounts/accounts.port.ts';
import type { PageRequest } from '../posts/posts.port.ts';

export const NOTIFICATION_KINDS = ['follow', 'like', 'comment', 'repost', 'mention'] as const;
export type NotificationKind = (typeof NOTIFICATION_KINDS)[number];

/** How much of a post's content a notification keeps. */
export const EXCERPT_LENGTH = 100;

/**
 * One event to tell `recipientId` about. An event is identified by its recipient, kind, actor,
 * post and comment: the same event notified again (a job that ran twice, a like given, taken
 * back and given again) stays one notification.
 */
export interface NewNotification {
  /** UUIDv7 of the time of the event, made by the service. */
  id: string;
  recipientId: number;
  kind: NotificationKind;
  actorId: number;
  /** The post it is about; null for a follow. */
  postId: string | null;
  /** The comment it is about: a comment, or a mention in a comment; else null. */
  commentId: string | null;
  /** The beginning of the post's content (at most EXCERPT_LENGTH characters); null for a follow. */
  excerpt: string | null;
  created_at: Date;
}

export interface Notification {
  id: string;
  kind: NotificationKind;
  /** The actor's profile summary as it is now. */
  actor: ProfileSummary;
  post: { id: string; excerpt: string } | null;
  created_at: string;
  read: boolean;
}

export type MarkReadResult = { found: true; marked: number } | { found: false };

export interface NotificationsPort {
  readonly engine: 'pglite' | 'postgres';
  /** Stores the notifications not stored yet (idempotent per event); how many were new. */
  notify(notifications: readonly NewNotification[]): Promise<number>;
  /** The recipient's notifications, newest first, keyset-paged by (created_at, id). */
  list(recipientId: number, page: PageRequest): Promise<Notification[]>;
  /**
   * Marks the recipient's notification `upToId` and every older one as read. Not found when
   * `upToId` is not a notification of this recipient (nothing changes then).
   */
  markRead(recipientId: number, upToId: string): Promise<MarkReadResult>;
  unreadCount(recipientId: number): Promise<number>;
  /**
   * The recipient's unread notifications counted per actor (actor id → count), so that a
   * viewer's rules (blocks, mutes) can leave the hidden actors out of the count.
   */
  unreadByActor(recipientId: number): Promise<Map<number, number>>;
  /**
   * Removes every notification the user received or set off (their account was deleted: the
   * users row stays as a tombstone, so no foreign key removes them). Idempotent.
   */
  eraseUser(userId: number): Promise<void>;
  /** Removes every notification about the post (it was deleted). Idempotent. */
  forgetPost(postId: string): Promise<void>;
  ping(): Promise<void>;
}
