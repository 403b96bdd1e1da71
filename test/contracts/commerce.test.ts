import { createPostgresCommerce } from '../../src/commerce/commerce.postgres.ts';
import { freshSqlDatabase, type SqlEngine } from '../support/stores.ts';
import { servers } from '../support/targets.ts';
import { accountDeleter, accountMaker, commerceContract } from './commerce.contract.ts';

const harness = (engine: SqlEngine) => async () => {
  const db = await freshSqlDatabase(engine);
  return {
    commerce: createPostgresCommerce(db),
    newUser: await accountMaker(db),
    deleteUser: accountDeleter(db),
    close: () => db.close(),
  };
};

commerceContract('PGlite (embedded)', harness('pglite'));
commerceContract('PostgreSQL (server)', harness('postgres'), servers.postgres.skipReason);
