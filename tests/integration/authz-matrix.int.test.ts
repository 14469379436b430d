import type { LightMyRequestResponse } from 'fastify';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { type ActorKey, type AuthzContext, buildContext, matrixActors } from '../authz/actors.ts';
import {
  isDeny,
  type ListFilterParam,
  listFilterParams,
  listFilters,
  matrix,
  type Outcome,
  rowFor,
} from '../authz/matrix.ts';
import { buildRequest, type Req } from '../authz/requests.ts';
import { type Subjects, subjects } from '../authz/subjects.ts';
import { createTestApp, type TestApp } from '../setup/test-app.ts';
import { routeKey } from './sample-requests.ts';

// Whole-app walks: one test may call every route hundreds of times (PostgreSQL on a busy CI box).
vi.setConfig({ testTimeout: 120_000 });
/**
 * The authorization matrix (issue 7, item 1): every API route registered in the app × every actor
 * of tests/authz/actors.ts is called with real records and compared with the table in
 * tests/authz/matrix.ts (written from the policy rules). Then every route naming a record of org A
 * (in its path, query or body) is called by the other org's admin and rep, and must answer byte for
 * byte what a nonexistent id answers. Rate limits are on; the clock is the test app's fake clock.
 */
let t: TestApp;
let ctx: AuthzContext;
let s: Subjects;
const NOWHERE = '0190aaaa-0000-7000-8000-00000000dead';

beforeAll(async () => {
  t = await createTestApp();
  ctx = await buildContext(t);
  s = subjects(ctx);
});
afterAll(async () => {
  await t?.close();
});

function apiRoutes() {
  return t.app.routeList.filter((r) => r.url.startsWith('/api/') && !r.url.startsWith('/api/docs'));
}

async function send(actor: ActorKey | 'foreignRep', req: Req): Promise<LightMyRequestResponse> {
  return ctx.call(
    actor,
    {
      method: req.method,
      url: req.url,
      payload: req.payload as string | Record<string, unknown> | undefined,
      headers: req.headers,
    },
    req.session,
  );
}

function matches(expected: Outcome, res: LightMyRequestResponse, anonymousStatus: number | null): boolean {
  switch (expected) {
    case 'allow':
      return res.statusCode >= 200 && res.statusCode < 300;
    case 'empty': {
      if (res.statusCode !== 200) return false;
      const items = (res.json() as { items?: unknown[] }).items;
      return Array.isArray(items) && items.length === 0;
    }
    case 'public':
      return res.statusCode === anonymousStatus && res.statusCode < 500;
    case 400: {
      if (res.statusCode !== 400) return false;
      const body = res.json() as { error?: { details?: { fields?: unknown[]; rows?: unknown[] } } };
      return (body.error?.details?.fields?.length ?? body.error?.details?.rows?.length ?? 0) > 0;
    }
    case 'teamRead':
      throw new Error('resolve teamRead before matching');
    default:
      return res.statusCode === expected;
  }
}

describe('authorization matrix', () => {
  it('has a row for every registered API route (and no row for a route that is gone)', () => {
    const keys = apiRoutes().map((r) => routeKey(r.method, r.url));
    const missing = keys.filter((k) => !(k in matrix));
    expect(missing, `routes missing from tests/authz/matrix.ts: ${missing.join(', ')}`).toEqual([]);
    const stale = Object.keys(matrix).filter((k) => !keys.includes(k));
    expect(stale, `rows of routes that no longer exist: ${stale.join(', ')}`).toEqual([]);
  });

  it('pairs every deny with an allow on the same route', () => {
    for (const key of Object.keys(matrix)) {
      const row = rowFor(key);
      const cells = Object.values(row);
      if (cells.some(isDeny) && key !== 'GET /api/openapi.json')
        expect(
          cells.some((c) => c === 'allow' || c === 'teamRead'),
          `${key} denies everyone`,
        ).toBe(true);
    }
  });

  it('answers every route × actor as the table says', async () => {
    const failures: string[] = [];
    let cases = 0;
    const routes = apiRoutes();
    for (const route of routes) {
      const key = routeKey(route.method, route.url);
      const row = rowFor(key);
      let anonymousStatus: number | null = null;
      const one = async (actor: ActorKey) => {
        const expected: Outcome = row[actor] === 'teamRead' ? 404 : row[actor];
        const req = await buildRequest(ctx, s, route.method, route.url, actor);
        const res = await send(actor, req);
        cases += 1;
        if (actor === 'anonymous') anonymousStatus = res.statusCode;
        if (res.statusCode >= 500) failures.push(`${key} as ${actor}: ${res.statusCode} ${res.body}`);
        else if (!matches(expected, res, anonymousStatus))
          failures.push(
            `${key} as ${actor}: expected ${expected}, got ${res.statusCode} ${res.body.slice(0, 200)}`,
          );
      };
      // Anonymous first (public rows compare with it), then the others side by side: each call has
      // its own fresh records, so they cannot disturb one another.
      await one('anonymous');
      await Promise.all(matrixActors.filter((a) => a !== 'anonymous').map(one));
    }
    console.info(
      `authz matrix: ${cases} cases, ${routes.length} routes covered, ${matrixActors.length} actors (${matrixActors.join(', ')})`,
    );
    expect(failures).toEqual([]);
    expect(cases).toBe(routes.length * matrixActors.length);
  });

  it("lets a teammate read (never write) the team's accounts when the org allows it", async () => {
    const admin = ctx.sessions.admin;
    const on = await ctx.call(
      'admin',
      { method: 'PATCH', url: '/api/crm/settings', payload: { repsReadTeamAccounts: true } },
      admin,
    );
    expect(on.statusCode).toBe(200);
    const failures: string[] = [];
    let cases = 0;
    for (const route of apiRoutes()) {
      const key = routeKey(route.method, route.url);
      const row = rowFor(key);
      const entry = matrix[key];
      if (!Object.values(row).includes('teamRead') && entry?.shape !== 'owned' && !entry?.teamReadOn)
        continue;
      const expected: Outcome =
        entry?.teamReadOn?.teammate ?? (row.teammate === 'teamRead' ? 'allow' : row.teammate);
      const res = await send('teammate', await buildRequest(ctx, s, route.method, route.url, 'teammate'));
      cases += 1;
      if (!matches(expected, res, null))
        failures.push(`${key} as teammate: expected ${expected}, got ${res.statusCode}`);
    }
    await ctx.call('admin', {
      method: 'PATCH',
      url: '/api/crm/settings',
      payload: { repsReadTeamAccounts: false },
    });
    console.info(`authz matrix (team read on): ${cases} teammate cases`);
    expect(cases).toBeGreaterThan(5);
    expect(failures).toEqual([]);
  });
});

describe('rules about oneself', () => {
  it('nobody sets their own target, demotes or deactivates themselves, or decides their own proposal', async () => {
    const w = ctx.w;
    const target = (actor: ActorKey, subjectId: string) =>
      ctx.call(actor, {
        method: 'POST',
        url: '/api/targets',
        payload: { subjectType: 'user', subjectId, metric: 'meetings', period: 'FY2026-Q4', amount: 3 },
      });
    const own = await target('manager', w.managerA.id);
    expect(own.statusCode, own.body).toBe(400);
    expect(own.json().error.details.fields[0].path).toBe('subjectId');
    expect((await target('rep', w.repA1.id)).statusCode).toBe(403);
    // The director above sets the manager's.
    expect((await target('director', w.managerA.id)).statusCode).toBe(201);
    for (const payload of [{ active: false }, { role: 'manager' }]) {
      const res = await ctx.call('admin', { method: 'PATCH', url: `/api/users/${w.org.admin.id}`, payload });
      expect(res.statusCode, JSON.stringify(payload)).toBe(400);
    }
    // A goal the manager proposes for the rep: the manager cannot also agree; the rep can.
    const goal = await s.goal();
    expect(
      (await ctx.call('manager', { method: 'POST', url: `/api/goals/${goal}/propose`, payload: {} }))
        .statusCode,
    ).toBe(200);
    expect(
      (await ctx.call('manager', { method: 'POST', url: `/api/goals/${goal}/agree`, payload: {} }))
        .statusCode,
    ).toBe(403);
    expect(
      (await ctx.call('director', { method: 'POST', url: `/api/goals/${goal}/agree`, payload: {} }))
        .statusCode,
    ).toBe(403);
    expect(
      (await ctx.call('rep', { method: 'POST', url: `/api/goals/${goal}/agree`, payload: {} })).statusCode,
    ).toBe(200);
  });
});

/** How many records a list-like answer names (items, board columns, JSON or CSV export rows). */
function countRecords(res: LightMyRequestResponse): number {
  if (String(res.headers['content-type']).startsWith('text/csv'))
    return res.body.split('\n').filter((l) => l.trim() !== '').length - 1;
  const body = res.json() as unknown;
  if (Array.isArray(body)) return body.length;
  const o = body as { items?: unknown[]; columns?: { deals: unknown[] }[] };
  if (Array.isArray(o.items)) return o.items.length;
  if (Array.isArray(o.columns)) return o.columns.reduce((n, c) => n + c.deals.length, 0);
  throw new Error(`not a list: ${res.body.slice(0, 100)}`);
}

describe('lists filtered by a record of Team A', () => {
  it('narrow to nothing for actors out of reach, and show the records to those in reach', async () => {
    const w = ctx.w;
    const accountId = await s.account();
    const post = (actor: 'rep' | 'admin' | 'manager', url: string, payload: Record<string, unknown>) =>
      ctx.call(actor, { method: 'POST', url, payload });
    const ids = new Set<string>([accountId, ctx.w.repA1.id]);
    const keep = async (res: Promise<LightMyRequestResponse>) => {
      const r = await res;
      expect(r.statusCode, r.body).toBeLessThan(300);
      ids.add(r.json().id);
      return r;
    };
    await keep(post('rep', '/api/crm/contacts', { accountId, name: 'Filter Contact' }));
    const deal = (
      await keep(post('rep', '/api/crm/deals', { accountId, name: 'Filter deal', amountMinor: 700 }))
    ).json();
    const activity = await keep(
      post('rep', '/api/crm/activities', {
        kind: 'visit',
        subject: 'Filter visit',
        accountId,
        dealId: deal.id,
      }),
    );
    expect(activity.statusCode).toBe(201);
    await keep(
      post('rep', '/api/crm/notes', { entityType: 'account', entityId: accountId, body: 'filter note' }),
    );
    await keep(
      post('admin', '/api/targets', {
        subjectType: 'team',
        subjectId: w.teamA,
        metric: 'visits',
        period: 'FY2026-Q2',
        amount: 90,
      }),
    );
    ids.add(await s.target());
    ids.add(await s.goal());
    const teamGoal = await keep(
      post('manager', '/api/goals', {
        ownerKind: 'team',
        ownerTeamId: w.teamA,
        title: 'Team A logs 100 visits',
        metricKey: 'visits',
        baseline: 0,
        target: 100,
        startDate: '2026-01-05',
        deadline: '2026-03-30',
      }),
    );
    expect(teamGoal.statusCode, teamGoal.body).toBe(201);
    const values: Record<ListFilterParam, string> = {
      ownerId: w.repA1.id,
      userId: w.repA1.id,
      ownerUserId: w.repA1.id,
      user: w.repA1.id,
      actorId: w.repA1.id,
      teamId: w.teamA,
      team: w.teamA,
      ownerTeamId: w.teamA,
      accountId,
      dealId: deal.id,
      entityId: accountId,
    };
    const failures: string[] = [];
    let cases = 0;
    const seen = new Set<string>();
    for (const route of apiRoutes().filter((r) => r.method === 'GET')) {
      const shape =
        (route.schema.querystring as { shape?: Record<string, unknown> } | undefined)?.shape ?? {};
      // A new parameter that names a record (…Id, user, team) must join the list, or this fails.
      // (Pipelines and stages are org-wide settings every member reads, not anyone's record.)
      for (const name of Object.keys(shape).filter((k) => /Id$|^(user|team|owner|account|deal)$/.test(k))) {
        if (
          !(listFilterParams as readonly string[]).includes(name) &&
          !['pipelineId', 'stageId'].includes(name)
        )
          failures.push(
            `${routeKey(route.method, route.url)} ?${name} names a record: add it to listFilterParams`,
          );
      }
      for (const param of listFilterParams.filter((p) => p in shape)) {
        const key = `${routeKey(route.method, route.url)} ?${param}`;
        seen.add(key);
        const row = listFilters[key];
        if (!row) {
          failures.push(`${key} has no row in listFilters (tests/authz/matrix.ts)`);
          continue;
        }
        const params = new URLSearchParams({ [param]: values[param] });
        if (param === 'entityId') params.set('entityType', 'account');
        if (route.url.startsWith('/api/metrics/')) {
          params.set(route.url === '/api/metrics/grid' ? 'metrics' : 'metric', 'visits');
          params.set('period', '2026-01');
        }
        if (route.url.includes('/export')) params.set('format', param === 'dealId' ? 'csv' : 'json');
        if (route.url === '/api/targets/grid') params.set('period', 'FY2026-Q2');
        if (route.url === '/api/targets/effective') params.set('period', '2026-01');
        const url = `${route.url}?${params.toString()}`;
        for (const actor of matrixActors) {
          const expected: Outcome = row[actor] === 'teamRead' ? 404 : row[actor];
          const res = await ctx.call(actor, { method: 'GET', url });
          cases += 1;
          // 'allow': the list names one of the records made above; 'empty': none of them (the
          // actor's own records may be there). Metric drill-downs and the grid are judged by status.
          const statusOnly =
            route.url.startsWith('/api/metrics/') ||
            route.url === '/api/targets/grid' ||
            route.url === '/api/targets/effective';
          const names = [...ids].some((id) => res.body.includes(id));
          let ok: boolean;
          if (expected === 'allow')
            ok = res.statusCode === 200 && (statusOnly || (countRecords(res) > 0 && names));
          else if (expected === 'empty') ok = res.statusCode === 200 && !names;
          else ok = res.statusCode === expected;
          if (!ok)
            failures.push(
              `${key} as ${actor}: expected ${expected}, got ${res.statusCode} ${res.body.slice(0, 160)}`,
            );
        }
      }
    }
    const stale = Object.keys(listFilters).filter((k) => !seen.has(k));
    console.info(
      `authz list filters: ${cases} cases, ${seen.size} route filters, ${matrixActors.length} actors`,
    );
    expect(stale, 'rows of filters that no longer exist').toEqual([]);
    expect(failures).toEqual([]);
  });
});

describe('records of another team', () => {
  it('an import names accounts out of reach exactly like missing ones (no existence oracle by name)', async () => {
    // Team B's rep owns "Harbor Secret Co"; the rep of Team A owns an "Acme Shared" and so does Team B.
    const post = (actor: ActorKey, url: string, payload: Record<string, unknown>) =>
      ctx.call(actor, { method: 'POST', url, payload });
    expect((await post('otherTeamRep', '/api/crm/accounts', { name: 'Harbor Secret Co' })).statusCode).toBe(
      201,
    );
    expect((await post('otherTeamRep', '/api/crm/accounts', { name: 'Acme Shared' })).statusCode).toBe(201);
    expect((await post('rep', '/api/crm/accounts', { name: 'Acme Shared' })).statusCode).toBe(201);
    const dryRun = async (accountName: string) => {
      const up = await ctx.call('rep', {
        method: 'POST',
        url: '/api/crm/imports?entity=contacts&fileName=c.csv',
        headers: { 'content-type': 'text/csv' },
        payload: `Name,Account\nPat Doe,${accountName}\n`,
      });
      expect(up.statusCode, up.body).toBe(201);
      const res = await post('rep', `/api/crm/imports/${up.json().id}/dry-run`, {
        mapping: { Name: 'name', Account: 'accountName' },
      });
      expect(res.statusCode, res.body).toBe(200);
      return res.json() as { errors?: { reason: string }[]; errorCount?: number };
    };
    const hidden = await dryRun('Harbor Secret Co');
    const missing = await dryRun('Nowhere Such Co');
    const reason = (r: { errors?: { reason: string }[] }, name: string) =>
      JSON.stringify(r.errors ?? [])
        .split(name)
        .join('<name>');
    expect(reason(hidden, 'Harbor Secret Co')).toBe(reason(missing, 'Nowhere Such Co'));
    // Another team's account of the same name neither blocks nor joins the rep's own.
    const shared = await dryRun('Acme Shared');
    expect(shared.errors ?? []).toEqual([]);
  });
});

describe('ids of another org', () => {
  it('answers every id of org A — in the path, the query or the body — exactly like a nonexistent one', async () => {
    const w = ctx.w;
    const failures: string[] = [];
    let cases = 0;
    let routesWithIds = 0;
    for (const route of apiRoutes()) {
      if (route.permission === 'public') continue;
      const key = routeKey(route.method, route.url);
      const req = await buildRequest(ctx, s, route.method, route.url, 'admin');
      // Every id and email of org A this request names.
      const text = JSON.stringify([req.url, req.payload]);
      const known = [
        ...new Set(text.match(/[0-9a-f]{8}-[0-9a-f]{4}-7[0-9a-f]{3}-[0-9a-f]{4}-[0-9a-f]{12}/g) ?? []),
      ];
      const emails = [w.repA1.email, w.repA2.email, w.managerA.email].filter((e) => text.includes(e));
      if (known.length === 0 && emails.length === 0) continue;
      routesWithIds += 1;
      const swap = (value: unknown): unknown => {
        if (value === undefined) return undefined;
        let out = typeof value === 'string' ? value : JSON.stringify(value);
        for (const id of known) out = out.split(id).join(NOWHERE);
        for (const email of emails) out = out.split(email).join('nobody-at-all@example.test');
        return typeof value === 'string' ? out : JSON.parse(out);
      };
      for (const actor of ['foreignAdmin', 'foreignRep'] as const) {
        const real = await send(actor, req);
        const missing = await send(actor, {
          ...req,
          url: swap(req.url) as string,
          payload: swap(req.payload),
        });
        cases += 1;
        // (An error may echo the input back: what was sent is replaced the same way before comparing.)
        const realBody = swap(real.body) as string;
        if (real.statusCode !== missing.statusCode || realBody !== missing.body)
          failures.push(
            `${key} as ${actor}: org A ids → ${real.statusCode} ${real.body.slice(0, 160)}; nonexistent → ${missing.statusCode} ${missing.body.slice(0, 160)}`,
          );
        if (real.statusCode < 400 && !isWriteSafe(route.method))
          failures.push(`${key} as ${actor}: a write naming org A's records succeeded (${real.statusCode})`);
      }
    }
    console.info(
      `authz foreign-id swap: ${cases} cases over ${routesWithIds} routes naming records, 2 actors`,
    );
    expect(routesWithIds).toBeGreaterThan(50);
    expect(failures).toEqual([]);
  });
});

describe('records out of reach inside the org', () => {
  it('answer a teammate, another team and its manager exactly like a nonexistent id wherever the table says 404 or 400', async () => {
    const failures: string[] = [];
    let cases = 0;
    const idPattern = /[0-9a-f]{8}-[0-9a-f]{4}-7[0-9a-f]{3}-[0-9a-f]{4}-[0-9a-f]{12}/g;
    for (const route of apiRoutes()) {
      if (route.permission === 'public') continue;
      const key = routeKey(route.method, route.url);
      const row = rowFor(key);
      for (const actor of ['teammate', 'otherTeamRep', 'otherManager'] as const) {
        const expected = row[actor] === 'teamRead' ? 404 : row[actor];
        if (expected !== 404 && expected !== 400) continue;
        const req = await buildRequest(ctx, s, route.method, route.url, actor);
        const mine = new Set([ctx.userOf[actor].id]);
        const known = [...new Set(JSON.stringify([req.url, req.payload]).match(idPattern) ?? [])].filter(
          (id) => !mine.has(id),
        );
        if (known.length === 0) continue;
        const swap = (value: unknown): unknown => {
          if (value === undefined) return undefined;
          let out = typeof value === 'string' ? value : JSON.stringify(value);
          for (const id of known) out = out.split(id).join(NOWHERE);
          return typeof value === 'string' ? out : JSON.parse(out);
        };
        const real = await send(actor, req);
        const missing = await send(actor, {
          ...req,
          url: swap(req.url) as string,
          payload: swap(req.payload),
        });
        cases += 1;
        if (real.statusCode !== missing.statusCode || (swap(real.body) as string) !== missing.body)
          failures.push(
            `${key} as ${actor}: out of reach → ${real.statusCode} ${real.body.slice(0, 160)}; nonexistent → ${missing.statusCode} ${missing.body.slice(0, 160)}`,
          );
      }
    }
    console.info(`authz in-org swap: ${cases} denied cases compared with nonexistent ids, 3 actors`);
    expect(cases).toBeGreaterThan(50);
    expect(failures).toEqual([]);
  });
});

function isWriteSafe(method: string): boolean {
  return method === 'GET';
}
