-- Account security: one normalised email computed by the application, device tokens that
-- exempt an owner's known devices from the per-email log-in lockout, an absolute session
-- lifetime beside the sliding one, and no invisible or direction-changing characters in names.

-- The normalised email (accounts/email.ts: NFKC, then case folding) is stored, unique and
-- looked up; the database's lower() depends on its locale and is used no more. Accounts so
-- far signed up with ASCII emails (the sign-up format allows nothing else), whose normalised
-- form is their ASCII lower case: translate() gives it whatever the locale.
ALTER TABLE users ADD COLUMN email_normalized text;
UPDATE users SET email_normalized = translate(email, 'ABCDEFGHIJKLMNOPQRSTUVWXYZ', 'abcdefghijklmnopqrstuvwxyz');
ALTER TABLE users ALTER COLUMN email_normalized SET NOT NULL;
CREATE UNIQUE INDEX users_email_normalized_key ON users (email_normalized);
DROP INDEX users_email_key;

-- Device tokens: handed out at each successful log-in; only their SHA-256 is stored.
CREATE TABLE device_tokens (
  token_hash text PRIMARY KEY CONSTRAINT device_tokens_token_hash_format CHECK (token_hash ~ '^[0-9a-f]{64}$'),
  user_id bigint NOT NULL REFERENCES users (id) ON DELETE CASCADE,
  created_at timestamptz NOT NULL DEFAULT now(),
  expires_at timestamptz NOT NULL,
  CONSTRAINT device_tokens_expiry_after_creation CHECK (expires_at > created_at)
);
CREATE INDEX device_tokens_user_id ON device_tokens (user_id);

-- A session ends at its absolute expiry even while it is used: the sliding expiry never passes it.
-- Sessions made before this get the default lifetime of 30 days from their creation.
ALTER TABLE sessions ADD COLUMN absolute_expires_at timestamptz;
UPDATE sessions SET absolute_expires_at = greatest(expires_at, created_at + interval '30 days');
ALTER TABLE sessions ALTER COLUMN absolute_expires_at SET NOT NULL;
ALTER TABLE sessions ADD CONSTRAINT sessions_within_absolute_expiry CHECK (expires_at <= absolute_expires_at);

-- Zero-width and bidirectional override/isolate characters make one name pass for another.
-- NOT VALID: rows written before are left as they are; every new or changed name is checked.
ALTER TABLE user_profiles ADD CONSTRAINT user_profiles_name_no_invisible_characters
  CHECK (name !~ '[\u200B-\u200D\u2060\uFEFF\u200E\u200F\u061C\u202A-\u202E\u2066-\u2069]') NOT VALID;
