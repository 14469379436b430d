import { sql } from 'kysely';
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

describe('audit log', () => {
  it('records actor, entity, action, before/after and request id for a write', async () => {
    t.clock.advance(1000);
    await as(
      t.app,
      admin,
    )({
      method: 'PATCH',
      url: '/api/org',
      payload: { name: 'Audited Org' },
      headers: { 'x-request-id': 'req-audit-1' },
    });
    const res = await as(t.app, admin)({ method: 'GET', url: '/api/audit?entityType=org&action=update' });
    expect(res.statusCode).toBe(200);
    const [entry] = res.json().items;
    expect(entry).toMatchObject({
      actor: { id: w.org.admin.id },
      entityType: 'org',
      entityId: w.org.orgId,
      action: 'update',
      summary: { name: ['Northwind Test', 'Audited Org'] },
      requestId: 'req-audit-1',
    });
  });

  it('records a deactivation and filters by entity', async () => {
    await as(t.app, admin)({ method: 'PATCH', url: `/api/users/${w.repA2.id}`, payload: { active: false } });
    const res = (
      await as(t.app, admin)({ method: 'GET', url: `/api/audit?entityType=user&entityId=${w.repA2.id}` })
    ).json();
    expect(res.items.map((i: { action: string }) => i.action)).toEqual(['deactivate', 'create']);
  });

  it('writes nothing to the log when the write is refused', async () => {
    const count = async () =>
      (await as(t.app, admin)({ method: 'GET', url: '/api/audit?limit=200' })).json().items.length;
    const before = await count();
    await as(
      t.app,
      admin,
    )({ method: 'PATCH', url: `/api/teams/${w.region}`, payload: { parentTeamId: w.teamA } });
    expect(await count()).toBe(before);
  });

  it('refuses updates and deletes at the database level', async () => {
    await expect(sql`update audit_log set action = 'forged'`.execute(t.db.kysely)).rejects.toThrow(
      /append-only/,
    );
    await expect(sql`delete from audit_log`.execute(t.db.kysely)).rejects.toThrow(/append-only/);
  });

  it('pages newest first with a cursor and filters by time range', async () => {
    const first = (await as(t.app, admin)({ method: 'GET', url: '/api/audit?limit=2' })).json();
    expect(first.items).toHaveLength(2);
    const second = (
      await as(t.app, admin)({ method: 'GET', url: `/api/audit?limit=2&cursor=${first.nextCursor}` })
    ).json();
    expect(second.items[0].id).not.toBe(first.items[1].id);
    expect(Date.parse(second.items[0].at)).toBeLessThanOrEqual(Date.parse(first.items[1].at));
    const future = (
      await as(
        t.app,
        admin,
      )({
        method: 'GET',
        url: `/api/audit?from=${encodeURIComponent(new Date(t.clock.now() + 60_000).toISOString())}`,
      })
    ).json();
    expect(future.items).toEqual([]);
  });

  it('is readable by admins only', async () => {
    const manager = await signIn(t.app, w.managerA.email, PASSWORD);
    expect((await as(t.app, manager)({ method: 'GET', url: '/api/audit' })).statusCode).toBe(403);
  });
});
