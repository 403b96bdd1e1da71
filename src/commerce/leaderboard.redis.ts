// The sellers' leaderboard on Redis: the article's sorted set (ZINCRBY as orders are paid,
// ZREVRANGE for the top N). Members are user ids zero-padded to 16 digits, so that the
// reverse lexicographic order Redis gives equal scores is the larger id first.

import { cacheKeys } from '../cache/cache.port.ts';
import type { RedisClient } from '../engines/redis.ts';
import type { SellerRevenue } from './commerce.port.ts';
import { LEADERBOARD_TTL_SECONDS, type LeaderboardPort } from './leaderboard.port.ts';

const member = (userId: number) => String(userId).padStart(16, '0');

const SCRIPTS = {
  // KEYS[1] board; ARGV: score, member pairs. Increments only a board that exists: a lost
  // board is rebuilt whole from PostgreSQL, and a partial one must never pass for the whole.
  commerceBoardAdd: `
    if redis.call('EXISTS', KEYS[1]) == 0 then return 0 end
    for i = 1, #ARGV, 2 do redis.call('ZINCRBY', KEYS[1], ARGV[i], ARGV[i + 1]) end
    return 1`,
};

type ScriptClient = RedisClient & {
  [name in keyof typeof SCRIPTS]: (key: string, ...args: Array<string | number>) => Promise<unknown>;
};

export function createRedisLeaderboard(redis: RedisClient, keyPrefix: string) {
  for (const [name, lua] of Object.entries(SCRIPTS)) {
    if (!(name in redis)) redis.defineCommand(name, { numberOfKeys: 1, lua });
  }
  const scripts = redis as ScriptClient;
  const key = `${keyPrefix}${cacheKeys.sellersLeaderboard}`;

  return {
    engine: 'redis',
    async top(limit) {
      const [[, exists], [, flat]] = (await redis
        .multi()
        .exists(key)
        .zrevrange(key, 0, limit - 1, 'WITHSCORES')
        .exec()) as [[Error | null, number], [Error | null, string[]]];
      if (!exists) return null;
      const top: SellerRevenue[] = [];
      for (let i = 0; i + 1 < flat.length; i += 2) {
        top.push({ userId: Number(flat[i]), revenueCents: Number(flat[i + 1]) });
      }
      return top;
    },
    async addRevenue(revenue) {
      if (revenue.length === 0) return;
      await scripts.commerceBoardAdd(
        key,
        ...revenue.flatMap(({ userId, revenueCents }) => [revenueCents, member(userId)]),
      );
    },
    async replace(totals) {
      // MULTI: readers see the old board or the new one, never half of it.
      const transaction = redis.multi().del(key);
      if (totals.length) {
        transaction.zadd(
          key,
          ...totals.flatMap(({ userId, revenueCents }) => [revenueCents, member(userId)]),
        );
        transaction.expire(key, LEADERBOARD_TTL_SECONDS);
      }
      await transaction.exec();
    },
    async removeSeller(userId) {
      await redis.zrem(key, member(userId));
    },
    async ping() {
      await redis.ping();
    },
  } satisfies LeaderboardPort;
}
