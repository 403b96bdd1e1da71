// The live cart in the cache role (the article's hybrid): reads and writes are one round trip
// to memory or Redis; PostgreSQL keeps the durable copy, written by a background job.
import type { CartState } from './commerce.port.ts';

/** A cached cart lives this long after its last change; the durable copy outlives it. */
export const CART_TTL_SECONDS = 7 * 86400;

export interface CartCachePort {
  readonly engine: 'memory' | 'redis';
  /** The cached cart, or null when the cache holds none (never loaded, expired, or flushed). */
  load(userId: number): Promise<CartState | null>;
  /**
   * Puts the durable copy into the cache unless a cart is cached already (then that one
   * wins: it is at least as new). Returns the cart now cached.
   */
  fill(userId: number, cart: CartState): Promise<CartState>;
  /**
   * Sets one line (quantity 0 removes it) and returns the new cart, whose version is above
   * every earlier one, also across a flush (it is at least the cache's clock in microseconds).
   * Null when no cart is cached: fill it first, so a write never starts from a partial cart.
   */
  setQuantity(userId: number, productId: string, quantity: number): Promise<CartState | null>;
  /** Empties the cart (after a checkout) and returns it, with a new version. */
  clear(userId: number): Promise<CartState>;
  ping(): Promise<void>;
}
