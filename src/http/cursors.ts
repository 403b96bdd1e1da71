// The one codec of list cursors: a cursor is base64url JSON of a tuple of fields, and a
// string is accepted only if it parses to a tuple of the expected length and re-encodes to
// exactly itself, so a cursor the server did not issue is refused (400) before any store is
// asked. Each list checks the fields' types and meaning itself (its name, owner, position).
import { BadRequestError } from '../errors.ts';

export function encodeCursorFields(fields: readonly unknown[]): string {
  return Buffer.from(JSON.stringify(fields)).toString('base64url');
}

/** The fields of a cursor this codec issued with `length` fields, or undefined. */
export function decodeCursorFields(cursor: string, length: number): unknown[] | undefined {
  let fields: unknown;
  try {
    fields = JSON.parse(Buffer.from(cursor, 'base64url').toString('utf8'));
  } catch {
    return undefined;
  }
  if (!Array.isArray(fields) || fields.length !== length) return undefined;
  return encodeCursorFields(fields) === cursor ? fields : undefined;
}

/** The 400 for a cursor that is not one of this list's. */
export const cursorNotIssued = () =>
  new BadRequestError('the cursor was not issued by this server for this list', {
    in: 'querystring',
    fields: { cursor: 'is not a cursor of this list' },
  });
