// The posts role on MongoDB, in its own idiom: a post is one document holding its newest
// comments (the subset pattern), every comment also lives in `comments`, and likes and
// reposts are one document per user in `post_likes` and `post_reposts` under a unique index.
// Writes that touch two
// collections run in a multi-document transaction (session.withTransaction, which retries
// transient conflicts), the replica set that majority write concern implies supports them.
// Every filter built from input compares with {$eq: value}, so a value can never become an
// operator (the driver has no sanitiser).
import { type ClientSession, type Filter, MongoServerError } from 'mongodb';
import { type MongoConnection, pingMongo } from '../engines/mongo.ts';
import { schemaOnFirstUse } from '../engines/schema.ts';
import { createOutboxIndexes, recordReactions } from '../jobs/outbox.mongo.ts';
import { patched } from './documents.ts';
import {
  type Attributes,
  type AuthorCopy,
  type Comment,
  EMBEDDED_COMMENTS,
  type Mention,
  type Position,
  type Post,
  type PostStats,
  type PostSummary,
  type PostsPort,
  type RelationChange,
  type RepostEntry,
} from './posts.port.ts';

// `mentions` and `edited_at` are absent in documents written before they were kept.
interface EmbeddedComment {
  id: string;
  author: AuthorCopy;
  text: string;
  mentions?: Mention[];
  created_at: Date;
  edited_at?: Date | null;
}

interface PostDocument {
  _id: string;
  author: AuthorCopy;
  content: string;
  mentions?: Mention[];
  media_urls: string[];
  attributes: Attributes;
  created_at: Date;
  updated_at: Date;
  stats: PostStats;
  comments: EmbeddedComment[];
}

interface CommentDocument extends Omit<EmbeddedComment, 'id'> {
  _id: string;
  post_id: string;
}

/** One user's like or repost of one post. */
interface RelationDocument {
  post_id: string;
  user_id: number;
  created_at: Date;
  /** On reposts: the post's author, so that a feed finds reposts of others' posts without a join. */
  post_author_id?: number;
}

/** Thrown inside a transaction to abort it when the post is gone. */
class NoSuchPost extends Error {}

const DUPLICATE_KEY = 11000;

// Only the four summary fields are ever copied, whatever object the caller passed.
const copyOf = ({ id, handle, name, avatar_url }: AuthorCopy): AuthorCopy => ({
  id,
  handle,
  name,
  avatar_url,
});

const summaryOf = (doc: Omit<PostDocument, 'comments'>): PostSummary => ({
  id: doc._id,
  author: doc.author,
  content: doc.content,
  mentions: doc.mentions ?? [],
  media_urls: doc.media_urls,
  attributes: doc.attributes,
  created_at: doc.created_at.toISOString(),
  updated_at: doc.updated_at.toISOString(),
  stats: doc.stats,
});

const commentOf = (comment: EmbeddedComment): Comment => ({
  id: comment.id,
  author: comment.author,
  text: comment.text,
  mentions: comment.mentions ?? [],
  created_at: comment.created_at.toISOString(),
  edited_at: comment.edited_at?.toISOString() ?? null,
});

const postOf = (doc: PostDocument): Post => ({ ...summaryOf(doc), comments: doc.comments.map(commentOf) });

const embeddedOf = ({ _id, post_id: _post, ...comment }: CommentDocument): EmbeddedComment => ({
  id: _id,
  ...comment,
});

/** Strictly after `after` in (created_at DESC, _id DESC) order: the keyset condition. */
function afterPosition(after: Position | undefined) {
  if (!after) return {};
  const at = new Date(after.at);
  return { $or: [{ created_at: { $lt: at } }, { created_at: { $eq: at }, _id: { $lt: after.id } }] };
}

const NEWEST_FIRST = { created_at: -1, _id: -1 } as const;
// The same order inside a document's embedded subset, whose comments carry `id`.
const NEWEST_FIRST_EMBEDDED = { created_at: -1, id: -1 } as const;

export async function createMongoPosts(connection: MongoConnection) {
  const { client, db, writeConcern } = connection;
  const posts = db.collection<PostDocument>('posts');
  const comments = db.collection<CommentDocument>('comments');
  const likes = db.collection<RelationDocument>('post_likes');
  const reposts = db.collection<RelationDocument>('post_reposts');

  // Created before the first write (createIndexes is a no-op for an index that exists with the same keys).
  const indexes = schemaOnFirstUse(async () => {
    await Promise.all([
      posts.createIndexes([
        // A user's timeline, newest first; also an author's posts when their profile changes.
        { key: { 'author.id': 1, created_at: -1, _id: -1 }, name: 'posts_author_timeline' },
        // The posts that embed an author's comments, when that profile changes (multikey).
        { key: { 'comments.author.id': 1 }, name: 'posts_embedded_comment_authors' },
      ]),
      comments.createIndexes([
        { key: { post_id: 1, created_at: -1, _id: -1 }, name: 'comments_post_page' },
        { key: { 'author.id': 1 }, name: 'comments_author' },
      ]),
      // One like per user and post: what makes a like idempotent. It also answers "which of
      // these posts has this user liked" ({post_id: {$in}, user_id}).
      likes.createIndexes([
        { key: { post_id: 1, user_id: 1 }, name: 'post_likes_unique', unique: true },
        // A user's likes, when the account is deleted.
        { key: { user_id: 1 }, name: 'post_likes_user' },
      ]),
      // The same for reposts, plus the reposts of the accounts a reader follows, for the feed.
      reposts.createIndexes([
        { key: { post_id: 1, user_id: 1 }, name: 'post_reposts_unique', unique: true },
        { key: { user_id: 1, created_at: -1 }, name: 'post_reposts_user' },
      ]),
      // Also creates the collection: a transaction's first insert need not (MongoDB < 4.4 cannot).
      createOutboxIndexes(db),
    ]);
  });

  /** Runs `work` in one multi-document transaction; the driver retries it on transient conflicts. */
  const inTransaction = async <T>(work: (session: ClientSession) => Promise<T>): Promise<T> => {
    await indexes();
    return client.withSession((session) =>
      session.withTransaction(() => work(session), {
        writeConcern,
        readConcern: { level: 'snapshot' },
        readPreference: 'primary',
      }),
    );
  };

  const byId = (id: string): Filter<PostDocument> => ({ _id: { $eq: id } });

  /** A relation of users to posts, one document each, and the stat of the post that counts them. */
  const LIKES = { collection: likes, stat: 'stats.likes' } as const;
  const REPOSTS = { collection: reposts, stat: 'stats.shares' } as const;
  type Relation = typeof LIKES | typeof REPOSTS;

  /** Moves the stat with the relation document, in one transaction; aborts if the post is gone. */
  async function relationChange(
    relation: Relation,
    postId: string,
    userId: number,
    delta: 1 | -1,
    at = new Date(),
  ): Promise<RelationChange> {
    const filter = { post_id: { $eq: postId }, user_id: { $eq: userId } };
    // Two transactions inserting the same document conflict; a duplicate key surfacing from the
    // loser means it exists by now: one more attempt sees it and changes nothing.
    for (let attempt = 0; ; attempt++) {
      try {
        return await inTransaction(async (session) => {
          let changed: boolean;
          if (delta > 0) {
            const fields: Omit<RelationDocument, 'post_id' | 'user_id'> = { created_at: at };
            if (relation === REPOSTS) {
              const post = await posts.findOne(byId(postId), { session, projection: { 'author.id': 1 } });
              if (!post) throw new NoSuchPost();
              fields.post_author_id = post.author.id;
            }
            // The filter's equality fields seed the upserted document.
            const result = await relation.collection.updateOne(
              filter,
              { $setOnInsert: fields },
              { upsert: true, session },
            );
            changed = result.upsertedCount === 1;
          } else {
            changed = (await relation.collection.deleteOne(filter, { session })).deletedCount === 1;
          }
          if (changed) {
            const counted = await posts.updateOne(
              byId(postId),
              { $inc: { [relation.stat]: delta } },
              { session },
            );
            if (counted.matchedCount === 0) throw new NoSuchPost();
            return 'changed';
          }
          const exists = await posts.countDocuments(byId(postId), { session, limit: 1 });
          return exists ? 'unchanged' : 'no_post';
        });
      } catch (error) {
        if (error instanceof NoSuchPost) return 'no_post';
        if (error instanceof MongoServerError && error.code === DUPLICATE_KEY && attempt < 2) continue;
        throw error;
      }
    }
  }

  /** The ids among `postIds` with a document of `relation` by `userId`. */
  async function relatedPosts(relation: Relation, userId: number, postIds: readonly string[]) {
    if (postIds.length === 0) return new Set<string>();
    const docs = await relation.collection
      .find({ user_id: { $eq: userId }, post_id: { $in: [...postIds] } }, { projection: { post_id: 1 } })
      .toArray();
    return new Set(docs.map((doc) => doc.post_id));
  }

  async function postsRelatedTo(relation: Relation, userId: number, limit: number) {
    const docs = await relation.collection
      .find({ user_id: { $eq: userId } }, { projection: { post_id: 1 } })
      .limit(limit)
      .toArray();
    return docs.map((doc) => doc.post_id);
  }

  return {
    engine: 'mongo',
    keepsProfileCounts: false,

    postsRelatedTo: (userId, relation, limit) =>
      postsRelatedTo(relation === 'likes' ? LIKES : REPOSTS, userId, limit),

    async createPost(post, reactions = []) {
      const document: PostDocument = {
        _id: post.id,
        author: copyOf(post.author),
        content: post.content,
        mentions: post.mentions ?? [],
        media_urls: post.media_urls,
        attributes: post.attributes,
        created_at: post.created_at,
        updated_at: post.created_at,
        stats: { likes: 0, comments: 0, shares: 0 },
        comments: [],
      };
      // The post and its follow-up work (the outbox entries) commit together or not at all.
      await inTransaction(async (session) => {
        await posts.insertOne(document, { session });
        await recordReactions(db, session, reactions);
      });
      return postOf(document);
    },

    async getPost(id) {
      const doc = await posts.findOne(byId(id));
      return doc ? postOf(doc) : null;
    },

    updatePost: (id, patch, updatedAt) =>
      // Read, merge and write in one transaction: a concurrent patch makes one of the two
      // retry on the merged result of the other, so neither change is lost.
      inTransaction(async (session) => {
        const current = await posts.findOne(byId(id), {
          session,
          projection: { content: 1, media_urls: 1, attributes: 1 },
        });
        if (!current) return null;
        const fields = patched(current, patch);
        const mentions = patch.mentions && { mentions: patch.mentions };
        const updated = await posts.findOneAndUpdate(
          byId(id),
          { $set: { ...fields, ...mentions, updated_at: updatedAt } },
          { session, returnDocument: 'after' },
        );
        return updated ? postOf(updated) : null;
      }),

    async deletePost(id, reactions = []) {
      return inTransaction(async (session) => {
        const { deletedCount } = await posts.deleteOne(byId(id), { session });
        if (deletedCount === 0) return false;
        await comments.deleteMany({ post_id: { $eq: id } }, { session });
        await likes.deleteMany({ post_id: { $eq: id } }, { session });
        await reposts.deleteMany({ post_id: { $eq: id } }, { session });
        await recordReactions(db, session, reactions);
        return true;
      });
    },

    addComment: (postId, comment) =>
      inTransaction(async (session) => {
        const embedded: EmbeddedComment = {
          id: comment.id,
          author: copyOf(comment.author),
          text: comment.text,
          mentions: comment.mentions ?? [],
          created_at: comment.created_at,
          edited_at: null,
        };
        // The article's capped push, plus the counter, in one atomic update of the document.
        // $sort before $slice keeps the newest 50 even when a comment arrives out of order.
        const { matchedCount } = await posts.updateOne(
          byId(postId),
          {
            $push: {
              comments: { $each: [embedded], $sort: NEWEST_FIRST_EMBEDDED, $slice: EMBEDDED_COMMENTS },
            },
            $inc: { 'stats.comments': 1 },
          },
          { session },
        );
        if (matchedCount === 0) return null;
        const { id: _id, ...fields } = embedded;
        await comments.insertOne({ _id, post_id: postId, ...fields }, { session });
        return commentOf(embedded);
      }),

    async findComment(postId, commentId) {
      const doc = await comments.findOne({ _id: { $eq: commentId }, post_id: { $eq: postId } });
      return doc ? commentOf(embeddedOf(doc)) : null;
    },

    editComment: (postId, commentId, { text, mentions, edited_at }) =>
      inTransaction(async (session) => {
        const doc = await comments.findOneAndUpdate(
          { _id: { $eq: commentId }, post_id: { $eq: postId } },
          { $set: { text, mentions, edited_at } },
          { session, returnDocument: 'after' },
        );
        if (!doc) return null;
        // The positional $ changes the same comment in the embedded subset, if it is there.
        await posts.updateOne(
          { _id: { $eq: postId }, 'comments.id': { $eq: commentId } },
          {
            $set: {
              'comments.$.text': text,
              'comments.$.mentions': mentions,
              'comments.$.edited_at': edited_at,
            },
          },
          { session },
        );
        return commentOf(embeddedOf(doc));
      }),

    deleteComment: (postId, commentId) =>
      inTransaction(async (session) => {
        const { deletedCount } = await comments.deleteOne(
          { _id: { $eq: commentId }, post_id: { $eq: postId } },
          { session },
        );
        if (deletedCount === 0) return false;
        // Refill the subset from the collection: the 51st newest comment moves up into the document.
        const newest = await comments
          .find({ post_id: { $eq: postId } }, { session })
          .sort(NEWEST_FIRST)
          .limit(EMBEDDED_COMMENTS)
          .toArray();
        await posts.updateOne(
          byId(postId),
          { $set: { comments: newest.map(embeddedOf) }, $inc: { 'stats.comments': -1 } },
          { session },
        );
        return true;
      }),

    async comments(postId, { limit, after }) {
      const docs = await comments
        .find({ post_id: { $eq: postId }, ...afterPosition(after) })
        .sort(NEWEST_FIRST)
        .limit(limit)
        .toArray();
      return docs.map((doc) => commentOf(embeddedOf(doc)));
    },

    like: (postId, userId) => relationChange(LIKES, postId, userId, 1),
    unlike: (postId, userId) => relationChange(LIKES, postId, userId, -1),

    // One transaction per like, as a single like takes: each counts itself exactly.
    async likeMany(postId, userIds) {
      let added = 0;
      for (const userId of new Set(userIds)) {
        const change = await relationChange(LIKES, postId, userId, 1);
        if (change === 'no_post') return change;
        if (change === 'changed') added++;
      }
      return added;
    },

    likedBy: (userId, postIds) => relatedPosts(LIKES, userId, postIds),

    repost: (postId, userId, at) => relationChange(REPOSTS, postId, userId, 1, at),
    unrepost: (postId, userId) => relationChange(REPOSTS, postId, userId, -1),
    repostedBy: (userId, postIds) => relatedPosts(REPOSTS, userId, postIds),

    async authorsReposts(userIds, { limit, after }) {
      if (userIds.length === 0) return [];
      const users = [...userIds];
      // Each post once, at its earliest repost by one of `users` ($first after the sort), then
      // the keyset page over those entries, newest first.
      const entries = await reposts
        .aggregate<{ _id: string; at: Date; user_id: number }>([
          { $match: { user_id: { $in: users }, post_author_id: { $nin: users } } },
          { $sort: { post_id: 1, created_at: 1, user_id: 1 } },
          { $group: { _id: '$post_id', at: { $first: '$created_at' }, user_id: { $first: '$user_id' } } },
          ...(after
            ? [
                {
                  $match: {
                    $or: [
                      { at: { $lt: new Date(after.at) } },
                      { at: { $eq: new Date(after.at) }, _id: { $lt: after.id } },
                    ],
                  },
                },
              ]
            : []),
          { $sort: { at: -1, _id: -1 } },
          { $limit: limit },
        ])
        .toArray();
      return entries.map(
        (entry): RepostEntry => ({ postId: entry._id, at: entry.at.getTime(), repostedBy: entry.user_id }),
      );
    },

    async userActivity(userId, limit) {
      const [likedPosts, repostedPosts, written] = await Promise.all([
        postsRelatedTo(LIKES, userId, limit),
        postsRelatedTo(REPOSTS, userId, limit),
        comments
          .find({ 'author.id': { $eq: userId } }, { projection: { post_id: 1 } })
          .limit(limit)
          .toArray(),
      ]);
      return {
        likedPosts,
        repostedPosts,
        comments: written.map((doc) => ({ postId: doc.post_id, commentId: doc._id })),
      };
    },

    async userTimeline(authorId, { limit, after }) {
      const docs = await posts
        .find({ 'author.id': { $eq: authorId }, ...afterPosition(after) }, { projection: { comments: 0 } })
        .sort(NEWEST_FIRST)
        .limit(limit)
        .toArray();
      return docs.map(summaryOf);
    },

    async authorsTimeline(authorIds, { limit, after }) {
      if (authorIds.length === 0) return [];
      const docs = await posts
        .find(
          { 'author.id': { $in: [...authorIds] }, ...afterPosition(after) },
          { projection: { comments: 0 } },
        )
        .sort(NEWEST_FIRST)
        .limit(limit)
        .toArray();
      return docs.map(summaryOf);
    },

    async summaries(postIds) {
      if (postIds.length === 0) return [];
      const docs = await posts
        .find({ _id: { $in: [...postIds] } }, { projection: { comments: 0 } })
        .toArray();
      return docs.map(summaryOf);
    },

    async updateAuthorCopies(author) {
      // Idempotent and order-free: each statement sets the copies to the summary given, so a
      // retried or repeated job leaves the same state. No transaction: copies may briefly
      // differ between collections, then agree (eventual consistency, as designed).
      const copy = copyOf(author);
      const mine = { $eq: author.id };
      await posts.updateMany({ 'author.id': mine }, { $set: { author: copy } });
      await comments.updateMany({ 'author.id': mine }, { $set: { author: copy } });
      await posts.updateMany(
        { 'comments.author.id': mine },
        { $set: { 'comments.$[mine].author': copy } },
        { arrayFilters: [{ 'mine.author.id': mine }] },
      );
    },

    ping: () => pingMongo(connection),
  } satisfies PostsPort;
}
