// Records every API request (route pattern, method, status, response time) into the buffered
// recorder from an onResponse hook: after the reply has gone, and only an array push.
import type { FastifyInstance } from 'fastify';
import type { AnalyticsRecorder } from './analytics.recorder.ts';

/** Requests that matched no route share one pattern, so scanners cannot create series. */
export const UNMATCHED_ROUTE = '(unmatched)';

export function recordApiRequests(app: FastifyInstance, recorder: AnalyticsRecorder): void {
  // A callback hook rather than an async one: no promise per request on the hot path.
  app.addHook('onResponse', (request, reply, done) => {
    if (!request.url.startsWith('/api/')) return done();
    recorder.request({
      at: new Date(),
      route: request.routeOptions.url ?? UNMATCHED_ROUTE,
      method: request.method,
      status: reply.statusCode,
      durationMs: reply.elapsedTime,
    });
    done();
  });
}
