// What the graph's suites share: the stacks an HTTP suite of the graph runs on (the embedded
// default, PostgreSQL + Redis, and the graph on Neo4j with the accounts on PGlite wherever
// NEO4J_URL is set; Neo4j nodes carry a namespace of the suite's own, deleted when it ends),
// and the relationship of two users with nothing between them.
import { openNeo4j } from '../../src/engines/neo4j.ts';
import { deleteNamespace } from '../../src/graph/graph.neo4j.ts';
import type { TestAppOptions } from './app.ts';
import { freshKeyPrefix } from './stores.ts';
import { servers } from './targets.ts';

export const noRelation = {
  following: false,
  followed_by: false,
  blocking: false,
  blocked_by: false,
  muting: false,
};

export interface GraphStack {
  name: string;
  options: TestAppOptions;
  skip: string | undefined;
  /** Removes what the stack left on a shared server (the Neo4j namespace); nothing elsewhere. */
  cleanUp(): Promise<void>;
}

export function graphStacks(): GraphStack[] {
  const neo4jNamespace = freshKeyPrefix();
  const nothing = async () => {};
  return [
    { name: 'PGlite + memory cache', options: {}, skip: undefined, cleanUp: nothing },
    {
      name: 'PostgreSQL + Redis',
      options: { sql: 'postgres', cache: 'redis', env: { GRAPH_STORE: 'postgres' } },
      skip: servers.postgres.skipReason ?? servers.redis.skipReason,
      cleanUp: nothing,
    },
    {
      name: 'Neo4j (graph) + PGlite (accounts)',
      options: {
        env: { NEO4J_URL: servers.neo4j.url ?? '', GRAPH_STORE: 'neo4j', KEY_PREFIX: neo4jNamespace },
      },
      skip: servers.neo4j.skipReason,
      cleanUp: async () => {
        if (!servers.neo4j.url) return;
        const { driver, database } = openNeo4j(servers.neo4j.url);
        await deleteNamespace(driver, database, neo4jNamespace);
        await driver.close();
      },
    },
  ];
}
