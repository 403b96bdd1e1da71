// A MongoDB client for the posts role, through the official driver. MONGODB_URL names the
// servers, the credentials and, as its path, the database (mongodb://host:27017/polyglot).
import { type Db, MongoClient } from 'mongodb';

export interface MongoConnection {
  client: MongoClient;
  db: Db;
  /** The write concern every write and transaction of this connection uses. */
  writeConcern: { w: 'majority' | number; journal: true };
}

export interface MongoOptions {
  /** `w`: 'majority' (the article's CP choice) or how many members must acknowledge. */
  writeConcern: 'majority' | number;
  /** Overrides the database named in the URL (tests use one of their own per run). */
  database?: string;
  /** How long finding a server or connecting to it may take (5 s unless set). */
  connectTimeoutMs?: number;
}

const DEFAULT_DATABASE = 'polyglot';

/** The database in the URL's path, read without a URL parser: a replica-set URL lists several hosts. */
export function databaseInUrl(url: string): string | undefined {
  const match = /^mongodb(?:\+srv)?:\/\/[^/]*\/([^?]+)/.exec(url);
  return match?.[1] ? decodeURIComponent(match[1]) : undefined;
}

export function openMongo(
  url: string,
  { writeConcern, database, connectTimeoutMs = 5000 }: MongoOptions,
): MongoConnection {
  // Journaled writes: an acknowledged post survives a crash of the members that acknowledged it.
  const concern = { w: writeConcern, journal: true } as const;
  const client = new MongoClient(url, {
    writeConcern: concern,
    appName: 'polyglot-social',
    // A MongoDB that is down fails a request within seconds (503) instead of holding it.
    serverSelectionTimeoutMS: connectTimeoutMs,
    connectTimeoutMS: connectTimeoutMs,
  });
  // The driver connects on first use; the posts adapter's start (its indexes) is that use.
  return { client, db: client.db(database ?? databaseInUrl(url) ?? DEFAULT_DATABASE), writeConcern: concern };
}

export async function pingMongo({ db }: MongoConnection): Promise<void> {
  await db.command({ ping: 1 });
}

export async function closeMongo({ client }: MongoConnection): Promise<void> {
  await client.close();
}
