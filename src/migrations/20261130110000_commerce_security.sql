-- Prices a buyer was shown, and bounded events. The cart tables become the cart of record:
-- every edit is written here first (its row's version grows), and a checkout locks the row.
--
-- A cart line keeps the unit price of the product when it was put in the cart: a checkout
-- never charges more than that (a higher current price is refused, a lower one is charged).
-- Lines saved before this migration take the product's current price.
ALTER TABLE cart_items ADD COLUMN unit_price_cents bigint;
UPDATE cart_items i SET unit_price_cents = p.price_cents FROM products p WHERE p.id = i.product_id;
ALTER TABLE cart_items
  ALTER COLUMN unit_price_cents SET NOT NULL,
  ADD CONSTRAINT cart_items_unit_price_positive CHECK (unit_price_cents > 0);

-- A seat's number is within the largest event the schema allows (the configured cap is lower).
ALTER TABLE seats ADD CONSTRAINT seats_number_at_most_10000 CHECK (seat_number <= 10000);

-- "How many events did this user create in the last day?": counted on every event created.
CREATE INDEX events_organizer_created ON events (organizer_id, created_at);
