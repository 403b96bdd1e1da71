// What a home-feed page contains: posts by the accounts the reader follows and their own,
// newest first, as timeline items (no comments, user_has_liked), in stable keyset pages.
// Three strategies serve it, chosen by FEED_STRATEGY, with one contract:
//   fanout  (default) a post id is pushed by a job into the timelines of the author's recently
//           active followers; a read takes ids from the reader's timeline and hydrates them from
//           the shared post cache. Accounts with more followers than the threshold are not fanned
//           out: their recent posts are merged in at read time (hybrid fan-out). A missing
//           timeline is rebuilt from the graph and posts stores; a cache that is down means the
//           page comes from the stores, marked degraded, never a 500.
//   pull    the reader's followees from the graph, then their newest posts from the posts store.
//   sqljoin the article's six-table join (feed.sqljoin.ts), on one PostgreSQL database.
// A followee's repost of someone else's post is an entry of that post at the repost's time,
// naming the reposter (reposted_by); each post comes once, at its earliest entry, under every
// strategy, and cursors carry the entry's time, not the post's.

import type { AccountsPort } from '../accounts/accounts.port.ts';
import { type CachePort, cacheKeys } from '../cache/cache.port.ts';
import type { FeedStrategy } from '../config.ts';
import type { DomainEvents, EventBus } from '../events.ts';
import type { GraphPort } from '../graph/graph.port.ts';
import type { JobPayload } from '../jobs/jobs.port.ts';
import type { Log } from '../log.ts';
import { type CursorCodec, field, oneMore, type Page, pageOf } from '../pagination.ts';
import type { PostSummaries } from '../posts/post-summaries.ts';
import type { PageRequest, PostSummary, PostsPort } from '../posts/posts.port.ts';
import type { PostViews } from '../posts/posts.views.ts';
import {
  type FeedItem,
  type FetchedItem,
  newestFirst,
  type SqlJoinFeed,
  TIMELINE_SIZE,
  type TimelineEntry,
  type TimelinePage,
  type TimelinePort,
} from './feed.port.ts';

export const FEED_FANOUT_JOB = 'feed.fanout';
export const FEED_REMOVE_JOB = 'feed.remove';

/** Edges read per graph page when walking followers or followees. */
const GRAPH_PAGE = 1000;
/** The most followees a feed reads (a reader following more sees the newest 10,000's posts). */
const MAX_FOLLOWING = 10_000;
/** The most accounts above the fan-out threshold that are merged at read time. */
const MAX_POPULAR = 10_000;
/** Entries kept per account merged at read time: any first page, and one entry more. */
const MERGED_KEPT = 101;
/** How long they are kept (the account's posting, deleting or reposting forgets them at once). */
const MERGED_TTL_SECONDS = 300;
/** How long the lists of accounts not fanned out are kept (a follow forgets the reader's at once). */
const PULLED_TTL_SECONDS = 300;

export interface FeedOptions {
  /** Home timelines, in the cache role. */
  timelines: TimelinePort;
  posts: PostsPort;
  graph: GraphPort;
  /** Which followers were active recently (fan-out skips the others). */
  accounts: AccountsPort;
  /** The lists of accounts merged at read time. */
  cache: CachePort;
  /** The sqljoin strategy's one query; only with that strategy. */
  sqlJoin?: SqlJoinFeed;
  strategy: FeedStrategy;
  /** Followers who signed in within this many days get posts fanned out. */
  activeDays: number;
  /** Authors with more followers than this are merged at read time instead of fanned out. */
  fanoutThreshold: number;
  log: Pick<Log, 'warn'>;
  /** Signs and checks the feed's cursors (one codec for every list). */
  cursors: CursorCodec;
  /** The facts the feed reacts to (posts appearing and going, follows, changes to cached posts). */
  events: EventBus;
  /** The viewer seam every page passes through (the viewer's state and rules). */
  views: PostViews;
  /** The shared cached post summaries that timeline entries are hydrated from. */
  summaries: PostSummaries;
}

export interface FeedPage extends Page<FeedItem> {
  /** True when the cache was unreachable and the page came from the stores of record. */
  degraded: boolean;
}

// A feed cursor names the feed and its reader, so another list's cursor is refused (400).
const CURSOR_VERSION = 1;
const entryOf = (post: { id: string; created_at: string }): TimelineEntry => ({
  postId: post.id,
  at: Date.parse(post.created_at),
});

function decodeFeedCursor(codec: CursorCodec, cursor: string, userId: number): TimelineEntry {
  const [, , , at, postId] = codec.decode(cursor, [
    field.is(CURSOR_VERSION),
    field.is('f'),
    field.is(userId),
    field.timestamp,
    field.uuid,
  ]);
  return { at, postId };
}

const encodeFeedCursor = (codec: CursorCodec, userId: number, entry: TimelineEntry) =>
  codec.encode([CURSOR_VERSION, 'f', userId, entry.at, entry.postId]);

function postEntry(payload: object): { entry: TimelineEntry; authorId: number } {
  const { post_id: postId, author_id: authorId, at } = payload as Record<string, unknown>;
  if (typeof postId !== 'string' || !Number.isSafeInteger(authorId) || !Number.isSafeInteger(at)) {
    throw new Error(`a feed job needs post_id, author_id and at, got ${JSON.stringify(payload)}`);
  }
  return { entry: { postId, at: at as number }, authorId: authorId as number };
}

/** A timeline page as the posts store's keyset page. */
const storePage = ({ limit, after }: TimelinePage): PageRequest => ({
  limit,
  after: after && { at: after.at, id: after.postId },
});

/** A timeline entry and the author of its post. */
type AuthoredEntry = TimelineEntry & { authorId: number };

/** A post and the entry that brought it into the feed (as itself, or as a followee's repost). */
interface EntryPost {
  entry: TimelineEntry;
  post: PostSummary;
}

/** The entries whose posts were found, each with its post (a post gone meanwhile leaves its entry out). */
const withPosts = (entries: TimelineEntry[], found: Map<string, PostSummary>): EntryPost[] =>
  entries.flatMap((entry) => {
    const post = found.get(entry.postId);
    return post ? [{ entry, post }] : [];
  });

const asThemselves = (posts: PostSummary[]): EntryPost[] =>
  posts.map((post) => ({ entry: entryOf(post), post }));

/** Newest first, each post once, at its earliest entry (as a timeline keeps it). */
function mergeEntries(...lists: EntryPost[][]): EntryPost[] {
  const byId = new Map<string, EntryPost>();
  for (const list of lists) {
    for (const found of list) {
      const kept = byId.get(found.post.id);
      if (!kept || found.entry.at < kept.entry.at) byId.set(found.post.id, found);
    }
  }
  return [...byId.values()].sort((a, b) => newestFirst(a.entry, b.entry));
}

export class FeedService {
  private readonly timelines: TimelinePort;
  private readonly posts: PostsPort;
  private readonly graph: GraphPort;
  private readonly accounts: AccountsPort;
  private readonly cache: CachePort;
  private readonly sqlJoin: SqlJoinFeed | undefined;

  constructor(private readonly options: FeedOptions) {
    ({
      timelines: this.timelines,
      posts: this.posts,
      graph: this.graph,
      accounts: this.accounts,
      cache: this.cache,
      sqlJoin: this.sqlJoin,
    } = options);
    if (options.strategy === 'sqljoin' && !this.sqlJoin)
      throw new Error('the sqljoin feed needs its SQL adapter');
    this.subscribe(options.events);
  }

  /**
   * Under fan-out a post's appearance and deletion reach the timelines by durable jobs (pages
   * filter a deleted post at hydration at once; the job only tidies the timelines). A follow or
   * unfollow drops the follower's timeline at once: its next read rebuilds it from the stores.
   * A new block takes each one's posts out of the other's cached timeline (the viewer's rules
   * hide them anyway: this only spares every later read the filtering).
   */
  private subscribe(events: EventBus): void {
    if (this.options.strategy === 'fanout') {
      events.subscribe('post.created', FEED_FANOUT_JOB, async (payload) => {
        await this.fanOut(payload);
      });
      events.subscribe('post.deleted', FEED_REMOVE_JOB, (payload) => this.removeEverywhere(payload));
      // The repost write does not record durable reactions yet, so its fan-out runs after commit,
      // in process: a failure is logged, and the timelines it missed show the repost once rebuilt.
      events.onCommit('post.reposted', (payload) => this.repostChanged(payload));
    }
    events.onCommit('follow.changed', ({ follower_id }) => this.followChanged(follower_id));
    // An account's newest entries change as it posts, deletes or reposts.
    for (const name of ['post.created', 'post.deleted'] as const) {
      events.onCommit(name, ({ author_id }) => this.cache.forget(cacheKeys.feedNewest(author_id)));
    }
    events.onCommit('post.reposted', ({ reposter_id }) =>
      this.cache.forget(cacheKeys.feedNewest(reposter_id)),
    );
    events.onCommit('block.changed', async ({ blocker_id, blocked_id, delta }) => {
      if (delta > 0)
        await Promise.all([this.untangle(blocker_id, blocked_id), this.untangle(blocked_id, blocker_id)]);
    });
  }

  private async followChanged(followerId: number): Promise<void> {
    await this.cache.forget(cacheKeys.feedPulled(followerId));
    try {
      await this.timelines.dropTimelines([followerId]);
    } catch (error) {
      this.options.log.warn(
        { err: error, followerId },
        'could not drop a timeline; the cache is unavailable',
      );
    }
  }

  /**
   * The feed's part of deleting an account: the user's own timeline, and the list of popular
   * accounts (it may name them) so that it is made anew. Followers' timelines were dropped as
   * the graph's step unfollowed them.
   */
  async eraseUser(userId: number): Promise<void> {
    await this.timelines.dropTimelines([userId]);
    await this.cache.forget(cacheKeys.feedPulled(userId), cacheKeys.feedPopular);
  }

  /** Takes the author's newest posts (as many as a timeline holds) out of the reader's timeline. Idempotent. */
  private async untangle(readerId: number, authorId: number): Promise<void> {
    if (!(await this.timelines.hasTimeline(readerId))) return;
    const posts = await this.posts.authorsTimeline([authorId], { limit: TIMELINE_SIZE });
    await this.timelines.removePostsFromTimeline(
      readerId,
      posts.map((post) => post.id),
    );
  }

  /** One page of the reader's home feed. */
  async page(userId: number, limit: number, cursor?: string): Promise<FeedPage> {
    const after = cursor === undefined ? undefined : decodeFeedCursor(this.options.cursors, cursor, userId);
    const request: TimelinePage = { limit: oneMore(limit), after };
    // The reader's state and rules are made ready while the page is fetched.
    const warmed = this.options.views.warm(userId, 'home');
    if (this.options.strategy === 'sqljoin') {
      const fetched = await (this.sqlJoin as SqlJoinFeed).page(userId, request);
      return this.view(userId, this.paged(userId, fetched, limit, false), false, warmed);
    }
    if (this.options.strategy === 'pull') {
      const fetched = await this.withReposters(await this.pull(userId, request));
      return this.view(userId, this.paged(userId, fetched, limit, false), false, warmed);
    }
    let fetched: EntryPost[];
    let more = false;
    let degraded = false;
    try {
      ({ fetched, more } = await this.fromTimeline(userId, request));
    } catch (error) {
      // The cache is unreachable: the stores of record answer, slower, and say so.
      this.options.log.warn({ err: error, userId }, 'timeline unavailable; serving the feed from the stores');
      degraded = true;
      fetched = await this.pull(userId, request);
    }
    return this.view(
      userId,
      this.paged(userId, await this.withReposters(fetched), limit, more),
      degraded,
      warmed,
    );
  }

  /** Every strategy's page passes the viewer seam: the reader's state in, what their rules hide out. */
  private async view(
    userId: number,
    page: Page<FeedItem>,
    degraded: boolean,
    warmed: Promise<void>,
  ): Promise<FeedPage> {
    await warmed;
    return { ...(await this.options.views.posts(userId, 'home', page)), degraded };
  }

  /** Feed items of the entries: each with the profile summary of the followee who reposted it, or null. */
  private async withReposters(found: EntryPost[]): Promise<FetchedItem[]> {
    const ids = [
      ...new Set(found.flatMap(({ entry }) => (entry.repostedBy === undefined ? [] : [entry.repostedBy]))),
    ];
    const profiles = new Map((ids.length ? await this.accounts.summaries(ids) : []).map((p) => [p.id, p]));
    // A reposter whose account is gone has had their reposts taken back: the entry leaves the page.
    return found.flatMap(({ entry, post }): FetchedItem[] => {
      if (entry.repostedBy === undefined) return [{ at: entry.at, item: { ...post, reposted_by: null } }];
      const reposter = profiles.get(entry.repostedBy);
      return reposter ? [{ at: entry.at, item: { ...post, reposted_by: reposter } }] : [];
    });
  }

  /**
   * Rebuilds the reader's timeline from the graph and posts stores (also used by the benchmark):
   * the followees' and the reader's posts and reposts, so a rebuilt timeline equals a pushed one.
   */
  async rebuild(userId: number): Promise<void> {
    const authors = await this.authorsOf(userId);
    const [newest, reposts] = await Promise.all([
      this.posts.authorsTimeline(authors, { limit: TIMELINE_SIZE }),
      this.posts.authorsReposts(authors, { limit: TIMELINE_SIZE }),
    ]);
    await this.timelines.rebuildTimeline(userId, [...newest.map(entryOf), ...reposts]);
  }

  /** The fan-out job: the post id into the timelines of the author and their active followers. */
  async fanOut(payload: JobPayload | DomainEvents['post.created']): Promise<number> {
    const { entry, authorId } = postEntry(payload);
    return this.fanOutEntry(entry, authorId);
  }

  /**
   * The repost job: a repost goes where its reposter's posts go (the same fan-out, as an entry
   * naming them); a repost taken back leaves the timelines that show it as theirs.
   */
  private async repostChanged(payload: DomainEvents['post.reposted']): Promise<void> {
    const { post_id: postId, reposter_id: reposterId, at, delta } = payload;
    if (delta > 0) {
      await this.fanOutEntry({ postId, at, repostedBy: reposterId }, reposterId);
      return;
    }
    const withdrawn = { postId, repostedBy: reposterId };
    await this.timelines.withdrawRepost(withdrawn, [reposterId]);
    await this.eachFollowerPage(reposterId, (ids) => this.timelines.withdrawRepost(withdrawn, ids));
  }

  /** The entry into the timelines of its source (the author, or the reposter) and the source's active followers. */
  private async fanOutEntry(entry: TimelineEntry, authorId: number): Promise<number> {
    const [{ followers }] = await Promise.all([
      this.graph.counts(authorId),
      this.timelines.pushToTimelines(entry, [authorId]),
    ]);
    // Hybrid fan-out: a post of an account this popular is merged into its followers' pages at read time.
    if (followers > this.options.fanoutThreshold) {
      // An account that has just become this popular joins the merged list now, not in minutes.
      if (!(await this.popularAuthors()).has(authorId)) await this.cache.forget(cacheKeys.feedPopular);
      return 1;
    }
    const since = new Date(Date.now() - this.options.activeDays * 86_400_000);
    let pushed = 1;
    // One page's pushes run while the next page is read and filtered; at most one page's are in flight.
    let pushing: Promise<unknown> = Promise.resolve();
    await this.eachFollowerPage(authorId, async (ids) => {
      const active = await this.accounts.activeUsers(ids, since);
      const activeSet = new Set(active);
      await pushing;
      // A follower skipped as inactive loses any timeline left from before (it would miss this
      // post): it is rebuilt whole when they are back, as Mastodon regenerates a returning user's.
      pushing = Promise.all([
        this.timelines.pushToTimelines(entry, active),
        this.timelines.dropTimelines(ids.filter((id) => !activeSet.has(id))),
      ]);
      // Awaited with the next page or at the end; until then a failure must not count as unhandled.
      pushing.catch(() => {});
      pushed += active.length;
    });
    await pushing;
    return pushed;
  }

  private async removeEverywhere(payload: DomainEvents['post.deleted']): Promise<void> {
    const { entry, authorId } = postEntry(payload);
    await this.timelines.removeFromTimelines(entry, [authorId]);
    // All followers, not only the active ones: who was active when it was fanned out may differ.
    await this.eachFollowerPage(authorId, (ids) => this.timelines.removeFromTimelines(entry, ids));
  }

  /** `work` on each page of the author's followers, the next page read while `work` runs. */
  private async eachFollowerPage(authorId: number, work: (ids: number[]) => Promise<void>): Promise<void> {
    let next = this.graph.followers(authorId, { limit: GRAPH_PAGE });
    for (;;) {
      const edges = await next;
      const last = edges.length === GRAPH_PAGE ? edges.at(-1) : undefined;
      if (last) {
        next = this.graph.followers(authorId, { limit: GRAPH_PAGE, after: last });
        // Awaited on the next turn; if `work` fails first, its failure is the one reported.
        next.catch(() => {});
      }
      if (edges.length) await work(edges.map((edge) => edge.userId));
      if (!last) return;
    }
  }

  /**
   * A page from the reader's timeline (rebuilt first if missing), merged with the newest posts
   * of the followees too popular to fan out. Where the timeline ends (its cap, or its owner's
   * oldest posts) the page continues from the stores, so paging never stops at the cache's edge.
   */
  private async fromTimeline(userId: number, request: TimelinePage) {
    // The merged authors' posts are fetched while the timeline is read: one round trip less.
    const merged = this.pulledAuthors(userId).then((pulled) => this.mergedPart(pulled, request));
    merged.catch(() => {});
    let entries = await this.timelines.readTimeline(userId, request);
    if (entries === null) {
      await this.rebuild(userId);
      entries = (await this.timelines.readTimeline(userId, request)) ?? [];
    }
    const exhausted = entries.length < request.limit;
    const [hydrated, pulledPosts, continued] = await Promise.all([
      this.hydrate(userId, entries),
      merged,
      exhausted ? this.pull(userId, { limit: request.limit, after: entries.at(-1) ?? request.after }) : [],
    ]);
    // A short page because deleted posts were filtered out still has a next page.
    return { fetched: mergeEntries(hydrated, pulledPosts, continued), more: !exhausted };
  }

  /**
   * The merged accounts' part of a page. A first page takes each account's newest entries kept
   * in the cache role (shared by all their followers' reads, forgotten when the account posts,
   * deletes or reposts); a later page asks the store. Either way as postsAndReposts answers: a
   * post once, at its earliest entry, and a repost only of a post none of them wrote.
   */
  private async mergedPart(pulled: number[], request: TimelinePage): Promise<EntryPost[]> {
    if (!pulled.length) return [];
    if (request.after) return this.postsAndReposts(pulled, request);
    const merged = new Set(pulled);
    const earliest = new Map<string, TimelineEntry>();
    for (const { authorId, ...entry } of (await Promise.all(pulled.map((id) => this.newestOf(id)))).flat()) {
      if (entry.repostedBy !== undefined && merged.has(authorId)) continue;
      const kept = earliest.get(entry.postId);
      if (!kept || entry.at < kept.at) earliest.set(entry.postId, entry);
    }
    const entries = [...earliest.values()].sort(newestFirst).slice(0, request.limit);
    const found = await this.options.summaries.byId(entries.map((entry) => entry.postId));
    return withPosts(entries, found);
  }

  /** An account's newest entries (its posts and reposts) with each post's author, cached. */
  private async newestOf(accountId: number): Promise<AuthoredEntry[]> {
    const key = cacheKeys.feedNewest(accountId);
    const cached = await this.cache.recall<AuthoredEntry[]>(key);
    if (cached) return cached;
    const page = { limit: MERGED_KEPT };
    const [posts, reposts] = await Promise.all([
      this.posts.authorsTimeline([accountId], page),
      this.posts.authorsReposts([accountId], page),
    ]);
    const reposted = new Map(
      (reposts.length ? await this.posts.summaries(reposts.map((entry) => entry.postId)) : []).map((post) => [
        post.id,
        post.author.id,
      ]),
    );
    const newest = [
      ...posts.map((post) => ({ ...entryOf(post), authorId: accountId })),
      ...reposts.flatMap((entry) => {
        const authorId = reposted.get(entry.postId);
        return authorId === undefined ? [] : [{ ...entry, authorId }];
      }),
    ]
      .sort(newestFirst)
      .slice(0, MERGED_KEPT);
    await this.cache.remember(key, newest, MERGED_TTL_SECONDS);
    return newest;
  }

  /** Post summaries for timeline entries: the shared cache first, the store for the rest. */
  private async hydrate(userId: number, entries: TimelineEntry[]): Promise<EntryPost[]> {
    const found = await this.options.summaries.byId(entries.map((entry) => entry.postId));
    // A deleted post leaves the page at once; its job removes it from every timeline, this from this one.
    const gone = entries.filter((entry) => !found.has(entry.postId));
    if (gone.length)
      await Promise.all(gone.map((entry) => this.timelines.removeFromTimelines(entry, [userId])));
    return withPosts(entries, found);
  }

  /** The pull strategy: the reader's followees and themself, their newest posts and reposts from the store. */
  private async pull(userId: number, request: TimelinePage): Promise<EntryPost[]> {
    return this.postsAndReposts(await this.authorsOf(userId), request);
  }

  /**
   * A page of the posts of `authors` and of the posts they reposted (written by none of them,
   * each once, at its earliest repost: the store's authorsReposts), merged by (at, postId).
   */
  private async postsAndReposts(authors: number[], request: TimelinePage): Promise<EntryPost[]> {
    const page = storePage(request);
    const [posts, reposts] = await Promise.all([
      this.posts.authorsTimeline(authors, page),
      this.posts.authorsReposts(authors, page),
    ]);
    const reposted = new Map(
      (reposts.length ? await this.posts.summaries(reposts.map((entry) => entry.postId)) : []).map((post) => [
        post.id,
        post,
      ]),
    );
    return mergeEntries(asThemselves(posts), withPosts(reposts, reposted));
  }

  /** Whom the reader follows (newest first, at most MAX_FOLLOWING), and the reader. */
  private async authorsOf(userId: number): Promise<number[]> {
    const ids = [userId];
    let after: { at: number; userId: number } | undefined;
    while (ids.length <= MAX_FOLLOWING) {
      const edges = await this.graph.following(userId, { limit: GRAPH_PAGE, after });
      ids.push(...edges.map((edge) => edge.userId));
      if (edges.length < GRAPH_PAGE) break;
      after = edges.at(-1);
    }
    return ids;
  }

  /**
   * The reader's followees with more followers than the fan-out threshold: the few accounts
   * that popular (one ranked list for everyone, from the profiles' exact counters) that the
   * reader follows. Both lists are cached briefly; a follow or unfollow forgets the reader's.
   */
  private async pulledAuthors(userId: number): Promise<number[]> {
    const key = cacheKeys.feedPulled(userId);
    const cached = await this.cache.recall<number[]>(key);
    if (cached) return cached;
    const [following, popular] = await Promise.all([this.authorsOf(userId), this.popularAuthors()]);
    const pulled = following.slice(1).filter((id) => popular.has(id));
    await this.cache.remember(key, pulled, PULLED_TTL_SECONDS);
    return pulled;
  }

  private async popularAuthors(): Promise<Set<number>> {
    let ids = await this.cache.recall<number[]>(cacheKeys.feedPopular);
    if (!ids) {
      const ranked = await this.graph.mostFollowed(MAX_POPULAR, 0);
      ids = ranked.filter((row) => row.followers > this.options.fanoutThreshold).map((row) => row.userId);
      await this.cache.remember(cacheKeys.feedPopular, ids, PULLED_TTL_SECONDS);
    }
    return new Set(ids);
  }

  /** The first `limit` items and the cursor after the last of them, when more follow. */
  private paged(userId: number, fetched: FetchedItem[], limit: number, more: boolean): Page<FeedItem> {
    const page = pageOf(
      fetched,
      limit,
      (last) => encodeFeedCursor(this.options.cursors, userId, { at: last.at, postId: last.item.id }),
      { more },
    );
    return { ...page, items: page.items.map(({ item }) => item) };
  }
}
