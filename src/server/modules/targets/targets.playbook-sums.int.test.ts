import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { makeUser, makeWorld, PASSWORD } from '../../../../tests/factories/identity.ts';
import { as, createTestApp, type Session, signIn, type TestApp } from '../../../../tests/setup/test-app.ts';

/**
 * A playbook's monthly targets add up into quarters and years (decision 008), and a person's
 * effective targets of a period are listed by `GET /api/targets/effective` — through the HTTP API
 * on a real database (both engines). The fake clock stands at Monday 2026-01-05 (America/Chicago,
 * fiscal year = calendar year): FY2026-Q1 is January–March 2026. The world: Region above Team A
 * (Ari, Avery, and Nia who joined on 2 January 2026 and ramps 50 % in her first month of tenure) and Team B
 * (Bo); the role playbook "Field rep" gives reps $10,000 of revenue a month and 30 % win rate a month.
 */
let t: TestApp;
let w: Awaited<ReturnType<typeof makeWorld>>;
let admin: Session;
let managerA: Session;
let repA1: Session;
let newbie: { id: string; email: string };
let playbookId: string;

type Basis = {
  source: string;
  withTarget: number | null;
  of: number | null;
  fromPlaybook: number | null;
  playbook: { id: string; name: string } | null;
} | null;
type Row = { user: { id: string }; target: number | null; targetBasis: Basis };

async function rows(metric: string, period: string): Promise<Row[]> {
  const res = await as(
    t.app,
    admin,
  )({ method: 'GET', url: `/api/metrics/values?metric=${metric}&period=${period}&scope=org` });
  expect(res.statusCode).toBe(200);
  return res.json().rows;
}
const rowOf = (all: Row[], id: string) => all.find((r) => r.user.id === id);

async function putCells(
  period: string,
  cells: { subjectId: string; metric: string; amount: number | null }[],
  who: Session = admin,
) {
  const res = await as(
    t.app,
    who,
  )({
    method: 'PUT',
    url: '/api/targets/grid',
    payload: { period, cells: cells.map((c) => ({ subjectType: 'user', ...c })) },
  });
  expect(res.statusCode).toBe(200);
}

async function publishPlaybook(targets: { metric: string; periodKind: string; amount: number }[]) {
  const document = { summary: '', responsibilities: ['Sell'], targets, metrics: [] };
  if (!playbookId) {
    const res = await as(
      t.app,
      admin,
    )({
      method: 'POST',
      url: '/api/playbooks',
      payload: { name: 'Field rep', scope: { type: 'role', role: 'rep' }, document },
    });
    expect(res.statusCode).toBe(201);
    playbookId = res.json().id;
  } else {
    const res = await as(
      t.app,
      admin,
    )({ method: 'PUT', url: `/api/playbooks/${playbookId}/draft`, payload: { document } });
    expect(res.statusCode).toBe(200);
  }
  const res = await as(t.app, admin)({ method: 'POST', url: `/api/playbooks/${playbookId}/publish` });
  expect(res.statusCode).toBe(200);
}

beforeAll(async () => {
  t = await createTestApp();
  w = await makeWorld(t.db, t.clock);
  newbie = await makeUser(t.db, t.clock, w.org, 'rep', { teamId: w.teamA, name: 'Nia Newhire' });
  await t.db.kysely
    .updateTable('memberships')
    .set({ created_at: Date.parse('2025-01-01T12:00:00Z') })
    .where('org_id', '=', w.org.orgId)
    .execute();
  await t.db.kysely
    .updateTable('memberships')
    .set({ created_at: Date.parse('2026-01-02T18:00:00Z') })
    .where('org_id', '=', w.org.orgId)
    .where('user_id', '=', newbie.id)
    .execute();
  [admin, managerA, repA1] = await Promise.all([
    signIn(t.app, w.org.admin.email, PASSWORD),
    signIn(t.app, w.managerA.email, PASSWORD),
    signIn(t.app, w.repA1.email, PASSWORD),
  ]);
  const ramp = await as(
    t.app,
    admin,
  )({ method: 'PATCH', url: '/api/metrics/settings', payload: { ramp: [50] } });
  expect(ramp.statusCode).toBe(200);
  await publishPlaybook([
    { metric: 'revenue_won', periodKind: 'month', amount: 1_000_000 },
    { metric: 'win_rate', periodKind: 'month', amount: 30 },
  ]);
});
afterAll(async () => {
  await t.close();
});

describe('playbook monthly targets add up into quarters (decision 008)', () => {
  it("gives a rep with only the playbook's monthly target a quarter target: the sum of its months, each ramped", async () => {
    const q = await rows('revenue_won', 'FY2026-Q1');
    // Under the old rule (only the period's own kind) the quarter had no target at all.
    expect(rowOf(q, w.repA1.id)).toMatchObject({
      target: 3_000_000,
      targetBasis: {
        source: 'months',
        withTarget: 3,
        of: 3,
        fromPlaybook: 3,
        playbook: { id: playbookId, name: 'Field rep' },
      },
    });
    // Each month ramped for its own month of tenure: Nia's first month runs from 2 January to 1
    // February, so January and February (starting inside it) are at 50 %, March at 100 %.
    expect(rowOf(q, newbie.id)?.target).toBe(500_000 + 500_000 + 1_000_000);
    // A year is its four quarters, each from the playbook's months.
    expect(rowOf(await rows('revenue_won', 'FY2026'), w.repB1.id)).toMatchObject({
      target: 12_000_000,
      targetBasis: { source: 'months', withTarget: 12, of: 12, fromPlaybook: 12 },
    });
    // A rate never sums: a month has the playbook's 30 %, the quarter none.
    expect(rowOf(await rows('win_rate', '2026-01'), w.repA1.id)?.target).toBe(30);
    expect(rowOf(await rows('win_rate', 'FY2026-Q1'), w.repA1.id)).toMatchObject({
      target: null,
      targetBasis: null,
    });
  });

  it('fills the months without a set target from the playbook once one month is set, and adds it into team sums', async () => {
    await putCells('2026-02', [{ subjectId: w.repA2.id, metric: 'revenue_won', amount: 2_500_000 }]);
    const q = await rows('revenue_won', 'FY2026-Q1');
    // Under the old rule: 2,500,000 (the one set month; the others counted 0).
    expect(rowOf(q, w.repA2.id)).toMatchObject({
      target: 1_000_000 + 2_500_000 + 1_000_000,
      targetBasis: { source: 'months', withTarget: 3, of: 3, fromPlaybook: 2, playbook: { id: playbookId } },
    });
    // Team A without a target of its own: the sum of its people's quarters.
    const grid = await as(
      t.app,
      managerA,
    )({ method: 'GET', url: `/api/targets/grid?teamId=${w.teamA}&period=FY2026-Q1&metrics=revenue_won` });
    expect(grid.statusCode).toBe(200);
    expect(grid.json().teamRow.cells[0]).toMatchObject({
      source: 'sum',
      effective: 3_000_000 + 4_500_000 + 2_000_000,
    });
    const cell = grid
      .json()
      .rows.find((r: { user: { id: string } }) => r.user.id === w.repA2.id)
      .cells.find((c: { metric: string }) => c.metric === 'revenue_won');
    expect(cell).toMatchObject({ source: 'months', parts: { withTarget: 3, of: 3, fromPlaybook: 2 } });
  });

  it("takes the playbook's quarterly target over its months when no month is set", async () => {
    await publishPlaybook([
      { metric: 'revenue_won', periodKind: 'month', amount: 1_000_000 },
      { metric: 'revenue_won', periodKind: 'quarter', amount: 2_800_000 },
      { metric: 'win_rate', periodKind: 'month', amount: 30 },
    ]);
    const q = await rows('revenue_won', 'FY2026-Q1');
    expect(rowOf(q, w.repA1.id)).toMatchObject({
      target: 2_800_000,
      targetBasis: { source: 'playbook', withTarget: null, fromPlaybook: null },
    });
    // Avery has a month set: the quarter stays the sum of the months.
    expect(rowOf(q, w.repA2.id)?.target).toBe(4_500_000);
  });
});

describe('GET /api/targets/effective', () => {
  type Item = { metric: string; amount: number; basis: NonNullable<Basis> };
  async function effective(who: Session, query: string) {
    return as(t.app, who)({ method: 'GET', url: `/api/targets/effective?${query}` });
  }
  const itemOf = (items: Item[], metric: string) => items.find((i) => i.metric === metric);

  it('lists every metric with an effective target: set, summed from months, or from the playbook', async () => {
    await putCells('2026-01', [{ subjectId: w.repA1.id, metric: 'visits', amount: 40 }]);
    // Mine by default.
    const month = await effective(repA1, 'period=2026-01');
    expect(month.statusCode).toBe(200);
    expect(month.json()).toMatchObject({
      user: { id: w.repA1.id, name: 'Ari Rep' },
      period: { key: '2026-01', kind: 'month' },
    });
    const items: Item[] = month.json().items;
    expect(items.map((i) => i.metric).sort()).toEqual(['revenue_won', 'visits', 'win_rate']);
    expect(itemOf(items, 'visits')).toEqual({
      metric: 'visits',
      amount: 40,
      basis: {
        source: 'set',
        withTarget: null,
        of: null,
        fromPlaybook: null,
        playbook: null,
        fullAmount: 40,
        rampPercent: 100,
        tenureMonth: 13,
      },
    });
    expect(itemOf(items, 'revenue_won')).toMatchObject({
      amount: 1_000_000,
      basis: { source: 'playbook', playbook: { id: playbookId, name: 'Field rep' } },
    });
    expect(itemOf(items, 'win_rate')).toMatchObject({ amount: 30, basis: { source: 'playbook' } });

    // A manager reads their report's quarter: visits summed from the set month, revenue from Avery's months.
    const q = await effective(managerA, `userId=${w.repA2.id}&period=FY2026-Q1`);
    expect(q.statusCode).toBe(200);
    expect(itemOf(q.json().items, 'revenue_won')).toEqual({
      metric: 'revenue_won',
      amount: 4_500_000,
      basis: {
        source: 'months',
        withTarget: 3,
        of: 3,
        fromPlaybook: 2,
        playbook: { id: playbookId, name: 'Field rep' },
        fullAmount: 4_500_000,
        rampPercent: 100,
        tenureMonth: 13,
      },
    });
    const ari = await effective(admin, `userId=${w.repA1.id}&period=FY2026-Q1`);
    expect(itemOf(ari.json().items, 'visits')).toMatchObject({
      amount: 40,
      basis: { source: 'months', withTarget: 1, of: 3, fromPlaybook: 0 },
    });
    // The newcomer's playbook month is ramped.
    const nia = await effective(admin, `userId=${newbie.id}&period=2026-01`);
    expect(itemOf(nia.json().items, 'revenue_won')?.amount).toBe(500_000);
  });

  it('shows the rep the ramp behind their target, as the manager’s grid shows it', async () => {
    // Nia (first month of tenure: 50 %) has 40 visits set for January, and the playbook's revenue.
    await putCells('2026-01', [{ subjectId: newbie.id, metric: 'visits', amount: 40 }]);
    const nia = await signIn(t.app, newbie.email, PASSWORD);
    const month = await effective(nia, 'period=2026-01');
    expect(month.statusCode).toBe(200);
    expect(itemOf(month.json().items, 'visits')).toEqual({
      metric: 'visits',
      amount: 20,
      basis: {
        source: 'set',
        withTarget: null,
        of: null,
        fromPlaybook: null,
        playbook: null,
        fullAmount: 40,
        rampPercent: 50,
        tenureMonth: 1,
      },
    });
    expect(itemOf(month.json().items, 'revenue_won')).toMatchObject({
      amount: 500_000,
      basis: { source: 'playbook', fullAmount: 1_000_000, rampPercent: 50, tenureMonth: 1 },
    });
    // Her own KPI answer carries the same.
    const values = await as(
      t.app,
      nia,
    )({ method: 'GET', url: '/api/metrics/values?metric=visits&period=2026-01&scope=me' });
    expect(values.statusCode).toBe(200);
    expect(values.json().rows[0]).toMatchObject({
      user: { id: newbie.id },
      target: 20,
      targetBasis: { source: 'set', fullAmount: 40, rampPercent: 50, tenureMonth: 1 },
    });
    // What the manager's grid shows for her.
    const grid = await as(
      t.app,
      managerA,
    )({ method: 'GET', url: `/api/targets/grid?teamId=${w.teamA}&period=2026-01&metrics=visits` });
    expect(grid.json().rows.find((r: { user: { id: string } }) => r.user.id === newbie.id)).toMatchObject({
      rampPercent: 50,
      tenureMonth: 1,
      cells: [{ amount: 40, effective: 20 }],
    });
    // The quarter: the playbook's quarterly target (published above), ramped at its start.
    const quarter = await as(
      t.app,
      nia,
    )({ method: 'GET', url: '/api/metrics/values?metric=revenue_won&period=FY2026-Q1&scope=me' });
    expect(quarter.json().rows[0]).toMatchObject({
      target: 1_400_000,
      targetBasis: { source: 'playbook', fullAmount: 2_800_000, rampPercent: 50, tenureMonth: 1 },
    });
    // The year: its quarters ramped differently (Q1 50 %, the others 100 %) — no single percent.
    const year = await as(
      t.app,
      nia,
    )({ method: 'GET', url: '/api/metrics/values?metric=revenue_won&period=FY2026&scope=me' });
    expect(year.json().rows[0]).toMatchObject({
      target: 1_400_000 + 3 * 2_800_000,
      targetBasis: { source: 'quarters', fullAmount: 4 * 2_800_000, rampPercent: null, tenureMonth: 1 },
    });
  });

  it('answers 404 for a person the actor may not read, of another org, or unknown; 400 naming a bad field', async () => {
    // A rep reads only their own targets.
    const peer = await effective(repA1, `userId=${w.repA2.id}&period=2026-01`);
    expect(peer.statusCode).toBe(404);
    // Manager A does not manage Team B.
    expect((await effective(managerA, `userId=${w.repB1.id}&period=2026-01`)).statusCode).toBe(404);
    // Another org's rep, even for an admin.
    expect((await effective(admin, `userId=${w.otherRep.id}&period=2026-01`)).statusCode).toBe(404);
    expect((await effective(admin, 'userId=nobody&period=2026-01')).statusCode).toBe(404);
    const bad = await effective(admin, 'period=2026-13');
    expect(bad.statusCode).toBe(400);
    expect(JSON.stringify(bad.json().error)).toContain('period');
    const missing = await effective(admin, `userId=${w.repA1.id}`);
    expect(missing.statusCode).toBe(400);
    expect(JSON.stringify(missing.json().error)).toContain('period');
  });
});
