import { createPostgresAccounts } from '../../src/accounts/accounts.postgres.ts';
import { createPostgresNotifications } from '../../src/notifications/notifications.postgres.ts';
import { makePeople } from '../support/people.ts';
import { freshSqlDatabase, type SqlEngine } from '../support/stores.ts';
import { servers } from '../support/targets.ts';
import { type NotificationsHarness, notificationsContract } from './notifications.contract.ts';

const sqlHarness = (engine: SqlEngine) => async (): Promise<NotificationsHarness> => {
  const db = await freshSqlDatabase(engine);
  const accounts = createPostgresAccounts(db);
  return {
    notifications: createPostgresNotifications(db),
    newPeople: (count) => makePeople(accounts, count, 'notified'),
    rename: async (userId, name) => {
      await accounts.updateProfile(userId, { name });
    },
    close: () => db.close(),
  };
};

notificationsContract('PGlite (embedded)', sqlHarness('pglite'));
notificationsContract('PostgreSQL (server)', sqlHarness('postgres'), servers.postgres.skipReason);
