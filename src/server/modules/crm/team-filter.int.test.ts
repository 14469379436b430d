import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { makeWorld, PASSWORD } from '../../../../tests/factories/identity.ts';
import { as, createTestApp, type Session, signIn, type TestApp } from '../../../../tests/setup/test-app.ts';

let t: TestApp;
let admin: Session;
beforeAll(async () => {
  t = await createTestApp();
  const w = await makeWorld(t.db, t.clock);
  admin = await signIn(t.app, w.org.admin.email, PASSWORD);
});
afterAll(async () => {
  await t.close();
});

// Found by the fuzz suite on PostgreSQL: a team filter naming a team with no members (or no team)
// built `owner_id in ()`, a syntax error there (500); SQLite accepted it.
describe('team filter of the CRM lists', () => {
  it('answers an empty list for a team without members', async () => {
    for (const url of [
      '/api/crm/accounts?teamId=no-such-team',
      '/api/crm/deals?teamId=no-such-team',
      '/api/crm/deals/board?teamId=no-such-team',
      '/api/crm/activities?teamId=no-such-team',
      '/api/crm/accounts/export?teamId=no-such-team&format=json',
    ]) {
      const res = await as(t.app, admin)({ method: 'GET', url });
      expect(res.statusCode, url).toBe(200);
    }
  });
});
