import { createBullJobs } from '../../src/jobs/jobs.bullmq.ts';
import { createSqlJobs } from '../../src/jobs/jobs.postgres.ts';
import { dropKeys, freshKeyPrefix, freshSqlDatabase, type SqlEngine } from '../support/stores.ts';
import { redisTargets, servers } from '../support/targets.ts';
import { jobsContract } from './jobs.contract.ts';

const log = { warn: () => {}, error: () => {} };

const sqlQueue = (engine: SqlEngine) => async () => {
  const db = await freshSqlDatabase(engine);
  return { create: () => createSqlJobs(db, { log, pollMs: 50 }), close: () => db.close() };
};

jobsContract('the SQL queue on PGlite (embedded)', sqlQueue('pglite'));
jobsContract('the SQL queue on PostgreSQL (server)', sqlQueue('postgres'), servers.postgres.skipReason);
for (const { name, server } of redisTargets) {
  jobsContract(
    `BullMQ on ${name}`,
    async () => {
      const url = server.url as string;
      const keyPrefix = freshKeyPrefix();
      return { create: () => createBullJobs({ url, keyPrefix, log }), close: () => dropKeys(url, keyPrefix) };
    },
    server.skipReason,
  );
}
