// The `sqljoin` strategy: the article's home feed as one query joining six tables (posts,
// follows, users, user_profiles, post_likes, comments), counting likes and comments per read,
// with the followees' reposts (post_reposts) among its entries.
// It is the baseline the benchmark measures the other strategies against, so it gets the
// indexes a careful engineer would give it, all from the posts and graph migrations:
//   follows_pkey (follower_id, followee_id)        -> whom the reader follows, index-only
//   posts_author_timeline (author_id, created_at DESC, id DESC) -> each author's newest posts
//   post_likes_pkey (post_id, user_id), comments_post_page (post_id, ...) -> the counts
//   post_reposts_user (user_id, created_at DESC, ...), post_reposts_pkey -> the reposts, the earliest of each
// Only when posts and graph share one PostgreSQL database (config.ts refuses the rest).
import type { SqlDatabase } from '../engines/sql.ts';
import type { TimelineItem } from '../posts/posts.views.ts';
import type { FeedItem, FetchedItem, SqlJoinFeed, TimelinePage } from './feed.port.ts';

interface JoinedRow {
  id: string;
  created_at: Date;
  updated_at: Date;
  at: Date;
  reposted_by: number | null;
  reposter: FeedItem['reposted_by'];
  author: TimelineItem['author'];
  content: string;
  mentions: TimelineItem['mentions'];
  media_urls: string[];
  attributes: Record<string, unknown>;
  shares: number;
  likes: number;
  comments: number;
  user_has_liked: boolean;
}

// The reader's feed entries: the posts of the accounts followed (and the reader's own), and the
// posts of others those accounts reposted, each once, at its earliest repost among them.
export const FEED_JOIN_SQL = `
  WITH authors AS (
    SELECT f.followee_id AS id FROM follows f WHERE f.follower_id = $1
    UNION ALL SELECT $1::bigint
  ), entries AS (
    SELECT p.id AS post_id, p.created_at AS at, NULL::bigint AS reposted_by
    FROM posts p JOIN authors a ON a.id = p.author_id
    UNION ALL
    SELECT r.post_id, r.created_at, r.user_id
    FROM post_reposts r JOIN authors a ON a.id = r.user_id JOIN posts rp ON rp.id = r.post_id
    WHERE rp.author_id NOT IN (SELECT id FROM authors)
      AND NOT EXISTS (
        SELECT 1 FROM post_reposts earlier JOIN authors ea ON ea.id = earlier.user_id
        WHERE earlier.post_id = r.post_id AND (earlier.created_at, earlier.user_id) < (r.created_at, r.user_id))
  )
  SELECT p.id::text AS id, p.created_at, p.updated_at, e.at, e.reposted_by,
         jsonb_build_object('id', u.id, 'handle', pr.handle, 'name', pr.name, 'avatar_url', pr.avatar_url) AS author,
         CASE WHEN rb.user_id IS NULL THEN NULL
              ELSE jsonb_build_object('id', rb.user_id, 'handle', rb.handle, 'name', rb.name, 'avatar_url', rb.avatar_url)
         END AS reposter,
         p.doc ->> 'content' AS content, coalesce(p.doc -> 'mentions', '[]') AS mentions, p.doc -> 'media_urls' AS media_urls,
         p.doc -> 'attributes' AS attributes,
         coalesce((p.doc #>> '{stats,shares}')::int, 0) AS shares,
         count(DISTINCT l.user_id)::int AS likes,
         count(DISTINCT c.id)::int AS comments,
         coalesce(bool_or(l.user_id = $1), false) AS user_has_liked
  FROM entries e
  JOIN posts p ON p.id = e.post_id
  JOIN users u ON u.id = p.author_id
  JOIN user_profiles pr ON pr.user_id = u.id
  LEFT JOIN user_profiles rb ON rb.user_id = e.reposted_by
  LEFT JOIN post_likes l ON l.post_id = p.id
  LEFT JOIN comments c ON c.post_id = p.id
  WHERE ($3::timestamptz IS NULL OR (e.at, p.id) < ($3::timestamptz, $4::uuid))
  GROUP BY p.id, u.id, pr.user_id, e.at, e.reposted_by, rb.user_id
  ORDER BY e.at DESC, p.id DESC
  LIMIT $2`;

export const feedJoinParams = (userId: number, { limit, after }: TimelinePage) => [
  userId,
  limit,
  after ? new Date(after.at).toISOString() : null,
  after?.postId ?? null,
];

export function createSqlJoinFeed(db: SqlDatabase): SqlJoinFeed {
  return {
    /** A page of the reader's home feed, hydrated by the join itself. */
    async page(userId: number, page: TimelinePage): Promise<FetchedItem[]> {
      const rows = await db.query<JoinedRow>(FEED_JOIN_SQL, feedJoinParams(userId, page));
      return rows.map((row) => ({
        at: row.at.getTime(),
        item: {
          id: row.id,
          author: row.author,
          content: row.content,
          mentions: row.mentions,
          media_urls: row.media_urls,
          attributes: row.attributes,
          created_at: row.created_at.toISOString(),
          updated_at: row.updated_at.toISOString(),
          stats: { likes: row.likes, comments: row.comments, shares: row.shares },
          user_has_liked: row.user_has_liked,
          reposted_by: row.reposter,
        },
      }));
    },
  };
}
