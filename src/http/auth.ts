// Bearer-token authentication as onRequest hooks: they run before the body is
// parsed and validated, so an anonymous caller gets 401 before any 400.
import type { FastifyRequest } from 'fastify';
import type { Session, SessionsService } from '../accounts/sessions.service.ts';
import type { RateLimiter } from '../cache/rate-limiter.ts';
import { UnauthorizedError } from '../errors.ts';

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
  /** The route needs a session; writes count against the caller's write limit. */
  async function requireSession(request: FastifyRequest) {
    const token = bearerToken(request);
    if (!token) throw new UnauthorizedError();
    request.session = await sessions.authenticate(token);
    if (!READ_METHODS.has(request.method)) await limiter.hit('writesPerUser', String(request.session.userId));
  }
  /**
   * Anonymous callers are welcome (request.session stays null); a caller who sends a token
   * must send a valid one, so a lapsed session is a 401, not a silently anonymous answer.
   */
  async function optionalSession(request: FastifyRequest) {
    const token = bearerToken(request);
    if (token) request.session = await sessions.authenticate(token);
  }
  /** Costly reads (analytics) count like writes: against the caller's limit, or its address's when anonymous. */
  const countRead = (request: FastifyRequest) =>
    limiter.hit('writesPerUser', request.session ? String(request.session.userId) : `address:${request.ip}`);

  return {
    requireSession,
    optionalSession,
    async requireCountedSession(request: FastifyRequest) {
      await requireSession(request);
      if (READ_METHODS.has(request.method)) await countRead(request);
    },
    async optionalCountedSession(request: FastifyRequest) {
      await optionalSession(request);
      await countRead(request);
    },
  };
}

export type AuthHooks = ReturnType<typeof authHooks>;

/** The session of a route behind requireSession. */
export function sessionOf(request: FastifyRequest): Session {
  if (!request.session) throw new UnauthorizedError();
  return request.session;
}
