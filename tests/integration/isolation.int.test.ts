import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { makeWorld, PASSWORD } from '../factories/identity.ts';
import { as, createTestApp, type Session, signIn, type TestApp } from '../setup/test-app.ts';
import { routeKey, sampleBodies } from './sample-requests.ts';

/**
 * Walks every route with an id in its path as the admin of another org (the most privileged
 * foreign actor), with every id of the first org in turn. Each must answer exactly what a
 * nonexistent id answers, and the first org's data must be unchanged afterwards.
 */
let t: TestApp;
let w: Awaited<ReturnType<typeof makeWorld>>;
let foreignAdmin: Session;
let orgIds: string[];

async function snapshot(): Promise<string> {
  const db = t.db.kysely;
  const orgId = w.org.orgId;
  const [org, members, teams, managers, teamMembers, tokens, invitations, sessions] = await Promise.all([
    db.selectFrom('orgs').selectAll().where('id', '=', orgId).execute(),
    db.selectFrom('memberships').selectAll().where('org_id', '=', orgId).orderBy('user_id').execute(),
    db.selectFrom('teams').selectAll().where('org_id', '=', orgId).orderBy('id').execute(),
    db
      .selectFrom('team_managers')
      .selectAll()
      .where('org_id', '=', orgId)
      .orderBy('team_id')
      .orderBy('user_id')
      .execute(),
    db.selectFrom('team_members').selectAll().where('org_id', '=', orgId).orderBy('user_id').execute(),
    db.selectFrom('api_tokens').selectAll().where('org_id', '=', orgId).orderBy('id').execute(),
    db.selectFrom('invitations').selectAll().where('org_id', '=', orgId).orderBy('id').execute(),
    db
      .selectFrom('sessions')
      .select(['id', 'user_id', 'expires_at'])
      .where('org_id', '=', orgId)
      .orderBy('id')
      .execute(),
  ]);
  const users = await db
    .selectFrom('users')
    .select(['id', 'email', 'name', 'time_zone', 'password_hash'])
    .where(
      'id',
      'in',
      members.map((m) => m.user_id),
    )
    .orderBy('id')
    .execute();
  const crm = await Promise.all(
    (
      [
        'accounts',
        'contacts',
        'deals',
        'deal_splits',
        'deal_stage_history',
        'activities',
        'notes',
        'pipelines',
        'stages',
        'targets',
        'playbooks',
        'playbook_versions',
        'playbook_targets',
        'playbook_acknowledgements',
        'custom_metrics',
        'goal_objectives',
        'goals',
        'goal_checkpoints',
        'goal_events',
        'goal_progress_updates',
      ] as const
    ).map((table) => db.selectFrom(table).selectAll().where('org_id', '=', orgId).execute()),
  );
  return JSON.stringify({
    org,
    members,
    teams,
    managers,
    teamMembers,
    tokens,
    invitations,
    sessions,
    users,
    crm,
  });
}

beforeAll(async () => {
  t = await createTestApp();
  w = await makeWorld(t.db, t.clock);
  // Give the first org one of everything an id can name.
  const admin = await signIn(t.app, w.org.admin.email, PASSWORD);
  const rep = await signIn(t.app, w.repA1.email, PASSWORD);
  const token = (
    await as(t.app, rep)({ method: 'POST', url: '/api/me/tokens', payload: { name: 'victim' } })
  ).json();
  const invitation = (
    await as(
      t.app,
      admin,
    )({
      method: 'POST',
      url: '/api/invitations',
      payload: { email: 'victim-invite@example.test', role: 'rep' },
    })
  ).json();
  const sessions = (await as(t.app, rep)({ method: 'GET', url: '/api/me/sessions' })).json();
  const account = (
    await as(
      t.app,
      rep,
    )({
      method: 'POST',
      url: '/api/crm/accounts',
      payload: { name: 'Victim Co', latitude: 41.9, longitude: -87.6 },
    })
  ).json();
  const contact = (
    await as(
      t.app,
      rep,
    )({ method: 'POST', url: '/api/crm/contacts', payload: { accountId: account.id, name: 'Vic Tim' } })
  ).json();
  const deal = (
    await as(
      t.app,
      rep,
    )({
      method: 'POST',
      url: '/api/crm/deals',
      payload: { accountId: account.id, name: 'Victim deal', amountMinor: 100 },
    })
  ).json();
  const activity = (
    await as(
      t.app,
      rep,
    )({
      method: 'POST',
      url: '/api/crm/activities',
      payload: { kind: 'call', subject: 'Victim call', accountId: account.id },
    })
  ).json();
  const note = (
    await as(
      t.app,
      rep,
    )({
      method: 'POST',
      url: '/api/crm/notes',
      payload: { entityType: 'deal', entityId: deal.id, body: 'secret' },
    })
  ).json();
  const pipelines = (await as(t.app, admin)({ method: 'GET', url: '/api/crm/pipelines' })).json();
  const target = (
    await as(
      t.app,
      admin,
    )({
      method: 'POST',
      url: '/api/targets',
      payload: {
        subjectType: 'user',
        subjectId: w.repA1.id,
        metric: 'visits',
        period: 'FY2026-Q2',
        amount: 40,
      },
    })
  ).json();
  const playbook = (
    await as(
      t.app,
      admin,
    )({
      method: 'POST',
      url: '/api/playbooks',
      payload: {
        name: 'Victim playbook',
        scope: { type: 'team', teamId: w.teamA },
        document: {
          responsibilities: ['Secret'],
          targets: [{ metric: 'visits', periodKind: 'week', amount: 9 }],
          metrics: [],
        },
      },
    })
  ).json();
  await as(t.app, admin)({ method: 'POST', url: `/api/playbooks/${playbook.id}/publish` });
  const customMetric = (
    await as(
      t.app,
      admin,
    )({
      method: 'POST',
      url: '/api/metrics/custom',
      payload: {
        key: 'victim_calls',
        name: 'Victim calls',
        description: 'Calls',
        definition: { block: 'activity_count', filters: { kinds: ['call'] } },
        unit: 'count',
        direction: 'higher',
        format: 'count',
      },
    })
  ).json();
  const objective = (
    await as(t.app, admin)({ method: 'POST', url: '/api/objectives', payload: { title: 'Victim objective' } })
  ).json();
  const goal = (
    await as(
      t.app,
      rep,
    )({
      method: 'POST',
      url: '/api/goals',
      payload: {
        title: 'Log 20 victim visits',
        metricKey: 'visits',
        baseline: 0,
        target: 20,
        startDate: '2026-01-05',
        deadline: '2026-01-30',
        supports: { kind: 'objective', id: objective.id },
      },
    })
  ).json();
  orgIds = [
    w.org.orgId,
    w.org.admin.id,
    w.director.id,
    w.managerA.id,
    w.repA1.id,
    w.region,
    w.teamA,
    token.token.id,
    invitation.invitation.id,
    sessions.items[0].id,
    account.id,
    contact.id,
    deal.id,
    activity.id,
    note.id,
    pipelines.items[0].id,
    deal.stage.id,
    target.id,
    playbook.id,
    playbook.shown.document.targets[0].id,
    customMetric.id,
    objective.id,
    goal.id,
  ];
  foreignAdmin = await signIn(t.app, w.other.admin.email, PASSWORD);
});
afterAll(async () => {
  await t.close();
});

describe('tenant isolation', () => {
  it('answers every id of another org exactly like a missing id, on every route, and changes nothing', async () => {
    const before = await snapshot();
    const routes = t.app.routeList.filter((r) => r.url.startsWith('/api/') && /:(id)\b/.test(r.url));
    expect(routes.length).toBeGreaterThan(5);
    let calls = 0;
    for (const route of routes) {
      const payload = sampleBodies[routeKey(route.method, route.url)] as Record<string, unknown> | undefined;
      const call = (id: string) =>
        as(
          t.app,
          foreignAdmin,
        )({ method: route.method as 'GET', url: route.url.replace(':id', id), payload });
      const missing = await call('0190aaaa-0000-7000-8000-00000000dead');
      expect(missing.statusCode, `${route.method} ${route.url} with a missing id`).toBe(404);
      for (const id of orgIds) {
        const res = await call(id);
        calls += 1;
        expect(res.statusCode, `${route.method} ${route.url} with ${id}`).toBe(404);
        expect(res.json(), `${route.method} ${route.url} with ${id}`).toEqual(missing.json());
      }
    }
    expect(calls).toBeGreaterThan(50);
    expect(await snapshot()).toBe(before);
  });

  it('gives a rep of the other org the same answer for every id as for a missing one', async () => {
    const foreignRep = await signIn(t.app, w.otherRep.email, PASSWORD);
    const routes = t.app.routeList.filter((r) => r.url.startsWith('/api/') && /:(id)\b/.test(r.url));
    for (const route of routes) {
      const payload = sampleBodies[routeKey(route.method, route.url)] as Record<string, unknown> | undefined;
      const call = (id: string) =>
        as(t.app, foreignRep)({ method: route.method as 'GET', url: route.url.replace(':id', id), payload });
      const missing = await call('0190aaaa-0000-7000-8000-00000000dead');
      expect([403, 404]).toContain(missing.statusCode);
      for (const id of orgIds) {
        const res = await call(id);
        expect(res.statusCode, `${route.method} ${route.url} with ${id}`).toBe(missing.statusCode);
        expect(res.json()).toEqual(missing.json());
      }
    }
  });

  it("never lists another org's people or teams", async () => {
    const users = (await as(t.app, foreignAdmin)({ method: 'GET', url: '/api/users?limit=200' })).json();
    const teams = (await as(t.app, foreignAdmin)({ method: 'GET', url: '/api/teams' })).json();
    const audit = (await as(t.app, foreignAdmin)({ method: 'GET', url: '/api/audit?limit=200' })).json();
    const text = JSON.stringify([users, teams, audit]);
    for (const id of orgIds) expect(text).not.toContain(id);
    expect(users.items.length).toBe(3);
  });

  it("refuses another org's ids inside a request body as if they did not exist", async () => {
    const create = await as(
      t.app,
      foreignAdmin,
    )({
      method: 'POST',
      url: '/api/users',
      payload: {
        email: 'x-org@example.test',
        name: 'X',
        role: 'rep',
        password: 'a-long-enough-password',
        teamId: w.teamA,
      },
    });
    expect(create.statusCode).toBe(400);
    expect(create.json().error.details.fields[0].path).toBe('teamId');
    const team = (await as(t.app, foreignAdmin)({ method: 'GET', url: '/api/teams' })).json().items[0];
    const managers = await as(
      t.app,
      foreignAdmin,
    )({ method: 'PUT', url: `/api/teams/${team.id}/managers`, payload: { userIds: [w.managerA.id] } });
    expect(managers.statusCode).toBe(400);
    expect(managers.json().error.details.fields[0].path).toBe('userIds.0');
  });
});
