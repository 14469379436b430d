import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { insertActivity, makeAccount, makeDeal } from '../../../../tests/factories/crm.ts';
import { makeUser, makeWorld, PASSWORD } from '../../../../tests/factories/identity.ts';
import { as, createTestApp, type Session, signIn, type TestApp } from '../../../../tests/setup/test-app.ts';
import { newId } from '../../lib/ids.ts';
import { refreshOrgGoalStatuses } from './goals.service.ts';

let t: TestApp;
let w: Awaited<ReturnType<typeof makeWorld>>;
let admin: Session;
let director: Session;
let managerA: Session;
let managerB: Session;
let repA1: Session;
let repA2: Session;
let foreignAdmin: Session;
let objectiveId: string;

const DAY = 86_400_000;

async function logActivity(ownerId: string, kind: string, at: number): Promise<void> {
  await insertActivity(t.db, {
    orgId: w.org.orgId,
    ownerId,
    kind,
    subject: `${kind} at ${at}`,
    occurredAt: at,
    verified: null,
  });
}

function goodGoal(extra: Record<string, unknown> = {}) {
  return {
    title: 'Log 30 visits to A-tier accounts in the North territory',
    metricKey: 'visits',
    baseline: 10,
    target: 30,
    startDate: '2026-01-05',
    deadline: '2026-03-31',
    checkpoints: [{ date: '2026-02-15', target: 12 }],
    supports: { kind: 'objective', id: objectiveId },
    ...extra,
  };
}

async function countGoals(): Promise<number> {
  const row = await t.db.kysely
    .selectFrom('goals')
    .select((eb) => eb.fn.countAll<number>().as('n'))
    .executeTakeFirstOrThrow();
  return Number(row.n);
}

/** Moves the clock and signs everyone in again (sessions expire when idle, as in real life). */
async function travel(ms: number): Promise<void> {
  t.clock.set(ms);
  await signInAll();
}

async function signInAll(): Promise<void> {
  [admin, director, managerA, managerB, repA1, repA2, foreignAdmin] = await Promise.all([
    signIn(t.app, w.org.admin.email, PASSWORD),
    signIn(t.app, w.director.email, PASSWORD),
    signIn(t.app, w.managerA.email, PASSWORD),
    signIn(t.app, w.managerB.email, PASSWORD),
    signIn(t.app, w.repA1.email, PASSWORD),
    signIn(t.app, w.repA2.email, PASSWORD),
    signIn(t.app, w.other.admin.email, PASSWORD),
  ]);
}

beforeAll(async () => {
  t = await createTestApp();
  w = await makeWorld(t.db, t.clock);
  await signInAll();
  const objective = await as(
    t.app,
    admin,
  )({ method: 'POST', url: '/api/objectives', payload: { title: 'Grow the North' } });
  expect(objective.statusCode).toBe(201);
  objectiveId = objective.json().id;
});
afterAll(async () => {
  await t.close();
});

describe('agreement, both ways', () => {
  it('lets a rep propose, the manager ask for a change, the rep revise and the manager agree', async () => {
    const created = await as(t.app, repA1)({ method: 'POST', url: '/api/goals', payload: goodGoal() });
    expect(created.statusCode).toBe(201);
    const goal = created.json();
    expect(goal).toMatchObject({ status: 'draft', owner: { kind: 'user', user: { id: w.repA1.id } } });

    const proposed = await as(
      t.app,
      repA1,
    )({ method: 'POST', url: `/api/goals/${goal.id}/propose`, payload: { comment: 'My plan for Q1' } });
    expect(proposed.json()).toMatchObject({ status: 'proposed', awaiting: 'manager' });
    // The rep cannot agree to their own proposal.
    const selfAgree = await as(
      t.app,
      repA1,
    )({ method: 'POST', url: `/api/goals/${goal.id}/agree`, payload: {} });
    expect(selfAgree.statusCode).toBe(403);
    // The manager is told.
    const inbox = (await as(t.app, managerA)({ method: 'GET', url: '/api/notifications' })).json();
    expect(inbox.items.some((n: { title: string }) => n.title === `Goal proposed: ${goal.title}`)).toBe(true);

    const noComment = await as(
      t.app,
      managerA,
    )({ method: 'POST', url: `/api/goals/${goal.id}/request-changes`, payload: {} });
    expect(noComment.statusCode).toBe(400);
    expect(noComment.json().error.details.fields[0].path).toBe('comment');
    const changes = await as(
      t.app,
      managerA,
    )({
      method: 'POST',
      url: `/api/goals/${goal.id}/request-changes`,
      payload: { comment: 'Make it 36: the North has more A-tier accounts now' },
    });
    expect(changes.json()).toMatchObject({ status: 'changes_requested', awaiting: 'owner' });

    const revised = await as(
      t.app,
      repA1,
    )({ method: 'PATCH', url: `/api/goals/${goal.id}`, payload: { target: 36 } });
    expect(revised.json()).toMatchObject({ status: 'changes_requested', target: 36 });
    await as(t.app, repA1)({ method: 'POST', url: `/api/goals/${goal.id}/propose`, payload: {} });
    const agreed = await as(
      t.app,
      managerA,
    )({ method: 'POST', url: `/api/goals/${goal.id}/agree`, payload: { comment: 'Agreed' } });
    expect(agreed.statusCode).toBe(200);
    expect(agreed.json()).toMatchObject({ status: 'agreed', awaiting: null, progressStatus: 'on_track' });

    const detail = (await as(t.app, repA1)({ method: 'GET', url: `/api/goals/${goal.id}` })).json();
    expect(detail.events.map((e: { kind: string }) => e.kind)).toEqual([
      'created',
      'proposed',
      'changes_requested',
      'updated',
      'proposed',
      'agreed',
      'status',
    ]);
    expect(detail.events[2]).toMatchObject({
      actor: { id: w.managerA.id },
      comment: 'Make it 36: the North has more A-tier accounts now',
    });
    expect(detail.events[3].changes).toEqual({ target: [30, 36] });
    const audit = await t.db.kysely
      .selectFrom('audit_log')
      .select('action')
      .where('entity_id', '=', goal.id)
      .orderBy('id')
      .execute();
    expect(audit.map((a) => a.action)).toEqual([
      'create',
      'propose',
      'request_changes',
      'update',
      'propose',
      'agree',
    ]);
  });

  it('lets a manager propose a goal for a rep and the rep agree', async () => {
    const created = await as(
      t.app,
      managerA,
    )({ method: 'POST', url: '/api/goals', payload: goodGoal({ ownerUserId: w.repA2.id }) });
    expect(created.statusCode).toBe(201);
    const id = created.json().id;
    const proposed = await as(
      t.app,
      managerA,
    )({ method: 'POST', url: `/api/goals/${id}/propose`, payload: {} });
    expect(proposed.json()).toMatchObject({ status: 'proposed', awaiting: 'owner' });
    const managerAgree = await as(
      t.app,
      managerA,
    )({ method: 'POST', url: `/api/goals/${id}/agree`, payload: {} });
    expect(managerAgree.statusCode).toBe(403);
    const seen = (await as(t.app, repA2)({ method: 'GET', url: `/api/goals/${id}` })).json();
    expect(seen.permissions).toEqual({ edit: true, propose: false, decide: true });
    const agreed = await as(t.app, repA2)({ method: 'POST', url: `/api/goals/${id}/agree`, payload: {} });
    expect(agreed.json().status).toBe('agreed');
  });

  it('lets the manager ask for changes on the rep’s counter-proposal, both ways in one thread', async () => {
    const id = (
      await as(
        t.app,
        managerA,
      )({ method: 'POST', url: '/api/goals', payload: goodGoal({ ownerUserId: w.repA2.id }) })
    ).json().id;
    await as(t.app, managerA)({ method: 'POST', url: `/api/goals/${id}/propose`, payload: {} });
    const asked = await as(
      t.app,
      repA2,
    )({
      method: 'POST',
      url: `/api/goals/${id}/request-changes`,
      payload: { comment: 'Too many for January' },
    });
    expect(asked.json()).toMatchObject({ status: 'changes_requested', awaiting: 'manager' });
    await as(t.app, managerA)({ method: 'PATCH', url: `/api/goals/${id}`, payload: { target: 25 } });
    await as(t.app, managerA)({ method: 'POST', url: `/api/goals/${id}/propose`, payload: {} });
    expect(
      (await as(t.app, repA2)({ method: 'POST', url: `/api/goals/${id}/agree`, payload: {} })).json().status,
    ).toBe('agreed');
  });

  it('sends a manager’s own goal to the manager above, who agrees', async () => {
    const id = (await as(t.app, managerA)({ method: 'POST', url: '/api/goals', payload: goodGoal() })).json()
      .id;
    expect(
      (await as(t.app, managerA)({ method: 'POST', url: `/api/goals/${id}/propose`, payload: {} })).json(),
    ).toMatchObject({ status: 'proposed', awaiting: 'manager' });
    const inbox = (await as(t.app, director)({ method: 'GET', url: '/api/notifications' })).json();
    expect(inbox.items.some((n: { link: string }) => n.link === `/goals/${id}`)).toBe(true);
    expect(
      (await as(t.app, managerB)({ method: 'POST', url: `/api/goals/${id}/agree`, payload: {} })).statusCode,
    ).toBe(404);
    const agreed = await as(t.app, director)({ method: 'POST', url: `/api/goals/${id}/agree`, payload: {} });
    expect(agreed.json().status).toBe('agreed');
  });

  it('saves a goal that fails the SMART check as a draft but refuses to agree to it', async () => {
    const created = await as(
      t.app,
      repA1,
    )({ method: 'POST', url: '/api/goals', payload: goodGoal({ title: 'Do better', checkpoints: [] }) });
    expect(created.statusCode).toBe(201);
    const id = created.json().id;
    const detail = (await as(t.app, repA1)({ method: 'GET', url: `/api/goals/${id}` })).json();
    expect(detail.smart.blocking).toBe(true);
    expect(detail.smart.items.find((i: { letter: string }) => i.letter === 'S').verdict).toBe('fail');
    expect(detail.smart.items.find((i: { letter: string }) => i.letter === 'T').verdict).toBe('fail');
    await as(t.app, repA1)({ method: 'POST', url: `/api/goals/${id}/propose`, payload: {} });
    const agree = await as(t.app, managerA)({ method: 'POST', url: `/api/goals/${id}/agree`, payload: {} });
    expect(agree.statusCode).toBe(409);
    expect(agree.json().error.message).toContain('"Do better" is too vague on its own');
    expect(agree.json().error.details.smart.blocking).toBe(true);
    const after = (await as(t.app, repA1)({ method: 'GET', url: `/api/goals/${id}` })).json();
    expect(after.status).toBe('proposed');
  });

  it('reopens an agreed goal when it is changed', async () => {
    const id = (
      await as(
        t.app,
        managerA,
      )({ method: 'POST', url: '/api/goals', payload: goodGoal({ ownerUserId: w.repA1.id }) })
    ).json().id;
    await as(t.app, managerA)({ method: 'POST', url: `/api/goals/${id}/propose`, payload: {} });
    await as(t.app, repA1)({ method: 'POST', url: `/api/goals/${id}/agree`, payload: {} });
    const same = await as(
      t.app,
      repA1,
    )({
      method: 'PATCH',
      url: `/api/goals/${id}`,
      payload: { target: 30, checkpoints: [{ date: '2026-02-15', target: 12 }] },
    });
    expect(same.json().status).toBe('agreed');
    const changed = await as(
      t.app,
      repA1,
    )({ method: 'PATCH', url: `/api/goals/${id}`, payload: { target: 20 } });
    expect(changed.json()).toMatchObject({ status: 'draft', agreedAt: null, progressStatus: null });
    const deleteAgreedFirst = await as(t.app, repA1)({ method: 'DELETE', url: `/api/goals/${id}` });
    expect(deleteAgreedFirst.statusCode).toBe(204);
  });
});

describe('reach', () => {
  it('refuses a rep setting a teammate’s goal, naming the field, and stores nothing', async () => {
    const before = await countGoals();
    const res = await as(
      t.app,
      repA1,
    )({ method: 'POST', url: '/api/goals', payload: goodGoal({ ownerUserId: w.repA2.id }) });
    expect(res.statusCode).toBe(400);
    expect(res.json().error.details.fields[0].path).toBe('ownerUserId');
    const other = await as(
      t.app,
      managerB,
    )({ method: 'POST', url: '/api/goals', payload: goodGoal({ ownerUserId: w.repA1.id }) });
    expect(other.statusCode).toBe(400);
    const foreign = await as(
      t.app,
      foreignAdmin,
    )({ method: 'POST', url: '/api/goals', payload: goodGoal({ ownerUserId: w.repA1.id, supports: null }) });
    expect(foreign.statusCode).toBe(400);
    expect(await countGoals()).toBe(before);
  });

  it('hides a goal from teammates, other managers and other orgs exactly like a missing one', async () => {
    const id = (await as(t.app, repA1)({ method: 'POST', url: '/api/goals', payload: goodGoal() })).json().id;
    const missing = await as(t.app, repA2)({ method: 'GET', url: `/api/goals/${newId()}` });
    expect(missing.statusCode).toBe(404);
    for (const s of [repA2, managerB, foreignAdmin]) {
      const res = await as(t.app, s)({ method: 'GET', url: `/api/goals/${id}` });
      expect(res.statusCode).toBe(404);
      expect(res.json()).toEqual(missing.json());
      const write = await as(t.app, s)({ method: 'PATCH', url: `/api/goals/${id}`, payload: { target: 99 } });
      expect(write.statusCode).toBe(404);
    }
    for (const s of [repA1, managerA, director, admin])
      expect((await as(t.app, s)({ method: 'GET', url: `/api/goals/${id}` })).statusCode).toBe(200);
    const listed = (await as(t.app, repA2)({ method: 'GET', url: '/api/goals' })).json();
    expect(listed.items.some((g: { id: string }) => g.id === id)).toBe(false);
    const managerList = (await as(t.app, managerA)({ method: 'GET', url: '/api/goals' })).json();
    expect(managerList.items.some((g: { id: string }) => g.id === id)).toBe(true);
  });
});

describe('cascade', () => {
  it('rolls a team goal up from the rep goals beneath it and refuses a cycle', async () => {
    const team = await as(
      t.app,
      managerA,
    )({
      method: 'POST',
      url: '/api/goals',
      payload: goodGoal({
        ownerKind: 'team',
        ownerTeamId: w.teamA,
        title: 'Team A logs 60 visits to A-tier accounts this quarter',
        baseline: 20,
        target: 60,
      }),
    });
    expect(team.statusCode).toBe(201);
    const teamGoal = team.json();
    const reps = [];
    for (const [session, owner] of [
      [repA1, w.repA1.id],
      [managerA, w.repA2.id],
    ] as const) {
      const res = await as(
        t.app,
        session,
      )({
        method: 'POST',
        url: '/api/goals',
        payload: goodGoal({ ownerUserId: owner, supports: { kind: 'goal', id: teamGoal.id } }),
      });
      expect(res.statusCode).toBe(201);
      reps.push(res.json());
    }
    const start = Date.UTC(2026, 0, 6, 15);
    for (let i = 0; i < 3; i++) await logActivity(w.repA1.id, 'visit', start + i * DAY);
    for (let i = 0; i < 2; i++) await logActivity(w.repA2.id, 'visit', start + i * DAY);
    await logActivity(w.repA2.id, 'call', start);
    await logActivity(w.repB1.id, 'visit', start); // another team: not counted
    await logActivity(w.repA1.id, 'visit', Date.UTC(2026, 0, 4, 15)); // before the start: not counted
    await travel(Date.UTC(2026, 0, 20, 15));

    const detail = (await as(t.app, managerA)({ method: 'GET', url: `/api/goals/${teamGoal.id}` })).json();
    expect(detail.progressNow.actual).toBe(5);
    expect(detail.children.map((c: { actual: number }) => c.actual).sort()).toEqual([2, 3]);
    expect(detail.rollup).toEqual({ actual: 5, count: 2 });
    const smart = detail.smart.items.find((i: { letter: string }) => i.letter === 'R');
    expect(smart).toEqual({
      letter: 'R',
      verdict: 'pass',
      message: 'It supports the org objective "Grow the North".',
    });
    const child = (await as(t.app, repA1)({ method: 'GET', url: `/api/goals/${reps[0].id}` })).json();
    expect(child.smart.items.find((i: { letter: string }) => i.letter === 'R').message).toBe(
      `It supports the team goal "${teamGoal.title}".`,
    );

    // A region goal above the team goal, then the team goal put above the region goal: a cycle.
    const region = (
      await as(
        t.app,
        director,
      )({
        method: 'POST',
        url: '/api/goals',
        payload: goodGoal({
          ownerKind: 'team',
          ownerTeamId: w.region,
          title: 'Region logs 200 visits to A-tier accounts',
        }),
      })
    ).json();
    const up = await as(
      t.app,
      managerA,
    )({
      method: 'PATCH',
      url: `/api/goals/${teamGoal.id}`,
      payload: { supports: { kind: 'goal', id: region.id } },
    });
    expect(up.statusCode, up.body).toBe(200);
    const before = (await as(t.app, director)({ method: 'GET', url: `/api/goals/${region.id}` })).json();
    const cycle = await as(
      t.app,
      director,
    )({
      method: 'PATCH',
      url: `/api/goals/${region.id}`,
      payload: { supports: { kind: 'goal', id: reps[0].id } },
    });
    expect(cycle.statusCode).toBe(400);
    expect(cycle.json().error.details.fields[0].path).toBe('supports.id');
    const loop = await as(
      t.app,
      director,
    )({
      method: 'PATCH',
      url: `/api/goals/${region.id}`,
      payload: { supports: { kind: 'goal', id: teamGoal.id } },
    });
    expect(loop.statusCode).toBe(400);
    expect(loop.json().error.details.fields[0]).toEqual({
      path: 'supports.id',
      message: 'would make a cycle: that goal already sits beneath this one',
    });
    const after = (await as(t.app, director)({ method: 'GET', url: `/api/goals/${region.id}` })).json();
    expect(after.supports).toEqual(before.supports);
    expect(after.events.length).toBe(before.events.length);
    // The team goal has goals beneath it: it cannot be deleted.
    expect(
      (await as(t.app, managerA)({ method: 'DELETE', url: `/api/goals/${teamGoal.id}` })).statusCode,
    ).toBe(409);
    await travel(Date.UTC(2026, 0, 5, 9));
  });
});

describe('bad input', () => {
  it.each([
    [
      'deadline before start',
      { startDate: '2026-02-01', deadline: '2026-01-20', checkpoints: [] },
      'deadline',
    ],
    ['target equal to baseline', { target: 10 }, 'target'],
    [
      'a money metric in another currency',
      { metricKey: 'revenue_won', baseline: 0, target: 5_000_000, currency: 'EUR' },
      'currency',
    ],
    ['fractional cents', { metricKey: 'revenue_won', baseline: 0, target: 100.5 }, 'target'],
    [
      'a manual measure without a done-criterion',
      { metricKey: null, manualUnit: 'modules' },
      'doneCriterion',
    ],
    ['an unknown metric', { metricKey: 'happiness' }, 'metricKey'],
    [
      'a checkpoint after the deadline',
      { checkpoints: [{ date: '2026-04-02', target: 12 }] },
      'checkpoints.0.date',
    ],
    ['an objective of nowhere', { supports: { kind: 'objective', id: newId() } }, 'supports.id'],
    ['a rep goal as the parent', { supports: { kind: 'goal', id: newId() } }, 'supports.id'],
    ['a team goal for a team I do not manage', { ownerKind: 'team', ownerTeamId: 'nope' }, 'ownerTeamId'],
  ])('refuses %s, naming the field, and stores nothing', async (_name, extra, field) => {
    const before = await countGoals();
    const res = await as(t.app, managerA)({ method: 'POST', url: '/api/goals', payload: goodGoal(extra) });
    expect(res.statusCode).toBe(400);
    expect(res.json().error.details.fields.map((f: { path: string }) => f.path)).toContain(field);
    expect(await countGoals()).toBe(before);
  });

  it('refuses an update that would break a goal and leaves it as it was', async () => {
    const id = (await as(t.app, repA1)({ method: 'POST', url: '/api/goals', payload: goodGoal() })).json().id;
    const before = (await as(t.app, repA1)({ method: 'GET', url: `/api/goals/${id}` })).json();
    const res = await as(
      t.app,
      repA1,
    )({ method: 'PATCH', url: `/api/goals/${id}`, payload: { deadline: '2026-01-01' } });
    expect(res.statusCode).toBe(400);
    expect(res.json().error.details.fields[0].path).toBe('deadline');
    const after = (await as(t.app, repA1)({ method: 'GET', url: `/api/goals/${id}` })).json();
    expect(after.deadline).toBe(before.deadline);
    expect(after.events).toEqual(before.events);
  });
});

describe('progress', () => {
  it('computes revenue from won deals, adds weighted pipeline to the forecast, and never takes a typed value', async () => {
    const rep = await makeUser(t.db, t.clock, w.org, 'rep', { teamId: w.teamA });
    let repSession = await signIn(t.app, rep.email, PASSWORD);
    const goal = (
      await as(
        t.app,
        repSession,
      )({
        method: 'POST',
        url: '/api/goals',
        payload: goodGoal({
          title: 'Win USD 50,000 of new business in the North territory',
          metricKey: 'revenue_won',
          baseline: 0,
          target: 5_000_000,
          currency: 'USD',
        }),
      })
    ).json();
    expect(goal.currency).toBe('USD');
    const account = await makeAccount(t.db, t.clock, w.org.orgId, rep.id);
    await travel(Date.UTC(2026, 0, 10, 15));
    await makeDeal(t.db, t.clock, w.org.orgId, rep.id, account, { amountMinor: 1_200_000, stage: 'won' });
    await makeDeal(t.db, t.clock, w.org.orgId, rep.id, account, { amountMinor: 900_000, stage: 'lost' });
    const open = await makeDeal(t.db, t.clock, w.org.orgId, rep.id, account, {
      amountMinor: 2_000_000,
      stage: 'proposal',
    });
    await t.db.kysely
      .updateTable('deals')
      .set({ expected_close_date: '2026-03-01' })
      .where('id', '=', open)
      .execute();
    await travel(Date.UTC(2026, 1, 1, 15));
    repSession = await signIn(t.app, rep.email, PASSWORD);
    const detail = (await as(t.app, repSession)({ method: 'GET', url: `/api/goals/${goal.id}` })).json();
    expect(detail.progressNow.mode).toBe('cumulative');
    expect(detail.progressNow.actual).toBe(1_200_000);
    expect(detail.progressNow.pipelineBeforeDeadline).toBe(1_000_000); // 50% of 20,000.00
    const elapsed = detail.progressNow.elapsed;
    expect(detail.progressNow.forecast).toBeCloseTo(1_200_000 / elapsed + 1_000_000, 6);
    const typed = await as(
      t.app,
      repSession,
    )({
      method: 'POST',
      url: `/api/goals/${goal.id}/progress`,
      payload: { value: 5_000_000, evidence: 'trust me' },
    });
    expect(typed.statusCode).toBe(400);
    expect(typed.json().error.details.fields[0].path).toBe('value');
    const series = (
      await as(t.app, repSession)({ method: 'GET', url: `/api/goals/${goal.id}/series` })
    ).json();
    expect(series.points[0]).toMatchObject({ date: '2026-01-05', actual: 0, pace: 0 });
    expect(series.points.at(-1)).toMatchObject({ date: '2026-03-31', actual: null, pace: 5_000_000 });
    await travel(Date.UTC(2026, 0, 5, 9));
  });

  it('tracks a manual measure by updates with evidence, and notifies owner and manager when its status changes', async () => {
    const goal = (
      await as(
        t.app,
        repA1,
      )({
        method: 'POST',
        url: '/api/goals',
        payload: goodGoal({
          title: 'Complete the negotiation certification course',
          metricKey: null,
          manualUnit: 'modules',
          doneCriterion: 'the certificate is uploaded',
          baseline: 0,
          target: 6,
          checkpoints: [{ date: '2026-02-15', target: 3 }],
        }),
      })
    ).json();
    await as(t.app, repA1)({ method: 'POST', url: `/api/goals/${goal.id}/propose`, payload: {} });
    const agreed = await as(
      t.app,
      managerA,
    )({ method: 'POST', url: `/api/goals/${goal.id}/agree`, payload: {} });
    expect(agreed.json().progressStatus).toBe('on_track');

    // A month later nothing was done: off track, and both are told once.
    await travel(Date.UTC(2026, 1, 10, 15));
    expect(await refreshOrgGoalStatuses({ db: t.db, clock: t.clock }, w.org.orgId)).toBeGreaterThan(0);
    const off = (await as(t.app, repA1)({ method: 'GET', url: `/api/goals/${goal.id}` })).json();
    expect(off.progressStatus).toBe('off_track');
    for (const s of [repA1, managerA]) {
      const inbox = (await as(t.app, s)({ method: 'GET', url: '/api/notifications' })).json();
      expect(
        inbox.items.filter((n: { title: string }) => n.title === `${goal.title}: off track`),
        'notified once',
      ).toHaveLength(1);
    }
    expect(await refreshOrgGoalStatuses({ db: t.db, clock: t.clock }, w.org.orgId)).toBe(0);

    const update = await as(
      t.app,
      repA1,
    )({
      method: 'POST',
      url: `/api/goals/${goal.id}/progress`,
      payload: { value: 4, evidence: 'Modules 1–4 passed', evidenceUrl: 'https://learn.example.test/cert/4' },
    });
    expect(update.statusCode).toBe(200);
    expect(update.json().progressStatus).toBe('on_track');
    const detail = (await as(t.app, managerA)({ method: 'GET', url: `/api/goals/${goal.id}` })).json();
    expect(detail.progressNow.actual).toBe(4);
    expect(detail.updates).toEqual([
      expect.objectContaining({
        value: 4,
        evidence: 'Modules 1–4 passed',
        by: { id: w.repA1.id, name: expect.any(String) },
      }),
    ]);

    // Reaching the target: achieved, and a goal.achieved webhook is queued with the status.
    const admin = await signIn(t.app, w.org.admin.email, PASSWORD);
    const hook = await as(
      t.app,
      admin,
    )({
      method: 'POST',
      url: '/api/webhooks',
      payload: { url: 'https://hooks.example.test/goals', events: ['goal.achieved'] },
    });
    expect(hook.statusCode).toBe(201);
    const done = await as(
      t.app,
      repA1,
    )({
      method: 'POST',
      url: `/api/goals/${goal.id}/progress`,
      payload: { value: 6, evidence: 'Certificate uploaded' },
    });
    expect(done.json().progressStatus).toBe('achieved');
    const queued = await t.db.kysely
      .selectFrom('webhook_deliveries')
      .select(['event_type', 'body'])
      .where('org_id', '=', w.org.orgId)
      .where('event_type', '=', 'goal.achieved')
      .execute();
    expect(queued).toHaveLength(1);
    expect(JSON.parse(queued[0]!.body).data.goal).toMatchObject({ id: goal.id, target: 6 });
    await travel(Date.UTC(2026, 0, 5, 9));
  });
});

describe('SMART check with data', () => {
  it('judges the target against the owner’s own history, and a new rep’s against the team', async () => {
    const veteran = await makeUser(t.db, t.clock, w.org, 'rep', { teamId: w.teamB });
    const rookie = await makeUser(t.db, t.clock, w.org, 'rep', { teamId: w.teamB });
    // Ten visits in each of the six 30-day blocks before 2026-01-05 (imported history: it counts even
    // though the membership is newer).
    const start = Date.UTC(2026, 0, 5, 6);
    for (let block = 0; block < 6; block++)
      for (let i = 0; i < 10; i++)
        await logActivity(veteran.id, 'visit', start - block * 30 * DAY - (i + 1) * DAY);
    const check = async (email: string, target: number) => {
      const session = await signIn(t.app, email, PASSWORD);
      const res = await as(
        t.app,
        session,
      )({
        method: 'POST',
        url: '/api/goals/smart-check',
        payload: {
          title: 'Log visits to A-tier accounts in the North territory',
          metricKey: 'visits',
          baseline: 0,
          target,
          startDate: '2026-01-05',
          deadline: '2026-02-03',
        },
      });
      expect(res.statusCode).toBe(200);
      return res.json().items.find((i: { letter: string }) => i.letter === 'A');
    };
    expect(await check(veteran.email, 9)).toEqual({
      letter: 'A',
      verdict: 'pass',
      message:
        "The target (9 visits) is within the owner's past results (90th percentile 10 visits for 30 days).",
    });
    expect((await check(veteran.email, 14)).verdict).toBe('warn');
    expect((await check(veteran.email, 16)).message).toBe(
      "The target (16 visits) is more than 1.5× beyond the owner's best ever (10 visits for 30 days): make it smaller or split it into steps.",
    );
    expect((await check(rookie.email, 14)).message).toBe(
      "There is no history of the owner for this metric yet, so this compares with the team: The target (14 visits) is beyond the team's 90th percentile (10 visits for 30 days): a stretch, so check it is realistic.",
    );
  });
});

describe('objectives', () => {
  it('lets admins keep objectives and everyone read them; one in use cannot be deleted', async () => {
    const repCreate = await as(
      t.app,
      repA1,
    )({ method: 'POST', url: '/api/objectives', payload: { title: 'Nope' } });
    expect(repCreate.statusCode).toBe(403);
    const list = (await as(t.app, repA1)({ method: 'GET', url: '/api/objectives' })).json();
    expect(list.items.map((o: { title: string }) => o.title)).toContain('Grow the North');
    expect(
      (await as(t.app, admin)({ method: 'DELETE', url: `/api/objectives/${objectiveId}` })).statusCode,
    ).toBe(409);
    const off = await as(
      t.app,
      admin,
    )({ method: 'PATCH', url: `/api/objectives/${objectiveId}`, payload: { active: false } });
    expect(off.json().active).toBe(false);
    const spare = (
      await as(t.app, admin)({ method: 'POST', url: '/api/objectives', payload: { title: 'Spare' } })
    ).json();
    expect(
      (await as(t.app, admin)({ method: 'DELETE', url: `/api/objectives/${spare.id}` })).statusCode,
    ).toBe(204);
    await as(
      t.app,
      admin,
    )({ method: 'PATCH', url: `/api/objectives/${objectiveId}`, payload: { active: true } });
  });
});

describe('playbook targets', () => {
  it('lets a goal support a target of a published playbook, and refuses a draft’s or an unknown one', async () => {
    const playbook = (
      await as(
        t.app,
        admin,
      )({
        method: 'POST',
        url: '/api/playbooks',
        payload: {
          name: 'Field rep playbook',
          scope: { type: 'role', role: 'rep' },
          document: {
            responsibilities: ['Visit every A account monthly'],
            targets: [{ metric: 'visits', periodKind: 'month', amount: 20 }],
            metrics: [],
          },
        },
      })
    ).json();
    const draft = (await as(t.app, admin)({ method: 'GET', url: `/api/playbooks/${playbook.id}` })).json();
    const draftTarget = draft.shown.document.targets[0].id as string;
    const refused = await as(
      t.app,
      repA1,
    )({
      method: 'POST',
      url: '/api/goals',
      payload: goodGoal({ supports: { kind: 'playbook_target', id: draftTarget } }),
    });
    expect(refused.statusCode).toBe(400);
    expect(refused.json().error.details.fields[0].path).toBe('supports.id');

    const published = await as(
      t.app,
      admin,
    )({ method: 'POST', url: `/api/playbooks/${playbook.id}/publish` });
    expect(published.statusCode).toBeLessThan(300);
    const shown = (await as(t.app, repA1)({ method: 'GET', url: `/api/playbooks/${playbook.id}` })).json();
    const targetId = shown.shown.document.targets[0].id as string;
    const created = await as(
      t.app,
      repA1,
    )({
      method: 'POST',
      url: '/api/goals',
      payload: goodGoal({ supports: { kind: 'playbook_target', id: targetId } }),
    });
    expect(created.statusCode, created.body).toBe(201);
    expect(created.json().supports).toEqual({ kind: 'playbook_target', id: targetId });
    const detail = (await as(t.app, repA1)({ method: 'GET', url: `/api/goals/${created.json().id}` })).json();
    const relevant = detail.smart.items.find((i: { letter: string }) => i.letter === 'R');
    expect(relevant.verdict).toBe('pass');
    expect(relevant.message).toContain('playbook target "Field rep playbook');

    const unknown = await as(
      t.app,
      repA1,
    )({
      method: 'POST',
      url: '/api/goals',
      payload: goodGoal({
        supports: { kind: 'playbook_target', id: '0190aaaa-0000-7000-8000-000000000bad' },
      }),
    });
    expect(unknown.statusCode).toBe(400);
    expect(unknown.json().error.details.fields[0].path).toBe('supports.id');
  });
});
