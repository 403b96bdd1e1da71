// Rules of analytics: a view counts once per viewer and post within a few minutes (the cache
// role remembers), only for a post that exists; trending is hydrated like a timeline, and a
// post deleted since its views never appears; metric windows are validated durations.
import type { IsOperator } from '../accounts/operators.ts';
import { BadRequestError, ForbiddenError, NotFoundError } from '../errors.ts';
import type { Log } from '../log.ts';
import type { PostSummary, PostsPort } from '../posts/posts.port.ts';
import type { PostViews, ViewerState } from '../posts/posts.views.ts';
import type { AnalyticsPort, EndpointBucket } from './analytics.port.ts';
import type { AnalyticsRecorder } from './analytics.recorder.ts';
import type { ViewDedupePort } from './view-dedupe.port.ts';

/** Repeated views of one post by one user within this many seconds count once. */
export const VIEW_DEDUPE_SECONDS = 300;

export type TrendingItem = PostSummary & { views: number } & ViewerState;

export interface EndpointMetrics {
  window: string;
  every: string;
  items: Array<{ route: string; method: string; buckets: Array<Omit<EndpointBucket, 'route' | 'method'>> }>;
}

const UNIT_SECONDS = { s: 1, m: 60, h: 3600, d: 86_400 } as const;
export const MAX_WINDOW_SECONDS = 7 * 86_400;
export const MIN_EVERY_SECONDS = 10;
export const MAX_BUCKETS = 1000;

/** "5m" -> 300; undefined when it is not a whole number of s, m, h or d. */
export function durationSeconds(text: string): number | undefined {
  const match = /^([1-9]\d{0,6})([smhd])$/.exec(text);
  if (!match) return undefined;
  return Number(match[1]) * UNIT_SECONDS[match[2] as keyof typeof UNIT_SECONDS];
}

export interface AnalyticsOptions {
  analytics: AnalyticsPort;
  recorder: AnalyticsRecorder;
  /** Which posts exist, and their summaries for trending. */
  posts: PostsPort;
  /** Trending passes the viewer seam like every list of posts. */
  views: PostViews;
  dedupe: ViewDedupePort;
  log: Pick<Log, 'warn'>;
  isOperator: IsOperator;
}

export class AnalyticsService {
  private readonly analytics: AnalyticsPort;
  private readonly recorder: AnalyticsRecorder;
  private readonly posts: PostsPort;
  private readonly views: PostViews;
  private readonly dedupe: ViewDedupePort;
  private readonly log: Pick<Log, 'warn'>;
  private readonly isOperator: IsOperator;

  constructor(options: AnalyticsOptions) {
    this.analytics = options.analytics;
    this.recorder = options.recorder;
    this.posts = options.posts;
    this.views = options.views;
    this.dedupe = options.dedupe;
    this.log = options.log;
    this.isOperator = options.isOperator;
  }

  /** Records the user's view of a post; false when it repeats a view within the dedupe window. */
  async view(userId: number, postId: string): Promise<boolean> {
    return (await this.viewsOf(postId, [userId])) === 1;
  }

  /** Records each user's view of one post (the post is looked up once); how many counted. */
  async viewsOf(postId: string, userIds: readonly number[]): Promise<number> {
    if (!(await this.posts.getPost(postId))) throw new NotFoundError('post');
    let counted = 0;
    for (const userId of userIds) if (await this.countView(userId, postId)) counted++;
    return counted;
  }

  private async countView(userId: number, postId: string): Promise<boolean> {
    let first = true;
    try {
      first = await this.dedupe.firstView(userId, postId, VIEW_DEDUPE_SECONDS);
    } catch (error) {
      // The cache is down: count the view rather than fail the request (a repeat may count twice).
      this.log.warn({ err: error }, 'view deduplication unavailable; counting the view');
    }
    if (first) this.recorder.view({ at: new Date(), postId });
    return first;
  }

  /** The most viewed posts of the last `hours`, as timeline items with their views. */
  async trending(viewerId: number | undefined, hours: number, limit: number): Promise<TrendingItem[]> {
    // Views outlive deleted posts: ask for more when some of the top ones are gone.
    let wanted = limit;
    for (;;) {
      const ranked = await this.analytics.trending(hours, wanted);
      const found = new Map(
        (await this.posts.summaries(ranked.map((entry) => entry.postId))).map((post) => [post.id, post]),
      );
      const items: TrendingItem[] = [];
      for (const entry of ranked) {
        const post = found.get(entry.postId);
        if (post) items.push({ ...post, views: entry.views });
      }
      if (items.length >= limit || ranked.length < wanted || wanted >= limit * 16) {
        const page = { items: items.slice(0, limit), next_cursor: null };
        return (await this.views.posts(viewerId, 'trending', page)).items;
      }
      wanted *= 4;
    }
  }

  /** Platform-wide request metrics: for operators only (403 for everyone else). */
  async endpointMetrics(callerId: number, window: string, every: string): Promise<EndpointMetrics> {
    if (!(await this.isOperator(callerId)))
      throw new ForbiddenError('only operators may read platform metrics');
    const windowSeconds = durationSeconds(window);
    const everySeconds = durationSeconds(every);
    const fields: Record<string, string> = {};
    if (windowSeconds === undefined || windowSeconds > MAX_WINDOW_SECONDS) {
      fields.window = 'must be a duration such as 15m, 1h or 7d, at most 7d';
    }
    if (everySeconds === undefined || everySeconds < MIN_EVERY_SECONDS) {
      fields.every = `must be a duration such as 1m or 5m, at least ${MIN_EVERY_SECONDS}s`;
    } else if (windowSeconds !== undefined && everySeconds > windowSeconds) {
      fields.every = 'must not be longer than the window';
    } else if (windowSeconds !== undefined && windowSeconds / everySeconds > MAX_BUCKETS) {
      fields.every = `must split the window into at most ${MAX_BUCKETS} buckets`;
    }
    if (Object.keys(fields).length || windowSeconds === undefined || everySeconds === undefined) {
      throw new BadRequestError('the request is not valid', { in: 'querystring', fields });
    }
    const rows = await this.analytics.endpointMetrics(windowSeconds, everySeconds);
    const routes = new Map<string, EndpointMetrics['items'][number]>();
    for (const { route, method, ...bucket } of rows) {
      const key = `${method} ${route}`;
      let item = routes.get(key);
      if (!item) {
        item = { route, method, buckets: [] };
        routes.set(key, item);
      }
      item.buckets.push(bucket);
    }
    return { window, every, items: [...routes.values()] };
  }
}
