// The analytics role: time-stamped events (post views, API requests), written in batches
// and read back as aggregates. Events are append-only and never the only copy of anything
// users made: losing some costs statistics, never data. Operational tables never see them,
// so analytics cannot slow a post, a like or a log-in down.

/** One API request, as the server hook saw it. */
export interface RequestEvent {
  at: Date;
  /** The route pattern (`/api/v1/posts/:id`), never the raw URL: bounded cardinality. */
  route: string;
  method: string;
  status: number;
  durationMs: number;
}

/** One counted view of a post (repeats by one viewer within minutes are deduplicated before). */
export interface ViewEvent {
  at: Date;
  postId: string;
}

export interface TrendingEntry {
  postId: string;
  views: number;
}

/** One route pattern + method in one time bucket. */
export interface EndpointBucket {
  route: string;
  method: string;
  /** Start of the bucket, ISO-8601 UTC; buckets align to multiples of `every` since the epoch. */
  bucket: string;
  count: number;
  /** Share of the requests answered with a 5xx (0 to 1): failures of ours, not the client's. */
  error_rate: number;
  mean_ms: number;
  p50_ms: number;
  p95_ms: number;
  p99_ms: number;
}

/** How long events are kept, in seconds. */
export interface Retention {
  viewsSeconds: number;
  requestsSeconds: number;
}

export interface AnalyticsPort {
  readonly engine: 'pglite' | 'postgres' | 'influx';
  recordRequests(batch: readonly RequestEvent[]): Promise<void>;
  recordViews(batch: readonly ViewEvent[]): Promise<void>;
  /** The most viewed posts of the last `hours`, most views first (ties: newer post id first). */
  trending(hours: number, limit: number): Promise<TrendingEntry[]>;
  /** Per route and method, per bucket of `everySeconds`, over the last `windowSeconds`; oldest bucket first. */
  endpointMetrics(windowSeconds: number, everySeconds: number): Promise<EndpointBucket[]>;
  /**
   * Deletes the events older than their retention, in batches, and says how many went.
   * Absent where the engine expires events by itself (InfluxDB's retention policies).
   */
  deleteExpired?(retention: Retention): Promise<{ views: number; requests: number }>;
  ping(): Promise<void>;
  close(): Promise<void>;
}

/** The store refused some points of a batch and kept the rest ("partial write"). */
export class PartialWriteError extends Error {
  constructor(
    message: string,
    /** How many events of the batch were lost. */
    readonly dropped: number,
  ) {
    super(message);
    this.name = 'PartialWriteError';
  }
}

/** Views are kept (and trending looks back) at most this long: InfluxDB's views retention policy. */
export const VIEWS_RETENTION_HOURS = 72;

/** The status class a request is tagged with: '2xx', '4xx', '5xx'... */
export const statusClass = (status: number) => `${Math.floor(status / 100)}xx`;

/** Newest post id first among equal counts: UUIDv7 ids sort by time. */
export const byViews = (a: TrendingEntry, b: TrendingEntry) =>
  b.views - a.views || (a.postId < b.postId ? 1 : a.postId > b.postId ? -1 : 0);
