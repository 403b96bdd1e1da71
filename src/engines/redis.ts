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
