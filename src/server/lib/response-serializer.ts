import type { FastifySerializerCompiler } from 'fastify';
import { ResponseSerializationError, serializerCompiler } from 'fastify-type-provider-zod';
import { $ZodType, safeParse } from 'zod/v4/core';

/**
 * Zod node types whose encoding (output → JSON) is exactly their parsing: no codec, pipe or
 * transform to run backwards, no default or catch to fill in, nothing evaluated lazily.
 */
const PLAIN_LEAVES = new Set([
  'string',
  'number',
  'int',
  'boolean',
  'null',
  'undefined',
  'literal',
  'enum',
  'any',
  'unknown',
  'date',
  'nan',
  'never',
]);

type Def = {
  type: string;
  shape?: Record<string, $ZodType>;
  element?: $ZodType;
  innerType?: $ZodType;
  options?: $ZodType[];
  keyType?: $ZodType;
  valueType?: $ZodType;
  checks?: { _zod: { def: { check: string } } }[];
  catchall?: $ZodType;
  coerce?: boolean;
};

/**
 * Whether `schema` only checks and strips (objects, arrays, unions, records, optional/nullable/
 * readonly wrappers over plain leaves and their checks), so that parsing it gives what encoding
 * gives. Anything else (codecs, pipes, transforms, defaults, catch, lazy, custom) is not.
 */
export function isPlainOutputSchema(schema: $ZodType, seen = new Set<$ZodType>()): boolean {
  if (seen.has(schema)) return false;
  seen.add(schema);
  const def = schema._zod.def as unknown as Def;
  // Coercion and overwriting checks (trim, toLowerCase…) change values; leave them to encode.
  if (def.coerce === true || def.checks?.some((c) => c._zod.def.check === 'overwrite')) return false;
  if (PLAIN_LEAVES.has(def.type)) return true;
  const plain = (s: $ZodType | undefined) => s !== undefined && isPlainOutputSchema(s, seen);
  switch (def.type) {
    case 'object':
      return (
        Object.values(def.shape ?? {}).every((s) => plain(s)) &&
        (def.catchall === undefined || plain(def.catchall))
      );
    case 'array':
      return plain(def.element);
    case 'optional':
    case 'nullable':
    case 'readonly':
      return plain(def.innerType);
    case 'union':
      return (def.options ?? []).every((s) => plain(s));
    case 'record':
      return plain(def.keyType) && plain(def.valueType);
    default:
      return false;
  }
}

/**
 * The response serializer: every response is checked against its zod schema (fields it does not
 * name are stripped, a wrong type answers 500) and then JSON-encoded. For plain schemas (see
 * isPlainOutputSchema, nearly all of ours) the check is zod's parse, which compiles to a fast path;
 * zod's encode — what fastify-type-provider-zod runs, needed only for codecs — walks the schema
 * generically and took about twice as long for `/api/me`. Other schemas keep the library's serializer.
 */
export const responseSerializerCompiler: FastifySerializerCompiler<unknown> = (route) => {
  const { schema: maybeSchema, method, url } = route as { schema: unknown; method: string; url: string };
  const schema = resolveSchema(maybeSchema);
  if (schema === undefined || !isPlainOutputSchema(schema)) {
    return (serializerCompiler as FastifySerializerCompiler<unknown>)(route);
  }
  return (data: unknown) => {
    const result = safeParse(schema, data);
    if (result.error) throw new ResponseSerializationError(method, url, { cause: result.error });
    return JSON.stringify(result.data);
  };
};

function resolveSchema(maybeSchema: unknown): $ZodType | undefined {
  if (maybeSchema instanceof $ZodType) return maybeSchema;
  if (typeof maybeSchema === 'object' && maybeSchema !== null && 'properties' in maybeSchema) {
    const properties = (maybeSchema as { properties: unknown }).properties;
    if (properties instanceof $ZodType) return properties;
  }
  return undefined;
}
