// The notifications port's contract: every adapter must pass it. Ids and times are made here
// as the service makes them (UUIDv7 of the event's time).
import { v7 } from 'uuid';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { ProfileSummary } from '../../src/accounts/accounts.port.ts';
import type {
  NewNotification,
  NotificationKind,
  NotificationsPort,
} from '../../src/notifications/notifications.port.ts';
import type { Position } from '../../src/posts/posts.port.ts';

export interface NotificationsHarness {
  notifications: NotificationsPort;
  /** New accounts to notify and to act. */
  newPeople(count: number): Promise<ProfileSummary[]>;
  /** Renames an account, as a profile change does. */
  rename(userId: number, name: string): Promise<void>;
  close(): Promise<void>;
}

export function notificationsContract(
  name: string,
  open: () => Promise<NotificationsHarness>,
  skipReason?: string,
) {
  describe.skipIf(skipReason !== undefined)(
    `notifications contract on ${name}${skipReason ? ` [SKIPPED: ${skipReason}]` : ''}`,
    () => {
      let harness: NotificationsHarness;
      let notifications: NotificationsPort;
      beforeAll(async () => {
        harness = await open();
        notifications = harness.notifications;
      });
      afterAll(() => harness?.close());

      let clock = Date.now();
      /** An event one second after the previous one, so lists have a known order. */
      const event = (
        recipient: ProfileSummary,
        kind: NotificationKind,
        actor: ProfileSummary,
        about: { postId?: string; commentId?: string } = {},
      ): NewNotification => {
        clock += 1000;
        return {
          id: v7({ msecs: clock }),
          recipientId: recipient.id,
          kind,
          actorId: actor.id,
          postId: about.postId ?? null,
          commentId: about.commentId ?? null,
          excerpt: about.postId ? 'the post' : null,
          created_at: new Date(clock),
        };
      };
      /** Every notification of a recipient, page by page. */
      async function all(recipientId: number, limit: number) {
        const seen = [];
        let after: Position | undefined;
        for (;;) {
          const page = await notifications.list(recipientId, { limit, after });
          seen.push(...page);
          if (page.length < limit) return seen;
          const last = page.at(-1) as { id: string; created_at: string };
          after = { at: Date.parse(last.created_at), id: last.id };
        }
      }

      it('lists each kind newest first, with the actor as they are now and the post it is about', async () => {
        const [me, fan] = (await harness.newPeople(2)) as [ProfileSummary, ProfileSummary];
        const post = v7();
        const events = [
          event(me, 'follow', fan),
          event(me, 'like', fan, { postId: post }),
          event(me, 'comment', fan, { postId: post, commentId: v7() }),
          event(me, 'repost', fan, { postId: post }),
          event(me, 'mention', fan, { postId: post }),
        ];
        expect(await notifications.notify(events)).toBe(5);
        await harness.rename(fan.id, 'Renamed Fan');
        const listed = await notifications.list(me.id, { limit: 10 });
        expect(listed).toEqual(
          [...events].reverse().map((n) => ({
            id: n.id,
            kind: n.kind,
            actor: { ...fan, name: 'Renamed Fan' },
            post: n.postId ? { id: post, excerpt: 'the post' } : null,
            created_at: n.created_at.toISOString(),
            read: false,
          })),
        );
        // Someone else's list is theirs alone.
        expect(await notifications.list(fan.id, { limit: 10 })).toEqual([]);
      });

      it('notifies an event once, however often it is told, also concurrently', async () => {
        const [me, fan] = (await harness.newPeople(2)) as [ProfileSummary, ProfileSummary];
        const post = v7();
        const like = event(me, 'like', fan, { postId: post });
        expect(await notifications.notify([like])).toBe(1);
        // The same event again, under a new id and time (a like given again): still one.
        expect(await notifications.notify([{ ...event(me, 'like', fan, { postId: post }) }])).toBe(0);
        const follows = Array.from({ length: 20 }, () => event(me, 'follow', fan));
        const added = await Promise.all(follows.map((follow) => notifications.notify([follow])));
        expect(added.reduce((sum, n) => sum + n, 0)).toBe(1);
        // A mention in the post and one in a comment under it are two events.
        const comment = v7();
        expect(
          await notifications.notify([
            event(me, 'mention', fan, { postId: post }),
            event(me, 'mention', fan, { postId: post, commentId: comment }),
            event(me, 'mention', fan, { postId: post, commentId: comment }),
          ]),
        ).toBe(2);
        expect(await all(me.id, 100)).toHaveLength(4);
        expect(await notifications.notify([])).toBe(0);
      });

      it('pages newest first without duplicates or gaps as notifications arrive', async () => {
        const [me, ...fans] = await harness.newPeople(8);
        const made = fans.map((fan) => event(me as ProfileSummary, 'follow', fan));
        // Two events of one millisecond: the id orders them.
        const tied = event(me as ProfileSummary, 'like', fans[0] as ProfileSummary, { postId: v7() });
        made.push(tied, {
          ...event(me as ProfileSummary, 'like', fans[1] as ProfileSummary, { postId: v7() }),
          created_at: tied.created_at,
        });
        await notifications.notify(made);
        const expected = [...made]
          .sort((a, b) => b.created_at.getTime() - a.created_at.getTime() || (a.id < b.id ? 1 : -1))
          .map((n) => n.id);
        const seen: string[] = [];
        let after: Position | undefined;
        for (let page = 0; ; page++) {
          const items = await notifications.list((me as ProfileSummary).id, { limit: 3, after });
          seen.push(...items.map((n) => n.id));
          if (page === 0)
            await notifications.notify([
              event(me as ProfileSummary, 'like', fans[2] as ProfileSummary, { postId: v7() }),
            ]);
          if (items.length < 3) break;
          const last = items.at(-1) as { id: string; created_at: string };
          after = { at: Date.parse(last.created_at), id: last.id };
        }
        expect(seen).toEqual(expected);
      });

      it('marks one and every older notification read, and counts the unread', async () => {
        const [me, other, fan] = (await harness.newPeople(3)) as [
          ProfileSummary,
          ProfileSummary,
          ProfileSummary,
        ];
        const made = Array.from({ length: 5 }, () => event(me, 'like', fan, { postId: v7() }));
        await notifications.notify([...made, event(other, 'follow', fan)]);
        expect(await notifications.unreadCount(me.id)).toBe(5);
        const middle = made[2] as NewNotification;
        expect(await notifications.markRead(me.id, middle.id)).toEqual({ found: true, marked: 3 });
        expect(await notifications.markRead(me.id, middle.id)).toEqual({ found: true, marked: 0 });
        expect(await notifications.unreadCount(me.id)).toBe(2);
        const listed = await notifications.list(me.id, { limit: 10 });
        expect(listed.map((n) => n.read)).toEqual([false, false, true, true, true]);
        // Another's notification, or none: not found, nothing changes.
        const [othersOwn] = await notifications.list(other.id, { limit: 1 });
        expect(await notifications.markRead(me.id, othersOwn?.id as string)).toEqual({ found: false });
        expect(await notifications.markRead(me.id, v7())).toEqual({ found: false });
        expect(await notifications.unreadCount(other.id)).toBe(1);
        expect(await notifications.unreadCount(me.id)).toBe(2);
        expect(await notifications.markRead(me.id, (made[4] as NewNotification).id)).toEqual({
          found: true,
          marked: 2,
        });
        expect(await notifications.unreadCount(me.id)).toBe(0);
      });

      it('forgets the notifications about a deleted post, and only those', async () => {
        const [me, fan] = (await harness.newPeople(2)) as [ProfileSummary, ProfileSummary];
        const [gone, kept] = [v7(), v7()];
        await notifications.notify([
          event(me, 'like', fan, { postId: gone }),
          event(me, 'comment', fan, { postId: gone, commentId: v7() }),
          event(me, 'like', fan, { postId: kept }),
          event(me, 'follow', fan),
        ]);
        await notifications.forgetPost(gone);
        await notifications.forgetPost(gone);
        const left = await notifications.list(me.id, { limit: 10 });
        expect(left.map((n) => [n.kind, n.post?.id ?? null])).toEqual([
          ['follow', null],
          ['like', kept],
        ]);
        expect(await notifications.unreadCount(me.id)).toBe(2);
      });

      it('counts the unread per actor', async () => {
        const [me, fan, friend] = (await harness.newPeople(3)) as [
          ProfileSummary,
          ProfileSummary,
          ProfileSummary,
        ];
        const first = event(me, 'like', fan, { postId: v7() });
        await notifications.notify([
          first,
          event(me, 'like', fan, { postId: v7() }),
          event(me, 'like', fan, { postId: v7() }),
          event(me, 'follow', friend),
        ]);
        expect(await notifications.markRead(me.id, first.id)).toEqual({ found: true, marked: 1 });
        expect(await notifications.unreadByActor(me.id)).toEqual(
          new Map([
            [fan.id, 2],
            [friend.id, 1],
          ]),
        );
        expect(await notifications.unreadByActor(fan.id)).toEqual(new Map());
      });

      it("erases a user's notifications, received and set off, and only those", async () => {
        const [gone, me, fan] = (await harness.newPeople(3)) as [
          ProfileSummary,
          ProfileSummary,
          ProfileSummary,
        ];
        await notifications.notify([
          event(gone, 'follow', fan),
          event(me, 'follow', gone),
          event(me, 'like', gone, { postId: v7() }),
          event(me, 'follow', fan),
        ]);
        await notifications.eraseUser(gone.id);
        await notifications.eraseUser(gone.id);
        expect(await notifications.list(gone.id, { limit: 10 })).toEqual([]);
        const left = await notifications.list(me.id, { limit: 10 });
        expect(left.map((n) => [n.kind, n.actor.id])).toEqual([['follow', fan.id]]);
      });

      it('answers a ping', async () => {
        await expect(notifications.ping()).resolves.toBeUndefined();
      });
    },
  );
}
