// The embedded sellers' leaderboard: a Map of totals, ordered on read like a sorted set.
import type { SellerRevenue } from './commerce.port.ts';
import { LEADERBOARD_TTL_SECONDS, type LeaderboardPort } from './leaderboard.port.ts';

export function createMemoryLeaderboard({ now = Date.now }: { now?: () => number } = {}) {
  let board: { totals: Map<number, number>; expiresAt: number } | undefined;
  const live = () => {
    if (board && board.expiresAt <= now()) board = undefined;
    return board;
  };
  return {
    engine: 'memory',
    async top(limit) {
      const current = live();
      if (!current) return null;
      return [...current.totals]
        .map(([userId, revenueCents]): SellerRevenue => ({ userId, revenueCents }))
        .sort((a, b) => b.revenueCents - a.revenueCents || b.userId - a.userId)
        .slice(0, limit);
    },
    async addRevenue(revenue) {
      const current = live();
      if (!current) return;
      for (const { userId, revenueCents } of revenue) {
        current.totals.set(userId, (current.totals.get(userId) ?? 0) + revenueCents);
      }
    },
    async replace(totals) {
      board = {
        totals: new Map(totals.map((total) => [total.userId, total.revenueCents])),
        expiresAt: now() + LEADERBOARD_TTL_SECONDS * 1000,
      };
    },
    async removeSeller(userId) {
      board?.totals.delete(userId);
    },
    async ping() {},
  } satisfies LeaderboardPort;
}
