// The cart, the article's hybrid: the live cart is in the cache role (one round trip per change),
// each change is saved to PostgreSQL by a background job (durability), and a cart the cache
// lost is reloaded from PostgreSQL on the next read. A checkout is an order like any other,
// tied to the cart's version, so two checkouts racing on one cart give one order.
import { AppError, BadRequestError, ConflictError } from '../errors.ts';
import type { JobPayload, JobsPort } from '../jobs/jobs.port.ts';
import type { CartCachePort } from './cart.port.ts';
import type { CartState, CommercePort, Order, OrderLine } from './commerce.port.ts';
import { CART_CHECKED_OUT, type CommerceService, productNotFound } from './commerce.service.ts';
import { UUID } from './cursors.ts';

export const CART_SYNC_JOB = 'cart.sync';
/** Distinct products in one cart (and so in one checkout's order). */
export const MAX_CART_LINES = 50;

interface Log {
  warn(object: object, message: string): void;
}

/** A cart-sync job's payload, checked: a job is data from the queue, not from this process. */
function syncPayloadOf(payload: JobPayload): { userId: number; cart: CartState } {
  const { user_id, version, lines } = payload as { user_id?: unknown; version?: unknown; lines?: unknown };
  const valid =
    Number.isSafeInteger(user_id) &&
    Number.isSafeInteger(version) &&
    Array.isArray(lines) &&
    lines.every(
      (line: Partial<OrderLine>) =>
        typeof line?.product_id === 'string' && UUID.test(line.product_id) && Number.isInteger(line.quantity),
    );
  if (!valid) throw new Error(`malformed ${CART_SYNC_JOB} payload`);
  return { userId: user_id as number, cart: { version: version as number, lines: lines as OrderLine[] } };
}

export class CartService {
  constructor(
    private readonly carts: CartCachePort,
    private readonly commerce: Pick<CommercePort, 'savedCart' | 'saveCart' | 'product'>,
    private readonly orders: CommerceService,
    private readonly jobs: Pick<JobsPort, 'enqueue'>,
    private readonly log: Log,
  ) {}

  /** Registers the job that saves carts to PostgreSQL: idempotent, and a late older save changes nothing. */
  registerJobs(jobs: Pick<JobsPort, 'handle'>): void {
    jobs.handle(CART_SYNC_JOB, async (payload) => {
      const { userId, cart } = syncPayloadOf(payload);
      await this.commerce.saveCart(userId, cart);
    });
  }

  /** The caller's cart; from PostgreSQL when the cache is unreachable. */
  async cart(userId: number): Promise<{ items: OrderLine[] }> {
    return { items: (await this.current(userId)).lines };
  }

  async setQuantity(userId: number, productId: string, quantity: number): Promise<void> {
    if (!(await this.commerce.product(productId))) throw productNotFound(productId);
    const current = await this.cached(userId);
    const isNew = !current.lines.some((line) => line.product_id === productId);
    if (isNew && current.lines.length >= MAX_CART_LINES) {
      throw new BadRequestError(`a cart holds at most ${MAX_CART_LINES} different products`, {
        fields: { product_id: 'the cart is full' },
      });
    }
    await this.change(userId, productId, quantity);
  }

  async remove(userId: number, productId: string): Promise<void> {
    await this.change(userId, productId, 0);
  }

  /** The cart becomes an order (an order as POST /orders makes it) and the cart is emptied. */
  async checkout(userId: number, idempotencyKey: string): Promise<Order> {
    const replay = await this.replayOf(userId, idempotencyKey);
    if (replay) return replay;
    const cart = await this.current(userId);
    if (cart.lines.length === 0) throw new ConflictError('cart_empty', 'the cart is empty');
    let order: Order;
    try {
      ({ order } = await this.orders.placeOrder(userId, cart.lines, idempotencyKey, cart.version));
    } catch (error) {
      if (!(error instanceof ConflictError && error.code === CART_CHECKED_OUT)) throw error;
      // Another checkout of this very cart won. With the same key, that is this request's order.
      const raced = await this.replayOf(userId, idempotencyKey);
      await this.empty(userId);
      if (raced) return raced;
      throw error;
    }
    await this.empty(userId);
    return order;
  }

  /** The order an earlier checkout made with this key; a key used by POST /orders is a conflict. */
  private async replayOf(userId: number, idempotencyKey: string): Promise<Order | undefined> {
    const earlier = await this.orders.orderByKey(userId, idempotencyKey);
    if (!earlier) return undefined;
    if (earlier.fromCart) return earlier.order;
    throw new ConflictError(
      'idempotency_key_reused',
      'this idempotency key was used for a different request',
      {
        fields: { idempotency_key: 'was used for a different request' },
      },
    );
  }

  /**
   * Empties the cached cart after its order committed (the order's transaction emptied the
   * durable copy already). The cache is best effort here: the order stands either way.
   */
  private async empty(userId: number): Promise<void> {
    try {
      await this.sync(userId, await this.carts.clear(userId));
    } catch (error) {
      this.log.warn({ err: error, userId }, 'cart not emptied in the cache after a checkout');
    }
  }

  /** Sets a line in the cached cart (filled from PostgreSQL first if the cache lost it) and saves it. */
  private async change(userId: number, productId: string, quantity: number): Promise<void> {
    let cart = await this.carts.setQuantity(userId, productId, quantity);
    if (!cart) {
      await this.carts.fill(userId, await this.commerce.savedCart(userId));
      cart = await this.carts.setQuantity(userId, productId, quantity);
    }
    if (!cart) throw new AppError(503, 'unavailable', 'the cart could not be loaded; try again');
    await this.sync(userId, cart);
  }

  /** The job carries the whole cart, so it needs nothing from the cache when it runs. */
  private sync(userId: number, cart: CartState): Promise<void> {
    return this.jobs.enqueue(CART_SYNC_JOB, { user_id: userId, version: cart.version, lines: cart.lines });
  }

  /** The cached cart, filled from PostgreSQL when the cache has none. */
  private async cached(userId: number): Promise<CartState> {
    return (await this.carts.load(userId)) ?? this.carts.fill(userId, await this.commerce.savedCart(userId));
  }

  /** As cached(), but reads PostgreSQL's copy when the cache is unreachable. */
  private async current(userId: number): Promise<CartState> {
    try {
      return await this.cached(userId);
    } catch (error) {
      this.log.warn({ err: error, userId }, 'cart cache unavailable; reading the durable copy');
      return this.commerce.savedCart(userId);
    }
  }
}
