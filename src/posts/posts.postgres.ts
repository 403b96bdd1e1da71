// The posts role on PostgreSQL (PGlite or a server): each post is a JSONB document in one
// row, changed in place with jsonb_set, next to a comments table and a likes table. Every
// write that touches two of them runs in one transaction that first locks the post's row,
// so concurrent comments, likes and reposts on one post queue up instead of losing updates.
import type { ProfileCounters } from '../accounts/profile-counters.ts';
import type { SqlClient, SqlDatabase } from '../engines/sql.ts';
import { recordReactions } from '../jobs/outbox.postgres.ts';
import { patched } from './documents.ts';
import {
  type AuthorCopy,
  type Comment,
  EMBEDDED_COMMENTS,
  type Mention,
  type PageRequest,
  type Post,
  type PostSummary,
  type PostsPort,
  type RelationChange,
  type RepostEntry,
} from './posts.port.ts';

/** What the `doc` column holds: the post document but for the keys that are columns. */
interface StoredDocument extends Omit<PostSummary, 'id' | 'created_at' | 'updated_at' | 'mentions'> {
  // Absent in documents written before mentions and comment edits were kept.
  mentions?: Mention[];
  comments?: Array<Omit<Comment, 'mentions' | 'edited_at'> & Partial<Comment>>;
}

interface PostRow {
  id: string;
  created_at: Date;
  updated_at: Date;
  doc: StoredDocument;
}

interface CommentRow {
  id: string;
  author: AuthorCopy;
  text: string;
  mentions: Mention[];
  created_at: Date;
  edited_at: Date | null;
}

const POST_COLUMNS = 'id::text AS id, created_at, updated_at, doc';
// Timelines never show comments: they are left in the database instead of shipped and dropped.
const SUMMARY_COLUMNS = "id::text AS id, created_at, updated_at, doc - 'comments' AS doc";
const COMMENT_COLUMNS = 'id::text AS id, author, text, mentions, created_at, edited_at';

function toPost(row: PostRow): Post {
  const { author, content, mentions = [], media_urls, attributes, stats, comments = [] } = row.doc;
  return {
    id: row.id,
    author,
    content,
    mentions,
    media_urls,
    attributes,
    created_at: row.created_at.toISOString(),
    updated_at: row.updated_at.toISOString(),
    stats,
    comments: comments.map((comment) => ({ mentions: [], edited_at: null, ...comment })),
  };
}

const toSummary = (row: PostRow): PostSummary => {
  const { comments: _left, ...summary } = toPost(row);
  return summary;
};

const toComment = (row: CommentRow): Comment => ({
  ...row,
  created_at: row.created_at.toISOString(),
  edited_at: row.edited_at?.toISOString() ?? null,
});

/** A relation of users to posts, one row each, and the stat of the document that counts them. */
const LIKES = { table: 'post_likes', stat: '{stats,likes}' } as const;
const REPOSTS = { table: 'post_reposts', stat: '{stats,shares}' } as const;
type Relation = typeof LIKES | typeof REPOSTS;

/** Moves the post's counter of `relation` by `delta` (rows really inserted or deleted). */
const countRelation = (tx: SqlClient, relation: Relation, postId: string, delta: number) =>
  tx.query(
    `UPDATE posts SET doc = jsonb_set(doc, '${relation.stat}', to_jsonb((doc #>> '${relation.stat}')::int + $2::int))
     WHERE id = $1`,
    [postId, delta],
  );

/**
 * One newest-first page of the rows whose `owner` column is `ownerId`: the row comparison
 * continues strictly after the cursor's (created_at, id) and matches the index order
 * (owner, created_at DESC, id DESC), so a page is one short range scan however deep.
 */
const newestFirstPage = <Row>(
  db: SqlClient,
  from: { columns: string; table: 'posts' | 'comments'; owner: 'author_id' | 'post_id' },
  ownerId: number | string,
  { limit, after }: PageRequest,
) =>
  db.query<Row>(
    `SELECT ${from.columns} FROM ${from.table}
     WHERE ${from.owner} = $1
       AND ($3::timestamptz IS NULL OR (created_at, id) < ($3::timestamptz, $4::uuid))
     ORDER BY created_at DESC, id DESC LIMIT $2`,
    [ownerId, limit, after ? new Date(after.at).toISOString() : null, after?.id ?? null],
  );

/** Locks the post's row for this transaction; false when there is no such post. */
async function lockPost(tx: SqlClient, postId: string): Promise<boolean> {
  const rows = await tx.query('SELECT 1 FROM posts WHERE id = $1 FOR NO KEY UPDATE', [postId]);
  return rows.length > 0;
}

/**
 * Posts on the accounts' own database: authors are real users (foreign keys), and the
 * profile's posts_count moves in the same transaction as the post, so it is exact.
 */
/** `counters`: the profile counters of the accounts' database, which this one is, moved with each post. */
export function createPostgresPosts(db: SqlDatabase, counters: ProfileCounters) {
  /** Adds or removes one user's row of `relation` and moves its counter, in one transaction. */
  const relationChange = (
    relation: Relation,
    postId: string,
    userId: number,
    delta: 1 | -1,
    at?: Date,
  ): Promise<RelationChange> =>
    db.transaction(async (tx) => {
      // FOR KEY SHARE keeps the post from being deleted meanwhile, yet lets other users through.
      const [post] = await tx.query('SELECT 1 FROM posts WHERE id = $1 FOR KEY SHARE', [postId]);
      if (!post) return 'no_post';
      const changed =
        delta > 0
          ? await tx.query(
              `INSERT INTO ${relation.table} (post_id, user_id, created_at)
               VALUES ($1, $2, coalesce($3::timestamptz, now()))
               ON CONFLICT (post_id, user_id) DO NOTHING RETURNING 1`,
              [postId, userId, at?.toISOString() ?? null],
            )
          : await tx.query(`DELETE FROM ${relation.table} WHERE post_id = $1 AND user_id = $2 RETURNING 1`, [
              postId,
              userId,
            ]);
      if (!changed.length) return 'unchanged';
      // Only a row really inserted or deleted moves the counter: it equals the distinct users.
      // The UPDATE waits for the row lock and re-reads the newest counter, so none is lost.
      await countRelation(tx, relation, postId, delta);
      return 'changed';
    });

  /** The ids among `postIds` in a row of `relation` with `userId`. */
  const relatedPosts = async (relation: Relation, userId: number, postIds: readonly string[]) => {
    if (postIds.length === 0) return new Set<string>();
    const rows = await db.query<{ post_id: string }>(
      `SELECT post_id::text AS post_id FROM ${relation.table} WHERE user_id = $1 AND post_id = ANY($2::uuid[])`,
      [userId, postIds],
    );
    return new Set(rows.map((row) => row.post_id));
  };

  const postsRelatedTo = async (relation: Relation, userId: number, limit: number) => {
    // Each table's index led by user_id (post_likes_user, post_reposts_user) finds them.
    const rows = await db.query<{ post_id: string }>(
      `SELECT post_id::text AS post_id FROM ${relation.table} WHERE user_id = $1 LIMIT $2`,
      [userId, limit],
    );
    return rows.map((row) => row.post_id);
  };

  return {
    engine: db.engine,
    keepsProfileCounts: true,

    postsRelatedTo: (userId, relation, limit) =>
      postsRelatedTo(relation === 'likes' ? LIKES : REPOSTS, userId, limit),

    createPost: (post, reactions = []) =>
      db.transaction(async (tx) => {
        const document: StoredDocument = {
          author: post.author,
          content: post.content,
          mentions: post.mentions ?? [],
          media_urls: post.media_urls,
          attributes: post.attributes,
          stats: { likes: 0, comments: 0, shares: 0 },
          comments: [],
        };
        const [row] = await tx.query<PostRow>(
          `INSERT INTO posts (id, author_id, created_at, updated_at, doc) VALUES ($1, $2, $3, $3, $4::jsonb)
           RETURNING ${POST_COLUMNS}`,
          [post.id, post.author.id, post.created_at.toISOString(), JSON.stringify(document)],
        );
        await counters.posts(tx, post.author.id, 1);
        await recordReactions(tx, reactions);
        return toPost(row as PostRow);
      }),

    async getPost(id) {
      const [row] = await db.query<PostRow>(`SELECT ${POST_COLUMNS} FROM posts WHERE id = $1`, [id]);
      return row ? toPost(row) : null;
    },

    updatePost: (id, patch, updatedAt) =>
      db.transaction(async (tx) => {
        // The merge happens here, on the locked current document, so concurrent patches of
        // different attributes both survive; the merged result is checked against the limits.
        const [current] = await tx.query<PostRow>(
          `SELECT ${POST_COLUMNS} FROM posts WHERE id = $1 FOR NO KEY UPDATE`,
          [id],
        );
        if (!current) return null;
        const fields = {
          ...patched(current.doc, patch),
          ...(patch.mentions && { mentions: patch.mentions }),
        };
        const [row] = await tx.query<PostRow>(
          `UPDATE posts SET updated_at = $2, doc = doc || $3::jsonb WHERE id = $1 RETURNING ${POST_COLUMNS}`,
          [id, updatedAt.toISOString(), JSON.stringify(fields)],
        );
        return toPost(row as PostRow);
      }),

    deletePost: (id, reactions = []) =>
      db.transaction(async (tx) => {
        // Comments, likes and reposts go with it (ON DELETE CASCADE), in this transaction.
        const [row] = await tx.query<{ author_id: number }>(
          'DELETE FROM posts WHERE id = $1 RETURNING author_id',
          [id],
        );
        if (!row) return false;
        await counters.posts(tx, row.author_id, -1);
        await recordReactions(tx, reactions);
        return true;
      }),

    addComment: (postId, comment) =>
      db.transaction(async (tx) => {
        const created: Comment = {
          id: comment.id,
          author: comment.author,
          text: comment.text,
          mentions: comment.mentions ?? [],
          created_at: comment.created_at.toISOString(),
          edited_at: null,
        };
        // One UPDATE embeds the comment and counts it. It locks the row first, so concurrent
        // comments on a post queue here; the subset is re-sorted by (created_at, id) and cut
        // to the newest 50, so a comment that reaches the lock late still lands in its place.
        const updated = await tx.query(
          `UPDATE posts SET doc = jsonb_set(
             jsonb_set(doc, '{stats,comments}', to_jsonb((doc #>> '{stats,comments}')::int + 1)),
             '{comments}',
             (SELECT coalesce(jsonb_agg(c ORDER BY c ->> 'created_at' COLLATE "C" DESC, c ->> 'id' COLLATE "C" DESC), '[]')
              FROM (SELECT c FROM jsonb_array_elements(doc -> 'comments' || jsonb_build_array($2::jsonb)) AS c
                    ORDER BY c ->> 'created_at' COLLATE "C" DESC, c ->> 'id' COLLATE "C" DESC
                    LIMIT $3) AS newest))
           WHERE id = $1 RETURNING 1`,
          [postId, JSON.stringify(created), EMBEDDED_COMMENTS],
        );
        if (!updated.length) return null;
        await tx.query(
          `INSERT INTO comments (id, post_id, author_id, author, text, mentions, created_at)
           VALUES ($1, $2, $3, $4::jsonb, $5, $6::jsonb, $7)`,
          [
            comment.id,
            postId,
            comment.author.id,
            JSON.stringify(comment.author),
            comment.text,
            JSON.stringify(created.mentions),
            created.created_at,
          ],
        );
        return created;
      }),

    async findComment(postId, commentId) {
      const [row] = await db.query<CommentRow>(
        `SELECT ${COMMENT_COLUMNS} FROM comments WHERE id = $1 AND post_id = $2`,
        [commentId, postId],
      );
      return row ? toComment(row) : null;
    },

    deleteComment: (postId, commentId) =>
      db.transaction(async (tx) => {
        if (!(await lockPost(tx, postId))) return false;
        const deleted = await tx.query('DELETE FROM comments WHERE id = $1 AND post_id = $2 RETURNING 1', [
          commentId,
          postId,
        ]);
        if (!deleted.length) return false;
        // Refill the subset from the table: the 51st newest comment moves up into the document.
        const newest = await tx.query<CommentRow>(
          `SELECT ${COMMENT_COLUMNS} FROM comments WHERE post_id = $1
           ORDER BY created_at DESC, id DESC LIMIT $2`,
          [postId, EMBEDDED_COMMENTS],
        );
        await tx.query(
          `UPDATE posts SET doc = jsonb_set(
             jsonb_set(doc, '{stats,comments}', to_jsonb((doc #>> '{stats,comments}')::int - 1)),
             '{comments}', $2::jsonb)
           WHERE id = $1`,
          [postId, JSON.stringify(newest.map(toComment))],
        );
        return true;
      }),

    editComment: (postId, commentId, edit) =>
      db.transaction(async (tx) => {
        // The post's row first, in the order every writer of it takes its locks.
        if (!(await lockPost(tx, postId))) return null;
        const [row] = await tx.query<CommentRow>(
          `UPDATE comments SET text = $3, mentions = $4::jsonb, edited_at = $5
           WHERE id = $1 AND post_id = $2 RETURNING ${COMMENT_COLUMNS}`,
          [commentId, postId, edit.text, JSON.stringify(edit.mentions), edit.edited_at.toISOString()],
        );
        if (!row) return null;
        const edited = toComment(row);
        // The same comment in the embedded subset, if it is among the newest 50, in its place.
        await tx.query(
          `UPDATE posts SET doc = jsonb_set(doc, '{comments}', (
             SELECT jsonb_agg(CASE WHEN c ->> 'id' = $2 THEN $3::jsonb ELSE c END ORDER BY i)
             FROM jsonb_array_elements(doc -> 'comments') WITH ORDINALITY AS e(c, i)))
           WHERE id = $1 AND doc -> 'comments' @> jsonb_build_array(jsonb_build_object('id', $2::text))`,
          [postId, commentId, JSON.stringify(edited)],
        );
        return edited;
      }),

    async comments(postId, page) {
      const from = { columns: COMMENT_COLUMNS, table: 'comments', owner: 'post_id' } as const;
      return (await newestFirstPage<CommentRow>(db, from, postId, page)).map(toComment);
    },

    like: (postId, userId) => relationChange(LIKES, postId, userId, 1),
    unlike: (postId, userId) => relationChange(LIKES, postId, userId, -1),

    likeMany: (postId, userIds) =>
      db.transaction(async (tx) => {
        const [post] = await tx.query('SELECT 1 FROM posts WHERE id = $1 FOR KEY SHARE', [postId]);
        if (!post) return 'no_post' as const;
        // Only the rows really inserted move the counter, as for a single like.
        const [{ added } = { added: 0 }] = await tx.query<{ added: number }>(
          `WITH added AS (
             INSERT INTO post_likes (post_id, user_id)
             SELECT $1, user_id FROM unnest($2::bigint[]) AS liker(user_id) ORDER BY user_id
             ON CONFLICT (post_id, user_id) DO NOTHING RETURNING 1
           )
           SELECT count(*)::int AS added FROM added`,
          [postId, [...new Set(userIds)]],
        );
        if (added > 0) await countRelation(tx, LIKES, postId, added);
        return added;
      }),

    likedBy: (userId, postIds) => relatedPosts(LIKES, userId, postIds),

    repost: (postId, userId, at) => relationChange(REPOSTS, postId, userId, 1, at),
    unrepost: (postId, userId) => relationChange(REPOSTS, postId, userId, -1),
    repostedBy: (userId, postIds) => relatedPosts(REPOSTS, userId, postIds),

    async authorsReposts(userIds, { limit, after }) {
      if (userIds.length === 0) return [];
      // A repost is the post's entry when no earlier repost of it by one of `userIds` exists
      // (the primary key (post_id, user_id) answers that), so each post comes once and a page
      // never depends on rows of another page.
      const rows = await db.query<{ post_id: string; created_at: Date; user_id: number }>(
        `SELECT r.post_id::text AS post_id, r.created_at, r.user_id
         FROM post_reposts r JOIN posts p ON p.id = r.post_id
         WHERE r.user_id = ANY($1::bigint[]) AND p.author_id <> ALL($1::bigint[])
           AND ($3::timestamptz IS NULL OR (r.created_at, r.post_id) < ($3::timestamptz, $4::uuid))
           AND NOT EXISTS (
             SELECT 1 FROM post_reposts earlier
             WHERE earlier.post_id = r.post_id AND earlier.user_id = ANY($1::bigint[])
               AND (earlier.created_at, earlier.user_id) < (r.created_at, r.user_id))
         ORDER BY r.created_at DESC, r.post_id DESC LIMIT $2`,
        [userIds, limit, after ? new Date(after.at).toISOString() : null, after?.id ?? null],
      );
      return rows.map(
        (row): RepostEntry => ({
          postId: row.post_id,
          at: row.created_at.getTime(),
          repostedBy: row.user_id,
        }),
      );
    },

    async userActivity(userId, limit) {
      const [likedPosts, repostedPosts, comments] = await Promise.all([
        postsRelatedTo(LIKES, userId, limit),
        postsRelatedTo(REPOSTS, userId, limit),
        db.query<{ post_id: string; id: string }>(
          'SELECT post_id::text AS post_id, id::text AS id FROM comments WHERE author_id = $1 LIMIT $2',
          [userId, limit],
        ),
      ]);
      return {
        likedPosts,
        repostedPosts,
        comments: comments.map((row) => ({ postId: row.post_id, commentId: row.id })),
      };
    },

    async userTimeline(authorId, page) {
      const from = { columns: SUMMARY_COLUMNS, table: 'posts', owner: 'author_id' } as const;
      // Another reader may see a new post a moment late; its author never does (db.read).
      return (await newestFirstPage<PostRow>(db.read(), from, authorId, page)).map(toSummary);
    },

    async authorsTimeline(authorIds, { limit, after }) {
      if (authorIds.length === 0) return [];
      // The index (author_id, created_at DESC, id DESC) serves each author's range.
      const rows = await db.query<PostRow>(
        `SELECT ${SUMMARY_COLUMNS} FROM posts
         WHERE author_id = ANY($1::bigint[])
           AND ($3::timestamptz IS NULL OR (created_at, id) < ($3::timestamptz, $4::uuid))
         ORDER BY created_at DESC, id DESC LIMIT $2`,
        [authorIds, limit, after ? new Date(after.at).toISOString() : null, after?.id ?? null],
      );
      return rows.map(toSummary);
    },

    async summaries(postIds) {
      if (postIds.length === 0) return [];
      const rows = await db.query<PostRow>(
        `SELECT ${SUMMARY_COLUMNS} FROM posts WHERE id = ANY($1::uuid[])`,
        [postIds],
      );
      return rows.map(toSummary);
    },

    updateAuthorCopies: (author) =>
      db.transaction(async (tx) => {
        const params = [author.id, JSON.stringify(author)];
        // Rows already up to date are skipped, so a repeated job rewrites nothing.
        await tx.query(
          `UPDATE posts SET doc = jsonb_set(doc, '{author}', $2::jsonb)
           WHERE author_id = $1 AND doc -> 'author' IS DISTINCT FROM $2::jsonb`,
          params,
        );
        await tx.query(
          'UPDATE comments SET author = $2::jsonb WHERE author_id = $1 AND author IS DISTINCT FROM $2::jsonb',
          params,
        );
        // The author's comments embedded in anyone's post: found through the comments table,
        // rewritten element by element in their order.
        await tx.query(
          `UPDATE posts p SET doc = jsonb_set(p.doc, '{comments}', (
             SELECT jsonb_agg(CASE WHEN (c #>> '{author,id}')::bigint = $1 THEN jsonb_set(c, '{author}', $2::jsonb)
                                   ELSE c END ORDER BY i)
             FROM jsonb_array_elements(p.doc -> 'comments') WITH ORDINALITY AS e(c, i)))
           WHERE p.id IN (SELECT post_id FROM comments WHERE author_id = $1)
             AND EXISTS (SELECT 1 FROM jsonb_array_elements(p.doc -> 'comments') AS e(c)
                         WHERE (c #>> '{author,id}')::bigint = $1 AND c -> 'author' IS DISTINCT FROM $2::jsonb)`,
          params,
        );
      }),

    ping: () => db.ping(),
  } satisfies PostsPort;
}
