/**
 * Input fuzzing (issue 7, item 3): every route the app registers gets fast-check generated requests
 * as a signed-in admin — valid-ish ones derived from its zod schemas and garbage (wrong types, huge
 * strings, deep nesting, prototype keys, unicode and number edge cases, arrays for objects, malformed
 * JSON, wrong content types) — plus one body over the limit. Each answer must be below 500, a 400 must
 * name its fields, and the server must stay healthy. Routes added later are covered automatically.
 *
 * FUZZ_RUNS sets the cases per route, FUZZ_SEED the seed (printed; a failure prints the counterexample
 * and the seed/path to replay it).
 *
 * The routes are dealt into shards (tests/integration/fuzz-<n>.int.test.ts), one test file each, so
 * that the test runner spreads them over the machine's cores.
 */
import fc from 'fast-check';
import type { InjectOptions } from 'fastify';
import { afterAll, describe, expect, it } from 'vitest';
import { BODY_LIMIT_BYTES, type RegisteredRoute } from '../../src/server/app.ts';
import { makeWorld, PASSWORD } from '../factories/identity.ts';
import { as, createTestApp, type Session, signIn } from '../setup/test-app.ts';
import { testEngine } from '../setup/test-db.ts';
import { caseArbitrary, judge, POLLUTION_KEY, paramNames, toInject } from './fuzz-cases.ts';

const engine = testEngine();
// 1,000 cases per route on each engine (on the 2-core CI machine about 45 s per shard on SQLite and
// 100 s on PostgreSQL); FUZZ_RUNS changes it.
const DEFAULT_RUNS = 1000;
const RUNS = Number(process.env.FUZZ_RUNS ?? DEFAULT_RUNS);
const SEED = Number(process.env.FUZZ_SEED ?? 7_000_3);
const ROUTE_TIMEOUT_MS = Math.max(60_000, RUNS * 200);

/** Fuzzes shard `shard` (1-based) of `shards`: the routes whose index in the route list ≡ shard-1 (mod shards). */
export async function fuzzShard(shard: number, shards: number): Promise<void> {
  const t = await createTestApp();
  const world = await makeWorld(t.db, t.clock);
  const protoNamesBefore = Object.getOwnPropertyNames(Object.prototype).sort();

  // The fuzzing admin (its session may be ended by the routes under test: logout, session revocation),
  // and an observer admin whose session only ever makes the health reads.
  let fuzzer: Session = await signIn(t.app, world.org.admin.email, PASSWORD);
  const observer: Session = await signIn(t.app, world.org.admin.email, PASSWORD);

  /** Routes under test: everything that declares a permission (all of /api, plus /metrics), this shard's share. */
  const allRoutes: RegisteredRoute[] = t.app.routeList.filter((r) => r.permission !== undefined);
  const routes = allRoutes.filter((_, i) => i % shards === shard - 1);

  /** Real ids of cheap entities, by the path segment in front of `:id` (e.g. `accounts`). */
  const realIds = new Map<string, string[]>();
  function remember(segment: string, id: unknown): void {
    if (typeof id === 'string') realIds.set(segment, [...(realIds.get(segment) ?? []), id]);
  }
  async function create(segment: string, opts: InjectOptions): Promise<string> {
    const res = await as(t.app, fuzzer)(opts);
    if (res.statusCode >= 300) throw new Error(`could not create ${segment}: ${res.statusCode} ${res.body}`);
    const id = (res.json() as { id?: string; token?: { id?: string } }).id;
    remember(segment, id);
    return id as string;
  }
  {
    for (const u of [world.managerA, world.managerB, world.repA1, world.repA2, world.repB1, world.otherRep])
      remember('users', u.id);
    for (const team of [world.teamA, world.teamB, world.region, world.otherTeam]) remember('teams', team);
    const account = await create('accounts', {
      method: 'POST',
      url: '/api/crm/accounts',
      payload: { name: 'Fuzz A' },
    });
    await create('contacts', {
      method: 'POST',
      url: '/api/crm/contacts',
      payload: { accountId: account, name: 'Fuzz C' },
    });
    await create('deals', {
      method: 'POST',
      url: '/api/crm/deals',
      payload: { accountId: account, name: 'Fuzz D', amountMinor: 12_345 },
    });
    await create('activities', {
      method: 'POST',
      url: '/api/crm/activities',
      payload: { kind: 'call', subject: 'Fuzz' },
    });
    await create('notes', {
      method: 'POST',
      url: '/api/crm/notes',
      payload: { entityType: 'account', entityId: account, body: 'fuzz' },
    });
    await create('webhooks', {
      method: 'POST',
      url: '/api/webhooks',
      payload: { url: 'https://hooks.example.test/fuzz', events: ['deal.won'] },
    });
    await create('invitations', {
      method: 'POST',
      url: '/api/invitations',
      payload: { email: 'fuzz-invite@example.test', role: 'rep' },
    });
    await create('imports', {
      method: 'POST',
      url: '/api/crm/imports?entity=accounts',
      payload: 'Account Name\nFuzz Import\n',
      headers: { 'content-type': 'text/csv' },
    });
    const pipelines = (await as(t.app, fuzzer)({ method: 'GET', url: '/api/crm/pipelines' })).json() as {
      items: { id: string }[];
    };
    for (const p of pipelines.items) remember('pipelines', p.id);
  }

  function idsFor(route: RegisteredRoute): string[] {
    if (!paramNames(route.url).includes('id')) return [];
    const segment = route.url.split('/:id')[0]?.split('/').pop() ?? '';
    return realIds.get(segment) ?? [];
  }

  const unhandled: unknown[] = [];
  const onUnhandled = (reason: unknown) => unhandled.push(reason);
  process.on('unhandledRejection', onUnhandled);

  let casesRun = 0;
  const coverage: string[] = [];
  console.log(
    `fuzz: shard ${shard}/${shards}: ${routes.length} of ${allRoutes.length} routes on ${engine}, ${RUNS} cases each, seed ${SEED} (FUZZ_RUNS / FUZZ_SEED to change)`,
  );

  afterAll(async () => {
    process.off('unhandledRejection', onUnhandled);
    await t.close();
  });

  async function ensureFuzzerSignedIn(): Promise<void> {
    const me = await as(t.app, fuzzer)({ method: 'GET', url: '/api/me' });
    if (me.statusCode === 401) fuzzer = await signIn(t.app, world.org.admin.email, PASSWORD);
  }

  describe('input fuzzing', () => {
    for (const route of routes) {
      const name = `${route.method} ${route.url}`;
      it(
        name,
        async () => {
          await ensureFuzzerSignedIn();
          const ids = idsFor(route);
          let n = 0;
          await fc.assert(
            fc.asyncProperty(caseArbitrary(route, ids), async (c) => {
              n += 1;
              const res = await as(t.app, fuzzer)(toInject(route, c));
              const problem = judge(route, c, res);
              if (problem) throw new Error(`${name} [${c.kind}] ${problem}`);
            }),
            { numRuns: RUNS, seed: SEED, endOnFailure: true },
          );

          // One body over the limit per route that takes a body.
          if (route.method !== 'GET') {
            await ensureFuzzerSignedIn(); // (the logout route ends the session it is fuzzed with)
            const res = await as(
              t.app,
              fuzzer,
            )({
              method: route.method as 'POST',
              url: route.url.replace(/:(\w+)/g, '0190aaaa-0000-7000-8000-000000000000'),
              payload: JSON.stringify({ name: 'x'.repeat(BODY_LIMIT_BYTES + 1) }),
              headers: { 'content-type': 'application/json' },
            });
            n += 1;
            expect(res.statusCode, `${name} with a body over ${BODY_LIMIT_BYTES} bytes`).toBe(413);
            expect(res.json().error.code).toBe('payload_too_large');
          }
          casesRun += n;

          // The server is still healthy and still answers a known read.
          expect((await t.app.inject({ method: 'GET', url: '/healthz' })).statusCode).toBe(200);
          expect((await as(t.app, observer)({ method: 'GET', url: '/api/me' })).statusCode).toBe(200);
          expect(unhandled).toEqual([]);
          expect(Object.getOwnPropertyNames(Object.prototype).sort()).toEqual(protoNamesBefore);
          expect(({} as Record<string, unknown>)[POLLUTION_KEY]).toBeUndefined();
          coverage.push(name);
        },
        ROUTE_TIMEOUT_MS,
      );
    }

    it('covered every route and left the process unpolluted', () => {
      expect(allRoutes.length).toBeGreaterThan(50);
      expect(routes.length).toBeGreaterThanOrEqual(Math.floor(allRoutes.length / shards));
      expect(coverage).toEqual(routes.map((r) => `${r.method} ${r.url}`));
      expect(Object.getOwnPropertyNames(Object.prototype).sort()).toEqual(protoNamesBefore);
      for (const proto of [Object.prototype, Array.prototype, Function.prototype]) {
        expect(Object.hasOwn(proto, POLLUTION_KEY)).toBe(false);
      }
      console.log(
        `fuzz: shard ${shard}/${shards} covered ${coverage.length}/${routes.length} routes, ${casesRun} cases, seed ${SEED}, ${engine}`,
      );
    });
  });
}
