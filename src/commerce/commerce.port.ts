// The commerce role: wallets and their ledger, products, orders, seat bookings, and carts. Money is integer cents throughout. Every method that moves money
// or stock is one transaction on the store: it happens whole or not at all.
// Records are shaped as the API returns them (snake_case), so routes pass them through.

export interface Wallet {
  user_id: number;
  balance_cents: number;
  updated_at: string;
}

export type MovementKind = 'deposit' | 'transfer' | 'order';

/** One line of a wallet's statement; the entries of one movement sum to zero. */
export interface LedgerEntry {
  id: string;
  movement_id: string;
  kind: MovementKind;
  amount_cents: number;
  balance_after_cents: number;
  created_at: string;
}

export interface Transfer {
  id: string;
  from_user_id: number;
  to_user_id: number;
  amount_cents: number;
  created_at: string;
}

export interface NewTransfer {
  /** UUIDv7 chosen by the service: the transfer's and its ledger movement's id. */
  id: string;
  fromUserId: number;
  toUserId: number;
  amountCents: number;
  idempotencyKey: string;
}

export type TransferResult =
  | { ok: true; transfer: Transfer; replayed: boolean }
  | { ok: false; reason: 'insufficient_funds'; balanceCents: number }
  | { ok: false; reason: 'unknown_recipient' }
  /** The key was used before for a different transfer. */
  | { ok: false; reason: 'key_reused' };

export interface Product {
  id: string;
  seller_id: number;
  name: string;
  price_cents: number;
  stock: number;
  created_at: string;
  updated_at: string;
}

export interface NewProduct {
  id: string;
  sellerId: number;
  name: string;
  priceCents: number;
  stock: number;
}

export interface ProductChanges {
  price_cents?: number;
  stock?: number;
}

export interface OrderLine {
  product_id: string;
  quantity: number;
}

/** A line of an order as the buyer asks for it: never charged above the price they were shown. */
export interface PricedLine extends OrderLine {
  expected_unit_price_cents: number;
}

/** How an order shows a buyer or seller whose account was deleted. */
export const DELETED_ACCOUNT = 'deleted account';

export interface OrderItem extends OrderLine {
  seller_id: number;
  /** The seller's name, or DELETED_ACCOUNT. */
  seller_name: string;
  name: string;
  unit_price_cents: number;
}

export interface Order {
  id: string;
  buyer_id: number;
  /** The buyer's name, or DELETED_ACCOUNT. */
  buyer_name: string;
  status: 'paid';
  total_cents: number;
  items: OrderItem[];
  created_at: string;
}

/** An order as one of its sellers sees it: their own lines, not the buyer's total. */
export type Sale = Omit<Order, 'total_cents'>;

export interface NewOrder {
  id: string;
  buyerId: number;
  /**
   * Distinct products, each with a positive quantity; or 'cart' for a checkout: the buyer's
   * cart is read under its row lock, each line expecting the price stored with it, and the
   * lines bought are taken out of the cart in the same transaction.
   */
  lines: readonly PricedLine[] | 'cart';
  idempotencyKey: string;
}

export type OrderResult =
  | { ok: true; order: Order; replayed: boolean }
  | { ok: false; reason: 'unknown_product'; productId: string }
  | { ok: false; reason: 'own_product'; productId: string }
  | { ok: false; reason: 'out_of_stock'; productId: string; name: string; available: number }
  | { ok: false; reason: 'insufficient_funds'; balanceCents: number; totalCents: number }
  | { ok: false; reason: 'key_reused' }
  /** The product costs more now than the buyer expected; nothing was charged or reserved. */
  | {
      ok: false;
      reason: 'price_raised';
      productId: string;
      name: string;
      currentCents: number;
      expectedCents: number;
    }
  /** A checkout of an empty cart (perhaps emptied by a checkout that ran just before). */
  | { ok: false; reason: 'cart_empty' };

export interface SeatedEvent {
  id: string;
  organizer_id: number;
  name: string;
  seat_count: number;
  free_seats: number[];
  created_at: string;
}

export interface NewEvent {
  id: string;
  organizerId: number;
  name: string;
  seats: number;
  /** At most this many events per organizer in any 24 hours, counted in the store. */
  maxPerDay: number;
}

export type NewEventResult =
  | { ok: true; event: SeatedEvent }
  /** The organizer made maxPerDay events in the last 24 hours; the oldest leaves the window then. */
  | { ok: false; reason: 'daily_limit'; retryAfterSeconds: number };

export interface Booking {
  event_id: string;
  seat: number;
  booked_by: number;
  booked_at: string;
}

export type BookingResult =
  | { ok: true; booking: Booking }
  | { ok: false; reason: 'no_such_seat' }
  | { ok: false; reason: 'taken' };

/** A line of a cart: the unit price stored when it was put, and the product's price now. */
export interface CartLine extends OrderLine {
  unit_price_cents: number;
  current_unit_price_cents: number;
}

export type CartEditResult = 'ok' | 'unknown_product' | 'cart_full';

export interface SellerRevenue {
  userId: number;
  revenueCents: number;
}

/** Keyset position: pages continue strictly after the given id (newest first). */
export interface PageRequest<Cursor> {
  limit: number;
  after?: Cursor;
}

/** What an audit of the ledger finds: empty arrays when the books are right. */
export interface LedgerAudit {
  /** Wallets whose balance differs from the sum of their entries. */
  mismatchedWallets: Array<{ userId: number; balanceCents: number; entriesCents: number }>;
  /** Movements whose entries do not sum to zero. */
  unbalancedMovements: string[];
}

export interface CommercePort {
  readonly engine: 'pglite' | 'postgres';

  /** The wallet of a user; null if there is no such user. */
  wallet(userId: number): Promise<Wallet | null>;
  /** A user's ledger entries, newest first. */
  entries(userId: number, page: PageRequest<string>): Promise<LedgerEntry[]>;
  /** Adds money from outside the platform (demo mode only; the service decides). */
  deposit(movementId: string, userId: number, amountCents: number): Promise<Wallet>;
  /** Moves money between wallets once per (sender, key); a replay returns the first transfer. */
  transfer(transfer: NewTransfer): Promise<TransferResult>;
  /** Every wallet's balance read in one snapshot (the bank test's reader). */
  balances(userIds: readonly number[]): Promise<Map<number, number>>;
  auditLedger(): Promise<LedgerAudit>;

  createProduct(product: NewProduct): Promise<Product>;
  product(productId: string): Promise<Product | null>;
  /** Every product, newest first. */
  products(page: PageRequest<string>): Promise<Product[]>;
  /** Changes price and/or stock; null if there is no such product. */
  updateProduct(productId: string, changes: ProductChanges): Promise<Product | null>;

  /**
   * One transaction: take the stock (only if enough is left), write the order and its items,
   * debit the buyer, credit each seller, record the payment. Any failure undoes all of it.
   */
  placeOrder(order: NewOrder): Promise<OrderResult>;
  order(orderId: string): Promise<Order | null>;
  /** The order a buyer placed with an idempotency key, and whether it came from a cart. */
  orderByKey(buyerId: number, idempotencyKey: string): Promise<{ order: Order; fromCart: boolean } | null>;
  /** A buyer's orders, newest first. */
  ordersOf(buyerId: number, page: PageRequest<string>): Promise<Order[]>;
  /** The orders holding a seller's products, newest first, with only that seller's lines. */
  salesOf(sellerId: number, page: PageRequest<string>): Promise<Sale[]>;
  orderCount(buyerId: number): Promise<number>;
  /** Every seller's revenue from every order: the leaderboard's source of record. */
  sellerRevenue(): Promise<SellerRevenue[]>;

  /** Creates the event and its seats, unless the organizer reached `maxPerDay` in the last 24 hours. */
  createEvent(event: NewEvent): Promise<NewEventResult>;
  event(eventId: string): Promise<SeatedEvent | null>;
  /** Books a free seat; a seat is booked at most once, whoever asks and however many at once. */
  bookSeat(eventId: string, seat: number, userId: number): Promise<BookingResult>;

  /** A user's cart, lines by product id. */
  cart(userId: number): Promise<CartLine[]>;
  /**
   * Sets one line of a cart at the product's current price (committed when it returns 'ok');
   * a new product beyond `maxLines` distinct ones is 'cart_full'.
   */
  setCartLine(userId: number, productId: string, quantity: number, maxLines: number): Promise<CartEditResult>;
  /** Takes a product out of a cart (nothing to do when it is not there). */
  removeCartLine(userId: number, productId: string): Promise<void>;

  /**
   * Erases what a deleted account left besides the records a business keeps (orders, their
   * items and payments, the closed wallet, its ledger and transfers): the cart, the products
   * it sells (out of others' carts too; sold items keep their name and price), the events it
   * organises, the seats it booked (freed). Idempotent.
   */
  eraseUser(userId: number): Promise<void>;

  ping(): Promise<void>;
}
