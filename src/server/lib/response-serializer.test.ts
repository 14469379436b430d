import fc from 'fast-check';
import { isResponseSerializationError, serializerCompiler } from 'fastify-type-provider-zod';
import { describe, expect, it } from 'vitest';
import { z } from 'zod';
import type { $ZodType } from 'zod/v4/core';
import { meResponse } from '../modules/identity/identity.schemas.ts';
import { gridResponseSchema, valuesResponseSchema } from '../modules/metrics/metrics.routes.ts';
import { isPlainOutputSchema, jsonWriter, responseSerializerCompiler } from './response-serializer.ts';

const compile = (schema: z.ZodType) =>
  responseSerializerCompiler({ schema, method: 'GET', url: '/x', httpStatus: '200' } as never) as (
    data: unknown,
  ) => string;
const library = (schema: z.ZodType) =>
  serializerCompiler({ schema, method: 'GET', url: '/x', httpStatus: '200' } as never) as (
    data: unknown,
  ) => string;

describe('isPlainOutputSchema', () => {
  it('accepts schemas that only check and strip', () => {
    expect(isPlainOutputSchema(meResponse)).toBe(true);
    const s = z.object({
      a: z.string().min(1),
      b: z.number().int().nullable(),
      c: z.array(z.union([z.literal('x'), z.enum(['y', 'z'])])).optional(),
      d: z.record(z.string(), z.boolean()),
      e: z.object({ f: z.date() }).strict(),
    });
    expect(isPlainOutputSchema(s)).toBe(true);
  });

  it('refuses anything whose encoding differs from parsing, at any depth', () => {
    const codec = z.codec(z.iso.datetime(), z.date(), {
      decode: (s) => new Date(s),
      encode: (d) => d.toISOString(),
    });
    for (const inner of [
      codec,
      z.string().transform((s) => s.length),
      z.string().pipe(z.string()),
      z.string().default('x'),
      z.string().catch('x'),
      z.string().trim(),
      z.coerce.number(),
      z.lazy(() => z.string()),
    ]) {
      expect(isPlainOutputSchema(z.object({ ok: z.string(), deep: z.array(z.object({ v: inner })) }))).toBe(
        false,
      );
    }
  });
});

describe('responseSerializerCompiler', () => {
  const me = {
    user: { id: 'u', email: 'a@b.c', name: 'A', timeZone: 'UTC', passwordHash: 'secret' },
    org: {
      id: 'o',
      name: 'Org',
      currency: 'USD',
      timeZone: 'UTC',
      fiscalYearStartMonth: 1,
      settings: 'secret',
    },
    role: 'rep',
    teams: [{ id: 't', name: 'T', relation: 'member', token: 'secret' }],
    csrfToken: 'c',
    sessionId: 'secret',
  };

  it('writes what the library serializer writes, without the fields the schema does not name', () => {
    const out = compile(meResponse)(me);
    expect(out).toBe(library(meResponse)(me));
    expect(out).not.toContain('secret');
    expect(JSON.parse(out)).toEqual(meResponse.parse(me));
  });

  it('refuses a body that breaks its schema with the library error (answered as 500)', () => {
    const serialize = compile(meResponse);
    for (const bad of [
      { ...me, role: 'owner' },
      { ...me, teams: [{ id: 1 }] },
      { ...me, user: null },
    ]) {
      let error: unknown;
      try {
        serialize(bad);
      } catch (e) {
        error = e;
      }
      expect(isResponseSerializationError(error)).toBe(true);
    }
  });

  it('keeps encoding (codecs run backwards) for schemas that need it', () => {
    const schema = z.object({
      at: z.codec(z.iso.datetime(), z.date(), { decode: (s) => new Date(s), encode: (d) => d.toISOString() }),
    });
    const at = new Date(Date.UTC(2026, 0, 1));
    expect(compile(schema)({ at })).toBe('{"at":"2026-01-01T00:00:00.000Z"}');
  });
});

/** Values for a schema: mostly valid, with wrong types, missing and extra keys and edge numbers mixed in. */
function valuesOf(schema: $ZodType): fc.Arbitrary<unknown> {
  const noise = fc.oneof(
    fc.constantFrom(undefined, null, Number.NaN, Number.POSITIVE_INFINITY, -0, 1.5, '', 'x', true, [], {}),
    fc.anything({ maxDepth: 1 }),
  );
  const def = schema._zod.def as unknown as {
    type: string;
    shape?: Record<string, $ZodType>;
    element?: $ZodType;
    innerType?: $ZodType;
    options?: $ZodType[];
    keyType?: $ZodType;
    valueType?: $ZodType;
  };
  const values = schema._zod.values;
  let valid: fc.Arbitrary<unknown>;
  switch (def.type) {
    case 'string':
      valid = fc.oneof(
        fc.string({ maxLength: 12 }),
        // Any UTF-16 code units: lone surrogates, controls, quotes, backslashes.
        fc.string({ unit: 'binary', maxLength: 12 }),
        fc.constantFrom('é"\\\n\u2028', '\u0000', '\ud800x', '\udc00\ud800', '😀', 'a'.repeat(70)),
      );
      break;
    case 'number':
      valid = fc.oneof(
        fc.integer(),
        fc.double({ noNaN: true, noDefaultInfinity: true }),
        fc.constantFrom(-0, 2 ** 53, 1e21, 5e-324),
      );
      break;
    case 'boolean':
      valid = fc.boolean();
      break;
    case 'null':
      valid = fc.constant(null);
      break;
    case 'date':
      valid = fc.date();
      break;
    case 'literal':
    case 'enum':
      valid = fc.constantFrom(...(values ? [...values] : ['?']));
      break;
    case 'nullable':
      valid = fc.oneof(fc.constant(null), valuesOf(def.innerType!));
      break;
    case 'optional':
      valid = fc.oneof(fc.constant(undefined), valuesOf(def.innerType!));
      break;
    case 'readonly':
      valid = valuesOf(def.innerType!);
      break;
    case 'array':
      valid = fc.array(valuesOf(def.element!), { maxLength: 4 });
      break;
    case 'union':
      valid = fc.oneof(...def.options!.map((o) => valuesOf(o)));
      break;
    case 'record':
      valid = fc.dictionary(fc.constantFrom('a', 'b', '1', '__proto__'), valuesOf(def.valueType!), {
        maxKeys: 3,
      });
      break;
    case 'object': {
      const entries = Object.entries(def.shape!).map(([k, v]) => [k, valuesOf(v)] as const);
      valid = fc
        .tuple(
          fc.record(Object.fromEntries(entries), { requiredKeys: [] }),
          fc.record(Object.fromEntries(entries)),
          fc.dictionary(fc.constantFrom('extra', 'secret', 'toJSON'), fc.anything({ maxDepth: 0 }), {
            maxKeys: 2,
          }),
          fc.nat(9),
        )
        // Usually every key (else zod refuses almost every value), sometimes some left out; extra keys.
        .map(([some, all, extra, pick]) => ({ ...(pick === 0 ? some : all), ...(pick < 3 ? extra : {}) }));
      break;
    }
    default:
      valid = fc.anything({ maxDepth: 1 });
  }
  return fc.oneof({ weight: 80, arbitrary: valid }, { weight: 1, arbitrary: noise });
}

/** Every node type a response schema uses, plus checks, strict/loose objects and tricky keys. */
const kitchenSink = z.object({
  s: z.string(),
  n: z.number(),
  i: z.number().int(),
  m: z.string().max(60),
  b: z.boolean(),
  nul: z.null(),
  lit: z.literal('x'),
  lits: z.literal([1, 'one']),
  e: z.enum(['a', 'b']),
  opt: z.string().optional(),
  optNull: z.number().nullable().optional(),
  nullOpt: z.number().optional().nullable(),
  ro: z.array(z.string()).readonly(),
  arr: z.array(z.object({ id: z.string(), v: z.number().nullable() })),
  arrOpt: z.array(z.string().optional()),
  u: z.union([z.object({ kind: z.literal('a'), a: z.string() }), z.object({ b: z.number() }), z.string()]),
  du: z.discriminatedUnion('type', [
    z.object({ type: z.literal('activity'), id: z.string() }),
    z.object({ type: z.literal('deal'), amount: z.number() }),
  ]),
  rec: z.record(z.string(), z.boolean()),
  date: z.date(),
  strict: z.object({ a: z.string() }).strict(),
  loose: z.looseObject({ a: z.string() }),
  refined: z.object({ a: z.number() }).refine((o) => o.a > 0),
  numericKeys: z.object({ '2': z.string(), '1': z.string() }),
  any: z.any(),
  unknown: z.unknown(),
});

describe('jsonWriter', () => {
  const schemas: [string, $ZodType][] = [
    ['kitchen sink', kitchenSink],
    ['me', meResponse],
    ['metric values', valuesResponseSchema],
    ['metric grid', gridResponseSchema],
  ];
  for (const [name, schema] of schemas) {
    it(`answers only what zod parses, with zod's output as JSON (${name})`, () => {
      const write = jsonWriter(schema);
      let written = 0;
      fc.assert(
        fc.property(valuesOf(schema), (value) => {
          const json = write(value);
          const parsed = z.safeParse(schema as z.ZodType, value);
          if (json !== undefined) {
            written += 1;
            expect(parsed.success).toBe(true);
            expect(json).toBe(JSON.stringify(parsed.data));
          }
          // And the serializer as a whole: zod's output, or the library's error.
          let out: unknown;
          try {
            out = compile(schema as z.ZodType)(value);
          } catch (error) {
            out = error;
          }
          if (parsed.success) expect(out).toBe(JSON.stringify(parsed.data));
          else expect(isResponseSerializationError(out)).toBe(true);
        }),
        { numRuns: 600, seed: 4242 },
      );
      // The generator must reach the writer's own answers, not only zod's fallback.
      expect(written).toBeGreaterThan(10);
    });
  }

  it('writes a grid answer as zod would, without fields the schema does not name', () => {
    const metric = {
      key: 'visits',
      name: 'Visits',
      definition: 'Visits logged',
      unit: 'count',
      direction: 'higher',
      format: 'number',
      snapshot: false,
      custom: false,
      currency: null,
      extra: 'secret',
    };
    const value = { view: 'value', rank: 1, value: 12.5, target: 10, targetBasis: null, extra: 'secret' };
    const grid = {
      currency: 'USD',
      period: { key: '2026-03', label: 'March 2026', start: 'a', end: 'b', elapsed: 1 },
      previousPeriod: { key: '2026-02', label: 'February 2026' },
      people: [
        { id: 'u1', name: 'Ann', extra: 'secret' },
        { id: 'u2', name: 'Bo' },
        { id: 'u3', name: 'Cy' },
        { id: 'u4', name: 'Di' },
      ],
      metrics: [
        {
          metric,
          visibility: 'ranks',
          // A value, a ratio's parts, a rank-only peer (its numbers left out), a hidden one.
          cells: [
            value,
            { ...value, numerator: 3, denominator: 4 },
            { view: 'rank', rank: 2, value: 99 },
            null,
          ],
        },
      ],
    };
    const json = jsonWriter(gridResponseSchema)(grid);
    expect(json).toBe(JSON.stringify(gridResponseSchema.parse(grid)));
    expect(json).not.toContain('secret');
    expect(json).not.toContain('99');
    expect(JSON.parse(json!).metrics[0].cells[1]).toEqual({
      ...value,
      extra: undefined,
      numerator: 3,
      denominator: 4,
    });
  });
});
