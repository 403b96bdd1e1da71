-- Account deletion. A deleted account leaves a tombstone: the users row keeps only its id,
-- its creation time and when it was deleted, because the records a business must keep
-- (orders, order items, payments, the wallet and its ledger) still reference that id. Every
-- column that identifies the person is emptied at once, so log-in stops and the email (and
-- the handle, which lives in the profile row deleted with it) can be registered again.
ALTER TABLE users ADD COLUMN deleted_at timestamptz;
ALTER TABLE users
  ALTER COLUMN email DROP NOT NULL,
  ALTER COLUMN email_normalized DROP NOT NULL,
  ALTER COLUMN password_hash DROP NOT NULL,
  ALTER COLUMN birthdate DROP NOT NULL;
-- A live account has all of them; a tombstone has none of them.
ALTER TABLE users ADD CONSTRAINT users_tombstone_holds_nothing CHECK (
  CASE WHEN deleted_at IS NULL
    THEN email IS NOT NULL AND email_normalized IS NOT NULL AND password_hash IS NOT NULL AND birthdate IS NOT NULL
    ELSE email IS NULL AND email_normalized IS NULL AND password_hash IS NULL AND birthdate IS NULL
  END
);

-- A deleted account's wallet is closed, never removed: its ledger entries are records the
-- business keeps. Deletion is refused while the balance is not zero, and a closed wallet's
-- balance stays zero: any credit (a transfer, an order's revenue, a deposit) fails this
-- check, so no code path can move money into it, and nothing can be taken from zero.
ALTER TABLE wallets ADD COLUMN closed_at timestamptz;
ALTER TABLE wallets ADD CONSTRAINT wallets_closed_stays_empty CHECK (closed_at IS NULL OR balance_cents = 0);

-- An order item keeps the product's id, name and price as they were when ordered, whatever
-- the product becomes: a deleted seller's products are removed, their sold items stay.
ALTER TABLE order_items DROP CONSTRAINT order_items_product_id_fkey;

-- Deletion removes an account's events and frees the seats it booked; seats go with their event.
ALTER TABLE seats DROP CONSTRAINT seats_event_id_fkey;
ALTER TABLE seats ADD CONSTRAINT seats_event_id_fkey FOREIGN KEY (event_id) REFERENCES events (id) ON DELETE CASCADE;
-- "Which seats did this user book?" when the account is deleted.
CREATE INDEX seats_booked_by ON seats (booked_by) WHERE booked_by IS NOT NULL;
-- The posts a user liked, when the account is deleted (the primary key leads with the post).
CREATE INDEX post_likes_user ON post_likes (user_id);
