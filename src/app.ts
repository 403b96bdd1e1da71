// The one place that knows which adapter serves which role: it opens the engines,
// builds adapters and services, and mounts the routes.
import { createPostgresAccounts } from './accounts/accounts.postgres.ts';
import { accountsRoutes } from './accounts/accounts.routes.ts';
import { AccountsService } from './accounts/accounts.service.ts';
import { SessionsService } from './accounts/sessions.service.ts';
import { bestEffort } from './cache/cache.best-effort.ts';
import { createMemoryCache } from './cache/cache.memory.ts';
import type { CachePort } from './cache/cache.port.ts';
import { createRedisCache } from './cache/cache.redis.ts';
import { RateLimiter } from './cache/rate-limiter.ts';
import type { Config } from './config.ts';
import { type Engines, openEngines } from './engines/open.ts';
import type { RoleProbes } from './health.ts';
import { authHooks } from './http/auth.ts';
import { createHttpServer } from './http/server.ts';
import { systemRoutes } from './http/system.routes.ts';

function accountsStore(config: Config, engines: Engines) {
  const engine = config.stores.accounts;
  if (engine !== 'pglite' && engine !== 'postgres') throw new Error(`accounts cannot run on ${engine}`);
  return createPostgresAccounts(engines.sql(engine));
}

function cacheStore(config: Config, engines: Engines): CachePort {
  return config.stores.cache === 'redis'
    ? createRedisCache(engines.redis(), config.keyPrefix)
    : createMemoryCache();
}

export async function buildApp(config: Config) {
  const engines = await openEngines(config);
  try {
    const app = await createHttpServer(config);
    const accountsPort = accountsStore(config, engines);
    const rawCache = cacheStore(config, engines);
    const cache = bestEffort(rawCache, app.log);

    const limiter = new RateLimiter(cache, config.rateLimits);
    const sessions = new SessionsService(accountsPort, cache, limiter, config.sessionTtlSeconds);
    const accounts = new AccountsService(accountsPort, cache, sessions, config.profileCacheTtlSeconds);

    const probes: RoleProbes = {
      accounts: { engine: config.stores.accounts, ping: () => accountsPort.ping() },
      cache: { engine: config.stores.cache, ping: () => rawCache.ping() },
    };
    await app.register(systemRoutes, { probes });
    await app.register(accountsRoutes, {
      prefix: '/api/v1',
      accounts,
      sessions,
      limiter,
      auth: authHooks(sessions, limiter),
    });
    app.addHook('onClose', () => engines.close());
    return { app, probes };
  } catch (error) {
    await engines.close();
    throw error;
  }
}

export type Platform = Awaited<ReturnType<typeof buildApp>>;
