// The IETF draft RateLimit header fields (draft-ietf-httpapi-ratelimit-headers), sent by
// every rate-limited route, on success and with a 429 alike.
import type { FastifyReply } from 'fastify';
import type { RateLimitState } from '../errors.ts';

export function sendRateLimitHeaders(reply: FastifyReply, state: RateLimitState): void {
  reply.headers({
    'RateLimit-Limit': String(state.limit),
    'RateLimit-Remaining': String(state.remaining),
    'RateLimit-Reset': String(state.resetSeconds),
  });
}
