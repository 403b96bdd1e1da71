// The graph role on Neo4j: (:User)-[:FOLLOWS|BLOCKS|MUTES {created_at}]->(:User), in
// parameterised Cypher only (relationship types come from constants, never from input), in
// managed transactions (executeRead / executeWrite) that the driver retries on transient
// errors, so every unit of work here is idempotent.
//
// Namespaces: every node carries `ns`, and (ns, id) is the uniqueness constraint, so that
// several deployments or test runs can share one Neo4j database without touching each
// other's users (Community Edition has one database; a label per namespace would need
// string-built Cypher). The platform passes its KEY_PREFIX, as it does to Redis.
import neo4j, { type Driver, type Integer, type ManagedTransaction } from 'neo4j-driver';
import { schemaOnFirstUse } from '../engines/schema.ts';
import type { Edge, FollowEdge, GraphPort, PageRequest, Relationship } from './graph.port.ts';

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

// MERGE each node (the constraint makes that safe under concurrency), then take both nodes'
// write locks in id order (held to the end of the transaction), so that a follow and a block
// of the same pair run one after the other and a follow sees a block committed before it.
const MERGE_AND_LOCK_PAIR = `
  MERGE (a:User {ns: $ns, id: $fromId})
  MERGE (b:User {ns: $ns, id: $toId})
  WITH a, b
  FOREACH (n IN CASE WHEN a.id < b.id THEN [a, b] ELSE [b, a] END | SET n._lock = true REMOVE n._lock)`;

// MERGE the relationship between the bound nodes, never the whole pattern at once: MERGE of a
// relationship locks both nodes and checks again before creating, so one edge per pair. No
// follow is made while a block exists either way.
const FOLLOW = `${MERGE_AND_LOCK_PAIR}
  WITH a, b
  WHERE NOT EXISTS { (a)-[:BLOCKS]-(b) }
  MERGE (a)-[r:FOLLOWS]->(b)
    ON CREATE SET r.created_at = datetime()`;

// A relation of a user towards another that a list shows: (from)-[TYPE]->(to).
type RelationType = 'FOLLOWS' | 'BLOCKS' | 'MUTES';

/** MERGE one relation between existing-or-new nodes; its created_at is its list position. */
const mergeRelation = (type: Exclude<RelationType, 'FOLLOWS'>) => `
  MERGE (a:User {ns: $ns, id: $fromId})
  MERGE (b:User {ns: $ns, id: $toId})
  MERGE (a)-[r:${type}]->(b)
    ON CREATE SET r.created_at = datetime()`;

// Taking the first end's write lock before deleting serialises every change of its relations,
// so that of two concurrent removals exactly one sees the relation and deletes it.
const removeRelation = (type: RelationType) => `
  MATCH (a:User {ns: $ns, id: $fromId})
  SET a._lock = true
  REMOVE a._lock
  WITH a
  MATCH (a)-[r:${type}]->(:User {ns: $ns, id: $toId})
  DELETE r`;

// The follows between the pair, both directions (an undirected pattern between two bound,
// distinct nodes matches each relationship once), deleted and returned.
const UNFOLLOW_BOTH_WAYS = `
  MATCH (a:User {ns: $ns, id: $fromId})-[f:FOLLOWS]-(b:User {ns: $ns, id: $toId})
  WITH f, startNode(f).id AS followerId, endNode(f).id AS followeeId
  DELETE f
  RETURN followerId, followeeId`;

// Positions are integer microseconds since the epoch, the same on every adapter. `pattern`
// binds the list's relationship as r and the far end as other.
const listPage = (pattern: string) => `
  MATCH ${pattern}
  WITH other.id AS userId, r.created_at.epochSeconds * 1000000 + r.created_at.microsecond AS at
  WHERE $afterAt IS NULL OR at < $afterAt OR (at = $afterAt AND userId < $afterId)
  RETURN userId, at
  ORDER BY at DESC, userId DESC
  LIMIT $limit`;

const PAGES = {
  followers: listPage('(:User {ns: $ns, id: $userId})<-[r:FOLLOWS]-(other:User)'),
  following: listPage('(:User {ns: $ns, id: $userId})-[r:FOLLOWS]->(other:User)'),
  blocks: listPage('(:User {ns: $ns, id: $userId})-[r:BLOCKS]->(other:User)'),
  mutes: listPage('(:User {ns: $ns, id: $userId})-[r:MUTES]->(other:User)'),
};

// Blocks count in either direction (an undirected pattern); mutes only the viewer's own.
const HIDDEN_FROM = `
  MATCH (viewer:User {ns: $ns, id: $viewerId})
  UNWIND $userIds AS askedId
  MATCH (other:User {ns: $ns, id: askedId})
  WHERE EXISTS { (viewer)-[:BLOCKS]-(other) }
     OR ($withMutes AND EXISTS { (viewer)-[:MUTES]->(other) })
  RETURN DISTINCT other.id AS userId
  ORDER BY userId`;

const ALL_HIDDEN_FROM = `
  MATCH (viewer:User {ns: $ns, id: $viewerId})-[relation:BLOCKS|MUTES]-(other:User {ns: $ns})
  WHERE type(relation) = 'BLOCKS' OR ($withMutes AND startNode(relation) = viewer)
  RETURN DISTINCT other.id AS userId
  LIMIT $limit`;

const BLOCK_BETWEEN = `
  RETURN EXISTS {
    MATCH (:User {ns: $ns, id: $userId})-[:BLOCKS]-(:User {ns: $ns, id: $otherId})
  } AS blocked`;

const RELATIONSHIP = `
  RETURN
    EXISTS { MATCH (:User {ns: $ns, id: $userId})-[:FOLLOWS]->(:User {ns: $ns, id: $otherId}) } AS following,
    EXISTS { MATCH (:User {ns: $ns, id: $otherId})-[:FOLLOWS]->(:User {ns: $ns, id: $userId}) } AS followed_by,
    EXISTS { MATCH (:User {ns: $ns, id: $userId})-[:BLOCKS]->(:User {ns: $ns, id: $otherId}) } AS blocking,
    EXISTS { MATCH (:User {ns: $ns, id: $otherId})-[:BLOCKS]->(:User {ns: $ns, id: $userId}) } AS blocked_by,
    EXISTS { MATCH (:User {ns: $ns, id: $userId})-[:MUTES]->(:User {ns: $ns, id: $otherId}) } AS muting`;

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

const ERASE_USER = `
  MATCH (u:User {ns: $ns, id: $userId})
  DETACH DELETE u`;

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

  const page = async (
    list: keyof typeof PAGES,
    userId: number,
    { limit, after }: PageRequest,
  ): Promise<Edge[]> => {
    const { records } = await read((tx) =>
      tx.run(PAGES[list], {
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

  const pair = (fromId: number, toId: number) => ({ ns, fromId: int(fromId), toId: int(toId) });

  /** True when this MERGE created the edge. */
  const followIn = async (tx: ManagedTransaction, { followerId, followeeId }: FollowEdge) => {
    const { summary } = await tx.run(FOLLOW, pair(followerId, followeeId));
    return summary.counters.updates().relationshipsCreated > 0;
  };

  /** True when this call created the relation. */
  const addRelation = async (type: 'BLOCKS' | 'MUTES', fromId: number, toId: number) => {
    const { summary } = await write((tx) => tx.run(mergeRelation(type), pair(fromId, toId)));
    return summary.counters.updates().relationshipsCreated > 0;
  };

  /** True when this call deleted the relation. */
  const deleteRelation = async (type: RelationType, fromId: number, toId: number) => {
    const { summary } = await write((tx) => tx.run(removeRelation(type), pair(fromId, toId)));
    return summary.counters.updates().relationshipsDeleted > 0;
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

    unfollow: (followerId, followeeId) => deleteRelation('FOLLOWS', followerId, followeeId),

    followers: (userId, request) => page('followers', userId, request),
    following: (userId, request) => page('following', userId, request),

    // One transaction: the pair locked as a follow locks it, the block merged, the follows
    // between them deleted. A retry runs it all again and finds out anew what it changed.
    block: (blockerId, blockedId) =>
      write(async (tx) => {
        const params = pair(blockerId, blockedId);
        await tx.run(MERGE_AND_LOCK_PAIR, params);
        const { summary } = await tx.run(mergeRelation('BLOCKS'), params);
        const { records } = await tx.run(UNFOLLOW_BOTH_WAYS, params);
        return {
          created: summary.counters.updates().relationshipsCreated > 0,
          unfollowed: records.map((record) => ({
            followerId: toSafeNumber(record.get('followerId')),
            followeeId: toSafeNumber(record.get('followeeId')),
          })),
        };
      }),
    unblock: (blockerId, blockedId) => deleteRelation('BLOCKS', blockerId, blockedId),
    mute: (muterId, mutedId) => addRelation('MUTES', muterId, mutedId),
    unmute: (muterId, mutedId) => deleteRelation('MUTES', muterId, mutedId),

    blocks: (userId, request) => page('blocks', userId, request),
    mutes: (userId, request) => page('mutes', userId, request),

    async hiddenFrom(viewerId, userIds, scope) {
      if (userIds.length === 0) return [];
      const { records } = await read((tx) =>
        tx.run(HIDDEN_FROM, {
          ns,
          viewerId: int(viewerId),
          userIds: userIds.map(int),
          withMutes: scope === 'blocks_and_mutes',
        }),
      );
      return records.map((record) => toSafeNumber(record.get('userId')));
    },

    async allHiddenFrom(viewerId, scope, limit) {
      const { records } = await read((tx) =>
        tx.run(ALL_HIDDEN_FROM, {
          ns,
          viewerId: int(viewerId),
          withMutes: scope === 'blocks_and_mutes',
          limit: int(limit),
        }),
      );
      return records.map((record) => toSafeNumber(record.get('userId')));
    },

    async blockBetween(userId, otherId) {
      const { records } = await read((tx) =>
        tx.run(BLOCK_BETWEEN, { ns, userId: int(userId), otherId: int(otherId) }),
      );
      return records[0]?.get('blocked') === true;
    },

    async relationship(userId, otherId) {
      const { records } = await read((tx) =>
        tx.run(RELATIONSHIP, { ns, userId: int(userId), otherId: int(otherId) }),
      );
      const [record] = records;
      const flag = (key: keyof Relationship) => record?.get(key) === true;
      return {
        following: flag('following'),
        followed_by: flag('followed_by'),
        blocking: flag('blocking'),
        blocked_by: flag('blocked_by'),
        muting: flag('muting'),
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

    async eraseUser(userId) {
      await write((tx) => tx.run(ERASE_USER, { ns, userId: int(userId) }));
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
