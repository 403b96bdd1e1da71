// Fresh, isolated stores for one test: a copy of the migrated PGlite template, a
// database cloned from the PostgreSQL template, a Redis key prefix of its own.
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { Cluster } from 'ioredis';
import { inject } from 'vitest';
import { openInflux } from '../../src/engines/influx.ts';
import { openPglite } from '../../src/engines/pglite.ts';
import { openPostgres } from '../../src/engines/postgres.ts';
import { connectRedis } from '../../src/engines/redis.ts';
import type { SqlDatabase } from '../../src/engines/sql.ts';
import { databaseUrl } from './global-setup.ts';
import { servers } from './targets.ts';

let counter = 0;
const unique = () => `${process.pid.toString(36)}_${(counter++).toString(36)}`;

/** A DATA_DIR holding a copy of the migrated template. */
export function freshDataDir(): string {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'polyglot-data-'));
  fs.cpSync(path.join(inject('pgliteTemplate'), 'pglite'), path.join(dir, 'pglite'), { recursive: true });
  return dir;
}

/** The URL of a new database cloned from the migrated template. */
export async function freshDatabaseUrl(): Promise<string> {
  const base = servers.postgres.url;
  const template = inject('postgresTemplate');
  if (!base || !template) throw new Error('DATABASE_URL is not set');
  const name = `polyglot_t_${inject('runId')}_${unique()}`;
  const admin = openPostgres({ url: base, max: 1 });
  try {
    // CREATE DATABASE ... TEMPLATE copies the migrated schema in milliseconds.
    await admin.query(`CREATE DATABASE ${name} TEMPLATE ${template}`);
  } finally {
    await admin.close();
  }
  return databaseUrl(base, name);
}

export type SqlEngine = 'pglite' | 'postgres';

export async function freshSqlDatabase(engine: SqlEngine): Promise<SqlDatabase> {
  return engine === 'pglite'
    ? openPglite({ dataDir: freshDataDir() })
    : openPostgres({ url: await freshDatabaseUrl(), max: 20 });
}

/** A MongoDB database name no other test or run uses (the harness drops it when done). */
export const freshMongoDatabaseName = () => `polyglot_t_${inject('runId')}_${unique()}`;

/** INFLUX_URL with a database name no other test or run uses (the adapter creates it; drop it after). */
export function freshInfluxUrl(): string {
  const url = new URL(servers.influx.url as string);
  url.pathname = `/polyglot_t_${inject('runId')}_${unique()}`;
  return url.toString();
}

/** Drops the database an INFLUX_URL names. */
export async function dropInfluxDatabase(url: string): Promise<void> {
  const influx = openInflux(url);
  await influx.query(`DROP DATABASE "${influx.database}"`);
}

/** A key prefix no other test or run uses. */
export const freshKeyPrefix = () => `polyglot-test:${inject('runId')}:${unique()}:`;

/** Deletes every key under a prefix (SCAN, never KEYS), on one server or on every master of a cluster. */
export async function dropKeys(redisUrl: string, prefix: string): Promise<void> {
  const redis = connectRedis(redisUrl);
  await redis.connect();
  const masters = redis instanceof Cluster ? redis.nodes('master') : [redis];
  for (const node of masters) {
    let cursor = '0';
    do {
      const [next, keys] = await node.scan(cursor, 'MATCH', `${prefix}*`, 'COUNT', 500);
      // One key per UNLINK: on a cluster the keys of one node still lie in many slots.
      await Promise.all(keys.map((key) => node.unlink(key)));
      cursor = next;
    } while (cursor !== '0');
  }
  await redis.quit();
}

/**
 * A connected Redis client (the cache role's, on REDIS_URL or on the cluster `url` names)
 * and a key prefix of its own; close() disconnects and drops the keys.
 */
export async function freshRedis(url = servers.redis.url) {
  if (!url) throw new Error('REDIS_URL is not set');
  const { openRedis } = await import('../../src/engines/redis.ts');
  const prefix = freshKeyPrefix();
  const redis = openRedis(url);
  await redis.connect();
  return {
    redis,
    prefix,
    /** Drops this prefix's keys only (a "flush" that never touches a shared Redis). */
    flush: () => dropKeys(url, prefix),
    async close() {
      await redis.quit();
      await dropKeys(url, prefix);
    },
  };
}
