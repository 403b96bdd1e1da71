// Cursors of the commerce lists. A cursor names its list and its owner, so one list's
// cursor is refused by another; it is base64url JSON, accepted only if it re-encodes to
// exactly the string given (the shared codec, http/cursors.ts), and it carries the last id
// of the page (keyset, never OFFSET).
import { cursorNotIssued, decodeCursorFields, encodeCursorFields } from '../http/cursors.ts';

const VERSION = 1;
/** A UUID as PostgreSQL prints it (lower case). */
export const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;
const ENTRY_ID = /^[1-9][0-9]{0,17}$/;

export type CommerceList = 'products' | 'orders' | 'entries';

const ID_FORMAT: Record<CommerceList, RegExp> = { products: UUID, orders: UUID, entries: ENTRY_ID };

export const encodeCursor = (list: CommerceList, owner: number | null, lastId: string): string =>
  encodeCursorFields([VERSION, list, owner, lastId]);

/** The last id of the previous page, or a 400 naming the cursor. */
export function decodeCursor(cursor: string, list: CommerceList, owner: number | null): string {
  const [version, name, who, lastId] = decodeCursorFields(cursor, 4) ?? [];
  if (version === VERSION && name === list && who === owner && typeof lastId === 'string') {
    if (ID_FORMAT[list].test(lastId)) return lastId;
  }
  throw cursorNotIssued();
}

/** One page of `limit` from `limit + 1` rows: the extra row only says that more follow. */
export function pageOf<Item extends { id: string }>(
  rows: Item[],
  limit: number,
  list: CommerceList,
  owner: number | null,
) {
  const items = rows.slice(0, limit);
  const last = items.at(-1);
  return {
    items,
    next_cursor: rows.length > limit && last ? encodeCursor(list, owner, last.id) : null,
  };
}
