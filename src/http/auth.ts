// Bearer-token authentication as onRequest hooks: they run before the body is
// parsed and validated, so an anonymous caller gets 401 before any 400.
import type { FastifyReply, FastifyRequest } from 'fastify';
import { rateSubjects, type Session, type SessionsService } from '../accounts/sessions.service.ts';
import type { RateLimiter, RateRule } from '../cache/rate-limiter.ts';
import { UnauthorizedError } from '../errors.ts';
import { sendRateLimitHeaders } from './rate-limit-headers.ts';

declare module 'fastify' {
  interface FastifyRequest {
    session: Session | null;
  }
}

const READ_METHODS = new Set(['GET', 'HEAD', 'OPTIONS']);

function bearerToken(request: FastifyRequest): string | undefined {
  const header = request.headers.authorization;
  if (header === undefined) return undefined;
  const match = /^Bearer (\S+)$/i.exec(header);
  if (!match?.[1]) throw new UnauthorizedError('send the session as "Authorization: Bearer <token>"');
  return match[1];
}

export function authHooks(sessions: SessionsService, limiter: RateLimiter) {
  /**
   * A hook that needs a session and counts the caller's writes against `writeRule`, per user
   * or, with `perSession`, per session (each of a user's sessions has a budget of its own).
   */
  const requireSessionCounting =
    (writeRule: RateRule, perSession = false) =>
    async (request: FastifyRequest, reply: FastifyReply) => {
      const token = bearerToken(request);
      if (!token) throw new UnauthorizedError();
      const session = await sessions.authenticate(token);
      request.session = session;
      if (!READ_METHODS.has(request.method)) {
        const subject = perSession
          ? rateSubjects.session(session.userId, session.tokenHash)
          : rateSubjects.user(session.userId);
        sendRateLimitHeaders(reply, await limiter.hit(writeRule, subject));
      }
    };
  const requireSession = requireSessionCounting('writesPerUser');
  /**
   * Anonymous callers are welcome (request.session stays null); a caller who sends a token
   * must send a valid one, so a lapsed session is a 401, not a silently anonymous answer.
   */
  async function optionalSession(request: FastifyRequest) {
    const token = bearerToken(request);
    if (token) request.session = await sessions.authenticate(token);
  }
  /** Costly reads (analytics) count like writes: against the caller's limit, or its address's when anonymous. */
  const countRead = async (request: FastifyRequest, reply: FastifyReply) =>
    sendRateLimitHeaders(
      reply,
      await limiter.hit(
        'writesPerUser',
        request.session ? String(request.session.userId) : `address:${request.ip}`,
      ),
    );

  return {
    /** The route needs a session; writes count against the caller's write limit. */
    requireSession,
    /**
     * For signing out and changing the password: a budget of their own, so that someone who
     * stole a token and used up its write limit cannot stop the owner from revoking it; and
     * one per session, so that the thief cannot use up the owner's either (failed password
     * changes with the stolen token count against the stolen session only).
     */
    requireSessionToSecure: requireSessionCounting('securityWritesPerUser', true),
    optionalSession,
    async requireCountedSession(request: FastifyRequest, reply: FastifyReply) {
      await requireSession(request, reply);
      if (READ_METHODS.has(request.method)) await countRead(request, reply);
    },
    async optionalCountedSession(request: FastifyRequest, reply: FastifyReply) {
      await optionalSession(request);
      await countRead(request, reply);
    },
  };
}

export type AuthHooks = ReturnType<typeof authHooks>;

/** The session of a route behind requireSession. */
export function sessionOf(request: FastifyRequest): Session {
  if (!request.session) throw new UnauthorizedError();
  return request.session;
}
