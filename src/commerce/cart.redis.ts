// The live cart on Redis: one hash per user under the {u:ID} hash tag, field "v" holding the
// version and "p:<product id>" each quantity. Every change is one Lua script, so the check
// (is the cart cached?), the write and the new version are atomic, and on Redis Cluster the
// single key keeps the script on one slot.
import type { Redis } from 'ioredis';
import { cacheKeys } from '../cache/cache.port.ts';
import { CART_TTL_SECONDS, type CartCachePort } from './cart.port.ts';
import type { CartState } from './commerce.port.ts';

// The next version: above the last, and at least Redis' clock in microseconds, so a cart
// refilled from an older durable copy after a flush still gets versions above any change
// made before the flush. %d keeps all 16 digits (Lua would print 1.7e+15).
const NEXT_VERSION = `
  local now = redis.call('TIME')
  local version = math.max((tonumber(redis.call('HGET', KEYS[1], 'v')) or 0) + 1,
                           tonumber(now[1]) * 1000000 + tonumber(now[2]))
  version = string.format('%d', version)`;

const SCRIPTS = {
  // KEYS[1] cart; ARGV: ttl, field, quantity (0 removes)
  commerceCartSet: `
    if redis.call('EXISTS', KEYS[1]) == 0 then return false end
    ${NEXT_VERSION}
    if tonumber(ARGV[3]) > 0 then redis.call('HSET', KEYS[1], ARGV[2], ARGV[3])
    else redis.call('HDEL', KEYS[1], ARGV[2]) end
    redis.call('HSET', KEYS[1], 'v', version)
    redis.call('EXPIRE', KEYS[1], ARGV[1])
    return redis.call('HGETALL', KEYS[1])`,
  // KEYS[1] cart; ARGV: ttl, then field, value pairs (v first)
  commerceCartFill: `
    if redis.call('EXISTS', KEYS[1]) == 0 then
      redis.call('HSET', KEYS[1], unpack(ARGV, 2))
      redis.call('EXPIRE', KEYS[1], ARGV[1])
    end
    return redis.call('HGETALL', KEYS[1])`,
  // KEYS[1] cart; ARGV: ttl
  commerceCartClear: `
    ${NEXT_VERSION}
    redis.call('DEL', KEYS[1])
    redis.call('HSET', KEYS[1], 'v', version)
    redis.call('EXPIRE', KEYS[1], ARGV[1])
    return version`,
};

type ScriptClient = Redis & {
  [name in keyof typeof SCRIPTS]: (key: string, ...args: Array<string | number>) => Promise<unknown>;
};

const PRODUCT_FIELD = 'p:';

/** HGETALL's flat [field, value, ...] as a cart, lines by product id. */
function cartOf(flat: string[]): CartState {
  let version = 0;
  const lines: CartState['lines'] = [];
  for (let i = 0; i + 1 < flat.length; i += 2) {
    const field = flat[i] as string;
    const value = Number(flat[i + 1]);
    if (field === 'v') version = value;
    else if (field.startsWith(PRODUCT_FIELD)) {
      lines.push({ product_id: field.slice(PRODUCT_FIELD.length), quantity: value });
    }
  }
  lines.sort((a, b) => (a.product_id < b.product_id ? -1 : 1));
  return { version, lines };
}

export function createRedisCarts(redis: Redis, keyPrefix: string) {
  for (const [name, lua] of Object.entries(SCRIPTS)) {
    // defineCommand sends EVALSHA and falls back to EVAL once after a SCRIPT FLUSH or restart.
    if (!(name in redis)) redis.defineCommand(name, { numberOfKeys: 1, lua });
  }
  const scripts = redis as ScriptClient;
  const key = (userId: number) => `${keyPrefix}${cacheKeys.cart(userId)}`;

  return {
    engine: 'redis',
    async load(userId) {
      const flat = await redis.hgetall(key(userId));
      // An existing cart always has its "v" field; an empty reply means no cart is cached.
      return 'v' in flat ? cartOf(Object.entries(flat).flat()) : null;
    },
    async fill(userId, cart) {
      const fields = cart.lines.flatMap((line) => [`${PRODUCT_FIELD}${line.product_id}`, line.quantity]);
      const flat = await scripts.commerceCartFill(
        key(userId),
        CART_TTL_SECONDS,
        'v',
        cart.version,
        ...fields,
      );
      return cartOf(flat as string[]);
    },
    async setQuantity(userId, productId, quantity) {
      const flat = await scripts.commerceCartSet(
        key(userId),
        CART_TTL_SECONDS,
        `${PRODUCT_FIELD}${productId}`,
        quantity,
      );
      return flat ? cartOf(flat as string[]) : null;
    },
    async clear(userId) {
      const version = await scripts.commerceCartClear(key(userId), CART_TTL_SECONDS);
      return { version: Number(version), lines: [] };
    },
    async ping() {
      await redis.ping();
    },
  } satisfies CartCachePort;
}
