// Wallets and their double-entry ledger on PostgreSQL: balances change only together with
// ledger entries that sum to zero, in one transaction, with the wallet rows locked in user
// id order so that two transfers in opposite directions cannot deadlock.
import { type SqlClient, type SqlDatabase, sqlConstraint, sqlState } from '../engines/sql.ts';
import type { CommercePort, LedgerEntry, Transfer, TransferResult, Wallet } from './commerce.port.ts';
import { inTransaction, iso, refuse } from './transactions.ts';

interface WalletRow {
  user_id: number;
  balance_cents: number;
  updated_at: Date;
}

const toWallet = (row: WalletRow): Wallet => ({ ...row, updated_at: iso(row.updated_at) });

interface TransferRow extends Omit<Transfer, 'created_at'> {
  created_at: Date;
}

const toTransfer = (row: TransferRow): Transfer => ({ ...row, created_at: iso(row.created_at) });

/** Locks the open wallets of `userIds` in id order and returns their balances (a closed one is left out). */
async function lockWallets(tx: SqlClient, userIds: readonly number[]): Promise<Map<number, number>> {
  const rows = await tx.query<{ user_id: number; balance_cents: number }>(
    `SELECT user_id, balance_cents FROM wallets WHERE user_id = ANY($1::bigint[]) AND closed_at IS NULL
     ORDER BY user_id FOR UPDATE`,
    [[...new Set(userIds)]],
  );
  return new Map(rows.map((row) => [row.user_id, row.balance_cents]));
}

/**
 * CTEs that apply `deltas` to wallets the transaction has locked already and write one
 * ledger entry per wallet under the movement `movement`, each with the balance it left.
 * The CHECK on balances and the deferred zero-sum trigger guard the caller's arithmetic.
 */
export const moveMoneyCtes = (movement: string, users: string, deltas: string) => `
  moved AS (
    UPDATE wallets w SET balance_cents = w.balance_cents + d.delta, updated_at = now()
    FROM unnest(${users}::bigint[], ${deltas}::bigint[]) AS d(user_id, delta)
    WHERE w.user_id = d.user_id
    RETURNING w.user_id, d.delta, w.balance_cents
  ),
  entries AS (
    INSERT INTO ledger_entries (movement_id, user_id, amount_cents, balance_after_cents)
    SELECT ${movement}, user_id, delta, balance_cents FROM moved
  )`;

/**
 * Closes a user's wallet inside the caller's transaction (the deletion of the account), unless
 * it holds money. The row lock makes a transfer racing with it either land first (and the
 * close is refused) or find the wallet closed. A closed wallet stays at zero (a CHECK).
 */
export async function closeWalletIn(
  tx: SqlClient,
  userId: number,
): Promise<{ ok: true } | { ok: false; balanceCents: number }> {
  const [wallet] = await tx.query<{ balance_cents: number }>(
    'SELECT balance_cents FROM wallets WHERE user_id = $1 FOR UPDATE',
    [userId],
  );
  if (wallet && wallet.balance_cents !== 0) return { ok: false, balanceCents: wallet.balance_cents };
  await tx.query(
    'UPDATE wallets SET closed_at = now(), updated_at = now() WHERE user_id = $1 AND closed_at IS NULL',
    [userId],
  );
  return { ok: true };
}

export function createWalletsPostgres(db: SqlDatabase) {
  const findTransfer = async (fromUserId: number, idempotencyKey: string) => {
    const [row] = await db.query<TransferRow>(
      `SELECT id, from_user_id, to_user_id, amount_cents, created_at FROM transfers
       WHERE from_user_id = $1 AND idempotency_key = $2`,
      [fromUserId, idempotencyKey],
    );
    return row ? toTransfer(row) : null;
  };

  return {
    async wallet(userId) {
      const [row] = await db.query<WalletRow>(
        'SELECT user_id, balance_cents, updated_at FROM wallets WHERE user_id = $1',
        [userId],
      );
      return row ? toWallet(row) : null;
    },

    async entries(userId, { limit, after }) {
      const rows = await db.query<Omit<LedgerEntry, 'created_at'> & { created_at: Date }>(
        `SELECT e.id::text AS id, e.movement_id, m.kind, e.amount_cents, e.balance_after_cents, e.created_at
         FROM ledger_entries e JOIN ledger_movements m ON m.id = e.movement_id
         WHERE e.user_id = $1 AND ($3::bigint IS NULL OR e.id < $3::bigint)
         ORDER BY e.id DESC
         LIMIT $2`,
        [userId, limit, after ?? null],
      );
      return rows.map((row) => ({ ...row, created_at: iso(row.created_at) }));
    },

    async deposit(movementId, userId, amountCents) {
      // One statement, so one transaction: the movement, the wallet's entry and the outside
      // world's entry (user_id NULL) appear together, and only if the wallet exists.
      const [row] = await db.query<WalletRow>(
        `WITH moved AS (
           UPDATE wallets SET balance_cents = balance_cents + $3::bigint, updated_at = now()
           WHERE user_id = $2 AND closed_at IS NULL
           RETURNING user_id, balance_cents, updated_at
         ),
         movement AS (INSERT INTO ledger_movements (id, kind) SELECT $1, 'deposit' FROM moved),
         entries AS (
           INSERT INTO ledger_entries (movement_id, user_id, amount_cents, balance_after_cents)
           SELECT $1, user_id, $3::bigint, balance_cents FROM moved
           UNION ALL SELECT $1, NULL, -$3::bigint, NULL FROM moved
         )
         SELECT user_id, balance_cents, updated_at FROM moved`,
        [movementId, userId, amountCents],
      );
      if (!row) throw new Error(`user ${userId} has no wallet`);
      return toWallet(row);
    },

    async transfer(request): Promise<TransferResult> {
      const { id, fromUserId, toUserId, amountCents, idempotencyKey } = request;
      /** What a used key means for this request: the first transfer again, or a conflict. */
      const replay = async (): Promise<TransferResult | null> => {
        const first = await findTransfer(fromUserId, idempotencyKey);
        if (!first) return null;
        return first.to_user_id === toUserId && first.amount_cents === amountCents
          ? { ok: true, transfer: first, replayed: true }
          : { ok: false, reason: 'key_reused' };
      };
      let result: TransferResult;
      try {
        result = await inTransaction(db, async (tx): Promise<TransferResult> => {
          const balances = await lockWallets(tx, [fromUserId, toUserId]);
          if (!balances.has(toUserId)) return refuse({ ok: false, reason: 'unknown_recipient' });
          const balanceCents = balances.get(fromUserId) ?? 0;
          if (balanceCents < amountCents) {
            return refuse({ ok: false, reason: 'insufficient_funds', balanceCents });
          }
          // One statement writes it all; the transfer row claims the key (a second claim: 23505).
          const [claimed] = await tx.query<TransferRow>(
            `WITH movement AS (INSERT INTO ledger_movements (id, kind) VALUES ($1, 'transfer')),
             transfer AS (
               INSERT INTO transfers (id, from_user_id, to_user_id, amount_cents, idempotency_key)
               VALUES ($1, $2, $3, $4, $5)
               RETURNING id, from_user_id, to_user_id, amount_cents, created_at
             ),
             ${moveMoneyCtes('$1::uuid', '$6', '$7')}
             SELECT * FROM transfer`,
            [
              id,
              fromUserId,
              toUserId,
              amountCents,
              idempotencyKey,
              [fromUserId, toUserId],
              [-amountCents, amountCents],
            ],
          );
          return { ok: true, transfer: toTransfer(claimed as TransferRow), replayed: false };
        });
      } catch (error) {
        if (sqlState(error) !== '23505' || sqlConstraint(error) !== 'transfers_idempotency_key') throw error;
        // The key was used: the same request again gets the first result, money moved once.
        const replayed = await replay();
        if (!replayed) throw error;
        return replayed;
      }
      // A replay that queued behind its own first attempt finds the money gone: the key tells.
      if (!result.ok && result.reason === 'insufficient_funds') return (await replay()) ?? result;
      return result;
    },

    async balances(userIds) {
      // One read in one snapshot: concurrent transfers are seen entirely or not at all.
      const rows = await db.transaction(async (tx) => {
        await tx.query('SET TRANSACTION ISOLATION LEVEL REPEATABLE READ, READ ONLY');
        return tx.query<{ user_id: number; balance_cents: number }>(
          'SELECT user_id, balance_cents FROM wallets WHERE user_id = ANY($1::bigint[])',
          [userIds],
        );
      });
      return new Map(rows.map((row) => [row.user_id, row.balance_cents]));
    },

    auditLedger: () =>
      db.transaction(async (tx) => {
        await tx.query('SET TRANSACTION ISOLATION LEVEL REPEATABLE READ, READ ONLY');
        const mismatched = await tx.query<{ userId: number; balanceCents: number; entriesCents: number }>(
          `SELECT w.user_id AS "userId", w.balance_cents AS "balanceCents",
                  COALESCE(e.total, 0)::bigint AS "entriesCents"
           FROM wallets w
           LEFT JOIN (SELECT user_id, sum(amount_cents) AS total FROM ledger_entries
                      WHERE user_id IS NOT NULL GROUP BY user_id) e ON e.user_id = w.user_id
           WHERE w.balance_cents <> COALESCE(e.total, 0)`,
        );
        const unbalanced = await tx.query<{ id: string }>(
          `SELECT m.id FROM ledger_movements m LEFT JOIN ledger_entries e ON e.movement_id = m.id
           GROUP BY m.id HAVING COALESCE(sum(e.amount_cents), 0) <> 0 OR count(e.id) = 0`,
        );
        return { mismatchedWallets: mismatched, unbalancedMovements: unbalanced.map((row) => row.id) };
      }),
  } satisfies Partial<CommercePort>;
}
