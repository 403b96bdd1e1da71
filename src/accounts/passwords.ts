// Password hashing: argon2id through @node-rs/argon2 (prebuilt, maintained).
import { hash, verify } from '@node-rs/argon2';

// The package's `Algorithm` const enum breaks under isolatedModules; 2 is Argon2id.
const ARGON2ID = 2;

export function hashPassword(password: string): Promise<string> {
  return hash(password, { algorithm: ARGON2ID });
}

// Verified against when an email is unknown, so that a wrong email costs the same
// time as a wrong password and timing does not reveal which accounts exist.
let decoy: Promise<string> | undefined;

/** True only when `passwordHash` is present and matches. */
export async function verifyPassword(passwordHash: string | undefined, password: string): Promise<boolean> {
  if (passwordHash === undefined) {
    decoy ??= hashPassword('decoy password, never valid');
    await verify(await decoy, password).catch(() => false);
    return false;
  }
  return verify(passwordHash, password).catch(() => false);
}

/**
 * Why a new password is refused, or undefined if it is acceptable. Length is checked at the
 * edge; these are the guessable shapes a length rule lets through.
 */
export function weakPasswordReason(password: string): string | undefined {
  if (/^\s*$/u.test(password)) return 'must contain more than whitespace';
  const [first, ...rest] = password;
  if (rest.every((character) => character === first)) return 'must not be one character repeated';
  return undefined;
}
