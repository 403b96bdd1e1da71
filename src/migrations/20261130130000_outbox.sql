-- The transactional outbox: the follow-up work of a committed write (feed fan-out, author
-- copies after a profile change), inserted in the same transaction as the write, so the
-- work exists exactly when the write does. A relay hands each entry to the jobs role; the
-- entry is deleted only when its job's handler has completed. An entry whose lease ran out
-- (its job was lost, failed, or is still waiting) is relayed again.
CREATE TABLE outbox (
  id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
  kind text NOT NULL CONSTRAINT outbox_kind_format CHECK (kind ~ '^[a-z][a-z0-9_.-]{0,63}$'),
  payload jsonb NOT NULL CONSTRAINT outbox_payload_object CHECK (jsonb_typeof(payload) = 'object'),
  -- Due for relaying once this has passed; a relay claims an entry by pushing it forward.
  lease_until timestamptz NOT NULL DEFAULT now(),
  relays integer NOT NULL DEFAULT 0 CONSTRAINT outbox_relays_count CHECK (relays >= 0),
  created_at timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX outbox_due ON outbox (lease_until, id);

-- A job may carry a key: enqueueing a key already waiting, retrying or set aside adds no copy
-- (an outbox entry relayed again while its first job still waits stays one job).
ALTER TABLE jobs ADD COLUMN key text CONSTRAINT jobs_key_length CHECK (length(key) BETWEEN 1 AND 200);
CREATE UNIQUE INDEX jobs_key ON jobs (key) WHERE key IS NOT NULL;
