// Cursors of the commerce lists. A cursor names its list and its owner, so one list's
// cursor is refused by another; it is signed by the shared codec (pagination.ts), which
// refuses any string it did not issue, and it carries the last id of the page (keyset, never OFFSET).
import { type CursorCodec, field, oneMore, type Page, pageOf } from '../pagination.ts';
import type { PageRequest } from './commerce.port.ts';

const VERSION = 1;
/** A UUID as PostgreSQL prints it (lower case). */
export const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;

export type CommerceList = 'products' | 'orders' | 'sales' | 'entries';

const ID_FIELD = { products: field.uuid, orders: field.uuid, sales: field.uuid, entries: field.decimalId };

/** The commerce lists' cursors, signed and checked by the one codec of the server. */
export function commerceCursors(codec: CursorCodec) {
  return {
    /**
     * One keyset page of `list`: the cursor decoded (a 400 if it is not this list's), `limit + 1`
     * rows fetched after it, the extra row only saying that more follow.
     */
    async page<Item extends { id: string }>(
      list: CommerceList,
      owner: number | null,
      limit: number,
      cursor: string | undefined,
      fetch: (request: PageRequest<string>) => Promise<Item[]>,
    ): Promise<Page<Item>> {
      const after =
        cursor === undefined
          ? undefined
          : codec.decode(cursor, [field.is(VERSION), field.is(list), field.is(owner), ID_FIELD[list]])[3];
      const rows = await fetch({ limit: oneMore(limit), after });
      return pageOf(rows, limit, (last) => codec.encode([VERSION, list, owner, last.id]));
    },
  };
}
