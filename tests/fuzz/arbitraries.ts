/**
 * fast-check arbitraries for the input-fuzzing suite: valid-ish values derived from a route's zod
 * schemas (through their JSON Schema form, the same one the OpenAPI document shows) and the garbage
 * that clients, scanners and attackers send instead.
 */
import fc from 'fast-check';
import { z } from 'zod';

export type JsonSchema = {
  type?: string | string[];
  properties?: Record<string, JsonSchema>;
  required?: string[];
  additionalProperties?: boolean | JsonSchema;
  items?: JsonSchema;
  prefixItems?: JsonSchema[];
  anyOf?: JsonSchema[];
  oneOf?: JsonSchema[];
  allOf?: JsonSchema[];
  enum?: unknown[];
  const?: unknown;
  format?: string;
  pattern?: string;
  minLength?: number;
  maxLength?: number;
  minimum?: number;
  maximum?: number;
  exclusiveMinimum?: number;
  exclusiveMaximum?: number;
  multipleOf?: number;
  minItems?: number;
  maxItems?: number;
  default?: unknown;
};

/** The JSON Schema of a route's input part (what the request must look like before zod's transforms). */
export function toJsonSchema(schema: z.ZodType): JsonSchema {
  return z.toJSONSchema(schema, { io: 'input', unrepresentable: 'any' }) as JsonSchema;
}

/** Values that break naive code: invisible, direction-changing, NUL, lone surrogates, ZWJ emoji. */
export const edgeStrings = [
  '',
  ' ',
  '\u0000',
  'a\u0000b',
  '\uD800',
  '\uDFFF',
  'x\uDBFFy',
  '\u202E\u0645\u0631\u062D\u0628\u0627',
  '\u200F\u200E\u2066',
  '\uFEFF',
  '\u200B',
  '👩‍👩‍👧‍👦',
  '🏳️‍🌈🇺🇸',
  'e\u0301\u0301\u0301\u0301',
  'ǅǈ',
  '\u{10FFFF}',
  '\r\n\t\v\f',
  '%00%zz%',
  '../../etc/passwd',
  "' OR 1=1 --",
  '"; drop table users; --',
  '<script>alert(1)</script>',
  '=cmd|" /C calc"!A0',
  '$' + '{jndi:ldap://x}', // (a Log4Shell lookup, not a template)
  '{{7*7}}',
  '__proto__',
  'constructor',
  'prototype',
  'NaN',
  'Infinity',
  '-Infinity',
  '1e308',
  '1e309',
  '-0',
  '9007199254740993',
  '0x1F',
  '1_000',
  'null',
  'undefined',
  'true',
  '2026-02-30',
  '2026-13-01T25:61:61Z',
  '0000-00-00',
];

/** Numbers at the edges of what JSON, JavaScript and the databases hold. */
export const edgeNumbers = [
  0,
  -0,
  -1,
  1.5,
  0.1 + 0.2,
  1e308,
  -1e308,
  5e-324,
  Number.MAX_SAFE_INTEGER,
  Number.MAX_SAFE_INTEGER + 1,
  Number.MIN_SAFE_INTEGER - 1,
  2 ** 31,
  -(2 ** 31) - 1,
  2 ** 63,
  2 ** 64,
];

/** Raw JSON number texts JSON.parse turns into Infinity, -0 or an imprecise integer. */
export const edgeNumberTexts = ['1e999', '-1e999', '-0', '9007199254740993', '1e-400', '0.30000000000000004'];

const edgeString = fc.constantFrom(...edgeStrings);
const randomString = fc.oneof(
  fc.string({ maxLength: 40 }),
  fc.string({ unit: 'binary', maxLength: 40 }),
  fc.string({ unit: 'grapheme', maxLength: 20 }),
);

/** Any string a client might send where a string is expected. */
export const anyString: fc.Arbitrary<string> = fc.oneof(
  { weight: 3, arbitrary: randomString },
  { weight: 2, arbitrary: edgeString },
  { weight: 1, arbitrary: fc.integer({ min: 1_000, max: 200_000 }).map((n) => 'x'.repeat(n)) },
);

/** A JSON value of any type, including the edge strings and numbers. */
export const garbageValue: fc.Arbitrary<unknown> = fc.oneof(
  anyString,
  fc.constantFrom(...edgeNumbers),
  fc.double(),
  fc.boolean(),
  fc.constant(null),
  fc.jsonValue({ maxDepth: 3 }),
  fc.array(anyString, { maxLength: 3 }),
  fc.dictionary(fc.constantFrom('a', 'id', '__proto__', 'constructor', 'prototype'), anyString, {
    maxKeys: 3,
  }),
);

function clampInt(n: number | undefined, fallback: number): number {
  if (n === undefined || !Number.isFinite(n)) return fallback;
  return Math.max(Number.MIN_SAFE_INTEGER, Math.min(Number.MAX_SAFE_INTEGER, Math.trunc(n)));
}

function stringArbitrary(s: JsonSchema): fc.Arbitrary<string> {
  const minLength = s.minLength ?? 0;
  const maxLength = Math.min(s.maxLength ?? 60, Math.max(minLength, 60));
  switch (s.format) {
    case 'uuid':
      return fc.uuid();
    case 'email':
      return fc.emailAddress();
    case 'date':
      return fc
        .date({ min: new Date('1970-01-01'), max: new Date('2100-01-01'), noInvalidDate: true })
        .map((d) => d.toISOString().slice(0, 10));
    case 'date-time':
      return fc
        .date({ min: new Date('1970-01-01'), max: new Date('2100-01-01'), noInvalidDate: true })
        .map((d) => d.toISOString());
    case 'uri':
    case 'url':
      return fc.webUrl();
  }
  if (s.pattern) {
    try {
      return fc
        .stringMatching(new RegExp(s.pattern))
        .filter((v) => v.length >= minLength && v.length <= maxLength);
    } catch {
      // fall through: fast-check cannot build this pattern
    }
  }
  return fc.string({ minLength, maxLength });
}

function numberArbitrary(s: JsonSchema, integer: boolean): fc.Arbitrary<number> {
  const lo = s.exclusiveMinimum !== undefined ? s.exclusiveMinimum : s.minimum;
  const hi = s.exclusiveMaximum !== undefined ? s.exclusiveMaximum : s.maximum;
  if (integer || (s.multipleOf !== undefined && Number.isInteger(1 / s.multipleOf))) {
    const step = integer ? 1 : (s.multipleOf as number);
    const min = clampInt(lo === undefined ? -1e6 : Math.ceil(lo / step), -1e6);
    const max = clampInt(hi === undefined ? 1e6 : Math.floor(hi / step), 1e6);
    const ints = fc.integer({ min: Math.min(min, max), max: Math.max(min, max) });
    return step === 1 ? ints : ints.map((n) => Math.round(n * step * 1e6) / 1e6);
  }
  return fc.double({
    min: lo ?? -1e9,
    max: hi ?? 1e9,
    noNaN: true,
    noDefaultInfinity: true,
    minExcluded: s.exclusiveMinimum !== undefined,
    maxExcluded: s.exclusiveMaximum !== undefined,
  });
}

/** A value that (mostly) satisfies the JSON Schema; zod's refinements decide the rest. */
export function fromSchema(s: JsonSchema, depth = 0): fc.Arbitrary<unknown> {
  if (depth > 6) return fc.constant(null);
  const alternatives = s.anyOf ?? s.oneOf;
  if (alternatives && alternatives.length > 0)
    return fc.oneof(...alternatives.map((a) => fromSchema(a, depth + 1)));
  if (s.allOf && s.allOf.length > 0)
    return fromSchema(Object.assign({}, ...s.allOf) as JsonSchema, depth + 1);
  if (s.const !== undefined) return fc.constant(s.const);
  if (s.enum && s.enum.length > 0) return fc.constantFrom(...s.enum);
  if (Array.isArray(s.type)) return fc.oneof(...s.type.map((type) => fromSchema({ ...s, type }, depth + 1)));
  switch (s.type) {
    case 'string':
      return stringArbitrary(s);
    case 'integer':
      return numberArbitrary(s, true);
    case 'number':
      return numberArbitrary(s, false);
    case 'boolean':
      return fc.boolean();
    case 'null':
      return fc.constant(null);
    case 'array': {
      const minLength = s.minItems ?? 0;
      const maxLength = Math.min(s.maxItems ?? 4, Math.max(minLength, 4));
      if (s.prefixItems) return fc.tuple(...s.prefixItems.map((p) => fromSchema(p, depth + 1)));
      return fc.array(s.items ? fromSchema(s.items, depth + 1) : fc.jsonValue({ maxDepth: 1 }), {
        minLength,
        maxLength,
      });
    }
    case 'object': {
      const properties = s.properties ?? {};
      const keys = Object.keys(properties);
      if (keys.length === 0) {
        if (typeof s.additionalProperties === 'object') {
          return fc.dictionary(
            fc.string({ minLength: 1, maxLength: 20 }),
            fromSchema(s.additionalProperties, depth + 1),
            {
              maxKeys: 4,
            },
          );
        }
        return fc.constant({});
      }
      const model: Record<string, fc.Arbitrary<unknown>> = {};
      for (const key of keys) model[key] = fromSchema(properties[key] as JsonSchema, depth + 1);
      return fc.record(model, { requiredKeys: (s.required ?? []).filter((k) => keys.includes(k)) });
    }
    default:
      return fc.jsonValue({ maxDepth: 2 });
  }
}

/** Turns a JSON-ish value into the query-string text a client would send for it. */
export function asQueryValue(value: unknown): string {
  if (typeof value === 'string') return value;
  if (value === null || value === undefined) return '';
  if (typeof value === 'object') return JSON.stringify(value);
  return String(value);
}

/** Lone surrogates cannot be percent-encoded; browsers send U+FFFD for them, so do we. */
export function wellFormed(s: string): string {
  return s.replace(/[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/g, '\uFFFD');
}

/** `depth` levels of nested arrays or objects as raw JSON text (too deep for naive recursion). */
export function deepJson(depth: number, kind: 'array' | 'object'): string {
  return kind === 'array'
    ? `${'['.repeat(depth)}${']'.repeat(depth)}`
    : `${'{"a":'.repeat(depth)}1${'}'.repeat(depth)}`;
}
