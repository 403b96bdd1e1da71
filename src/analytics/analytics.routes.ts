// HTTP routes of analytics: validate, call the service, shape the reply.
import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { type AuthHooks, sessionOf } from '../http/auth.ts';
import { bearerAuth, errorReplies } from '../http/schemas.ts';
import { PostIdParams } from '../posts/posts.schemas.ts';
import {
  EndpointMetricsQuery,
  EndpointMetricsReply,
  TrendingQuery,
  TrendingReply,
  ViewReply,
} from './analytics.schemas.ts';
import type { AnalyticsService } from './analytics.service.ts';

export interface AnalyticsRoutesOptions {
  analytics: AnalyticsService;
  auth: AuthHooks;
}

export const analyticsRoutes: FastifyPluginAsyncTypebox<AnalyticsRoutesOptions> = async (
  app,
  { analytics, auth },
) => {
  const tags = ['analytics'];

  app.post(
    '/posts/:id/views',
    {
      onRequest: auth.requireSession,
      schema: {
        tags,
        summary: 'Count a view of a post (once per viewer and post within 5 minutes)',
        security: bearerAuth,
        params: PostIdParams,
        response: { 202: ViewReply, ...errorReplies(400, 401, 404, 429) },
      },
    },
    async (request, reply) =>
      reply.status(202).send({ counted: await analytics.view(sessionOf(request).userId, request.params.id) }),
  );

  app.get(
    '/trending',
    {
      onRequest: auth.optionalCountedSession,
      schema: {
        tags,
        summary: 'The most viewed posts of the last hours, with their views (user_has_liked when signed in)',
        querystring: TrendingQuery,
        response: { 200: TrendingReply, ...errorReplies(400, 401, 429) },
      },
    },
    async (request) => ({
      items: await analytics.trending(request.session?.userId, request.query.hours, request.query.limit),
      next_cursor: null,
    }),
  );

  app.get(
    '/metrics/endpoints',
    {
      onRequest: auth.requireCountedSession,
      schema: {
        tags,
        summary:
          'Per route and method, per time bucket: requests, error rate, mean, p50, p95, p99 latency (operators only)',
        security: bearerAuth,
        querystring: EndpointMetricsQuery,
        response: { 200: EndpointMetricsReply, ...errorReplies(400, 401, 403, 429) },
      },
    },
    async (request) =>
      analytics.endpointMetrics(sessionOf(request).userId, request.query.window, request.query.every),
  );
};
