// Read-your-writes marks in the cache role, so that every API process sees them: a write's
// WAL position per user, kept as long as a replica may take to replay it.
import type { WriteMarks } from '../read-your-writes.ts';
import { type CachePort, cacheKeys } from './cache.port.ts';

/**
 * `cache` unwrapped (not best-effort): a mark that cannot be read must fail the lookup, so
 * that the reader goes to the primary rather than to a replica that may not have the write.
 */
export function cacheWriteMarks(cache: CachePort, ttlSeconds: number): WriteMarks {
  return {
    latest: (userId) => cache.recall<string>(cacheKeys.writeMark(userId)),
    remember: (userId, lsn) => cache.remember(cacheKeys.writeMark(userId), lsn, ttlSeconds),
  };
}
