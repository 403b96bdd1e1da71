// HTTP routes of posts, comments and likes: validate, call the service, shape the reply.
import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { type AuthHooks, sessionOf } from '../http/auth.ts';
import { bearerAuth, errorReplies, PageQuery } from '../http/schemas.ts';
import {
  AuthorPostsParams,
  CommentEditBody,
  CommentIdParams,
  CommentPageReply,
  CommentReply,
  NewCommentBody,
  NewPostBody,
  PostIdParams,
  PostPatchBody,
  PostReply,
  TimelinePageReply,
} from './posts.schemas.ts';
import type { PostsService } from './posts.service.ts';

export interface PostsRoutesOptions {
  posts: PostsService;
  auth: AuthHooks;
}

export const postsRoutes: FastifyPluginAsyncTypebox<PostsRoutesOptions> = async (app, { posts, auth }) => {
  const signedIn = { onRequest: auth.requireSession };
  const tags = ['posts'];

  app.post(
    '/posts',
    {
      ...signedIn,
      schema: {
        tags,
        summary: 'Write a post',
        security: bearerAuth,
        body: NewPostBody,
        response: { 201: PostReply, ...errorReplies(400, 401, 413, 429) },
      },
    },
    async (request, reply) =>
      reply.status(201).send(await posts.create(sessionOf(request).userId, request.body)),
  );

  app.get(
    '/posts/:id',
    {
      schema: {
        tags,
        summary: 'A post with its newest 50 comments embedded',
        params: PostIdParams,
        response: { 200: PostReply, ...errorReplies(400, 404) },
      },
      onRequest: auth.optionalSession,
    },
    async (request) => posts.view(request.session?.userId, request.params.id),
  );

  app.patch(
    '/posts/:id',
    {
      ...signedIn,
      schema: {
        tags,
        summary: 'Change your post: a JSON Merge Patch of content, media_urls and attributes',
        security: bearerAuth,
        params: PostIdParams,
        body: PostPatchBody,
        response: { 200: PostReply, ...errorReplies(400, 401, 403, 404, 413, 429) },
      },
    },
    async (request) => posts.update(sessionOf(request).userId, request.params.id, request.body),
  );

  app.delete(
    '/posts/:id',
    {
      ...signedIn,
      schema: {
        tags,
        summary: 'Delete your post, with its comments and likes',
        security: bearerAuth,
        params: PostIdParams,
        response: errorReplies(400, 401, 403, 404, 429),
      },
    },
    async (request, reply) => {
      await posts.delete(sessionOf(request).userId, request.params.id);
      return reply.status(204).send();
    },
  );

  app.post(
    '/posts/:id/comments',
    {
      ...signedIn,
      schema: {
        tags,
        summary: 'Comment on a post',
        security: bearerAuth,
        params: PostIdParams,
        body: NewCommentBody,
        response: { 201: CommentReply, ...errorReplies(400, 401, 404, 413, 429) },
      },
    },
    async (request, reply) =>
      reply
        .status(201)
        .send(await posts.addComment(sessionOf(request).userId, request.params.id, request.body.text)),
  );

  app.get(
    '/posts/:id/comments',
    {
      schema: {
        tags,
        summary: "A post's comments, newest first",
        params: PostIdParams,
        querystring: PageQuery,
        response: { 200: CommentPageReply, ...errorReplies(400, 404) },
      },
      onRequest: auth.optionalSession,
    },
    async (request) =>
      posts.comments(request.session?.userId, request.params.id, request.query.limit, request.query.cursor),
  );

  app.patch(
    '/posts/:id/comments/:comment_id',
    {
      ...signedIn,
      schema: {
        tags,
        summary: 'Change the text of your comment',
        security: bearerAuth,
        params: CommentIdParams,
        body: CommentEditBody,
        response: { 200: CommentReply, ...errorReplies(400, 401, 403, 404, 413, 429) },
      },
    },
    async (request) =>
      posts.editComment(
        sessionOf(request).userId,
        request.params.id,
        request.params.comment_id,
        request.body.text,
      ),
  );

  app.delete(
    '/posts/:id/comments/:comment_id',
    {
      ...signedIn,
      schema: {
        tags,
        summary: "Delete a comment (its author or the post's author)",
        security: bearerAuth,
        params: CommentIdParams,
        response: errorReplies(400, 401, 403, 404, 429),
      },
    },
    async (request, reply) => {
      await posts.deleteComment(sessionOf(request).userId, request.params.id, request.params.comment_id);
      return reply.status(204).send();
    },
  );

  // PUT likes, DELETE unlikes: one relation, both idempotent, both 204.
  // PUT reposts, DELETE takes the repost back: the same shape.
  const relationRoutes = [
    {
      method: 'PUT',
      url: '/posts/:id/like',
      summary: 'Like a post (idempotent)',
      act: posts.like.bind(posts),
    },
    {
      method: 'DELETE',
      url: '/posts/:id/like',
      summary: 'Take back your like (idempotent)',
      act: posts.unlike.bind(posts),
    },
    {
      method: 'PUT',
      url: '/posts/:id/repost',
      summary: "Repost a post to your followers' home feeds (idempotent, one per user)",
      act: posts.repost.bind(posts),
    },
    {
      method: 'DELETE',
      url: '/posts/:id/repost',
      summary: 'Take back your repost (idempotent)',
      act: posts.unrepost.bind(posts),
    },
  ] as const;
  for (const { method, url, summary, act } of relationRoutes) {
    app.route({
      method,
      url,
      ...signedIn,
      schema: {
        tags,
        summary,
        security: bearerAuth,
        params: PostIdParams,
        response: errorReplies(400, 401, 404, 429),
      },
      handler: async (request, reply) => {
        await act(sessionOf(request).userId, request.params.id);
        return reply.status(204).send();
      },
    });
  }

  app.get(
    '/users/:id/posts',
    {
      onRequest: auth.optionalSession,
      schema: {
        tags,
        summary: "A user's posts, newest first (user_has_liked for a signed-in caller)",
        params: AuthorPostsParams,
        querystring: PageQuery,
        response: { 200: TimelinePageReply, ...errorReplies(400, 401, 404) },
      },
    },
    async (request) =>
      posts.timeline(request.session?.userId, request.params.id, request.query.limit, request.query.cursor),
  );
};
