-- Fan-out asks which of a page of followers have a session live since a date (expires_at is
-- always after created_at, so expires_at alone answers it): an index on (user_id, expires_at)
-- answers from the index alone. It also serves every lookup by user_id, so it replaces the
-- index on user_id alone, one index less to write per sign-in and session extension.
CREATE INDEX sessions_user_id_expires_at ON sessions (user_id, expires_at);
DROP INDEX sessions_user_id;
