// Moves outbox entries into the jobs role and removes each once its handler has completed.
//   - After a write commits, the service calls relayNow(): a pass runs in the background at
//     once (best effort: a queue that is down never fails the request that committed).
//   - A periodic pass (every `intervalMs`) takes the entries whose lease ran out: those whose
//     relay failed, whose job was lost with the queue's data, or whose handler has not
//     completed within the lease. Claiming pushes the lease forward (FOR UPDATE SKIP LOCKED on
//     SQL), so several API processes share the passes.
//   - A job carries its entry's origin; the handler wrapper deletes the entry after the
//     handler completed. Handlers are idempotent: an entry may run more than once.
// One mechanism serves every queue: with the SQL queue in the same database the outbox insert
// could have been the job insert itself, but then BullMQ and the SQL queue would take two
// paths with two sets of failure modes; one extra row per reaction buys one path, tested once.
// Jobs are keyed by their entry, so an entry relayed again while its job still waits or
// retries adds no second job.
import type { Log } from '../log.ts';
import { outsideReads } from '../read-your-writes.ts';
import type { JobHandler, JobPayload, JobsPort } from './jobs.port.ts';
import type { OutboxEntry, OutboxPort } from './outbox.port.ts';

/** The payload field naming the outbox entry a job came from: `<store>:<id>`. */
const ORIGIN = '_outbox';

export interface OutboxRelayOptions {
  jobs: JobsPort;
  outboxes: readonly OutboxPort[];
  log: Pick<Log, 'warn'>;
  /** How often entries whose lease ran out are looked for. */
  intervalMs: number;
  /** An entry relayed but not completed within this is relayed again. */
  leaseSeconds: number;
  batchSize?: number;
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

export function createOutboxRelay({
  jobs,
  outboxes,
  log,
  intervalMs,
  leaseSeconds,
  batchSize = 100,
}: OutboxRelayOptions) {
  const byStore = new Map(outboxes.map((outbox) => [outbox.store, outbox]));
  let timer: NodeJS.Timeout | undefined;
  let passing: Promise<void> | undefined;
  let again = false;

  const relayOne = (outbox: OutboxPort, entry: OutboxEntry) =>
    jobs.enqueue(
      entry.kind,
      { ...entry.payload, [ORIGIN]: `${outbox.store}:${entry.id}` },
      { key: `outbox-${outbox.store}-${entry.id}` },
    );

  async function drain(outbox: OutboxPort): Promise<void> {
    for (;;) {
      const due = await outbox.claimDue(batchSize, leaseSeconds);
      const results = await Promise.allSettled(due.map((entry) => relayOne(outbox, entry)));
      const failed = due.filter((_, i) => results[i]?.status === 'rejected');
      if (failed.length) {
        log.warn(
          { err: (results.find((r) => r.status === 'rejected') as PromiseRejectedResult).reason },
          'could not hand outbox entries to the jobs queue; they are relayed again later',
        );
        // Due again at the next pass instead of at the end of their lease.
        await Promise.all(failed.map((entry) => outbox.release(entry.id)));
        return;
      }
      if (due.length < batchSize) return;
    }
  }

  async function pass(): Promise<void> {
    for (const outbox of outboxes) {
      await drain(outbox).catch((error) =>
        log.warn({ err: error, store: outbox.store }, 'outbox relay failed'),
      );
    }
  }

  /** Runs a pass now, or once more after the running one (an entry may have committed since it claimed). */
  function relayNow(): void {
    if (!timer) return;
    if (passing) {
      again = true;
      return;
    }
    passing = (async () => {
      do {
        again = false;
        await pass();
      } while (again && timer);
    })().finally(() => {
      passing = undefined;
    });
  }

  const pending = async () => {
    const counts = await Promise.all(outboxes.map((outbox) => outbox.pending()));
    return counts.reduce((sum, n) => sum + n, 0);
  };

  return {
    relayNow,

    /** Registers a job handler; a job that came from an outbox entry removes it once the handler completed. */
    handle(kind: string, handler: JobHandler): void {
      jobs.handle(kind, async (payload: JobPayload) => {
        const { [ORIGIN]: origin, ...own } = payload;
        // A job reads in order to write: never from a replica, even when a read woke it.
        await outsideReads(() => handler(own));
        if (typeof origin !== 'string') return;
        const [store, id] = origin.split(':') as [OutboxPort['store'], string];
        await byStore.get(store)?.complete(id);
      });
    },

    /** Starts the jobs worker and the periodic pass; relays what an earlier run left at once. */
    async start(): Promise<void> {
      await jobs.start();
      if (timer) return;
      timer = setInterval(relayNow, intervalMs);
      timer.unref();
      relayNow();
    },

    /** Resolves once every outbox entry has been handled and no job is waiting or running. */
    async idle(): Promise<void> {
      for (;;) {
        await passing;
        if ((await pending()) === 0) {
          await jobs.idle();
          if ((await pending()) === 0) return;
        }
        relayNow();
        await sleep(20);
      }
    },

    /** Stops relaying, then the jobs worker (after the jobs due, for at most `drainMs`); entries left stay stored. */
    async close(drainMs?: number): Promise<void> {
      clearInterval(timer);
      timer = undefined;
      await passing;
      await jobs.close(drainMs);
    },
  };
}

export type OutboxRelay = ReturnType<typeof createOutboxRelay>;
