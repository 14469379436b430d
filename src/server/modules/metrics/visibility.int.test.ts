import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { makeAccount, makeDeal } from '../../../../tests/factories/crm.ts';
import { makeWorld, PASSWORD } from '../../../../tests/factories/identity.ts';
import { as, createTestApp, type Session, signIn, type TestApp } from '../../../../tests/setup/test-app.ts';

/**
 * Peer visibility, checked in the JSON the API sends (not on a screen): per metric, reps see of
 * peers nothing, ranks only, or values; what a manager sees about their reps is never reduced.
 */
let t: TestApp;
let w: Awaited<ReturnType<typeof makeWorld>>;
let admin: Session;
let managerA: Session;
let repA1: Session;

interface Row {
  user: { id: string };
  view: string;
  rank: number | null;
  value: number | null;
  numerator: number | null;
  denominator: number | null;
  previous: number | null;
  lastYear: number | null;
  target: number | null;
}

async function values(session: Session, metric: string, scope: string) {
  const res = await as(
    t.app,
    session,
  )({ method: 'GET', url: `/api/metrics/values?metric=${metric}&period=2026-01&scope=${scope}` });
  expect(res.statusCode, res.body).toBe(200);
  const body = res.json() as { visibility: string; rows: Row[] };
  return { body, raw: res.body, row: (id: string) => body.rows.find((r) => r.user.id === id) };
}

async function setVisibility(payload: Record<string, unknown>) {
  const res = await as(t.app, admin)({ method: 'PATCH', url: '/api/metrics/settings', payload });
  expect(res.statusCode, res.body).toBe(200);
  return res.json();
}

const hiddenNumbers = {
  value: null,
  numerator: null,
  denominator: null,
  previous: null,
  lastYear: null,
  target: null,
};

beforeAll(async () => {
  t = await createTestApp();
  w = await makeWorld(t.db, t.clock);
  [admin, managerA, repA1] = await Promise.all([
    signIn(t.app, w.org.admin.email, PASSWORD),
    signIn(t.app, w.managerA.email, PASSWORD),
    signIn(t.app, w.repA1.email, PASSWORD),
  ]);
  for (const [rep, amount] of [
    [w.repA1.id, 12_345],
    [w.repA2.id, 777],
    [w.repB1.id, 9_001],
  ] as const) {
    const account = await makeAccount(t.db, t.clock, w.org.orgId, rep);
    await makeDeal(t.db, t.clock, w.org.orgId, rep, account, { stage: 'won', amountMinor: amount });
  }
  // A target for the teammate: a rank-only row must not leak it either.
  await t.db.kysely
    .insertInto('targets')
    .values({
      org_id: w.org.orgId,
      id: 'target-a2',
      subject_type: 'user',
      subject_id: w.repA2.id,
      metric_key: 'revenue_won',
      period_kind: 'month',
      period_start: '2026-01-01',
      amount: 55_555,
      created_by: w.org.admin.id,
      created_at: 1,
      updated_at: 1,
    })
    .execute();
});
afterAll(async () => {
  await t.close();
});

describe('peer visibility', () => {
  it('shows a rep only the ranks of peers by default, with every number of theirs left out', async () => {
    const { body, raw, row } = await values(repA1, 'revenue_won', 'team');
    expect(body.visibility).toBe('ranks');
    // The numbers themselves appear nowhere in the JSON (as JSON numbers, not parts of ids).
    expect(raw).toMatch(/:12345[,}]/);
    expect(row(w.repA1.id)).toMatchObject({ view: 'value', value: 12_345, rank: 1 });
    expect(row(w.repA2.id)).toMatchObject({ view: 'rank', rank: 2, ...hiddenNumbers });
    expect(raw).not.toMatch(/:777[,}]/);
    expect(raw).not.toMatch(/:55555[,}]/);
    // Across the org: Bo (9,001) ranks between Ari and Avery.
    const org = await values(repA1, 'revenue_won', 'org');
    expect(org.row(w.repB1.id)).toMatchObject({ view: 'rank', rank: 2, ...hiddenNumbers });
    expect(org.row(w.repA2.id)!.rank).toBe(3);
    expect(org.raw).not.toMatch(/:9001[,}]/);
  });

  it('shows nothing of peers when the metric is set to nothing, per metric', async () => {
    await setVisibility({ visibility: { revenue_won: 'none' } });
    for (const scope of ['team', 'org', 'reach']) {
      const { body, raw } = await values(repA1, 'revenue_won', scope);
      expect(body.visibility).toBe('none');
      expect(body.rows.map((r) => r.user.id)).toEqual([w.repA1.id]);
      expect(raw).not.toContain(w.repA2.id);
      expect(raw).not.toContain(w.repB1.id);
    }
    // Another metric keeps the default (ranks).
    const visits = await values(repA1, 'visits', 'team');
    expect(visits.body.visibility).toBe('ranks');
    expect(visits.row(w.repA2.id)).toMatchObject({ view: 'rank', value: null });
  });

  it('never reduces what a manager sees about their own reps', async () => {
    const team = await values(managerA, 'revenue_won', 'team');
    expect(team.row(w.repA1.id)).toMatchObject({ view: 'value', value: 12_345 });
    expect(team.row(w.repA2.id)).toMatchObject({ view: 'value', value: 777, target: 55_555 });
    // Another team's rep is a peer to this manager: left out under "nothing".
    const org = await values(managerA, 'revenue_won', 'org');
    expect(org.row(w.repB1.id)).toBeUndefined();
    expect(org.raw).not.toContain(w.repB1.id);
  });

  it('shows peers’ values when the org chooses values', async () => {
    await setVisibility({ visibility: { revenue_won: 'values' } });
    const { row } = await values(repA1, 'revenue_won', 'team');
    expect(row(w.repA2.id)).toMatchObject({ view: 'value', value: 777, rank: 2, target: 55_555 });
    // Back to the default for the metric.
    const reset = await setVisibility({ visibility: { revenue_won: null } });
    expect(reset.visibility).toEqual({});
    expect((await values(repA1, 'revenue_won', 'team')).row(w.repA2.id)!.view).toBe('rank');
  });

  it('holds to each metric’s setting in the team grid answer too (the JSON, cell by cell)', async () => {
    await setVisibility({ visibility: { revenue_won: 'none', deals_won: 'values' } });
    const res = await as(
      t.app,
      repA1,
    )({
      method: 'GET',
      url: '/api/metrics/grid?metrics=revenue_won,visits,deals_won&period=2026-01&scope=org',
    });
    expect(res.statusCode, res.body).toBe(200);
    const grid = res.json() as {
      people: { id: string }[];
      metrics: { metric: { key: string }; visibility: string; cells: (Record<string, unknown> | null)[] }[];
    };
    const cell = (metric: string, user: string) =>
      grid.metrics.find((m) => m.metric.key === metric)!.cells[grid.people.findIndex((p) => p.id === user)];
    expect(grid.metrics.map((m) => m.visibility)).toEqual(['none', 'ranks', 'values']);
    // Peers are listed (visits shows their ranks, deals won their values)…
    expect(grid.people.map((p) => p.id)).toEqual(expect.arrayContaining([w.repA2.id, w.repB1.id]));
    // …but revenue won shows nothing of them, visits only a rank: no number field at all.
    expect(cell('revenue_won', w.repA1.id)).toMatchObject({ view: 'value', value: 12_345 });
    expect(cell('revenue_won', w.repA2.id)).toBeNull();
    expect(cell('revenue_won', w.repB1.id)).toBeNull();
    expect(cell('visits', w.repA2.id)).toEqual({ view: 'rank', rank: expect.any(Number) });
    expect(cell('deals_won', w.repB1.id)).toMatchObject({ view: 'value', value: 1 });
    expect(res.body).not.toMatch(/:777[,}]/);
    expect(res.body).not.toMatch(/:9001[,}]/);
    expect(res.body).not.toMatch(/:55555[,}]/);
    await setVisibility({ visibility: { revenue_won: null, deals_won: null } });
  });

  it('never shows a peer’s numerator or denominator when they reveal a metric the actor sees less of', async () => {
    // Attainment, win rate and deal size shared, revenue won and deals won ranks only: a peer's
    // attainment is shown, but not the revenue and revenue target behind it (value × target = revenue).
    await setVisibility({
      visibility: { quota_attainment: 'values', win_rate: 'values', avg_deal_size: 'values' },
    });
    const attainment = await values(repA1, 'quota_attainment', 'team');
    expect(attainment.row(w.repA2.id)).toMatchObject({
      view: 'value',
      value: (777 / 55_555) * 100,
      numerator: null,
      denominator: null,
    });
    // Their own parts stay theirs: Ari has no revenue target, so no attainment but the revenue.
    expect(attainment.row(w.repA1.id)).toMatchObject({ view: 'value', value: null, numerator: 12_345 });
    for (const metric of ['quota_attainment', 'win_rate', 'avg_deal_size']) {
      const { raw, row } = await values(repA1, metric, 'team');
      expect(row(w.repA2.id), metric).toMatchObject({ view: 'value', numerator: null, denominator: null });
      // (One deal won: the average deal size is the revenue itself, its value; not a part.)
      if (metric !== 'avg_deal_size') expect(raw, metric).not.toMatch(/:777[,}]/);
      expect(raw, metric).not.toMatch(/:55555[,}]/);
    }
    const grid = await as(
      t.app,
      repA1,
    )({
      method: 'GET',
      url: '/api/metrics/grid?metrics=quota_attainment,avg_deal_size&period=2026-01&scope=team',
    });
    expect(grid.statusCode, grid.body).toBe(200);
    expect(grid.body).not.toMatch(/:55555[,}]/);
    const body = grid.json() as {
      people: { id: string }[];
      metrics: { cells: (Record<string, unknown> | null)[] }[];
    };
    const a2 = body.people.findIndex((p) => p.id === w.repA2.id);
    expect(body.metrics[0]!.cells[a2]).toMatchObject({ view: 'value', value: (777 / 55_555) * 100 });
    expect(body.metrics[0]!.cells[a2]).not.toHaveProperty('numerator');
    expect(body.metrics[1]!.cells[a2]).not.toHaveProperty('denominator');
    // Once revenue won and deals won are shared as values too, the parts follow.
    await setVisibility({ visibility: { revenue_won: 'values', deals_won: 'values' } });
    expect((await values(repA1, 'quota_attainment', 'team')).row(w.repA2.id)).toMatchObject({
      numerator: 777,
      denominator: 55_555,
    });
    expect((await values(repA1, 'avg_deal_size', 'team')).row(w.repA2.id)).toMatchObject({
      numerator: 777,
      denominator: 1,
    });
    // The manager sees the parts of their reps whatever the peers' settings.
    await setVisibility({ visibility: { revenue_won: 'none', deals_won: 'none' } });
    expect((await values(managerA, 'quota_attainment', 'team')).row(w.repA2.id)).toMatchObject({
      numerator: 777,
      denominator: 55_555,
    });
    await setVisibility({
      visibility: {
        quota_attainment: null,
        win_rate: null,
        avg_deal_size: null,
        revenue_won: null,
        deals_won: null,
      },
    });
  });

  it('hides a custom ratio’s parts from peers unless both of its metrics are shown as values', async () => {
    const created = await as(
      t.app,
      admin,
    )({
      method: 'POST',
      url: '/api/metrics/custom',
      payload: {
        key: 'revenue_per_win',
        name: 'Revenue per win',
        description: 'Revenue won ÷ deals won',
        definition: { block: 'ratio', numerator: 'revenue_won', denominator: 'deals_won' },
        unit: 'money',
        direction: 'higher',
        format: 'money',
      },
    });
    expect(created.statusCode, created.body).toBe(201);
    await setVisibility({ visibility: { revenue_per_win: 'values', deals_won: 'values' } });
    const hidden = await values(repA1, 'revenue_per_win', 'team');
    expect(hidden.row(w.repA2.id)).toMatchObject({
      view: 'value',
      value: 777,
      numerator: null,
      denominator: null,
    });
    await setVisibility({ visibility: { revenue_won: 'values' } });
    expect((await values(repA1, 'revenue_per_win', 'team')).row(w.repA2.id)).toMatchObject({
      numerator: 777,
      denominator: 1,
    });
    await setVisibility({ visibility: { revenue_per_win: null, deals_won: null, revenue_won: null } });
  });

  it('applies the default to every metric without its own setting, custom ones included', async () => {
    const created = await as(
      t.app,
      admin,
    )({
      method: 'POST',
      url: '/api/metrics/custom',
      payload: {
        key: 'won_count',
        name: 'Won count',
        description: 'Deals won',
        definition: { block: 'deal_count', deals: 'won' },
        unit: 'count',
        direction: 'higher',
        format: 'count',
      },
    });
    expect(created.statusCode).toBe(201);
    await setVisibility({ defaultVisibility: 'none' });
    const { body } = await values(repA1, 'won_count', 'org');
    expect(body.rows.map((r) => r.user.id)).toEqual([w.repA1.id]);
    await setVisibility({ defaultVisibility: 'ranks' });
  });

  it('refuses bad settings naming the field, and only admins change them', async () => {
    const before = (await as(t.app, repA1)({ method: 'GET', url: '/api/metrics/settings' })).json();
    const unknown = await as(
      t.app,
      admin,
    )({ method: 'PATCH', url: '/api/metrics/settings', payload: { visibility: { happiness: 'none' } } });
    expect(unknown.statusCode).toBe(400);
    expect(unknown.json().error.details.fields[0].path).toBe('visibility.happiness');
    const badValue = await as(
      t.app,
      admin,
    )({ method: 'PATCH', url: '/api/metrics/settings', payload: { defaultVisibility: 'everything' } });
    expect(badValue.statusCode).toBe(400);
    expect(badValue.json().error.details.fields[0].path).toBe('defaultVisibility');
    const badRamp = await as(
      t.app,
      admin,
    )({ method: 'PATCH', url: '/api/metrics/settings', payload: { ramp: [50, 150] } });
    expect(badRamp.json().error.details.fields[0].path).toBe('ramp.1');
    const byRep = await as(
      t.app,
      repA1,
    )({ method: 'PATCH', url: '/api/metrics/settings', payload: { defaultVisibility: 'values' } });
    expect(byRep.statusCode).toBe(403);
    expect((await as(t.app, repA1)({ method: 'GET', url: '/api/metrics/settings' })).json()).toEqual(before);
  });
});
