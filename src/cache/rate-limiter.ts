// Rate limits on the cache role, with the article's INCR + EXPIRE fixed windows.
// While the cache is unreachable most limits fail open (a cache outage must not stop
// the platform), but the limits on failed log-ins are counted in this process instead:
// an outage must not open the door to unlimited password guessing.
import { createHash } from 'node:crypto';
import type { RateLimits } from '../config.ts';
import { RateLimitedError, type RateLimitState } from '../errors.ts';
import type { Log } from '../log.ts';
import { createMemoryCache } from './cache.memory.ts';
import { type CachePort, cacheKeys, type WindowCount } from './cache.port.ts';

export type RateRule = keyof RateLimits;

/** Rules that guard passwords: never fail open. */
const GUARDS_PASSWORDS: ReadonlySet<RateRule> = new Set([
  'failedLoginPerEmailAndAddress',
  'failedLoginPerEmail',
  'failedLoginPerDevice',
]);

/** How many counters the in-process fallback keeps at most: its memory stays bounded during a long outage. */
const FALLBACK_MAX_COUNTERS = 50_000;

/**
 * Subjects (emails, addresses) are hashed into the key: bounded length, and no
 * character of theirs can break the key's hash tag on Redis Cluster.
 */
const subjectKey = (subject: string) => createHash('sha256').update(subject).digest('base64url').slice(0, 22);

export class RateLimiter {
  // Counters of the password rules while the cache is unreachable; the oldest are evicted past the bound.
  private readonly fallback = createMemoryCache({ maxEntries: FALLBACK_MAX_COUNTERS });

  /** `cache` is the cache role itself, not a best-effort wrapper: the limiter decides what an outage means. */
  constructor(
    private readonly cache: CachePort,
    private readonly limits: RateLimits,
    private readonly log?: Pick<Log, 'warn'>,
  ) {}

  private async count(
    rule: RateRule,
    work: (cache: CachePort) => Promise<WindowCount>,
  ): Promise<WindowCount> {
    try {
      return await work(this.cache);
    } catch (error) {
      const password = GUARDS_PASSWORDS.has(rule);
      this.log?.warn(
        { err: error, rule, engine: this.cache.engine },
        password
          ? 'cache unavailable; counting this rate limit in this process'
          : 'cache unavailable; rate limit not applied',
      );
      return password ? work(this.fallback) : { count: 0, resetsInSeconds: 0 };
    }
  }

  private state(rule: RateRule, { count, resetsInSeconds }: WindowCount): RateLimitState {
    const { max, windowSeconds } = this.limits[rule];
    return {
      limit: max,
      remaining: Math.max(0, max - count),
      resetSeconds: resetsInSeconds || windowSeconds,
    };
  }

  /** Counts one request against `rule`; throws RateLimitedError past the limit. */
  async hit(rule: RateRule, subject: string): Promise<RateLimitState> {
    const key = cacheKeys.rateLimit(rule, subjectKey(subject));
    const window = await this.count(rule, (cache) => cache.countHit(key, this.limits[rule].windowSeconds));
    const state = this.state(rule, window);
    if (window.count > state.limit) throw new RateLimitedError(state);
    return state;
  }

  /** Throws RateLimitedError if `rule` is already used up, without counting. */
  async check(rule: RateRule, subject: string): Promise<void> {
    const key = cacheKeys.rateLimit(rule, subjectKey(subject));
    const window = await this.count(rule, (cache) => cache.peekHits(key));
    const state = this.state(rule, window);
    if (window.count >= state.limit) throw new RateLimitedError(state);
  }
}
