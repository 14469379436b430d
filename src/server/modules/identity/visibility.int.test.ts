import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { makeWorld, PASSWORD } from '../../../../tests/factories/identity.ts';
import { as, createTestApp, signIn, type TestApp } from '../../../../tests/setup/test-app.ts';

let t: TestApp;
let w: Awaited<ReturnType<typeof makeWorld>>;
beforeAll(async () => {
  t = await createTestApp();
  w = await makeWorld(t.db, t.clock);
});
afterAll(async () => {
  await t.close();
});

async function visibleUsers(email: string): Promise<string[]> {
  const s = await signIn(t.app, email, PASSWORD);
  const res = await as(t.app, s)({ method: 'GET', url: '/api/users?limit=200' });
  expect(res.statusCode).toBe(200);
  return (res.json().items as { id: string }[]).map((u) => u.id).sort();
}

describe('who sees whom', () => {
  it('shows a rep their teammates and their team manager, nobody else', async () => {
    expect(await visibleUsers(w.repA1.email)).toEqual([w.repA1.id, w.repA2.id, w.managerA.id].sort());
  });

  it('shows a manager the people of their team', async () => {
    expect(await visibleUsers(w.managerA.email)).toEqual([w.managerA.id, w.repA1.id, w.repA2.id].sort());
  });

  it('shows a director every team beneath them, including the managers', async () => {
    expect(await visibleUsers(w.director.email)).toEqual(
      [w.director.id, w.managerA.id, w.managerB.id, w.repA1.id, w.repA2.id, w.repB1.id].sort(),
    );
  });

  it('shows an admin the whole org and nobody from another org', async () => {
    const ids = await visibleUsers(w.org.admin.email);
    expect(ids).toHaveLength(7);
    expect(ids).not.toContain(w.otherRep.id);
  });

  it('answers 404 when a rep asks for a user of another team, like a missing id', async () => {
    const s = await signIn(t.app, w.repA1.email, PASSWORD);
    const other = await as(t.app, s)({ method: 'GET', url: `/api/users/${w.repB1.id}` });
    const missing = await as(
      t.app,
      s,
    )({ method: 'GET', url: '/api/users/0190aaaa-0000-7000-8000-00000000dead' });
    expect(other.statusCode).toBe(404);
    expect(other.json()).toEqual(missing.json());
    expect((await as(t.app, s)({ method: 'GET', url: `/api/users/${w.repA2.id}` })).statusCode).toBe(200);
  });

  it('shows a rep only their own team and a director the tree below them', async () => {
    const rep = await signIn(t.app, w.repA1.email, PASSWORD);
    const repTeams = (await as(t.app, rep)({ method: 'GET', url: '/api/teams' }))
      .json()
      .items.map((x: { id: string }) => x.id);
    expect(repTeams).toEqual([w.teamA]);
    const dir = await signIn(t.app, w.director.email, PASSWORD);
    const dirTeams = (await as(t.app, dir)({ method: 'GET', url: '/api/teams' }))
      .json()
      .items.map((x: { id: string }) => x.id);
    expect(dirTeams.sort()).toEqual([w.region, w.teamA, w.teamB].sort());
    expect((await as(t.app, rep)({ method: 'GET', url: `/api/teams/${w.teamB}` })).statusCode).toBe(404);
  });

  it('paginates the user list with a cursor, in name order, without repeats', async () => {
    const s = await signIn(t.app, w.org.admin.email, PASSWORD);
    const seen: string[] = [];
    let cursor: string | null = null;
    let pages = 0;
    do {
      const url: string = `/api/users?limit=3${cursor ? `&cursor=${encodeURIComponent(cursor)}` : ''}`;
      const page = (await as(t.app, s)({ method: 'GET', url })).json();
      seen.push(...page.items.map((u: { name: string }) => u.name));
      cursor = page.nextCursor;
      pages += 1;
    } while (cursor && pages < 10);
    expect(pages).toBe(3);
    expect(seen).toHaveLength(7);
    expect([...seen].sort((a, b) => (a < b ? -1 : a > b ? 1 : 0))).toEqual(seen);
  });

  it('searches by name or email, case-insensitively, treating % literally', async () => {
    const s = await signIn(t.app, w.org.admin.email, PASSWORD);
    const res = (await as(t.app, s)({ method: 'GET', url: '/api/users?q=ARI' })).json();
    expect(res.items.map((u: { name: string }) => u.name)).toEqual(['Ari Rep']);
    const pct = (await as(t.app, s)({ method: 'GET', url: '/api/users?q=%25' })).json();
    expect(pct.items).toEqual([]);
  });
});

describe('teams admin', () => {
  it('refuses to nest a team beneath its own descendant, naming the field, and changes nothing', async () => {
    const s = await signIn(t.app, w.org.admin.email, PASSWORD);
    const res = await as(
      t.app,
      s,
    )({ method: 'PATCH', url: `/api/teams/${w.region}`, payload: { parentTeamId: w.teamA } });
    expect(res.statusCode).toBe(400);
    expect(res.json().error.details.fields[0].path).toBe('parentTeamId');
    const region = (await as(t.app, s)({ method: 'GET', url: `/api/teams/${w.region}` })).json();
    expect(region.parentTeamId).toBeNull();
  });

  it('moves a rep to another team and the new manager sees them at once', async () => {
    const admin = await signIn(t.app, w.org.admin.email, PASSWORD);
    const moved = await as(
      t.app,
      admin,
    )({ method: 'PATCH', url: `/api/users/${w.repB1.id}`, payload: { teamId: w.teamA } });
    expect(moved.json().teamId).toBe(w.teamA);
    expect(await visibleUsers(w.managerA.email)).toContain(w.repB1.id);
    expect(await visibleUsers(w.managerB.email)).not.toContain(w.repB1.id);
    await as(
      t.app,
      admin,
    )({ method: 'PATCH', url: `/api/users/${w.repB1.id}`, payload: { teamId: w.teamB } });
  });

  it('refuses a rep as a team manager', async () => {
    const admin = await signIn(t.app, w.org.admin.email, PASSWORD);
    const res = await as(
      t.app,
      admin,
    )({
      method: 'PUT',
      url: `/api/teams/${w.teamA}/managers`,
      payload: { userIds: [w.managerA.id, w.repA1.id] },
    });
    expect(res.statusCode).toBe(400);
    expect(res.json().error.details.fields[0].path).toBe('userIds.1');
  });

  it('keeps an admin from removing their own admin access', async () => {
    const admin = await signIn(t.app, w.org.admin.email, PASSWORD);
    const res = await as(
      t.app,
      admin,
    )({ method: 'PATCH', url: `/api/users/${w.org.admin.id}`, payload: { role: 'rep' } });
    expect(res.statusCode).toBe(400);
    expect(res.json().error.details.fields[0].path).toBe('role');
  });
});
