// The jobs role on Redis through BullMQ: one queue, jobs named by kind. BullMQ keeps
// a job until a worker acknowledges it, retries failures with exponential backoff,
// and takes back jobs whose worker died (stalled-job detection).
// Jobs are as durable as the Redis behind them: run Redis with AOF (appendonly yes)
// and maxmemory-policy noeviction, as compose.yaml does.
import { once } from 'node:events';
import { Queue, Worker } from 'bullmq';
import { connectRedis, type RedisClient } from '../engines/redis.ts';
import type { Log } from '../log.ts';
import { assertJobKey, JOB_KIND, type JobHandler, type JobsPort, MAX_ATTEMPTS } from './jobs.port.ts';

const QUEUE = 'jobs';

export interface BullJobsOptions {
  /** REDIS_URL: one server, or redis+cluster:// for a Redis Cluster. */
  url: string;
  /** The deployment's key prefix; the braces make {jobs} the hash tag, so on Redis Cluster every queue key shares one slot. */
  keyPrefix: string;
  log: Pick<Log, 'warn' | 'error'>;
  concurrency?: number;
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

export function createBullJobs({ url, keyPrefix, log, concurrency = 8 }: BullJobsOptions) {
  const prefix = `${keyPrefix}{jobs}`;
  // BullMQ's blocking worker connection must never give up on a command (maxRetriesPerRequest: null);
  // ioredis' own keyPrefix would break BullMQ's scripts, so the prefix goes through BullMQ's option.
  const connect = () => connectRedis(url, { maxRetriesPerRequest: null });
  // Enqueueing fails fast while Redis is down (the request gets a 503) instead of
  // waiting in a client-side buffer that a crash would lose.
  const queueConnection = connectRedis(url, { enableOfflineQueue: false });
  queueConnection.on('error', () => {});
  // Connected on first use. With Redis down this gives up after a few seconds (the command
  // then fails fast), and ioredis keeps reconnecting in the background.
  const connected = async () => {
    if (queueConnection.status === 'ready') return;
    if (queueConnection.status === 'wait') queueConnection.connect().catch(() => {});
    await Promise.race([once(queueConnection, 'ready').catch(() => {}), sleep(3000)]);
  };
  const queue = new Queue(QUEUE, { connection: queueConnection, prefix });
  queue.on('error', (error) => log.warn({ err: error }, 'jobs queue connection error'));
  const handlers = new Map<string, JobHandler>();
  let worker: Worker | undefined;
  let workerConnection: RedisClient | undefined;

  return {
    engine: 'redis',
    handle(kind, handler) {
      if (!JOB_KIND.test(kind)) throw new Error(`invalid job kind "${kind}"`);
      handlers.set(kind, handler);
    },
    async enqueue(kind, payload, { key } = {}) {
      assertJobKey(key);
      await connected();
      await queue.add(kind, payload, {
        // BullMQ ignores an add whose job id exists (waiting, active, delayed or kept as failed).
        ...(key ? { jobId: key } : {}),
        attempts: MAX_ATTEMPTS,
        backoff: { type: 'exponential', delay: 1000 },
        removeOnComplete: true,
        // Failed jobs are kept (the newest thousand) for inspection, as the SQL queue keeps them.
        removeOnFail: 1000,
      });
    },
    async start() {
      if (worker) return;
      await connected();
      workerConnection = connect();
      workerConnection.on('error', () => {});
      worker = new Worker(
        QUEUE,
        async (job) => {
          const handler = handlers.get(job.name);
          if (!handler) throw new Error(`no handler for job kind "${job.name}"`);
          await handler(job.data);
        },
        { connection: workerConnection, prefix, concurrency },
      );
      worker.on('failed', (job, error) =>
        log.warn({ err: error, job: job?.id, kind: job?.name, attempts: job?.attemptsMade }, 'job failed'),
      );
      // Not awaiting readiness: with Redis down at start the platform still starts (and
      // /healthz names the jobs role); the worker connects when Redis is back.
      worker.on('error', (error) => log.warn({ err: error }, 'jobs worker error'));
    },
    async idle() {
      await connected();
      for (;;) {
        const counts = await queue.getJobCounts('waiting', 'active', 'delayed', 'prioritized');
        if (Object.values(counts).every((n) => n === 0)) return;
        await sleep(20);
      }
    },
    async close(drainMs = 5000) {
      const deadline = Date.now() + drainMs;
      if (worker) {
        while (Date.now() < deadline) {
          const counts = await queue.getJobCounts('waiting', 'active').catch(() => ({}));
          if (Object.values(counts).every((n) => n === 0)) break;
          await sleep(20);
        }
        // Waits for the jobs it is running; jobs not started stay in Redis for the next start.
        await worker.close();
        worker = undefined;
        // BullMQ leaves connections it was given open.
        await workerConnection?.quit().catch(() => workerConnection?.disconnect());
      }
      await queue.close();
      await queueConnection.quit().catch(() => queueConnection.disconnect());
    },
    async ping() {
      await connected();
      await queueConnection.ping();
    },
  } satisfies JobsPort;
}
