import { createBullJobs } from '../../src/jobs/jobs.bullmq.ts';
import { createSqlJobs } from '../../src/jobs/jobs.postgres.ts';
import { dropKeys, freshKeyPrefix, freshSqlDatabase, type SqlEngine } from '../support/stores.ts';
import { servers } from '../support/targets.ts';
import { jobsContract } from './jobs.contract.ts';

const log = { warn: () => {}, error: () => {} };

const sqlQueue = (engine: SqlEngine) => async () => {
  const db = await freshSqlDatabase(engine);
  return { create: () => createSqlJobs(db, { log, pollMs: 50 }), close: () => db.close() };
};

jobsContract('the SQL queue on PGlite (embedded)', sqlQueue('pglite'));
jobsContract('the SQL queue on PostgreSQL (server)', sqlQueue('postgres'), servers.postgres.skipReason);
jobsContract(
  'BullMQ on Redis (server)',
  async () => {
    const url = servers.redis.url as string;
    const keyPrefix = freshKeyPrefix();
    return { create: () => createBullJobs({ url, keyPrefix, log }), close: () => dropKeys(url, keyPrefix) };
  },
  servers.redis.skipReason,
);
