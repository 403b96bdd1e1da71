// Products and orders on PostgreSQL. An order is the article's ACID case: the stock, the order
// and its items, the buyer's debit, the sellers' credits and the payment are one transaction.
// Locks are taken in one global order, products by id and then wallets by user id, so
// concurrent orders queue on the rows they share instead of deadlocking.
import { type SqlDatabase, sqlConstraint, sqlState } from '../engines/sql.ts';
import type {
  CommercePort,
  NewOrder,
  Order,
  OrderLine,
  OrderResult,
  Product,
  SellerRevenue,
} from './commerce.port.ts';
import { inTransaction, iso, refuse } from './transactions.ts';
import { moveMoneyCtes } from './wallets.postgres.ts';

interface ProductRow extends Omit<Product, 'created_at' | 'updated_at'> {
  created_at: Date;
  updated_at: Date;
}

const PRODUCT_COLUMNS = 'id, seller_id, name, price_cents, stock, created_at, updated_at';

const toProduct = (row: ProductRow): Product => ({
  ...row,
  created_at: iso(row.created_at),
  updated_at: iso(row.updated_at),
});

interface OrderRow extends Omit<Order, 'created_at'> {
  created_at: Date;
  cart_version: number | null;
}

// Items are aggregated in the same query, ordered by product id like every lock.
const ORDER_SELECT = `
  SELECT o.id, o.buyer_id, o.status, o.total_cents, o.created_at, o.cart_version,
    (SELECT json_agg(json_build_object(
              'product_id', i.product_id, 'quantity', i.quantity, 'seller_id', i.seller_id,
              'name', i.product_name, 'unit_price_cents', i.unit_price_cents) ORDER BY i.product_id)
     FROM order_items i WHERE i.order_id = o.id) AS items
  FROM orders o`;

const toOrder = ({ cart_version: _, created_at, ...row }: OrderRow): Order => ({
  ...row,
  items: row.items ?? [],
  created_at: iso(created_at),
});

const sameLines = (a: readonly OrderLine[], b: readonly OrderLine[]) => {
  const key = (lines: readonly OrderLine[]) =>
    lines
      .map((line) => `${line.product_id}:${line.quantity}`)
      .sort()
      .join(',');
  return key(a) === key(b);
};

interface LockedRow {
  /** Null on a wallet's row. */
  id: string | null;
  /** The seller on a product's row; the wallet's owner on a wallet's row. */
  user_id: number;
  name: string;
  price_cents: number;
  stock: number;
  balance_cents: number | null;
}

type LockedProduct = Omit<LockedRow, 'id' | 'balance_cents'> & { id: string };

// One round trip takes every lock the order needs, in the global order: the products by id,
// then the wallets of the buyer and the sellers by user id. FOR UPDATE returns each row's
// latest committed state. ARRAY(...) is an init-plan: it reads the products' CTE to the end
// (locking every product) before the first wallet is read, and the wallets are then found
// through their primary key.
const LOCK_ORDER_ROWS = `
  WITH locked_products AS MATERIALIZED (
    SELECT id, seller_id, name, price_cents, stock FROM products
    WHERE id = ANY($1::uuid[]) ORDER BY id FOR UPDATE
  ),
  locked_wallets AS MATERIALIZED (
    SELECT user_id, balance_cents FROM wallets
    WHERE user_id = ANY(ARRAY(SELECT seller_id FROM locked_products) || $2::bigint)
    ORDER BY user_id FOR UPDATE
  )
  SELECT id, seller_id AS user_id, name, price_cents, stock, NULL::bigint AS balance_cents FROM locked_products
  UNION ALL
  SELECT NULL, user_id, NULL, NULL, NULL, balance_cents FROM locked_wallets`;

// Everything the order writes, in one statement while the locks are held. Inserting the order
// row claims the idempotency key (and the cart version): a second claim fails with 23505.
const WRITE_ORDER = `
  WITH placed AS (
    INSERT INTO orders (id, buyer_id, total_cents, idempotency_key, cart_version)
    VALUES ($1, $10, $9, $12, $11) RETURNING created_at
  ),
  stock AS (
    UPDATE products p SET stock = p.stock - d.quantity, updated_at = now()
    FROM unnest($2::uuid[], $3::int[]) AS d(id, quantity)
    WHERE p.id = d.id
  ),
  movement AS (INSERT INTO ledger_movements (id, kind) VALUES ($1, 'order')),
  ${moveMoneyCtes('$1::uuid', '$4', '$5')},
  items AS (
    INSERT INTO order_items (order_id, product_id, seller_id, product_name, quantity, unit_price_cents)
    SELECT $1, * FROM unnest($2::uuid[], $6::bigint[], $7::text[], $3::int[], $8::bigint[])
  ),
  payment AS (INSERT INTO payments (order_id, movement_id, amount_cents) VALUES ($1, $1, $9)),
  -- A checkout empties the durable cart it came from, unless a newer cart is saved there.
  cart AS (
    INSERT INTO carts (user_id, version) SELECT $10, $11::bigint + 1 WHERE $11::bigint IS NOT NULL
    ON CONFLICT (user_id) DO UPDATE SET version = EXCLUDED.version, updated_at = now()
      WHERE carts.version <= $11::bigint
    RETURNING user_id
  ),
  emptied AS (DELETE FROM cart_items WHERE user_id IN (SELECT user_id FROM cart))
  SELECT created_at FROM placed`;

export function createOrdersPostgres(db: SqlDatabase) {
  const orderByKey = async (buyerId: number, idempotencyKey: string) => {
    const [row] = await db.query<OrderRow>(
      `${ORDER_SELECT} WHERE o.buyer_id = $1 AND o.idempotency_key = $2`,
      [buyerId, idempotencyKey],
    );
    return row ? { order: toOrder(row), fromCart: row.cart_version !== null } : null;
  };

  /**
   * The whole order in one transaction of two statements: lock and read, then write.
   * Refusals roll it back and come back as results.
   */
  const place = ({ id, buyerId, lines, idempotencyKey, cartVersion }: NewOrder) =>
    inTransaction(db, async (tx): Promise<OrderResult> => {
      const sorted = [...lines].sort((a, b) => (a.product_id < b.product_id ? -1 : 1));
      const rows = await tx.query<LockedRow>(LOCK_ORDER_ROWS, [
        sorted.map((line) => line.product_id),
        buyerId,
      ]);
      const byId = new Map<string, LockedProduct>();
      const balances = new Map<number, number>();
      for (const row of rows) {
        if (row.id === null) balances.set(row.user_id, row.balance_cents as number);
        else byId.set(row.id, row as LockedProduct);
      }
      let totalCents = 0;
      const revenue = new Map<number, number>();
      for (const line of sorted) {
        const product = byId.get(line.product_id);
        if (!product) return refuse({ ok: false, reason: 'unknown_product', productId: line.product_id });
        if (product.user_id === buyerId) {
          return refuse({ ok: false, reason: 'own_product', productId: line.product_id });
        }
        if (product.stock < line.quantity) {
          return refuse({
            ok: false,
            reason: 'out_of_stock',
            productId: product.id,
            name: product.name,
            available: product.stock,
          });
        }
        const cents = product.price_cents * line.quantity;
        totalCents += cents;
        revenue.set(product.user_id, (revenue.get(product.user_id) ?? 0) + cents);
      }
      const balanceCents = balances.get(buyerId) ?? 0;
      if (balanceCents < totalCents) {
        return refuse({ ok: false, reason: 'insufficient_funds', balanceCents, totalCents });
      }
      const sellers = [...revenue.keys()];
      const productOf = (line: OrderLine) => byId.get(line.product_id) as LockedProduct;
      const [placed] = await tx.query<{ created_at: Date }>(WRITE_ORDER, [
        id,
        sorted.map((line) => line.product_id),
        sorted.map((line) => line.quantity),
        [buyerId, ...sellers],
        [-totalCents, ...sellers.map((seller) => revenue.get(seller))],
        sorted.map((line) => productOf(line).user_id),
        sorted.map((line) => productOf(line).name),
        sorted.map((line) => productOf(line).price_cents),
        totalCents,
        buyerId,
        cartVersion ?? null,
        idempotencyKey,
      ]);
      const order: Order = {
        id,
        buyer_id: buyerId,
        status: 'paid',
        total_cents: totalCents,
        items: sorted.map((line) => ({
          product_id: line.product_id,
          quantity: line.quantity,
          seller_id: productOf(line).user_id,
          name: productOf(line).name,
          unit_price_cents: productOf(line).price_cents,
        })),
        created_at: iso((placed as { created_at: Date }).created_at),
      };
      return { ok: true, order, replayed: false };
    });

  /** What a used idempotency key means for this request: the first order again, or a conflict. */
  const replayOf = async (order: NewOrder): Promise<OrderResult | null> => {
    const first = await orderByKey(order.buyerId, order.idempotencyKey);
    if (!first) return null;
    const sameRequest =
      order.cartVersion !== undefined
        ? first.fromCart
        : !first.fromCart && sameLines(first.order.items, order.lines);
    return sameRequest
      ? { ok: true, order: first.order, replayed: true }
      : { ok: false, reason: 'key_reused' };
  };

  return {
    async createProduct({ id, sellerId, name, priceCents, stock }) {
      const [row] = await db.query<ProductRow>(
        `INSERT INTO products (id, seller_id, name, price_cents, stock) VALUES ($1, $2, $3, $4, $5)
         RETURNING ${PRODUCT_COLUMNS}`,
        [id, sellerId, name, priceCents, stock],
      );
      return toProduct(row as ProductRow);
    },

    async product(productId) {
      const [row] = await db.query<ProductRow>(`SELECT ${PRODUCT_COLUMNS} FROM products WHERE id = $1`, [
        productId,
      ]);
      return row ? toProduct(row) : null;
    },

    async products({ limit, after }) {
      // UUIDv7 ids sort by creation time: the primary key is the newest-first index.
      const rows = await db.query<ProductRow>(
        `SELECT ${PRODUCT_COLUMNS} FROM products
         WHERE ($2::uuid IS NULL OR id < $2::uuid) ORDER BY id DESC LIMIT $1`,
        [limit, after ?? null],
      );
      return rows.map(toProduct);
    },

    async updateProduct(productId, changes) {
      const [row] = await db.query<ProductRow>(
        `UPDATE products SET
           price_cents = COALESCE($2, price_cents), stock = COALESCE($3, stock), updated_at = now()
         WHERE id = $1 RETURNING ${PRODUCT_COLUMNS}`,
        [productId, changes.price_cents ?? null, changes.stock ?? null],
      );
      return row ? toProduct(row) : null;
    },

    async placeOrder(order): Promise<OrderResult> {
      let result: OrderResult;
      try {
        result = await place(order);
      } catch (error) {
        if (sqlState(error) !== '23505') throw error;
        const constraint = sqlConstraint(error);
        if (constraint === 'orders_cart_version') return { ok: false, reason: 'cart_checked_out' };
        if (constraint !== 'orders_idempotency_key') throw error;
        // The key was used: the same request again gets the first order, stock and money moved once.
        const replay = await replayOf(order);
        if (!replay) throw error;
        return replay;
      }
      // A replay that queued behind its own first attempt finds the stock or the money gone:
      // the key tells it apart from a new order that is truly refused.
      if (!result.ok && (result.reason === 'out_of_stock' || result.reason === 'insufficient_funds')) {
        return (await replayOf(order)) ?? result;
      }
      return result;
    },

    async order(orderId) {
      const [row] = await db.query<OrderRow>(`${ORDER_SELECT} WHERE o.id = $1`, [orderId]);
      return row ? toOrder(row) : null;
    },

    orderByKey,

    async ordersOf(buyerId, { limit, after }) {
      const rows = await db.query<OrderRow>(
        `${ORDER_SELECT} WHERE o.buyer_id = $1 AND ($3::uuid IS NULL OR o.id < $3::uuid)
         ORDER BY o.id DESC LIMIT $2`,
        [buyerId, limit, after ?? null],
      );
      return rows.map(toOrder);
    },

    async orderCount(buyerId) {
      const [row] = await db.query<{ count: number }>(
        'SELECT count(*)::bigint AS count FROM orders WHERE buyer_id = $1',
        [buyerId],
      );
      return row?.count ?? 0;
    },

    sellerRevenue: () =>
      db.query<SellerRevenue>(
        `SELECT seller_id AS "userId", sum(quantity * unit_price_cents)::bigint AS "revenueCents"
         FROM order_items GROUP BY seller_id`,
      ),
  } satisfies Partial<CommercePort>;
}
