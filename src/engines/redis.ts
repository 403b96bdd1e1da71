// Redis connections for the cache and jobs roles: one server (ioredis' Redis) or a Redis
// Cluster (ioredis' Cluster, which routes each command to the master of its key's slot and
// follows MOVED/ASK redirections and failovers). Both speak the same commands, so adapters
// take a RedisClient and never ask which one they have.

import { createHash } from 'node:crypto';
import calculateSlot from 'cluster-key-slot';
import { Cluster, Redis, type RedisOptions } from 'ioredis';
import { isRedisClusterUrl, parseRedisClusterUrl } from './redis-url.ts';

export type RedisClient = Redis | Cluster;

/** Options of each connection to a server (for a cluster: to each of its nodes). */
export type ConnectionOptions = Pick<
  RedisOptions,
  'maxRetriesPerRequest' | 'commandTimeout' | 'connectTimeout' | 'enableOfflineQueue' | 'enableAutoPipelining'
> & {
  /** Reconnect delay after `attempt` failures; on a cluster it also paces reconnecting the whole cluster. */
  retryStrategy?: (attempt: number) => number;
};

/** A client for REDIS_URL, not yet connected (lazyConnect). */
export function connectRedis(url: string, options: ConnectionOptions = {}): RedisClient {
  const { enableOfflineQueue, enableAutoPipelining, retryStrategy, ...connection } = options;
  if (!isRedisClusterUrl(url)) return new Redis(url, { ...options, lazyConnect: true });
  const { nodes, username, password } = parseRedisClusterUrl(url);
  return new Cluster(nodes, {
    lazyConnect: true,
    ...(enableAutoPipelining === undefined ? {} : { enableAutoPipelining }),
    ...(enableOfflineQueue === undefined ? {} : { enableOfflineQueue }),
    ...(retryStrategy ? { clusterRetryStrategy: retryStrategy } : {}),
    // After a master fails, its replica takes over within the cluster's node timeout; commands
    // meanwhile are retried on the refreshed slot map instead of failing at once.
    retryDelayOnFailover: 200,
    retryDelayOnClusterDown: 200,
    slotsRefreshTimeout: 2000,
    slotsRefreshInterval: 2000,
    redisOptions: { ...connection, username, password },
  });
}

/** The cache role's connection: fails fast while Redis is down, so callers fall back to the stores of record. */
export function openRedis(url: string): RedisClient {
  const redis = connectRedis(url, {
    // Fail fast instead of queueing while Redis is down: callers fall back to the
    // stores of record (sessions, profiles) rather than hanging a request.
    enableOfflineQueue: false,
    maxRetriesPerRequest: 1,
    commandTimeout: 2000,
    connectTimeout: 3000,
    // Keep reconnecting, at most every 2 s, for as long as the process runs.
    retryStrategy: (attempt) => Math.min(attempt * 200, 2000),
    // Commands sent in the same tick go out as one pipeline per node: on a cluster, fan-out
    // writes to keys in many slots travel in a few round trips, no command spanning two slots.
    enableAutoPipelining: true,
  });
  // Without a listener ioredis reports every failed reconnect as an unhandled error.
  // An outage is already visible: /healthz names the role, and each failed cache call is logged.
  redis.on('error', () => {});
  return redis;
}

/**
 * `items` in groups whose keys (`keyOf`) share a hash slot, each at most `most` long, so that
 * one script or multi-key command may take a group on Redis Cluster (with ioredis' own slot
 * function). A single server has no slots: there the groups only split `items` by `most`.
 */
export function groupsBySlot<T>(
  redis: RedisClient,
  items: readonly T[],
  keyOf: (item: T) => string,
  most: number,
): T[][] {
  const bySlot = new Map<number, T[]>();
  if (redis instanceof Cluster) {
    for (const item of items) {
      const slot = calculateSlot(keyOf(item));
      const group = bySlot.get(slot);
      if (group) group.push(item);
      else bySlot.set(slot, [item]);
    }
  } else if (items.length) bySlot.set(0, [...items]);
  return [...bySlot.values()].flatMap((group) =>
    Array.from({ length: Math.ceil(group.length / most) }, (_, i) => group.slice(i * most, (i + 1) * most)),
  );
}

/** A Lua script and its SHA1, by which it runs once a node has it. */
export interface Script {
  lua: string;
  sha: string;
}

export const scriptOf = (lua: string): Script => ({ lua, sha: createHash('sha1').update(lua).digest('hex') });

/**
 * Runs a script by its SHA1, loading it on the node that lacks it (a restart, a new cluster
 * node). EVALSHA rather than defineCommand: the number of keys varies per call, and with the
 * command's own name ioredis routes a call, and groups it into a node's auto-pipeline, by the
 * slot of its first key.
 */
export async function runScript(
  redis: RedisClient,
  { lua, sha }: Script,
  keys: readonly string[],
  args: ReadonlyArray<string | number>,
): Promise<unknown> {
  try {
    return await redis.evalsha(sha, keys.length, ...keys, ...args);
  } catch (error) {
    if (!(error instanceof Error && error.message.startsWith('NOSCRIPT'))) throw error;
    return redis.eval(lua, keys.length, ...keys, ...args);
  }
}

/** `text` matched literally in a SCAN MATCH pattern (glob: * ? [ ] and \\ are special). */
export const globLiteral = (text: string) => text.replace(/[*?[\]\\]/g, (c) => `\\${c}`);

/**
 * Deletes every key that starts with `keyStart` (SCAN, never KEYS: the server is not blocked),
 * in batches. On a cluster every master is scanned (SCAN sees one node's keys), and each key is
 * unlinked by itself through the cluster client, so no command spans two slots. Keys written
 * meanwhile under that start may survive one pass.
 */
export async function unlinkKeysStartingWith(redis: RedisClient, keyStart: string): Promise<void> {
  const nodes = redis instanceof Cluster ? redis.nodes('master') : [redis];
  for (const node of nodes) {
    let cursor = '0';
    do {
      const [next, keys] = await node.scan(cursor, 'MATCH', `${globLiteral(keyStart)}*`, 'COUNT', 1000);
      await Promise.all(keys.map((key) => redis.unlink(key)));
      cursor = next;
    } while (cursor !== '0');
  }
}
