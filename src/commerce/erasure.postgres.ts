// What commerce erases of a deleted account, on PostgreSQL. It keeps what the business must:
// orders, their items and payments, the (closed) wallet and its ledger and transfers. Everything
// else that names the person goes, in one transaction that is a no-op when run again.
import type { SqlDatabase } from '../engines/sql.ts';
import type { CommercePort } from './commerce.port.ts';

export function createErasurePostgres(db: SqlDatabase) {
  return {
    async eraseUser(userId) {
      await db.transaction(async (tx) => {
        // Their cart (its lines cascade).
        await tx.query('DELETE FROM carts WHERE user_id = $1', [userId]);
        // Their products leave every cart, then the catalogue; sold items keep name and price.
        await tx.query(
          'DELETE FROM cart_items WHERE product_id IN (SELECT id FROM products WHERE seller_id = $1)',
          [userId],
        );
        await tx.query('DELETE FROM products WHERE seller_id = $1', [userId]);
        // Events they organise are cancelled (their seats cascade); seats they booked are freed.
        await tx.query('DELETE FROM events WHERE organizer_id = $1', [userId]);
        await tx.query('UPDATE seats SET booked_by = NULL, booked_at = NULL WHERE booked_by = $1', [userId]);
      });
    },
  } satisfies Pick<CommercePort, 'eraseUser'>;
}
