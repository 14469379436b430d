import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { makeWorld, PASSWORD } from '../../../../tests/factories/identity.ts';
import { as, createTestApp, type Session, signIn, type TestApp } from '../../../../tests/setup/test-app.ts';
import { notify } from './notifications.service.ts';

let t: TestApp;
let w: Awaited<ReturnType<typeof makeWorld>>;
let admin: Session;
let rep: Session;

beforeAll(async () => {
  t = await createTestApp();
  w = await makeWorld(t.db, t.clock);
  admin = await signIn(t.app, w.org.admin.email, PASSWORD);
  rep = await signIn(t.app, w.repA1.email, PASSWORD);
});
afterAll(async () => {
  await t.close();
});

async function notifyRep(title: string, link: string | null = '/goals/1') {
  t.clock.advance(1000);
  return t.db.kysely.transaction().execute((trx) =>
    notify(trx, t, {
      orgId: w.org.orgId,
      userId: w.repA1.id,
      category: 'goal_status',
      title,
      body: 'b',
      link,
    }),
  );
}

describe('in-app notifications', () => {
  it('notifies the inviting admin when an invitation is accepted', async () => {
    const created = await as(
      t.app,
      admin,
    )({ method: 'POST', url: '/api/invitations', payload: { email: 'newbie@example.test', role: 'rep' } });
    const token = String(created.json().url).split('/invite/')[1];
    const accepted = await t.app.inject({
      method: 'POST',
      url: `/api/invitations/by-token/${token}/accept`,
      payload: { name: 'Nia Newbie', password: 'a-long-enough-password' },
    });
    expect(accepted.statusCode).toBe(201);
    const list = (await as(t.app, admin)({ method: 'GET', url: '/api/notifications' })).json();
    expect(list.unreadCount).toBe(1);
    expect(list.items[0]).toMatchObject({
      category: 'invitation_accepted',
      title: 'Nia Newbie accepted your invitation',
      link: '/admin/users',
      read: false,
    });
  });

  it('notifies nobody when a user is deactivated', async () => {
    const count = async () =>
      Number(
        (
          await t.db.kysely
            .selectFrom('notifications')
            .select((eb) => eb.fn.countAll<number>().as('n'))
            .executeTakeFirstOrThrow()
        ).n,
      );
    const before = await count();
    const res = await as(
      t.app,
      admin,
    )({ method: 'PATCH', url: `/api/users/${w.repB1.id}`, payload: { active: false } });
    expect(res.statusCode).toBe(200);
    expect(await count()).toBe(before);
    // …and a deactivated member is not notified at all.
    const id = await t.db.kysely
      .transaction()
      .execute((trx) =>
        notify(trx, t, { orgId: w.org.orgId, userId: w.repB1.id, category: 'feedback', title: 'x' }),
      );
    expect(id).toBeNull();
  });

  it('lists newest first with an unread count, marks one read and then all', async () => {
    const first = await notifyRep('First');
    await notifyRep('Second');
    await notifyRep('Third');
    const list = (await as(t.app, rep)({ method: 'GET', url: '/api/notifications?limit=2' })).json();
    expect(list.items.map((i: { title: string }) => i.title)).toEqual(['Third', 'Second']);
    expect(list.unreadCount).toBe(3);
    const next = (
      await as(t.app, rep)({ method: 'GET', url: `/api/notifications?limit=2&cursor=${list.nextCursor}` })
    ).json();
    expect(next.items.map((i: { title: string }) => i.title)).toEqual(['First']);
    expect(next.nextCursor).toBeNull();

    const read = await as(t.app, rep)({ method: 'POST', url: `/api/notifications/${first}/read` });
    expect(read.statusCode).toBe(200);
    expect(read.json()).toMatchObject({ id: first, read: true });
    const unread = (await as(t.app, rep)({ method: 'GET', url: '/api/notifications?unread=true' })).json();
    expect(unread.items.map((i: { title: string }) => i.title)).toEqual(['Third', 'Second']);
    expect(unread.unreadCount).toBe(2);

    const all = await as(t.app, rep)({ method: 'POST', url: '/api/notifications/read-all' });
    expect(all.json()).toEqual({ updated: 2 });
    expect((await as(t.app, rep)({ method: 'GET', url: '/api/notifications' })).json().unreadCount).toBe(0);
  });

  it("answers 404 for someone else's notification and leaves it unread", async () => {
    const id = await notifyRep('Private');
    const other = await signIn(t.app, w.repA2.email, PASSWORD);
    expect(
      (await as(t.app, other)({ method: 'POST', url: `/api/notifications/${id}/read` })).statusCode,
    ).toBe(404);
    const mine = (await as(t.app, rep)({ method: 'GET', url: '/api/notifications?unread=true' })).json();
    expect(mine.items.map((i: { id: string }) => i.id)).toContain(id);
  });

  it('refuses links that leave Outfield', async () => {
    await expect(notifyRep('Bad', 'https://evil.example/')).rejects.toThrow();
    await expect(notifyRep('Bad', '//evil.example/')).rejects.toThrow();
    await expect(notifyRep('Bad', 'javascript:alert(1)')).rejects.toThrow();
  });

  it('keeps per-category email preferences, starting from the defaults', async () => {
    const defaults = (await as(t.app, rep)({ method: 'GET', url: '/api/notifications/preferences' })).json();
    expect(defaults.emailEnabled).toBe(false);
    expect(defaults.items.find((p: { category: string }) => p.category === 'feedback')).toMatchObject({
      emailImmediate: true,
      digest: 'off',
      label: 'Feedback received or requested',
    });
    const put = await as(
      t.app,
      rep,
    )({
      method: 'PUT',
      url: '/api/notifications/preferences',
      payload: { items: [{ category: 'feedback', emailImmediate: false, digest: 'weekly' }] },
    });
    expect(put.statusCode).toBe(200);
    expect(put.json().items.find((p: { category: string }) => p.category === 'feedback')).toMatchObject({
      emailImmediate: false,
      digest: 'weekly',
    });
    const bad = await as(
      t.app,
      rep,
    )({
      method: 'PUT',
      url: '/api/notifications/preferences',
      payload: { items: [{ category: 'nope', emailImmediate: false, digest: 'hourly' }] },
    });
    expect(bad.statusCode).toBe(400);
    expect(bad.json().error.details.fields[0].path).toMatch(/^items\.0\./);
  });
});
