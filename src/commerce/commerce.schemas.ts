// Request and reply schemas of the commerce routes. Money is integer cents everywhere.
import { Type } from 'typebox';
import { ProfileSummaryReply } from '../accounts/accounts.schemas.ts';
import { Page, Timestamp, UserId, Uuid, VisibleText } from '../http/schemas.ts';

/** Cents, positive; at most 10^12 (ten billion in the currency), far below 2^53. */
const Cents = (description: string) =>
  Type.Integer({ minimum: 1, maximum: 1_000_000_000_000, description: `${description}, in integer cents` });

const IdempotencyKey = Type.String({
  minLength: 1,
  maxLength: 100,
  pattern: '^[\\x21-\\x7e]+$',
  description:
    'any 1-100 printable ASCII characters, chosen by the client: the same key and body again return the first result',
});

const Quantity = Type.Integer({ minimum: 1, maximum: 1000 });

export const TopQuery = Type.Object(
  { limit: Type.Integer({ minimum: 1, maximum: 100, default: 10 }) },
  { additionalProperties: false },
);

export const WalletReply = Type.Object(
  { user_id: UserId, balance_cents: Type.Integer({ minimum: 0 }), updated_at: Timestamp },
  { title: 'Wallet' },
);

export const LedgerEntryReply = Type.Object(
  {
    id: Type.String(),
    movement_id: Type.String({ description: 'the deposit, transfer or order this entry belongs to' }),
    kind: Type.Union([Type.Literal('deposit'), Type.Literal('transfer'), Type.Literal('order')]),
    amount_cents: Type.Integer({ description: 'positive in, negative out' }),
    balance_after_cents: Type.Integer({ minimum: 0 }),
    created_at: Timestamp,
  },
  { title: 'LedgerEntry' },
);

export const TransferBody = Type.Object(
  { to_user_id: UserId, amount_cents: Cents('the amount'), idempotency_key: IdempotencyKey },
  { additionalProperties: false },
);

export const TransferReply = Type.Object(
  {
    id: Type.String(),
    from_user_id: UserId,
    to_user_id: UserId,
    amount_cents: Type.Integer(),
    created_at: Timestamp,
  },
  { title: 'Transfer' },
);

export const DepositBody = Type.Object(
  { amount_cents: Type.Integer({ minimum: 1, maximum: 100_000_000, description: 'at most 1,000,000.00' }) },
  { additionalProperties: false },
);

export const ProductBody = Type.Object(
  {
    name: VisibleText({ maxLength: 200 }),
    price_cents: Cents('the price'),
    stock: Type.Integer({ minimum: 0, maximum: 1_000_000 }),
  },
  { additionalProperties: false },
);

export const ProductChangesBody = Type.Object(
  {
    price_cents: Type.Optional(Cents('the new price')),
    stock: Type.Optional(Type.Integer({ minimum: 0, maximum: 1_000_000, description: 'the new stock' })),
  },
  { additionalProperties: false, minProperties: 1 },
);

export const ProductReply = Type.Object(
  {
    id: Type.String(),
    seller_id: UserId,
    name: Type.String(),
    price_cents: Type.Integer(),
    stock: Type.Integer(),
    created_at: Timestamp,
    updated_at: Timestamp,
  },
  { title: 'Product' },
);

export const IdParams = (what: string) =>
  Type.Object({ id: Uuid(`the ${what}'s id`) }, { additionalProperties: false });

const OrderLineBody = Type.Object(
  {
    product_id: Uuid('a product id'),
    quantity: Quantity,
    expected_unit_price_cents: Cents(
      'the unit price you were shown: if the product costs more now the order is refused (409 price_changed, nothing charged); if it costs less you pay the lower price',
    ),
  },
  { additionalProperties: false },
);

export const OrderBody = Type.Object(
  {
    items: Type.Array(OrderLineBody, { minItems: 1, maxItems: 50, description: 'each product at most once' }),
    idempotency_key: IdempotencyKey,
  },
  { additionalProperties: false },
);

const OrderItemReply = Type.Object({
  product_id: Type.String(),
  name: Type.String({ description: 'as it was when ordered' }),
  seller_id: UserId,
  seller_name: Type.String({ description: "the seller's name, or 'deleted account'" }),
  quantity: Type.Integer(),
  unit_price_cents: Type.Integer({ description: 'the price paid: as it was when ordered' }),
});

const orderFields = {
  id: Type.String(),
  buyer_id: UserId,
  buyer_name: Type.String({ description: "the buyer's name, or 'deleted account'" }),
  status: Type.Literal('paid'),
  created_at: Timestamp,
};

export const OrderReply = Type.Object(
  { ...orderFields, total_cents: Type.Integer(), items: Type.Array(OrderItemReply) },
  { title: 'Order' },
);

const BuyerOrderReply = Type.Object(
  {
    view: Type.Literal('buyer', { description: 'you bought this order: every line and the total' }),
    ...OrderReply.properties,
  },
  { title: 'BuyerOrder' },
);

export const SellerOrderReply = Type.Object(
  {
    view: Type.Literal('seller', {
      description:
        "you sold in this order: only your own lines and their subtotal, not other sellers' nor the buyer's total",
    }),
    ...orderFields,
    subtotal_cents: Type.Integer({ description: 'the sum of your lines' }),
    items: Type.Array(OrderItemReply, { description: 'your lines only' }),
  },
  { title: 'SellerOrder' },
);

/** GET /orders/:id: which view it is, `view` says. */
export const OrderViewReply = Type.Union([BuyerOrderReply, SellerOrderReply], {
  description: "the buyer's view (every line, total_cents) or a seller's view (their lines, subtotal_cents)",
});

export const EventBody = Type.Object(
  {
    name: VisibleText({ maxLength: 200 }),
    seats: Type.Integer({
      minimum: 1,
      maximum: 10_000,
      description:
        'at most EVENT_MAX_SEATS (2,000 unless configured otherwise; never above 10,000): 400 beyond it',
    }),
  },
  { additionalProperties: false },
);

export const EventReply = Type.Object(
  {
    id: Type.String(),
    organizer_id: UserId,
    name: Type.String(),
    seat_count: Type.Integer({ description: 'seats are numbered 1..seat_count' }),
    free_seats: Type.Array(Type.Integer()),
    created_at: Timestamp,
  },
  { title: 'Event' },
);

export const SeatParams = Type.Object(
  { id: Uuid("the event's id"), seat: Type.Integer({ minimum: 1, maximum: 2_147_483_647 }) },
  { additionalProperties: false },
);

export const BookingReply = Type.Object(
  { event_id: Type.String(), seat: Type.Integer(), booked_by: UserId, booked_at: Timestamp },
  { title: 'Booking' },
);

export const CartReply = Type.Object(
  {
    items: Type.Array(
      Type.Object({
        product_id: Type.String(),
        quantity: Type.Integer(),
        unit_price_cents: Type.Integer({
          description:
            'the price when the line was put: the most a checkout charges (put the product again to accept a new price)',
        }),
        current_unit_price_cents: Type.Integer({ description: "the product's price now" }),
      }),
    ),
  },
  { title: 'Cart' },
);

export const CartItemParams = Type.Object(
  { product_id: Uuid('the product id') },
  { additionalProperties: false },
);

export const CartQuantityBody = Type.Object({ quantity: Quantity }, { additionalProperties: false });

export const CheckoutBody = Type.Object({ idempotency_key: IdempotencyKey }, { additionalProperties: false });

export const LeaderboardReply = Page(
  Type.Object({ seller: ProfileSummaryReply, revenue_cents: Type.Integer() }, { title: 'LeaderboardEntry' }),
);

export const WalletEntriesReply = Page(LedgerEntryReply);
export const ProductPageReply = Page(ProductReply);
export const OrderPageReply = Page(OrderReply);
export const SalePageReply = Page(SellerOrderReply);
