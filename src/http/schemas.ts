// Schemas shared by every route: they validate requests, shape replies and
// generate the OpenAPI document, all from one source.
import { type TSchema, Type } from 'typebox';

// Ajv matches patterns with the u flag: there a lone surrogate is a character of its own,
// which the class \uD800-\uDFFF catches, while a proper pair (an emoji) is one code point
// outside it. Lone surrogates would be stored as U+FFFD, silently changing the text.
const STORABLE = '[^\\u0000\\uD800-\\uDFFF]';

/** Well-formed Unicode without surrogate halves (passwords: two different ones must not hash alike). */
export const WellFormedText = (options: { minLength?: number; maxLength: number; description?: string }) =>
  Type.String({ ...options, pattern: '^[^\\uD800-\\uDFFF]*$' });

/** Text that PostgreSQL can store as given: no NUL (jsonb and text refuse it), no lone surrogate. */
export const SafeText = (options: { minLength?: number; maxLength: number; description?: string }) =>
  Type.String({ ...options, pattern: `^${STORABLE}*$` });

/** Storable text with at least one visible character. */
export const VisibleText = (options: { maxLength: number; description?: string }) =>
  Type.String({
    ...options,
    minLength: 1,
    pattern: `^${STORABLE}*[^\\s\\u0000\\uD800-\\uDFFF]${STORABLE}*$`,
  });

export const HttpUrl = (maxLength = 2048) => Type.String({ format: 'uri', pattern: '^https?://', maxLength });

export const Timestamp = Type.String({ format: 'date-time', description: 'ISO-8601, UTC' });

/** User ids are the integers PostgreSQL assigns. */
export const UserId = Type.Integer({ minimum: 1, maximum: Number.MAX_SAFE_INTEGER });

export const UserIdParams = Type.Object({ id: UserId }, { additionalProperties: false });

export const Limit = Type.Integer({ minimum: 1, maximum: 100, default: 20 });

/** Opaque: only a next_cursor this server returned for the same list is accepted (http/cursors.ts). */
export const Cursor = Type.String({
  minLength: 1,
  maxLength: 300,
  pattern: '^[A-Za-z0-9_-]+$',
  description: 'the next_cursor of the previous page',
});

/** `?limit=&cursor=` of a cursor-paginated list. */
export const PageQuery = Type.Object(
  { limit: Limit, cursor: Type.Optional(Cursor) },
  { additionalProperties: false },
);

export const ErrorReply = Type.Object(
  {
    error: Type.Object({
      code: Type.String(),
      message: Type.String(),
      details: Type.Optional(Type.Record(Type.String(), Type.Unknown())),
    }),
  },
  { $id: 'ErrorReply', title: 'Error' },
);

/** `{items, next_cursor}`: every list has this shape. */
export const Page = <Item extends TSchema>(item: Item) =>
  Type.Object({ items: Type.Array(item), next_cursor: Type.Union([Type.String(), Type.Null()]) });

/** The error replies a route can give, for its `response` schema. */
export const errorReplies = (...statuses: number[]) =>
  Object.fromEntries(statuses.map((status) => [status, Type.Ref('ErrorReply')]));

export const bearerAuth = [{ bearerAuth: [] }];
