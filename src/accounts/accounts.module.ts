// The accounts role: users, profiles, credentials and sessions, on the SQL database (PGlite or
// PostgreSQL). It also keeps the key that signs every list's cursors, beside the accounts, and
// the authentication hooks every role's routes use.
import { RateLimiter } from '../cache/rate-limiter.ts';
import { openCursorCodec } from '../cursor-key.ts';
import { type AuthHooks, authHooks } from '../http/auth.ts';
import type { PlatformModule } from '../modules.ts';
import type { CursorCodec } from '../pagination.ts';
import type { AccountsPort } from './accounts.port.ts';
import { createPostgresAccounts } from './accounts.postgres.ts';
import { accountsRoutes } from './accounts.routes.ts';
import { AccountsService, type OrderCounter } from './accounts.service.ts';
import { type IsOperator, operatorCheck } from './operators.ts';
import { SessionsService } from './sessions.service.ts';

declare module '../modules.ts' {
  interface Provided {
    accounts: AccountsPort;
    accountsService: AccountsService;
    sessions: SessionsService;
    auth: AuthHooks;
    /** Signs and checks the cursors of every list (one key for every process on this database). */
    cursors: CursorCodec;
    isOperator: IsOperator;
    /** How many orders a user placed: given by the commerce module, read by GET /me. */
    orders: OrderCounter;
  }
}

export const accountsModule: PlatformModule = {
  name: 'accounts',
  async open(ctx) {
    const { config } = ctx;
    const db = ctx.sql('accounts');
    const accounts = ctx.guard('accounts', createPostgresAccounts(db));
    const cache = ctx.use('cache');
    // The limiter gets the cache itself: it fails open on an outage, except for password guessing.
    const limiter = new RateLimiter(ctx.use('rawCache'), config.rateLimits, ctx.log);
    const sessions = new SessionsService({
      accounts,
      cache,
      limiter,
      ttlSeconds: config.sessionTtlSeconds,
      maxAgeSeconds: config.sessionMaxAgeSeconds,
    });
    const service = new AccountsService({
      accounts,
      cache,
      sessions,
      profileTtlSeconds: config.profileCacheTtlSeconds,
      events: ctx.use('events'),
      // The commerce module, opened later, counts the orders.
      orders: { orderCount: (buyerId) => ctx.use('orders').orderCount(buyerId) },
    });
    const auth = authHooks(sessions, limiter);
    return {
      provides: {
        accounts,
        accountsService: service,
        sessions,
        auth,
        cursors: await openCursorCodec(config.cursorSecret, db),
        isOperator: operatorCheck(accounts, config.adminEmails),
      },
      routes: (app) => app.register(accountsRoutes, { accounts: service, sessions, limiter, auth }),
      probes: { accounts: { engine: config.stores.accounts, ping: () => accounts.ping() } },
    };
  },
};
