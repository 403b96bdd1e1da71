// Wraps a cache so that its failures degrade instead of failing requests: a read
// that fails is a miss, a write that fails is skipped, a rate-limit counter that
// fails lets the request through. Each failure is logged; /healthz shows the outage.
import type { Log } from '../log.ts';
import type { CachePort } from './cache.port.ts';

export function bestEffort(cache: CachePort, log: Pick<Log, 'warn'>): CachePort {
  const fallback = async <T>(operation: string, work: () => Promise<T>, otherwise: T): Promise<T> => {
    try {
      return await work();
    } catch (error) {
      log.warn({ err: error, operation, engine: cache.engine }, 'cache unavailable; continuing without it');
      return otherwise;
    }
  };
  const noCount = { count: 0, resetsInSeconds: 0 };
  return {
    engine: cache.engine,
    recall: (key) => fallback('recall', () => cache.recall(key), undefined),
    recallMany: <T>(keys: readonly string[]) =>
      fallback(
        'recallMany',
        () => cache.recallMany<T>(keys),
        keys.map((): T | undefined => undefined),
      ),
    rememberSet: (key, members, ttl) =>
      fallback('rememberSet', () => cache.rememberSet(key, members, ttl), undefined),
    membersOf: (key, candidates) => fallback('membersOf', () => cache.membersOf(key, candidates), undefined),
    remember: (key, value, ttl) => fallback('remember', () => cache.remember(key, value, ttl), undefined),
    forget: (...keys) => fallback('forget', () => cache.forget(...keys), undefined),
    // Not best effort: the deletion of an account must learn that it failed, to run again.
    forgetUser: (userId) => cache.forgetUser(userId),
    countHit: (key, window) => fallback('countHit', () => cache.countHit(key, window), noCount),
    peekHits: (key) => fallback('peekHits', () => cache.peekHits(key), noCount),
    ping: () => cache.ping(),
  };
}
