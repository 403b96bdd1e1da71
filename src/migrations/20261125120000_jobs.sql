-- The embedded jobs queue: a table, so a job accepted survives a crash or restart
-- exactly like any other committed row. Workers claim jobs with FOR UPDATE SKIP LOCKED
-- and a lease (locked_until), so several processes on one PostgreSQL share the work.
CREATE TABLE jobs (
  id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
  kind text NOT NULL CONSTRAINT jobs_kind_format CHECK (kind ~ '^[a-z][a-z0-9_.-]{0,63}$'),
  payload jsonb NOT NULL CONSTRAINT jobs_payload_object CHECK (jsonb_typeof(payload) = 'object'),
  attempts integer NOT NULL DEFAULT 0 CHECK (attempts >= 0),
  run_at timestamptz NOT NULL DEFAULT now(),
  locked_until timestamptz,
  last_error text,
  -- Set when a job has failed every attempt: kept for inspection, never run again.
  failed_at timestamptz,
  created_at timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX jobs_due ON jobs (run_at, id) WHERE failed_at IS NULL;
