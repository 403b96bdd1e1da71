// HTTP route of the home feed: validate, call the service, shape the reply.
import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { type AuthHooks, sessionOf } from '../http/auth.ts';
import { bearerAuth, errorReplies } from '../http/schemas.ts';
import { DEGRADED_HEADER, FeedPageReply, FeedQuery } from './feed.schemas.ts';
import type { FeedService } from './feed.service.ts';

export interface FeedRoutesOptions {
  feed: FeedService;
  auth: AuthHooks;
}

export const feedRoutes: FastifyPluginAsyncTypebox<FeedRoutesOptions> = async (app, { feed, auth }) => {
  app.get(
    '/feed',
    {
      onRequest: auth.requireSession,
      schema: {
        tags: ['feed'],
        summary:
          'The home feed: posts by the accounts you follow and your own, newest first (header x-feed-degraded when served without the cache)',
        security: bearerAuth,
        querystring: FeedQuery,
        response: { 200: FeedPageReply, ...errorReplies(400, 401, 429, 503) },
      },
    },
    async (request, reply) => {
      const { degraded, ...page } = await feed.page(
        sessionOf(request).userId,
        request.query.limit,
        request.query.cursor,
      );
      if (degraded) reply.header(DEGRADED_HEADER, 'cache-unavailable');
      return page;
    },
  );
};
