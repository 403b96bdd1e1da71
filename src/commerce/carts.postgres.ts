// The durable copy of carts on PostgreSQL. The live cart is in the cache role; a background
// job saves each change here, and a cart lost from the cache is reloaded from here.
import type { SqlDatabase } from '../engines/sql.ts';
import type { CartState, CommercePort, OrderLine } from './commerce.port.ts';

export function createCartsPostgres(db: SqlDatabase) {
  return {
    async savedCart(userId): Promise<CartState> {
      const [row] = await db.query<{ version: number; lines: OrderLine[] | null }>(
        `SELECT c.version,
           (SELECT json_agg(json_build_object('product_id', i.product_id, 'quantity', i.quantity)
                            ORDER BY i.product_id)
            FROM cart_items i WHERE i.user_id = c.user_id) AS lines
         FROM carts c WHERE c.user_id = $1`,
        [userId],
      );
      return { version: row?.version ?? 0, lines: row?.lines ?? [] };
    },

    saveCart: (userId, { version, lines }) =>
      db.transaction(async (tx) => {
        // The upsert locks the cart row, so concurrent saves of one cart take turns, and the
        // version guard lets a late, older save change nothing.
        const [saved] = await tx.query(
          `INSERT INTO carts (user_id, version) VALUES ($1, $2)
           ON CONFLICT (user_id) DO UPDATE SET version = EXCLUDED.version, updated_at = now()
             WHERE carts.version < EXCLUDED.version
           RETURNING 1`,
          [userId, version],
        );
        if (!saved) return false;
        await tx.query('DELETE FROM cart_items WHERE user_id = $1', [userId]);
        if (lines.length) {
          await tx.query(
            `INSERT INTO cart_items (user_id, product_id, quantity)
             SELECT $1, * FROM unnest($2::uuid[], $3::int[])`,
            [userId, lines.map((line) => line.product_id), lines.map((line) => line.quantity)],
          );
        }
        return true;
      }),
  } satisfies Partial<CommercePort>;
}
