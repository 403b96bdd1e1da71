// Opens the engines the configuration names, once each, and closes them all. The driver
// of a server is imported only when a role uses it: the embedded default loads none.
import type { Config } from '../config.ts';
import { migrate } from './migrate.ts';
import type { MongoConnection } from './mongo.ts';
import type { Neo4jConnection } from './neo4j.ts';
import { openPglite } from './pglite.ts';
import type { RedisClient } from './redis.ts';
import type { ReplicatedDatabase } from './replica.ts';
import type { SqlDatabase } from './sql.ts';

export interface Engines {
  /** The SQL database for roles on 'pglite' or 'postgres'; migrated unless asked not to. */
  sql(engine: 'pglite' | 'postgres'): SqlDatabase;
  /** The PostgreSQL database when DATABASE_REPLICA_URL gives it a read replica. */
  replicated(): ReplicatedDatabase | undefined;
  redis(): RedisClient;
  neo4j(): Neo4jConnection;
  mongo(): MongoConnection;
  close(): Promise<void>;
}

/** `migrate: false` opens the databases as they are (a health check changes nothing). */
export async function openEngines(config: Config, { migrate: migrating = true } = {}): Promise<Engines> {
  const used = new Set(Object.values(config.stores));
  const sql = new Map<string, SqlDatabase>();
  let redis: RedisClient | undefined;
  let neo4j: Neo4jConnection | undefined;
  let mongo: MongoConnection | undefined;
  let replicated: ReplicatedDatabase | undefined;
  const engines: Engines = {
    sql(engine) {
      const db = sql.get(engine);
      if (!db) throw new Error(`no ${engine} database was opened`);
      return db;
    },
    replicated: () => replicated,
    redis() {
      if (!redis) throw new Error('no Redis connection was opened');
      return redis;
    },
    neo4j() {
      if (!neo4j) throw new Error('no Neo4j driver was opened');
      return neo4j;
    },
    mongo() {
      if (!mongo) throw new Error('no MongoDB client was opened');
      return mongo;
    },
    async close() {
      await Promise.allSettled([
        ...[...sql.values()].map((db) => db.close()),
        redis?.quit().catch(() => redis?.disconnect()),
        neo4j?.driver.close(),
        mongo && import('./mongo.ts').then(({ closeMongo }) => closeMongo(mongo as MongoConnection)),
      ]);
    },
  };
  try {
    if (used.has('pglite')) sql.set('pglite', await openPglite({ dataDir: config.dataDir }));
    if (used.has('postgres') && config.urls.DATABASE_URL) {
      const { openPostgres } = await import('./postgres.ts');
      const timeouts = {
        timeoutMs: config.databaseTimeoutMs,
        connectTimeoutMs: config.storeConnectTimeoutMs,
      };
      const primary = openPostgres({ url: config.urls.DATABASE_URL, ...timeouts });
      const replicaUrl = config.urls.DATABASE_REPLICA_URL;
      if (replicaUrl) {
        const { openReplicated } = await import('./replica.ts');
        replicated = openReplicated(primary, openPostgres({ url: replicaUrl, ...timeouts }));
      }
      sql.set('postgres', replicated ?? primary);
    }
    if (migrating) for (const db of sql.values()) await migrate(db);
    if (used.has('redis') && config.urls.REDIS_URL) {
      const { openRedis } = await import('./redis.ts');
      redis = openRedis(config.urls.REDIS_URL);
      // A Redis that is down at start is not fatal: the cache degrades and ioredis keeps reconnecting.
      await redis.connect().catch(() => {});
    }
    // The driver connects lazily; the graph adapter's start (its constraint) is the first use.
    if (used.has('neo4j') && config.urls.NEO4J_URL) {
      const { openNeo4j } = await import('./neo4j.ts');
      neo4j = openNeo4j(config.urls.NEO4J_URL, { connectTimeoutMs: config.storeConnectTimeoutMs });
    }
    // Also lazy: the posts adapter's start (its indexes) is the first use.
    if (used.has('mongo') && config.urls.MONGODB_URL) {
      const { openMongo } = await import('./mongo.ts');
      mongo = openMongo(config.urls.MONGODB_URL, {
        writeConcern: config.mongoWriteConcern,
        connectTimeoutMs: config.storeConnectTimeoutMs,
      });
    }
  } catch (error) {
    await engines.close();
    throw error;
  }
  return engines;
}
