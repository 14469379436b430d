import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { makeAccount, makeDeal } from '../../../../tests/factories/crm.ts';
import { makeWorld, PASSWORD } from '../../../../tests/factories/identity.ts';
import { as, createTestApp, type Session, signIn, type TestApp } from '../../../../tests/setup/test-app.ts';

let t: TestApp;
let w: Awaited<ReturnType<typeof makeWorld>>;
const sessions = new Map<string, Session>();
async function get(email: string, url: string) {
  if (!sessions.has(email)) sessions.set(email, await signIn(t.app, email, PASSWORD));
  return as(t.app, sessions.get(email)!)({ method: 'GET', url });
}

interface Cell {
  metric: string;
  value: number | null;
  numerator: number | null;
  denominator: number | null;
  target: number | null;
  basis: { metric: string; target: number | null } | null;
}
interface OrgTeam {
  id: string;
  name: string;
  depth: number;
  parentId: string | null;
  people: number;
  cells: Cell[];
}
const cell = (team: OrgTeam | undefined, metric: string) => team?.cells.find((c) => c.metric === metric);

beforeAll(async () => {
  t = await createTestApp();
  w = await makeWorld(t.db, t.clock);
  const a1 = await makeAccount(t.db, t.clock, w.org.orgId, w.repA1.id);
  await makeDeal(t.db, t.clock, w.org.orgId, w.repA1.id, a1, { stage: 'won', amountMinor: 12_345 });
  const a2 = await makeAccount(t.db, t.clock, w.org.orgId, w.repA2.id);
  await makeDeal(t.db, t.clock, w.org.orgId, w.repA2.id, a2, { stage: 'won', amountMinor: 500 });
  await makeDeal(t.db, t.clock, w.org.orgId, w.repA2.id, a2, { stage: 'lost', amountMinor: 900 });
  const b1 = await makeAccount(t.db, t.clock, w.org.orgId, w.repB1.id);
  await makeDeal(t.db, t.clock, w.org.orgId, w.repB1.id, b1, { stage: 'won', amountMinor: 1_000 });
  const admin = await signIn(t.app, w.org.admin.email, PASSWORD);
  sessions.set(w.org.admin.email, admin);
  const put = await as(
    t.app,
    admin,
  )({
    method: 'PUT',
    url: '/api/targets/grid',
    payload: {
      period: '2026-01',
      cells: [
        { subjectType: 'user', subjectId: w.repA1.id, metric: 'revenue_won', amount: 20_000 },
        { subjectType: 'user', subjectId: w.repA2.id, metric: 'revenue_won', amount: 10_000 },
        { subjectType: 'team', subjectId: w.teamB, metric: 'revenue_won', amount: 5_000 },
        { subjectType: 'user', subjectId: w.repA1.id, metric: 'win_rate', amount: 50 },
      ],
    },
  });
  expect(put.statusCode).toBe(200);
});
afterAll(async () => {
  await t.close();
});

describe('GET /api/metrics/org', () => {
  it('gives an admin every team, nested, with team numbers against effective targets', async () => {
    const res = await get(w.org.admin.email, '/api/metrics/org?period=2026-01');
    expect(res.statusCode).toBe(200);
    const body = res.json();
    const teams: OrgTeam[] = body.teams;
    expect(teams.map((x) => [x.name, x.depth])).toEqual([
      ['Region', 0],
      ['Team A', 1],
      ['Team B', 1],
    ]);
    const [region, a, b] = teams;
    expect(a!.parentId).toBe(w.region);
    expect(region!.people).toBe(3);
    // Sums: revenue of everyone beneath; target = the sum of members' and sub-teams' (B set directly).
    expect(cell(a, 'revenue_won')).toMatchObject({ value: 12_845, target: 30_000 });
    expect(cell(b, 'revenue_won')).toMatchObject({ value: 1_000, target: 5_000 });
    expect(cell(region, 'revenue_won')).toMatchObject({ value: 13_845, target: 35_000 });
    // Rates: Σ won / Σ closed, never an average of rates; a sum of people's rate targets is no target.
    expect(cell(a, 'win_rate')).toMatchObject({ numerator: 2, denominator: 3, target: null });
    expect(cell(a, 'win_rate')!.value).toBeCloseTo(66.667, 2);
    // Quota attainment: against the team's revenue target, which is shown as its basis.
    expect(cell(region, 'quota_attainment')).toMatchObject({
      numerator: 13_845,
      denominator: 35_000,
      basis: { metric: 'revenue_won', target: 35_000 },
    });
    expect(cell(region, 'quota_attainment')!.value).toBeCloseTo((13_845 / 35_000) * 100, 6);
    // The people add up to the team.
    const people: { user: { id: string }; teamId: string; cells: { metric: string; value: number }[] }[] =
      body.people;
    const inA = people.filter((p) => p.teamId === w.teamA);
    expect(inA.reduce((s, p) => s + p.cells.find((c) => c.metric === 'revenue_won')!.value, 0)).toBe(12_845);
    const a1 = people.find((p) => p.user.id === w.repA1.id)!;
    expect(a1.cells.find((c) => c.metric === 'quota_attainment')).toMatchObject({ target: 20_000 });
  });

  it('gives a director the teams under them and a manager only their own team', async () => {
    const director = (await get(w.director.email, '/api/metrics/org?period=2026-01')).json();
    expect(director.teams.map((x: OrgTeam) => x.name)).toEqual(['Region', 'Team A', 'Team B']);
    const res = await get(w.managerA.email, '/api/metrics/org?period=2026-01&metrics=revenue_won');
    const teams: OrgTeam[] = res.json().teams;
    expect(teams.map((x) => [x.name, x.depth, x.parentId])).toEqual([['Team A', 0, null]]);
    expect(res.body).not.toContain(w.teamB);
    expect(res.body).not.toContain(w.repB1.id);
  });

  it('refuses reps and never shows another org', async () => {
    expect((await get(w.repA1.email, '/api/metrics/org')).statusCode).toBe(403);
    const other = await get(w.otherManager.email, '/api/metrics/org?period=2026-01');
    expect(other.statusCode).toBe(200);
    expect(other.body).not.toContain(w.teamA);
    expect(other.body).not.toContain(w.repA1.id);
  });

  it('names bad metrics and periods', async () => {
    const bad = await get(w.org.admin.email, '/api/metrics/org?metrics=revenue_won,happiness');
    expect(bad.statusCode).toBe(400);
    expect(bad.json().error.details.fields[0].path).toBe('metrics');
    const badPeriod = await get(w.org.admin.email, '/api/metrics/org?period=2026-13');
    expect(badPeriod.json().error.details.fields[0].path).toBe('period');
  });
});

describe('GET /api/metrics/values?team=', () => {
  it('narrows to a team and the teams beneath it', async () => {
    const res = await get(
      w.director.email,
      `/api/metrics/values?metric=revenue_won&scope=reach&period=2026-01&team=${w.teamA}`,
    );
    expect(
      res
        .json()
        .rows.map((r: { user: { id: string } }) => r.user.id)
        .sort(),
    ).toEqual([w.repA1.id, w.repA2.id].sort());
    const region = await get(
      w.director.email,
      `/api/metrics/values?metric=revenue_won&scope=reach&period=2026-01&team=${w.region}`,
    );
    expect(region.json().rows).toHaveLength(3);
  });

  it('answers 404 for a team the actor does not oversee, or of another org', async () => {
    const res = await get(
      w.managerA.email,
      `/api/metrics/values?metric=revenue_won&scope=reach&team=${w.teamB}`,
    );
    expect(res.statusCode).toBe(404);
    const other = await get(
      w.org.admin.email,
      `/api/metrics/values?metric=revenue_won&scope=reach&team=${w.otherTeam}`,
    );
    expect(other.statusCode).toBe(404);
  });
});
