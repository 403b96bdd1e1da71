// The `sqljoin` strategy: the article's home feed as one query joining six tables (posts,
// follows, users, user_profiles, post_likes, comments), counting likes and comments per read.
// It is the baseline the benchmark measures the other strategies against, so it gets the
// indexes a careful engineer would give it, all from the posts and graph migrations:
//   follows_pkey (follower_id, followee_id)        -> whom the reader follows, index-only
//   posts_author_timeline (author_id, created_at DESC, id DESC) -> each author's newest posts
//   post_likes_pkey (post_id, user_id), comments_post_page (post_id, ...) -> the counts
// Only when posts and graph share one PostgreSQL database (config.ts refuses the rest).
import type { SqlDatabase } from '../engines/sql.ts';
import type { TimelineItem } from '../posts/posts.service.ts';
import type { TimelinePage } from './feed.port.ts';

interface JoinedRow {
  id: string;
  created_at: Date;
  updated_at: Date;
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

export const FEED_JOIN_SQL = `
  SELECT p.id::text AS id, p.created_at, p.updated_at,
         jsonb_build_object('id', u.id, 'handle', pr.handle, 'name', pr.name, 'avatar_url', pr.avatar_url) AS author,
         p.doc ->> 'content' AS content, coalesce(p.doc -> 'mentions', '[]') AS mentions, p.doc -> 'media_urls' AS media_urls, p.doc -> 'attributes' AS attributes,
         coalesce((p.doc #>> '{stats,shares}')::int, 0) AS shares,
         count(DISTINCT l.user_id)::int AS likes,
         count(DISTINCT c.id)::int AS comments,
         coalesce(bool_or(l.user_id = $1), false) AS user_has_liked
  FROM posts p
  JOIN users u ON u.id = p.author_id
  JOIN user_profiles pr ON pr.user_id = u.id
  JOIN (SELECT f.followee_id AS author_id FROM follows f WHERE f.follower_id = $1
        UNION ALL SELECT $1::bigint) AS authors ON authors.author_id = p.author_id
  LEFT JOIN post_likes l ON l.post_id = p.id
  LEFT JOIN comments c ON c.post_id = p.id
  WHERE ($3::timestamptz IS NULL OR (p.created_at, p.id) < ($3::timestamptz, $4::uuid))
  GROUP BY p.id, u.id, pr.user_id
  ORDER BY p.created_at DESC, p.id DESC
  LIMIT $2`;

export const feedJoinParams = (userId: number, { limit, after }: TimelinePage) => [
  userId,
  limit,
  after ? new Date(after.at).toISOString() : null,
  after?.postId ?? null,
];

export function createSqlJoinFeed(db: SqlDatabase) {
  return {
    /** A page of the reader's home feed, hydrated by the join itself. */
    async page(userId: number, page: TimelinePage): Promise<TimelineItem[]> {
      const rows = await db.query<JoinedRow>(FEED_JOIN_SQL, feedJoinParams(userId, page));
      return rows.map((row) => ({
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
      }));
    },
  };
}

export type SqlJoinFeed = ReturnType<typeof createSqlJoinFeed>;
