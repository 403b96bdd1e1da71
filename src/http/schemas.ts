// Schemas shared by every route: they validate requests, shape replies and
// generate the OpenAPI document, all from one source.
import { type TSchema, Type } from 'typebox';

/** Text that PostgreSQL can store: no NUL character (jsonb and text both refuse it). */
export const SafeText = (options: { minLength?: number; maxLength: number; description?: string }) =>
  Type.String({ ...options, pattern: '^[^\\u0000]*$' });

/** Text with at least one visible character, and no NUL. */
export const VisibleText = (options: { maxLength: number; description?: string }) =>
  Type.String({ ...options, minLength: 1, pattern: '^[^\\u0000]*[^\\s\\u0000][^\\u0000]*$' });

export const HttpUrl = (maxLength = 2048) => Type.String({ format: 'uri', pattern: '^https?://', maxLength });

export const Timestamp = Type.String({ format: 'date-time', description: 'ISO-8601, UTC' });

/** User ids are the integers PostgreSQL assigns. */
export const UserId = Type.Integer({ minimum: 1, maximum: Number.MAX_SAFE_INTEGER });

export const UserIdParams = Type.Object({ id: UserId }, { additionalProperties: false });

export const Limit = Type.Integer({ minimum: 1, maximum: 100, default: 20 });

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
