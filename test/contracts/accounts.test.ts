import { createPostgresAccounts } from '../../src/accounts/accounts.postgres.ts';
import { freshSqlDatabase, type SqlEngine } from '../support/stores.ts';
import { servers } from '../support/targets.ts';
import { accountsContract } from './accounts.contract.ts';

const harness = (engine: SqlEngine) => async () => {
  const db = await freshSqlDatabase(engine);
  return { accounts: createPostgresAccounts(db), close: () => db.close() };
};

accountsContract('PGlite (embedded)', harness('pglite'));
accountsContract('PostgreSQL (server)', harness('postgres'), servers.postgres.skipReason);
