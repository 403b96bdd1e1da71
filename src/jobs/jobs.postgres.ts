// The jobs role on PostgreSQL or PGlite: the queue is the `jobs` table. Claiming uses
// FOR UPDATE SKIP LOCKED with a lease, so workers in several processes never take the
// same job twice while it runs, and a job whose worker died is taken again once its
// lease runs out. Finished jobs are deleted; failed ones retried with a growing delay.

import type { SqlDatabase } from '../engines/sql.ts';
import type { Log } from '../log.ts';
import {
  assertJobKey,
  JOB_KIND,
  type JobHandler,
  type JobPayload,
  type JobsPort,
  MAX_ATTEMPTS,
  retryDelayMs,
} from './jobs.port.ts';

interface ClaimedJob {
  id: number;
  kind: string;
  payload: JobPayload;
  attempts: number;
}

export interface SqlJobsOptions {
  log: Pick<Log, 'warn' | 'error'>;
  /** How often other processes' jobs are looked for; jobs enqueued here start at once. */
  pollMs?: number;
  batchSize?: number;
  /** A claimed job not finished by then is taken again (its worker is presumed dead). */
  leaseSeconds?: number;
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

export function createSqlJobs(
  db: SqlDatabase,
  { log, pollMs = 500, batchSize = 16, leaseSeconds = 60 }: SqlJobsOptions,
) {
  const handlers = new Map<string, JobHandler>();
  let running: Promise<void> | undefined;
  let stopping = false;
  let wake: (() => void) | undefined;

  const claim = () =>
    db.query<ClaimedJob>(
      `UPDATE jobs SET locked_until = now() + make_interval(secs => $2), attempts = attempts + 1
       WHERE id IN (
         SELECT id FROM jobs
         WHERE failed_at IS NULL AND run_at <= now() AND (locked_until IS NULL OR locked_until < now())
           AND kind = ANY($3::text[])
         ORDER BY run_at, id
         LIMIT $1
         FOR UPDATE SKIP LOCKED
       )
       RETURNING id, kind, payload, attempts`,
      [batchSize, leaseSeconds, [...handlers.keys()]],
    );

  async function runOne(job: ClaimedJob) {
    try {
      await (handlers.get(job.kind) as JobHandler)(job.payload);
      await db.query('DELETE FROM jobs WHERE id = $1', [job.id]);
    } catch (error) {
      const message = (error as Error).message ?? String(error);
      const giveUp = job.attempts >= MAX_ATTEMPTS;
      log[giveUp ? 'error' : 'warn'](
        { err: error, job: job.id, kind: job.kind, attempts: job.attempts },
        'job failed',
      );
      await db.query(
        `UPDATE jobs SET locked_until = NULL, last_error = $2,
           run_at = now() + make_interval(secs => $3), failed_at = CASE WHEN $4 THEN now() END
         WHERE id = $1`,
        [job.id, message.slice(0, 2000), retryDelayMs(job.attempts) / 1000, giveUp],
      );
    }
  }

  async function work(until: () => boolean) {
    while (!until()) {
      let batch: ClaimedJob[] = [];
      try {
        batch = await claim();
      } catch (error) {
        log.warn({ err: error }, 'could not claim jobs; retrying');
      }
      if (batch.length) {
        // A job whose outcome could not be recorded keeps its lease and is taken again later.
        await Promise.all(batch.map(runOne)).catch((error) =>
          log.warn({ err: error }, 'could not record a job'),
        );
        continue;
      }
      await new Promise<void>((resolve) => {
        wake = resolve;
        setTimeout(resolve, pollMs);
      });
      wake = undefined;
    }
  }

  const pending = async () => {
    const [row] = await db.query<{ n: number }>(
      'SELECT count(*)::int AS n FROM jobs WHERE failed_at IS NULL AND kind = ANY($1::text[])',
      [[...handlers.keys()]],
    );
    return row?.n ?? 0;
  };

  return {
    engine: db.engine,
    handle(kind, handler) {
      if (!JOB_KIND.test(kind)) throw new Error(`invalid job kind "${kind}"`);
      handlers.set(kind, handler);
    },
    async enqueue(kind, payload, { key } = {}) {
      assertJobKey(key);
      // A key already stored (waiting, running, retrying or set aside) keeps its one job.
      await db.query(
        `INSERT INTO jobs (kind, payload, key) VALUES ($1, $2, $3)
         ON CONFLICT (key) WHERE key IS NOT NULL DO NOTHING`,
        [kind, JSON.stringify(payload), key ?? null],
      );
      wake?.();
    },
    async start() {
      if (running) return;
      // PGlite is one process by construction (the data folder's lock): leases left by a
      // crashed run can be taken over at once instead of waiting for them to expire.
      if (db.engine === 'pglite')
        await db.query('UPDATE jobs SET locked_until = NULL WHERE locked_until IS NOT NULL');
      stopping = false;
      running = work(() => stopping);
    },
    async idle() {
      while ((await pending()) > 0) await sleep(20);
    },
    async close(drainMs = 5000) {
      if (!running) return;
      const deadline = Date.now() + drainMs;
      while (Date.now() < deadline && (await pending().catch(() => 0)) > 0) await sleep(20);
      stopping = true;
      wake?.();
      await running;
      running = undefined;
    },
    ping: () => db.ping(),
  } satisfies JobsPort;
}
