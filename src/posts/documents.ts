// Rules about the free-form parts of a post document, shared by the service (checking
// input) and the adapters (checking a merged result): PostgreSQL's jsonb and MongoDB's
// BSON accept different things, so the platform accepts only what both store alike.
import { BadRequestError } from '../errors.ts';
import type { Attributes } from './posts.port.ts';

export const ATTRIBUTES_MAX_BYTES = 16 * 1024;
/** `{}` has depth 1, `{"poll": {"options": []}}` depth 3: each object or array is one level. */
export const ATTRIBUTES_MAX_DEPTH = 10;

export const isPlainObject = (value: unknown): value is Record<string, unknown> =>
  typeof value === 'object' && value !== null && !Array.isArray(value);

/** Why `value` may not be stored as attributes, or undefined when it may. */
export function attributesProblem(value: unknown): string | undefined {
  if (!isPlainObject(value)) return 'must be a JSON object';
  // The depth first, with an explicit stack: no recursion (here or in JSON.stringify below)
  // for a deeply nested body to exhaust.
  const stack: Array<[unknown, number]> = [[value, 1]];
  while (stack.length) {
    const [node, depth] = stack.pop() as [unknown, number];
    if (typeof node === 'string') {
      if (node.includes('\u0000')) return 'must not contain NUL characters';
      continue;
    }
    if (typeof node !== 'object' || node === null) continue;
    if (depth > ATTRIBUTES_MAX_DEPTH) return `must be nested at most ${ATTRIBUTES_MAX_DEPTH} levels deep`;
    if (Array.isArray(node)) {
      for (const item of node) stack.push([item, depth + 1]);
      continue;
    }
    for (const [key, item] of Object.entries(node)) {
      // MongoDB reads `$` keys as operators and `.` as a path; jsonb refuses NUL.
      if (key.startsWith('$')) return `has a key starting with $ ("${key.slice(0, 40)}")`;
      if (key.includes('.')) return `has a key containing a dot ("${key.slice(0, 40)}")`;
      if (key.includes('\u0000')) return 'must not contain NUL characters';
      stack.push([item, depth + 1]);
    }
  }
  if (Buffer.byteLength(JSON.stringify(value)) > ATTRIBUTES_MAX_BYTES) {
    return `must be at most ${ATTRIBUTES_MAX_BYTES} bytes as JSON`;
  }
  return undefined;
}

/** Throws a 400 naming `attributes` unless `value` may be stored. */
export function assertAttributes(value: unknown): asserts value is Attributes {
  const problem = attributesProblem(value);
  if (problem) {
    throw new BadRequestError(`attributes ${problem}`, { in: 'body', fields: { attributes: problem } });
  }
}

/**
 * RFC 7396 JSON Merge Patch: an object patch merges key by key (null removes the key),
 * anything else replaces the target. Built with Object.fromEntries, so a key such as
 * "__proto__" stays a plain key.
 */
export function mergePatch(target: unknown, patch: unknown): unknown {
  if (!isPlainObject(patch)) return patch;
  const merged = new Map(Object.entries(isPlainObject(target) ? target : {}));
  for (const [key, value] of Object.entries(patch)) {
    if (value === null) merged.delete(key);
    else merged.set(key, mergePatch(merged.get(key), value));
  }
  return Object.fromEntries(merged);
}

export interface ChangeableFields {
  content: string;
  media_urls: string[];
  attributes: Attributes;
}

/** The fields after a merge patch; throws a 400 if the merged attributes break the limits. */
export function patched(
  current: ChangeableFields,
  patch: { content?: string; media_urls?: string[] | null; attributes?: Attributes | null },
): ChangeableFields {
  const attributes =
    patch.attributes === undefined
      ? current.attributes
      : patch.attributes === null
        ? {}
        : mergePatch(current.attributes, patch.attributes);
  // A patch within the limits can still merge into attributes beyond them (16 KB + 16 KB).
  assertAttributes(attributes);
  return {
    content: patch.content ?? current.content,
    media_urls: patch.media_urls === undefined ? current.media_urls : (patch.media_urls ?? []),
    attributes,
  };
}
