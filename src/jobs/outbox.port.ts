// The transactional outbox: follow-up work of a write (a reaction: a job kind and its payload)
// is stored by the store that holds the fact, in the same transaction as the fact. A rolled
// back write leaves no reaction; a committed one keeps its reactions until their handlers have
// completed, whatever happens to the queue meanwhile (a Redis without persistence that
// restarts empty loses jobs, never reactions). The relay (outbox.relay.ts) moves due entries
// into the jobs role and the job's wrapper removes the entry once its handler has completed.
import type { JobPayload } from './jobs.port.ts';

/** Work to run as a job after a fact committed. */
export interface Reaction {
  kind: string;
  payload: JobPayload;
}

export interface OutboxEntry extends Reaction {
  id: string;
}

/** One store's outbox, as the relay sees it. */
export interface OutboxPort {
  /** Names this outbox in job keys and payloads: 'sql' or 'mongo'. */
  readonly store: 'sql' | 'mongo';
  /**
   * Claims up to `limit` due entries by pushing their lease `leaseSeconds` forward, so that
   * several processes relaying at once never take the same entry while its lease runs.
   */
  claimDue(limit: number, leaseSeconds: number): Promise<OutboxEntry[]>;
  /** Makes a claimed entry due again now: handing it to the queue failed. */
  release(id: string): Promise<void>;
  /** Removes an entry whose handler has completed (a no-op when it is gone already). */
  complete(id: string): Promise<void>;
  /** How many entries wait for relaying or for their handler. */
  pending(): Promise<number>;
}
