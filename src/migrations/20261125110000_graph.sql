-- The graph role on PostgreSQL: one row per FOLLOWS edge, with the rules in the database.
-- Both ends are users of the same database (the accounts role), so the database itself
-- checks that they exist; on Neo4j the graph service checks through the accounts port.
CREATE TABLE follows (
  -- No ON DELETE CASCADE: the profiles' follower/following counters are kept in the same
  -- transaction as each edge change, and a cascade would remove edges behind their backs.
  -- Whoever deletes an account deletes its edges (and adjusts the counters) first.
  follower_id bigint NOT NULL REFERENCES users (id),
  followee_id bigint NOT NULL REFERENCES users (id),
  created_at timestamptz NOT NULL DEFAULT now(),
  -- One edge per pair; it also serves "does A follow B" and A's followees (suggestions' joins).
  CONSTRAINT follows_pkey PRIMARY KEY (follower_id, followee_id),
  CONSTRAINT follows_no_self_follow CHECK (follower_id <> followee_id)
);

-- Pages are keyset-paginated newest first on (created_at, the other end's id): each list has
-- an index in exactly that order, so a page is one short index range scan however deep it is.
-- "Who follows B", the reverse direction: B's followers page, and the FK check on followee_id.
CREATE INDEX follows_followers_page ON follows (followee_id, created_at DESC, follower_id DESC);
-- "Whom A follows", newest first: A's following page.
CREATE INDEX follows_following_page ON follows (follower_id, created_at DESC, followee_id DESC);
