// Mentions: the `@handle`s a post or comment names, found in its text when it is written and
// resolved to accounts then, so that the document keeps who was meant even if a handle is
// later taken by someone else, and the people named can be told.
import type { Mention } from './posts.port.ts';

/** At most this many accounts are named by one text (more are left as plain text). */
export const MAX_MENTIONS = 20;

// A handle is 3-30 of [a-z0-9_] (stored lowercase). The `@` must not follow a word character
// (an email address `ann@example.com` names nobody), and the handle must end where the word does.
const MENTION = /(?<![\p{L}\p{N}_@])@([A-Za-z0-9_]{3,30})(?![A-Za-z0-9_])/gu;

/** The distinct handles `text` names, lowercase, in order of first appearance, at most MAX_MENTIONS. */
export function mentionedHandles(text: string): string[] {
  const handles = new Set<string>();
  for (const match of text.matchAll(MENTION)) {
    handles.add((match[1] as string).toLowerCase());
    if (handles.size === MAX_MENTIONS) break;
  }
  return [...handles];
}

/** The accounts among `found` in the order their handles appear in `handles`. */
export function inTextOrder(handles: readonly string[], found: readonly Mention[]): Mention[] {
  const byHandle = new Map(
    found.map((account) => [account.handle, { id: account.id, handle: account.handle }]),
  );
  return handles.flatMap((handle) => byHandle.get(handle) ?? []);
}
