// HTTP routes of wallets, products, orders, seats, carts and the sellers' leaderboard:
// validate, call a service, shape the reply.
import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { type AuthHooks, sessionOf } from '../http/auth.ts';
import { bearerAuth, errorReplies, PageQuery } from '../http/schemas.ts';
import type { CartService } from './cart.service.ts';
import {
  BookingReply,
  CartItemParams,
  CartQuantityBody,
  CartReply,
  CheckoutBody,
  DepositBody,
  EventBody,
  EventReply,
  IdParams,
  LeaderboardReply,
  OrderBody,
  OrderPageReply,
  OrderReply,
  OrderViewReply,
  ProductBody,
  ProductChangesBody,
  ProductPageReply,
  ProductReply,
  SalePageReply,
  SeatParams,
  TopQuery,
  TransferBody,
  TransferReply,
  WalletEntriesReply,
  WalletReply,
} from './commerce.schemas.ts';
import type { CommerceService } from './commerce.service.ts';

export interface CommerceRoutesOptions {
  commerce: CommerceService;
  carts: CartService;
  auth: AuthHooks;
}

export const commerceRoutes: FastifyPluginAsyncTypebox<CommerceRoutesOptions> = async (
  app,
  { commerce, carts, auth },
) => {
  const signedIn = { onRequest: auth.requireSession };
  const caller = (request: Parameters<typeof sessionOf>[0]) => sessionOf(request).userId;

  // Wallets
  app.get(
    '/me/wallet',
    {
      ...signedIn,
      schema: {
        security: bearerAuth,
        tags: ['wallet'],
        summary: 'Your wallet',
        response: { 200: WalletReply, ...errorReplies(401) },
      },
    },
    async (request) => commerce.wallet(caller(request)),
  );

  app.get(
    '/me/wallet/entries',
    {
      ...signedIn,
      schema: {
        security: bearerAuth,
        tags: ['wallet'],
        summary: 'Your ledger entries, newest first',
        querystring: PageQuery,
        response: { 200: WalletEntriesReply, ...errorReplies(400, 401) },
      },
    },
    async (request) => commerce.entries(caller(request), request.query.limit, request.query.cursor),
  );

  app.post(
    '/wallet/transfers',
    {
      ...signedIn,
      schema: {
        security: bearerAuth,
        tags: ['wallet'],
        summary: 'Send money to another user (once per idempotency key)',
        body: TransferBody,
        response: { 201: TransferReply, ...errorReplies(400, 401, 402, 404, 409, 429) },
      },
    },
    async (request, reply) => reply.status(201).send(await commerce.transfer(caller(request), request.body)),
  );

  // Money from nowhere exists only in demo mode: otherwise the route is not there at all.
  if (commerce.demoMode) {
    app.post(
      '/wallet/deposits',
      {
        ...signedIn,
        schema: {
          security: bearerAuth,
          tags: ['wallet'],
          summary: 'Add play money to your wallet (demo mode only)',
          body: DepositBody,
          response: { 201: WalletReply, ...errorReplies(400, 401, 429) },
        },
      },
      async (request, reply) =>
        reply.status(201).send(await commerce.deposit(caller(request), request.body.amount_cents)),
    );
  }

  // Products
  app.post(
    '/products',
    {
      ...signedIn,
      schema: {
        security: bearerAuth,
        tags: ['products'],
        summary: 'Offer a product; you are its seller',
        body: ProductBody,
        response: { 201: ProductReply, ...errorReplies(400, 401, 429) },
      },
    },
    async (request, reply) =>
      reply.status(201).send(await commerce.createProduct(caller(request), request.body)),
  );

  app.get(
    '/products',
    {
      schema: {
        tags: ['products'],
        summary: 'Products, newest first',
        querystring: PageQuery,
        response: { 200: ProductPageReply, ...errorReplies(400) },
      },
    },
    async (request) => commerce.products(request.query.limit, request.query.cursor),
  );

  app.get(
    '/products/:id',
    {
      schema: {
        tags: ['products'],
        summary: 'A product',
        params: IdParams('product'),
        response: { 200: ProductReply, ...errorReplies(400, 404) },
      },
    },
    async (request) => commerce.product(request.params.id),
  );

  app.patch(
    '/products/:id',
    {
      ...signedIn,
      schema: {
        security: bearerAuth,
        tags: ['products'],
        summary: 'Change the price or stock of your product',
        params: IdParams('product'),
        body: ProductChangesBody,
        response: { 200: ProductReply, ...errorReplies(400, 401, 403, 404, 429) },
      },
    },
    async (request) => commerce.updateProduct(caller(request), request.params.id, request.body),
  );

  // Orders
  app.post(
    '/orders',
    {
      ...signedIn,
      schema: {
        security: bearerAuth,
        tags: ['orders'],
        summary: 'Buy: stock, order, payment and credits in one transaction (once per idempotency key)',
        description:
          'Each line names the unit price the buyer was shown. A product that costs more now refuses the whole order with 409 `price_changed` (details: product_id, current_unit_price_cents, expected_unit_price_cents) and nothing is charged or reserved; a lower price is charged at the lower price.',
        body: OrderBody,
        response: { 201: OrderReply, ...errorReplies(400, 401, 402, 404, 409, 429) },
      },
    },
    async (request, reply) => {
      const { order } = await commerce.placeOrder(
        caller(request),
        request.body.items,
        request.body.idempotency_key,
      );
      return reply.status(201).send(order);
    },
  );

  app.get(
    '/me/orders',
    {
      ...signedIn,
      schema: {
        security: bearerAuth,
        tags: ['orders'],
        summary: 'Your orders, newest first',
        querystring: PageQuery,
        response: { 200: OrderPageReply, ...errorReplies(400, 401) },
      },
    },
    async (request) => commerce.myOrders(caller(request), request.query.limit, request.query.cursor),
  );

  app.get(
    '/me/sales',
    {
      ...signedIn,
      schema: {
        security: bearerAuth,
        tags: ['orders'],
        summary: 'Your sales: the orders holding your products, newest first, each with only your lines',
        querystring: PageQuery,
        response: { 200: SalePageReply, ...errorReplies(400, 401) },
      },
    },
    async (request) => commerce.mySales(caller(request), request.query.limit, request.query.cursor),
  );

  app.get(
    '/orders/:id',
    {
      ...signedIn,
      schema: {
        security: bearerAuth,
        tags: ['orders'],
        summary: 'An order you bought or sold in',
        description:
          'The buyer sees every line and the total (`view: "buyer"`); a seller sees only their own lines and their subtotal (`view: "seller"`); anyone else gets 403.',
        params: IdParams('order'),
        response: { 200: OrderViewReply, ...errorReplies(400, 401, 403, 404) },
      },
    },
    async (request) => commerce.order(caller(request), request.params.id),
  );

  // Seats
  app.post(
    '/events',
    {
      ...signedIn,
      schema: {
        security: bearerAuth,
        tags: ['seats'],
        summary: 'Create an event with seats numbered 1..seats',
        description:
          'Each organizer may create EVENTS_PER_USER_PER_DAY events (20 unless configured otherwise) in any 24 hours; beyond that 429 with Retry-After.',
        body: EventBody,
        response: { 201: EventReply, ...errorReplies(400, 401, 429) },
      },
    },
    async (request, reply) =>
      reply.status(201).send(await commerce.createEvent(caller(request), request.body)),
  );

  app.get(
    '/events/:id',
    {
      ...signedIn,
      schema: {
        security: bearerAuth,
        tags: ['seats'],
        summary: 'An event and its free seats',
        params: IdParams('event'),
        response: { 200: EventReply, ...errorReplies(400, 401, 404) },
      },
    },
    async (request) => commerce.event(request.params.id),
  );

  app.post(
    '/events/:id/seats/:seat/booking',
    {
      ...signedIn,
      schema: {
        security: bearerAuth,
        tags: ['seats'],
        summary: 'Book a seat (409 when it is taken)',
        params: SeatParams,
        response: { 201: BookingReply, ...errorReplies(400, 401, 404, 409, 429) },
      },
    },
    async (request, reply) =>
      reply
        .status(201)
        .send(await commerce.bookSeat(caller(request), request.params.id, request.params.seat)),
  );

  // Cart
  app.get(
    '/me/cart',
    {
      ...signedIn,
      schema: {
        security: bearerAuth,
        tags: ['cart'],
        summary: 'Your cart, with the price stored on each line and the price now',
        response: { 200: CartReply, ...errorReplies(401) },
      },
    },
    async (request) => carts.cart(caller(request)),
  );

  app.put(
    '/me/cart/items/:product_id',
    {
      ...signedIn,
      schema: {
        security: bearerAuth,
        tags: ['cart'],
        summary: 'Put a product in your cart, or change its quantity (idempotent)',
        description:
          "The line stores the product's current price: a checkout never charges more than it. Putting the product again accepts a new price. 204 means the line is saved.",
        params: CartItemParams,
        body: CartQuantityBody,
        response: errorReplies(400, 401, 404, 429),
      },
    },
    async (request, reply) => {
      await carts.setQuantity(caller(request), request.params.product_id, request.body.quantity);
      return reply.status(204).send();
    },
  );

  app.delete(
    '/me/cart/items/:product_id',
    {
      ...signedIn,
      schema: {
        security: bearerAuth,
        tags: ['cart'],
        summary: 'Take a product out of your cart (idempotent)',
        params: CartItemParams,
        response: errorReplies(400, 401, 429),
      },
    },
    async (request, reply) => {
      await carts.remove(caller(request), request.params.product_id);
      return reply.status(204).send();
    },
  );

  app.post(
    '/me/cart/checkout',
    {
      ...signedIn,
      schema: {
        security: bearerAuth,
        tags: ['cart'],
        summary: 'Order everything in your cart and empty it (once per idempotency key)',
        description:
          'Each line expects the unit price stored with it: a product that costs more now is 409 `price_changed` (nothing charged, the cart kept). An edit made while a checkout runs is either in the order or stays in the cart after it.',
        body: CheckoutBody,
        response: { 201: OrderReply, ...errorReplies(400, 401, 402, 404, 409, 429) },
      },
    },
    async (request, reply) =>
      reply.status(201).send(await carts.checkout(caller(request), request.body.idempotency_key)),
  );

  // Leaderboard
  app.get(
    '/leaderboards/sellers',
    {
      schema: {
        tags: ['leaderboards'],
        summary: 'Sellers by revenue (top N; next_cursor is null)',
        querystring: TopQuery,
        response: { 200: LeaderboardReply, ...errorReplies(400) },
      },
    },
    async (request) => commerce.topSellers(request.query.limit),
  );
};
