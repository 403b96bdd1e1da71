-- Secrets every API process sharing this database must agree on, made once by the first process
-- that needs one (INSERT ... ON CONFLICT DO NOTHING, then SELECT), so they survive restarts.
-- 'cursor' signs list cursors when CURSOR_SECRET is not configured.
CREATE TABLE server_secrets (
  name text PRIMARY KEY CONSTRAINT server_secrets_name_format CHECK (name ~ '^[a-z_]{1,40}$'),
  -- base64url of at least 32 random bytes
  secret text NOT NULL CONSTRAINT server_secrets_secret_format CHECK (secret ~ '^[A-Za-z0-9_-]{43,}$'),
  created_at timestamptz NOT NULL DEFAULT now()
);
