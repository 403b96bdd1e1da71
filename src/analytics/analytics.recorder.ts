// Buffers analytics events in memory and writes them in batches, off the request's path:
// recording is a push onto an array, never a write per request. The buffer is bounded:
// while the store is slow or down, events beyond the bound are dropped and counted rather
// than letting the process grow. A batch that fails because the store is unavailable stays
// buffered and is written once it answers again; a batch (or the points of one) the store
// refuses is counted as failed and logged, never retried. close() writes whatever is left.
import { StoreUnavailableError } from '../errors.ts';
import type { Log } from '../log.ts';
import {
  type AnalyticsPort,
  PartialWriteError,
  type RequestEvent,
  type ViewEvent,
} from './analytics.port.ts';

export interface RecorderOptions {
  /** Events held per kind at most (buffered plus being written); past it new ones are dropped. */
  maxBuffered?: number;
  /** A flush starts as soon as this many events of one kind wait. */
  batchSize?: number;
  /** ...and at least this often while any wait. */
  flushIntervalMs?: number;
  log?: Pick<Log, 'warn'>;
}

export interface RecorderStats {
  buffered: number;
  written: number;
  /** Dropped because the buffer was full. */
  dropped: number;
  /** Lost because the store refused them (or failed otherwise than by being unavailable). */
  failed: number;
}

/** One kind of event: its buffer, its counters and its batch writer. */
class Lane<Event> {
  private pending: Event[] = [];
  private inFlight = 0;
  private flushing: Promise<void> | undefined;
  /** Whether the last write found the store down (logged once per outage, not per flush). */
  private storeDown = false;
  readonly stats: RecorderStats = { buffered: 0, written: 0, dropped: 0, failed: 0 };

  constructor(
    private readonly kind: string,
    private readonly write: (batch: Event[]) => Promise<void>,
    private readonly maxBuffered: number,
    private readonly batchSize: number,
    private readonly log: Pick<Log, 'warn'> | undefined,
  ) {}

  /** Adds an event; false (and counted) when the buffer is full. */
  push(event: Event): boolean {
    if (this.pending.length + this.inFlight >= this.maxBuffered) {
      this.stats.dropped++;
      return false;
    }
    this.pending.push(event);
    this.stats.buffered = this.pending.length + this.inFlight;
    if (this.pending.length >= this.batchSize) void this.flush();
    return true;
  }

  /** Writes everything buffered, batch by batch; one flush at a time. */
  flush(): Promise<void> {
    this.flushing ??= this.drain().finally(() => {
      this.flushing = undefined;
    });
    return this.flushing;
  }

  private async drain(): Promise<void> {
    while (this.pending.length) {
      const batch = this.pending.splice(0, this.batchSize);
      this.inFlight = batch.length;
      try {
        await this.write(batch);
        this.stats.written += batch.length;
        if (this.storeDown) this.log?.warn({ kind: this.kind }, 'analytics store answers again');
        this.storeDown = false;
      } catch (error) {
        if (error instanceof StoreUnavailableError) {
          // The store is down or did not answer: the batch goes back to the front (the bound
          // counted it while in flight, so it still holds) and waits for the next flush.
          this.pending.unshift(...batch);
          if (!this.storeDown) {
            this.log?.warn({ err: error, kind: this.kind }, 'analytics store unavailable; events buffered');
          }
          this.storeDown = true;
          return;
        }
        // A partial write kept the rest of the batch: count only what was lost.
        const lost =
          error instanceof PartialWriteError ? Math.min(error.dropped, batch.length) : batch.length;
        this.stats.written += batch.length - lost;
        this.stats.failed += lost;
        this.log?.warn({ err: error, kind: this.kind, events: batch.length, lost }, 'analytics events lost');
      } finally {
        this.inFlight = 0;
        this.stats.buffered = this.pending.length;
      }
    }
  }
}

export class AnalyticsRecorder {
  private readonly requests: Lane<RequestEvent>;
  private readonly views: Lane<ViewEvent>;
  private readonly timer: NodeJS.Timeout;
  private closed = false;

  constructor(
    private readonly port: AnalyticsPort,
    { maxBuffered = 50_000, batchSize = 1000, flushIntervalMs = 1000, log }: RecorderOptions = {},
  ) {
    this.requests = new Lane('requests', (batch) => port.recordRequests(batch), maxBuffered, batchSize, log);
    this.views = new Lane('views', (batch) => port.recordViews(batch), maxBuffered, batchSize, log);
    this.timer = setInterval(() => void this.flush(), flushIntervalMs);
    // The timer alone never keeps the process alive.
    this.timer.unref();
  }

  get engine() {
    return this.port.engine;
  }

  request(event: RequestEvent): boolean {
    return !this.closed && this.requests.push(event);
  }

  view(event: ViewEvent): boolean {
    return !this.closed && this.views.push(event);
  }

  /** Writes everything buffered so far (tests and shutdown; the timer does it otherwise). */
  async flush(): Promise<void> {
    await Promise.all([this.requests.flush(), this.views.flush()]);
  }

  stats(): { requests: RecorderStats; views: RecorderStats } {
    return { requests: { ...this.requests.stats }, views: { ...this.views.stats } };
  }

  /** Stops taking events and writes the rest. */
  async close(): Promise<void> {
    this.closed = true;
    clearInterval(this.timer);
    await this.flush();
    await this.port.close();
  }
}
