// The commerce role on PostgreSQL (PGlite or a server), built from one piece per area so
// that the compiler names any method of the port that no piece implements.
import type { SqlDatabase } from '../engines/sql.ts';
import { createCartsPostgres } from './carts.postgres.ts';
import type { CommercePort } from './commerce.port.ts';
import { createErasurePostgres } from './erasure.postgres.ts';
import { createOrdersPostgres } from './orders.postgres.ts';
import { createSeatsPostgres } from './seats.postgres.ts';
import { createWalletsPostgres } from './wallets.postgres.ts';

export function createPostgresCommerce(db: SqlDatabase): CommercePort {
  return {
    engine: db.engine,
    ...createWalletsPostgres(db),
    ...createOrdersPostgres(db),
    ...createSeatsPostgres(db),
    ...createCartsPostgres(db),
    ...createErasurePostgres(db),
    ping: () => db.ping(),
  } satisfies CommercePort;
}
