import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { makeAccount, makeDeal } from '../../../../tests/factories/crm.ts';
import { makeUser, makeWorld, PASSWORD } from '../../../../tests/factories/identity.ts';
import { as, createTestApp, type Session, signIn, type TestApp } from '../../../../tests/setup/test-app.ts';

/**
 * Targets through the HTTP API on a real database: CRUD with access rules, the team grid (team
 * default = sum of reps, direct wins), CSV bulk entry (one bad row stores nothing), closed periods,
 * ramp for new reps, and quota attainment / pipeline coverage against hand-computed numbers.
 * The fake clock stands at 2026-01-05 (America/Chicago, fiscal year = calendar year).
 */
let t: TestApp;
let w: Awaited<ReturnType<typeof makeWorld>>;
let admin: Session;
let managerA: Session;
let director: Session;
let repA1: Session;
let repB1: Session;

async function targetRows() {
  return t.db.kysely
    .selectFrom('targets')
    .select(['subject_type', 'subject_id', 'metric_key', 'period_kind', 'period_start', 'amount'])
    .where('org_id', '=', w.org.orgId)
    .orderBy('id')
    .execute();
}

beforeAll(async () => {
  t = await createTestApp();
  w = await makeWorld(t.db, t.clock);
  // Everyone in the world has been with the org for a year: no ramp applies to them.
  await t.db.kysely
    .updateTable('memberships')
    .set({ created_at: Date.parse('2025-01-01T12:00:00Z') })
    .where('org_id', '=', w.org.orgId)
    .execute();
  [admin, managerA, director, repA1, repB1] = await Promise.all([
    signIn(t.app, w.org.admin.email, PASSWORD),
    signIn(t.app, w.managerA.email, PASSWORD),
    signIn(t.app, w.director.email, PASSWORD),
    signIn(t.app, w.repA1.email, PASSWORD),
    signIn(t.app, w.repB1.email, PASSWORD),
  ]);
});
afterAll(async () => {
  await t.close();
});

describe('target CRUD', () => {
  it('lets a manager set, read, change and remove a rep’s target, audited, and keeps others out', async () => {
    const created = await as(
      t.app,
      managerA,
    )({
      method: 'POST',
      url: '/api/targets',
      payload: {
        subjectType: 'user',
        subjectId: w.repA1.id,
        metric: 'visits',
        period: 'FY2026-Q2',
        amount: 120,
      },
    });
    expect(created.statusCode).toBe(201);
    const target = created.json();
    expect(target).toMatchObject({
      subjectType: 'user',
      subject: { id: w.repA1.id, name: 'Ari Rep' },
      metric: 'visits',
      period: { key: 'FY2026-Q2', kind: 'quarter', startDate: '2026-04-01', closed: false },
      amount: 120,
      effectiveAmount: 120,
      rampPercent: 100,
    });

    // The rep sees their own target; a rep and a manager of another team get a plain 404.
    expect((await as(t.app, repA1)({ method: 'GET', url: `/api/targets/${target.id}` })).json().amount).toBe(
      120,
    );
    const missing = await as(
      t.app,
      repB1,
    )({ method: 'GET', url: '/api/targets/0190aaaa-0000-7000-8000-00000000dead' });
    const hidden = await as(t.app, repB1)({ method: 'GET', url: `/api/targets/${target.id}` });
    expect(hidden.statusCode).toBe(404);
    expect(hidden.json()).toEqual(missing.json());

    // A rep may not set targets at all; the same target twice is a conflict.
    const byRep = await as(
      t.app,
      repA1,
    )({ method: 'PATCH', url: `/api/targets/${target.id}`, payload: { amount: 1 } });
    expect(byRep.statusCode).toBe(403);
    const twice = await as(
      t.app,
      managerA,
    )({
      method: 'POST',
      url: '/api/targets',
      payload: {
        subjectType: 'user',
        subjectId: w.repA1.id,
        metric: 'visits',
        period: 'FY2026-Q2',
        amount: 5,
      },
    });
    expect(twice.statusCode).toBe(409);

    const changed = await as(
      t.app,
      managerA,
    )({ method: 'PATCH', url: `/api/targets/${target.id}`, payload: { amount: 150 } });
    expect(changed.json().amount).toBe(150);
    const list = (await as(t.app, repA1)({ method: 'GET', url: '/api/targets?metric=visits' })).json();
    expect(list.items.map((i: { id: string; amount: number }) => [i.id, i.amount])).toEqual([
      [target.id, 150],
    ]);

    const removed = await as(t.app, managerA)({ method: 'DELETE', url: `/api/targets/${target.id}` });
    expect(removed.statusCode).toBe(204);
    expect((await as(t.app, managerA)({ method: 'GET', url: `/api/targets/${target.id}` })).statusCode).toBe(
      404,
    );

    const audits = await t.db.kysely
      .selectFrom('audit_log')
      .select('action')
      .where('org_id', '=', w.org.orgId)
      .where('entity_id', '=', target.id)
      .orderBy('at')
      .orderBy('id')
      .execute();
    expect(audits.map((a) => a.action)).toEqual(['create', 'update', 'delete']);
  });

  it('refuses a target for someone outside the manager’s teams as a bad field, storing nothing', async () => {
    const before = await targetRows();
    for (const subjectId of [
      w.repB1.id,
      w.otherRep.id,
      w.managerA.id,
      '0190aaaa-0000-7000-8000-00000000dead',
    ]) {
      const res = await as(
        t.app,
        managerA,
      )({
        method: 'POST',
        url: '/api/targets',
        payload: { subjectType: 'user', subjectId, metric: 'visits', period: 'FY2026-Q2', amount: 1 },
      });
      expect(res.statusCode, subjectId).toBe(400);
      expect(res.json().error.details.fields[0].path).toBe('subjectId');
    }
    const unknownMetric = await as(
      t.app,
      managerA,
    )({
      method: 'POST',
      url: '/api/targets',
      payload: {
        subjectType: 'user',
        subjectId: w.repA1.id,
        metric: 'happiness',
        period: 'FY2026-Q2',
        amount: 1,
      },
    });
    expect(unknownMetric.json().error.details.fields[0].path).toBe('metric');
    const badPeriod = await as(
      t.app,
      managerA,
    )({
      method: 'POST',
      url: '/api/targets',
      payload: { subjectType: 'user', subjectId: w.repA1.id, metric: 'visits', period: '2026-13', amount: 1 },
    });
    expect(badPeriod.json().error.details.fields[0].path).toBe('period');
    const fraction = await as(
      t.app,
      managerA,
    )({
      method: 'POST',
      url: '/api/targets',
      payload: {
        subjectType: 'user',
        subjectId: w.repA1.id,
        metric: 'visits',
        period: 'FY2026-Q2',
        amount: 1.5,
      },
    });
    expect(fraction.json().error.details.fields[0].path).toBe('amount');
    expect(await targetRows()).toEqual(before);
  });

  it('refuses targets of an ended period unless an admin confirms', async () => {
    const body = {
      subjectType: 'user',
      subjectId: w.repA1.id,
      metric: 'calls',
      period: '2025-12',
      amount: 300,
    };
    const byManager = await as(
      t.app,
      managerA,
    )({ method: 'POST', url: '/api/targets', payload: { ...body, confirmClosedPeriod: true } });
    expect(byManager.statusCode).toBe(400);
    expect(byManager.json().error.details.fields[0]).toMatchObject({ path: 'period' });
    expect(byManager.json().error.message).toMatch(/only an admin/);
    const unconfirmed = await as(t.app, admin)({ method: 'POST', url: '/api/targets', payload: body });
    expect(unconfirmed.statusCode).toBe(400);
    expect(unconfirmed.json().error.message).toMatch(/confirm/);
    const confirmed = await as(
      t.app,
      admin,
    )({ method: 'POST', url: '/api/targets', payload: { ...body, confirmClosedPeriod: true } });
    expect(confirmed.statusCode).toBe(201);
    expect(confirmed.json().period.closed).toBe(true);
  });
});

describe('target grid', () => {
  it('defaults a team to the sum of its reps, lets a direct team target win, and rolls sub-teams up', async () => {
    const put = await as(
      t.app,
      managerA,
    )({
      method: 'PUT',
      url: '/api/targets/grid',
      payload: {
        period: 'FY2026-Q3',
        cells: [
          { subjectType: 'user', subjectId: w.repA1.id, metric: 'revenue_won', amount: 600_000 },
          { subjectType: 'user', subjectId: w.repA2.id, metric: 'revenue_won', amount: 400_001 },
          { subjectType: 'user', subjectId: w.repA1.id, metric: 'visits', amount: 90 },
        ],
      },
    });
    expect(put.statusCode).toBe(200);
    expect(put.json()).toEqual({ created: 3, updated: 0, deleted: 0, unchanged: 0 });

    const grid = (
      await as(
        t.app,
        managerA,
      )({ method: 'GET', url: `/api/targets/grid?teamId=${w.teamA}&period=FY2026-Q3` })
    ).json();
    expect(grid.metrics.map((m: { key: string }) => m.key)).toEqual(['revenue_won', 'visits']);
    const byUser = Object.fromEntries(
      grid.rows.map((r: { user: { id: string }; cells: { amount: number | null }[] }) => [
        r.user.id,
        r.cells.map((c) => c.amount),
      ]),
    );
    expect(byUser).toEqual({ [w.repA1.id]: [600_000, 90], [w.repA2.id]: [400_001, null] });
    expect(grid.teamRow.cells[0]).toMatchObject({
      source: 'sum',
      sum: 1_000_001,
      effective: 1_000_001,
      direct: null,
    });
    expect(grid.teamRow.cells[1]).toMatchObject({ source: 'sum', effective: 90 });

    // Set directly, the team target wins over the sum (which stays visible).
    await as(
      t.app,
      managerA,
    )({
      method: 'PUT',
      url: '/api/targets/grid',
      payload: {
        period: 'FY2026-Q3',
        cells: [{ subjectType: 'team', subjectId: w.teamA, metric: 'revenue_won', amount: 1_500_000 }],
      },
    });
    const direct = (
      await as(
        t.app,
        director,
      )({ method: 'GET', url: `/api/targets/grid?teamId=${w.region}&period=FY2026-Q3&metrics=revenue_won` })
    ).json();
    const teamA = direct.subTeams.find((s: { team: { id: string } }) => s.team.id === w.teamA);
    const teamB = direct.subTeams.find((s: { team: { id: string } }) => s.team.id === w.teamB);
    expect(teamA.cells[0]).toMatchObject({
      source: 'direct',
      direct: 1_500_000,
      sum: 1_000_001,
      effective: 1_500_000,
    });
    expect(teamB.cells[0]).toMatchObject({ source: 'none', effective: null });
    // The region has no members of its own: its default is the sum of its sub-teams.
    expect(direct.teamRow.cells[0]).toMatchObject({ source: 'sum', effective: 1_500_000 });

    // Clearing a cell removes the target.
    const cleared = await as(
      t.app,
      managerA,
    )({
      method: 'PUT',
      url: '/api/targets/grid',
      payload: {
        period: 'FY2026-Q3',
        cells: [{ subjectType: 'team', subjectId: w.teamA, metric: 'revenue_won', amount: null }],
      },
    });
    expect(cleared.json()).toMatchObject({ deleted: 1 });
  });

  it('gives a team no default target for a rate: three 30 % win-rate targets do not make 90 %', async () => {
    const put = await as(
      t.app,
      director,
    )({
      method: 'PUT',
      url: '/api/targets/grid',
      payload: {
        period: '2026-11',
        cells: [
          { subjectType: 'user', subjectId: w.repA1.id, metric: 'win_rate', amount: 30 },
          { subjectType: 'user', subjectId: w.repA2.id, metric: 'win_rate', amount: 30 },
          { subjectType: 'user', subjectId: w.repB1.id, metric: 'win_rate', amount: 30 },
          { subjectType: 'user', subjectId: w.repA1.id, metric: 'visits', amount: 20 },
          { subjectType: 'user', subjectId: w.repA2.id, metric: 'visits', amount: 10 },
        ],
      },
    });
    expect(put.statusCode).toBe(200);
    const grid = (
      await as(
        t.app,
        director,
      )({ method: 'GET', url: `/api/targets/grid?teamId=${w.region}&period=2026-11&metrics=win_rate,visits` })
    ).json();
    expect(grid.metrics.map((m: { key: string; sums: object }) => [m.key, m.sums])).toEqual([
      ['win_rate', { people: false, periods: false }],
      ['visits', { people: true, periods: true }],
    ]);
    const teamA = grid.subTeams.find((s: { team: { id: string } }) => s.team.id === w.teamA);
    expect(teamA.cells[0]).toMatchObject({ source: 'none', sum: null, effective: null });
    expect(teamA.cells[1]).toMatchObject({ source: 'sum', sum: 30, effective: 30 });
    expect(grid.teamRow.cells[0]).toMatchObject({ source: 'none', sum: null, effective: null });

    // Set on Team A, the rate applies to Team A only; the org view shows it there and nowhere above.
    await as(
      t.app,
      director,
    )({
      method: 'PUT',
      url: '/api/targets/grid',
      payload: {
        period: '2026-11',
        cells: [{ subjectType: 'team', subjectId: w.teamA, metric: 'win_rate', amount: 35 }],
      },
    });
    const org = (
      await as(
        t.app,
        director,
      )({ method: 'GET', url: '/api/metrics/org?period=2026-11&metrics=win_rate,visits' })
    ).json();
    const cells = (id: string) => org.teams.find((x: { id: string }) => x.id === id).cells;
    expect(cells(w.teamA).map((c: { target: number | null }) => c.target)).toEqual([35, 30]);
    expect(cells(w.region)[0].target).toBeNull();
  });

  it('changes nothing when one cell is bad, and names the cell', async () => {
    const before = await targetRows();
    const res = await as(
      t.app,
      managerA,
    )({
      method: 'PUT',
      url: '/api/targets/grid',
      payload: {
        period: 'FY2026-Q3',
        cells: [
          { subjectType: 'user', subjectId: w.repA1.id, metric: 'revenue_won', amount: 1 },
          { subjectType: 'user', subjectId: w.repB1.id, metric: 'revenue_won', amount: 2 },
        ],
      },
    });
    expect(res.statusCode).toBe(400);
    expect(res.json().error.details.fields[0].path).toBe('cells.1.subjectId');
    const negative = await as(
      t.app,
      managerA,
    )({
      method: 'PUT',
      url: '/api/targets/grid',
      payload: {
        period: 'FY2026-Q3',
        cells: [{ subjectType: 'user', subjectId: w.repA1.id, metric: 'visits', amount: -1 }],
      },
    });
    expect(negative.json().error.details.fields[0].path).toBe('cells.0.amount');
    expect(await targetRows()).toEqual(before);
  });

  it('shows the grid only to managers of the team and admins', async () => {
    const forRep = await as(
      t.app,
      repA1,
    )({ method: 'GET', url: `/api/targets/grid?teamId=${w.teamA}&period=FY2026-Q3` });
    expect(forRep.statusCode).toBe(403);
    const otherTeam = await as(
      t.app,
      managerA,
    )({ method: 'GET', url: `/api/targets/grid?teamId=${w.teamB}&period=FY2026-Q3` });
    expect(otherTeam.statusCode).toBe(404);
    const otherOrg = await as(
      t.app,
      admin,
    )({ method: 'GET', url: `/api/targets/grid?teamId=${w.otherTeam}&period=FY2026-Q3` });
    expect(otherOrg.statusCode).toBe(404);
  });
});

describe('CSV bulk entry', () => {
  it('stores every row of a good file, money in major units', async () => {
    const csv = [
      'email,team,metric,period,amount',
      `${w.repA1.email},,revenue_won,FY2026-Q4,"12,500.50"`,
      `${w.repB1.email.toUpperCase()},,revenue_won,FY2026-Q4,8000`,
      `,Team B,visits,FY2026-Q4,300`,
    ].join('\n');
    const res = await as(t.app, admin)({ method: 'POST', url: '/api/targets/import', payload: { csv } });
    expect(res.statusCode).toBe(200);
    expect(res.json()).toEqual({ created: 3, updated: 0, deleted: 0, unchanged: 0, rows: 3, dryRun: false });
    const rows = (await targetRows()).filter((r) => r.period_start === '2026-10-01');
    expect(rows.map((r) => [r.subject_type, r.subject_id, r.metric_key, Number(r.amount)]).sort()).toEqual(
      [
        ['team', w.teamB, 'visits', 300],
        ['user', w.repA1.id, 'revenue_won', 1_250_050],
        ['user', w.repB1.id, 'revenue_won', 800_000],
      ].sort(),
    );
  });

  it('stores nothing when any row is bad, listing each problem with its row, column and reason', async () => {
    const before = await targetRows();
    const csv = [
      'email,team,metric,period,amount',
      `${w.repA1.email},,visits,2026-02,40`,
      `${w.repA2.email},,happiness,2026-02,40`,
      `${w.repA2.email},,revenue_won,2026-02,12.345`,
      `${w.repB1.email},,visits,2026-02,10`,
      `nobody@example.test,,visits,2026-02,10`,
      `${w.repA1.email},,visits,2026-14,10`,
      `${w.repA1.email},,visits,2026-02,41`,
    ].join('\n');
    const res = await as(t.app, managerA)({ method: 'POST', url: '/api/targets/import', payload: { csv } });
    expect(res.statusCode).toBe(400);
    const body = res.json().error;
    expect(body.code).toBe('validation_failed');
    expect(body.details.fields[0].path).toBe('csv');
    expect(body.details.rows.map((p: { row: number; column: string | null }) => [p.row, p.column])).toEqual([
      [3, 'metric'],
      [4, 'amount'],
      [5, 'email'],
      [6, 'email'],
      [7, 'period'],
      [8, null],
    ]);
    expect(body.details.rows[1].reason).toMatch(/decimal places/);
    expect(body.details.rows[5].reason).toMatch(/repeats row 2/);
    expect(await targetRows()).toEqual(before);
  });

  it('names a header without the needed columns', async () => {
    const res = await as(
      t.app,
      admin,
    )({ method: 'POST', url: '/api/targets/import', payload: { csv: 'who,what\na,b\n' } });
    expect(res.statusCode).toBe(400);
    expect(res.json().error.details.fields[0].path).toBe('csv');
  });
});

describe('a rep’s own targets of a period (what the rep dashboard shows)', () => {
  it('lists every metric a rep has a target for in a period, custom ones too, and never a peer’s', async () => {
    const custom = await as(
      t.app,
      admin,
    )({
      method: 'POST',
      url: '/api/metrics/custom',
      payload: {
        key: 'dash_verified_visits',
        name: 'Dashboard verified visits',
        description: 'Verified visits, for the dashboard test',
        definition: { block: 'activity_count', filters: { kinds: ['visit'], verified: true } },
        unit: 'count',
        direction: 'higher',
        format: 'count',
      },
    });
    expect(custom.statusCode, custom.body).toBe(201);
    // July 2026: only this test sets targets in it. repA2 is repA1's peer in team A.
    const put = await as(
      t.app,
      managerA,
    )({
      method: 'PUT',
      url: '/api/targets/grid',
      payload: {
        period: '2026-07',
        cells: [
          { subjectType: 'user', subjectId: w.repA1.id, metric: 'meetings', amount: 12 },
          { subjectType: 'user', subjectId: w.repA1.id, metric: 'dash_verified_visits', amount: 30 },
          { subjectType: 'user', subjectId: w.repA2.id, metric: 'calls', amount: 80 },
          { subjectType: 'team', subjectId: w.teamA, metric: 'visits', amount: 200 },
        ],
      },
    });
    expect(put.statusCode, put.body).toBe(200);
    await as(
      t.app,
      managerA,
    )({
      method: 'POST',
      url: '/api/targets',
      payload: { subjectType: 'user', subjectId: w.repA1.id, metric: 'calls', period: '2026-08', amount: 5 },
    });

    type Item = { subject: { id: string }; metric: string; period: { key: string }; effectiveAmount: number };
    const list = async (s: Session, query: string) => {
      const res = await as(t.app, s)({ method: 'GET', url: `/api/targets?${query}` });
      expect(res.statusCode, res.body).toBe(200);
      return (res.json().items as Item[]).map((i) => [
        i.subject.id,
        i.metric,
        i.period.key,
        i.effectiveAmount,
      ]);
    };
    // The dashboard's question: my user targets of this period — not other periods', not my team's.
    expect(await list(repA1, `userId=${w.repA1.id}&period=2026-07`)).toEqual([
      [w.repA1.id, 'dash_verified_visits', '2026-07', 30],
      [w.repA1.id, 'meetings', '2026-07', 12],
    ]);
    // A peer's targets are not the rep's to see: asking by their id gives nothing, and the
    // rep's unfiltered list holds their own and their team's only.
    expect(await list(repA1, `userId=${w.repA2.id}&period=2026-07`)).toEqual([]);
    expect(await list(repB1, `userId=${w.repA1.id}&period=2026-07`)).toEqual([]);
    const everything = await list(repA1, 'period=2026-07');
    expect(everything.map((r) => r[0]).sort()).toEqual([w.repA1.id, w.repA1.id, w.teamA].sort());
    // Their manager sees the same as the rep.
    expect(await list(managerA, `userId=${w.repA1.id}&period=2026-07`)).toEqual(
      await list(repA1, `userId=${w.repA1.id}&period=2026-07`),
    );

    // Each listed metric then has its number against that target, and a trend, for the rep.
    for (const [metric, target] of [
      ['meetings', 12],
      ['dash_verified_visits', 30],
    ] as const) {
      const values = await as(
        t.app,
        repA1,
      )({ method: 'GET', url: `/api/metrics/values?metric=${metric}&period=2026-07&scope=me` });
      expect(values.statusCode, values.body).toBe(200);
      expect(values.json().rows).toMatchObject([{ user: { id: w.repA1.id }, target }]);
      const trend = await as(
        t.app,
        repA1,
      )({ method: 'GET', url: `/api/metrics/trend?metric=${metric}&kind=month&period=2026-07&count=2` });
      expect(trend.statusCode, trend.body).toBe(200);
      expect(
        trend.json().points.map((p: { key: string; target: number | null }) => [p.key, p.target]),
      ).toEqual([
        ['2026-06', null],
        ['2026-07', target],
      ]);
    }
  });
});

describe('ramp for new reps', () => {
  it('applies the percent for the month of tenure when reading, and team sums use ramped targets', async () => {
    const team = await t.db.kysely
      .selectFrom('teams')
      .select('id')
      .where('id', '=', w.teamB)
      .executeTakeFirstOrThrow();
    const newbie = await makeUser(t.db, t.clock, w.org, 'rep', { teamId: team.id, name: 'Nia Newhire' });
    // Joined 15 January 2026 (Chicago): February is month 1 of tenure, March month 2, May month 4.
    await t.db.kysely
      .updateTable('memberships')
      .set({ created_at: Date.parse('2026-01-15T15:00:00Z') })
      .where('org_id', '=', w.org.orgId)
      .where('user_id', '=', newbie.id)
      .execute();
    const settings = await as(
      t.app,
      admin,
    )({ method: 'PATCH', url: '/api/metrics/settings', payload: { ramp: [25, 50, 75] } });
    expect(settings.json().ramp).toEqual([25, 50, 75]);
    const cells = ['2026-02', '2026-03', '2026-04', '2026-05'].map((period) => ({ period }));
    for (const { period } of cells) {
      const res = await as(
        t.app,
        admin,
      )({
        method: 'PUT',
        url: '/api/targets/grid',
        payload: {
          period,
          cells: [
            { subjectType: 'user', subjectId: newbie.id, metric: 'revenue_won', amount: 1_000_002 },
            { subjectType: 'user', subjectId: w.repB1.id, metric: 'revenue_won', amount: 500_000 },
          ],
        },
      });
      expect(res.statusCode).toBe(200);
    }
    const list = (
      await as(t.app, admin)({ method: 'GET', url: `/api/targets?userId=${newbie.id}&metric=revenue_won` })
    ).json();
    const byPeriod = Object.fromEntries(
      list.items.map((i: { period: { key: string }; rampPercent: number; effectiveAmount: number }) => [
        i.period.key,
        [i.rampPercent, i.effectiveAmount],
      ]),
    );
    // 1,000,002 × 25 % = 250,000.5 → half-even 250,000; × 75 % = 750,001.5 → 750,002.
    expect(byPeriod).toEqual({
      '2026-02': [25, 250_000],
      '2026-03': [50, 500_001],
      '2026-04': [75, 750_002],
      '2026-05': [100, 1_000_002],
    });
    const grid = (
      await as(
        t.app,
        admin,
      )({ method: 'GET', url: `/api/targets/grid?teamId=${w.teamB}&period=2026-03&metrics=revenue_won` })
    ).json();
    const row = grid.rows.find((r: { user: { id: string } }) => r.user.id === newbie.id);
    expect(row).toMatchObject({
      tenureMonth: 2,
      rampPercent: 50,
      cells: [{ amount: 1_000_002, effective: 500_001 }],
    });
    expect(grid.teamRow.cells[0]).toMatchObject({ source: 'sum', effective: 500_001 + 500_000 });
    // Quota attainment divides by the ramped target.
    const attainment = (
      await as(
        t.app,
        admin,
      )({ method: 'GET', url: '/api/metrics/values?metric=quota_attainment&period=2026-02&scope=org' })
    ).json();
    expect(attainment.rows.find((r: { user: { id: string } }) => r.user.id === newbie.id)).toMatchObject({
      value: 0,
      numerator: 0,
      denominator: 250_000,
    });
    await as(t.app, admin)({ method: 'PATCH', url: '/api/metrics/settings', payload: { ramp: [] } });
  });
});

describe('a quarter or a year from its months', () => {
  it('measures a quarter against the sum of the monthly targets, a directly set quarter winning, rates never summed', async () => {
    const put = (period: string, cells: object[]) =>
      as(t.app, managerA)({ method: 'PUT', url: '/api/targets/grid', payload: { period, cells } });
    const user = (id: string, metric: string, amount: number) => ({
      subjectType: 'user',
      subjectId: id,
      metric,
      amount,
    });
    for (const month of ['2027-01', '2027-02', '2027-03'])
      expect(
        (
          await put(month, [
            user(w.repA1.id, 'revenue_won', 1_000_000),
            user(w.repA1.id, 'win_rate', 30),
            user(w.repA2.id, 'visits', 10),
          ])
        ).statusCode,
      ).toBe(200);
    await put('2027-01', [user(w.repA2.id, 'revenue_won', 500_000)]);
    // Set directly, a quarter target wins over its months.
    await put('FY2027-Q1', [user(w.repA2.id, 'visits', 100)]);

    const values = async (metric: string, period: string) =>
      (
        await as(
          t.app,
          managerA,
        )({ method: 'GET', url: `/api/metrics/values?metric=${metric}&period=${period}&scope=reach` })
      ).json() as {
        rows: {
          user: { id: string };
          target: number | null;
          targetBasis: unknown;
          denominator: number | null;
        }[];
      };
    const rowOf = (res: Awaited<ReturnType<typeof values>>, id: string) =>
      res.rows.find((r) => r.user.id === id)!;

    const revenue = await values('revenue_won', 'FY2027-Q1');
    expect(rowOf(revenue, w.repA1.id)).toMatchObject({
      target: 3_000_000,
      targetBasis: { source: 'months', withTarget: 3, of: 3 },
    });
    // A month without a target counts 0 (the answer says 1 of 3 months had one).
    expect(rowOf(revenue, w.repA2.id)).toMatchObject({
      target: 500_000,
      targetBasis: { source: 'months', withTarget: 1, of: 3 },
    });
    const visits = await values('visits', 'FY2027-Q1');
    expect(rowOf(visits, w.repA2.id)).toMatchObject({ target: 100, targetBasis: { source: 'set' } });
    // A month still shows its own target.
    expect(rowOf(await values('visits', '2027-02'), w.repA2.id)).toMatchObject({
      target: 10,
      targetBasis: { source: 'set', withTarget: null, of: null },
    });
    // Three 30 % months are not a 90 % quarter: a rate has no quarter target unless set.
    expect(rowOf(await values('win_rate', 'FY2027-Q1'), w.repA1.id)).toMatchObject({
      target: null,
      targetBasis: null,
    });
    // Quota attainment in the quarter divides by the summed revenue target.
    expect(rowOf(await values('quota_attainment', 'FY2027-Q1'), w.repA1.id)).toMatchObject({
      denominator: 3_000_000,
    });
    // The fiscal year: the sum of its quarters (here all from months).
    expect(rowOf(await values('revenue_won', 'FY2027'), w.repA1.id)).toMatchObject({
      target: 3_000_000,
      targetBasis: { source: 'months', withTarget: 3, of: 12 },
    });

    // The KPI grid says the same; the target grid shows the sum under an empty quarter cell.
    const kpiGrid = (
      await as(
        t.app,
        managerA,
      )({ method: 'GET', url: '/api/metrics/grid?metrics=revenue_won,win_rate&period=FY2027-Q1&scope=reach' })
    ).json();
    const a1 = kpiGrid.people.findIndex((p: { id: string }) => p.id === w.repA1.id);
    expect(kpiGrid.metrics[0].cells[a1]).toMatchObject({
      target: 3_000_000,
      targetBasis: { source: 'months' },
    });
    expect(kpiGrid.metrics[1].cells[a1]).toMatchObject({ target: null });
    const grid = (
      await as(
        t.app,
        managerA,
      )({
        method: 'GET',
        url: `/api/targets/grid?teamId=${w.teamA}&period=FY2027-Q1&metrics=revenue_won,win_rate`,
      })
    ).json();
    const cells = grid.rows.find((r: { user: { id: string } }) => r.user.id === w.repA1.id).cells;
    expect(cells[0]).toMatchObject({ amount: null, targetId: null, effective: 3_000_000, source: 'months' });
    expect(cells[1]).toMatchObject({ amount: null, effective: null, source: null });
    expect(grid.teamRow.cells[0]).toMatchObject({ source: 'sum', effective: 3_500_000 });

    // The org view: the team's quarter target is the sum of its people's.
    const org = (
      await as(
        t.app,
        managerA,
      )({ method: 'GET', url: '/api/metrics/org?period=FY2027-Q1&metrics=revenue_won,win_rate' })
    ).json();
    const teamA = org.teams.find((x: { id: string }) => x.id === w.teamA);
    expect(teamA.cells.map((c: { target: number | null }) => c.target)).toEqual([3_500_000, null]);
  });
});

describe('targets that are not whole numbers', () => {
  it('takes up to 2 decimals for rates and numbers, whole counts and cents, through the API and the grid', async () => {
    const post = (metric: string, amount: number, subjectId = w.repA1.id) =>
      as(
        t.app,
        managerA,
      )({
        method: 'POST',
        url: '/api/targets',
        payload: { subjectType: 'user', subjectId, metric, period: '2027-05', amount },
      });
    const rate = await post('win_rate', 27.5);
    expect(rate.statusCode, rate.body).toBe(201);
    expect(rate.json()).toMatchObject({ amount: 27.5, effectiveAmount: 27.5 });
    const perDay = await post('visits_per_field_day', 2.25);
    expect(perDay.json()).toMatchObject({ amount: 2.25 });

    const before = await targetRows();
    const refused = async (res: Awaited<ReturnType<typeof post>>, path: string, message: RegExp) => {
      expect(res.statusCode, res.body).toBe(400);
      expect(res.json().error.details.fields[0].path).toBe(path);
      expect(res.json().error.details.fields[0].message).toMatch(message);
    };
    await refused(await post('visits', 2.5), 'amount', /whole number/);
    await refused(
      await post('revenue_won', 1250.5),
      'amount',
      /minor units of USD \(1\/100 USD: 125050 is USD 1,250.50\)/,
    );
    await refused(await post('calls', 27.555), 'amount', /at most 2 decimals/);
    await refused(await post('win_rate', 27.555, w.repA2.id), 'amount', /at most 2 decimals/);
    await refused(
      await as(
        t.app,
        managerA,
      )({ method: 'PATCH', url: `/api/targets/${perDay.json().id}`, payload: { amount: 2.255 } }),
      'amount',
      /at most 2 decimals/,
    );
    const grid = await as(
      t.app,
      managerA,
    )({
      method: 'PUT',
      url: '/api/targets/grid',
      payload: {
        period: '2027-05',
        cells: [
          { subjectType: 'user', subjectId: w.repA2.id, metric: 'win_rate', amount: 31.25 },
          { subjectType: 'user', subjectId: w.repA2.id, metric: 'deals_won', amount: 1.5 },
        ],
      },
    });
    await refused(grid, 'cells.1.amount', /whole number/);
    expect(await targetRows()).toEqual(before);

    // Stored and read back exactly on both engines; the KPI values measure against it.
    const stored = (await targetRows()).filter((r) => r.period_start === '2027-05-01');
    expect(stored.map((r) => [r.metric_key, Number(r.amount)]).sort()).toEqual([
      ['visits_per_field_day', 2.25],
      ['win_rate', 27.5],
    ]);
    const values = (
      await as(
        t.app,
        managerA,
      )({ method: 'GET', url: '/api/metrics/values?metric=win_rate&period=2027-05&scope=reach' })
    ).json();
    expect(values.rows.find((r: { user: { id: string } }) => r.user.id === w.repA1.id).target).toBe(27.5);
  });

  it('reads decimals from a CSV for rates and numbers, and names each refused amount by row and column', async () => {
    const before = await targetRows();
    const csv = [
      'email,team,metric,period,amount',
      `${w.repA1.email},,win_rate,2027-06,27.5%`,
      `${w.repA1.email},,visits_per_field_day,2027-06,2.5`,
      `${w.repA1.email},,visits,2027-06,2.5`,
      `${w.repA2.email},,win_rate,2027-06,27.555`,
      `${w.repA2.email},,revenue_won,2027-06,1250.5`,
    ].join('\n');
    const res = await as(t.app, managerA)({ method: 'POST', url: '/api/targets/import', payload: { csv } });
    expect(res.statusCode).toBe(400);
    const rows = res.json().error.details.rows as { row: number; column: string; reason: string }[];
    expect(rows.map((p) => [p.row, p.column])).toEqual([
      [4, 'amount'],
      [5, 'amount'],
    ]);
    expect(rows[0]!.reason).toMatch(/whole number/);
    expect(rows[1]!.reason).toMatch(/at most 2 decimals/);
    expect(await targetRows()).toEqual(before);

    const good = [csv.split('\n')[0], ...csv.split('\n').slice(1, 3), csv.split('\n')[5]].join('\n');
    const ok = await as(
      t.app,
      managerA,
    )({ method: 'POST', url: '/api/targets/import', payload: { csv: good } });
    expect(ok.statusCode, ok.body).toBe(200);
    const stored = (await targetRows()).filter((r) => r.period_start === '2027-06-01');
    expect(stored.map((r) => [r.metric_key, Number(r.amount)]).sort()).toEqual([
      ['revenue_won', 125_050],
      ['visits_per_field_day', 2.5],
      ['win_rate', 27.5],
    ]);
  });
});

describe('attainment and coverage', () => {
  it('computes quota attainment and pipeline coverage from effective targets', async () => {
    // January 2026: repA1 won $3,000 (closed now, 5 January) and has $5,000 open; target $10,000.
    const account = await makeAccount(t.db, t.clock, w.org.orgId, w.repA1.id);
    await makeDeal(t.db, t.clock, w.org.orgId, w.repA1.id, account, { stage: 'won', amountMinor: 300_000 });
    await makeDeal(t.db, t.clock, w.org.orgId, w.repA1.id, account, {
      stage: 'proposal',
      amountMinor: 500_000,
    });
    await makeDeal(t.db, t.clock, w.org.orgId, w.repA2.id, account, { stage: 'won', amountMinor: 100_000 });
    await as(
      t.app,
      managerA,
    )({
      method: 'PUT',
      url: '/api/targets/grid',
      payload: {
        period: '2026-01',
        cells: [{ subjectType: 'user', subjectId: w.repA1.id, metric: 'revenue_won', amount: 1_000_000 }],
      },
    });
    const get = async (metric: string) =>
      (
        await as(
          t.app,
          managerA,
        )({ method: 'GET', url: `/api/metrics/values?metric=${metric}&period=2026-01&scope=reach` })
      ).json();
    const row = (res: { rows: { user: { id: string }; value: number | null }[] }, id: string) =>
      res.rows.find((r) => r.user.id === id);

    const attainment = await get('quota_attainment');
    expect(row(attainment, w.repA1.id)).toMatchObject({
      value: 30,
      numerator: 300_000,
      denominator: 1_000_000,
    });
    // No target: "—", never 0 or Infinity.
    expect(row(attainment, w.repA2.id)).toMatchObject({ value: null, numerator: 100_000, denominator: null });

    const coverage = await get('pipeline_coverage');
    // $5,000 open ÷ ($10,000 − $3,000) remaining.
    expect(row(coverage, w.repA1.id)).toMatchObject({ numerator: 500_000, denominator: 700_000 });
    expect(row(coverage, w.repA1.id)!.value).toBeCloseTo(5 / 7, 10);
    expect(row(coverage, w.repA2.id)).toMatchObject({ value: null });

    const revenue = await get('revenue_won');
    expect(row(revenue, w.repA1.id)).toMatchObject({ value: 300_000, target: 1_000_000 });
  });
});

describe('ended periods on every route that changes targets', () => {
  // November 2025 has ended (the clock stands at 2026-01-05). Each route changes Ari's target of
  // its own metric, 50 before every attempt.
  type Confirm = boolean | undefined;
  const cases: {
    route: string;
    metric: string;
    /** The request changing the target to 99 (or deleting it), with or without the confirmation. */
    request: (
      id: string,
      confirm: Confirm,
    ) => { method: 'PATCH' | 'DELETE' | 'PUT' | 'POST'; url: string; payload?: object };
    /** Where the refusal names the problem. */
    problem: (body: { error: { message: string; details: Record<string, unknown> } }) => {
      path: string;
      text: string;
    };
    accepted: number;
    /** Ari's amount after an accepted request (null: deleted). */
    after: number | null;
  }[] = [
    {
      route: 'PATCH /api/targets/:id',
      metric: 'visits',
      request: (id, confirm) => ({
        method: 'PATCH',
        url: `/api/targets/${id}`,
        payload: { amount: 99, ...(confirm === undefined ? {} : { confirmClosedPeriod: confirm }) },
      }),
      problem: (b) => fieldProblem(b),
      accepted: 200,
      after: 99,
    },
    {
      route: 'DELETE /api/targets/:id',
      metric: 'calls',
      request: (id, confirm) => ({
        method: 'DELETE',
        url: `/api/targets/${id}${confirm === undefined ? '' : `?confirmClosedPeriod=${confirm}`}`,
      }),
      problem: (b) => fieldProblem(b),
      accepted: 204,
      after: null,
    },
    {
      route: 'PUT /api/targets/grid',
      metric: 'meetings',
      request: (_id, confirm) => ({
        method: 'PUT',
        url: '/api/targets/grid',
        payload: {
          period: '2025-11',
          cells: [{ subjectType: 'user', subjectId: w.repA1.id, metric: 'meetings', amount: 99 }],
          ...(confirm === undefined ? {} : { confirmClosedPeriod: confirm }),
        },
      }),
      problem: (b) => fieldProblem(b),
      accepted: 200,
      after: 99,
    },
    {
      route: 'POST /api/targets/import',
      metric: 'emails',
      request: (_id, confirm) => ({
        method: 'POST',
        url: '/api/targets/import',
        payload: {
          csv: `email,metric,period,amount\n${w.repA1.email},emails,2025-11,99\n`,
          ...(confirm === undefined ? {} : { confirmClosedPeriods: confirm }),
        },
      }),
      problem: (b) => {
        const [row] = b.error.details.rows as { row: number; column: string; reason: string }[];
        expect(row).toMatchObject({ row: 2, column: 'period' });
        return { path: 'period', text: row!.reason };
      },
      accepted: 200,
      after: 99,
    },
  ];
  function fieldProblem(b: { error: { message: string; details: Record<string, unknown> } }) {
    const [field] = b.error.details.fields as { path: string; message: string }[];
    return { path: field!.path, text: b.error.message };
  }

  /** Ari's target of the metric for November 2025 set to 50 (directly: the refusals are under test). */
  async function fifty(metric: string): Promise<string> {
    await t.db.kysely
      .deleteFrom('targets')
      .where('org_id', '=', w.org.orgId)
      .where('subject_id', '=', w.repA1.id)
      .where('metric_key', '=', metric)
      .where('period_start', '=', '2025-11-01')
      .execute();
    const created = await as(
      t.app,
      admin,
    )({
      method: 'POST',
      url: '/api/targets',
      payload: {
        subjectType: 'user',
        subjectId: w.repA1.id,
        metric,
        period: '2025-11',
        amount: 50,
        confirmClosedPeriod: true,
      },
    });
    expect(created.statusCode).toBe(201);
    return created.json().id;
  }
  async function amountOf(metric: string): Promise<number | null> {
    const row = await t.db.kysely
      .selectFrom('targets')
      .select('amount')
      .where('org_id', '=', w.org.orgId)
      .where('subject_id', '=', w.repA1.id)
      .where('metric_key', '=', metric)
      .where('period_kind', '=', 'month')
      .where('period_start', '=', '2025-11-01')
      .executeTakeFirst();
    return row ? Number(row.amount) : null;
  }

  it.each(cases)(
    '$route: a manager is refused, an admin must confirm, and a refusal changes nothing',
    async (c) => {
      const id = await fifty(c.metric);
      const before = await targetRows();
      // A manager who may set Ari's targets, even confirming: refused, naming the rule.
      for (const confirm of [true, undefined] as Confirm[]) {
        const res = await as(t.app, managerA)(c.request(id, confirm));
        expect(res.statusCode, `manager, confirm ${confirm}`).toBe(400);
        const problem = c.problem(res.json());
        expect(problem.text).toMatch(/Nov 2025 has ended; only an admin can change its targets/);
        expect(['period', 'confirmClosedPeriod']).toContain(problem.path);
      }
      // An admin who does not confirm: refused, asking for the confirmation.
      for (const confirm of [false, undefined] as Confirm[]) {
        const res = await as(t.app, admin)(c.request(id, confirm));
        expect(res.statusCode, `admin, confirm ${confirm}`).toBe(400);
        expect(c.problem(res.json()).text).toMatch(/has ended; confirm/);
      }
      expect(await targetRows()).toEqual(before);
      expect(await amountOf(c.metric)).toBe(50);
      // An admin who confirms: done.
      const res = await as(t.app, admin)(c.request(id, true));
      expect(res.statusCode, res.body).toBe(c.accepted);
      expect(await amountOf(c.metric)).toBe(c.after);
    },
  );
});
