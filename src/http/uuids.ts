// One thing, one id: UUIDs are case-insensitive, so "0190ABCD-..." and "0190abcd-..." name the
// same product or post. Left as sent, the two spellings would become two cart lines, two
// de-duplication keys, a miss in a store that compares text. Before validation, every string at
// a `format: 'uuid'` position of the route's schema (params, query string, body, nested objects
// and arrays) is lower-cased, the form PostgreSQL prints and the services generate.
import type { FastifyRequest } from 'fastify';

interface Schema {
  format?: string;
  properties?: Record<string, Schema>;
  additionalProperties?: Schema | boolean;
  patternProperties?: Record<string, Schema>;
  items?: Schema | Schema[];
  anyOf?: Schema[];
  oneOf?: Schema[];
  allOf?: Schema[];
}

const isObject = (value: unknown): value is Record<string, unknown> =>
  typeof value === 'object' && value !== null && !Array.isArray(value);

const children = (schema: Schema): Schema[] =>
  [
    ...Object.values(schema.properties ?? {}),
    ...Object.values(schema.patternProperties ?? {}),
    ...(isObject(schema.additionalProperties) ? [schema.additionalProperties] : []),
    ...(Array.isArray(schema.items) ? schema.items : schema.items ? [schema.items] : []),
    ...(schema.anyOf ?? []),
    ...(schema.oneOf ?? []),
    ...(schema.allOf ?? []),
  ].filter(isObject);

// Most routes have no UUID anywhere: remember which schemas do, so they cost one lookup.
const hasUuidCache = new WeakMap<Schema, boolean>();

function hasUuid(schema: Schema): boolean {
  let known = hasUuidCache.get(schema);
  if (known === undefined) {
    known = schema.format === 'uuid' || children(schema).some(hasUuid);
    hasUuidCache.set(schema, known);
  }
  return known;
}

/** `value` with the strings at the schema's UUID positions lower-cased (objects and arrays in place). */
export function lowerCaseUuids(schema: Schema, value: unknown): unknown {
  if (!hasUuid(schema)) return value;
  if (schema.format === 'uuid' && typeof value === 'string') return value.toLowerCase();
  for (const branch of [...(schema.anyOf ?? []), ...(schema.oneOf ?? []), ...(schema.allOf ?? [])]) {
    value = lowerCaseUuids(branch, value);
  }
  if (Array.isArray(value)) {
    value.forEach((item, index) => {
      const itemSchema = Array.isArray(schema.items) ? schema.items[index] : schema.items;
      if (itemSchema) value[index] = lowerCaseUuids(itemSchema, item);
    });
  } else if (isObject(value)) {
    for (const [key, item] of Object.entries(value)) {
      const pattern = Object.entries(schema.patternProperties ?? {}).find(([p]) =>
        new RegExp(p, 'u').test(key),
      );
      const itemSchema =
        schema.properties?.[key] ??
        pattern?.[1] ??
        (isObject(schema.additionalProperties) ? schema.additionalProperties : undefined);
      if (itemSchema) value[key] = lowerCaseUuids(itemSchema, item);
    }
  }
  return value;
}

/** The preValidation step: params, query string and body of the request, by the route's schema. */
export function lowerCaseRequestUuids(request: FastifyRequest) {
  const schema = request.routeOptions.schema as Record<string, Schema | undefined> | undefined;
  if (!schema) return;
  if (schema.params) request.params = lowerCaseUuids(schema.params, request.params);
  if (schema.querystring) request.query = lowerCaseUuids(schema.querystring, request.query);
  if (schema.body) request.body = lowerCaseUuids(schema.body, request.body);
}
