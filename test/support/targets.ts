// Which real servers this run can reach. A suite for a server that is not configured is
// skipped and says why; under CI=true a server CI can start must be there, so the
// global setup fails the run instead of skipping.
export const isCI = process.env.CI === 'true';

export interface ServerTarget {
  url: string | undefined;
  /** Why the suite is skipped, or undefined when it runs. */
  skipReason: string | undefined;
  /** CI starts this server, so under CI=true its absence fails the run. */
  ciStartsIt: boolean;
}

function target(variable: string, what: string, ciStartsIt: boolean): ServerTarget {
  const url = process.env[variable]?.trim() || undefined;
  if (url) return { url, skipReason: undefined, ciStartsIt };
  return {
    url,
    ciStartsIt,
    skipReason: ciStartsIt
      ? `${variable} is not set, so the ${what} suites are skipped (.ci/run sets it)`
      : `${variable} is not set, so the ${what} suites are skipped; set ${variable} to a ${what} server to run them`,
  };
}

export const servers = {
  postgres: target('DATABASE_URL', 'PostgreSQL', true),
  redis: target('REDIS_URL', 'Redis', true),
  redisCluster: target('REDIS_CLUSTER_URL', 'Redis Cluster', true),
  neo4j: target('NEO4J_URL', 'Neo4j', false),
  mongo: target('MONGODB_URL', 'MongoDB', false),
  influx: target('INFLUX_URL', 'InfluxDB', true),
};

/** The Redis servers the cache and jobs suites run on: one server, and a Redis Cluster. */
export const redisTargets = [
  { name: 'Redis (server)', server: servers.redis },
  { name: 'Redis Cluster (server)', server: servers.redisCluster },
] as const;

/** A describe title that says plainly when and why a suite is skipped. */
export const titled = (title: string, server: ServerTarget) =>
  server.skipReason ? `${title} [SKIPPED: ${server.skipReason}]` : title;

/** The two stacks HTTP suites run on: the embedded default, and the real PostgreSQL + Redis. */
export const httpStacks = [
  { name: 'PGlite + memory cache', sql: 'pglite', cache: 'memory', skip: undefined },
  {
    name: 'PostgreSQL + Redis',
    sql: 'postgres',
    cache: 'redis',
    skip: servers.postgres.skipReason ?? servers.redis.skipReason,
  },
] as const;

/**
 * PostgreSQL with the cache and jobs roles on a Redis Cluster: the HTTP suites of the features
 * that lean most on Redis (feeds, commerce) run on it besides httpStacks.
 */
export const clusterStack = {
  name: 'PostgreSQL + Redis Cluster',
  sql: 'postgres',
  cache: 'redis-cluster',
  skip: servers.postgres.skipReason ?? servers.redisCluster.skipReason,
} as const;

export type HttpStack = (typeof httpStacks)[number] | typeof clusterStack;

/** "<what> on <stack>", saying plainly when and why the stack is skipped. */
export const stackTitle = (what: string, stack: HttpStack) =>
  stack.skip ? `${what} on ${stack.name} [SKIPPED: ${stack.skip}]` : `${what} on ${stack.name}`;
