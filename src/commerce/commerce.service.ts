// Rules of the marketplace: who may change a product or see an order, what an idempotency
// key promises, when deposits exist (demo mode only), and how the adapters' refusals become
// the API's statuses. Money moves only inside the commerce port's transactions.
import { v7 } from 'uuid';
import type { AccountsPort, ProfileSummary } from '../accounts/accounts.port.ts';
import type { EventLimits } from '../config.ts';
import {
  AppError,
  BadRequestError,
  ConflictError,
  ForbiddenError,
  InsufficientFundsError,
  NotFoundError,
  RateLimitedError,
} from '../errors.ts';
import type { Log } from '../log.ts';
import type { CursorCodec } from '../pagination.ts';
import type {
  Booking,
  CommercePort,
  Order,
  OrderLine,
  OrderResult,
  PricedLine,
  Product,
  ProductChanges,
  Sale,
  SeatedEvent,
  SellerRevenue,
  Transfer,
  Wallet,
} from './commerce.port.ts';
import { commerceCursors } from './cursors.ts';
import type { LeaderboardPort } from './leaderboard.port.ts';

export interface Page<Item> {
  items: Item[];
  next_cursor: string | null;
}

type SellerView = Extract<OrderView, { view: 'seller' }>;

/** A seller's part of an order (only their lines), with the subtotal of those lines. */
const sellerView = (sale: Sale): SellerView => ({
  view: 'seller',
  ...sale,
  subtotal_cents: sale.items.reduce((sum, item) => sum + item.unit_price_cents * item.quantity, 0),
});

/** An order as one caller may see it: whole for its buyer, one seller's part for a seller. */
export type OrderView =
  | (Order & { view: 'buyer' })
  | (Omit<Order, 'total_cents'> & { view: 'seller'; subtotal_cents: number });

export interface LeaderboardItem {
  seller: ProfileSummary;
  revenue_cents: number;
}

/** 404 naming the product, so a client with several items knows which one. */
export const productNotFound = (productId: string) =>
  new AppError(404, 'not_found', `product ${productId} not found`, { product_id: productId });

const keyReused = () =>
  new ConflictError('idempotency_key_reused', 'this idempotency key was used for a different request', {
    fields: { idempotency_key: 'was used for a different request' },
  });

/** Distinct products, in the order given; a product listed twice is a client mistake. */
function checkLines(lines: readonly OrderLine[]): void {
  const seen = new Set<string>();
  for (const [index, line] of lines.entries()) {
    if (seen.has(line.product_id)) {
      throw new BadRequestError('each product may appear once in an order', {
        fields: { [`items.${index}.product_id`]: 'appears twice' },
      });
    }
    seen.add(line.product_id);
  }
}

export interface CommerceOptions {
  commerce: CommercePort;
  /** The sellers' leaderboard, in the cache role. */
  leaderboard: LeaderboardPort;
  /** Sellers' and buyers' summaries. */
  accounts: Pick<AccountsPort, 'summaries'>;
  demoMode: boolean;
  events: EventLimits;
  log: Pick<Log, 'warn'>;
  cursors: CursorCodec;
}

export class CommerceService {
  private readonly commerce: CommercePort;
  private readonly leaderboard: LeaderboardPort;
  private readonly accounts: Pick<AccountsPort, 'summaries'>;
  private readonly cursors: ReturnType<typeof commerceCursors>;

  constructor(private readonly options: CommerceOptions) {
    this.commerce = options.commerce;
    this.leaderboard = options.leaderboard;
    this.accounts = options.accounts;
    this.cursors = commerceCursors(options.cursors);
  }

  get demoMode(): boolean {
    return this.options.demoMode;
  }

  async wallet(userId: number): Promise<Wallet> {
    const wallet = await this.commerce.wallet(userId);
    if (!wallet) throw new NotFoundError('wallet');
    return wallet;
  }

  async entries(userId: number, limit: number, cursor?: string) {
    return this.cursors.page('entries', userId, limit, cursor, (page) => this.commerce.entries(userId, page));
  }

  /** Money from nowhere: only in demo mode (the routes are not even mounted otherwise). */
  async deposit(userId: number, amountCents: number): Promise<Wallet> {
    if (!this.options.demoMode) throw new ForbiddenError('deposits exist only in demo mode');
    return this.commerce.deposit(v7(), userId, amountCents);
  }

  async transfer(
    fromUserId: number,
    request: { to_user_id: number; amount_cents: number; idempotency_key: string },
  ): Promise<Transfer> {
    if (request.to_user_id === fromUserId) {
      throw new BadRequestError('you cannot send money to yourself', {
        fields: { to_user_id: 'is your own account' },
      });
    }
    const result = await this.commerce.transfer({
      id: v7(),
      fromUserId,
      toUserId: request.to_user_id,
      amountCents: request.amount_cents,
      idempotencyKey: request.idempotency_key,
    });
    if (result.ok) return result.transfer;
    if (result.reason === 'insufficient_funds') {
      throw new InsufficientFundsError(result.balanceCents, request.amount_cents);
    }
    if (result.reason === 'unknown_recipient') throw new NotFoundError('recipient');
    throw keyReused();
  }

  createProduct(sellerId: number, input: { name: string; price_cents: number; stock: number }) {
    return this.commerce.createProduct({
      id: v7(),
      sellerId,
      name: input.name,
      priceCents: input.price_cents,
      stock: input.stock,
    });
  }

  async product(productId: string): Promise<Product> {
    const product = await this.commerce.product(productId);
    if (!product) throw new NotFoundError('product');
    return product;
  }

  async products(limit: number, cursor?: string): Promise<Page<Product>> {
    return this.cursors.page('products', null, limit, cursor, (page) => this.commerce.products(page));
  }

  /** Only the seller may change a product's price or stock. */
  async updateProduct(callerId: number, productId: string, changes: ProductChanges): Promise<Product> {
    const product = await this.product(productId);
    if (product.seller_id !== callerId) throw new ForbiddenError('only the seller may change a product');
    return (await this.commerce.updateProduct(productId, changes)) ?? product;
  }

  /**
   * Places an order of the given lines, or of the buyer's cart ('cart', a checkout). Returns
   * the order, the first one again when the idempotency key is replayed with the same request.
   */
  async placeOrder(
    buyerId: number,
    lines: readonly PricedLine[] | 'cart',
    idempotencyKey: string,
  ): Promise<{ order: Order; replayed: boolean }> {
    if (lines !== 'cart') checkLines(lines);
    const result = await this.commerce.placeOrder({ id: v7(), buyerId, lines, idempotencyKey });
    const placed = this.placed(result);
    if (!placed.replayed) await this.countRevenue(placed.order);
    return placed;
  }

  private placed(result: OrderResult) {
    if (result.ok) return result;
    switch (result.reason) {
      case 'unknown_product':
        throw productNotFound(result.productId);
      case 'own_product':
        throw new BadRequestError('you cannot buy your own product', {
          fields: { items: `product ${result.productId} is yours` },
        });
      case 'out_of_stock':
        throw new ConflictError(
          'out_of_stock',
          `"${result.name}" is out of stock: ${result.available} left`,
          { product_id: result.productId, name: result.name, available: result.available },
        );
      case 'insufficient_funds':
        throw new InsufficientFundsError(result.balanceCents, result.totalCents);
      case 'key_reused':
        throw keyReused();
      case 'price_raised':
        throw new ConflictError(
          'price_changed',
          `"${result.name}" now costs ${result.currentCents} cents, more than the ${result.expectedCents} expected; nothing was charged`,
          {
            product_id: result.productId,
            name: result.name,
            current_unit_price_cents: result.currentCents,
            expected_unit_price_cents: result.expectedCents,
          },
        );
      case 'cart_empty':
        throw new ConflictError('cart_empty', 'the cart is empty');
    }
  }

  /**
   * The buyer sees the whole order; a seller sees only their own lines and their subtotal
   * (what other sellers sold, and the buyer's total, are none of their business). Anyone
   * else is refused.
   */
  async order(callerId: number, orderId: string): Promise<OrderView> {
    const order = await this.commerce.order(orderId);
    if (!order) throw new NotFoundError('order');
    if (order.buyer_id === callerId) return { view: 'buyer', ...order };
    const own = order.items.filter((item) => item.seller_id === callerId);
    if (own.length === 0) throw new ForbiddenError('only the buyer and the sellers may see an order');
    const { total_cents: _, ...rest } = order;
    return sellerView({ ...rest, items: own });
  }

  async orderByKey(buyerId: number, idempotencyKey: string) {
    return this.commerce.orderByKey(buyerId, idempotencyKey);
  }

  async myOrders(buyerId: number, limit: number, cursor?: string): Promise<Page<Order>> {
    return this.cursors.page('orders', buyerId, limit, cursor, (page) =>
      this.commerce.ordersOf(buyerId, page),
    );
  }

  /** A seller's sales: the orders holding their products, each with their lines and subtotal only. */
  async mySales(sellerId: number, limit: number, cursor?: string): Promise<Page<SellerView>> {
    const page = await this.cursors.page('sales', sellerId, limit, cursor, (request) =>
      this.commerce.salesOf(sellerId, request),
    );
    return { next_cursor: page.next_cursor, items: page.items.map(sellerView) };
  }

  orderCount(buyerId: number): Promise<number> {
    return this.commerce.orderCount(buyerId);
  }

  /** At most `events.maxSeats` seats (400), and `events.perUserPerDay` events a day per organizer (429). */
  async createEvent(organizerId: number, input: { name: string; seats: number }): Promise<SeatedEvent> {
    const { maxSeats, perUserPerDay } = this.options.events;
    if (input.seats > maxSeats) {
      throw new BadRequestError(`an event has at most ${maxSeats} seats`, {
        fields: { seats: `must be at most ${maxSeats}` },
      });
    }
    const result = await this.commerce.createEvent({
      id: v7(),
      organizerId,
      name: input.name,
      seats: input.seats,
      maxPerDay: perUserPerDay,
    });
    if (result.ok) return result.event;
    throw new RateLimitedError({
      limit: perUserPerDay,
      remaining: 0,
      resetSeconds: result.retryAfterSeconds,
    });
  }

  async event(eventId: string): Promise<SeatedEvent> {
    const event = await this.commerce.event(eventId);
    if (!event) throw new NotFoundError('event');
    return event;
  }

  async bookSeat(userId: number, eventId: string, seat: number): Promise<Booking> {
    const result = await this.commerce.bookSeat(eventId, seat, userId);
    if (result.ok) return result.booking;
    if (result.reason === 'taken') {
      throw new ConflictError('seat_taken', `seat ${seat} is already booked`, { seat });
    }
    throw new NotFoundError(`seat ${seat} of this event`);
  }

  /**
   * Commerce's part of deleting an account: the cart, products, events and bookings go (orders,
   * payments, the closed wallet and its ledger stay: records the business keeps), and the
   * seller leaves the leaderboard. Idempotent.
   */
  async eraseUser(userId: number): Promise<void> {
    await this.commerce.eraseUser(userId);
    await this.leaderboard.removeSeller(userId);
  }

  /** Top sellers by revenue from the cache role's sorted set, rebuilt from the record when lost. */
  async topSellers(limit: number): Promise<Page<LeaderboardItem>> {
    let top: SellerRevenue[] | null = null;
    try {
      top = await this.leaderboard.top(limit);
    } catch (error) {
      this.options.log.warn({ err: error }, 'leaderboard unavailable; reading the record');
    }
    if (!top) {
      const totals = await this.commerce.sellerRevenue();
      await this.leaderboard.replace(totals).catch((error: unknown) => {
        this.options.log.warn({ err: error }, 'leaderboard not rebuilt');
      });
      top = totals.sort((a, b) => b.revenueCents - a.revenueCents || b.userId - a.userId).slice(0, limit);
    }
    const summaries = new Map(
      (await this.accounts.summaries(top.map((t) => t.userId))).map((s) => [s.id, s]),
    );
    const items = top.flatMap(({ userId, revenueCents }) => {
      const seller = summaries.get(userId);
      return seller ? [{ seller, revenue_cents: revenueCents }] : [];
    });
    return { items, next_cursor: null };
  }

  /** The order's revenue onto the board; the board is a cache, so a failure here is only logged. */
  private async countRevenue(order: Order): Promise<void> {
    const revenue = new Map<number, number>();
    for (const item of order.items) {
      revenue.set(item.seller_id, (revenue.get(item.seller_id) ?? 0) + item.unit_price_cents * item.quantity);
    }
    try {
      await this.leaderboard.addRevenue(
        [...revenue].map(([userId, revenueCents]) => ({ userId, revenueCents })),
      );
    } catch (error) {
      this.options.log.warn({ err: error }, 'leaderboard not updated; it is rebuilt when it expires');
    }
  }
}
