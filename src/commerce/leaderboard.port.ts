// The sellers' leaderboard in the cache role: the article's sorted set, with scores in cents.
// PostgreSQL's order items are the record; a lost board is rebuilt from them.
import type { SellerRevenue } from './commerce.port.ts';

/** A rebuilt board is trusted this long, which bounds any drift from increments it missed. */
export const LEADERBOARD_TTL_SECONDS = 600;

export interface LeaderboardPort {
  readonly engine: 'memory' | 'redis';
  /**
   * The top sellers by revenue, most first (ties: the larger user id first, as a sorted set's
   * reverse order of members gives them), or null when the board is gone and needs a rebuild.
   */
  top(limit: number): Promise<SellerRevenue[] | null>;
  /** Adds an order's revenue to its sellers, only while the board exists (else the rebuild counts it). */
  addRevenue(revenue: readonly SellerRevenue[]): Promise<void>;
  /** Replaces the whole board with totals from the record. */
  replace(totals: readonly SellerRevenue[]): Promise<void>;
  /** Takes a seller off the board (a deleted account; the rebuild leaves deleted sellers out). Idempotent. */
  removeSeller(userId: number): Promise<void>;
  ping(): Promise<void>;
}
