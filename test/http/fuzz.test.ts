// Whatever a client sends (wrong types, huge strings, deeply nested JSON, text PostgreSQL
// cannot store, Mongo-style operator objects, forged or truncated tokens) gets a 4xx in the
// one error shape and changes nothing; never a 5xx, never a stack trace.
//
// The routes come from the app itself (its OpenAPI document), so a new route is fuzzed
// without touching this file. For every operation under /api/v1, fast-check replaces one
// field at a time (each body property, each query and path parameter) of a valid request
// with a hostile value, throws whole hostile bodies at it, and forged Authorization headers;
// each request goes anonymously, with the caller's valid token, or with a forged header.
// Opaque ids in paths are those of resources the caller makes through the collection's own
// POST route, so that fuzzing reaches past "404 not found".
//
// A hostile value can be legal: SQL-looking text is a fine name, a lone surrogate is
// stored as U+FFFD. So every answer must be < 500, and it must be >= 400 only for values
// that are invalid by construction (wrong JSON type, NUL in stored text, longer than the
// field allows, malformed ids, non-object bodies, forged tokens...). After every 4xx the
// stored data must be exactly as before; after a legal 2xx the snapshot is taken again.
// The app keeps its database handle to itself, so the snapshot is what the API shows
// (test/support/snapshot.ts): every GET route readable with the two users' ids or the
// resources made here, and the user ids just above the newest, which must stay free.
//
// Bytes the HTTP parser refuses (NUL or CR in a header) cannot go through app.inject; the
// last test sends them over a real socket.
//
// The file shares a budget of about 700 requests among its properties (see Knobs), and the
// cases the requirement names are always sent (fast-check `examples`). FUZZ_RUNS=<k>
// multiplies the budget for a longer hunt; FUZZ_SEED=<n> replays the seed fast-check prints
// with a failure.
import { createHash, randomBytes } from 'node:crypto';
import http from 'node:http';
import net from 'node:net';
import fc from 'fast-check';
import { beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { auth, signUp, type TestUser } from '../support/api.ts';
import { buildTestApp } from '../support/app.ts';
import {
  type ApiSnapshot,
  logInStatus,
  peopleMarked,
  type Reader,
  readThroughApi,
  unstableKeys,
} from '../support/snapshot.ts';

// ---------------------------------------------------------------------------------------
// The app and its routes, read from its OpenAPI document
// ---------------------------------------------------------------------------------------

interface Schema {
  type?: string;
  format?: string;
  pattern?: string;
  minLength?: number;
  maxLength?: number;
  minimum?: number;
  maximum?: number;
  nullable?: boolean;
  anyOf?: Schema[];
  oneOf?: Schema[];
  enum?: unknown[];
  properties?: Record<string, Schema>;
  required?: string[];
  additionalProperties?: boolean | Schema;
  default?: unknown;
  example?: unknown;
  items?: Schema;
  minItems?: number;
  maxItems?: number;
  $ref?: string;
}

interface Parameter {
  in: 'path' | 'query' | 'header' | 'cookie';
  name: string;
  required?: boolean;
  schema: Schema;
}

interface OpenApiOperation {
  parameters?: Parameter[];
  requestBody?: { required?: boolean; content: Record<string, { schema: Schema }> };
  security?: Record<string, string[]>[];
}

interface OpenApiDocument {
  paths: Record<string, Record<string, OpenApiOperation>>;
  components?: { schemas?: Record<string, Schema> };
  security?: Record<string, string[]>[];
}

interface Operation {
  /** "METHOD /openapi/path", e.g. "GET /api/v1/users/{id}" */
  key: string;
  method: string;
  path: string;
  secured: boolean;
  body?: Schema;
  pathParams: Parameter[];
  queryParams: Parameter[];
}

const { app, analytics } = await buildTestApp();
await app.ready();
const openapi = app.swagger() as unknown as OpenApiDocument;

function deref(schema: Schema): Schema {
  if (!schema.$ref) return schema;
  const name = schema.$ref.replace('#/components/schemas/', '');
  const target = openapi.components?.schemas?.[name];
  if (!target) throw new Error(`unresolved $ref ${schema.$ref}`);
  return deref(target);
}

const HTTP_METHODS = ['get', 'post', 'put', 'patch', 'delete'];

const operations: Operation[] = Object.entries(openapi.paths)
  .filter(([path]) => path.startsWith('/api/v1/'))
  .flatMap(([path, item]) =>
    HTTP_METHODS.filter((method) => item[method]).map((method): Operation => {
      const op = item[method] as OpenApiOperation;
      const parameters = op.parameters ?? [];
      const body = op.requestBody?.content['application/json']?.schema;
      return {
        key: `${method.toUpperCase()} ${path}`,
        method: method.toUpperCase(),
        path,
        secured: (op.security ?? openapi.security ?? []).length > 0,
        body: body && deref(body),
        pathParams: parameters.filter((p) => p.in === 'path').map((p) => ({ ...p, schema: deref(p.schema) })),
        queryParams: parameters
          .filter((p) => p.in === 'query')
          .map((p) => ({ ...p, schema: deref(p.schema) })),
      };
    }),
  );

// ---------------------------------------------------------------------------------------
// Knobs
// ---------------------------------------------------------------------------------------

// The file shares one budget of requests among its properties, so that its run time stays
// about the same as routes are added; each property still gets a floor of runs. A body sent
// to a route that takes none, and a forged header sent to a route that needs no session,
// are ignored by the route: those get few runs.
const SCALE = Math.max(1, Number(process.env.FUZZ_RUNS ?? 1) || 1);
const BUDGET = 700 * SCALE;
type Kind = 'field' | 'wholeBody' | 'ignoredBody' | 'authorization' | 'ignoredAuthorization' | 'router';
const WEIGHT: Record<Kind, number> = {
  field: 3,
  wholeBody: 4,
  ignoredBody: 1,
  authorization: 2,
  ignoredAuthorization: 1,
  router: 1,
};
const FLOOR: Record<Kind, number> = {
  field: 5,
  wholeBody: 6,
  ignoredBody: 2,
  authorization: 5,
  ignoredAuthorization: 2,
  router: 3,
};
const propertiesOf = (op: Operation): Kind[] => [
  ...Object.keys(op.body?.properties ?? {}).map((): Kind => 'field'),
  ...[...op.pathParams, ...op.queryParams].flatMap((p): Kind[] =>
    p.in === 'path' ? ['field', 'router'] : ['field'],
  ),
  op.body ? 'wholeBody' : 'ignoredBody',
  op.secured ? 'authorization' : 'ignoredAuthorization',
];
const totalWeight = operations.flatMap(propertiesOf).reduce((sum, kind) => sum + WEIGHT[kind], 0);
const RUNS = Object.fromEntries(
  (Object.keys(WEIGHT) as Kind[]).map((kind) => [
    kind,
    Math.max(FLOOR[kind] * SCALE, Math.round((WEIGHT[kind] * BUDGET) / totalWeight)),
  ]),
) as Record<Kind, number>;
const SEED = process.env.FUZZ_SEED ? Number(process.env.FUZZ_SEED) : undefined;
if (SEED !== undefined) console.log(`fuzz: replaying with FUZZ_SEED=${SEED}`);
// No shrinking: every value carries a label saying what kind of hostile it is, and each
// shrinking step would re-send a request and re-read the snapshot.
// `examples` are always sent first (within numRuns): the cases the requirement names.
const fcOptions = <T>(numRuns: number, examples: T[] = []): fc.Parameters<T> => ({
  numRuns: Math.max(numRuns, examples.length + 1),
  examples,
  endOnFailure: true,
  ...(SEED !== undefined ? { seed: SEED } : {}),
});
/** A property is many requests: more room than the 30 s default of one test. */
const FUZZ_TIMEOUT_MS = 120_000;

// ---------------------------------------------------------------------------------------
// Hostile values
// ---------------------------------------------------------------------------------------

/** A generated value with a short printable label, so that a 100k-character string does not flood a report. */
class Case<T> {
  constructor(
    readonly label: string,
    readonly value: T,
  ) {}
  [fc.toStringMethod](): string {
    return `${this.label}: ${preview(this.value)}`;
  }
}

const ABSENT = Symbol('absent');

/** JSON spliced in as text: nesting deeper than JSON.stringify should be asked to build, or keys it would not keep. */
class RawJson {
  constructor(
    readonly text: string,
    /** Why no field can take it. */
    readonly invalid = 'is nested 10,000 deep',
  ) {}
}

function preview(value: unknown, max = 100): string {
  if (value === ABSENT) return '(absent)';
  if (value instanceof RawJson) return `raw JSON of ${value.text.length} chars: ${value.text.slice(0, 40)}…`;
  if (typeof value === 'symbol') return String(value);
  if (typeof value === 'function') return '(made from the valid request)';
  let text: string;
  try {
    text = Buffer.isBuffer(value) ? `<${value.length} bytes>` : (JSON.stringify(value) ?? String(value));
  } catch {
    text = String(value);
  }
  return text.length > max ? `${text.slice(0, max)}… (${text.length} chars)` : text;
}

const c = <T>(label: string, value: T) => new Case(label, value);
const codePoints = (text: string) => [...text].length;

const deepArray = (depth: number) => `${'['.repeat(depth)}${']'.repeat(depth)}`;
const deepObject = (depth: number) => `${'{"a":'.repeat(depth)}1${'}'.repeat(depth)}`;

const HUGE = 100_000;

const mongoOperators = [
  { $gt: '' },
  { $where: '1' },
  { $ne: null },
  { $regex: '.*' },
  { $in: [''] },
  { $exists: true },
];

/** JSON values of every type, operator objects and deep nesting: most are the wrong type for a given field. */
const wrongTypeValues: fc.Arbitrary<Case<unknown>> = fc.oneof(
  fc.constantFrom(
    c('number', 0),
    c('number', -1),
    c('number', 1.5),
    c('number', 1e308),
    c('number', -1e308),
    c('number', 2 ** 53),
    c('boolean', true),
    c('boolean', false),
    c('null', null),
    c('empty array', []),
    c('array of a string', ['x']),
    c('array of null', [null]),
    c('empty object', {}),
    c('10,000-deep array', new RawJson(deepArray(10_000))),
    c('10,000-deep object', new RawJson(deepObject(10_000))),
  ),
  fc.constantFrom(...mongoOperators).map((value) => c('operator object', value)),
  fc.integer().map((value) => c('integer', value)),
  fc.double({ noNaN: true, noDefaultInfinity: true }).map((value) => c('double', value)),
  fc.array(fc.jsonValue({ maxDepth: 2 }), { maxLength: 3 }).map((value) => c('random array', value)),
  fc
    .dictionary(fc.string({ maxLength: 8 }), fc.jsonValue({ maxDepth: 2 }), { maxKeys: 3 })
    .map((value) => c('random object', value)),
);

const withNul = fc
  .tuple(fc.string({ maxLength: 20 }), fc.string({ maxLength: 20 }))
  .map(([a, b]) => c('NUL inside', `${a}\u0000${b}`));

const loneSurrogates = fc.oneof(
  fc.constantFrom(
    c('lone high surrogate', '\ud800'),
    c('lone low surrogate', '\udfff'),
    c('surrogates reversed', 'ab\udc00\ud800cd'),
    c('cut emoji', 'Ada \ud83d'),
  ),
  fc.string({ unit: 'binary', minLength: 1, maxLength: 20 }).map((value) => c('random code points', value)),
);

const hugeStrings = fc.constantFrom(
  c('100k ASCII', 'a'.repeat(HUGE)),
  c('100k two-byte', 'é'.repeat(HUGE)),
  c('100k emoji', '😀'.repeat(HUGE)),
  c('100k spaces', ' '.repeat(HUGE)),
);

const sqlLooking = fc.constantFrom(
  c('SQL', "' OR 1=1 --"),
  c('SQL', "'; DROP TABLE users; --"),
  c('SQL', '" OR ""="'),
  c('SQL', "' UNION SELECT password_hash FROM users --"),
  c('SQL', '1; SELECT pg_sleep(0)'),
  c('LIKE wildcards', '%'),
  c('LIKE wildcards', '_'),
  c('LIKE wildcards', '%_%\\'),
  c('backslash', '\\'),
  c('dollar quoting', '$$ $1 $tag$'),
  c('escaped NUL as text', '\\u0000 \\x00'),
  c('operator as text', '{"$gt": ""}'),
  c('path', '../../etc/passwd'),
  c('HTML', '<script>alert(1)</script>'),
);

const unicodeText = fc.oneof(
  fc.constantFrom(
    c('RTL override', 'abc\u202edef'),
    c('zero width', '\u200b\u200c\u200d\ufeff'),
    c('combining', 'e\u0301\u0301\u0301'),
    c('dotted I', 'İstanbul'),
    c('sharp s', 'straße'),
    c('NFKD expanding', 'ﷺ'),
    c('emoji ZWJ', '👩‍👩‍👧‍👦'),
    c('CJK', '漢字かなカナ'),
    c('C1 controls', '\u0085\u009f'),
    c('control characters', '\u0001\u0007\u001b[31m'),
  ),
  fc.string({ unit: 'grapheme', maxLength: 30 }).map((value) => c('random graphemes', value)),
);

const numericText = fc.constantFrom(
  c('numeric text', 'NaN'),
  c('numeric text', 'Infinity'),
  c('numeric text', '-1'),
  c('numeric text', '0'),
  c('numeric text', '1.5'),
  c('numeric text', '1e308'),
  c('numeric text', '99999999999999999999'),
  c('numeric text', '-0'),
);

const blankText = fc.constantFrom(
  c('blank', ''),
  c('blank', ' '),
  c('blank', '\t\n\r'),
  c('blank', '\u00a0\u3000'),
);

/** Strings that overstep the field's own limits by one. */
function boundaryStrings(schema: Schema): fc.Arbitrary<Case<string>>[] {
  const out: fc.Arbitrary<Case<string>>[] = [];
  if (schema.maxLength !== undefined) {
    out.push(fc.constant(c('maxLength + 1', 'x'.repeat(schema.maxLength + 1))));
    out.push(fc.constant(c('maxLength + 1 emoji', '😀'.repeat(schema.maxLength + 1))));
  }
  if (schema.minLength) out.push(fc.constant(c('minLength - 1', 'x'.repeat(schema.minLength - 1))));
  return out;
}

const nested = (depth: number): unknown => (depth <= 1 ? 1 : { a: nested(depth - 1) });

/** Hostile objects for a field that takes free-form JSON. */
const hostileObjects: fc.Arbitrary<Case<unknown>> = fc.oneof(
  fc.constantFrom(
    c('dotted key', { 'a.b': 1 }),
    c('operator key', { $set: { x: 1 } }),
    c('nested operator key', { a: [{ $where: '1' }] }),
    c('NUL in a value', { a: 'x\u0000y' }),
    c('NUL in a key', { 'a\u0000': 1 }),
    c('12 levels', nested(12)),
    c('50 levels', nested(50)),
    c('10 levels', nested(10)),
    c('100k object', { blob: 'x'.repeat(HUGE) }),
    c('20 KB object', { blob: 'x'.repeat(20_000) }),
    c('lone surrogate key', { '\ud800': '\udfff' }),
    c('__proto__ key', new RawJson('{"__proto__":{"polluted":1}}', 'has a __proto__ key')),
    c(
      'constructor.prototype',
      new RawJson('{"constructor":{"prototype":{"polluted":1}}}', 'is a prototype path'),
    ),
  ),
  fc
    .dictionary(fc.string({ maxLength: 8 }), fc.jsonValue({ maxDepth: 3 }), { maxKeys: 4 })
    .map((v) => c('random object', v)),
);

/** Hostile arrays for a field that takes an array. */
const hostileArrays = (schema: Schema): fc.Arbitrary<Case<unknown>> => {
  const item = schema.items ? sample(schema.items, 'item') : 'item';
  return fc.constantFrom(
    c(
      'one item too many',
      Array.from({ length: (schema.maxItems ?? 10_000) + 1 }, () => item),
    ),
    c('an item with NUL', [`${String(item)}\u0000`]),
    c('items of the wrong type', [1, true, null, {}]),
    c('operator items', [{ $gt: '' }]),
    c('nested arrays', [[[item]]]),
  );
};

/** Field values sent to every field whatever the dice say. */
const FIELD_EXAMPLES: Case<unknown>[] = [
  c('operator object', { $gt: '' }),
  c('NUL inside', 'Ada\u0000Lovelace'),
  c('100k ASCII', 'a'.repeat(HUGE)),
  c('number', 1e308),
];

const hostileStrings = (schema: Schema): fc.Arbitrary<Case<string>> =>
  fc.oneof(
    withNul,
    loneSurrogates,
    hugeStrings,
    sqlLooking,
    unicodeText,
    numericText,
    blankText,
    ...boundaryStrings(schema),
  );

// ---------------------------------------------------------------------------------------
// What is invalid by construction
// ---------------------------------------------------------------------------------------

function allowedTypes(schema: Schema): Set<string> {
  const types = new Set<string>();
  const variants = schema.anyOf ?? schema.oneOf;
  if (variants) for (const variant of variants) for (const t of allowedTypes(deref(variant))) types.add(t);
  if (schema.type) types.add(schema.type);
  if (schema.nullable) types.add('null');
  if (!variants && !schema.type)
    for (const t of ['null', 'boolean', 'number', 'string', 'array', 'object']) types.add(t);
  if (types.has('number')) types.add('integer');
  return types;
}

function jsonType(value: unknown): string {
  if (value === null) return 'null';
  if (Array.isArray(value)) return 'array';
  if (typeof value === 'number') return Number.isInteger(value) ? 'integer' : 'number';
  return typeof value;
}

/**
 * Passwords are hashed, never stored as text, so NUL is no storage hazard there: the
 * schema deliberately accepts any characters in them.
 */
const isSecret = (name: string) => /password/i.test(name);

/** Why `text` can never be a legal value of a text field, or undefined when it may be. */
function invalidText(text: string, schema: Schema, name: string): string | undefined {
  if (text.includes('\u0000') && !isSecret(name)) return 'contains NUL';
  const length = codePoints(text);
  if (length >= HUGE) return 'is huge';
  if (schema.maxLength !== undefined && length > schema.maxLength) return 'is too long';
  if (schema.minLength !== undefined && length < schema.minLength) return 'is too short';
  if (schema.enum && !schema.enum.includes(text)) return 'is not one of the allowed values';
  return undefined;
}

/** Why a JSON value can never be legal for the field, or undefined when it may be. */
function invalidJson(value: unknown, schema: Schema, name: string, required: boolean): string | undefined {
  if (value === ABSENT)
    return required && schema.default === undefined ? 'a required field is missing' : undefined;
  if (value instanceof RawJson) return value.invalid;
  const types = allowedTypes(schema);
  const type = jsonType(value);
  if (!types.has(type)) return `is ${type}, not ${[...types].join(' or ')}`;
  if (type === 'array' && schema.items) {
    const items = value as unknown[];
    if (schema.maxItems !== undefined && items.length > schema.maxItems) return 'has too many items';
    if (schema.minItems !== undefined && items.length < schema.minItems) return 'has too few items';
    for (const item of items) {
      const why = invalidJson(item, deref(schema.items), name, true);
      if (why) return `has an item that ${why}`;
    }
    return undefined;
  }
  if ((type === 'object' || type === 'array') && !schema.properties) return invalidFreeForm(value);
  if (typeof value === 'string') {
    const stringSchema =
      [schema, ...(schema.anyOf ?? [])].map(deref).find((s) => s.type === 'string') ?? schema;
    return invalidText(value, stringSchema, name);
  }
  if (typeof value === 'number') {
    if (schema.type === 'integer' && !Number.isInteger(value)) return 'is not an integer';
    if (schema.minimum !== undefined && value < schema.minimum) return 'is below the minimum';
    if (schema.maximum !== undefined && value > schema.maximum) return 'is above the maximum';
  }
  if (type === 'object' && schema.properties) return invalidObject(value as Record<string, unknown>, schema);
  return undefined;
}

/**
 * Free-form JSON (a post's `attributes`): the API refuses keys starting with "$" or holding
 * a ".", NUL anywhere, more than 10 levels (PostgreSQL's jsonb and MongoDB differ on these).
 * Only what is over any reading of those limits counts: 12 levels, 100k characters.
 */
function invalidFreeForm(value: unknown, depth = 1): string | undefined {
  if (depth === 1 && (JSON.stringify(value)?.length ?? 0) >= HUGE) return 'is huge';
  if (depth >= 12) return 'is nested deeper than 10 levels';
  if (typeof value === 'string') return value.includes('\u0000') ? 'contains NUL' : undefined;
  if (value === null || typeof value !== 'object') return undefined;
  const entries = Array.isArray(value) ? value.map((v) => ['', v] as const) : Object.entries(value);
  for (const [key, inner] of entries) {
    if (key.startsWith('$')) return `has the operator-like key "${key}"`;
    if (key.includes('.')) return `has the dotted key "${key}"`;
    if (key.includes('\u0000')) return 'has NUL in a key';
    const why = invalidFreeForm(inner, depth + 1);
    if (why) return why;
  }
  return undefined;
}

function invalidObject(body: Record<string, unknown>, schema: Schema): string | undefined {
  const properties = schema.properties ?? {};
  for (const key of Object.keys(body)) {
    if (!(key in properties) && schema.additionalProperties === false)
      return `has the unknown field "${key}"`;
  }
  for (const [key, property] of Object.entries(properties)) {
    const value = key in body ? body[key] : ABSENT;
    const why = invalidJson(value, deref(property), key, schema.required?.includes(key) ?? false);
    if (why) return `${key} ${why}`;
  }
  return undefined;
}

/** A user id (or any integer) in its one canonical spelling: decimal digits, no sign, no leading zero. */
const CANONICAL_INTEGER = /^(0|-?[1-9][0-9]*)$/;

function invalidParameterText(text: string | undefined, schema: Schema, name: string): string | undefined {
  if (schema.type === 'integer' || schema.type === 'number') {
    if (text === undefined || !CANONICAL_INTEGER.test(text)) return 'is not a canonical integer';
    const n = Number(text);
    if (!Number.isSafeInteger(n)) return 'is beyond 2^53';
    if (schema.minimum !== undefined && n < schema.minimum) return 'is below the minimum';
    if (schema.maximum !== undefined && n > schema.maximum) return 'is above the maximum';
    return undefined;
  }
  return text === undefined ? undefined : invalidText(text, schema, name);
}

// ---------------------------------------------------------------------------------------
// Query and path values
// ---------------------------------------------------------------------------------------

/** Percent-encodes any JS string; a lone surrogate goes as its (invalid) three UTF-8-style bytes. */
function percentEncode(text: string): string {
  let out = '';
  for (let i = 0; i < text.length; i++) {
    const unit = text.charCodeAt(i);
    const next = text.charCodeAt(i + 1);
    if (unit >= 0xd800 && unit <= 0xdbff && next >= 0xdc00 && next <= 0xdfff) {
      out += encodeURIComponent(text.slice(i, i + 2));
      i++;
    } else if (unit >= 0xd800 && unit <= 0xdfff) {
      out += [0xe0 | (unit >> 12), 0x80 | ((unit >> 6) & 0x3f), 0x80 | (unit & 0x3f)]
        .map((byte) => `%${byte.toString(16).toUpperCase()}`)
        .join('');
    } else {
      out += encodeURIComponent(text[i] as string);
    }
  }
  return out;
}

/** A value for one query or path parameter. `text` is what the server should decode it to, if anything. */
type ParamValue =
  | { kind: 'text'; text: string }
  | { kind: 'raw'; raw: string; text?: string }
  | { kind: 'repeated'; texts: string[] }
  | { kind: 'bracket'; suffix: string; text: string }
  | { kind: 'absent' };

const text = (t: string): ParamValue => ({ kind: 'text', text: t });
const raw = (r: string, t?: string): ParamValue => ({ kind: 'raw', raw: r, text: t });

const malformedEncodings = fc.constantFrom(
  c('bad escape', raw('%')),
  c('bad escape', raw('%zz')),
  c('encoded NUL', raw('%00', '\u0000')),
  c('overlong NUL', raw('%C0%80')),
  c('invalid UTF-8', raw('%FF%FE')),
  c('encoded lone surrogate', raw('%ED%A0%80')),
  c('encoded slash', raw('%2F', '/')),
  c('dot segment', raw('..')),
  c('dot segment', raw('.')),
  c('encoded dot segment', raw('%2e%2e', '..')),
);

const malformedIntegers = fc.oneof(
  fc.constantFrom(
    ...[
      '-1',
      '0',
      '1.5',
      '1e308',
      'NaN',
      'Infinity',
      '-0',
      'abc',
      '',
      'null',
      'true',
      '[1]',
      '{}',
      '1,2',
    ].map((t) => c('malformed integer', text(t))),
    c('beyond 2^53', text('99999999999999999999')),
    c('2^53', text('9007199254740992')),
    c('SQL', text("1' OR '1'='1")),
    c('SQL', text('1; DROP TABLE users')),
    c('NUL after digits', text('1\u0000')),
  ),
  fc.bigInt({ min: 2n ** 53n, max: 10n ** 30n }).map((n) => c('huge integer', text(String(n)))),
  fc.integer({ max: 0 }).map((n) => c('non-positive integer', text(String(n)))),
);

function hostileParameter(param: Parameter): fc.Arbitrary<Case<ParamValue>> {
  const schema = param.schema;
  const asText = (arb: fc.Arbitrary<Case<unknown>>) =>
    arb.map((cs) =>
      typeof cs.value === 'string'
        ? c(cs.label, text(cs.value))
        : c(cs.label, text(JSON.stringify(cs.value) ?? '')),
    );
  const shapes: fc.Arbitrary<Case<ParamValue>>[] = [
    malformedEncodings,
    fc
      .constantFrom('$gt', '$ne', '$where', '__proto__', '')
      .map((op) => c('operator object', { kind: 'bracket', suffix: `[${op}]`, text: '' } as ParamValue)),
  ];
  if (param.in === 'query') {
    shapes.push(
      fc.constant(c('absent', { kind: 'absent' } as ParamValue)),
      fc
        .array(fc.string({ maxLength: 5 }), { minLength: 2, maxLength: 3 })
        .map((texts) => c('repeated parameter', { kind: 'repeated', texts } as ParamValue)),
    );
  }
  if (schema.type === 'integer' || schema.type === 'number') shapes.push(malformedIntegers);
  shapes.push(
    hostileStrings(schema).map((cs) => c(cs.label, text(cs.value))),
    asText(wrongTypeValues.filter((cs) => !(cs.value instanceof RawJson))),
  );
  return fc.oneof(...shapes);
}

/** Parameter values sent to every parameter whatever the dice say. */
const PARAM_EXAMPLES: Case<ParamValue>[] = [
  c('operator object', { kind: 'bracket', suffix: '[$gt]', text: '' }),
  c('encoded NUL', raw('%00', '\u0000')),
  c('beyond 2^53', text('99999999999999999999')),
  c('100k ASCII', text('a'.repeat(HUGE))),
];

function invalidParameter(value: ParamValue, param: Parameter): string | undefined {
  const schema = param.schema;
  switch (value.kind) {
    case 'absent':
      return param.required && schema.default === undefined ? 'a required parameter is missing' : undefined;
    case 'repeated':
      return schema.type === 'array' ? undefined : 'is given more than once';
    case 'bracket':
      return 'is an operator object (an unknown parameter)';
    case 'text':
      return invalidParameterText(value.text, schema, param.name);
    case 'raw':
      if (param.in === 'path' && (value.text === '..' || value.raw === '.' || value.raw === '..')) {
        return 'is a dot segment';
      }
      if (param.in === 'path' && value.text === '/') return 'contains a slash';
      return invalidParameterText(value.text, schema, param.name);
  }
}

function encodeParameter(name: string, value: ParamValue): string[] {
  const key = encodeURIComponent(name);
  switch (value.kind) {
    case 'absent':
      return [];
    case 'text':
      return [`${key}=${percentEncode(value.text)}`];
    case 'raw':
      return [`${key}=${value.raw}`];
    case 'repeated':
      return value.texts.map((t) => `${key}=${percentEncode(t)}`);
    case 'bracket':
      return [`${key}${value.suffix}=${percentEncode(value.text)}`];
  }
}

function pathSegment(value: ParamValue): string {
  switch (value.kind) {
    case 'text':
      return percentEncode(value.text);
    case 'raw':
      return value.raw;
    case 'bracket':
      return `${value.suffix}`;
    case 'repeated':
      return value.texts.map(percentEncode).join(',');
    case 'absent':
      return '';
  }
}

/** Fastify's default maxParamLength: a longer path parameter is refused by the router. */
const MAX_PARAM_LENGTH = 100;

/** A path segment the router refuses before any route sees it: undecodable, or too long. */
function breaksRouter(value: ParamValue): boolean {
  const segment = pathSegment(value);
  if (segment.length > MAX_PARAM_LENGTH) return true;
  try {
    decodeURIComponent(segment);
    return false;
  } catch {
    return true;
  }
}

const routerBreakers: fc.Arbitrary<Case<ParamValue>> = fc.oneof(
  fc.constantFrom(
    c('bad escape', raw('%')),
    c('bad escape', raw('%zz')),
    c('bad escape', raw('1%')),
    c('overlong NUL', raw('%C0%80')),
    c('invalid UTF-8', raw('%FF%FE')),
    c('encoded lone surrogate', raw('%ED%A0%80')),
    c('lone surrogate', text('\ud800')),
    c('maxParamLength + 1', text('1'.repeat(MAX_PARAM_LENGTH + 1))),
    c('100k digits', text('1'.repeat(HUGE))),
  ),
  fc.string({ minLength: MAX_PARAM_LENGTH + 1, maxLength: 300 }).map((t) => c('over-long text', text(t))),
);

// ---------------------------------------------------------------------------------------
// People, sessions and valid baseline requests
// ---------------------------------------------------------------------------------------

let caller: TestUser;
let other: TestUser;
/** A token whose session was ended: it must never work again. */
let endedToken: string;
/** The highest user id the test knows of; the ids just above it must stay free. */
let newestId = 0;
let baseline: ApiSnapshot;
/** False while a request is between its answer and the snapshot after it (e.g. it threw). */
let baselineFresh = false;

const RUN = Math.random().toString(36).slice(2, 6);
let requestCounter = 0;
/** A marker unique to one request (lower-case, a valid handle), to find anything it created. */
const nextMarker = () => `fz${RUN}${requestCounter++}q`;

/** A user id in a path: `{id}` or `{..._id}` typed integer. Other integers (a seat number) are not. */
const USER_ID_NAME = /(^|_)id$/;
const isUserIdParam = (param: Parameter) =>
  param.in === 'path' && param.schema.type === 'integer' && USER_ID_NAME.test(param.name);

/**
 * Real ids for opaque path parameters, so that fuzzing reaches past "404 not found": the id of
 * a resource the caller created through the collection's own POST route, keyed by the
 * collection's path template (`/api/v1/posts` for `/api/v1/posts/{id}`, and for `{product_id}`
 * also `/api/v1/products`).
 */
const resourceIds = new Map<string, string>();

function collectionsOf(path: string, name: string): string[] {
  const prefix = path.slice(0, path.indexOf(`/{${name}}`));
  const owner = /^(.+)_id$/.exec(name)?.[1];
  return owner ? [prefix, `/api/v1/${owner}s`] : [prefix];
}

function resourceIdFor(op: Operation, param: Parameter): string | undefined {
  for (const collection of collectionsOf(op.path, param.name)) {
    const id = resourceIds.get(collection);
    if (id) return id;
  }
  return undefined;
}

/** The type of path parameter `name` in any route under `template`. */
function pathParamType(template: string, name: string): string | undefined {
  const upTo = template.slice(0, template.indexOf(`{${name}}`) + name.length + 2);
  for (const op of operations) {
    if (!op.path.startsWith(upTo)) continue;
    const param = op.pathParams.find((p) => p.name === name);
    if (param) return param.schema.type;
  }
  return undefined;
}

/** A path template filled in: user ids with `userId`, opaque ids with resources made; undefined if one is missing. */
function resolvePath(template: string, userId: number): string | undefined {
  let url = template;
  for (const [, name = ''] of template.matchAll(/\{([^}]+)\}/g)) {
    const upTo = template.slice(0, template.indexOf(`{${name}}`) + name.length + 2);
    let value: string | undefined;
    if (pathParamType(template, name) === 'integer') value = USER_ID_NAME.test(name) ? String(userId) : '1';
    else for (const collection of collectionsOf(upTo, name)) value ??= resourceIds.get(collection);
    if (value === undefined) return undefined;
    url = url.replace(`{${name}}`, value);
  }
  return url;
}

/** Makes (again, if one was deleted) the resources whose ids the fuzz uses; true if any was made. */
async function ensureResources(): Promise<boolean> {
  let made = false;
  const collections = [
    ...new Set(
      operations.flatMap((op) =>
        op.pathParams
          .filter((p) => p.schema.type !== 'integer')
          .flatMap((p) => collectionsOf(op.path, p.name)),
      ),
    ),
  ].sort((a, b) => a.split('{').length - b.split('{').length);
  for (const collection of collections) {
    const create = operations.find((op) => op.key === `POST ${collection}`);
    const url = resolvePath(collection, other.id);
    if (!create || !url) continue;
    const existing = resourceIds.get(collection);
    if (existing) {
      const read = operations.find(
        (op) =>
          op.method === 'GET' &&
          op.path.startsWith(`${collection}/{`) &&
          !op.path.slice(collection.length + 2).includes('/'),
      );
      if (!read) continue;
      const answer = await app.inject({
        method: 'GET',
        url: `${url}/${existing}`,
        headers: auth(caller.token),
      });
      if (answer.statusCode !== 404) continue;
    }
    const body = baselineBody(create, nextMarker());
    const answer = await app.inject({
      method: 'POST',
      url,
      headers: auth(caller.token),
      ...(body ? { payload: body } : {}),
    });
    const id = answer.statusCode < 300 ? (answer.json() as { id?: unknown }).id : undefined;
    if (typeof id === 'string') {
      resourceIds.set(collection, id);
      made = true;
    }
  }
  return made;
}

/**
 * The reads a snapshot is made of: every GET route whose query parameters all have defaults
 * and whose path parameters are user ids (read for both users) or ids of the resources made
 * above, so that new stores are covered as their routes appear; and the ids just above the
 * newest known user, which must stay free.
 */
const readableRoutes = operations.filter(
  (op) =>
    op.method === 'GET' &&
    // API metrics describe the requests themselves: every request, refused or not, changes them.
    !op.path.startsWith('/api/v1/metrics/') &&
    op.queryParams.every((p) => !p.required || p.schema.default !== undefined),
);

function readers(): Reader[] {
  const people = [
    { as: 'caller', user: caller },
    { as: 'other', user: other },
  ];
  const out: Reader[] = [];
  for (const op of readableRoutes) {
    if (op.pathParams.length === 0) {
      // A route that needs a session shows the caller's own data: read it as each user.
      for (const { as, user } of op.secured ? people : people.slice(0, 1))
        out.push({ url: op.path, token: user.token, as });
      continue;
    }
    const urls = new Set(people.map(({ user }) => resolvePath(op.path, user.id)));
    for (const url of urls) if (url) out.push({ url, token: caller.token, as: 'caller' });
  }
  for (let id = newestId + 1; id <= newestId + 3; id++)
    out.push({ url: `/api/v1/users/${id}`, statusOnly: true });
  return out;
}

/** Reads whose answers differ even when nothing happens in between (none expected, but then they cannot be compared). */
let unstable = new Set<string>();
// Views accepted earlier wait in the recorder's buffer and are written on its timer: written
// first, so that a timer flush between two snapshots cannot look like a change a request made.
const snapshot = async () => {
  await analytics.flush();
  return readThroughApi(app, readers(), unstable);
};

/** Valid values for the fields of the routes that exist today; other routes get values derived from their schema. */
interface Hint {
  body?: (marker: string) => Record<string, unknown>;
  path?: Record<string, () => string>;
  query?: Record<string, () => string>;
  /** Keeps the test's knowledge in step after an accepted request. */
  onSuccess?: (sentBody: unknown) => void;
}

const PASSWORD = 'a long enough password';

const HINTS: Record<string, Hint> = {
  'POST /api/v1/accounts': {
    body: (m) => ({
      email: `${m}@example.com`,
      password: PASSWORD,
      name: `Fuzz ${m}`,
      birthdate: '1990-05-17',
      handle: m,
    }),
  },
  'POST /api/v1/sessions': { body: () => ({ email: caller.email, password: caller.password }) },
  'PATCH /api/v1/me': {
    body: (m) => ({ name: `Fuzz ${m}`, bio: `bio of ${m}`, avatar_url: `https://example.com/${m}.png` }),
  },
  'PUT /api/v1/me/password': {
    body: () => ({ current_password: caller.password, new_password: caller.password }),
    onSuccess: (sent) => {
      const next = (sent as { new_password?: unknown } | undefined)?.new_password;
      if (typeof next === 'string') caller.password = next;
    },
  },
  'GET /api/v1/users/{id}': { path: { id: () => String(other.id) } },
  'GET /api/v1/users': { query: { q: () => 'fuzz', limit: () => '20' } },
};

/** A plausible valid value from a schema, for routes without a hint. */
function sample(schema: Schema, marker: string): unknown {
  const s = deref(schema);
  if (s.default !== undefined) return s.default;
  if (s.enum?.length) return s.enum[0];
  const variant = s.anyOf?.[0] ?? s.oneOf?.[0];
  if (variant) return sample(variant, marker);
  switch (s.type) {
    case 'string':
      if (s.format === 'email') return `${marker}@example.com`;
      if (s.format === 'date') return '1990-05-17';
      if (s.format === 'date-time') return '2020-01-01T00:00:00.000Z';
      if (s.format === 'uri') return `https://example.com/${marker}`;
      if (s.format === 'uuid') return '01900000-0000-7000-8000-000000000000';
      if (typeof s.example === 'string') return s.example;
      return `${marker}${'x'.repeat(Math.max(0, (s.minLength ?? 0) - marker.length))}`.slice(
        0,
        s.maxLength ?? 100,
      );
    case 'integer':
    case 'number':
      return s.minimum !== undefined && s.minimum > 1 ? s.minimum : 1;
    case 'boolean':
      return true;
    case 'array':
      return [];
    case 'object':
      return Object.fromEntries(Object.entries(s.properties ?? {}).map(([k, v]) => [k, sample(v, marker)]));
    default:
      return marker;
  }
}

function baselineBody(op: Operation, marker: string): Record<string, unknown> | undefined {
  if (!op.body) return undefined;
  const hinted = HINTS[op.key]?.body;
  return hinted ? hinted(marker) : (sample(op.body, marker) as Record<string, unknown>);
}

/** The baseline text of a parameter; undefined leaves an optional query parameter out. */
function baselineParam(op: Operation, param: Parameter, marker: string): string | undefined {
  const hint = HINTS[op.key]?.[param.in === 'path' ? 'path' : 'query']?.[param.name];
  if (hint) return hint();
  // An optional parameter (a cursor) is better left out than guessed.
  if (param.in === 'query' && !param.required) return undefined;
  // A user id in a path: the other user's is a real one. An opaque id: a resource made above.
  if (isUserIdParam(param)) return String(other.id);
  if (param.in === 'path') return resourceIdFor(op, param) ?? String(sample(param.schema, marker));
  return String(sample(param.schema, marker));
}

// ---------------------------------------------------------------------------------------
// Sending a request and judging the answer
// ---------------------------------------------------------------------------------------

type Who =
  | { kind: 'anonymous' }
  | { kind: 'caller' }
  | { kind: 'forged'; label: string; header: (token: string) => string };

const BASE64URL = [...'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_'];

/** Node refuses to send (and its parser to receive) some header bytes: NUL, CR, LF, chars above U+00FF. */
function sendableHeader(value: string): boolean {
  try {
    http.validateHeaderValue('authorization', value);
    return true;
  } catch {
    return false;
  }
}

const forged = (label: string, header: (token: string) => string): Who => ({ kind: 'forged', label, header });

// Values a client cannot put on the wire (a token with "\u0000", "\r\n" smuggling another header,
// characters above U+00FF) are not sent through app.inject, which would bypass the HTTP parser
// that refuses them; the "HTTP layer" test below sends such bytes over a real socket instead.
// Leading and trailing spaces are dropped as the HTTP parser drops them (RFC 9110 OWS), so
// "Bearer <valid token> " would arrive as the valid token: those are not forged values.
const forgedConstants: Who[] = [
  forged('truncated token', (t) => `Bearer ${t.slice(0, -1)}`),
  forged('token + 1 char', (t) => `Bearer ${t}A`),
  forged('last char changed', (t) => `Bearer ${t.slice(0, -1)}${t.endsWith('A') ? 'B' : 'A'}`),
  forged('ended session', () => `Bearer ${endedToken}`),
  forged('"Bearer" alone', () => 'Bearer'),
  forged('two spaces', (t) => `Bearer  ${t}`),
  forged('no scheme', (t) => t),
  forged('token twice', (t) => `Bearer ${t} ${t}`),
  forged('comma list', (t) => `Bearer ${t}, Bearer ${t}`),
  forged('Basic garbage', () => 'Basic xyz'),
  forged(
    'Basic with the real password',
    () => `Basic ${Buffer.from(`${caller.email}:${caller.password}`).toString('base64')}`,
  ),
  forged('the stored hash of the token', (t) => `Bearer ${createHash('sha256').update(t).digest('hex')}`),
  forged('the token in base64', (t) => `Bearer ${Buffer.from(t).toString('base64')}`),
  forged('100k token', () => `Bearer ${'A'.repeat(HUGE)}`),
  forged('latin-1 char', (t) => `Bearer ${t.slice(0, -1)}é`),
  forged('user id as token', () => `Bearer ${caller.id}`),
  forged('operator as token', () => 'Bearer {"$gt":""}'),
  forged('token + NUL (not sendable)', (t) => `Bearer ${t}\u0000`),
  forged('header smuggling (not sendable)', (t) => `Bearer ${t}\r\nX-Admin: 1`),
];

const forgedHeaders: fc.Arbitrary<Case<Who>> = fc
  .oneof(
    fc.constantFrom(...forgedConstants),
    fc
      .string({ unit: fc.constantFrom(...BASE64URL), minLength: 43, maxLength: 43 })
      .map((s) => forged('random 43-char base64url', () => `Bearer ${s}`)),
    fc.string({ maxLength: 60 }).map((s) => forged('random text', () => s)),
    fc
      .string({ unit: 'binary', maxLength: 60 })
      .map((s) => forged('random code points', () => `Bearer ${s}`)),
  )
  .map((who) => c(who.kind === 'forged' ? who.label : who.kind, who));

/** Always sent: the forgeries the requirement names. */
const AUTH_EXAMPLES: Case<Who>[] = [
  ...forgedConstants.filter(
    (who) => who.kind === 'forged' && /^(truncated token|ended session|Basic garbage)/.test(who.label),
  ),
  forged('random 43-char base64url', () => `Bearer ${randomBytes(32).toString('base64url')}`),
].map((who) => c(who.kind === 'forged' ? who.label : who.kind, who));

const anonymous = c<Who>('anonymous', { kind: 'anonymous' });
const asCaller = c<Who>('caller', { kind: 'caller' });

/** Mostly the caller (so the hostile value reaches validation and the stores), sometimes not signed in. */
const whoever: fc.Arbitrary<Case<Who>> = fc.oneof(
  { weight: 4, arbitrary: fc.constant(asCaller) },
  { weight: 1, arbitrary: fc.constant(anonymous) },
  { weight: 1, arbitrary: forgedHeaders },
);

interface Outgoing {
  op: Operation;
  who: Who;
  path?: Record<string, ParamValue>;
  query?: Record<string, ParamValue>;
  /** A JSON body to serialise (RawJson values are spliced in), or a raw payload. */
  json?: Record<string, unknown> | RawJson;
  payload?: string | Buffer;
  contentType?: string;
  /** Why the request can never be legal; undefined when it may be. */
  invalid?: string;
  /** An exact status the request must get, when one is fixed (413 for an oversized body). */
  status?: number;
  /** The marker in the request's baseline values, to find anything it created. */
  marker: string;
  /** An account the request would create if it were accepted, to check it was not. */
  wouldCreate?: { email: string; password: string };
  describe: string;
}

function serialise(json: Record<string, unknown> | RawJson): string {
  if (json instanceof RawJson) return json.text;
  const spliced: string[] = [];
  const text = JSON.stringify(json, (_key, value) => {
    if (value instanceof RawJson) {
      spliced.push(value.text);
      return `\u0001RAW${spliced.length - 1}\u0001`;
    }
    return value === ABSENT ? undefined : value;
  });
  return text.replace(/"\\u0001RAW(\d+)\\u0001"/g, (_m, i: string) => spliced[Number(i)] as string);
}

function urlOf(out: Outgoing): string {
  const { op } = out;
  let url = op.path;
  for (const param of op.pathParams) {
    const value = out.path?.[param.name] ?? text(baselineParam(op, param, out.marker) ?? '');
    url = url.replace(`{${param.name}}`, pathSegment(value));
  }
  const query = op.queryParams.flatMap((param) => {
    const base = baselineParam(op, param, out.marker);
    const fallback: ParamValue = base === undefined ? { kind: 'absent' } : text(base);
    return encodeParameter(param.name, out.query?.[param.name] ?? fallback);
  });
  return query.length ? `${url}?${query.join('&')}` : url;
}

function authorizationOf(who: Who): string | undefined {
  if (who.kind === 'anonymous') return undefined;
  if (who.kind === 'caller') return `Bearer ${caller.token}`;
  return who.header(caller.token).replace(/^[ \t]+|[ \t]+$/g, '');
}

/** The stack-trace and file-path patterns that must never reach a client. */
const LEAKS = [/\n\s+at /, / {4}at /, /\/src\//, /node_modules/, /\.ts:\d+/, /file:\/\//];

function expectErrorShape(
  status: number,
  contentType: string | undefined,
  body: string,
  where: string,
): void {
  expect(contentType ?? '', `content type of a ${status}: ${where}`).toMatch(/^application\/json/);
  let parsed: unknown;
  expect(() => {
    parsed = JSON.parse(body);
  }, `error body is not JSON: ${where}`).not.toThrow();
  expect(parsed, `error shape: ${where}`).toEqual({
    error: expect.objectContaining({ code: expect.any(String), message: expect.any(String) }),
  });
  const error = (parsed as { error: Record<string, unknown> }).error;
  expect(
    Object.keys(error).filter((k) => !['code', 'message', 'details'].includes(k)),
    `error keys: ${where}`,
  ).toEqual([]);
  expect((error.code as string).length, `empty error code: ${where}`).toBeGreaterThan(0);
  if ('details' in error) {
    expect(
      typeof error.details === 'object' && error.details !== null && !Array.isArray(error.details),
      `details must be an object: ${where}`,
    ).toBe(true);
  }
  for (const leak of LEAKS) expect(body, `error body leaks ${leak}: ${where}`).not.toMatch(leak);
}

/** Signs the caller in again if its session has ended (an accepted sign-out); true if it had. */
async function refreshCallerSession(): Promise<boolean> {
  const me = await app.inject({ method: 'GET', url: '/api/v1/me', headers: auth(caller.token) });
  if (me.statusCode === 200) return false;
  const login = await logInStatus(app, caller.email, caller.password);
  expect(login.status, 'the caller can sign in again after an accepted request ended its session').toBe(201);
  caller.token = login.token as string;
  return true;
}

let requestsSent = 0;
/** How many answers of each status came to requests invalid by construction, and to possibly legal ones. */
const tally: Record<string, number> = {};

/** Sends one request and checks everything the requirement asks of its answer. */
async function send(out: Outgoing): Promise<void> {
  const { op, who } = out;
  const authorization = authorizationOf(who);
  if (authorization !== undefined && !sendableHeader(authorization)) return; // see forgedHeaders
  const headers: Record<string, string> = {};
  if (authorization !== undefined) headers.authorization = authorization;
  let payload: string | Buffer | undefined = out.payload;
  if (out.json !== undefined) payload = serialise(out.json);
  if (out.contentType !== undefined) headers['content-type'] = out.contentType;
  else if (out.json !== undefined) headers['content-type'] = 'application/json';

  const url = urlOf(out);
  const prototypeKeys = Object.getOwnPropertyNames(Object.prototype).length;
  const response = await app.inject({ method: op.method as 'GET', url, headers, payload });
  requestsSent++;
  const status = response.statusCode;
  const tallyKey = `${out.invalid || (op.secured && who.kind !== 'caller') ? 'invalid' : 'maybe legal'} -> ${status}`;
  tally[tallyKey] = (tally[tallyKey] ?? 0) + 1;
  const where = [
    `${op.method} ${url.length > 200 ? `${url.slice(0, 200)}…` : url}`,
    `  ${out.describe}`,
    `  as ${who.kind === 'forged' ? `forged (${who.label})` : who.kind}`,
    `  body ${payload === undefined ? '(none)' : preview(payload.toString(), 200)}`,
    `  -> ${status} ${response.body.slice(0, 300)}`,
  ].join('\n');

  // Bookkeeping first, so that one failure does not make every later run fail too.
  // A read is compared around its whole property run instead (see `property`).
  const perRequest = op.method !== 'GET';
  const before = baseline;
  baselineFresh = false;
  let after = perRequest ? await snapshot() : before;
  baseline = after;
  if (perRequest && status < 400) {
    const newestBefore = newestId;
    const id = (() => {
      try {
        return (JSON.parse(response.body) as { id?: unknown }).id;
      } catch {
        return undefined;
      }
    })();
    if (typeof id === 'number' && Number.isSafeInteger(id)) newestId = Math.max(newestId, id);
    HINTS[op.key]?.onSuccess?.(out.json);
    // An accepted sign-out ends the caller's session: sign in again, and read again.
    const renewed = await refreshCallerSession();
    if (renewed || newestId !== newestBefore) {
      after = await snapshot();
      baseline = after;
    }
  }
  baselineFresh = true;

  expect(status, `a 5xx: ${where}`).toBeLessThan(500);
  if (status >= 400)
    expectErrorShape(status, response.headers['content-type'] as string, response.body, where);
  if (op.secured && who.kind !== 'caller') {
    // 401 comes before 400; only a URL the router cannot even match is refused before that.
    // (429: a rate limit may answer first.)
    if (out.path) expect([400, 401, 404, 414, 429], `no session: ${where}`).toContain(status);
    else expect([401, 429], `no session must be 401: ${where}`).toContain(status);
  } else {
    if (out.status !== undefined)
      expect([out.status, 429], `expected ${out.status}: ${where}`).toContain(status);
    if (out.invalid)
      expect(status, `accepted although it ${out.invalid}: ${where}`).toBeGreaterThanOrEqual(400);
  }
  expect(
    Object.getOwnPropertyNames(Object.prototype),
    `Object.prototype was polluted: ${where}`,
  ).toHaveLength(prototypeKeys);
  if (status >= 400) {
    if (perRequest) expect(after, `stored data changed on a ${status}: ${where}`).toEqual(before);
    if (payload !== undefined) {
      expect(await peopleMarked(app, out.marker), `an account appeared on a ${status}: ${where}`).toEqual([]);
    }
    if (out.wouldCreate) {
      const login = await logInStatus(app, out.wouldCreate.email, out.wouldCreate.password);
      expect(login.status, `the refused sign-up can sign in: ${where}`).toBe(401);
    }
  }
}

/** The account a sign-up-like baseline body would create (a fresh email carrying the marker). */
function wouldCreate(body: Record<string, unknown> | undefined, marker: string, hostileField?: string) {
  if (!body || typeof body.email !== 'string' || typeof body.password !== 'string') return undefined;
  if (!body.email.includes(marker) || hostileField === 'email' || hostileField === 'password')
    return undefined;
  return { email: body.email, password: body.password };
}

// ---------------------------------------------------------------------------------------
// Whole-body hostile values
// ---------------------------------------------------------------------------------------

interface BodyCase {
  json?: Record<string, unknown> | RawJson;
  payload?: string | Buffer;
  /** The Content-Type header: application/json unless given; null sends none. */
  contentType?: string | null;
  /** Invalid for any route that takes a JSON object body. */
  invalid: string | undefined;
  status?: number;
}

const OVER_ONE_MIB = 1_048_576 + 1024;

type Make = (base: Record<string, unknown>) => BodyCase;

/** Whole-body cases sent to every route whatever the dice say. */
const BODY_EXAMPLE_LABELS = new Set([
  'body over 1 MiB (a long field)',
  '10,000-deep array',
  'non-object JSON "text"',
  'invalid JSON "{"',
  'content type text/plain',
]);

function bodyCases(op: Operation): { arbitrary: fc.Arbitrary<Case<Make>>; examples: Case<Make>[] } {
  const bad = (label: string, make: Make) => c(label, make);
  const nonObject = (t: string) =>
    bad(`non-object JSON ${t}`, () => ({ payload: t, invalid: 'is not an object' }));
  const invalidJsonText = (t: string) =>
    bad(`invalid JSON ${preview(t, 30)}`, () => ({ payload: t, invalid: 'is not valid JSON' }));
  const firstProperty = Object.keys(op.body?.properties ?? {})[0] ?? 'a';
  /** Why a JSON object body can never be legal for this route, if it cannot. */
  const judged = (json: Record<string, unknown>) => (op.body ? invalidObject(json, op.body) : undefined);
  const wrongType = (
    label: string,
    contentType: string | null,
    payload: (b: Record<string, unknown>) => string | Buffer,
  ) =>
    bad(`content type ${label}`, (b) => ({
      payload: payload(b),
      contentType,
      invalid: 'is not sent as application/json',
    }));

  const constants: Case<Make>[] = [
    ...['"text"', '123', '1e308', 'true', 'false', 'null', '[]', '[{}]', '""'].map(nonObject),
    bad('the valid body inside an array', (b) => ({
      payload: `[${JSON.stringify(b)}]`,
      invalid: 'is an array',
    })),
    bad('10,000-deep array', () => ({ payload: deepArray(10_000), invalid: 'is an array' })),
    bad('100,000-deep array', () => ({ payload: deepArray(100_000), invalid: 'is an array' })),
    bad('10,000-deep object', () => ({ payload: deepObject(10_000), invalid: 'is nested 10,000 deep' })),
    bad('10,000-deep value in the first field', (b) => ({
      json: { ...b, [firstProperty]: new RawJson(deepArray(10_000)) },
      invalid: 'is nested 10,000 deep',
    })),
    bad('every field an operator object', (b) => {
      const json = Object.fromEntries([...Object.keys(b), firstProperty].map((k) => [k, { $ne: null }]));
      return { json, invalid: judged(json) };
    }),
    bad('an operator object as the body', () => ({ json: { $gt: '' }, invalid: judged({ $gt: '' }) })),
    bad('duplicate key, the operator last', (b) => ({
      payload: `${JSON.stringify(b).slice(0, -1)},"${firstProperty}":{"$gt":""}}`,
      invalid: 'ends with an operator object for a field',
    })),
    ...['$where', '$gt', 'isAdmin', 'id', 'user_id', 'password_hash', 'created_at', '', 'a.b'].map((key) =>
      bad(`unknown field "${key}"`, (b) => {
        const json = { ...b, [key]: key === '$where' ? '1' : true };
        return { json, invalid: judged(json) };
      }),
    ),
    bad('body over 1 MiB (a long field)', (b) => ({
      json: { ...b, [firstProperty]: 'x'.repeat(OVER_ONE_MIB) },
      invalid: 'is over 1 MiB',
      status: 413,
    })),
    bad('body over 1 MiB (garbage)', () => ({
      payload: '['.repeat(OVER_ONE_MIB),
      invalid: 'is over 1 MiB',
      status: 413,
    })),
    ...[
      '',
      '{',
      '{"a":',
      "{'a':1}",
      '{"a":1,}',
      'undefined',
      'NaN',
      '{"a":1}{"b":2}',
      '{"a": 01}',
      '\u0000',
      '{"__proto__":{"polluted":1}}',
      '{"constructor":{"prototype":{"polluted":1}}}',
    ].map(invalidJsonText),
    bad('raw control character in a string', (b) => {
      const json = JSON.stringify(b);
      return {
        payload: json.startsWith('{"') ? `{"\u0001${json.slice(2)}` : '{"\u0001":1}',
        invalid: 'has a raw control character in a string',
      };
    }),
    wrongType('text/plain', 'text/plain', (b) => JSON.stringify(b)),
    wrongType('form', 'application/x-www-form-urlencoded', (b) =>
      new URLSearchParams(Object.entries(b).map(([k, v]) => [k, String(v)])).toString(),
    ),
    wrongType(
      'multipart',
      'multipart/form-data; boundary=x',
      () => '--x\r\nContent-Disposition: form-data; name="a"\r\n\r\n1\r\n--x--',
    ),
    wrongType('xml', 'application/xml', () => '<a>1</a>'),
    wrongType('json-patch', 'application/json-patch+json', (b) => JSON.stringify(b)),
    wrongType('missing', null, (b) => JSON.stringify(b)),
    wrongType('json but UTF-16', 'application/json; charset=utf-16', (b) =>
      Buffer.from(JSON.stringify(b), 'utf16le'),
    ),
  ];
  const arbitrary = fc.oneof(
    fc.constantFrom(...constants),
    fc
      .jsonValue({ maxDepth: 3 })
      .filter((v) => v === null || typeof v !== 'object' || Array.isArray(v))
      .map((v) =>
        bad('random non-object JSON', () => ({ payload: JSON.stringify(v), invalid: 'is not an object' })),
      ),
    fc.dictionary(fc.string({ maxLength: 10 }), fc.jsonValue({ maxDepth: 2 }), { maxKeys: 4 }).map((v) =>
      bad('random object', () => ({
        payload: JSON.stringify(v),
        invalid: op.body ? invalidObject(v as Record<string, unknown>, op.body) : undefined,
      })),
    ),
    fc.nat().map((n) =>
      bad('truncated JSON', (b) => {
        const full = JSON.stringify(b);
        return { payload: full.slice(0, n % full.length), invalid: 'is cut short' };
      }),
    ),
    fc
      .uint8Array({ minLength: 1, maxLength: 64 })
      .map((bytes) =>
        bad('random bytes', () => ({ payload: Buffer.from(bytes), invalid: 'is random bytes' })),
      ),
  );
  const examples = constants.filter((cs) => BODY_EXAMPLE_LABELS.has(cs.label));
  expect(examples.length, 'every whole-body example names a case').toBe(BODY_EXAMPLE_LABELS.size);
  return { arbitrary, examples };
}

// ---------------------------------------------------------------------------------------
// The properties
// ---------------------------------------------------------------------------------------

async function passwordsStillWork(): Promise<void> {
  for (const user of [caller, other]) {
    const login = await logInStatus(app, user.email, user.password);
    expect(login.status, `user ${user.id} can still sign in with the password the test knows`).toBe(201);
  }
}

beforeAll(async () => {
  caller = await signUp(app, { name: 'Fuzz Caller' });
  other = await signUp(app, { name: 'Fuzz Other' });
  newestId = Math.max(caller.id, other.id);
  const ended = await logInStatus(app, caller.email, caller.password);
  endedToken = ended.token as string;
  const signOut = await app.inject({
    method: 'DELETE',
    url: '/api/v1/sessions/current',
    headers: auth(endedToken),
  });
  expect(signOut.statusCode).toBe(204);
  // The other user follows the caller. Only the caller is ever fuzzed, so this edge must outlive every request.
  if (operations.some((op) => op.key === 'PUT /api/v1/users/{id}/follow')) {
    const follow = await app.inject({
      method: 'PUT',
      url: `/api/v1/users/${caller.id}/follow`,
      headers: auth(other.token),
    });
    expect(follow.statusCode, follow.body).toBe(204);
  }
  await ensureResources();
  console.log(
    `fuzz: real ids for ${[...resourceIds.keys()].join(', ') || 'no collection'}; other opaque ids are made up`,
  );
  unstable = unstableKeys(await snapshot(), await snapshot());
  if (unstable.size)
    console.log(`fuzz: not comparing reads whose answers change by themselves: ${[...unstable].join(', ')}`);
  expect(Object.keys(await snapshot()).length).toBeGreaterThan(4);
});

beforeEach(async () => {
  const renewed = await refreshCallerSession();
  if (renewed || !baselineFresh) {
    baseline = await snapshot();
    baselineFresh = true;
  }
});

describe('the routes under fuzz', () => {
  it('are read from the OpenAPI document, and include every route this test has valid values for', () => {
    const keys = operations.map((op) => op.key);
    for (const hinted of Object.keys(HINTS))
      expect(keys, `hinted route ${hinted} is not served`).toContain(hinted);
    expect(keys).toEqual(
      expect.arrayContaining([
        'DELETE /api/v1/sessions/current',
        'DELETE /api/v1/sessions',
        'GET /api/v1/me',
      ]),
    );
  });
});

for (const op of operations) {
  describe(op.key, () => {
    // A resource deleted by an accepted request before is made again, so fuzzing reaches past 404.
    beforeAll(async () => {
      if (await ensureResources()) baselineFresh = false;
    });

    /**
     * One property: for a write, `send` compares the stored data around every request (an
     * accepted one may change it); a read never may, so around the whole run is enough.
     */
    const property = (name: string, run: () => Promise<void>) =>
      it(
        name,
        async () => {
          const before = op.method === 'GET' ? await snapshot() : undefined;
          await run();
          if (before) {
            expect(await snapshot(), `stored data changed while ${op.key} was fuzzed`).toEqual(before);
          }
        },
        FUZZ_TIMEOUT_MS,
      );

    const bodyProperties = Object.entries(op.body?.properties ?? {});

    for (const [field, rawSchema] of bodyProperties) {
      const schema = deref(rawSchema);
      const required = op.body?.required?.includes(field) ?? false;
      property(`body.${field}: a hostile value gets a 4xx and changes nothing, or is legal`, async () => {
        const types = allowedTypes(schema);
        const values = fc.oneof(
          wrongTypeValues,
          hostileStrings(schema),
          fc.constant(c<unknown>('absent', ABSENT)),
          ...(types.has('object') && !schema.properties ? [hostileObjects] : []),
          ...(types.has('array') ? [hostileArrays(schema)] : []),
        ) as fc.Arbitrary<Case<unknown>>;
        await fc.assert(
          fc.asyncProperty(values, whoever, async (value, who) => {
            const marker = nextMarker();
            const base = baselineBody(op, marker) ?? {};
            const json = { ...base, [field]: value.value };
            if (value.value === ABSENT) delete json[field];
            await send({
              op,
              who: who.value,
              json,
              marker,
              invalid:
                invalidJson(value.value, schema, field, required) ??
                (op.body && invalidObject(json, op.body)),
              wouldCreate: wouldCreate(base, marker, field),
              describe: `body.${field} = ${value[fc.toStringMethod]()}`,
            });
          }),
          fcOptions(
            RUNS.field,
            FIELD_EXAMPLES.map((value): [Case<unknown>, Case<Who>] => [value, asCaller]),
          ),
        );
      });
    }

    for (const param of [...op.pathParams, ...op.queryParams]) {
      const where = param.in === 'path' ? 'path' : 'query';
      const sendParameter = async (value: Case<ParamValue>, who: Case<Who>) => {
        const marker = nextMarker();
        const base = baselineBody(op, marker);
        await send({
          op,
          who: who.value,
          [where]: { [param.name]: value.value },
          json: base,
          marker,
          invalid: invalidParameter(value.value, param),
          wouldCreate: wouldCreate(base, marker),
          describe: `${where}.${param.name} = ${value[fc.toStringMethod]()}`,
        });
      };
      // Values the router itself refuses (a segment it cannot decode, or longer than its
      // maxParamLength) are fuzzed on their own, so that a finding there hides nothing else.
      const values =
        param.in === 'path'
          ? hostileParameter(param).filter((v) => !breaksRouter(v.value))
          : hostileParameter(param);
      const examples = PARAM_EXAMPLES.filter((v) => param.in !== 'path' || !breaksRouter(v.value)).map(
        (value): [Case<ParamValue>, Case<Who>] => [value, asCaller],
      );
      if (param.in === 'path') {
        property(
          `${where}.${param.name}: a segment the router cannot decode, or over-long, gets a 4xx in the error shape`,
          async () => {
            await fc.assert(fc.asyncProperty(routerBreakers, whoever, sendParameter), fcOptions(RUNS.router));
          },
        );
      }
      property(
        `${where}.${param.name}: a hostile value gets a 4xx and changes nothing, or is legal`,
        async () => {
          await fc.assert(fc.asyncProperty(values, whoever, sendParameter), fcOptions(RUNS.field, examples));
        },
      );

      if (param.schema.type === 'integer') {
        // Params and query strings are coerced from text, and Ajv's coercion takes anything
        // Number() takes. An id or limit has one spelling; "0x10" or "1e1" is malformed (400).
        property(
          `${where}.${param.name}: a non-canonical spelling of a valid integer is malformed (400)`,
          async () => {
            const all: [string, (n: number) => string][] = [
              ['hex', (n) => `0x${n.toString(16)}`],
              ['binary', (n) => `0b${n.toString(2)}`],
              ['octal', (n) => `0o${n.toString(8)}`],
              ['exponent', (n) => `${n}e0`],
              ['trailing .0', (n) => `${n}.0`],
              ['trailing dot', (n) => `${n}.`],
              ['plus sign', (n) => `+${n}`],
              ['leading zero', (n) => `0${n}`],
              ['leading space', (n) => ` ${n}`],
              ['trailing space', (n) => `${n} `],
              ['trailing newline', (n) => `${n}\n`],
            ];
            const spellings = fc.constantFrom(...all);
            await fc.assert(
              fc.asyncProperty(spellings, async ([label, spell]) => {
                const marker = nextMarker();
                const base = baselineBody(op, marker);
                const valid = Number(baselineParam(op, param, marker) ?? sample(param.schema, marker));
                await send({
                  op,
                  who: { kind: 'caller' },
                  [where]: { [param.name]: text(spell(valid)) },
                  json: base,
                  marker,
                  invalid: `spells ${valid} as ${JSON.stringify(spell(valid))} (${label})`,
                  wouldCreate: wouldCreate(base, marker),
                  describe: `${where}.${param.name} = ${JSON.stringify(spell(valid))} (${label})`,
                });
              }),
              // Hex always, and two more picked at random.
              fcOptions(
                3,
                all.slice(0, 1).map((spelling): [[string, (n: number) => string]] => [spelling]),
              ),
            );
          },
        );
      }
    }

    property(
      'whole body: non-objects, deep nesting, over 1 MiB, invalid JSON, wrong content type',
      async () => {
        const { arbitrary, examples } = bodyCases(op);
        await fc.assert(
          fc.asyncProperty(arbitrary, whoever, async (make, who) => {
            const marker = nextMarker();
            const base = baselineBody(op, marker) ?? { a: 1 };
            const made = make.value(base);
            await send({
              op,
              who: who.value,
              json: made.json,
              payload: made.payload,
              contentType:
                made.contentType === null
                  ? undefined
                  : (made.contentType ?? (made.payload !== undefined ? 'application/json' : undefined)),
              marker,
              // A route that declares no body ignores one: any body may then be accepted.
              invalid: op.body ? made.invalid : undefined,
              status: op.body ? made.status : undefined,
              wouldCreate: wouldCreate(base, marker),
              describe: `whole body: ${make.label}`,
            });
          }),
          op.body
            ? fcOptions(
                RUNS.wholeBody,
                examples.map((make): [Case<Make>, Case<Who>] => [make, asCaller]),
              )
            : fcOptions(RUNS.ignoredBody),
        );
      },
    );

    property(
      `Authorization: forged, truncated or garbage headers ${op.secured ? 'get 401' : 'are ignored'}`,
      async () => {
        await fc.assert(
          fc.asyncProperty(forgedHeaders, async (who) => {
            const marker = nextMarker();
            const base = baselineBody(op, marker);
            await send({
              op,
              who: who.value,
              json: base,
              marker,
              wouldCreate: wouldCreate(base, marker),
              describe: 'the valid request with a forged Authorization header',
            });
          }),
          op.secured
            ? fcOptions(
                RUNS.authorization,
                AUTH_EXAMPLES.map((who): [Case<Who>] => [who]),
              )
            : fcOptions(RUNS.ignoredAuthorization),
        );
      },
    );

    // Credentials are not readable through the API: after the writes, both users sign in.
    if (op.method !== 'GET')
      it('afterwards both users still sign in with their passwords', passwordsStillWork);
  });
}

// ---------------------------------------------------------------------------------------
// Bytes app.inject cannot carry: over a real socket
// ---------------------------------------------------------------------------------------

describe('the HTTP layer', () => {
  it('answers bytes its parser refuses (NUL in a header, a 20 KiB header, a bad request line) with a 4xx in the error shape', async () => {
    await app.listen({ host: '127.0.0.1', port: 0 });
    const { port } = app.server.address() as net.AddressInfo;
    const exchange = (request: string) =>
      new Promise<string>((resolve, reject) => {
        const socket = net.connect(port, '127.0.0.1');
        let received = '';
        socket.setEncoding('latin1');
        socket.on('data', (chunk: string) => {
          received += chunk;
        });
        socket.on('close', () => resolve(received));
        socket.on('error', reject);
        socket.end(request, 'latin1');
      });
    const requests = {
      'NUL in the Authorization header': `GET /api/v1/me HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer ${caller.token}\u0000\r\nConnection: close\r\n\r\n`,
      'a 20 KiB Authorization header': `GET /api/v1/me HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer ${'A'.repeat(20_480)}\r\nConnection: close\r\n\r\n`,
      'a bare CR smuggling a header': `GET /api/v1/me HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer x\rX-Admin: 1\r\nConnection: close\r\n\r\n`,
      'a bad request line': 'GARBAGE\r\n\r\n',
      'Content-Length with chunked': `PATCH /api/v1/me HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer ${caller.token}\r\nContent-Type: application/json\r\nContent-Length: 5\r\nTransfer-Encoding: chunked\r\nConnection: close\r\n\r\n0\r\n\r\n`,
    };
    const before = await snapshot();
    // Every request is checked, and every failure reported, not only the first.
    const failures: string[] = [];
    for (const [label, request] of Object.entries(requests)) {
      const answer = await exchange(request);
      const [head = '', body = ''] = answer.split('\r\n\r\n');
      const status = Number(/^HTTP\/1\.1 (\d{3})/.exec(head)?.[1]);
      const where = `${label} -> ${answer.replace(/\r\n/g, ' | ').slice(0, 300)}`;
      try {
        expect(status, where).toBeGreaterThanOrEqual(400);
        expect(status, where).toBeLessThan(500);
        expectErrorShape(status, /content-type: ([^\r\n]+)/i.exec(head)?.[1], body, where);
      } catch (error) {
        failures.push((error as Error).message.split('\n')[0] ?? where);
      }
    }
    expect(await snapshot()).toEqual(before);
    expect(failures).toEqual([]);
  });
});

describe('the fuzz run', () => {
  it('sent requests', () => {
    console.log(
      `fuzz: ${requestsSent} requests to ${operations.length} operations; runs per property: ${JSON.stringify(RUNS)}`,
    );
    console.log(
      `fuzz: answers by kind of request: ${Object.entries(tally)
        .sort(([a], [b]) => a.localeCompare(b))
        .map(([key, n]) => `${key}: ${n}`)
        .join(', ')}`,
    );
    expect(requestsSent).toBeGreaterThan(operations.length * 10);
  });
});
