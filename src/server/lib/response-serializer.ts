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
 * isPlainOutputSchema, nearly all of ours) a writer compiled once per schema (compileJsonWriter)
 * checks and writes in one pass; when it meets anything it is not sure of, zod's parse decides
 * (and JSON.stringify writes its result) — zod's encode, what fastify-type-provider-zod runs, is
 * needed only for codecs and took about twice as long as parse for `/api/me`. Other schemas keep
 * the library's serializer.
 */
export const responseSerializerCompiler: FastifySerializerCompiler<unknown> = (route) => {
  const { schema: maybeSchema, method, url } = route as { schema: unknown; method: string; url: string };
  const schema = resolveSchema(maybeSchema);
  if (schema === undefined || !isPlainOutputSchema(schema)) {
    return (serializerCompiler as FastifySerializerCompiler<unknown>)(route);
  }
  const write = compileJsonWriter(schema);
  return (data: unknown) => {
    const fast = write(data);
    if (fast !== undefined) return fast;
    const result = safeParse(schema, data);
    if (result.error) throw new ResponseSerializationError(method, url, { cause: result.error });
    return JSON.stringify(result.data);
  };
};

/**
 * A function writing `data` as the JSON of `schema.parse(data)`, or answering undefined when it
 * cannot vouch for that (a value of the wrong type, a missing field, a check that fails, a schema
 * node it does not compile) — the caller then asks zod. It never accepts what zod would refuse:
 * objects are written field by field in the schema's order (unnamed fields left out, as zod's
 * strip does), strings through JSON.stringify, finite numbers, booleans, null, literals and enum
 * members by identity, arrays element by element, Dates through toJSON; a leaf with checks
 * (lengths, formats, integer…) is written only when zod's parse of that leaf succeeds; unions,
 * records, `any`/`unknown` and objects with a catchall (strict, passthrough) are handed to zod
 * whole, within the one pass. The code is generated once per schema (`new Function`) so that V8
 * sees one monomorphic function per object shape.
 */
export function compileJsonWriter(schema: $ZodType): (data: unknown) => string | undefined {
  const helpers: unknown[] = [];
  const helper = (value: unknown): string => {
    helpers.push(value);
    return `h[${helpers.length - 1}]`;
  };
  const functions: string[] = [];
  const compiled = new Map<$ZodType, string>();
  const zodWrite = helper((leaf: $ZodType, v: unknown): string | undefined => {
    const r = safeParse(leaf, v);
    return r.error ? undefined : (JSON.stringify(r.data) ?? undefined);
  });
  const leafOk = helper((leaf: $ZodType, v: unknown): boolean => safeParse(leaf, v).error === undefined);

  /** The name of a function `(v) => string | undefined` for `node`. */
  const fn = (node: $ZodType): string => {
    const known = compiled.get(node);
    if (known !== undefined) return known;
    const name = `w${compiled.size}`;
    compiled.set(node, name);
    functions.push(`function ${name}(v) {\n${body(node)}\n}`);
    return name;
  };
  const viaZod = (node: $ZodType) => `return ${zodWrite}(${helper(node)}, v);`;

  const body = (node: $ZodType): string => {
    const def = node._zod.def as unknown as Def & { values?: unknown[]; entries?: Record<string, unknown> };
    const checked = (def.checks?.length ?? 0) > 0;
    const guard = checked ? `if (!${leafOk}(${helper(node)}, v)) return undefined;\n` : '';
    switch (def.type) {
      case 'string':
        return `if (typeof v !== 'string') return undefined;\n${guard}return JSON.stringify(v);`;
      case 'number':
      case 'int':
        return `if (typeof v !== 'number' || !Number.isFinite(v)) return undefined;\n${guard}return '' + v;`;
      case 'boolean':
        return `if (typeof v !== 'boolean') return undefined;\n${guard}return v ? 'true' : 'false';`;
      case 'null':
        return `return v === null ? 'null' : undefined;`;
      case 'literal': {
        const values = def.values ?? [];
        if (
          !values.every(
            (x) => typeof x === 'string' || typeof x === 'number' || typeof x === 'boolean' || x === null,
          )
        ) {
          return viaZod(node);
        }
        return `return ${helper(new Set(values))}.has(v) ? JSON.stringify(v) : undefined;`;
      }
      case 'enum': {
        const values = Object.values(def.entries ?? {});
        if (checked || !values.every((x) => typeof x === 'string' || typeof x === 'number'))
          return viaZod(node);
        return `return ${helper(new Set(values))}.has(v) ? JSON.stringify(v) : undefined;`;
      }
      case 'date':
        return `if (!(v instanceof Date) || Number.isNaN(v.getTime())) return undefined;\n${guard}return JSON.stringify(v);`;
      case 'nullable':
        if (checked) return viaZod(node);
        return `return v === null ? 'null' : ${fn(def.innerType as $ZodType)}(v);`;
      case 'readonly':
        if (checked) return viaZod(node);
        return `return ${fn(def.innerType as $ZodType)}(v);`;
      case 'array': {
        const element = fn(def.element as $ZodType);
        return [
          'if (!Array.isArray(v)) return undefined;',
          guard.trimEnd(),
          "let out = '[';",
          'for (let i = 0; i < v.length; i++) {',
          `  const s = ${element}(v[i]);`,
          '  if (s === undefined) return undefined;',
          "  out += i === 0 ? s : ',' + s;",
          '}',
          "return out + ']';",
        ].join('\n');
      }
      case 'object': {
        if (checked || def.catchall !== undefined) return viaZod(node);
        const lines = [
          "if (typeof v !== 'object' || v === null || Array.isArray(v)) return undefined;",
          "let out = '{';",
          'let s;',
        ];
        let first = true;
        for (const [key, child] of Object.entries(def.shape ?? {})) {
          const childDef = child._zod.def as unknown as Def;
          const access = `v[${JSON.stringify(key)}]`;
          const label = JSON.stringify(`${JSON.stringify(key)}:`);
          if (childDef.type === 'optional' && (childDef.checks?.length ?? 0) === 0) {
            // An absent or undefined optional field is left out, as JSON.stringify leaves it out.
            lines.push(`if (${access} !== undefined) {`);
            lines.push(`  s = ${fn(childDef.innerType as $ZodType)}(${access});`);
            lines.push('  if (s === undefined) return undefined;');
            lines.push(
              first ? `  out += ${label} + s;` : `  out += (out.length > 1 ? ',' : '') + ${label} + s;`,
            );
            lines.push('}');
          } else {
            lines.push(`s = ${fn(child)}(${access});`);
            lines.push('if (s === undefined) return undefined;');
            lines.push(first ? `out += ${label} + s;` : `out += (out.length > 1 ? ',' : '') + ${label} + s;`);
          }
          first = false;
        }
        lines.push("return out + '}';");
        return lines.join('\n');
      }
      default:
        // optional outside an object field, union, record, any, unknown, undefined, nan, never…
        return viaZod(node);
    }
  };

  const root = fn(schema);
  const factory = new Function('h', `${functions.join('\n')}\nreturn ${root};`) as (
    h: unknown[],
  ) => (data: unknown) => string | undefined;
  return factory(helpers);
}

function resolveSchema(maybeSchema: unknown): $ZodType | undefined {
  if (maybeSchema instanceof $ZodType) return maybeSchema;
  if (typeof maybeSchema === 'object' && maybeSchema !== null && 'properties' in maybeSchema) {
    const properties = (maybeSchema as { properties: unknown }).properties;
    if (properties instanceof $ZodType) return properties;
  }
  return undefined;
}
