-- The commerce role: wallets with a double-entry ledger, products, orders paid from
-- wallets, seat bookings, and the durable copy of carts. It shares the accounts' database,
-- so every rule below (no negative balance, no negative stock, one booking per seat, one
-- use of an idempotency key) holds in the database whatever the code above it does.

-- Every account has a wallet. Money is integer cents; a balance never goes below zero.
-- (The cascade removes an unused wallet with its user; ledger entries keep one with a history.)
CREATE TABLE wallets (
  user_id bigint PRIMARY KEY REFERENCES users (id) ON DELETE CASCADE,
  balance_cents bigint NOT NULL DEFAULT 0 CONSTRAINT wallets_balance_not_negative CHECK (balance_cents >= 0),
  updated_at timestamptz NOT NULL DEFAULT now()
);

-- The wallet is made with the user, in the sign-up transaction, so no code path can forget it.
CREATE FUNCTION wallets_open_for_new_user() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  INSERT INTO wallets (user_id) VALUES (NEW.id);
  RETURN NEW;
END
$$;
CREATE TRIGGER users_open_wallet AFTER INSERT ON users FOR EACH ROW EXECUTE FUNCTION wallets_open_for_new_user();
-- Accounts made before this migration get theirs now.
INSERT INTO wallets (user_id) SELECT id FROM users ON CONFLICT DO NOTHING;

-- Double entry: a movement of money (a deposit, a transfer, an order's payment) is a set of
-- entries that sum to zero. user_id NULL is the world outside the platform: the other side
-- of a demo deposit. A wallet's balance is the sum of its entries (checked by the tests).
CREATE TABLE ledger_movements (
  id uuid PRIMARY KEY,
  kind text NOT NULL CONSTRAINT ledger_movements_kind CHECK (kind IN ('deposit', 'transfer', 'order')),
  created_at timestamptz NOT NULL DEFAULT now()
);

CREATE TABLE ledger_entries (
  id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
  movement_id uuid NOT NULL REFERENCES ledger_movements (id),
  user_id bigint REFERENCES wallets (user_id),
  amount_cents bigint NOT NULL CONSTRAINT ledger_entries_amount_not_zero CHECK (amount_cents <> 0),
  -- The wallet's balance right after this entry: a statement line, and an audit trail.
  balance_after_cents bigint CONSTRAINT ledger_entries_balance_after_not_negative CHECK (balance_after_cents >= 0),
  created_at timestamptz NOT NULL DEFAULT now(),
  CONSTRAINT ledger_entries_balance_after_for_wallets CHECK ((user_id IS NULL) = (balance_after_cents IS NULL))
);
-- A wallet's statement, newest first (keyset on id).
CREATE INDEX ledger_entries_wallet_page ON ledger_entries (user_id, id DESC);

-- A movement's entries are written by one statement, and must sum to zero there: checked once
-- per statement over its new rows (a transition table), which costs far less than a deferred
-- check per row and makes a lopsided movement impossible to commit.
CREATE FUNCTION ledger_entries_balance() RETURNS trigger LANGUAGE plpgsql AS $$
DECLARE
  lopsided uuid;
BEGIN
  SELECT movement_id INTO lopsided FROM new_entries GROUP BY movement_id HAVING sum(amount_cents) <> 0 LIMIT 1;
  IF FOUND THEN
    RAISE EXCEPTION 'ledger movement % does not balance', lopsided
      USING ERRCODE = 'check_violation', CONSTRAINT = 'ledger_entries_balance';
  END IF;
  RETURN NULL;
END
$$;
CREATE TRIGGER ledger_entries_balance AFTER INSERT ON ledger_entries
  REFERENCING NEW TABLE AS new_entries FOR EACH STATEMENT EXECUTE FUNCTION ledger_entries_balance();

-- The ledger is append-only: a correction is a new movement, never an edit of history.
CREATE FUNCTION ledger_entries_append_only() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  RAISE EXCEPTION 'ledger entries are never changed or deleted; record a new movement instead'
    USING ERRCODE = 'check_violation', CONSTRAINT = 'ledger_entries_append_only';
END
$$;
CREATE TRIGGER ledger_entries_append_only BEFORE UPDATE OR DELETE ON ledger_entries
  FOR EACH STATEMENT EXECUTE FUNCTION ledger_entries_append_only();

-- A transfer is a movement of its own (same id). The idempotency key is unique per sender:
-- the same request sent twice moves the money once.
CREATE TABLE transfers (
  id uuid PRIMARY KEY REFERENCES ledger_movements (id),
  from_user_id bigint NOT NULL REFERENCES wallets (user_id),
  to_user_id bigint NOT NULL REFERENCES wallets (user_id),
  amount_cents bigint NOT NULL CONSTRAINT transfers_amount_positive CHECK (amount_cents > 0),
  idempotency_key text NOT NULL CONSTRAINT transfers_idempotency_key_format CHECK (char_length(idempotency_key) BETWEEN 1 AND 100),
  created_at timestamptz NOT NULL DEFAULT now(),
  CONSTRAINT transfers_not_to_self CHECK (from_user_id <> to_user_id),
  CONSTRAINT transfers_idempotency_key UNIQUE (from_user_id, idempotency_key)
);

-- Products: the caller who creates one is its seller. UUIDv7 ids are time-ordered, so
-- "newest first" is simply id DESC, and the primary key serves the keyset pages.
CREATE TABLE products (
  id uuid PRIMARY KEY,
  seller_id bigint NOT NULL REFERENCES users (id),
  name text NOT NULL CONSTRAINT products_name_length CHECK (char_length(name) BETWEEN 1 AND 200),
  price_cents bigint NOT NULL CONSTRAINT products_price_positive CHECK (price_cents > 0),
  stock integer NOT NULL CONSTRAINT products_stock_not_negative CHECK (stock >= 0),
  created_at timestamptz NOT NULL DEFAULT now(),
  updated_at timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX products_seller ON products (seller_id);

-- An order is written whole or not at all, in the transaction that takes the stock and the
-- money. cart_version is set for a checkout: one order per version of a cart, so two
-- checkouts racing on one cart give one order whatever keys they carry.
CREATE TABLE orders (
  id uuid PRIMARY KEY,
  buyer_id bigint NOT NULL REFERENCES users (id),
  total_cents bigint NOT NULL CONSTRAINT orders_total_positive CHECK (total_cents > 0),
  status text NOT NULL DEFAULT 'paid' CONSTRAINT orders_status CHECK (status IN ('paid')),
  idempotency_key text NOT NULL CONSTRAINT orders_idempotency_key_format CHECK (char_length(idempotency_key) BETWEEN 1 AND 100),
  cart_version bigint,
  created_at timestamptz NOT NULL DEFAULT now(),
  CONSTRAINT orders_idempotency_key UNIQUE (buyer_id, idempotency_key)
);
-- Partial: only checkouts carry a cart version, and direct orders cost this index nothing.
CREATE UNIQUE INDEX orders_cart_version ON orders (buyer_id, cart_version) WHERE cart_version IS NOT NULL;
-- The buyer's orders newest first (keyset on the time-ordered id), and GET /me's order count.
CREATE INDEX orders_buyer_page ON orders (buyer_id, id DESC);

-- Items keep the name and price paid, whatever the product becomes later.
CREATE TABLE order_items (
  order_id uuid NOT NULL REFERENCES orders (id),
  product_id uuid NOT NULL REFERENCES products (id),
  seller_id bigint NOT NULL REFERENCES users (id),
  product_name text NOT NULL,
  quantity integer NOT NULL CONSTRAINT order_items_quantity_positive CHECK (quantity > 0),
  unit_price_cents bigint NOT NULL CONSTRAINT order_items_unit_price_positive CHECK (unit_price_cents > 0),
  CONSTRAINT order_items_pkey PRIMARY KEY (order_id, product_id)
);
-- "May this seller see this order?" and the sellers' revenue (the leaderboard's rebuild).
CREATE INDEX order_items_seller ON order_items (seller_id, order_id);

-- The payment of an order: the ledger movement that debited the buyer and credited the sellers.
CREATE TABLE payments (
  order_id uuid PRIMARY KEY REFERENCES orders (id),
  movement_id uuid NOT NULL UNIQUE REFERENCES ledger_movements (id),
  amount_cents bigint NOT NULL CONSTRAINT payments_amount_positive CHECK (amount_cents > 0),
  created_at timestamptz NOT NULL DEFAULT now()
);

-- Events with numbered seats. A seat row holds its booking: one booking per seat by
-- construction, and booking is a conditional UPDATE of that one row.
CREATE TABLE events (
  id uuid PRIMARY KEY,
  organizer_id bigint NOT NULL REFERENCES users (id),
  name text NOT NULL CONSTRAINT events_name_length CHECK (char_length(name) BETWEEN 1 AND 200),
  seat_count integer NOT NULL CONSTRAINT events_seat_count CHECK (seat_count BETWEEN 1 AND 10000),
  created_at timestamptz NOT NULL DEFAULT now()
);

CREATE TABLE seats (
  event_id uuid NOT NULL REFERENCES events (id),
  seat_number integer NOT NULL CONSTRAINT seats_number_positive CHECK (seat_number >= 1),
  booked_by bigint REFERENCES users (id),
  booked_at timestamptz,
  CONSTRAINT seats_pkey PRIMARY KEY (event_id, seat_number),
  CONSTRAINT seats_booking_whole CHECK ((booked_by IS NULL) = (booked_at IS NULL))
);

-- The durable copy of carts (the cache role holds the live one). `version` only grows, so a
-- background sync that arrives late never overwrites a newer cart.
CREATE TABLE carts (
  user_id bigint PRIMARY KEY REFERENCES users (id) ON DELETE CASCADE,
  version bigint NOT NULL CONSTRAINT carts_version_not_negative CHECK (version >= 0),
  updated_at timestamptz NOT NULL DEFAULT now()
);

CREATE TABLE cart_items (
  user_id bigint NOT NULL REFERENCES carts (user_id) ON DELETE CASCADE,
  product_id uuid NOT NULL REFERENCES products (id),
  quantity integer NOT NULL CONSTRAINT cart_items_quantity CHECK (quantity BETWEEN 1 AND 1000),
  CONSTRAINT cart_items_pkey PRIMARY KEY (user_id, product_id)
);
