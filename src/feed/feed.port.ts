// The home-feed timelines of the cache role: per user, the ids of the newest posts of the
// accounts they follow (and their own), newest first, capped (about 800, as large platforms
// keep). Fan-out on write pushes a post id into its followers' timelines; a read takes a page
// of ids and hydrates them from the shared post cache. A timeline is only a copy: a missing
// one is rebuilt from the graph and posts stores, a lost cache costs speed, never data.
// A repost reaches a timeline as an entry of the original post that names the reposter, and
// a post is in a timeline at most once (as Mastodon treats reblogs): whichever entry of it
// came first stays, and a later repost of it by another followee adds nothing.

import type { ProfileSummary } from '../accounts/accounts.port.ts';
import type { TimelineItem } from '../posts/posts.views.ts';

/** A home-feed item: a timeline item, and who of the reader's followees reposted it (null when it came as itself). */
export interface FeedItem extends TimelineItem {
  reposted_by: ProfileSummary | null;
}

/** A feed item and its entry's time in ms (the post's creation, or its repost's): the feed's keyset order. */
export interface FetchedItem {
  at: number;
  item: FeedItem;
}

/**
 * One timeline entry: a post id and its time in ms (the post's creation, or for a repost when
 * it was reposted), the feed's keyset order, and who reposted it when it came as a repost.
 */
export interface TimelineEntry {
  postId: string;
  at: number;
  repostedBy?: number;
}

export interface TimelinePage {
  limit: number;
  /** Continue strictly after this entry (older); the newest entries when absent. */
  after?: TimelineEntry;
}

/** How many entries a timeline keeps; older posts are read from the stores. */
export const TIMELINE_SIZE = 800;

/**
 * How far past its cap a timeline may grow before a push trims it back to the cap: 10%, so
 * that trimming runs once per that many pushes, not on every push. Entries past the cap count
 * as trimmed already: reads never show them, and a post whose entry is there may come again.
 */
export const trimMarginOf = (size: number): number => Math.ceil(size / 10);

/** (at, postId) descending, the order of every timeline and feed page. */
export const newestFirst = (a: TimelineEntry, b: TimelineEntry): number =>
  b.at - a.at || (a.postId < b.postId ? 1 : a.postId > b.postId ? -1 : 0);

/**
 * The entries a timeline keeps: one per post, the earliest (the one that came first), newest
 * first, at most `size`.
 */
export function timelineOf(entries: readonly TimelineEntry[], size: number): TimelineEntry[] {
  const first = new Map<string, TimelineEntry>();
  for (const entry of entries) {
    const kept = first.get(entry.postId);
    if (!kept || entry.at < kept.at) first.set(entry.postId, entry);
  }
  return [...first.values()].sort(newestFirst).slice(0, size);
}

export interface TimelinePort {
  readonly engine: 'memory' | 'redis';
  /**
   * Adds the entry to the timelines that exist among `userIds` (a missing timeline stays missing:
   * it is rebuilt whole on its next read, never started with one entry), each kept to its cap
   * (holding at most `trimMarginOf(cap)` more, never shown). A timeline that shows the post
   * already, as itself or as anyone's repost, keeps it as it is.
   * Idempotent: a job that runs twice adds the entry once.
   */
  pushToTimelines(entry: TimelineEntry, userIds: readonly number[]): Promise<void>;
  /** Removes the post, as itself or as a repost, from these users' timelines (those that have it). Idempotent. */
  removeFromTimelines(entry: TimelineEntry, userIds: readonly number[]): Promise<void>;
  /**
   * Removes these posts from one user's timeline, if it has them (an author's posts, after a
   * block between the two). Idempotent; a missing timeline stays missing.
   */
  removePostsFromTimeline(userId: number, postIds: readonly string[]): Promise<void>;
  /**
   * After `repostedBy` took back a repost: drops the timelines among `userIds` that hold the
   * post as that user's repost (shown, or past the cap and not yet trimmed), so that their next
   * read rebuilds them (with another followee's repost of it, if there is one); the others keep
   * what they show. Idempotent.
   */
  withdrawRepost(entry: { postId: string; repostedBy: number }, userIds: readonly number[]): Promise<void>;
  /** A page of the user's timeline, newest first; null when the user has no timeline. */
  readTimeline(userId: number, page: TimelinePage): Promise<TimelineEntry[] | null>;
  hasTimeline(userId: number): Promise<boolean>;
  /**
   * Replaces the user's timeline by `entries` (any order; one per post, the earliest, and of
   * those the newest TIMELINE_SIZE are kept).
   */
  rebuildTimeline(userId: number, entries: readonly TimelineEntry[]): Promise<void>;
  /**
   * Forgets these users' timelines, so that their next read rebuilds them: after a follow or
   * unfollow, and for followers a fan-out skipped as inactive (their timeline would miss the post).
   */
  dropTimelines(userIds: readonly number[]): Promise<void>;
  ping(): Promise<void>;
}

/**
 * The sqljoin strategy: a page of the reader's home feed as one query over posts, follows,
 * users, profiles, likes and comments, hydrated by the query itself (feed.sqljoin.ts).
 */
export interface SqlJoinFeed {
  page(userId: number, page: TimelinePage): Promise<FetchedItem[]>;
}
