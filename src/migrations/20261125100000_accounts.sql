-- Accounts: the seed's users / user_profiles, with the rules in the database too.
CREATE EXTENSION IF NOT EXISTS pg_trgm;

CREATE TABLE users (
  id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
  email text NOT NULL
    CONSTRAINT users_email_format CHECK (char_length(email) <= 254 AND email ~ '^[^@[:space:]]+@[^@[:space:]]+$'),
  password_hash text NOT NULL CONSTRAINT users_password_hash_argon2 CHECK (password_hash LIKE '$argon2id$%'),
  birthdate date NOT NULL,
  created_at timestamptz NOT NULL DEFAULT now(),
  -- Relative to created_at, not to today, so the check is deterministic and never fails a later update.
  CONSTRAINT users_adult CHECK (birthdate <= (created_at AT TIME ZONE 'UTC')::date - interval '18 years')
);
-- Emails are unique whatever their letter case; log-in looks them up by lower(email).
CREATE UNIQUE INDEX users_email_key ON users (lower(email));

CREATE TABLE user_profiles (
  user_id bigint PRIMARY KEY REFERENCES users (id) ON DELETE CASCADE,
  handle text NOT NULL CONSTRAINT user_profiles_handle_format CHECK (handle ~ '^[a-z0-9_]{3,30}$'),
  name text NOT NULL CONSTRAINT user_profiles_name_length CHECK (char_length(name) BETWEEN 1 AND 100),
  bio text NOT NULL DEFAULT '' CONSTRAINT user_profiles_bio_length CHECK (char_length(bio) <= 500),
  avatar_url text
    CONSTRAINT user_profiles_avatar_url_format CHECK (avatar_url ~ '^https?://' AND char_length(avatar_url) <= 2048),
  -- Counter cache: the public profile reads these instead of counting rows per view.
  -- The graph and posts roles keep them exact as they gain follows and posts.
  followers_count integer NOT NULL DEFAULT 0 CHECK (followers_count >= 0),
  following_count integer NOT NULL DEFAULT 0 CHECK (following_count >= 0),
  posts_count integer NOT NULL DEFAULT 0 CHECK (posts_count >= 0),
  updated_at timestamptz NOT NULL DEFAULT now()
);
-- Handles are stored lower-case (the CHECK), so a plain unique index is case-insensitive.
CREATE UNIQUE INDEX user_profiles_handle_key ON user_profiles (handle);
-- People search: prefix and similarity on handle and name stay index scans at 100k users.
CREATE INDEX user_profiles_handle_trgm ON user_profiles USING gin (handle gin_trgm_ops);
CREATE INDEX user_profiles_name_trgm ON user_profiles USING gin (lower(name) gin_trgm_ops);

-- Sessions of record: only the SHA-256 of a token is stored; the cache role sits in front.
CREATE TABLE sessions (
  token_hash text PRIMARY KEY CONSTRAINT sessions_token_hash_format CHECK (token_hash ~ '^[0-9a-f]{64}$'),
  user_id bigint NOT NULL REFERENCES users (id) ON DELETE CASCADE,
  created_at timestamptz NOT NULL DEFAULT now(),
  expires_at timestamptz NOT NULL,
  CONSTRAINT sessions_expiry_after_creation CHECK (expires_at > created_at)
);
CREATE INDEX sessions_user_id ON sessions (user_id);
