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
  const write = jsonWriter(schema);
  return (data: unknown) => {
    const json = write(data);
    if (json !== undefined) {
      if (CROSS_CHECK) crossCheck(schema, data, json, `${method} ${url}`);
      return json;
    }
    const result = safeParse(schema, data);
    if (result.error) throw new ResponseSerializationError(method, url, { cause: result.error });
    return JSON.stringify(result.data);
  };
};

/**
 * Under test (vitest) every answer the writer gives is compared with zod's parse + JSON.stringify,
 * so every integration suite also checks that the two never differ.
 */
const CROSS_CHECK = process.env.VITEST !== undefined;

function crossCheck(schema: $ZodType, data: unknown, json: string, route: string): void {
  const result = safeParse(schema, data);
  const expected = result.error ? 'a zod error' : JSON.stringify(result.data);
  if (json !== expected)
    throw new Error(
      `response writer of ${route} differs from zod: ${json.slice(0, 200)} vs ${expected.slice(0, 200)}`,
    );
}

/**
 * Writes a value as JSON while checking it against a plain schema, in one pass: the JSON text of
 * what zod's parse would return (fields the schema does not name left out), or undefined when the
 * value does not obviously match — then the caller runs zod's parse, which decides (its error, or
 * its output). So the writer only has to be right when it answers; anything it does not handle
 * itself (checks such as `.int()` or `.max()`, records, dates, catch-alls…) is parsed by zod for
 * that part of the value. Parsing first copied every object of a response and then walked the copy
 * again to stringify it (≈ a tenth of a KPI grid request).
 */
type JsonWriter = (value: unknown) => string | undefined;

export function jsonWriter(schema: $ZodType): JsonWriter {
  const def = schema._zod.def as unknown as Def & { values?: unknown[]; discriminator?: string };
  const checked = (def.checks?.length ?? 0) > 0 || def.coerce === true;
  if (!checked) {
    switch (def.type) {
      case 'string':
        return (v) => (typeof v === 'string' ? jsonString(v) : undefined);
      case 'number':
        // zod refuses NaN and ±Infinity; for finite numbers JSON's text is String(n).
        if ((def as { format?: string }).format !== undefined) break;
        return (v) => (typeof v === 'number' && Number.isFinite(v) ? String(v) : undefined);
      case 'boolean':
        return (v) => (v === true ? 'true' : v === false ? 'false' : undefined);
      case 'null':
        return (v) => (v === null ? 'null' : undefined);
      case 'literal':
      case 'enum': {
        const values = schema._zod.values;
        if (!values || ![...values].every((x) => typeof x === 'string' || Number.isFinite(x))) break;
        const texts = new Map([...values].map((x) => [x as unknown, JSON.stringify(x)]));
        return (v) => texts.get(v);
      }
      case 'nullable': {
        const inner = jsonWriter(def.innerType!);
        return (v) => (v === null ? 'null' : inner(v));
      }
      case 'readonly':
        return jsonWriter(def.innerType!);
      case 'optional': {
        // Undefined (left out of an object by the object's writer) is zod's business elsewhere.
        const inner = jsonWriter(def.innerType!);
        return (v) => (v === undefined ? undefined : inner(v));
      }
      case 'array': {
        const element = jsonWriter(def.element!);
        return (v) => {
          if (!Array.isArray(v)) return undefined;
          let out = '[';
          for (let i = 0; i < v.length; i++) {
            const item = element(v[i]);
            if (item === undefined) return undefined;
            out += i === 0 ? item : `,${item}`;
          }
          return `${out}]`;
        };
      }
      case 'union': {
        // zod takes the first option that parses (a discriminated union the one its tag names —
        // the same one, tags being distinct); exclusive unions and fallbacks are left to zod.
        if ((def as { inclusive?: boolean }).inclusive === false && def.discriminator === undefined) break;
        if ((def as { unionFallback?: boolean }).unionFallback) break;
        const options = (def.options ?? []).map((o) => jsonWriter(o));
        return (v) => {
          for (const option of options) {
            const out = option(v);
            if (out !== undefined) return out;
          }
          return undefined;
        };
      }
      case 'object': {
        const writer = objectWriter(def);
        if (writer) return writer;
        break;
      }
    }
  }
  // Anything else: zod parses this part, JSON.stringify writes its output.
  return (v) => {
    const result = safeParse(schema, v);
    return result.error ? undefined : (JSON.stringify(result.data) as string | undefined);
  };
}

/** Characters JSON.stringify escapes in a string (lone surrogates among the surrogates). */
// biome-ignore lint/suspicious/noControlCharactersInRegex: control characters are what JSON escapes
const NEEDS_ESCAPE = /[\u0000-\u001f"\\\ud800-\udfff]/;

/** JSON.stringify(s), without its call when nothing needs escaping (most names and keys). */
function jsonString(s: string): string {
  return NEEDS_ESCAPE.test(s) ? JSON.stringify(s) : `"${s}"`;
}

/** Objects that strip unknown keys, with string keys that keep their order in an object. */
function objectWriter(def: Def): JsonWriter | undefined {
  if (def.catchall !== undefined || def.shape === undefined) return undefined;
  const keys = Object.keys(def.shape);
  // Integer-like keys are reordered by JavaScript objects, __proto__ is skipped by zod; symbols too.
  if (Object.getOwnPropertySymbols(def.shape).length > 0) return undefined;
  if (keys.some((k) => k === '__proto__' || /^(0|[1-9][0-9]*)$/.test(k))) return undefined;
  const fields = keys.map((key) => {
    const field = def.shape![key]!;
    const { optin, optout } = field._zod;
    return {
      key,
      prefix: `${JSON.stringify(key)}:`,
      // An optional key that is absent or undefined is left out, as zod leaves it out of its output.
      optional: optin !== undefined,
      plain: optin === undefined || (optin === 'optional' && optout === 'optional'),
      write: jsonWriter(field),
    };
  });
  if (!fields.every((f) => f.plain)) return undefined;
  // Generated code rather than a loop over the fields: each field's writer gets a call site of its
  // own, which V8 can inline (a shared loop calls a different writer each time).
  const body: string[] = [
    'if (typeof v !== "object" || v === null || Array.isArray(v)) return undefined;',
    'let out = "{", x, j;',
  ];
  let commaKnown = false;
  fields.forEach((f, i) => {
    const prefix = JSON.stringify(f.prefix);
    const comma = JSON.stringify(`,${f.prefix}`);
    const add = commaKnown
      ? `out += ${comma} + j;`
      : i === 0
        ? `out += ${prefix} + j;`
        : `out += (out.length === 1 ? ${prefix} : ${comma}) + j;`;
    body.push(`x = v[${JSON.stringify(f.key)}];`);
    const write = `j = w[${i}](x); if (j === undefined) return undefined; ${add}`;
    body.push(f.optional ? `if (x !== undefined) { ${write} }` : write);
    if (!f.optional) commaKnown = true;
  });
  body.push('return out + "}";');
  const writers = fields.map((f) => f.write);
  try {
    const make = new Function('w', `return function writeObject(v) {\n${body.join('\n')}\n};`);
    return (make as (w: JsonWriter[]) => JsonWriter)(writers);
  } catch {
    // Code generation refused (node --disallow-code-generation-from-strings): the same, as a loop.
    return (v) => {
      if (typeof v !== 'object' || v === null || Array.isArray(v)) return undefined;
      let out = '{';
      for (const [i, f] of fields.entries()) {
        const x = (v as Record<string, unknown>)[f.key];
        if (x === undefined && f.optional) continue;
        const j = writers[i]!(x);
        if (j === undefined) return undefined;
        out += out.length === 1 ? f.prefix + j : `,${f.prefix}${j}`;
      }
      return `${out}}`;
    };
  }
}

function resolveSchema(maybeSchema: unknown): $ZodType | undefined {
  if (maybeSchema instanceof $ZodType) return maybeSchema;
  if (typeof maybeSchema === 'object' && maybeSchema !== null && 'properties' in maybeSchema) {
    const properties = (maybeSchema as { properties: unknown }).properties;
    if (properties instanceof $ZodType) return properties;
  }
  return undefined;
}
