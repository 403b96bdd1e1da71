// A Redis connection for the cache role.
import { Redis } from 'ioredis';

export function openRedis(url: string): Redis {
  const redis = new Redis(url, {
    // Fail fast instead of queueing while Redis is down: callers fall back to the
    // stores of record (sessions, profiles) rather than hanging a request.
    enableOfflineQueue: false,
    maxRetriesPerRequest: 1,
    commandTimeout: 2000,
    connectTimeout: 3000,
    lazyConnect: true,
    // Keep reconnecting, at most every 2 s, for as long as the process runs.
    retryStrategy: (attempt) => Math.min(attempt * 200, 2000),
  });
  // Without a listener ioredis reports every failed reconnect as an unhandled error.
  // An outage is already visible: /healthz names the role, and each failed cache call is logged.
  redis.on('error', () => {});
  return redis;
}

/** `text` matched literally in a SCAN MATCH pattern (glob: * ? [ ] and \\ are special). */
export const globLiteral = (text: string) => text.replace(/[*?[\]\\]/g, (c) => `\\${c}`);

/**
 * Deletes every key that starts with `keyStart` (SCAN, never KEYS: the server is not blocked),
 * in batches with UNLINK. Keys written meanwhile under that start may survive one pass.
 */
export async function unlinkKeysStartingWith(redis: Redis, keyStart: string): Promise<void> {
  let cursor = '0';
  do {
    const [next, keys] = await redis.scan(cursor, 'MATCH', `${globLiteral(keyStart)}*`, 'COUNT', 1000);
    if (keys.length) await redis.unlink(...keys);
    cursor = next;
  } while (cursor !== '0');
}
