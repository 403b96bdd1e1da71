// The jobs role: work done after the request that caused it (feed fan-out, updating
// denormalised copies). A job accepted is never lost: it is stored before
// enqueue() resolves, and runs at least once, across restarts. Handlers must therefore
// be idempotent: running one twice must leave the same state as running it once.

export type JobPayload = Record<string, unknown>;
export type JobHandler = (payload: JobPayload) => Promise<void>;

export interface EnqueueOptions {
  /** 1-200 characters of letters, digits, '-' and '_'. */
  key?: string;
}

export interface JobsPort {
  readonly engine: 'pglite' | 'postgres' | 'redis';
  /** Registers the handler of one kind of job; call before start(). */
  handle(kind: string, handler: JobHandler): void;
  /**
   * Stores a job durably; it runs once a worker is started (here or in another process).
   * A job with a `key` is stored once: enqueueing a key whose job still waits, runs, retries
   * or was set aside after failing adds nothing (a completed job's key is free again).
   */
  enqueue(kind: string, payload: JobPayload, options?: EnqueueOptions): Promise<void>;
  /** Starts working on stored jobs, including those left by an earlier run. */
  start(): Promise<void>;
  /** Resolves once no job of a handled kind is waiting, retrying or running. */
  idle(): Promise<void>;
  /** Stops taking jobs, after finishing those due (for at most `drainMs`); the rest stay stored. */
  close(drainMs?: number): Promise<void>;
  ping(): Promise<void>;
}

/** How often a failed job is tried before it is set aside (kept, with its last error). */
export const MAX_ATTEMPTS = 8;

/** Wait before retry n (1-based): 1 s, 4 s, 9 s, ... capped at 5 minutes. */
export const retryDelayMs = (attempt: number) => Math.min(attempt * attempt * 1000, 300_000);

export const JOB_KIND = /^[a-z][a-z0-9_.-]{0,63}$/;

/** A job key: no ':' and not all digits, which BullMQ refuses as a custom job id. */
export const JOB_KEY = /^(?!\d+$)[A-Za-z0-9_-]{1,200}$/;

export function assertJobKey(key: string | undefined): void {
  if (key !== undefined && !JOB_KEY.test(key)) throw new Error(`invalid job key "${key}"`);
}
