// Cursors of the posts lists. A cursor names its list and whose list it is (an author's
// timeline, a post's comments), so one list's cursor is refused by another, and is accepted
// only when every field has its exact type (the codec in http/cursors.ts refuses the rest).
import { validate as isUuid } from 'uuid';
import { cursorNotIssued, decodeCursorFields, encodeCursorFields } from '../http/cursors.ts';
import type { PageRequest, Position } from './posts.port.ts';

const VERSION = 1;

export type PostList = { kind: 'timeline'; authorId: number } | { kind: 'comments'; postId: string };

const scopeOf = (list: PostList): [string, number | string] =>
  list.kind === 'timeline' ? ['t', list.authorId] : ['c', list.postId];

export function encodePostCursor(list: PostList, position: Position): string {
  return encodeCursorFields([VERSION, ...scopeOf(list), position.at, position.id]);
}

export function decodePostCursor(cursor: string, list: PostList): Position {
  const [version, code, scope, at, id] = decodeCursorFields(cursor, 5) ?? [];
  const [expectedCode, expectedScope] = scopeOf(list);
  const valid =
    version === VERSION &&
    code === expectedCode &&
    scope === expectedScope &&
    Number.isSafeInteger(at) &&
    (at as number) >= 0 &&
    typeof id === 'string' &&
    isUuid(id);
  if (!valid) throw cursorNotIssued();
  return { at: at as number, id };
}

/** What to ask the adapter for: one item more than the page, to know whether more follow. */
export function pageRequest(list: PostList, limit: number, cursor: string | undefined): PageRequest {
  return { limit: limit + 1, after: cursor === undefined ? undefined : decodePostCursor(cursor, list) };
}

/** The next_cursor of a page fetched with limit + 1: null on the last page. */
export function nextCursor<Item extends { id: string; created_at: string }>(
  list: PostList,
  fetched: Item[],
  limit: number,
): { items: Item[]; next_cursor: string | null } {
  const items = fetched.slice(0, limit);
  const last = items.at(-1);
  return {
    items,
    next_cursor:
      fetched.length > limit && last
        ? encodePostCursor(list, { at: Date.parse(last.created_at), id: last.id })
        : null,
  };
}
