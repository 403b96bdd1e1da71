// A Redis Cluster master killed while the cache role uses the cluster: its replica takes over,
// and the same client (no restart, no new connection by the caller) follows the failover. Calls
// meanwhile either succeed or fail (the platform falls back, or answers 503), and every key
// is usable again afterwards, in every slot.
import { afterAll, describe, expect, it } from 'vitest';
import { createRedisCache } from '../../src/cache/cache.redis.ts';
import { openRedis } from '../../src/engines/redis.ts';
import { startRedisCluster, type TestRedisCluster } from '../support/redis-cluster.ts';
import { hasRedisServer } from '../support/redis-server.ts';

const KEYS = Array.from({ length: 60 }, (_, i) => `{u:${i}}:profile`);
const RECOVERY_BOUND_MS = 30_000;

describe.skipIf(!hasRedisServer)(
  `a Redis Cluster master killed under the cache role${hasRedisServer ? '' : ' [SKIPPED: redis-server is not installed]'}`,
  () => {
    let cluster: TestRedisCluster | undefined;
    afterAll(() => cluster?.stop());

    it('fails over to its replica, and the same client recovers without a restart', {
      timeout: 90_000,
    }, async () => {
      cluster = await startRedisCluster(3, 1);
      const redis = openRedis(cluster.url);
      await redis.connect();
      const cache = createRedisCache(redis, 'failover:');
      for (const key of KEYS) await cache.remember(key, { key }, 600);

      const [victim] = await cluster.masters();
      cluster.kill(victim as number);

      // Round after round over every key, until one round goes through without an error.
      const deadline = Date.now() + RECOVERY_BOUND_MS;
      let failedCalls = 0;
      let recovered = false;
      while (!recovered && Date.now() < deadline) {
        const round = await Promise.allSettled(
          KEYS.map(async (key) => {
            await cache.remember(key, { key, again: true }, 600);
            return cache.recall<{ key: string; again: boolean }>(key);
          }),
        );
        const failed = round.filter((outcome) => outcome.status === 'rejected');
        failedCalls += failed.length;
        recovered = failed.length === 0;
        if (!recovered) await new Promise((resolve) => setTimeout(resolve, 200));
      }
      expect(recovered, `${failedCalls} calls failed and the cluster did not recover`).toBe(true);
      for (const key of KEYS) expect(await cache.recall(key)).toEqual({ key, again: true });
      expect(await cluster.masters()).not.toContain(victim);
      await redis.quit();
    });
  },
);
