// Request and reply schemas of the posts and comments routes.
import { Type } from 'typebox';
import { ProfileSummaryReply } from '../accounts/accounts.schemas.ts';
import { HttpUrl, Page, Timestamp, UserId, Uuid, VisibleText } from '../http/schemas.ts';
import { ATTRIBUTES_MAX_BYTES, ATTRIBUTES_MAX_DEPTH } from './documents.ts';

// Post and comment ids are UUIDv7 strings; anything else is a 400 before any store is asked.
export const PostIdParams = Type.Object({ id: Uuid() }, { additionalProperties: false });
export const CommentIdParams = Type.Object(
  { id: Uuid(), comment_id: Uuid() },
  { additionalProperties: false },
);
export const AuthorPostsParams = Type.Object({ id: UserId }, { additionalProperties: false });

// Stored and returned as text, never interpreted: HTML or script in it stays inert text.
const Content = VisibleText({ maxLength: 5000, description: '1 to 5,000 characters, stored as text' });
const MediaUrls = Type.Array(HttpUrl(), { maxItems: 10, description: 'at most 10 http(s) URLs' });
// The depth, size and key rules are checked by the service (documents.ts), for every adapter alike.
const Attributes = Type.Record(Type.String(), Type.Unknown(), {
  description: `a free-form JSON object: at most ${ATTRIBUTES_MAX_BYTES} bytes, ${ATTRIBUTES_MAX_DEPTH} levels deep, no key starting with $ or containing a dot, no NUL`,
});
const CommentText = VisibleText({ maxLength: 2000, description: '1 to 2,000 characters, stored as text' });

export const NewPostBody = Type.Object(
  { content: Content, media_urls: Type.Optional(MediaUrls), attributes: Type.Optional(Attributes) },
  { additionalProperties: false },
);

/** A JSON Merge Patch (RFC 7396): null removes media_urls (to []) or attributes (to {}) or a key of them. */
export const PostPatchBody = Type.Object(
  {
    content: Type.Optional(Content),
    media_urls: Type.Optional(Type.Union([MediaUrls, Type.Null()])),
    attributes: Type.Optional(Type.Union([Attributes, Type.Null()])),
  },
  { additionalProperties: false, minProperties: 1 },
);

export const NewCommentBody = Type.Object({ text: CommentText }, { additionalProperties: false });
export const CommentEditBody = NewCommentBody;

const Mentions = Type.Array(
  Type.Object({ id: Type.Integer(), handle: Type.String() }, { title: 'Mention' }),
  { description: 'the accounts the text names as @handle, resolved when it was written' },
);

export const CommentReply = Type.Object(
  {
    id: Type.String(),
    author: ProfileSummaryReply,
    text: Type.String(),
    mentions: Mentions,
    created_at: Timestamp,
    edited_at: Type.Union([Timestamp, Type.Null()], { description: 'when its author last changed it' }),
  },
  { title: 'Comment' },
);

const Stats = Type.Object({ likes: Type.Integer(), comments: Type.Integer(), shares: Type.Integer() });

const postFields = {
  id: Type.String(),
  author: ProfileSummaryReply,
  content: Type.String(),
  mentions: Mentions,
  media_urls: Type.Array(Type.String()),
  attributes: Type.Record(Type.String(), Type.Unknown()),
  created_at: Timestamp,
  updated_at: Timestamp,
  stats: Stats,
};

export const PostReply = Type.Object(
  { ...postFields, comments: Type.Array(CommentReply, { description: 'the newest 50, newest first' }) },
  { title: 'Post' },
);

export const TimelineItemReply = Type.Object(
  {
    ...postFields,
    user_has_liked: Type.Optional(Type.Boolean({ description: 'only for a signed-in caller' })),
    user_has_reposted: Type.Optional(Type.Boolean({ description: 'only for a signed-in caller' })),
  },
  { title: 'TimelineItem' },
);

export const CommentPageReply = Page(CommentReply);
export const TimelinePageReply = Page(TimelineItemReply);
