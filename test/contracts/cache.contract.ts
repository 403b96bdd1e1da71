// The cache port's contract, for the in-process cache and Redis alike.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { CachePort } from '../../src/cache/cache.port.ts';

export interface CacheHarness {
  cache: CachePort;
  close(): Promise<void>;
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

export function cacheContract(name: string, open: () => Promise<CacheHarness>, skipReason?: string) {
  describe.skipIf(skipReason !== undefined)(
    `cache contract on ${name}${skipReason ? ` [SKIPPED: ${skipReason}]` : ''}`,
    () => {
      let cache: CachePort;
      let harness: CacheHarness;
      beforeAll(async () => {
        harness = await open();
        cache = harness.cache;
      });
      afterAll(() => harness?.close());

      it('remembers and recalls JSON values, and misses unknown keys', async () => {
        const value = { id: 7, name: 'Ada', tags: ['a', 'b'], nested: { ok: true, none: null } };
        await cache.remember('{u:7}:profile', value, 60);
        expect(await cache.recall('{u:7}:profile')).toEqual(value);
        expect(await cache.recall('{u:8}:profile')).toBeUndefined();
      });

      it('keeps what it was given: neither the stored object nor a recalled value can change it', async () => {
        const stored = { n: 1, inner: { m: 1 } };
        await cache.remember('copy', stored, 60);
        stored.inner.m = 2;
        const first = await cache.recall<{ n: number; inner: { m: number } }>('copy');
        // A recalled value is read-only: the in-process cache's is frozen (so this throws), Redis' a copy.
        try {
          if (first) first.inner.m = 3;
        } catch {}
        expect(await cache.recall('copy')).toEqual({ n: 1, inner: { m: 1 } });
      });

      it('forgets the keys it is given, and only those', async () => {
        await cache.remember('f1', 1, 60);
        await cache.remember('f2', 2, 60);
        await cache.remember('f3', 3, 60);
        await cache.forget('f1', 'f2', 'never-set');
        expect([await cache.recall('f1'), await cache.recall('f2'), await cache.recall('f3')]).toEqual([
          undefined,
          undefined,
          3,
        ]);
        await expect(cache.forget()).resolves.toBeUndefined();
      });

      it('recalls many values at once, in order, misses included, across hash tags', async () => {
        await cache.remember('{p:a}:post', { id: 'a' }, 60);
        await cache.remember('{p:c}:post', { id: 'c' }, 60);
        expect(await cache.recallMany(['{p:a}:post', '{p:b}:post', '{p:c}:post'])).toEqual([
          { id: 'a' },
          undefined,
          { id: 'c' },
        ]);
        expect(await cache.recallMany([])).toEqual([]);
      });

      it('answers which candidates a stored set holds, and undefined where no set is stored', async () => {
        expect(await cache.membersOf('{u:9}:liked', ['x'])).toBeUndefined();
        await cache.rememberSet('{u:9}:liked', ['x', 'y', 'z'], 60);
        expect(await cache.membersOf('{u:9}:liked', ['y', 'w', 'x'])).toEqual(new Set(['y', 'x']));
        expect(await cache.membersOf('{u:9}:liked', [])).toEqual(new Set());
      });

      it('keeps an empty set apart from a missing one, and replaces a set whole', async () => {
        await cache.rememberSet('{u:10}:liked', [], 60);
        expect(await cache.membersOf('{u:10}:liked', ['x'])).toEqual(new Set());
        await cache.rememberSet('{u:10}:liked', ['a', 'b'], 60);
        await cache.rememberSet('{u:10}:liked', ['b', 'c'], 60);
        expect(await cache.membersOf('{u:10}:liked', ['a', 'b', 'c'])).toEqual(new Set(['b', 'c']));
        await cache.forget('{u:10}:liked');
        expect(await cache.membersOf('{u:10}:liked', ['b'])).toBeUndefined();
      });

      it('stores large sets whole and lets sets expire', async () => {
        const members = Array.from({ length: 2500 }, (_, i) => `m${i}`);
        await cache.rememberSet('{u:11}:liked', members, 1);
        expect(await cache.membersOf('{u:11}:liked', ['m0', 'm2499', 'm2500'])).toEqual(
          new Set(['m0', 'm2499']),
        );
        await sleep(1100);
        expect(await cache.membersOf('{u:11}:liked', ['m0'])).toBeUndefined();
      });

      it("forgets a user's sets with the rest of their keys", async () => {
        await cache.rememberSet('{u:12}:hidden', ['3'], 60);
        await cache.forgetUser(12);
        expect(await cache.membersOf('{u:12}:hidden', ['3'])).toBeUndefined();
      });

      it('lets values expire after their TTL', async () => {
        await cache.remember('short', 'x', 1);
        expect(await cache.recall('short')).toBe('x');
        await sleep(1100);
        expect(await cache.recall('short')).toBeUndefined();
      });

      it('counts hits in a fixed window that resets', async () => {
        expect(await cache.peekHits('rl:a')).toEqual({ count: 0, resetsInSeconds: 0 });
        const first = await cache.countHit('rl:a', 1);
        expect(first.count).toBe(1);
        expect(first.resetsInSeconds).toBeGreaterThanOrEqual(1);
        expect((await cache.countHit('rl:a', 1)).count).toBe(2);
        expect((await cache.peekHits('rl:a')).count).toBe(2);
        expect((await cache.peekHits('rl:a')).count).toBe(2);
        await sleep(1100);
        expect((await cache.countHit('rl:a', 1)).count).toBe(1);
      });

      it('counts concurrent hits exactly', async () => {
        const results = await Promise.all(
          Array.from({ length: 200 }, () => cache.countHit('rl:concurrent', 60)),
        );
        expect(results.map((r) => r.count).sort((a, b) => a - b)).toEqual(
          Array.from({ length: 200 }, (_, i) => i + 1),
        );
      });

      it("forgets every key under one user's tag, and only those", async () => {
        await cache.remember('{u:41}:profile', { id: 41 }, 60);
        await cache.remember('{u:41}:feed-pulled', [1, 2], 60);
        await cache.remember('{u:411}:profile', { id: 411 }, 60);
        await cache.remember('{p:41}:post', { id: 'p' }, 60);
        await cache.forgetUser(41);
        await cache.forgetUser(41);
        expect(await cache.recall('{u:41}:profile')).toBeUndefined();
        expect(await cache.recall('{u:41}:feed-pulled')).toBeUndefined();
        expect(await cache.recall('{u:411}:profile')).toEqual({ id: 411 });
        expect(await cache.recall('{p:41}:post')).toEqual({ id: 'p' });
      });

      it('answers a ping', async () => {
        await expect(cache.ping()).resolves.toBeUndefined();
      });
    },
  );
}
