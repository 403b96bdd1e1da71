-- An order in one round trip. The service used to lock, read, write and read back over
-- several statements from Node; here the whole order is one call of place_order(), whose
-- statements PL/pgSQL plans once per connection and reuses. The rules stay where they were:
-- the CHECKs, the unique idempotency key and the ledger's zero-sum trigger still refuse any
-- write this function could get wrong.

-- An order as the service reads it: the buyer and each seller by name (a deleted account has
-- no profile left: 'deleted account', the service's DELETED_ACCOUNT), its items ordered by
-- product id like every lock. Every read of an order and place_order's reply use this view,
-- so they cannot drift apart.
CREATE VIEW order_views AS
  SELECT o.id, o.buyer_id, o.status, o.total_cents, o.created_at, o.cart_version,
    COALESCE((SELECT p.name FROM user_profiles p WHERE p.user_id = o.buyer_id), 'deleted account') AS buyer_name,
    (SELECT json_agg(json_build_object(
              'product_id', i.product_id, 'quantity', i.quantity, 'seller_id', i.seller_id,
              'seller_name', COALESCE(p.name, 'deleted account'),
              'name', i.product_name, 'unit_price_cents', i.unit_price_cents) ORDER BY i.product_id)
     FROM order_items i LEFT JOIN user_profiles p ON p.user_id = i.seller_id
     WHERE i.order_id = o.id) AS items
  FROM orders o;

-- Places an order: the lines given (product, quantity, the unit price the buyer was shown),
-- or, when line_products is NULL, the buyer's cart (its row locked first, so edits of the
-- cart wait for this checkout). Returns the order as order_views shows it.
--
-- Locks are taken in one statement in the global order, products by id and then the wallets
-- of the sellers and the buyer by user id, so concurrent orders (and transfers, which lock
-- wallets by user id) queue on the rows they share instead of deadlocking.
--
-- A refusal is an exception, so nothing of the order stays; each has its own SQLSTATE
-- (class OR), the reason as its message and the figures the buyer is shown as a JSON DETAIL:
--   OR001 unknown_product     {productId}            (no such product, or its seller's wallet is closed)
--   OR002 own_product         {productId}
--   OR003 price_raised        {productId, name, currentCents, expectedCents}
--   OR004 out_of_stock        {productId, name, available}
--   OR005 insufficient_funds  {balanceCents, totalCents}
--   OR006 cart_empty          {}
-- A used idempotency key fails the orders insert with 23505 (orders_idempotency_key).
CREATE FUNCTION place_order(
  new_order_id uuid,
  buyer bigint,
  order_key text,
  line_products uuid[],
  line_quantities integer[],
  line_expected_cents bigint[]
) RETURNS SETOF order_views LANGUAGE plpgsql
-- PL/pgSQL keeps each statement's plan for the connection, but by default re-plans a statement
-- whose generic plan looks costlier than the custom ones (the arrays' sizes make it so here):
-- measured, that re-planning was over 40% of the function's CPU. The generic plans are the
-- same index lookups.
SET plan_cache_mode = force_generic_plan
AS $$
DECLARE
  locked_cart_version bigint;
  line record;
  -- The lines in product id order, with what was locked for each: the order's items.
  item_products uuid[] := '{}';
  item_quantities integer[] := '{}';
  item_sellers bigint[] := '{}';
  item_names text[] := '{}';
  item_prices bigint[] := '{}';
  order_total bigint := 0;
  buyer_balance bigint;
BEGIN
  IF cardinality(line_quantities) IS DISTINCT FROM cardinality(line_products)
     OR cardinality(line_expected_cents) IS DISTINCT FROM cardinality(line_products) THEN
    RAISE EXCEPTION 'place_order takes one quantity and one expected price per product'
      USING ERRCODE = 'invalid_parameter_value';
  END IF;
  IF line_products IS NULL THEN
    SELECT version INTO locked_cart_version FROM carts WHERE user_id = buyer FOR UPDATE;
    SELECT array_agg(product_id), array_agg(quantity), array_agg(unit_price_cents)
      INTO line_products, line_quantities, line_expected_cents
      FROM cart_items WHERE user_id = buyer AND locked_cart_version IS NOT NULL;
    IF line_products IS NULL THEN
      RAISE EXCEPTION USING ERRCODE = 'OR006', MESSAGE = 'cart_empty', DETAIL = '{}';
    END IF;
  END IF;

  -- ARRAY(...) is an init-plan: it reads the products' CTE to the end (locking every product)
  -- before the first wallet is locked. A closed wallet (an account being deleted) is not locked.
  PERFORM FROM (
    WITH locked_products AS MATERIALIZED (
      SELECT seller_id FROM products WHERE id = ANY(line_products) ORDER BY id FOR UPDATE
    )
    SELECT user_id FROM wallets
    WHERE user_id = ANY(ARRAY(SELECT seller_id FROM locked_products) || buyer) AND closed_at IS NULL
    ORDER BY user_id FOR UPDATE
  ) AS locked;

  -- Under the locks, this statement's snapshot shows every locked row's latest state: a
  -- concurrent change of price or stock waited for this order, or this order sees it.
  FOR line IN
    SELECT l.product_id, l.quantity, l.expected_cents, p.seller_id, p.name, p.price_cents, p.stock,
      w.user_id IS NOT NULL AS seller_open
    FROM unnest(line_products, line_quantities, line_expected_cents) AS l(product_id, quantity, expected_cents)
    LEFT JOIN products p ON p.id = l.product_id
    LEFT JOIN wallets w ON w.user_id = p.seller_id AND w.closed_at IS NULL
    ORDER BY l.product_id
  LOOP
    IF NOT line.seller_open THEN
      RAISE EXCEPTION USING ERRCODE = 'OR001', MESSAGE = 'unknown_product',
        DETAIL = json_build_object('productId', line.product_id);
    END IF;
    IF line.seller_id = buyer THEN
      RAISE EXCEPTION USING ERRCODE = 'OR002', MESSAGE = 'own_product',
        DETAIL = json_build_object('productId', line.product_id);
    END IF;
    -- A lower price than the buyer was shown is charged; a higher one is refused.
    IF line.price_cents > line.expected_cents THEN
      RAISE EXCEPTION USING ERRCODE = 'OR003', MESSAGE = 'price_raised',
        DETAIL = json_build_object('productId', line.product_id, 'name', line.name,
          'currentCents', line.price_cents, 'expectedCents', line.expected_cents);
    END IF;
    IF line.stock < line.quantity THEN
      RAISE EXCEPTION USING ERRCODE = 'OR004', MESSAGE = 'out_of_stock',
        DETAIL = json_build_object('productId', line.product_id, 'name', line.name, 'available', line.stock);
    END IF;
    item_products := item_products || line.product_id;
    item_quantities := item_quantities || line.quantity;
    item_sellers := item_sellers || line.seller_id;
    item_names := item_names || line.name;
    item_prices := item_prices || line.price_cents;
    order_total := order_total + line.price_cents * line.quantity;
  END LOOP;

  SELECT balance_cents INTO buyer_balance FROM wallets WHERE user_id = buyer AND closed_at IS NULL;
  IF COALESCE(buyer_balance, 0) < order_total THEN
    RAISE EXCEPTION USING ERRCODE = 'OR005', MESSAGE = 'insufficient_funds',
      DETAIL = json_build_object('balanceCents', COALESCE(buyer_balance, 0), 'totalCents', order_total);
  END IF;

  -- The order row claims the idempotency key (and the cart version): a second claim fails here.
  INSERT INTO orders (id, buyer_id, total_cents, idempotency_key, cart_version)
    VALUES (new_order_id, buyer, order_total, order_key, locked_cart_version);
  UPDATE products p SET stock = p.stock - d.quantity, updated_at = now()
    FROM unnest(item_products, item_quantities) AS d(id, quantity)
    WHERE p.id = d.id;
  INSERT INTO order_items (order_id, product_id, seller_id, product_name, quantity, unit_price_cents)
    SELECT new_order_id, * FROM unnest(item_products, item_sellers, item_names, item_quantities, item_prices);
  -- The payment: the buyer debited, each seller credited with their lines, as one movement whose
  -- entries are one statement (the zero-sum trigger checks that statement's rows).
  INSERT INTO ledger_movements (id, kind) VALUES (new_order_id, 'order');
  WITH deltas AS (
    SELECT buyer AS user_id, -order_total AS delta
    UNION ALL
    SELECT i.seller, sum(i.price * i.quantity)
    FROM unnest(item_sellers, item_prices, item_quantities) AS i(seller, price, quantity)
    GROUP BY i.seller
  ),
  moved AS (
    UPDATE wallets w SET balance_cents = w.balance_cents + d.delta, updated_at = now()
    FROM deltas d WHERE w.user_id = d.user_id
    RETURNING w.user_id, d.delta, w.balance_cents
  )
  INSERT INTO ledger_entries (movement_id, user_id, amount_cents, balance_after_cents)
    SELECT new_order_id, moved.user_id, moved.delta, moved.balance_cents FROM moved;
  INSERT INTO payments (order_id, movement_id, amount_cents) VALUES (new_order_id, new_order_id, order_total);
  -- A checkout takes the lines it bought out of the cart it locked, and bumps its version.
  IF locked_cart_version IS NOT NULL THEN
    UPDATE carts SET version = version + 1, updated_at = now() WHERE user_id = buyer;
    DELETE FROM cart_items WHERE user_id = buyer AND product_id = ANY(item_products);
  END IF;

  RETURN QUERY SELECT * FROM order_views WHERE id = new_order_id;
END
$$;
