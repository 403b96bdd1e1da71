// The cart: its lines are written to PostgreSQL (the cart of record) before an edit is
// acknowledged, each with the unit price the buyer was shown. A checkout is an order like any
// other, placed from the cart under its lock, so an edit made meanwhile lands in the order or
// stays in the cart after it, and two checkouts racing on one cart give one order.
import { BadRequestError } from '../errors.ts';
import type { CartLine, CommercePort, Order } from './commerce.port.ts';
import { type CommerceService, productNotFound } from './commerce.service.ts';

/** Distinct products in one cart (and so in one checkout's order). */
export const MAX_CART_LINES = 50;

export class CartService {
  constructor(
    private readonly commerce: Pick<CommercePort, 'cart' | 'setCartLine' | 'removeCartLine'>,
    private readonly orders: CommerceService,
  ) {}

  /** The caller's cart: each line's stored unit price, and the product's price now. */
  async cart(userId: number): Promise<{ items: CartLine[] }> {
    return { items: await this.commerce.cart(userId) };
  }

  /** Sets a line at the product's current price: putting a product again accepts a new price. */
  async setQuantity(userId: number, productId: string, quantity: number): Promise<void> {
    const result = await this.commerce.setCartLine(userId, productId, quantity, MAX_CART_LINES);
    if (result === 'unknown_product') throw productNotFound(productId);
    if (result === 'cart_full') {
      throw new BadRequestError(`a cart holds at most ${MAX_CART_LINES} different products`, {
        fields: { product_id: 'the cart is full' },
      });
    }
  }

  remove(userId: number, productId: string): Promise<void> {
    return this.commerce.removeCartLine(userId, productId);
  }

  /**
   * The cart becomes an order (an order as POST /orders makes it) and the lines bought leave
   * it. The same key again returns the first checkout's order; a key used by POST /orders is 409.
   */
  async checkout(userId: number, idempotencyKey: string): Promise<Order> {
    return (await this.orders.placeOrder(userId, 'cart', idempotencyKey)).order;
  }
}
