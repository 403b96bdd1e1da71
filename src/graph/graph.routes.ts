// HTTP routes of the social graph: validate, call the service, shape the reply.
import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { type AuthHooks, sessionOf } from '../http/auth.ts';
import { bearerAuth, errorReplies, UserIdParams } from '../http/schemas.ts';
import {
  ListQuery,
  ProfilePageReply,
  RelationshipReply,
  SuggestionsPageReply,
  TopQuery,
} from './graph.schemas.ts';
import type { GraphService } from './graph.service.ts';

export interface GraphRoutesOptions {
  graph: GraphService;
  auth: AuthHooks;
}

export const graphRoutes: FastifyPluginAsyncTypebox<GraphRoutesOptions> = async (app, { graph, auth }) => {
  const signedIn = { onRequest: auth.requireSession };

  // PUT follows, DELETE unfollows: the same relation, both idempotent, both 204.
  const followRoutes = [
    { method: 'PUT', summary: 'Follow a user (idempotent)', act: graph.follow.bind(graph) },
    { method: 'DELETE', summary: 'Unfollow a user (idempotent)', act: graph.unfollow.bind(graph) },
  ] as const;
  for (const { method, summary, act } of followRoutes) {
    app.route({
      method,
      url: '/users/:id/follow',
      ...signedIn,
      schema: {
        tags: ['graph'],
        summary,
        security: bearerAuth,
        params: UserIdParams,
        response: errorReplies(400, 401, 404, 429),
      },
      handler: async (request, reply) => {
        await act(sessionOf(request).userId, request.params.id);
        return reply.status(204).send();
      },
    });
  }

  app.get(
    '/users/:id/followers',
    {
      schema: {
        tags: ['graph'],
        summary: "A user's followers, newest first",
        params: UserIdParams,
        querystring: ListQuery,
        response: { 200: ProfilePageReply, ...errorReplies(400, 404) },
      },
    },
    async (request) => graph.list('followers', request.params.id, request.query.limit, request.query.cursor),
  );

  app.get(
    '/users/:id/following',
    {
      schema: {
        tags: ['graph'],
        summary: 'Whom a user follows, newest first',
        params: UserIdParams,
        querystring: ListQuery,
        response: { 200: ProfilePageReply, ...errorReplies(400, 404) },
      },
    },
    async (request) => graph.list('following', request.params.id, request.query.limit, request.query.cursor),
  );

  app.get(
    '/users/:id/relationship',
    {
      ...signedIn,
      schema: {
        tags: ['graph'],
        summary: 'Whether you follow this user, and whether they follow you',
        security: bearerAuth,
        params: UserIdParams,
        response: { 200: RelationshipReply, ...errorReplies(400, 401, 404) },
      },
    },
    async (request) => graph.relationship(sessionOf(request).userId, request.params.id),
  );

  app.get(
    '/users/:id/common-following',
    {
      ...signedIn,
      schema: {
        tags: ['graph'],
        summary: 'Accounts both you and this user follow (top N by id; next_cursor is null)',
        security: bearerAuth,
        params: UserIdParams,
        querystring: TopQuery,
        response: { 200: ProfilePageReply, ...errorReplies(400, 401, 404) },
      },
    },
    async (request) =>
      graph.commonFollowing(sessionOf(request).userId, request.params.id, request.query.limit),
  );

  app.get(
    '/me/suggestions',
    {
      ...signedIn,
      schema: {
        tags: ['graph'],
        summary: 'Whom to follow: friends of friends by connection strength (top N; next_cursor is null)',
        security: bearerAuth,
        querystring: TopQuery,
        response: { 200: SuggestionsPageReply, ...errorReplies(400, 401) },
      },
    },
    async (request) => graph.suggestions(sessionOf(request).userId, request.query.limit),
  );
};
