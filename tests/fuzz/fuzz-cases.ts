/**
 * One fuzz case per request: params, query and body for a route, either derived from the route's
 * zod schemas (valid-ish) or mutated into garbage, plus the oracle every answer must satisfy.
 */
import fc from 'fast-check';
import type { InjectOptions, LightMyRequestResponse } from 'fastify';
import type { z } from 'zod';
import type { RegisteredRoute } from '../../src/server/app.ts';
import {
  anyString,
  asQueryValue,
  deepJson,
  edgeNumberTexts,
  edgeStrings,
  fromSchema,
  garbageValue,
  toJsonSchema,
  wellFormed,
} from './arbitraries.ts';

export type FuzzBody =
  | { kind: 'none' }
  | { kind: 'json'; value: unknown }
  | { kind: 'raw'; text: string; contentType: string };

export interface FuzzCase {
  /** Which generator made it (shown in a counterexample). */
  kind: string;
  params: Record<string, string>;
  query: [string, string][];
  body: FuzzBody;
}

export interface RouteInputs {
  params?: z.ZodType;
  querystring?: z.ZodType;
  body?: z.ZodType;
}

function zodOf(value: unknown): z.ZodType | undefined {
  return value && typeof value === 'object' && '_zod' in value ? (value as z.ZodType) : undefined;
}

export function routeInputs(route: RegisteredRoute): RouteInputs {
  return {
    params: zodOf(route.schema.params),
    querystring: zodOf(route.schema.querystring),
    body: zodOf(route.schema.body),
  };
}

export function paramNames(url: string): string[] {
  return [...url.matchAll(/:(\w+)/g)].map((m) => m[1] as string);
}

export const POLLUTION_KEY = 'fuzzPolluted';
const protoKeys = ['__proto__', 'constructor', 'prototype'] as const;

function objectEntries(value: unknown): [string, unknown][] {
  return value && typeof value === 'object' && !Array.isArray(value) ? Object.entries(value) : [];
}

/** Puts `"key": <raw json text>` first in an object's JSON text (JSON.stringify cannot write `__proto__`). */
function withRawMember(value: unknown, key: string, rawValue: string): string {
  const rest = JSON.stringify(value && typeof value === 'object' && !Array.isArray(value) ? value : {});
  return `{${JSON.stringify(key)}:${rawValue}${rest === '{}' ? '' : `,${rest.slice(1, -1)}`}}`;
}

function withoutKey(value: unknown, key: string): Record<string, unknown> {
  return Object.fromEntries(objectEntries(value).filter(([k]) => k !== key));
}

function mutatedBody(valid: fc.Arbitrary<unknown>): fc.Arbitrary<[string, FuzzBody]> {
  const json = (kind: string, value: unknown): [string, FuzzBody] => [kind, { kind: 'json', value }];
  const raw = (kind: string, text: string, contentType = 'application/json'): [string, FuzzBody] => [
    kind,
    { kind: 'raw', text, contentType },
  ];
  const pickKey = (v: unknown) => {
    const keys = objectEntries(v).map(([k]) => k);
    return keys.length > 0 ? fc.constantFrom(...keys) : fc.constant('name');
  };
  return fc.oneof(
    // a field of the wrong type, or at an edge value
    valid.chain((v) =>
      fc.tuple(pickKey(v), garbageValue).map(([k, g]) =>
        json('wrong-type field', {
          ...withoutKey(v, k),
          [k]: g,
        }),
      ),
    ),
    // a field that is not in the schema
    valid.chain((v) =>
      fc
        .tuple(fc.constantFrom('orgId', 'role', 'id', 'ownerId', 'isAdmin', 'x'), garbageValue)
        .map(([k, g]) => json('unknown field', { ...withoutKey(v, k), [k]: g })),
    ),
    // prototype keys at the top and one level down
    valid.chain((v) =>
      fc
        .constantFrom(...protoKeys)
        .map((k) =>
          raw(
            `${k} key`,
            withRawMember(
              v,
              k,
              k === 'constructor' ? `{"prototype":{"${POLLUTION_KEY}":true}}` : `{"${POLLUTION_KEY}":true}`,
            ),
          ),
        ),
    ),
    valid.chain((v) =>
      fc
        .tuple(pickKey(v), fc.constantFrom(...protoKeys))
        .map(([k, p]) =>
          raw(`nested ${p} key`, withRawMember(withoutKey(v, k), k, `{"${p}":{"${POLLUTION_KEY}":true}}`)),
        ),
    ),
    // an array (or a scalar) where the object is expected
    valid.map((v) => json('array body', [v])),
    garbageValue.map((g) => json('garbage body', g)),
    // deep nesting, whole body or one field
    fc.constantFrom(10, 1_000, 20_000).map((d) => raw(`nested ${d} arrays`, deepJson(d, 'array'))),
    valid.chain((v) =>
      fc
        .tuple(pickKey(v), fc.constantFrom(100, 5_000), fc.constantFrom('array' as const, 'object' as const))
        .map(([k, d, shape]) =>
          raw(`field nested ${d}`, withRawMember(withoutKey(v, k), k, deepJson(d, shape))),
        ),
    ),
    // number texts JSON.parse turns into Infinity, -0, imprecise integers
    valid.chain((v) =>
      fc
        .tuple(pickKey(v), fc.constantFrom(...edgeNumberTexts))
        .map(([k, n]) => raw(`number text ${n}`, withRawMember(withoutKey(v, k), k, n))),
    ),
    // huge strings (under the body limit) and unicode edge cases in every position
    valid.chain((v) =>
      fc
        .tuple(pickKey(v), fc.integer({ min: 10_000, max: 900_000 }))
        .map(([k, n]) => json('huge field', { ...withoutKey(v, k), [k]: 'é'.repeat(n / 2) })),
    ),
    valid.chain((v) =>
      fc
        .tuple(pickKey(v), fc.constantFrom(...edgeStrings))
        .map(([k, s]) => json('edge string field', { ...withoutKey(v, k), [k]: s })),
    ),
    // malformed JSON and wrong content types
    valid.chain((v) =>
      fc
        .integer({ min: 0, max: 50 })
        .map((cut) => raw('truncated json', JSON.stringify(v ?? {}).slice(0, cut))),
    ),
    fc
      .constantFrom('', ' ', 'null', '[]', '"x"', '{"a":1,}', "{'a':1}", '\uFEFF{}', '{"a":"\\ud800"}', 'NaN')
      .map((t) => raw('odd json text', t)),
    valid.chain((v) =>
      fc
        .constantFrom(
          'text/plain',
          'text/csv',
          'application/x-www-form-urlencoded',
          'multipart/form-data',
          'application/xml',
        )
        .map((ct) => raw(`content-type ${ct}`, JSON.stringify(v ?? {}), ct)),
    ),
  );
}

function validCase(route: RegisteredRoute, inputs: RouteInputs, ids: string[]): fc.Arbitrary<FuzzCase> {
  const names = paramNames(route.url);
  const paramSchema = inputs.params ? toJsonSchema(inputs.params) : undefined;
  const paramArbs: Record<string, fc.Arbitrary<string>> = {};
  for (const name of names) {
    const fromZod = paramSchema?.properties?.[name];
    const options: fc.Arbitrary<string>[] = [fc.uuid()];
    if (fromZod) options.push(fromSchema(fromZod).map((v) => asQueryValue(v)));
    if (ids.length > 0) options.push(fc.constantFrom(...ids), fc.constantFrom(...ids));
    paramArbs[name] = fc.oneof(...options);
  }
  const queryArb = inputs.querystring
    ? fromSchema(toJsonSchema(inputs.querystring)).map((q) =>
        objectEntries(q).map(([k, v]): [string, string] => [k, asQueryValue(v)]),
      )
    : fc.constant([] as [string, string][]);
  const bodyArb: fc.Arbitrary<FuzzBody> =
    inputs.body !== undefined
      ? fromSchema(toJsonSchema(inputs.body)).map((value) => ({ kind: 'json', value }))
      : fc.constant({ kind: 'none' });
  return fc
    .record({ params: fc.record(paramArbs), query: queryArb, body: bodyArb })
    .map((c) => ({ kind: 'valid-ish', ...c }));
}

/** Valid-ish and garbage cases for one route, weighted towards the garbage. */
export function caseArbitrary(route: RegisteredRoute, ids: string[]): fc.Arbitrary<FuzzCase> {
  const inputs = routeInputs(route);
  const valid = validCase(route, inputs, ids);
  const hasBody = route.method !== 'GET';
  const validBody = inputs.body ? fromSchema(toJsonSchema(inputs.body)) : fc.constant({});
  const garbageParams = fc.oneof(
    anyString,
    fc.string({ minLength: 60, maxLength: 120 }),
    fc.constantFrom('..', '.', '%2e%2e', 'a/b', 'a%2Fb', '%00', '%zz', '%', '?x=1', '#', ' ', '%F0%9F%98'),
  );
  const queryGarbage = fc.tuple(
    fc.oneof(
      fc.constantFrom(
        ...Object.keys(inputs.querystring ? (toJsonSchema(inputs.querystring).properties ?? {}) : {}),
        'q',
      ),
      fc.constantFrom(
        '__proto__',
        'constructor',
        'prototype',
        '__proto__[x]',
        'constructor[prototype][x]',
        'a[]',
        '',
      ),
      anyString,
    ),
    fc.oneof(
      anyString,
      fc.constantFrom(...edgeNumberTexts, 'NaN', 'Infinity', '1e308', '-0', '9007199254740992'),
    ),
  );
  const arbitraries: { weight: number; arbitrary: fc.Arbitrary<FuzzCase> }[] = [
    { weight: 3, arbitrary: valid },
    {
      weight: 2,
      arbitrary: fc
        .tuple(valid, fc.array(queryGarbage, { minLength: 1, maxLength: 3 }), fc.boolean())
        .map(([c, extra, repeat]) => ({
          ...c,
          kind: repeat ? 'query garbage (repeated keys)' : 'query garbage',
          query: repeat
            ? [...c.query, ...c.query, ...extra]
            : [...c.query.filter(([k]) => !extra.some(([e]) => e === k)), ...extra],
        })),
    },
  ];
  const names = paramNames(route.url);
  if (names.length > 0) {
    arbitraries.push({
      weight: 1,
      arbitrary: fc.tuple(valid, fc.constantFrom(...names), garbageParams).map(([c, name, g]) => ({
        ...c,
        kind: 'param garbage',
        params: { ...c.params, [name]: g },
      })),
    });
  }
  if (hasBody) {
    arbitraries.push({
      weight: inputs.body ? 5 : 1,
      arbitrary: fc
        .tuple(valid, mutatedBody(validBody))
        .map(([c, [kind, body]]) => ({ ...c, kind: `body: ${kind}`, body })),
    });
  }
  return fc.oneof(...arbitraries);
}

function encodeParam(value: string): string {
  // Raw percent sequences are sent as typed, so malformed ones (%zz) reach the router.
  return /%/.test(value)
    ? value.replace(/[^%\w.~-]/g, (ch) => encodeURIComponent(wellFormed(ch)))
    : encodeURIComponent(wellFormed(value));
}

export function toInject(route: RegisteredRoute, c: FuzzCase): InjectOptions {
  const path = route.url.replace(/:(\w+)/g, (_m, name: string) => encodeParam(c.params[name] ?? ''));
  const qs = c.query
    .map(([k, v]) => `${encodeURIComponent(wellFormed(k))}=${encodeURIComponent(wellFormed(v))}`)
    .join('&');
  const opts: InjectOptions = {
    method: route.method as InjectOptions['method'],
    url: qs ? `${path}?${qs}` : path,
    // Login attempts are limited per IP: the fuzz runs from its own address so sign-ins still work.
    remoteAddress: '203.0.113.77',
  };
  if (c.body.kind === 'json' && c.body.value !== undefined) {
    opts.payload = JSON.stringify(c.body.value);
    opts.headers = { 'content-type': 'application/json' };
  } else if (c.body.kind === 'raw') {
    opts.payload = c.body.text;
    opts.headers = { 'content-type': c.body.contentType };
  }
  return opts;
}

// ---- the oracle ---------------------------------------------------------------------------------

interface FieldProblem {
  path?: unknown;
  in?: unknown;
  message?: unknown;
}

/** The body as the server's JSON parser sees it, or `undefined` when it is not parseable JSON. */
function sentJson(c: FuzzCase): { value: unknown } | undefined {
  if (c.body.kind === 'json') return hasPrototypeKeys(c.body.value) ? undefined : { value: c.body.value };
  if (c.body.kind === 'raw' && c.body.contentType === 'application/json') {
    try {
      const value: unknown = JSON.parse(c.body.text);
      // Fastify's parser refuses what could pollute a prototype, as a whole.
      return hasPrototypeKeys(value) ? undefined : { value };
    } catch {
      return undefined;
    }
  }
  return undefined;
}

function hasPrototypeKeys(value: unknown): boolean {
  if (typeof value !== 'object' || value === null) return false;
  if (Object.hasOwn(value, '__proto__')) return true;
  const ctor = (value as Record<string, unknown>).constructor;
  if (
    Object.hasOwn(value, 'constructor') &&
    typeof ctor === 'object' &&
    ctor !== null &&
    Object.hasOwn(ctor, 'prototype')
  )
    return true;
  return Object.values(value).some(hasPrototypeKeys);
}

function isPlainObject(v: unknown): boolean {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

/**
 * Checks one answer; returns a description of what is wrong, or null. Rules: never a 5xx; every 400
 * names its fields (`error.details.fields`, each with a path; the empty path is the documented root
 * marker and only appears when the input part as a whole is wrong); input zod refuses is a 400.
 */
export function judge(route: RegisteredRoute, c: FuzzCase, res: LightMyRequestResponse): string | null {
  if (res.statusCode >= 500) return `answered ${res.statusCode}: ${res.body.slice(0, 500)}`;
  if (res.statusCode === 400) {
    let body: { error?: { code?: unknown; details?: { fields?: FieldProblem[] } } };
    try {
      body = res.json();
    } catch {
      return `400 without a JSON body: ${res.body.slice(0, 200)}`;
    }
    const fields = body.error?.details?.fields;
    if (!Array.isArray(fields) || fields.length === 0)
      return `400 without error.details.fields: ${res.body.slice(0, 300)}`;
    for (const f of fields) {
      if (typeof f.path !== 'string' || typeof f.message !== 'string' || f.message === '')
        return `400 with a malformed field problem: ${JSON.stringify(f)}`;
      if (f.path === '') {
        const json = sentJson(c);
        const wholeBodyWrong = f.in === 'body' && (json === undefined || !isPlainObject(json.value));
        const unreadableUrl = f.in === 'params' && Object.values(c.params).some((p) => p.includes('%'));
        if (!wholeBodyWrong && !unreadableUrl)
          return `400 with an empty field path for a part that is an object: ${res.body.slice(0, 300)}`;
      }
    }
  }
  // Differential check against zod itself: what the route's body schema refuses must be a 400.
  const inputs = routeInputs(route);
  const json = sentJson(c);
  // (A path such as /api/x/.. may resolve to another URL without a route, and an over-long path
  // parameter is refused by the router with 414, before any validation: both are fine.)
  const noRoute = res.statusCode === 404 && res.body.includes('"No route ');
  if (inputs.body && json && !noRoute && ![400, 413, 414].includes(res.statusCode)) {
    if (!inputs.body.safeParse(json.value).success)
      return `answered ${res.statusCode} to a body the route's schema refuses: ${res.body.slice(0, 300)}`;
  }
  return null;
}
