import fc from 'fast-check';
import { isResponseSerializationError, serializerCompiler } from 'fastify-type-provider-zod';
import { describe, expect, it } from 'vitest';
import { z } from 'zod';
import { meResponse } from '../modules/identity/identity.schemas.ts';
import { compileJsonWriter, isPlainOutputSchema, responseSerializerCompiler } from './response-serializer.ts';

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

describe('compileJsonWriter', () => {
  const tier = z.enum(['A', 'B', 'C']);
  const row = z.object({
    id: z.string(),
    name: z.string().min(1).max(20),
    amount: z.number().int(),
    ratio: z.number().nullable(),
    tier: tier.nullable().optional(),
    kind: z.literal(['visit', 'call']),
    won: z.boolean(),
    at: z.date().optional(),
    tags: z.array(z.string()),
    union: z.union([z.string(), z.number()]).optional(),
    rec: z.record(z.string(), z.number()).optional(),
    strict: z.object({ a: z.number() }).strict().optional(),
    nested: z.object({ deep: z.array(z.object({ v: z.number().nullable() })).readonly() }),
  });
  const schemas = {
    row,
    list: z.object({ items: z.array(row), next: z.string().nullable() }),
    me: meResponse,
  };

  const fieldOr = <T>(valid: fc.Arbitrary<T>) => fc.oneof({ weight: 40, arbitrary: valid }, fc.anything());
  const validRow = fc.record(
    {
      id: fieldOr(fc.string()),
      name: fieldOr(fc.string({ minLength: 0, maxLength: 22 })),
      amount: fieldOr(fc.oneof({ weight: 5, arbitrary: fc.integer() }, fc.double())),
      ratio: fieldOr(fc.oneof(fc.double(), fc.constant(null))),
      tier: fieldOr(fc.constantFrom('A', 'B', 'C', 'D', null, undefined)),
      kind: fieldOr(fc.constantFrom('visit', 'call', 'email')),
      won: fieldOr(fc.boolean()),
      at: fieldOr(fc.oneof(fc.date(), fc.constant(new Date(Number.NaN)))),
      tags: fieldOr(fc.array(fieldOr(fc.string()), { maxLength: 3 })),
      union: fieldOr(fc.oneof(fc.string(), fc.double(), fc.boolean())),
      rec: fieldOr(fc.dictionary(fc.string(), fc.oneof(fc.double(), fc.string()), { maxKeys: 3 })),
      strict: fieldOr(fc.oneof(fc.record({ a: fc.double() }), fc.record({ a: fc.double(), b: fc.string() }))),
      nested: fieldOr(
        fc.record({
          deep: fc.array(fc.record({ v: fc.oneof(fc.double(), fc.constant(null)), extra: fc.string() }), {
            maxLength: 3,
          }),
        }),
      ),
      extra: fc.anything(),
    },
    { requiredKeys: ['id', 'name', 'amount', 'ratio', 'kind', 'won', 'tags', 'nested'] },
  );
  const values = {
    row: validRow,
    list: fc.record({
      items: fc.array(validRow, { maxLength: 4 }),
      next: fieldOr(fc.oneof(fc.string(), fc.constant(null))),
    }),
    me: fc.record(
      {
        user: fieldOr(
          fc.record({
            id: fc.string(),
            email: fc.string(),
            name: fc.string(),
            timeZone: fc.string(),
            hash: fc.string(),
          }),
        ),
        org: fieldOr(
          fc.record({
            id: fc.string(),
            name: fc.string(),
            currency: fc.string(),
            timeZone: fc.string(),
            fiscalYearStartMonth: fieldOr(fc.integer()),
          }),
        ),
        role: fieldOr(fc.constantFrom('admin', 'manager', 'rep', 'owner')),
        teams: fieldOr(
          fc.array(
            fc.record({
              id: fc.string(),
              name: fc.string(),
              relation: fc.constantFrom('member', 'manager', 'x'),
            }),
            { maxLength: 3 },
          ),
        ),
        csrfToken: fieldOr(fc.string()),
      },
      { requiredKeys: [] },
    ),
  };

  for (const [name, schema] of Object.entries(schemas)) {
    it(`writes exactly JSON.stringify(parse(x)) for ${name}, and only what zod accepts`, () => {
      const write = compileJsonWriter(schema);
      let written = 0;
      fc.assert(
        fc.property(values[name as keyof typeof values] as fc.Arbitrary<unknown>, (x) => {
          const out = write(x);
          const parsed = schema.safeParse(x);
          // These schemas hold nothing the writer hands back undecided (such as an undefined
          // `any`): it vouches exactly for what zod accepts.
          expect(out !== undefined).toBe(parsed.success);
          if (out !== undefined) {
            written += 1;
            expect(out).toBe(JSON.stringify(parsed.data));
          }
        }),
        { numRuns: 2000 },
      );
      // The generators make valid values often enough for the comparison to mean something.
      expect(written).toBeGreaterThan(50);
    });
  }

  it('answers through zod (same output) when the writer cannot vouch, and with the library error when zod refuses', () => {
    const serialize = compile(row);
    const ok = {
      id: 'x',
      name: 'n',
      amount: 1,
      ratio: null,
      kind: 'call',
      won: true,
      tags: [],
      nested: { deep: [] },
    };
    expect(serialize({ ...ok, union: 'u', rec: { a: 1 } })).toBe(
      JSON.stringify(row.parse({ ...ok, union: 'u', rec: { a: 1 } })),
    );
    expect(() => serialize({ ...ok, amount: 1.5 })).toThrow();
    expect(() => serialize({ ...ok, strict: { a: 1, b: 2 } })).toThrow();
  });
});
