import { randomBytes } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import type { AccountsPort } from '../../src/accounts/accounts.port.ts';
import { createPostgresAccounts, sqlProfileCounters } from '../../src/accounts/accounts.postgres.ts';
import { forgetProfilesOnCounterChanges } from '../../src/accounts/accounts.service.ts';
import { createMemoryCache } from '../../src/cache/cache.memory.ts';
import { cacheKeys } from '../../src/cache/cache.port.ts';
import { openNeo4j } from '../../src/engines/neo4j.ts';
import type { SqlDatabase } from '../../src/engines/sql.ts';
import { EventBus } from '../../src/events.ts';
import { AdjacencyGraph } from '../../src/graph/adjacency.ts';
import { generateGraph, mulberry32 } from '../../src/graph/generator.ts';
import { createNeo4jGraph, deleteNamespace } from '../../src/graph/graph.neo4j.ts';
import type { GraphPort, SuggestionBound } from '../../src/graph/graph.port.ts';
import { createPostgresGraph } from '../../src/graph/graph.postgres.ts';
import { decodeCursor, encodeCursor, GraphService } from '../../src/graph/graph.service.ts';
import { CursorCodec } from '../../src/pagination.ts';
import { freshKeyPrefix, freshSqlDatabase, type SqlEngine } from '../support/stores.ts';
import { servers } from '../support/targets.ts';
import { type GraphHarness, graphContract } from './graph.contract.ts';

let made = 0;

/** Real accounts (the edge table references them), made through the accounts adapter. */
async function makeAccounts(accounts: AccountsPort, count: number): Promise<number[]> {
  const ids: number[] = [];
  for (let i = 0; i < count; i++) {
    const n = `${process.pid}_${made++}`;
    const result = await accounts.createAccount({
      email: `graph_${n}@example.com`,
      // Never checked here: only its argon2id shape is, by the table's CHECK.
      passwordHash: '$argon2id$v=19$m=19456,t=2,p=1$graph$contract',
      name: `Graph ${n}`,
      birthdate: '1990-01-01',
      handleCandidates: [`graph_${n}`],
    });
    if (!result.ok) throw new Error(`could not make an account: ${result.taken} taken`);
    ids.push(result.account.id);
  }
  return ids;
}

const sqlHarness =
  (engine: SqlEngine) =>
  async (bound?: SuggestionBound): Promise<GraphHarness> => {
    const db = await freshSqlDatabase(engine);
    const accounts = createPostgresAccounts(db);
    return {
      graph: createPostgresGraph(db, sqlProfileCounters, bound),
      newUsers: (count) => makeAccounts(accounts, count),
      close: () => db.close(),
    };
  };

graphContract('PGlite (embedded)', sqlHarness('pglite'));
graphContract('PostgreSQL (server)', sqlHarness('postgres'), servers.postgres.skipReason);
graphContract(
  'Neo4j (server)',
  async (bound) => {
    const { driver, database } = openNeo4j(servers.neo4j.url as string);
    // A namespace of its own: nodes of other runs (or real data) in that database are never touched.
    const namespace = freshKeyPrefix();
    let next = 1;
    return {
      graph: await createNeo4jGraph(driver, { database, namespace, suggestionBound: bound }),
      newUsers: async (count) => Array.from({ length: count }, () => next++),
      close: async () => {
        await deleteNamespace(driver, database, namespace);
        await driver.close();
      },
    };
  },
  servers.neo4j.skipReason,
);

describe('the graph generator', () => {
  it('gives the same graph for the same seed, and another for another seed', () => {
    const shape = { users: 500, averageFollowing: 12 };
    const a = generateGraph({ ...shape, seed: 7 });
    const b = generateGraph({ ...shape, seed: 7 });
    const c = generateGraph({ ...shape, seed: 8 });
    expect(a.followers).toEqual(b.followers);
    expect(a.followees).toEqual(b.followees);
    expect(Buffer.from(c.followees.buffer).equals(Buffer.from(a.followees.buffer))).toBe(false);
  });

  it('makes no self-edge and no pair twice, with about the mean degree asked', () => {
    const { users, followers, followees } = generateGraph({ users: 2000, averageFollowing: 20, seed: 1 });
    const pairs = new Set<number>();
    for (let i = 0; i < followers.length; i++) {
      expect(followers[i]).not.toBe(followees[i]);
      pairs.add((followers[i] as number) * users + (followees[i] as number));
    }
    expect(pairs.size).toBe(followers.length);
    expect(followers.length / users).toBeGreaterThan(15);
    expect(followers.length / users).toBeLessThan(25);
  });

  it('gives heavy-tailed follower counts: a few accounts draw many followers', () => {
    const { users, followees } = generateGraph({ users: 5000, averageFollowing: 20, seed: 3 });
    const inDegree = new Int32Array(users);
    for (const followee of followees) inDegree[followee] = (inDegree[followee] as number) + 1;
    const sorted = [...inDegree].sort((x, y) => y - x);
    const top1percent = sorted.slice(0, users / 100).reduce((sum, d) => sum + d, 0);
    // Uniform choice would give the top 1% about 1-2% of the edges; preferential attachment far more.
    expect(top1percent / followees.length).toBeGreaterThan(0.1);
    expect(sorted.at(-1)).toBeLessThan(sorted[0] as number);
  });

  it('is a seeded PRNG: mulberry32 repeats its sequence', () => {
    const [x, y] = [mulberry32(99), mulberry32(99)];
    const xs = Array.from({ length: 5 }, x);
    expect(Array.from({ length: 5 }, y)).toEqual(xs);
    expect(xs.every((value) => value >= 0 && value < 1)).toBe(true);
  });

  it('ranks suggestions in process like the adapters do (the oracle itself)', () => {
    // Alice 0 -> Bob 1, Carol 2; Bob -> Carol, Dave 3; Carol -> Dave.
    const oracle = new AdjacencyGraph([0, 0, 1, 1, 2], [1, 2, 2, 3, 3]);
    expect(oracle.suggestions(0, 10)).toEqual([{ userId: 3, strength: 2 }]);
    expect(oracle.suggestions(3, 10)).toEqual([]);
  });
});

describe('graph cursors', () => {
  const codec = new CursorCodec(randomBytes(32));
  it('round-trips and refuses a cursor of another list, another user, or not ours', () => {
    const cursor = encodeCursor(codec, 'followers', 12, { at: 1_764_000_000_123_456, userId: 99 });
    expect(decodeCursor(codec, cursor, 'followers', 12)).toEqual({ at: 1_764_000_000_123_456, userId: 99 });
    for (const [text, list, user] of [
      [cursor, 'following', 12],
      [cursor, 'followers', 13],
      ['bm90IGpzb24', 'followers', 12],
      [Buffer.from('[1,"r",12,5,99]').toString('base64url'), 'followers', 12],
      [codec.encode([1, 'r', 12, -5, 99]), 'followers', 12],
      [codec.encode([1, 'r', 12, 1.5, 99]), 'followers', 12],
      [codec.encode([1, 'r', 12, 2 ** 53, 99]), 'followers', 12],
      [codec.encode([1, 'r', 12, 5, 0]), 'followers', 12],
      [codec.encode([2, 'r', 12, 5, 99]), 'followers', 12],
      [new CursorCodec(randomBytes(32)).encode([1, 'r', 12, 5, 99]), 'followers', 12],
      [`${cursor}A`, 'followers', 12],
    ] as const) {
      expect(() => decodeCursor(codec, text, list, user), text).toThrow(/not issued/);
    }
  });
});

/**
 * A graph kept on another engine than the accounts (as Neo4j is): the service must move the
 * profile counters itself, once per real change. The edges are a Set here; the counters are
 * real rows in PGlite. (This tests the service's rule, not an adapter.)
 */
describe('graph service with the graph on another engine', () => {
  function elsewhereGraph() {
    const edges = new Set<string>();
    const blocks = new Set<string>();
    const key = (a: number, b: number) => `${a}>${b}`;
    const blockBetween = async (a: number, b: number) => blocks.has(key(a, b)) || blocks.has(key(b, a));
    const graph = {
      engine: 'neo4j',
      keepsProfileCounts: false,
      follow: async (a: number, b: number) =>
        !(await blockBetween(a, b)) && !edges.has(key(a, b)) && Boolean(edges.add(key(a, b))),
      unfollow: async (a: number, b: number) => edges.delete(key(a, b)),
      blockBetween,
      block: async (a: number, b: number) => {
        const created = !blocks.has(key(a, b));
        blocks.add(key(a, b));
        const unfollowed = [
          { followerId: a, followeeId: b },
          { followerId: b, followeeId: a },
        ].filter((edge) => edges.delete(key(edge.followerId, edge.followeeId)));
        return { created, unfollowed };
      },
      unblock: async (a: number, b: number) => blocks.delete(key(a, b)),
    } as unknown as GraphPort;
    return { graph, edges, blocks };
  }

  async function setUp(db: SqlDatabase) {
    const accounts = createPostgresAccounts(db);
    let unreachable = false;
    const port: AccountsPort = {
      ...accounts,
      adjustFollowCounts: async (...args) => {
        if (unreachable) throw new Error('accounts store unreachable');
        return accounts.adjustFollowCounts(...args);
      },
    };
    const cache = createMemoryCache();
    const { graph, edges, blocks } = elsewhereGraph();
    const [a, b] = (await makeAccounts(accounts, 2)) as [number, number];
    // The accounts role's subscription forgets the cached profiles a follow changes.
    const events = new EventBus({ handle() {}, relayNow() {} }, { warn() {} });
    forgetProfilesOnCounterChanges(events, cache);
    return {
      service: new GraphService({ graph, accounts: port, cursors: new CursorCodec(randomBytes(32)), events }),
      accounts,
      cache,
      edges,
      blocks,
      breakAccounts: () => {
        unreachable = true;
      },
      a,
      b,
    };
  }

  it('adjusts the counters only when the edge really changed, and forgets the cached profiles', async () => {
    const db = await freshSqlDatabase('pglite');
    try {
      const { service, accounts, cache, a, b } = await setUp(db);
      await cache.remember(cacheKeys.profile(b), { stale: true }, 60);
      await service.follow(a, b);
      await service.follow(a, b);
      expect(await cache.recall(cacheKeys.profile(b))).toBeUndefined();
      expect((await accounts.publicProfile(a))?.counts).toMatchObject({ following: 1, followers: 0 });
      expect((await accounts.publicProfile(b))?.counts).toMatchObject({ following: 0, followers: 1 });
      await service.unfollow(a, b);
      await service.unfollow(a, b);
      expect((await accounts.publicProfile(b))?.counts).toMatchObject({ following: 0, followers: 0 });
      expect((await accounts.publicProfile(a))?.counts).toMatchObject({ following: 0, followers: 0 });
    } finally {
      await db.close();
    }
  });

  it('undoes the edge when the counters cannot be moved, so a retry redoes both', async () => {
    const db = await freshSqlDatabase('pglite');
    try {
      const { service, edges, breakAccounts, a, b } = await setUp(db);
      breakAccounts();
      await expect(service.follow(a, b)).rejects.toThrow(/unreachable/);
      expect(edges.size).toBe(0);
    } finally {
      await db.close();
    }
  });

  it('moves the counters of each follow a block ends, and refuses follows across the block', async () => {
    const db = await freshSqlDatabase('pglite');
    try {
      const { service, accounts, a, b } = await setUp(db);
      await service.follow(a, b);
      await service.follow(b, a);
      expect(await service.block(a, b)).toBe(true);
      expect(await service.block(a, b)).toBe(false);
      for (const id of [a, b])
        expect((await accounts.publicProfile(id))?.counts).toMatchObject({ following: 0, followers: 0 });
      await expect(service.follow(b, a)).rejects.toMatchObject({ status: 403, code: 'blocked' });
      await expect(service.follow(a, b)).rejects.toMatchObject({ status: 403, code: 'blocked' });
    } finally {
      await db.close();
    }
  });

  it('undoes a block and its unfollows when the counters cannot be moved, so a retry redoes them', async () => {
    const db = await freshSqlDatabase('pglite');
    try {
      const { service, accounts, edges, blocks, breakAccounts, a, b } = await setUp(db);
      await service.follow(a, b);
      await service.follow(b, a);
      breakAccounts();
      await expect(service.block(a, b)).rejects.toThrow(/unreachable/);
      expect(blocks.size).toBe(0);
      expect(edges.size).toBe(2);
      for (const id of [a, b])
        expect((await accounts.publicProfile(id))?.counts).toMatchObject({ following: 1, followers: 1 });
    } finally {
      await db.close();
    }
  });
});
