// Retention of the SQL analytics tables: every `intervalSeconds` (and once at start) the events
// older than their retention are deleted, as InfluxDB's retention policies do by themselves.
// Each process runs it; the deletes are idempotent and split between processes (SKIP LOCKED),
// so no process needs to be the one in charge.

import type { AnalyticsRetention } from '../config.ts';
import type { Log } from '../log.ts';
import type { AnalyticsPort } from './analytics.port.ts';

export interface RetentionTask {
  /** Runs one pass now (also what the timer runs). */
  runOnce(): Promise<void>;
  /** Stops the timer and waits for a pass under way. */
  stop(): Promise<void>;
}

export function scheduleRetention(
  analytics: AnalyticsPort,
  { viewsHours, requestsDays, intervalSeconds }: AnalyticsRetention,
  log: Pick<Log, 'warn' | 'info'>,
): RetentionTask {
  let running: Promise<void> | undefined;
  const runOnce = (): Promise<void> => {
    if (!analytics.deleteExpired) return Promise.resolve();
    running ??= analytics
      .deleteExpired({ viewsSeconds: viewsHours * 3600, requestsSeconds: requestsDays * 86_400 })
      .then((deleted) => {
        if (deleted.views || deleted.requests) log.info({ deleted }, 'expired analytics events deleted');
      })
      .catch((error) =>
        log.warn({ err: error }, 'could not delete expired analytics events; next pass retries'),
      )
      .finally(() => {
        running = undefined;
      });
    return running;
  };
  const timer = analytics.deleteExpired ? setInterval(runOnce, intervalSeconds * 1000) : undefined;
  timer?.unref();
  return {
    runOnce,
    async stop() {
      clearInterval(timer);
      await running;
    },
  };
}
