import { sql } from 'kysely';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { notify } from '../../src/server/modules/notifications/notifications.service.ts';
import { type ActorKey, type AuthzContext, buildContext } from '../authz/actors.ts';
import { tableNames } from '../authz/db-snapshot.ts';
import { buildRequest } from '../authz/requests.ts';
import { type Subjects, subjects } from '../authz/subjects.ts';
import { stageId } from '../factories/crm.ts';
import { createTestApp, type TestApp } from '../setup/test-app.ts';
import { routeKey } from './sample-requests.ts';

// Whole-app walks: one test may call every route hundreds of times (PostgreSQL on a busy CI box).
vi.setConfig({ testTimeout: 120_000 });
/**
 * Field exposure (issue 7, item 2): what a response body may carry.
 * - A peer's data: the teammate (repA2) fills the org with records marked by a sentinel word and a
 *   won deal of a sentinel amount; the rep (repA1) and a rep of another team then walk EVERY GET
 *   route (lists, search with the sentinel word, CSV and JSON exports, counts, boards, metric values
 *   and leaderboards at every scope, records, trends, notifications) and must never see either while
 *   the org shows peers' numbers as ranks only or not at all. With "values" the amount must show up
 *   in the metric values — proof the walk reaches it. Their manager sees the records (same proof).
 * - Secrets: no body, for any actor, ever holds a password hash, a session cookie, another session's
 *   CSRF token, an API token or its hash, an invitation token hash or a webhook secret (read from
 *   the database: every column named like hash/secret/token).
 * Commission and private 1:1 notes do not exist yet; when they arrive, mark them with the sentinel
 * in `seedPeerData` and this walk covers them.
 */
let t: TestApp;
let ctx: AuthzContext;
let s: Subjects;
const WORD = 'Zanzibarpeer';
const AMOUNT = 4_242_424;
const AMOUNT_FORMS = ['4242424', '42424.24', '42,424.24'];
const counts = { requests: 0, routes: new Set<string>(), actors: new Set<string>() };

beforeAll(async () => {
  t = await createTestApp();
  ctx = await buildContext(t);
  s = subjects(ctx);
  await seedPeerData();
});
afterAll(async () => {
  console.info(
    `field exposure: ${counts.requests} requests, ${counts.routes.size} GET routes walked, ${counts.actors.size} actors (${[...counts.actors].join(', ')})`,
  );
  await t?.close();
});

async function seedPeerData() {
  const w = ctx.w;
  const post = async (actor: ActorKey, url: string, payload: Record<string, unknown>) => {
    const res = await ctx.call(actor, { method: 'POST', url, payload });
    if (res.statusCode >= 300) throw new Error(`${url}: ${res.statusCode} ${res.body}`);
    return res.json();
  };
  const account = await post('teammate', '/api/crm/accounts', { name: `${WORD} Holdings`, territory: WORD });
  await post('teammate', '/api/crm/contacts', {
    accountId: account.id,
    name: `${WORD} Contact`,
    email: 'zp@example.test',
  });
  const deal = await post('teammate', '/api/crm/deals', {
    accountId: account.id,
    name: `${WORD} deal`,
    amountMinor: AMOUNT,
  });
  const won = await ctx.call('teammate', {
    method: 'PATCH',
    url: `/api/crm/deals/${deal.id}`,
    payload: { stageId: stageId(w.org.orgId, 'won') },
  });
  if (won.statusCode !== 200) throw new Error(`win: ${won.statusCode} ${won.body}`);
  await post('teammate', '/api/crm/activities', {
    kind: 'visit',
    subject: `${WORD} visit`,
    accountId: account.id,
    outcome: WORD,
  });
  await post('teammate', '/api/crm/notes', {
    entityType: 'deal',
    entityId: deal.id,
    body: `${WORD} private thoughts`,
  });
  await post('teammate', '/api/goals', {
    title: `Close ${WORD} deals worth a lot`,
    metricKey: 'visits',
    baseline: 0,
    target: 10,
    startDate: '2026-01-05',
    deadline: '2026-01-30',
  });
  await post('manager', '/api/targets', {
    subjectType: 'user',
    subjectId: w.repA2.id,
    metric: 'revenue_won',
    period: '2026-01',
    amount: AMOUNT,
  }).catch(() =>
    post('manager', '/api/targets', {
      subjectType: 'user',
      subjectId: w.repA2.id,
      metric: 'revenue_won',
      period: 'FY2026-Q1',
      amount: AMOUNT,
    }),
  );
  await t.db.kysely.transaction().execute((trx) =>
    notify(
      trx,
      { clock: t.clock },
      {
        orgId: w.org.orgId,
        userId: w.repA2.id,
        category: 'goal_status',
        title: `${WORD} goal at risk`,
        body: `${WORD} is behind`,
      },
    ),
  );
  // A few records of the rep's own, so the rep's walk is not of empty lists.
  await s.deal();
  await s.activity();
  await s.goal();
}

/** The GET requests to walk for a route: its plain call plus search, export formats, scopes, metrics. */
async function variants(
  route: { method: string; url: string; schema: { querystring?: unknown } },
  actor: ActorKey,
) {
  const base = await buildRequest(ctx, s, route.method, route.url, actor);
  const keys = Object.keys((route.schema.querystring as { shape?: object } | undefined)?.shape ?? {});
  const [path, query] = base.url.split('?');
  const params = new URLSearchParams(query);
  const urls = [base.url];
  const withParams = (extra: Record<string, string>) => {
    const p = new URLSearchParams(params);
    for (const [k, v] of Object.entries(extra)) p.set(k, v);
    return `${path}?${p.toString()}`;
  };
  if (keys.includes('q')) urls.push(withParams({ q: WORD.toLowerCase() }));
  if (keys.includes('format')) urls.push(withParams({ format: 'csv' }), withParams({ format: 'json' }));
  if (keys.includes('limit')) urls.push(withParams({ limit: '100' }));
  if (keys.includes('metric')) {
    const scopes = keys.includes('scope')
      ? path === '/api/metrics/leaderboard'
        ? ['team', 'org']
        : ['me', 'reach', 'team', 'org']
      : [''];
    for (const metric of ['revenue_won', 'deals_won', 'visits', 'pipeline_value'])
      for (const scope of scopes)
        urls.push(withParams({ metric, period: '2026-01', ...(scope ? { scope } : {}) }));
  }
  return urls.map((url) => ({ ...base, url }));
}

async function walk(actor: ActorKey, look: (key: string, url: string, body: string) => void) {
  for (const route of t.app.routeList) {
    if (route.method !== 'GET' || !route.url.startsWith('/api/') || route.url.startsWith('/api/docs'))
      continue;
    if (route.url === '/api/openapi.json') continue;
    const key = routeKey(route.method, route.url);
    for (const req of await variants(route, actor)) {
      const res = await ctx.call(actor, { method: 'GET', url: req.url, headers: req.headers }, req.session);
      counts.requests += 1;
      counts.routes.add(key);
      counts.actors.add(actor);
      if (res.statusCode >= 500) throw new Error(`${req.url} as ${actor}: ${res.statusCode} ${res.body}`);
      look(key, req.url, res.body);
    }
  }
}

async function setVisibility(v: 'none' | 'ranks' | 'values') {
  const res = await ctx.call('admin', {
    method: 'PATCH',
    url: '/api/metrics/settings',
    payload: { defaultVisibility: v },
  });
  expect(res.statusCode, res.body).toBe(200);
}

describe('a peer’s data', () => {
  for (const visibility of ['ranks', 'none'] as const)
    it(`never reaches a rep through any GET route while peers' numbers show as "${visibility}"`, async () => {
      await setVisibility(visibility);
      const leaks: string[] = [];
      for (const actor of ['rep', 'otherTeamRep'] as const)
        await walk(actor, (key, url, body) => {
          if (body.toLowerCase().includes(WORD.toLowerCase()))
            leaks.push(`${actor} ${url}: the peer's records`);
          for (const form of AMOUNT_FORMS)
            if (body.includes(form)) leaks.push(`${actor} ${url}: the peer's amount (${form}) [${key}]`);
        });
      expect(leaks).toEqual([]);
    });

  it('shows the peer’s amount in metric values once the org shows values (the walk reaches it)', async () => {
    await setVisibility('values');
    const seen: string[] = [];
    await walk('rep', (key, url, body) => {
      if (AMOUNT_FORMS.some((f) => body.includes(f))) seen.push(key);
      if (body.toLowerCase().includes(WORD.toLowerCase())) seen.push(`records! ${url}`);
    });
    expect(seen).toContain('GET /api/metrics/values');
    expect(seen.filter((k) => k.startsWith('records!'))).toEqual([]);
    await setVisibility('ranks');
  });

  it('reaches the manager above the peer in lists, searches and exports (the walk reaches it)', async () => {
    const seen = new Set<string>();
    await walk('manager', (key, _url, body) => {
      if (body.toLowerCase().includes(WORD.toLowerCase())) seen.add(key);
    });
    for (const key of [
      'GET /api/crm/accounts',
      'GET /api/crm/contacts',
      'GET /api/crm/deals',
      'GET /api/crm/activities',
      'GET /api/crm/accounts/export',
      'GET /api/crm/deals/export',
      'GET /api/goals',
    ])
      expect([...seen], key).toContain(key);
    // …and the peer herself sees her notification and her deal on the board.
    const own = new Set<string>();
    await walk('teammate', (key, _url, body) => {
      if (body.includes(WORD)) own.add(key);
    });
    for (const key of ['GET /api/notifications', 'GET /api/crm/deals/board'])
      expect([...own], key).toContain(key);
  });
});

describe('secrets', () => {
  it('never appear in any body, for any actor', async () => {
    // Make one of each secret: a token, an invitation, a webhook (and sessions exist already).
    await s.token();
    await s.invitation();
    await s.webhook();
    const secrets = new Map<string, string>();
    for (const table of await tableNames(t.db)) {
      const rows = await sql<Record<string, unknown>>`select * from ${sql.table(table)}`.execute(t.db.kysely);
      for (const row of rows.rows)
        for (const [column, value] of Object.entries(row))
          if (/hash|secret|token/i.test(column) && typeof value === 'string' && value.length >= 16)
            secrets.set(value, `${table}.${column}`);
    }
    for (const [actor, session] of Object.entries(ctx.sessions))
      secrets.set(session.cookie.split('=')[1]!, `${actor}'s session cookie`);
    expect([...secrets.values()].some((v) => v.startsWith('users.password'))).toBe(true);
    expect([...secrets.values()].some((v) => v.startsWith('webhook'))).toBe(true);
    const leaks: string[] = [];
    for (const actor of ['rep', 'manager', 'director', 'admin'] as const) {
      const own = ctx.sessions[actor].csrfToken;
      await walk(actor, (_key, url, body) => {
        for (const [value, what] of secrets)
          if (value !== own && body.includes(value)) leaks.push(`${actor} ${url}: ${what}`);
      });
    }
    expect([...new Set(leaks)]).toEqual([]);
  });
});
