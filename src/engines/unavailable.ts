// Store errors translated at the engine edge. Each driver says "I cannot reach my server" in
// its own words (SQLSTATEs and socket codes, ioredis' messages, MongoDB's and Neo4j's error
// names, fetch's causes); here they become one StoreUnavailableError naming the role (a 503
// with Retry-After), and PostgreSQL's refusals of the data become a 400 or 409. Every port
// a role opens is wrapped by guardPort, so nothing above the adapters knows any of this.
import type { Engine } from '../config.ts';
import { ConflictError, StoreRefusedError, StoreUnavailableError } from '../errors.ts';
import { sqlState } from './sql.ts';

/** Socket-level failures, as Node names them on any driver's error (or its cause). */
const SOCKET_CODES = new Set(['ECONNREFUSED', 'ECONNRESET', 'ETIMEDOUT', 'EPIPE', 'ENOTFOUND', 'EAI_AGAIN']);

const codeOf = (error: unknown): unknown => (error as { code?: unknown } | null)?.code;
const messageOf = (error: unknown): string => (error instanceof Error ? error.message : String(error));
const causeOf = (error: unknown): unknown => (error as { cause?: unknown } | null)?.cause;

function socketFailure(error: unknown): boolean {
  return SOCKET_CODES.has(String(codeOf(error))) || SOCKET_CODES.has(String(codeOf(causeOf(error))));
}

/**
 * PostgreSQL (pg) and PGlite: connection exceptions (class 08), insufficient resources (53),
 * the server shutting down or starting (57P01-57P03), pg's pool and socket messages, and a
 * closed PGlite.
 */
function sqlUnreachable(error: unknown): boolean {
  const state = sqlState(error);
  if (state) return state.startsWith('08') || state.startsWith('53') || /^57P0[1-3]$/.test(state);
  return (
    socketFailure(error) ||
    /timeout exceeded when trying to connect|Connection terminated|Query read timeout|not queryable|pool after calling end|PGlite is closed/i.test(
      messageOf(error),
    )
  );
}

/** Replies of a Redis that is loading, read-only after a failover, or a cluster without quorum. */
const REDIS_UNAVAILABLE_REPLY = /^(LOADING|READONLY|CLUSTERDOWN|TRYAGAIN|MASTERDOWN)\b/;

/** ioredis: no connection (offline queue off), a command timeout, a closed connection, retries exhausted. */
function redisUnreachable(error: unknown): boolean {
  if ((error as Error | null)?.name === 'ReplyError') return REDIS_UNAVAILABLE_REPLY.test(messageOf(error));
  return (
    socketFailure(error) ||
    (error as Error | null)?.name === 'MaxRetriesPerRequestError' ||
    /Stream isn't writeable|Connection is closed|Command timed out|connect ETIMEDOUT|All nodes failed|Failed to refresh slots cache/i.test(
      messageOf(error),
    )
  );
}

/** The MongoDB driver's errors for "no server to talk to". */
const MONGO_UNAVAILABLE = new Set([
  'MongoServerSelectionError',
  'MongoNetworkError',
  'MongoNetworkTimeoutError',
  'MongoTopologyClosedError',
  'MongoNotConnectedError',
  'MongoPoolClearedError',
  'MongoServerClosedError',
]);

/** Neo4j's codes for a cluster or server that cannot take the work now. */
const NEO4J_UNAVAILABLE = new Set([
  'ServiceUnavailable',
  'SessionExpired',
  'Neo.TransientError.General.DatabaseUnavailable',
]);

/** True when `error` says the engine's server could not be reached (not that it refused the work). */
export function isUnreachable(engine: Engine, error: unknown): boolean {
  switch (engine) {
    case 'pglite':
    case 'postgres':
      return sqlUnreachable(error);
    case 'redis':
      return redisUnreachable(error);
    case 'mongo':
      return MONGO_UNAVAILABLE.has((error as Error | null)?.name ?? '') || socketFailure(error);
    case 'neo4j':
      return NEO4J_UNAVAILABLE.has(String(codeOf(error))) || socketFailure(error);
    case 'influx':
      // engines/influx.ts gives fetch's failures the cause's socket code.
      return socketFailure(error);
    case 'memory':
      return false;
  }
}

/** Where a port runs: the role it serves and the engine under it. */
export interface StoreSite {
  role: string;
  engine: Engine;
}

/** The domain error for a store's failure, or the error itself when it is none of the store's saying. */
export function translateStoreError(error: unknown, { role, engine }: StoreSite): unknown {
  if (error instanceof StoreUnavailableError) return error;
  if (isUnreachable(engine, error)) return new StoreUnavailableError(role, engine, { cause: error });
  if (engine === 'pglite' || engine === 'postgres') {
    // The database refused the data: a rule the edge should have caught. Still the client's input.
    const state = sqlState(error);
    if (state?.startsWith('22') || state === '23514' || state === '23502') {
      return new StoreRefusedError({ cause: error });
    }
    if (state === '23505') return new ConflictError('conflict', 'this conflicts with existing data');
  }
  return error;
}

/**
 * The port with every method's failures translated (synchronous throws and rejected
 * promises alike); properties and `this` are the port's own.
 */
export function guardPort<Port extends object>(port: Port, site: StoreSite): Port {
  const wrapped = new Map<PropertyKey, unknown>();
  return new Proxy(port, {
    get(target, key, receiver) {
      const value = Reflect.get(target, key, receiver);
      if (typeof value !== 'function') return value;
      let guarded = wrapped.get(key);
      if (!guarded) {
        guarded = function (this: unknown, ...args: unknown[]) {
          let result: unknown;
          try {
            result = value.apply(this === receiver ? target : this, args);
          } catch (error) {
            throw translateStoreError(error, site);
          }
          return result instanceof Promise
            ? result.catch((error: unknown) => {
                throw translateStoreError(error, site);
              })
            : result;
        };
        wrapped.set(key, guarded);
      }
      return guarded;
    },
  });
}
