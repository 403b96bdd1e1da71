// Cursors of the posts lists. A cursor names its list and whose list it is (an author's
// timeline, a post's comments), so one list's cursor is refused by another; the signed codec
// (pagination.ts) refuses any string it did not issue and any field out of its range.
import { type CursorCodec, field, oneMore, type Page, pageOf } from '../pagination.ts';
import type { PageRequest, Position } from './posts.port.ts';

const VERSION = 1;

export type PostList = { kind: 'timeline'; authorId: number } | { kind: 'comments'; postId: string };

const scopeOf = (list: PostList): [string, number | string] =>
  list.kind === 'timeline' ? ['t', list.authorId] : ['c', list.postId];

export function encodePostCursor(codec: CursorCodec, list: PostList, position: Position): string {
  return codec.encode([VERSION, ...scopeOf(list), position.at, position.id]);
}

export function decodePostCursor(codec: CursorCodec, cursor: string, list: PostList): Position {
  const [code, scope] = scopeOf(list);
  const [, , , at, id] = codec.decode(cursor, [
    field.is(VERSION),
    field.is(code),
    field.is(scope),
    field.timestamp,
    field.uuid,
  ]);
  return { at, id };
}

/** What to ask the adapter for: one item more than the page, to know whether more follow. */
export function pageRequest(
  codec: CursorCodec,
  list: PostList,
  limit: number,
  cursor: string | undefined,
): PageRequest {
  return {
    limit: oneMore(limit),
    after: cursor === undefined ? undefined : decodePostCursor(codec, cursor, list),
  };
}

/** The page of items fetched with pageRequest, with the cursor after its last item. */
export function nextCursor<Item extends { id: string; created_at: string }>(
  codec: CursorCodec,
  list: PostList,
  fetched: Item[],
  limit: number,
): Page<Item> {
  return pageOf(fetched, limit, (last) =>
    encodePostCursor(codec, list, { at: Date.parse(last.created_at), id: last.id }),
  );
}
