import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { makeWorld, PASSWORD } from '../../../../tests/factories/identity.ts';
import { as, createTestApp, type Session, signIn, type TestApp } from '../../../../tests/setup/test-app.ts';

/**
 * A period takes the playbook version current at its end (decision 008): publishing a new version
 * never rewrites the targets of a period that had already ended — the same rule that refuses a
 * manager's direct change of an ended period's targets. Through the HTTP API on a real database
 * (both engines). America/Chicago, fiscal year = calendar year. The role playbook "Field rep" gives
 * reps 20 visits a month from v1 (published 10 February 2026), 40 from v2 (published 15 April 2026).
 */
let t: TestApp;
let w: Awaited<ReturnType<typeof makeWorld>>;
let admin: Session;
let managerA: Session;
let playbookId: string;

type Basis = { source: string; withTarget: number | null; of: number | null; fromPlaybook: number | null };
type Row = { user: { id: string }; target: number | null; targetBasis: Basis | null };

/** Moves the fake clock and signs in again (sessions expire after 30 idle minutes). */
async function at(iso: string) {
  t.clock.set(Date.parse(iso));
  [admin, managerA] = await Promise.all([
    signIn(t.app, w.org.admin.email, PASSWORD),
    signIn(t.app, w.managerA.email, PASSWORD),
  ]);
}

async function targetOf(period: string, userId = w.repA1.id): Promise<Row | undefined> {
  const res = await as(
    t.app,
    admin,
  )({ method: 'GET', url: `/api/metrics/values?metric=visits&period=${period}&scope=org` });
  expect(res.statusCode).toBe(200);
  return (res.json().rows as Row[]).find((r) => r.user.id === userId);
}

async function publishVisits(amount: number) {
  const document = {
    summary: '',
    responsibilities: ['Visit your accounts'],
    targets: [{ metric: 'visits', periodKind: 'month', amount }],
    metrics: [],
  };
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
  await t.db.kysely
    .updateTable('memberships')
    .set({ created_at: Date.parse('2025-01-01T12:00:00Z') })
    .where('org_id', '=', w.org.orgId)
    .execute();
});
afterAll(async () => {
  await t.close();
});

describe('the playbook version a period takes: the one current at its end', () => {
  it('keeps ended months at the version they ended under, and gives none to months that ended before the first', async () => {
    await at('2026-02-10T15:00:00Z');
    await publishVisits(20);
    // January ended before v1 was published: no target from it.
    expect(await targetOf('2026-01')).toMatchObject({ target: null, targetBasis: null });
    expect(await targetOf('2025-06')).toMatchObject({ target: null, targetBasis: null });
    expect(await targetOf('2026-02')).toMatchObject({ target: 20, targetBasis: { source: 'playbook' } });

    await at('2026-04-15T15:00:00Z');
    // Read once under v1 (cached on SQLite while nothing changes), then v2 is published.
    expect((await targetOf('2026-04'))?.target).toBe(20);
    await publishVisits(40);
    // The current month takes v2; March had ended under v1 and stays at 20.
    expect((await targetOf('2026-04'))?.target).toBe(40);
    expect(await targetOf('2026-03')).toMatchObject({ target: 20, targetBasis: { source: 'playbook' } });
    expect((await targetOf('2026-02'))?.target).toBe(20);
    expect((await targetOf('2026-01'))?.target).toBeNull();
    // A later month, not started yet: the current version.
    expect((await targetOf('2026-07'))?.target).toBe(40);

    // A manager may not change March's targets directly; neither does the new version.
    const direct = await as(
      t.app,
      managerA,
    )({
      method: 'POST',
      url: '/api/targets',
      payload: {
        subjectType: 'user',
        subjectId: w.repA1.id,
        metric: 'visits',
        period: '2026-03',
        amount: 40,
      },
    });
    expect(direct.statusCode).toBe(400);
    expect(direct.json().error.message).toMatch(/only an admin/);
  });

  it('sums a quarter from its playbook months, each by the version current at that month’s end', async () => {
    // Q1: January none, February and March v1.
    expect(await targetOf('FY2026-Q1')).toMatchObject({
      target: 20 + 20,
      targetBasis: { source: 'months', withTarget: 2, of: 3, fromPlaybook: 2 },
    });
    // Q2: April ended after v2 was published, so all three months are v2.
    expect((await targetOf('FY2026-Q2'))?.target).toBe(3 * 40);
    expect((await targetOf('FY2026'))?.target).toBe(40 + 3 * 120);
  });

  it('answers the same in the effective targets, the target grid and the org view', async () => {
    const effective = await as(
      t.app,
      managerA,
    )({ method: 'GET', url: `/api/targets/effective?userId=${w.repA1.id}&period=2026-03` });
    expect(effective.statusCode).toBe(200);
    expect(effective.json().items).toEqual([
      expect.objectContaining({
        metric: 'visits',
        amount: 20,
        basis: expect.objectContaining({ source: 'playbook' }),
      }),
    ]);
    const grid = await as(
      t.app,
      managerA,
    )({ method: 'GET', url: `/api/targets/grid?teamId=${w.teamA}&period=2026-03&metrics=visits` });
    expect(grid.statusCode).toBe(200);
    const ari = grid.json().rows.find((r: { user: { id: string } }) => r.user.id === w.repA1.id);
    expect(ari.cells[0]).toMatchObject({ amount: null, effective: 20, source: 'playbook' });
    const reps = grid.json().rows.length;
    expect(grid.json().teamRow.cells[0]).toMatchObject({ source: 'sum', effective: 20 * reps });
    const org = await as(
      t.app,
      admin,
    )({ method: 'GET', url: '/api/metrics/org?period=2026-03&metrics=visits' });
    expect(org.statusCode).toBe(200);
    const teamA = org.json().teams.find((x: { id: string }) => x.id === w.teamA);
    expect(teamA.cells[0].target).toBe(20 * reps);
  });
});
