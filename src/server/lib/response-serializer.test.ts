import { isResponseSerializationError, serializerCompiler } from 'fastify-type-provider-zod';
import { describe, expect, it } from 'vitest';
import { z } from 'zod';
import { meResponse } from '../modules/identity/identity.schemas.ts';
import { isPlainOutputSchema, responseSerializerCompiler } from './response-serializer.ts';

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
