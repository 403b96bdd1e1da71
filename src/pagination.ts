// Pagination, one module for every list: the page every list answers (Page), the one codec of
// its cursors, and the fetch-one-more rule that says whether another page follows.
//
// The codec of list cursors. A cursor is a tuple of fields as base64url JSON, preceded by
// an HMAC-SHA-256 of that text (truncated to 128 bits) under a server key: a string whose
// signature fails was not issued by this server (or by one sharing its key) and is refused
// with 400 before any store is asked. The decoded fields are checked too, each by its kind
// (a timestamp within Date's range, a UUID, a user id), so a value the server could not have
// written never reaches a store or a Date. One codec serves every list; each list puts its
// name and owner in the fields, so one list's cursor is refused by another.
import { createHmac, timingSafeEqual } from 'node:crypto';
import { BadRequestError } from './errors.ts';

/** One page of a list, newest first: `next_cursor` continues it, null on the last page. */
export interface Page<Item> {
  items: Item[];
  next_cursor: string | null;
}

/** What to fetch for a page of `limit`: one item more, whose presence says that another page follows. */
export const oneMore = (limit: number): number => limit + 1;

/**
 * The page of `fetched` (asked for with oneMore): its first `limit` items and, when more
 * follow (the extra item came, or `more` says so), the cursor after the last of them.
 */
export function pageOf<Item>(
  fetched: readonly Item[],
  limit: number,
  cursorAfter: (last: Item) => string,
  { more = false } = {},
): Page<Item> {
  const items = fetched.slice(0, limit);
  const last = items.at(-1);
  return {
    items,
    next_cursor: last !== undefined && (fetched.length > limit || more) ? cursorAfter(last) : null,
  };
}

const MAC_BYTES = 16;
const MAC_CHARS = Math.ceil((MAC_BYTES * 4) / 3);

/** The largest time a JS Date holds (±8.64e15 ms around 1970); list positions are after 1970. */
const MAX_DATE_MS = 8.64e15;
const CANONICAL_UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;

/** A check of one decoded field: true when the value is one this server writes there. */
export type FieldCheck<T> = (value: unknown) => value is T;

/** The kinds of field a cursor holds. */
export const field = {
  /** Exactly this value: a version, a list's name, its owner. */
  is:
    <const T>(expected: T): FieldCheck<T> =>
    (value): value is T =>
      value === expected,
  /** Milliseconds since 1970 that `new Date()` can hold. */
  timestamp: ((value) =>
    typeof value === 'number' &&
    Number.isSafeInteger(value) &&
    value >= 0 &&
    value <= MAX_DATE_MS) as FieldCheck<number>,
  /** Microseconds since 1970 (the graph's edge times): any safe integer of them is a valid Date. */
  microseconds: ((value) =>
    typeof value === 'number' && Number.isSafeInteger(value) && value >= 0) as FieldCheck<number>,
  /** A UUID as PostgreSQL prints it and the services generate it (lower case). */
  uuid: ((value) => typeof value === 'string' && CANONICAL_UUID.test(value)) as FieldCheck<string>,
  /** A user id: a positive safe integer. */
  userId: ((value) =>
    typeof value === 'number' && Number.isSafeInteger(value) && value >= 1) as FieldCheck<number>,
  /** A positive integer written as decimal text (wallet entry ids, int8 in the database). */
  decimalId: ((value) => typeof value === 'string' && /^[1-9][0-9]{0,17}$/.test(value)) as FieldCheck<string>,
};

type Checked<Checks extends readonly FieldCheck<unknown>[]> = {
  [K in keyof Checks]: Checks[K] extends FieldCheck<infer T> ? T : never;
};

/** The 400 for a cursor that is not one of this list's. */
export const cursorNotIssued = () =>
  new BadRequestError('the cursor was not issued by this server for this list', {
    in: 'querystring',
    fields: { cursor: 'is not a cursor of this list' },
  });

export class CursorCodec {
  readonly #key: Buffer;

  /** `key`: at least 32 bytes, the same for every process serving one API (CURSOR_SECRET or the stored one). */
  constructor(key: Uint8Array) {
    if (key.length < 32) throw new Error('a cursor key needs at least 32 bytes');
    this.#key = Buffer.from(key);
  }

  /** The signature as text: compared as text, so that no second spelling of it is accepted. */
  #mac(payload: string): Buffer {
    const mac = createHmac('sha256', this.#key).update(payload).digest().subarray(0, MAC_BYTES);
    return Buffer.from(mac.toString('base64url'));
  }

  encode(fields: readonly unknown[]): string {
    const payload = Buffer.from(JSON.stringify(fields)).toString('base64url');
    return `${this.#mac(payload)}${payload}`;
  }

  /** The fields of a cursor this server signed, each passing its check; otherwise a 400. */
  decode<const Checks extends readonly FieldCheck<unknown>[]>(
    cursor: string,
    checks: Checks,
  ): Checked<Checks> {
    const mac = Buffer.from(cursor.slice(0, MAC_CHARS));
    const payload = cursor.slice(MAC_CHARS);
    if (mac.length !== MAC_CHARS || !timingSafeEqual(mac, this.#mac(payload))) throw cursorNotIssued();
    let fields: unknown;
    try {
      fields = JSON.parse(Buffer.from(payload, 'base64url').toString('utf8'));
    } catch {
      throw cursorNotIssued();
    }
    if (!Array.isArray(fields) || fields.length !== checks.length) throw cursorNotIssued();
    if (!checks.every((check, index) => check(fields[index]))) throw cursorNotIssued();
    return fields as Checked<Checks>;
  }
}
