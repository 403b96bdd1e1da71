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

  // Relations of the caller towards another user: PUT makes one, DELETE removes it, both
  // idempotent, both 204. A follow across a block is 403 `blocked`.
  const errors = errorReplies(400, 401, 404, 429);
  const relationRoutes = [
    {
      relation: 'follow',
      method: 'PUT',
      summary: 'Follow a user (idempotent; 403 blocked when either has blocked the other)',
      act: 'follow',
      errors: errorReplies(400, 401, 403, 404, 429),
    },
    {
      relation: 'follow',
      method: 'DELETE',
      summary: 'Unfollow a user (idempotent)',
      act: 'unfollow',
      errors,
    },
    {
      relation: 'block',
      method: 'PUT',
      summary: 'Block a user (idempotent): the follows between you end both ways, and neither sees the other',
      act: 'block',
      errors,
    },
    { relation: 'block', method: 'DELETE', summary: 'Unblock a user (idempotent)', act: 'unblock', errors },
    {
      relation: 'mute',
      method: 'PUT',
      summary: 'Mute a user (idempotent): their posts leave your home feed; they are not told',
      act: 'mute',
      errors,
    },
    { relation: 'mute', method: 'DELETE', summary: 'Unmute a user (idempotent)', act: 'unmute', errors },
  ] as const;
  for (const { relation, method, summary, act, errors } of relationRoutes) {
    app.route({
      method,
      url: `/users/:id/${relation}`,
      ...signedIn,
      schema: { tags: ['graph'], summary, security: bearerAuth, params: UserIdParams, response: errors },
      handler: async (request, reply) => {
        await graph[act](sessionOf(request).userId, request.params.id);
        return reply.status(204).send();
      },
    });
  }

  // The caller's own blocks and mutes: nobody else may read them.
  for (const list of ['blocks', 'mutes'] as const) {
    app.get(
      `/me/${list}`,
      {
        ...signedIn,
        schema: {
          tags: ['graph'],
          summary: `Whom you ${list === 'blocks' ? 'blocked' : 'muted'}, newest first`,
          security: bearerAuth,
          querystring: ListQuery,
          response: { 200: ProfilePageReply, ...errorReplies(400, 401) },
        },
      },
      async (request) => {
        const { userId } = sessionOf(request);
        return graph.list(list, userId, request.query.limit, request.query.cursor);
      },
    );
  }

  // Anyone may read these; a signed-in caller does not see the users with a block between them.
  for (const [list, summary] of [
    ['followers', "A user's followers, newest first"],
    ['following', 'Whom a user follows, newest first'],
  ] as const) {
    app.get(
      `/users/:id/${list}`,
      {
        onRequest: auth.optionalSession,
        schema: {
          tags: ['graph'],
          summary,
          params: UserIdParams,
          querystring: ListQuery,
          response: { 200: ProfilePageReply, ...errorReplies(400, 401, 404) },
        },
      },
      async (request) =>
        graph.list(
          list,
          request.params.id,
          request.query.limit,
          request.query.cursor,
          request.session?.userId,
        ),
    );
  }

  app.get(
    '/users/:id/relationship',
    {
      ...signedIn,
      schema: {
        tags: ['graph'],
        summary: 'Whether you follow, block or mute this user, and whether they follow or block you',
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
