// Opens the engines the configuration names, once each, and closes them all.
import type { Redis } from 'ioredis';
import type { Config } from '../config.ts';
import { migrate } from './migrate.ts';
import { openPglite } from './pglite.ts';
import { openPostgres } from './postgres.ts';
import { openRedis } from './redis.ts';
import type { SqlDatabase } from './sql.ts';

export interface Engines {
  /** The SQL database for roles on 'pglite' or 'postgres'; migrated. */
  sql(engine: 'pglite' | 'postgres'): SqlDatabase;
  redis(): Redis;
  close(): Promise<void>;
}

export async function openEngines(config: Config): Promise<Engines> {
  const used = new Set(Object.values(config.stores));
  const sql = new Map<string, SqlDatabase>();
  let redis: Redis | undefined;
  const engines: Engines = {
    sql(engine) {
      const db = sql.get(engine);
      if (!db) throw new Error(`no ${engine} database was opened`);
      return db;
    },
    redis() {
      if (!redis) throw new Error('no Redis connection was opened');
      return redis;
    },
    async close() {
      await Promise.allSettled([
        ...[...sql.values()].map((db) => db.close()),
        redis?.quit().catch(() => redis?.disconnect()),
      ]);
    },
  };
  try {
    if (used.has('pglite')) sql.set('pglite', await openPglite({ dataDir: config.dataDir }));
    if (used.has('postgres') && config.urls.DATABASE_URL) {
      sql.set('postgres', openPostgres({ url: config.urls.DATABASE_URL }));
    }
    for (const db of sql.values()) await migrate(db);
    if (used.has('redis') && config.urls.REDIS_URL) {
      redis = openRedis(config.urls.REDIS_URL);
      // A Redis that is down at start is not fatal: the cache degrades and ioredis keeps reconnecting.
      await redis.connect().catch(() => {});
    }
  } catch (error) {
    await engines.close();
    throw error;
  }
  return engines;
}
