// Products and orders on PostgreSQL. An order is the article's ACID case: the stock, the order
// and its items, the buyer's debit, the sellers' credits and the payment are one transaction.
// The order is one call of the place_order() function (migration 20261201170000): one round
// trip, with its locks taken in one global order, products by id and then wallets by user id,
// so concurrent orders queue on the rows they share instead of deadlocking.
import { type SqlDatabase, sqlConstraint, sqlState, withRetries } from '../engines/sql.ts';
import type {
  CommercePort,
  NewOrder,
  Order,
  OrderLine,
  OrderResult,
  Product,
  SellerRevenue,
} from './commerce.port.ts';
import { iso } from './transactions.ts';

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

// The view (see the migration place_order) shows the buyer and each seller by name, a deleted
// account as the port's DELETED_ACCOUNT (the ids stay: orders are records the business keeps), and the
// items ordered by product id like every lock.
const ORDER_SELECT = `
  SELECT o.id, o.buyer_id, o.status, o.total_cents, o.created_at, o.cart_version, o.buyer_name, o.items
  FROM order_views o`;

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

// The refusals place_order() raises, by SQLSTATE; its DETAIL holds the rest of the result.
const REFUSALS: Record<string, Exclude<OrderResult, { ok: true }>['reason']> = {
  OR001: 'unknown_product',
  OR002: 'own_product',
  OR003: 'price_raised',
  OR004: 'out_of_stock',
  OR005: 'insufficient_funds',
  OR006: 'cart_empty',
};

/** The refusal a failed place_order() call stands for, or undefined for any other error. */
function refusalOf(error: unknown): OrderResult | undefined {
  const reason = REFUSALS[sqlState(error) ?? ''];
  if (!reason) return undefined;
  const detail = (error as { detail?: string }).detail;
  return { ok: false, reason, ...JSON.parse(detail ?? '{}') } as OrderResult;
}

export function createOrdersPostgres(db: SqlDatabase) {
  const orderByKey = async (buyerId: number, idempotencyKey: string) => {
    const [row] = await db.query<OrderRow>(
      `${ORDER_SELECT} WHERE o.id = (SELECT k.id FROM orders k WHERE k.buyer_id = $1 AND k.idempotency_key = $2)`,
      [buyerId, idempotencyKey],
    );
    return row ? { order: toOrder(row), fromCart: row.cart_version !== null } : null;
  };

  /**
   * The whole order in one round trip: place_order() (for a checkout, locks and reads the
   * cart,) locks the products and wallets, checks, writes and returns the order, as one
   * statement and so one transaction. Its refusals roll it back and come back as results.
   */
  const place = async ({ id, buyerId, lines, idempotencyKey }: NewOrder): Promise<OrderResult> => {
    const given = lines === 'cart' ? null : lines;
    try {
      const [placed] = await withRetries(() =>
        db.query<OrderRow>(
          'SELECT * FROM place_order($1, $2, $3, $4::uuid[], $5::int[], $6::bigint[])',
          [
            id,
            buyerId,
            idempotencyKey,
            given?.map((line) => line.product_id) ?? null,
            given?.map((line) => line.quantity) ?? null,
            given?.map((line) => line.expected_unit_price_cents) ?? null,
          ],
          { prepare: true },
        ),
      );
      return { ok: true, order: toOrder(placed as OrderRow), replayed: false };
    } catch (error) {
      const refusal = refusalOf(error);
      if (refusal) return refusal;
      throw error;
    }
  };

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

    // The seller's page of order ids comes from the (seller_id, order_id) index; of each order
    // as every order is read, only the seller's own lines (in product id order) are kept.
    async salesOf(sellerId, { limit, after }) {
      const rows = await db.query<Omit<OrderRow, 'total_cents'>>(
        `SELECT o.id, o.buyer_id, o.status, o.created_at, NULL AS cart_version, o.buyer_name,
           (SELECT json_agg(item) FROM json_array_elements(o.items) AS item
            WHERE (item->>'seller_id')::bigint = $1) AS items
         FROM order_views o
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
