// The commerce role: products, inventory, orders, payments, wallets and seated events on the
// accounts' SQL database (config.ts refuses any other), and the sellers' leaderboard in the
// cache role. It counts a user's orders for the accounts role (GET /me).
import type { PlatformModule } from '../modules.ts';
import { CartService } from './cart.service.ts';
import { createPostgresCommerce } from './commerce.postgres.ts';
import { commerceRoutes } from './commerce.routes.ts';
import { CommerceService } from './commerce.service.ts';
import { createMemoryLeaderboard } from './leaderboard.memory.ts';
import { createRedisLeaderboard } from './leaderboard.redis.ts';

declare module '../modules.ts' {
  interface Provided {
    commerceService: CommerceService;
  }
}

export const commerceModule: PlatformModule = {
  name: 'commerce',
  async open(ctx) {
    const { config } = ctx;
    const commerce = ctx.guard('commerce', createPostgresCommerce(ctx.sql('commerce')));
    const leaderboard = ctx.guard(
      'cache',
      config.stores.cache === 'redis'
        ? createRedisLeaderboard(ctx.engines.redis(), config.keyPrefix)
        : createMemoryLeaderboard(),
    );
    const service = new CommerceService(commerce, leaderboard, ctx.use('accounts'), {
      demoMode: config.demoMode,
      events: config.events,
      log: ctx.log,
      cursors: ctx.use('cursors'),
    });
    const carts = new CartService(commerce, service);
    const auth = ctx.use('auth');
    return {
      provides: { commerceService: service, orders: commerce },
      routes: (app) => app.register(commerceRoutes, { commerce: service, carts, auth }),
      probes: { commerce: { engine: config.stores.commerce, ping: () => commerce.ping() } },
    };
  },
};
