import { v7 } from 'uuid';
import { createPostgresAccounts } from '../../src/accounts/accounts.postgres.ts';
import { createPostgresCommerce } from '../../src/commerce/commerce.postgres.ts';
import { freshSqlDatabase, type SqlEngine } from '../support/stores.ts';
import { servers } from '../support/targets.ts';
import { accountsContract } from './accounts.contract.ts';

const harness = (engine: SqlEngine) => async () => {
  const db = await freshSqlDatabase(engine);
  const commerce = createPostgresCommerce(db);
  return {
    accounts: createPostgresAccounts(db),
    async fund(userId: number, cents: number) {
      await commerce.deposit(v7(), userId, cents);
    },
    reactions: () =>
      db.query<{ kind: string; payload: unknown }>('SELECT kind, payload FROM outbox ORDER BY id'),
    close: () => db.close(),
  };
};

accountsContract('PGlite (embedded)', harness('pglite'));
accountsContract('PostgreSQL (server)', harness('postgres'), servers.postgres.skipReason);
