// Handles: which ones nobody may take, and how one is derived for a new account that
// asked for none. A derived handle never comes from the email: that would publish part
// of a private address.
import { randomInt } from 'node:crypto';
import anyAscii from 'any-ascii';

/**
 * Handles that would pass for the platform or its staff, in one place. Refused when asked
 * for and never derived, with their look-alikes (see isReservedHandle).
 */
export const RESERVED_HANDLES: ReadonlySet<string> = new Set([
  'abuse',
  'admin',
  'administrator',
  'api',
  'help',
  'helpdesk',
  'info',
  'mod',
  'moderator',
  'moderators',
  'news',
  'noreply',
  'official',
  'operator',
  'polyglot',
  'polyglot_social',
  'postmaster',
  'root',
  'security',
  'staff',
  'support',
  'sysadmin',
  'system',
  'team',
  'webmaster',
  'www',
]);

// The reserved handles as words, underscores dropped ('polyglot_social' → 'polyglotsocial').
const RESERVED_WORDS: ReadonlySet<string> = new Set([...RESERVED_HANDLES].map((h) => h.replaceAll('_', '')));

/**
 * Reserved: a reserved handle in any letter case, also with digits or underscores added
 * (`admin_`, `Admin1`, `_root_`, `polyglotsocial`), or made of reserved words only
 * (`support_team`, `admin_support`): each of these passes for the platform as well as the
 * bare word does. A reserved word beside one of the user's own (`team_rocket`) is free.
 */
export function isReservedHandle(handle: string): boolean {
  const words = handle
    .toLowerCase()
    .split(/[_0-9]+/)
    .filter(Boolean);
  return (
    words.length > 0 && (RESERVED_WORDS.has(words.join('')) || words.every((w) => RESERVED_WORDS.has(w)))
  );
}

/**
 * Lower-case letters, digits and underscores from a name, as a handle stem (may be short).
 * any-ascii transliterates every script (Cyrillic, Chinese, Greek, ...) to ASCII, so most
 * names give a stem of their own.
 */
function handleStem(name: string): string {
  return anyAscii(name)
    .toLowerCase()
    .replace(/[^a-z0-9]+/g, '_')
    .replace(/^_+|_+$/g, '')
    .slice(0, 23);
}

// Crockford's base32 alphabet, lower-case: no i, l, o or u to misread.
const BASE32 = '0123456789abcdefghjkmnpqrstvwxyz';
const randomHandle = () => `user_${Array.from({ length: 10 }, () => BASE32[randomInt(32)]).join('')}`;

/** The handles to try for a new account that asked for none, derived from its name alone. */
export function handleCandidates(name: string): string[] {
  const stem = handleStem(name);
  if (stem.length < 3 || isReservedHandle(stem)) return Array.from({ length: 3 }, randomHandle);
  // The bare stem first, then random suffixes: a popular name still finds a free handle in a few tries.
  const suffixed = Array.from(
    { length: 8 },
    (_, i) => `${stem}_${randomInt(10 ** (i < 5 ? 3 : 5), 10 ** (i < 5 ? 4 : 6))}`,
  );
  return [stem, ...suffixed, randomHandle()];
}
