// The embedded cart cache: a Map in this process, with the same versions and expiry as Redis.

import { CART_TTL_SECONDS, type CartCachePort } from './cart.port.ts';
import type { CartState } from './commerce.port.ts';

interface CachedCart {
  version: number;
  lines: Map<string, number>;
  expiresAt: number;
}

export interface MemoryCartOptions {
  /** Past this many carts the least recently changed is dropped; its durable copy remains. */
  maxCarts?: number;
  now?: () => number;
}

export function createMemoryCarts({ maxCarts = 100_000, now = Date.now }: MemoryCartOptions = {}) {
  const carts = new Map<number, CachedCart>();

  const live = (userId: number) => {
    const cart = carts.get(userId);
    if (cart && cart.expiresAt <= now()) {
      carts.delete(userId);
      return undefined;
    }
    return cart;
  };

  const store = (userId: number, cart: Omit<CachedCart, 'expiresAt'>): CartState => {
    // Delete first so the cart moves to the end of the Map's order (the newest).
    carts.delete(userId);
    carts.set(userId, { ...cart, expiresAt: now() + CART_TTL_SECONDS * 1000 });
    if (carts.size > maxCarts) {
      const oldest = carts.keys().next().value;
      if (oldest !== undefined) carts.delete(oldest);
    }
    return stateOf(cart);
  };

  const stateOf = (cart: Omit<CachedCart, 'expiresAt'>): CartState => ({
    version: cart.version,
    lines: [...cart.lines]
      .map(([product_id, quantity]) => ({ product_id, quantity }))
      .sort((a, b) => (a.product_id < b.product_id ? -1 : 1)),
  });

  // As on Redis: above the previous version, and at least the clock in microseconds (a
  // restart empties this cache, and the carts refilled afterwards must outrank older changes).
  const nextVersion = (previous: number) =>
    Math.max(previous + 1, Math.floor((performance.timeOrigin + performance.now()) * 1000));

  return {
    engine: 'memory',
    async load(userId) {
      const cart = live(userId);
      return cart ? stateOf(cart) : null;
    },
    async fill(userId, cart) {
      const cached = live(userId);
      if (cached) return stateOf(cached);
      return store(userId, {
        version: cart.version,
        lines: new Map(cart.lines.map((line) => [line.product_id, line.quantity])),
      });
    },
    async setQuantity(userId, productId, quantity) {
      const cart = live(userId);
      if (!cart) return null;
      const lines = new Map(cart.lines);
      if (quantity > 0) lines.set(productId, quantity);
      else lines.delete(productId);
      return store(userId, { version: nextVersion(cart.version), lines });
    },
    async clear(userId) {
      return store(userId, { version: nextVersion(live(userId)?.version ?? 0), lines: new Map() });
    },
    async ping() {},
  } satisfies CartCachePort;
}
