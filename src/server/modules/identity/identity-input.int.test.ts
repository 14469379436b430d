import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { makeWorld, PASSWORD } from '../../../../tests/factories/identity.ts';
import { as, createTestApp, type Session, signIn, type TestApp } from '../../../../tests/setup/test-app.ts';

let t: TestApp;
let admin: Session;
let w: Awaited<ReturnType<typeof makeWorld>>;
beforeAll(async () => {
  t = await createTestApp();
  w = await makeWorld(t.db, t.clock);
  admin = await signIn(t.app, w.org.admin.email, PASSWORD);
});
afterAll(async () => {
  await t.close();
});

// Found by the fuzz suite: an empty team id skipped the "is it a team of this org" check and then
// failed the foreign key (500), or was stored on an invitation.
describe('empty team references', () => {
  it('answers 400 naming the field instead of 500 or storing an empty id', async () => {
    const cases = [
      { method: 'POST', url: '/api/teams', payload: { name: 'T', parentTeamId: '' }, field: 'parentTeamId' },
      { method: 'PATCH', url: `/api/teams/${w.teamA}`, payload: { parentTeamId: '' }, field: 'parentTeamId' },
      { method: 'PATCH', url: `/api/users/${w.repA1.id}`, payload: { teamId: '' }, field: 'teamId' },
      {
        method: 'POST',
        url: '/api/users',
        payload: {
          email: 'empty-team@example.test',
          name: 'E',
          role: 'rep',
          password: 'long-enough-pass',
          teamId: '',
        },
        field: 'teamId',
      },
      {
        method: 'POST',
        url: '/api/invitations',
        payload: { email: 'empty-team-invite@example.test', role: 'rep', teamId: '' },
        field: 'teamId',
      },
    ] as const;
    for (const c of cases) {
      const res = await as(t.app, admin)({ method: c.method, url: c.url, payload: c.payload });
      expect(res.statusCode, `${c.method} ${c.url}`).toBe(400);
      expect(res.json().error.details.fields[0].path).toBe(c.field);
    }
  });

  it('still accepts null for "no team"', async () => {
    const res = await as(
      t.app,
      admin,
    )({ method: 'PATCH', url: `/api/users/${w.repA1.id}`, payload: { teamId: null } });
    expect(res.statusCode).toBe(200);
    expect(res.json().teamId).toBeNull();
  });
});
