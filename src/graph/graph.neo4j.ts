// The graph role on Neo4j: (:User)-[:FOLLOWS {created_at}]->(:User), in parameterised
// Cypher only, in managed transactions (executeRead / executeWrite) that the driver
// retries on transient errors, so every unit of work here is idempotent.
//
// Namespaces: every node carries `ns`, and (ns, id) is the uniqueness constraint, so that
// several deployments or test runs can share one Neo4j database without touching each
// other's users (Community Edition has one database; a label per namespace would need
// string-built Cypher). The platform passes its KEY_PREFIX, as it does to Redis.
import neo4j, { type Driver, type Integer, type ManagedTransaction } from 'neo4j-driver';
import { schemaOnFirstUse } from '../engines/schema.ts';
import type { Edge, FollowEdge, GraphPort, PageRequest } from './graph.port.ts';

export interface Neo4jGraphOptions {
  /** The database to use; the server's default when undefined. */
  database?: string;
  /** The namespace of this deployment's nodes. */
  namespace: string;
}

// JS numbers are sent as floats: every integer parameter goes as a Neo4j Integer, so that
// ids are stored as integers and LIMIT accepts its argument.
const int = (value: number) => neo4j.int(value);

/** An integer from Neo4j as a JS number, refusing any that would lose precision. */
export function toSafeNumber(value: unknown): number {
  if (neo4j.isInt(value)) {
    if (!neo4j.integer.inSafeRange(value))
      throw new RangeError(`integer ${value.toString()} is out of range`);
    return (value as Integer).toNumber();
  }
  if (typeof value === 'number' && Number.isSafeInteger(value)) return value;
  throw new TypeError(`expected an integer from Neo4j, got ${String(value)}`);
}

const CREATE_CONSTRAINT = `
  CREATE CONSTRAINT graph_user_key IF NOT EXISTS
  FOR (u:User) REQUIRE (u.ns, u.id) IS UNIQUE`;

// MERGE each node (the constraint makes that safe under concurrency), then MERGE the
// relationship between the bound nodes, never the whole pattern at once: MERGE of a
// relationship locks both nodes and checks again before creating, so one edge per pair.
const FOLLOW = `
  MERGE (a:User {ns: $ns, id: $followerId})
  MERGE (b:User {ns: $ns, id: $followeeId})
  MERGE (a)-[r:FOLLOWS]->(b)
    ON CREATE SET r.created_at = datetime()`;

// Taking the follower's write lock first serialises every change of this follower's edges,
// so that of two concurrent unfollows exactly one sees the edge and deletes it.
const LOCK_FOLLOWER = `
  MATCH (a:User {ns: $ns, id: $followerId})
  SET a._lock = true
  REMOVE a._lock`;

const UNFOLLOW = `
  MATCH (:User {ns: $ns, id: $followerId})-[r:FOLLOWS]->(:User {ns: $ns, id: $followeeId})
  DELETE r`;

// Positions are integer microseconds since the epoch, the same on every adapter.
const FOLLOWERS_PAGE = `
  MATCH (:User {ns: $ns, id: $userId})<-[r:FOLLOWS]-(other:User)
  WITH other.id AS userId, r.created_at.epochSeconds * 1000000 + r.created_at.microsecond AS at
  WHERE $afterAt IS NULL OR at < $afterAt OR (at = $afterAt AND userId < $afterId)
  RETURN userId, at
  ORDER BY at DESC, userId DESC
  LIMIT $limit`;

const FOLLOWING_PAGE = `
  MATCH (:User {ns: $ns, id: $userId})-[r:FOLLOWS]->(other:User)
  WITH other.id AS userId, r.created_at.epochSeconds * 1000000 + r.created_at.microsecond AS at
  WHERE $afterAt IS NULL OR at < $afterAt OR (at = $afterAt AND userId < $afterId)
  RETURN userId, at
  ORDER BY at DESC, userId DESC
  LIMIT $limit`;

const RELATIONSHIP = `
  RETURN
    EXISTS { MATCH (:User {ns: $ns, id: $userId})-[:FOLLOWS]->(:User {ns: $ns, id: $otherId}) } AS following,
    EXISTS { MATCH (:User {ns: $ns, id: $otherId})-[:FOLLOWS]->(:User {ns: $ns, id: $userId}) } AS followed_by`;

// The article's mutual-friends pattern. The second edge is an EXISTS subquery rather than part
// of one pattern, so that comparing a user with themself finds all they follow.
const COMMON_FOLLOWING = `
  MATCH (:User {ns: $ns, id: $userId})-[:FOLLOWS]->(common:User)
  WHERE EXISTS { MATCH (:User {ns: $ns, id: $otherId})-[:FOLLOWS]->(common) }
  RETURN common.id AS userId
  ORDER BY userId
  LIMIT $limit`;

// Friends of friends: each match of the pattern is one distinct two-step path.
const SUGGESTIONS = `
  MATCH (me:User {ns: $ns, id: $userId})-[:FOLLOWS]->(:User)-[:FOLLOWS]->(candidate:User)
  WHERE candidate <> me AND NOT EXISTS { MATCH (me)-[:FOLLOWS]->(candidate) }
  WITH candidate.id AS userId, count(*) AS strength
  RETURN userId, strength
  ORDER BY strength DESC, userId ASC
  LIMIT $limit`;

// COUNT { } of one relationship type and direction reads the node's degree, not its edges.
const MOST_FOLLOWED = `
  MATCH (u:User {ns: $ns})
  WHERE u.id <> $excludingUserId
  WITH u.id AS userId, COUNT { (u)<-[:FOLLOWS]-() } AS followers
  WHERE followers > 0
  RETURN userId, followers
  ORDER BY followers DESC, userId ASC
  LIMIT $limit`;

const COUNTS = `
  MATCH (u:User {ns: $ns, id: $userId})
  RETURN COUNT { (u)<-[:FOLLOWS]-() } AS followers, COUNT { (u)-[:FOLLOWS]->() } AS following`;

const DELETE_NAMESPACE_BATCH = `
  MATCH (u:User {ns: $ns})
  WITH u LIMIT $batch
  DETACH DELETE u
  RETURN count(*) AS deleted`;

/** The graph on Neo4j; its uniqueness constraint is created before the first write, so MERGE can rely on it. */
export async function createNeo4jGraph(driver: Driver, { database, namespace }: Neo4jGraphOptions) {
  const ns = namespace;

  const read = async <T>(work: (tx: ManagedTransaction) => Promise<T>): Promise<T> => {
    const session = driver.session({ database, defaultAccessMode: neo4j.session.READ });
    try {
      return await session.executeRead(work);
    } finally {
      await session.close();
    }
  };
  // MERGE relies on the uniqueness constraint: it exists before the first write.
  const constraint = schemaOnFirstUse(async () => {
    await driver.executeQuery(CREATE_CONSTRAINT, {}, { database, routing: neo4j.routing.WRITE });
  });
  const write = async <T>(work: (tx: ManagedTransaction) => Promise<T>): Promise<T> => {
    await constraint();
    const session = driver.session({ database, defaultAccessMode: neo4j.session.WRITE });
    try {
      return await session.executeWrite(work);
    } finally {
      await session.close();
    }
  };

  const page = async (query: string, userId: number, { limit, after }: PageRequest): Promise<Edge[]> => {
    const { records } = await read((tx) =>
      tx.run(query, {
        ns,
        userId: int(userId),
        afterAt: after ? int(after.at) : null,
        afterId: after ? int(after.userId) : null,
        limit: int(limit),
      }),
    );
    return records.map((record) => ({
      userId: toSafeNumber(record.get('userId')),
      at: toSafeNumber(record.get('at')),
    }));
  };

  /** True when this MERGE created the edge. */
  const followIn = async (tx: ManagedTransaction, { followerId, followeeId }: FollowEdge) => {
    const { summary } = await tx.run(FOLLOW, {
      ns,
      followerId: int(followerId),
      followeeId: int(followeeId),
    });
    return summary.counters.updates().relationshipsCreated > 0;
  };

  return {
    engine: 'neo4j',
    // The counters live beside the profiles in PostgreSQL, another store: the service moves them.
    keepsProfileCounts: false,

    follow: (followerId, followeeId) => write((tx) => followIn(tx, { followerId, followeeId })),

    // One transaction for the batch, with the same MERGE per edge as a single follow; a retry
    // of the transaction runs the whole batch again and finds out anew what it created.
    followMany: (edges) =>
      write(async (tx) => {
        const created: FollowEdge[] = [];
        for (const edge of edges) if (await followIn(tx, edge)) created.push(edge);
        return created;
      }),

    async unfollow(followerId, followeeId) {
      return write(async (tx) => {
        const params = { ns, followerId: int(followerId), followeeId: int(followeeId) };
        await tx.run(LOCK_FOLLOWER, params);
        const { summary } = await tx.run(UNFOLLOW, params);
        return summary.counters.updates().relationshipsDeleted > 0;
      });
    },

    followers: (userId, request) => page(FOLLOWERS_PAGE, userId, request),
    following: (userId, request) => page(FOLLOWING_PAGE, userId, request),

    async relationship(userId, otherId) {
      const { records } = await read((tx) =>
        tx.run(RELATIONSHIP, { ns, userId: int(userId), otherId: int(otherId) }),
      );
      const [record] = records;
      return {
        following: record?.get('following') === true,
        followed_by: record?.get('followed_by') === true,
      };
    },

    async commonFollowing(userId, otherId, limit) {
      const { records } = await read((tx) =>
        tx.run(COMMON_FOLLOWING, { ns, userId: int(userId), otherId: int(otherId), limit: int(limit) }),
      );
      return records.map((record) => toSafeNumber(record.get('userId')));
    },

    async suggestions(userId, limit) {
      const { records } = await read((tx) =>
        tx.run(SUGGESTIONS, { ns, userId: int(userId), limit: int(limit) }),
      );
      return records.map((record) => ({
        userId: toSafeNumber(record.get('userId')),
        strength: toSafeNumber(record.get('strength')),
      }));
    },

    async mostFollowed(limit, excludingUserId) {
      const { records } = await read((tx) =>
        tx.run(MOST_FOLLOWED, { ns, excludingUserId: int(excludingUserId), limit: int(limit) }),
      );
      return records.map((record) => ({
        userId: toSafeNumber(record.get('userId')),
        followers: toSafeNumber(record.get('followers')),
      }));
    },

    async counts(userId) {
      const { records } = await read((tx) => tx.run(COUNTS, { ns, userId: int(userId) }));
      const [record] = records;
      return record
        ? {
            followers: toSafeNumber(record.get('followers')),
            following: toSafeNumber(record.get('following')),
          }
        : { followers: 0, following: 0 };
    },

    async ping() {
      await driver.verifyConnectivity({ database });
    },
  } satisfies GraphPort;
}

/** Deletes every node (and edge) of a namespace, in batches: what a test run or benchmark made. */
export async function deleteNamespace(driver: Driver, database: string | undefined, namespace: string) {
  for (;;) {
    const { records } = await driver.executeQuery(
      DELETE_NAMESPACE_BATCH,
      { ns: namespace, batch: int(10_000) },
      { database, routing: neo4j.routing.WRITE },
    );
    if (toSafeNumber(records[0]?.get('deleted') ?? 0) === 0) return;
  }
}
