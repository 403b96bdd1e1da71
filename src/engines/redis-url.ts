// REDIS_URL: one Redis server (redis://, rediss://) or a Redis Cluster, named by some of its
// nodes: redis+cluster://[user:password@]host:port,host:port,... The client learns the rest
// of the cluster (every master and replica, the slot map) from the nodes it is given.
// No driver is imported here: the configuration checks the URL before any engine opens.

export interface RedisClusterTarget {
  nodes: Array<{ host: string; port: number }>;
  username?: string;
  password?: string;
}

export const REDIS_CLUSTER_PROTOCOL = 'redis+cluster:';

export const isRedisClusterUrl = (url: string) =>
  url.trim().toLowerCase().startsWith(`${REDIS_CLUSTER_PROTOCOL}//`);

/** The nodes and credentials of a redis+cluster:// URL; throws an Error saying what is wrong. */
export function parseRedisClusterUrl(url: string): RedisClusterTarget {
  const rest = url.trim().slice(`${REDIS_CLUSTER_PROTOCOL}//`.length).replace(/\/$/, '');
  const at = rest.lastIndexOf('@');
  const credentials = at >= 0 ? rest.slice(0, at) : '';
  const hosts = at >= 0 ? rest.slice(at + 1) : rest;
  const nodes = hosts.split(',').map((node) => {
    // Each node is parsed as a URL of its own, so IPv6 ([::1]:7000) and host names work as usual.
    let parsed: URL | undefined;
    try {
      parsed = new URL(`redis://${node.trim()}`);
    } catch {}
    if (!parsed?.hostname || !parsed.port || parsed.pathname !== '' || parsed.username) {
      throw new Error(`"${node}" is not a cluster node host:port`);
    }
    return { host: parsed.hostname.replace(/^\[(.*)\]$/, '$1'), port: Number(parsed.port) };
  });
  const target: RedisClusterTarget = { nodes };
  if (credentials) {
    const colon = credentials.indexOf(':');
    const username = decodeURIComponent(colon >= 0 ? credentials.slice(0, colon) : credentials);
    if (username) target.username = username;
    if (colon >= 0) target.password = decodeURIComponent(credentials.slice(colon + 1));
  }
  return target;
}
