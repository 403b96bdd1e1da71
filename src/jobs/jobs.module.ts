// The jobs role and the event flow on it: the queue (BullMQ on Redis, or a table in the SQL
// database), the outboxes where facts wait with their writes (the accounts' database, and
// MongoDB's own when posts live there), the relay that turns their entries into jobs, and the
// EventBus every module publishes to and subscribes on.
import { EventBus } from '../events.ts';
import type { PlatformModule } from '../modules.ts';
import type { JobsPort } from './jobs.port.ts';
import { createSqlJobs } from './jobs.postgres.ts';
import type { OutboxPort } from './outbox.port.ts';
import { createSqlOutbox } from './outbox.postgres.ts';
import { createOutboxRelay, type OutboxRelay } from './outbox.relay.ts';

declare module '../modules.ts' {
  interface Provided {
    events: EventBus;
    /** The relay: its idle() waits for every outbox entry and job to be handled. */
    relay: OutboxRelay;
  }
}

export const jobsModule: PlatformModule = {
  name: 'jobs',
  async open(ctx) {
    const { config } = ctx;
    let queue: JobsPort;
    if (config.stores.jobs === 'redis') {
      const { createBullJobs } = await import('./jobs.bullmq.ts');
      queue = createBullJobs({
        url: config.urls.REDIS_URL as string,
        keyPrefix: config.keyPrefix,
        log: ctx.log,
      });
    } else {
      queue = createSqlJobs(ctx.sql('jobs'), { log: ctx.log });
    }
    const jobs = ctx.guard('jobs', queue);
    // Follow-up work of committed writes is stored with the store that holds the fact.
    const outboxes: OutboxPort[] = [createSqlOutbox(ctx.sql('accounts'))];
    if (config.stores.posts === 'mongo') {
      const { createMongoOutbox } = await import('./outbox.mongo.ts');
      outboxes.push(createMongoOutbox(ctx.engines.mongo()));
    }
    const relay = createOutboxRelay({
      jobs,
      outboxes,
      log: ctx.log,
      intervalMs: config.outbox.relayIntervalMs,
      leaseSeconds: config.outbox.leaseSeconds,
    });
    return {
      provides: { relay, events: new EventBus(relay, ctx.log) },
      probes: { jobs: { engine: config.stores.jobs, ping: () => jobs.ping() } },
      // Every module has subscribed by now: work, including on what an earlier run left.
      start: () => relay.start(),
      close: () => relay.close(),
    };
  },
};
