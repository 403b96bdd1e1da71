-- The analytics role on PostgreSQL: append-only event tables, written in batches by the
-- recorder and read only as aggregates over a recent time range. Rows arrive in time order,
-- so a BRIN index on the time column (a few pages summarising block ranges, kilobytes at
-- tens of millions of rows) finds a range as well as a B-tree would, at almost no cost per
-- insert. No foreign keys: a view outlives its post (trending skips deleted posts when it
-- hydrates), and analytics may live on another database than the posts.
CREATE TABLE analytics_views (
  at timestamptz NOT NULL,
  post_id uuid NOT NULL
);
CREATE INDEX analytics_views_at ON analytics_views USING brin (at);

CREATE TABLE analytics_requests (
  at timestamptz NOT NULL,
  -- The route pattern (/api/v1/posts/:id), never the raw URL.
  route text NOT NULL,
  method text NOT NULL,
  status smallint NOT NULL,
  duration_ms real NOT NULL CONSTRAINT analytics_requests_duration CHECK (duration_ms >= 0)
);
CREATE INDEX analytics_requests_at ON analytics_requests USING brin (at);
