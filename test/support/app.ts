// Builds the real platform for a test, on fresh isolated stores, and closes it when
// the test file ends. Requests go through app.inject: the whole HTTP stack, no socket.
import { afterAll } from 'vitest';
import { buildApp, type Platform } from '../../src/app.ts';
import { loadConfig } from '../../src/config.ts';
import { dropKeys, freshDatabaseUrl, freshDataDir, freshKeyPrefix, type SqlEngine } from './stores.ts';
import { servers } from './targets.ts';

export interface TestAppOptions {
  sql?: SqlEngine;
  /** redis: the Redis on REDIS_URL; redis-cluster: the Redis Cluster on REDIS_CLUSTER_URL. */
  cache?: 'memory' | 'redis' | 'redis-cluster';
  /** Extra environment, e.g. tighter rate limits. */
  env?: Record<string, string>;
}

// Tests make many accounts and sessions from one address: the defaults would get in the way.
const GENEROUS_LIMITS = {
  RATE_LIMIT_SIGNUP_PER_ADDRESS: '100000/1h',
  RATE_LIMIT_LOGIN_PER_ADDRESS: '100000/1h',
  RATE_LIMIT_WRITES_PER_USER: '100000/1h',
  RATE_LIMIT_FAILED_LOGIN_PER_EMAIL_AND_ADDRESS: '100000/1h',
  RATE_LIMIT_FAILED_LOGIN_PER_EMAIL: '100000/1h',
};

export async function testEnv({ sql = 'pglite', cache = 'memory', env = {} }: TestAppOptions = {}) {
  const keyPrefix = freshKeyPrefix();
  return {
    LOG_LEVEL: 'silent',
    DATA_DIR: freshDataDir(),
    ...(sql === 'postgres' ? { DATABASE_URL: await freshDatabaseUrl(), ACCOUNTS_STORE: 'postgres' } : {}),
    ...(cache === 'redis' ? { REDIS_URL: servers.redis.url ?? '', KEY_PREFIX: keyPrefix } : {}),
    ...(cache === 'redis-cluster'
      ? { REDIS_URL: servers.redisCluster.url ?? '', KEY_PREFIX: keyPrefix }
      : {}),
    ...GENEROUS_LIMITS,
    ...env,
  } as Record<string, string>;
}

/** The platform on fresh stores, closed (and its Redis keys dropped) after the file's tests. */
export async function buildTestApp(options: TestAppOptions = {}): Promise<Platform> {
  const env = await testEnv(options);
  const platform = await buildApp(loadConfig(env));
  afterAll(async () => {
    await platform.app.close();
    if (env.REDIS_URL && env.KEY_PREFIX) await dropKeys(env.REDIS_URL, env.KEY_PREFIX);
  });
  return platform;
}
