// The IETF draft RateLimit header fields (draft-ietf-httpapi-ratelimit-headers), sent by
// every rate-limited route, on success and with a 429 alike.
import type { FastifyReply } from 'fastify';
import type { RateLimitState } from '../errors.ts';

/**
 * The headers a client needs to pace itself (these and Retry-After). A browser shows a page on
 * another origin only the CORS-safelisted headers unless the reply names others in
 * Access-Control-Expose-Headers, so the CORS setup exposes these.
 */
export const PACING_HEADERS = ['RateLimit-Limit', 'RateLimit-Remaining', 'RateLimit-Reset', 'Retry-After'];

export function sendRateLimitHeaders(reply: FastifyReply, state: RateLimitState): void {
  reply.headers({
    'RateLimit-Limit': String(state.limit),
    'RateLimit-Remaining': String(state.remaining),
    'RateLimit-Reset': String(state.resetSeconds),
  });
}
