-- Blocks and mutes, beside the follows of the graph role: one row per directed pair.
-- A block hides each of the two from the other everywhere and ends their follows both ways;
-- a mute hides the muted account's posts from the muter's home feed (and notifications) only.
-- Both ends are users of this database, so the database checks they exist. No ON DELETE
-- CASCADE, as for follows: whoever deletes an account removes its relations first.
CREATE TABLE blocks (
  blocker_id bigint NOT NULL REFERENCES users (id),
  blocked_id bigint NOT NULL REFERENCES users (id),
  created_at timestamptz NOT NULL DEFAULT now(),
  -- One block per pair; it also serves "has A blocked B" and A's side of "which of these did A block".
  CONSTRAINT blocks_pkey PRIMARY KEY (blocker_id, blocked_id),
  CONSTRAINT blocks_no_self_block CHECK (blocker_id <> blocked_id)
);
-- "Who blocked B": the other direction of "is there a block between A and B", the viewer's
-- "which of these authors blocked me", and the FK check on blocked_id.
CREATE INDEX blocks_blocked ON blocks (blocked_id, blocker_id);
-- "Whom A blocked", newest first: A's keyset-paged list, one index range scan per page.
CREATE INDEX blocks_list_page ON blocks (blocker_id, created_at DESC, blocked_id DESC);

CREATE TABLE mutes (
  muter_id bigint NOT NULL REFERENCES users (id),
  muted_id bigint NOT NULL REFERENCES users (id),
  created_at timestamptz NOT NULL DEFAULT now(),
  -- One mute per pair; it also serves "which of these authors did V mute".
  CONSTRAINT mutes_pkey PRIMARY KEY (muter_id, muted_id),
  CONSTRAINT mutes_no_self_mute CHECK (muter_id <> muted_id)
);
-- "Who muted B" (the FK check on muted_id, and removing an account's relations).
CREATE INDEX mutes_muted ON mutes (muted_id, muter_id);
-- "Whom A muted", newest first: A's keyset-paged list.
CREATE INDEX mutes_list_page ON mutes (muter_id, created_at DESC, muted_id DESC);
