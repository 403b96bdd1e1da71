-- Reposts: one row per reposter and post, as likes are (never an array in the document). The
-- primary key makes a repost idempotent, and stats.shares moves with each row really inserted
-- or deleted, in one transaction, so it counts the distinct reposters exactly.
CREATE TABLE post_reposts (
  post_id uuid NOT NULL REFERENCES posts (id) ON DELETE CASCADE,
  user_id bigint NOT NULL REFERENCES users (id),
  -- When the post was reposted: where the repost sits in the reposter's followers' feeds.
  created_at timestamptz NOT NULL,
  -- Also serves "which of these posts has this user reposted" (post_id = ANY(..) AND user_id = ..).
  CONSTRAINT post_reposts_pkey PRIMARY KEY (post_id, user_id)
);
-- The reposts of the accounts a reader follows, newest first: the home feed read from the store.
CREATE INDEX post_reposts_user ON post_reposts (user_id, created_at DESC, post_id DESC);

ALTER TABLE posts ADD CONSTRAINT posts_doc_shares CHECK ((doc #>> '{stats,shares}')::int >= 0);

-- Mentions (@handle resolved to accounts when written) and the time of the last edit of a
-- comment; the post document keeps its mentions in `doc`.
ALTER TABLE comments
  ADD COLUMN mentions jsonb NOT NULL DEFAULT '[]' CONSTRAINT comments_mentions_array CHECK (jsonb_typeof(mentions) = 'array'),
  ADD COLUMN edited_at timestamptz;
