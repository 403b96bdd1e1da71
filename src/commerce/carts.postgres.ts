// Carts on PostgreSQL, the cart of record: an edit is acknowledged once it committed here,
// so neither a cache outage nor a cache that lost its data can lose a line. Each line keeps
// the unit price of its product when it was put: the most its checkout may charge.
import type { SqlDatabase } from '../engines/sql.ts';
import type { CartEditResult, CartLine, CommercePort } from './commerce.port.ts';
import { inTransaction, refuse } from './transactions.ts';

// Creating or bumping the cart's row locks it: edits of one cart, and its checkout (which
// locks the same row), take turns, so an edit lands either in the order or after it.
const LOCK_CART = `
  INSERT INTO carts (user_id, version) VALUES ($1, 1)
  ON CONFLICT (user_id) DO UPDATE SET version = carts.version + 1, updated_at = now()`;

export function createCartsPostgres(db: SqlDatabase) {
  return {
    cart: (userId) =>
      db.query<CartLine>(
        `SELECT i.product_id, i.quantity, i.unit_price_cents, p.price_cents AS current_unit_price_cents
         FROM cart_items i JOIN products p ON p.id = i.product_id
         WHERE i.user_id = $1 ORDER BY i.product_id`,
        [userId],
      ),

    setCartLine: (userId, productId, quantity, maxLines) =>
      inTransaction(db, async (tx): Promise<CartEditResult> => {
        await tx.query(LOCK_CART, [userId]);
        // The price is read now and stored with the line: putting the product again accepts
        // a new price. A new product is refused when the cart already holds maxLines others.
        const [line] = await tx.query<{ stored: boolean }>(
          `WITH room AS (
             SELECT EXISTS (SELECT 1 FROM cart_items WHERE user_id = $1 AND product_id = $2)
                 OR (SELECT count(*) FROM cart_items WHERE user_id = $1) < $4 AS ok
           )
           INSERT INTO cart_items (user_id, product_id, quantity, unit_price_cents)
           SELECT $1, p.id, $3, p.price_cents FROM products p, room WHERE p.id = $2 AND room.ok
           ON CONFLICT (user_id, product_id)
             DO UPDATE SET quantity = EXCLUDED.quantity, unit_price_cents = EXCLUDED.unit_price_cents
           RETURNING true AS stored`,
          [userId, productId, quantity, maxLines],
        );
        if (line) return 'ok';
        const [product] = await tx.query('SELECT 1 FROM products WHERE id = $1', [productId]);
        // A refusal rolls back the version bump too.
        return refuse(product ? 'cart_full' : 'unknown_product');
      }),

    removeCartLine: (userId, productId) =>
      db.transaction(async (tx) => {
        await tx.query(LOCK_CART, [userId]);
        await tx.query('DELETE FROM cart_items WHERE user_id = $1 AND product_id = $2', [userId, productId]);
      }),
  } satisfies Partial<CommercePort>;
}
