// Rate limits on the cache role, with the article's INCR + EXPIRE fixed windows.
import { createHash } from 'node:crypto';
import type { RateLimits } from '../config.ts';
import { RateLimitedError } from '../errors.ts';
import { type CachePort, cacheKeys } from './cache.port.ts';

export type RateRule = keyof RateLimits;

/**
 * Subjects (emails, addresses) are hashed into the key: bounded length, and no
 * character of theirs can break the key's hash tag on Redis Cluster.
 */
const subjectKey = (subject: string) => createHash('sha256').update(subject).digest('base64url').slice(0, 22);

export class RateLimiter {
  constructor(
    private readonly cache: CachePort,
    private readonly limits: RateLimits,
  ) {}

  /** Counts one request against `rule`; throws RateLimitedError past the limit. */
  async hit(rule: RateRule, subject: string): Promise<void> {
    const { max, windowSeconds } = this.limits[rule];
    const { count, resetsInSeconds } = await this.cache.countHit(
      cacheKeys.rateLimit(rule, subjectKey(subject)),
      windowSeconds,
    );
    if (count > max) throw new RateLimitedError(resetsInSeconds);
  }

  /** Throws RateLimitedError if `rule` is already used up, without counting. */
  async check(rule: RateRule, subject: string): Promise<void> {
    const { max } = this.limits[rule];
    const { count, resetsInSeconds } = await this.cache.peekHits(
      cacheKeys.rateLimit(rule, subjectKey(subject)),
    );
    if (count >= max) throw new RateLimitedError(resetsInSeconds);
  }
}
