import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { makeAccount, makeDeal } from '../../../../tests/factories/crm.ts';
import { makeUser, makeWorld, PASSWORD } from '../../../../tests/factories/identity.ts';
import { as, createTestApp, type Session, signIn, type TestApp } from '../../../../tests/setup/test-app.ts';

/**
 * A published playbook's targets are the default quotas of the people it applies to: through the
 * HTTP API on a real database (both engines). The fake clock stands at Monday 2026-01-05
 * (America/Chicago): the week 2026-W02 and the month 2026-01 are current. The world: Region (Dana
 * Director) above Team A (Ari, Avery) and Team B (Bo); Nia joins Team B on 2026-01-02 and ramps.
 */
let t: TestApp;
let w: Awaited<ReturnType<typeof makeWorld>>;
let admin: Session;
let managerA: Session;
let repB1: Session;
let newbie: { id: string };
let rolePlaybook: string;

type Row = {
  user: { id: string };
  value: number | null;
  numerator?: number | null;
  denominator?: number | null;
  target: number | null;
  targetBasis: {
    source: string;
    playbook: { id: string; name: string } | null;
  } | null;
};

async function rows(metric: string, period: string, who: Session = admin, scope = 'org'): Promise<Row[]> {
  const res = await as(
    t.app,
    who,
  )({ method: 'GET', url: `/api/metrics/values?metric=${metric}&period=${period}&scope=${scope}` });
  expect(res.statusCode).toBe(200);
  return res.json().rows;
}
const rowOf = (all: Row[], id: string) => all.find((r) => r.user.id === id);

const doc = (targets: { metric: string; periodKind: string; amount: number }[]) => ({
  summary: '',
  responsibilities: ['Visit your accounts'],
  targets,
  metrics: [],
});

async function createPlaybook(
  who: Session,
  name: string,
  scope: object,
  targets: { metric: string; periodKind: string; amount: number }[],
) {
  const res = await as(
    t.app,
    who,
  )({
    method: 'POST',
    url: '/api/playbooks',
    payload: { name, scope, document: doc(targets) },
  });
  expect(res.statusCode).toBe(201);
  return res.json().id as string;
}
async function saveDraft(
  who: Session,
  id: string,
  targets: { metric: string; periodKind: string; amount: number }[],
) {
  const res = await as(
    t.app,
    who,
  )({ method: 'PUT', url: `/api/playbooks/${id}/draft`, payload: { document: doc(targets) } });
  expect(res.statusCode).toBe(200);
}
async function publish(who: Session, id: string) {
  const res = await as(t.app, who)({ method: 'POST', url: `/api/playbooks/${id}/publish` });
  expect(res.statusCode).toBe(200);
}

beforeAll(async () => {
  t = await createTestApp();
  w = await makeWorld(t.db, t.clock);
  newbie = await makeUser(t.db, t.clock, w.org, 'rep', { teamId: w.teamB, name: 'Nia Newhire' });
  // Everyone has been with the org for a year, except Nia (joined 2 January 2026, Chicago).
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
  [admin, managerA, repB1] = await Promise.all([
    signIn(t.app, w.org.admin.email, PASSWORD),
    signIn(t.app, w.managerA.email, PASSWORD),
    signIn(t.app, w.repB1.email, PASSWORD),
  ]);
  const ramp = await as(
    t.app,
    admin,
  )({ method: 'PATCH', url: '/api/metrics/settings', payload: { ramp: [50] } });
  expect(ramp.statusCode).toBe(200);
});
afterAll(async () => {
  await t.close();
});

describe('a playbook’s targets as default quotas', () => {
  it('counts only the current published version of a role playbook, ramped, for the people with the role', async () => {
    rolePlaybook = await createPlaybook(admin, 'Field rep', { type: 'role', role: 'rep' }, [
      { metric: 'visits', periodKind: 'week', amount: 40 },
      { metric: 'revenue_won', periodKind: 'month', amount: 1_000_000 },
    ]);
    // A draft sets nothing.
    expect(rowOf(await rows('visits', '2026-W02'), w.repA1.id)).toMatchObject({
      target: null,
      targetBasis: null,
    });

    await publish(admin, rolePlaybook);
    const week = await rows('visits', '2026-W02');
    expect(rowOf(week, w.repA1.id)).toMatchObject({
      target: 40,
      targetBasis: { source: 'playbook', playbook: { id: rolePlaybook, name: 'Field rep' } },
    });
    // Nia is in her first month of tenure: 50 % of the playbook's 40.
    expect(rowOf(week, newbie.id)).toMatchObject({ target: 20, targetBasis: { source: 'playbook' } });
    // Only for the period kind the playbook names: a month of visits has no target.
    expect(rowOf(await rows('visits', '2026-01'), w.repA1.id)).toMatchObject({ target: null });
    // What the rep's own dashboard reads.
    expect((await rows('visits', '2026-W02', repB1, 'me'))[0]).toMatchObject({
      user: { id: w.repB1.id },
      target: 40,
    });
    // A manager is not a rep: the playbook does not apply to them.
    const mine = await rows('visits', '2026-W02', managerA, 'me');
    expect(mine[0]).toMatchObject({ user: { id: w.managerA.id }, target: null, targetBasis: null });

    // A new draft changes nothing until it is published; then the earlier version no longer counts.
    await saveDraft(admin, rolePlaybook, [
      { metric: 'visits', periodKind: 'week', amount: 50 },
      { metric: 'revenue_won', periodKind: 'month', amount: 1_000_000 },
    ]);
    expect(rowOf(await rows('visits', '2026-W02'), w.repA1.id)?.target).toBe(40);
    await publish(admin, rolePlaybook);
    expect(rowOf(await rows('visits', '2026-W02'), w.repA1.id)?.target).toBe(50);
  });

  it('lets a target set for the person win over their playbook’s', async () => {
    const put = await as(
      t.app,
      managerA,
    )({
      method: 'PUT',
      url: '/api/targets/grid',
      payload: {
        period: '2026-W02',
        cells: [{ subjectType: 'user', subjectId: w.repA2.id, metric: 'visits', amount: 25 }],
      },
    });
    expect(put.statusCode).toBe(200);
    const week = await rows('visits', '2026-W02');
    expect(rowOf(week, w.repA2.id)).toMatchObject({
      target: 25,
      targetBasis: { source: 'set', playbook: null },
    });
    expect(rowOf(week, w.repA1.id)).toMatchObject({ target: 50, targetBasis: { source: 'playbook' } });
  });

  it('prefers a team playbook to the role playbook, the nearest team first, and adds it into team sums', async () => {
    const region = await createPlaybook(admin, 'Region rep', { type: 'team', teamId: w.region }, [
      { metric: 'visits', periodKind: 'week', amount: 35 },
    ]);
    const teamA = await createPlaybook(managerA, 'Team A rep', { type: 'team', teamId: w.teamA }, [
      { metric: 'visits', periodKind: 'week', amount: 30 },
    ]);
    await publish(admin, region);
    await publish(managerA, teamA);
    const week = await rows('visits', '2026-W02');
    expect(rowOf(week, w.repA1.id)).toMatchObject({
      target: 30,
      targetBasis: { source: 'playbook', playbook: { id: teamA, name: 'Team A rep' } },
    });
    // Team B has no playbook of its own: the region's, one level up, beats the role playbook.
    expect(rowOf(week, w.repB1.id)).toMatchObject({
      target: 35,
      targetBasis: { source: 'playbook', playbook: { id: region, name: 'Region rep' } },
    });
    expect(rowOf(week, newbie.id)?.target).toBe(18); // 35 × 50 % = 17.5 → half-even 18
    // A set target still wins over any playbook.
    expect(rowOf(week, w.repA2.id)).toMatchObject({ target: 25, targetBasis: { source: 'set' } });

    // The target grid shows the default under a blank cell and sums it into the team's default.
    const grid = (
      await as(
        t.app,
        admin,
      )({ method: 'GET', url: `/api/targets/grid?teamId=${w.teamA}&period=2026-W02&metrics=visits` })
    ).json();
    const ari = grid.rows.find((r: { user: { id: string } }) => r.user.id === w.repA1.id);
    expect(ari.cells[0]).toMatchObject({
      amount: null,
      effective: 30,
      source: 'playbook',
      playbook: { id: teamA, name: 'Team A rep' },
    });
    expect(grid.teamRow.cells[0]).toMatchObject({ source: 'sum', effective: 30 + 25 });

    // The org view: Region = Team A (30 + 25) + Team B (35 + 18).
    const org = await as(
      t.app,
      admin,
    )({
      method: 'GET',
      url: '/api/metrics/org?period=2026-W02&metrics=visits',
    });
    expect(org.statusCode).toBe(200);
    const targetOf = (teamId: string): number | null =>
      org.json().teams.find((x: { id: string }) => x.id === teamId).cells[0].target;
    expect(targetOf(w.teamA)).toBe(55);
    expect(targetOf(w.teamB)).toBe(53);
    expect(targetOf(w.region)).toBe(108);
  });

  it('measures quota attainment against a playbook’s revenue target', async () => {
    const account = await makeAccount(t.db, t.clock, w.org.orgId, w.repB1.id);
    await makeDeal(t.db, t.clock, w.org.orgId, w.repB1.id, account, { stage: 'won', amountMinor: 300_000 });
    const attainment = await rows('quota_attainment', '2026-01');
    expect(rowOf(attainment, w.repB1.id)).toMatchObject({
      value: 30,
      numerator: 300_000,
      denominator: 1_000_000,
    });
    // Nia's first month: half of it.
    expect(rowOf(attainment, newbie.id)).toMatchObject({ value: 0, denominator: 500_000 });
    expect(rowOf(await rows('revenue_won', '2026-01'), w.repB1.id)).toMatchObject({
      value: 300_000,
      target: 1_000_000,
      targetBasis: { source: 'playbook', playbook: { id: rolePlaybook, name: 'Field rep' } },
    });
  });
});
