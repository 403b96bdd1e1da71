// View deduplication on Redis: one SET NX EX per view, answered by whether it set the key.
import { type RedisClient, unlinkKeysStartingWith } from '../engines/redis.ts';
import { type ViewDedupePort, viewerKeys, viewKey } from './view-dedupe.port.ts';

export function createRedisViewDedupe(redis: RedisClient, keyPrefix: string) {
  return {
    async firstView(userId, postId, windowSeconds) {
      // NX: only the first view of the window sets the key; EX: the window ends by itself.
      const set = await redis.set(`${keyPrefix}${viewKey(userId, postId)}`, '1', 'EX', windowSeconds, 'NX');
      return set === 'OK';
    },
    async forgetViewer(userId) {
      await unlinkKeysStartingWith(redis, `${keyPrefix}${viewerKeys(userId)}`);
    },
  } satisfies ViewDedupePort;
}
