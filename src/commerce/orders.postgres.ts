// Products and orders on PostgreSQL. An order is the article's ACID case: the stock, the order
// and its items, the buyer's debit, the sellers' credits and the payment are one transaction.
// Locks are taken in one global order, products by id and then wallets by user id, so
// concurrent orders queue on the rows they share instead of deadlocking.
import { type SqlClient, type SqlDatabase, sqlConstraint, sqlState } from '../engines/sql.ts';
import {
  type CommercePort,
  DELETED_ACCOUNT,
  type NewOrder,
  type Order,
  type OrderLine,
  type OrderResult,
  type PricedLine,
  type Product,
  type SellerRevenue,
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

// Items are aggregated in the same query, ordered by product id like every lock. The buyer and
// each seller are shown by name; a deleted account has no profile left and shows as such
// (the ids stay: orders are records the business keeps).
const ORDER_SELECT = `
  SELECT o.id, o.buyer_id, o.status, o.total_cents, o.created_at, o.cart_version,
    COALESCE((SELECT p.name FROM user_profiles p WHERE p.user_id = o.buyer_id), '${DELETED_ACCOUNT}') AS buyer_name,
    (SELECT json_agg(json_build_object(
              'product_id', i.product_id, 'quantity', i.quantity, 'seller_id', i.seller_id,
              'seller_name', COALESCE(p.name, '${DELETED_ACCOUNT}'),
              'name', i.product_name, 'unit_price_cents', i.unit_price_cents) ORDER BY i.product_id)
     FROM order_items i LEFT JOIN user_profiles p ON p.user_id = i.seller_id
     WHERE i.order_id = o.id) AS items
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
    WHERE user_id = ANY(ARRAY(SELECT seller_id FROM locked_products) || $2::bigint) AND closed_at IS NULL
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
  -- A checkout takes the lines it bought out of the cart it locked, and bumps its version.
  cart AS (
    UPDATE carts SET version = version + 1, updated_at = now()
    WHERE user_id = $10 AND $11::bigint IS NOT NULL
    RETURNING user_id
  ),
  emptied AS (
    DELETE FROM cart_items WHERE user_id IN (SELECT user_id FROM cart) AND product_id = ANY($2::uuid[])
  )
  SELECT 1`;

/**
 * Locks the buyer's cart row (edits of the cart wait for this checkout) and reads its lines,
 * each expecting the unit price stored with it. An empty cart is refused.
 */
async function lockCart(tx: SqlClient, buyerId: number) {
  const [cart] = await tx.query<{ version: number }>(
    'SELECT version FROM carts WHERE user_id = $1 FOR UPDATE',
    [buyerId],
  );
  const lines = cart
    ? await tx.query<PricedLine>(
        `SELECT product_id, quantity, unit_price_cents AS expected_unit_price_cents
         FROM cart_items WHERE user_id = $1`,
        [buyerId],
      )
    : [];
  if (!cart || lines.length === 0) return refuse<OrderResult>({ ok: false, reason: 'cart_empty' });
  return { lines, cartVersion: cart.version };
}

export function createOrdersPostgres(db: SqlDatabase) {
  const orderByKey = async (buyerId: number, idempotencyKey: string) => {
    const [row] = await db.query<OrderRow>(
      `${ORDER_SELECT} WHERE o.buyer_id = $1 AND o.idempotency_key = $2`,
      [buyerId, idempotencyKey],
    );
    return row ? { order: toOrder(row), fromCart: row.cart_version !== null } : null;
  };

  /**
   * The whole order in one transaction: (for a checkout, lock and read the cart,) lock and
   * read the products and wallets, then write. Refusals roll it back and come back as results.
   */
  const place = ({ id, buyerId, lines: requested, idempotencyKey }: NewOrder) =>
    inTransaction(db, async (tx): Promise<OrderResult> => {
      const { lines, cartVersion } =
        requested === 'cart' ? await lockCart(tx, buyerId) : { lines: requested, cartVersion: null };
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
        // A product whose seller's wallet is closed (the account is being deleted) is not for sale.
        if (!product || !balances.has(product.user_id)) {
          return refuse({ ok: false, reason: 'unknown_product', productId: line.product_id });
        }
        if (product.user_id === buyerId) {
          return refuse({ ok: false, reason: 'own_product', productId: line.product_id });
        }
        // Under the product's lock: a concurrent change of price waits for this order, or
        // this order sees it. A higher price than the buyer was shown is refused.
        if (product.price_cents > line.expected_unit_price_cents) {
          return refuse({
            ok: false,
            reason: 'price_raised',
            productId: product.id,
            name: product.name,
            currentCents: product.price_cents,
            expectedCents: line.expected_unit_price_cents,
          });
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
      await tx.query(WRITE_ORDER, [
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
        cartVersion,
        idempotencyKey,
      ]);
      // Read back as every order is read (names included), inside the transaction that wrote it.
      const [placed] = await tx.query<OrderRow>(`${ORDER_SELECT} WHERE o.id = $1`, [id]);
      return { ok: true, order: toOrder(placed as OrderRow), replayed: false };
    });

  /** What a used idempotency key means for this request: the first order again, or a conflict. */
  const replayOf = async (order: NewOrder): Promise<OrderResult | null> => {
    const first = await orderByKey(order.buyerId, order.idempotencyKey);
    if (!first) return null;
    const sameRequest =
      order.lines === 'cart' ? first.fromCart : !first.fromCart && sameLines(first.order.items, order.lines);
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

    // Catalogue reads tolerate lag (db.read): an order reads its prices again in its own transaction.
    async product(productId) {
      const [row] = await db
        .read()
        .query<ProductRow>(`SELECT ${PRODUCT_COLUMNS} FROM products WHERE id = $1`, [productId]);
      return row ? toProduct(row) : null;
    },

    async products({ limit, after }) {
      // UUIDv7 ids sort by creation time: the primary key is the newest-first index.
      const rows = await db.read().query<ProductRow>(
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
        if (sqlConstraint(error) !== 'orders_idempotency_key') throw error;
        // The key was used: the same request again gets the first order, stock and money moved once.
        const replay = await replayOf(order);
        if (!replay) throw error;
        return replay;
      }
      // A replay that queued behind its own first attempt finds the stock, the money or the
      // cart gone: the key tells it apart from a new order that is truly refused.
      const gone = ['out_of_stock', 'insufficient_funds', 'cart_empty'];
      if (!result.ok && gone.includes(result.reason)) {
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

    // The seller's page of order ids comes from the (seller_id, order_id) index; the lines of
    // other sellers in the same orders are never read.
    async salesOf(sellerId, { limit, after }) {
      const rows = await db.query<Omit<OrderRow, 'total_cents'>>(
        `SELECT o.id, o.buyer_id, o.status, o.created_at, NULL AS cart_version,
           COALESCE((SELECT p.name FROM user_profiles p WHERE p.user_id = o.buyer_id), '${DELETED_ACCOUNT}') AS buyer_name,
           (SELECT json_agg(json_build_object(
                     'product_id', i.product_id, 'quantity', i.quantity, 'seller_id', i.seller_id,
                     'seller_name', COALESCE(p.name, '${DELETED_ACCOUNT}'),
                     'name', i.product_name, 'unit_price_cents', i.unit_price_cents) ORDER BY i.product_id)
            FROM order_items i LEFT JOIN user_profiles p ON p.user_id = i.seller_id
            WHERE i.order_id = o.id AND i.seller_id = $1) AS items
         FROM orders o
         WHERE o.id IN (SELECT DISTINCT s.order_id FROM order_items s
                        WHERE s.seller_id = $1 AND ($3::uuid IS NULL OR s.order_id < $3::uuid)
                        ORDER BY s.order_id DESC LIMIT $2)
         ORDER BY o.id DESC`,
        [sellerId, limit, after ?? null],
      );
      return rows.map(({ cart_version: _, created_at, ...row }) => ({
        ...row,
        items: row.items ?? [],
        created_at: iso(created_at),
      }));
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
        // A deleted seller leaves the board: the items stay, the ranking shows live accounts only.
        `SELECT i.seller_id AS "userId", sum(i.quantity * i.unit_price_cents)::bigint AS "revenueCents"
         FROM order_items i JOIN users u ON u.id = i.seller_id AND u.deleted_at IS NULL
         GROUP BY i.seller_id`,
      ),
  } satisfies Partial<CommercePort>;
}
