// HTTP routes of accounts, profiles and sessions: validate, call a service, shape the reply.
import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import type { RateLimiter } from '../cache/rate-limiter.ts';
import { type AuthHooks, sessionOf } from '../http/auth.ts';
import { sendRateLimitHeaders } from '../http/rate-limit-headers.ts';
import { bearerAuth, errorReplies, Page, UserIdParams } from '../http/schemas.ts';
import {
  AccountDeletionBody,
  AccountReply,
  LogInBody,
  MeReply,
  PasswordChangeBody,
  ProfileChangesBody,
  ProfileSummaryReply,
  PublicProfileReply,
  SearchQuery,
  SessionReply,
  SignUpBody,
} from './accounts.schemas.ts';
import type { AccountsService } from './accounts.service.ts';
import type { SessionsService } from './sessions.service.ts';

export interface AccountsRoutesOptions {
  accounts: AccountsService;
  sessions: SessionsService;
  limiter: RateLimiter;
  auth: AuthHooks;
}

export const accountsRoutes: FastifyPluginAsyncTypebox<AccountsRoutesOptions> = async (
  app,
  { accounts, sessions, limiter, auth },
) => {
  const signedIn = { onRequest: auth.requireSession };
  // Signing out and changing the password: never refused by the general write limit.
  const securing = { onRequest: auth.requireSessionToSecure };

  app.post(
    '/accounts',
    {
      schema: {
        tags: ['accounts'],
        summary: 'Sign up',
        body: SignUpBody,
        response: { 201: AccountReply, ...errorReplies(400, 409, 429) },
      },
      onRequest: async (request, reply) => {
        sendRateLimitHeaders(reply, await limiter.hit('signupPerAddress', request.ip));
      },
    },
    async (request, reply) => reply.status(201).send(await accounts.signUp(request.body)),
  );

  app.post(
    '/sessions',
    {
      schema: {
        tags: ['sessions'],
        summary: 'Sign in: a bearer token for the Authorization header',
        body: LogInBody,
        response: { 201: SessionReply, ...errorReplies(400, 401, 429) },
      },
      onRequest: async (request, reply) => {
        sendRateLimitHeaders(reply, await limiter.hit('loginPerAddress', request.ip));
      },
    },
    async (request, reply) => {
      const { email, password, device_token } = request.body;
      const { session, ...signedIn } = await sessions.logIn({
        email,
        password,
        address: request.ip,
        deviceToken: device_token,
      });
      // From here on the request acts for the new session: its write is the person's own.
      request.session = session;
      return reply.status(201).send(signedIn);
    },
  );

  app.delete(
    '/sessions/current',
    {
      ...securing,
      schema: { tags: ['sessions'], summary: 'Sign out', security: bearerAuth, response: errorReplies(401) },
    },
    async (request, reply) => {
      await sessions.endSession(sessionOf(request));
      return reply.status(204).send();
    },
  );

  app.delete(
    '/sessions',
    {
      ...securing,
      schema: {
        tags: ['sessions'],
        summary: 'Sign out everywhere',
        security: bearerAuth,
        response: errorReplies(401),
      },
    },
    async (request, reply) => {
      await sessions.endAllSessions(sessionOf(request).userId);
      return reply.status(204).send();
    },
  );

  app.get(
    '/me',
    {
      ...signedIn,
      schema: {
        tags: ['accounts'],
        summary: 'Your own account, with your order count',
        security: bearerAuth,
        response: { 200: MeReply, ...errorReplies(401) },
      },
    },
    async (request) => accounts.me(sessionOf(request).userId),
  );

  app.patch(
    '/me',
    {
      ...signedIn,
      schema: {
        tags: ['accounts'],
        summary: 'Change your name, bio or avatar',
        security: bearerAuth,
        body: ProfileChangesBody,
        response: { 200: AccountReply, ...errorReplies(400, 401, 429) },
      },
    },
    async (request) => accounts.updateMe(sessionOf(request).userId, request.body),
  );

  app.put(
    '/me/password',
    {
      ...securing,
      schema: {
        tags: ['accounts'],
        summary: 'Change your password; every other session ends',
        security: bearerAuth,
        body: PasswordChangeBody,
        response: errorReplies(400, 401, 403, 429),
      },
    },
    async (request, reply) => {
      const session = sessionOf(request);
      await accounts.changePassword(
        session.userId,
        session.tokenHash,
        request.body.current_password,
        request.body.new_password,
      );
      return reply.status(204).send();
    },
  );

  app.delete(
    '/me',
    {
      ...securing,
      schema: {
        tags: ['accounts'],
        summary: 'Delete your account (your password required)',
        description:
          'Log-in stops at once and the email and handle are free again. Everything that names you is then erased ' +
          'in the background: profile, posts with their comments and likes, your comments and likes, follows, ' +
          'cart, products, events and bookings. Orders, payments and the closed wallet with its ledger are kept, ' +
          "showing you as 'deleted account'. Refused (409 wallet_not_empty) while the wallet holds money.",
        security: bearerAuth,
        body: AccountDeletionBody,
        response: errorReplies(400, 401, 403, 409, 429),
      },
    },
    async (request, reply) => {
      const session = sessionOf(request);
      await accounts.deleteAccount(session.userId, session.tokenHash, request.body.password);
      return reply.status(204).send();
    },
  );

  app.get(
    '/users/:id',
    {
      schema: {
        tags: ['accounts'],
        summary: 'A public profile',
        params: UserIdParams,
        response: { 200: PublicProfileReply, ...errorReplies(400, 404) },
      },
    },
    async (request) => accounts.profile(request.params.id),
  );

  app.get(
    '/users',
    {
      schema: {
        tags: ['accounts'],
        summary: 'Find people by handle or name (best matches first)',
        querystring: SearchQuery,
        response: { 200: Page(ProfileSummaryReply), ...errorReplies(400) },
      },
    },
    async (request) => ({
      items: await accounts.search(request.query.q, request.query.limit),
      next_cursor: null,
    }),
  );
};
