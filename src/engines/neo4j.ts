// A Neo4j driver for the graph role, over Bolt. NEO4J_URL carries the credentials and,
// optionally, the database as its path: neo4j://user:password@host:7687/neo4j.
import neo4j, { type Driver } from 'neo4j-driver';

export interface Neo4jConnection {
  driver: Driver;
  /** The database to open sessions on; the server's default when undefined. */
  database: string | undefined;
}

/** `connectTimeoutMs`: how long a connection may take; managed transactions retry for three times that. */
export function openNeo4j(url: string, { connectTimeoutMs = 5000 } = {}): Neo4jConnection {
  const parsed = new URL(url);
  const user = decodeURIComponent(parsed.username);
  const password = decodeURIComponent(parsed.password);
  const database = decodeURIComponent(parsed.pathname.replace(/^\/+/, '')) || undefined;
  // The driver takes the address alone; credentials go in the auth token, never in a URL it may log.
  const address = `${parsed.protocol}//${parsed.host}${parsed.search}`;
  // A server with authentication off takes the 'none' scheme (which the driver's types omit).
  const auth = user ? neo4j.auth.basic(user, password) : { scheme: 'none', principal: '', credentials: '' };
  const driver = neo4j.driver(address, auth, {
    connectionTimeout: connectTimeoutMs,
    connectionAcquisitionTimeout: connectTimeoutMs,
    // Managed transactions retry transient errors (deadlocks, leader switches) for this long.
    maxTransactionRetryTime: 3 * connectTimeoutMs,
    userAgent: 'polyglot-social',
  });
  return { driver, database };
}
