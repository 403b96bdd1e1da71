// What happened to a person's account and posts, told to them: the subscribers that turn the
// domain's facts into notifications, and the recipient's list, read marks and unread count,
// through the viewer's rules (a blocked or muted actor's notifications are not shown).
import { v7 } from 'uuid';
import { NotFoundError } from '../errors.ts';
import type { EventBus } from '../events.ts';
import { type CursorCodec, field, oneMore, type Page, pageOf } from '../pagination.ts';
import type { PostsPort } from '../posts/posts.port.ts';
import type { PostViews } from '../posts/posts.views.ts';
import {
  EXCERPT_LENGTH,
  type NewNotification,
  type Notification,
  type NotificationKind,
  type NotificationsPort,
} from './notifications.port.ts';

const CURSOR_VERSION = 1;
/** The job of the durable subscriber: the kind stays the same across releases. */
const POST_MENTIONS_JOB = 'notifications.post-mentions';
const FORGET_POST_JOB = 'notifications.forget-post';

export interface NotificationsOptions {
  store: NotificationsPort;
  posts: Pick<PostsPort, 'getPost'>;
  views: Pick<PostViews, 'hiddenAuthors'>;
  cursors: CursorCodec;
  events: EventBus;
}

/** One event about a post, to tell each of `recipientIds` (never the actor themself). */
interface PostEvent {
  kind: NotificationKind;
  actorId: number;
  postId: string;
  commentId?: string;
  recipientIds: readonly number[];
  at?: number;
}

/** The beginning of a post's content, cut between characters (never inside a surrogate pair). */
const excerptOf = (content: string) => Array.from(content).slice(0, EXCERPT_LENGTH).join('');

export class NotificationsService {
  private readonly store: NotificationsPort;
  private readonly posts: NotificationsOptions['posts'];
  private readonly views: NotificationsOptions['views'];
  private readonly cursors: CursorCodec;

  constructor({ store, posts, views, cursors, events }: NotificationsOptions) {
    this.store = store;
    this.posts = posts;
    this.views = views;
    this.cursors = cursors;
    // A post's mentions: post.created is recorded in the outbox with the post, so this is a
    // durable job. The other facts are published only after their commit today (no outbox
    // entry), so they are told immediately, in process: a crash right after the commit loses
    // that notification, never the write.
    events.subscribe(
      'post.created',
      POST_MENTIONS_JOB,
      ({ post_id, author_id, at, mentions = [] }) =>
        this.aboutPost({ kind: 'mention', actorId: author_id, postId: post_id, recipientIds: mentions, at }),
      { when: ({ mentions }) => !!mentions?.length },
    );
    // A deleted post takes its notifications with it (post.deleted is in the outbox too).
    events.subscribe('post.deleted', FORGET_POST_JOB, ({ post_id }) => this.store.forgetPost(post_id));
    events.onCommit('follow.changed', async ({ follower_id, followee_id, delta }) => {
      if (delta < 0 || follower_id === followee_id) return;
      await this.store.notify([this.notification('follow', followee_id, follower_id, Date.now())]);
    });
    events.onCommit('like.changed', async ({ post_id, user_id, delta }) => {
      if (delta > 0)
        await this.aboutPost({ kind: 'like', actorId: user_id, postId: post_id, recipientIds: [] });
    });
    events.onCommit('post.reposted', async ({ post_id, author_id, reposter_id, at, delta }) => {
      if (delta < 0) return;
      await this.aboutPost({
        kind: 'repost',
        actorId: reposter_id,
        postId: post_id,
        recipientIds: [author_id],
        at,
      });
    });
    events.onCommit('comment.created', async ({ post_id, comment_id, author_id, at, mentions = [] }) => {
      const about = { actorId: author_id, postId: post_id, commentId: comment_id, at };
      await this.aboutPost({ ...about, kind: 'comment', recipientIds: [] });
      if (mentions.length) await this.aboutPost({ ...about, kind: 'mention', recipientIds: mentions });
    });
  }

  /**
   * Notifies the recipients of an event about a post (the post's author when `recipientIds` is
   * empty), with the post's excerpt; nothing when the post is gone. Never the actor themself.
   */
  private async aboutPost({ kind, actorId, postId, commentId, recipientIds, at = Date.now() }: PostEvent) {
    const post = await this.posts.getPost(postId);
    if (!post) return;
    const recipients = new Set(recipientIds.length ? recipientIds : [post.author.id]);
    recipients.delete(actorId);
    await this.store.notify(
      [...recipients].map((recipientId) => ({
        ...this.notification(kind, recipientId, actorId, at),
        postId,
        commentId: commentId ?? null,
        excerpt: excerptOf(post.content),
      })),
    );
  }

  private notification(
    kind: NotificationKind,
    recipientId: number,
    actorId: number,
    at: number,
  ): NewNotification {
    return {
      id: v7({ msecs: at }),
      recipientId,
      kind,
      actorId,
      postId: null,
      commentId: null,
      excerpt: null,
      created_at: new Date(at),
    };
  }

  /** The viewer's notifications, newest first; those of actors their rules hide are left out. */
  async list(viewerId: number, limit: number, cursor?: string): Promise<Page<Notification>> {
    const after =
      cursor === undefined
        ? undefined
        : (([, , at, id]) => ({ at, id }))(
            this.cursors.decode(cursor, [
              field.is(CURSOR_VERSION),
              field.is(viewerId),
              field.timestamp,
              field.uuid,
            ]),
          );
    const fetched = await this.store.list(viewerId, { limit: oneMore(limit), after });
    const page = pageOf(fetched, limit, (last) =>
      this.cursors.encode([CURSOR_VERSION, viewerId, Date.parse(last.created_at), last.id]),
    );
    // The rules apply after paging: a page may come short, its cursor still continues the list.
    const hidden = await this.views.hiddenAuthors(
      viewerId,
      'notifications',
      page.items.map((item) => item.actor.id),
    );
    return hidden.size ? { ...page, items: page.items.filter((item) => !hidden.has(item.actor.id)) } : page;
  }

  /** Marks `upToId` and every older notification of the viewer read; 404 when it is not theirs. */
  async markRead(viewerId: number, upToId: string): Promise<void> {
    const result = await this.store.markRead(viewerId, upToId);
    if (!result.found) throw new NotFoundError('notification');
  }

  /** The viewer's unread notifications, not counting those of actors their rules hide. */
  async unreadCount(viewerId: number): Promise<number> {
    const byActor = await this.store.unreadByActor(viewerId);
    const hidden = await this.views.hiddenAuthors(viewerId, 'notifications', [...byActor.keys()]);
    let count = 0;
    for (const [actorId, unread] of byActor) if (!hidden.has(actorId)) count += unread;
    return count;
  }

  /** A deleted account: what it received and what it set off. */
  eraseUser(userId: number): Promise<void> {
    return this.store.eraseUser(userId);
  }
}
