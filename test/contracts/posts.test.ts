import { randomBytes } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { createPostgresAccounts, sqlProfileCounters } from '../../src/accounts/accounts.postgres.ts';
import { databaseInUrl, openMongo } from '../../src/engines/mongo.ts';
import { createMongoOutbox } from '../../src/jobs/outbox.mongo.ts';
import { createSqlOutbox } from '../../src/jobs/outbox.postgres.ts';
import { CursorCodec } from '../../src/pagination.ts';
import { decodePostCursor, encodePostCursor } from '../../src/posts/cursors.ts';
import { attributesProblem, mergePatch } from '../../src/posts/documents.ts';
import { createMongoPosts } from '../../src/posts/posts.mongo.ts';
import { createPostgresPosts } from '../../src/posts/posts.postgres.ts';
import { makePeople } from '../support/people.ts';
import { freshMongoDatabaseName, freshSqlDatabase, type SqlEngine } from '../support/stores.ts';
import { servers } from '../support/targets.ts';
import { type PostsHarness, postsContract } from './posts.contract.ts';

const sqlHarness = (engine: SqlEngine) => async (): Promise<PostsHarness> => {
  const db = await freshSqlDatabase(engine);
  const accounts = createPostgresAccounts(db);
  return {
    posts: createPostgresPosts(db, sqlProfileCounters),
    newAuthors: (count) => makePeople(accounts, count, 'poster'),
    postsCount: async (userId) => (await accounts.publicProfile(userId))?.counts.posts ?? -1,
    outbox: createSqlOutbox(db),
    close: () => db.close(),
  };
};

postsContract('PGlite (embedded)', sqlHarness('pglite'));
postsContract('PostgreSQL (server)', sqlHarness('postgres'), servers.postgres.skipReason);
postsContract(
  'MongoDB (server)',
  async () => {
    // A database of its own for this run, dropped at the end: other data on that server is never touched.
    const connection = openMongo(servers.mongo.url as string, {
      writeConcern: 'majority',
      database: freshMongoDatabaseName(),
    });
    let next = 1;
    return {
      posts: await createMongoPosts(connection),
      outbox: createMongoOutbox(connection),
      newAuthors: async (count) =>
        Array.from({ length: count }, () => {
          const id = next++;
          return { id, handle: `mongo_${id}`, name: `Mongo ${id}`, avatar_url: null };
        }),
      close: async () => {
        await connection.db.dropDatabase();
        await connection.client.close();
      },
    };
  },
  servers.mongo.skipReason,
);

describe('post documents: attribute rules and merge patch', () => {
  it('accepts what PostgreSQL and MongoDB both store alike, and names what it refuses', () => {
    expect(attributesProblem({ a: { b: [1, 'two', null, { c: true }] } })).toBeUndefined();
    const nested = (depth: number): unknown => (depth === 1 ? {} : { x: nested(depth - 1) });
    expect(attributesProblem(nested(10))).toBeUndefined();
    expect(attributesProblem(nested(11))).toMatch(/10 levels/);
    expect(attributesProblem({ list: [[[[[[[[[[]]]]]]]]]] })).toMatch(/10 levels/);
    expect(attributesProblem({ a: 'x'.repeat(16 * 1024) })).toMatch(/16384 bytes/);
    expect(attributesProblem({ a: 'x'.repeat(16 * 1024 - 8) })).toBeUndefined();
    expect(attributesProblem({ $gt: 1 })).toMatch(/\$/);
    expect(attributesProblem({ a: { 'b.c': 1 } })).toMatch(/dot/);
    expect(attributesProblem({ a: ['nul\u0000'] })).toMatch(/NUL/);
    expect(attributesProblem({ 'k\u0000': 1 })).toMatch(/NUL/);
    for (const notObject of [null, [], 'text', 3]) expect(attributesProblem(notObject)).toMatch(/object/);
  });

  it('merges as RFC 7396 says (its appendix examples)', () => {
    const cases: Array<[unknown, unknown, unknown]> = [
      [{ a: 'b' }, { a: 'c' }, { a: 'c' }],
      [{ a: 'b' }, { b: 'c' }, { a: 'b', b: 'c' }],
      [{ a: 'b' }, { a: null }, {}],
      [{ a: 'b', b: 'c' }, { a: null }, { b: 'c' }],
      [{ a: ['b'] }, { a: 'c' }, { a: 'c' }],
      [{ a: 'c' }, { a: ['b'] }, { a: ['b'] }],
      [{ a: { b: 'c' } }, { a: { b: 'd', c: null } }, { a: { b: 'd' } }],
      [{ a: [{ b: 'c' }] }, { a: [1] }, { a: [1] }],
      [
        ['a', 'b'],
        ['c', 'd'],
        ['c', 'd'],
      ],
      [{ a: 'b' }, ['c'], ['c']],
      [{ e: null }, { a: 1 }, { e: null, a: 1 }],
      [[1, 2], { a: 'b', c: null }, { a: 'b' }],
      [{}, { a: { bb: { ccc: null } } }, { a: { bb: {} } }],
    ];
    for (const [target, patch, result] of cases) expect(mergePatch(target, patch)).toEqual(result);
  });
});

describe('posts cursors', () => {
  const id = '019ab2c4-5d6e-7f80-9a1b-2c3d4e5f6a7b';
  it('round-trips and refuses a cursor of another list, another owner, or not ours', () => {
    const timeline = { kind: 'timeline', authorId: 7 } as const;
    const codec = new CursorCodec(randomBytes(32));
    const cursor = encodePostCursor(codec, timeline, { at: 1_764_000_000_123, id });
    expect(decodePostCursor(codec, cursor, timeline)).toEqual({ at: 1_764_000_000_123, id });
    const unsigned = (fields: unknown[]) => Buffer.from(JSON.stringify(fields)).toString('base64url');
    for (const [text, list] of [
      [cursor, { kind: 'timeline', authorId: 8 }],
      [cursor, { kind: 'comments', postId: id }],
      ['bm90IGpzb24', timeline],
      [unsigned([1, 't', 7, 5, id]), timeline],
      [codec.encode([1, 't', 7, -5, id]), timeline],
      [codec.encode([1, 't', 7, 1.5, id]), timeline],
      [codec.encode([1, 't', 7, 8_640_000_000_000_001, id]), timeline],
      [codec.encode([1, 't', 7, 5, 'not-a-uuid']), timeline],
      [codec.encode([1, 't', 7, 5, id.toUpperCase()]), timeline],
      [codec.encode([2, 't', 7, 5, id]), timeline],
      [`${cursor}A`, timeline],
    ] as const) {
      expect(() => decodePostCursor(codec, text, list), text).toThrow(/not issued/);
    }
  });
});

describe('MongoDB connection', () => {
  it('reads the database from the URL path, also with several hosts', () => {
    expect(databaseInUrl('mongodb://a:27017,b:27017/social?replicaSet=rs0')).toBe('social');
    expect(databaseInUrl('mongodb+srv://u:p@cluster.example.com/db%201')).toBe('db 1');
    expect(databaseInUrl('mongodb://localhost:27017')).toBeUndefined();
    expect(databaseInUrl('mongodb://localhost:27017/?w=1')).toBeUndefined();
  });
});
