import SqliteDatabase from 'better-sqlite3';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { makeOrg, makeUser, makeWorld, PASSWORD } from '../../../../tests/factories/identity.ts';
import { as, createTestApp, signIn, type TestApp } from '../../../../tests/setup/test-app.ts';
import { sqlitePath } from '../../db/database.ts';

let t: TestApp;
beforeEach(async () => {
  t = await createTestApp();
});
afterEach(async () => {
  await t.close();
});

describe('sign-in and sessions', () => {
  it('signs in with email and password and returns the user, org, role, teams and a CSRF token', async () => {
    const w = await makeWorld(t.db, t.clock);
    const s = await signIn(t.app, w.repA1.email.toUpperCase(), PASSWORD);
    const me = await as(t.app, s)({ method: 'GET', url: '/api/me' });
    expect(me.statusCode).toBe(200);
    const body = me.json();
    expect(body.user.email).toBe(w.repA1.email);
    expect(body.role).toBe('rep');
    expect(body.org.name).toBe('Northwind Test');
    expect(body.teams).toEqual([{ id: w.teamA, name: 'Team A', relation: 'member' }]);
    expect(body.csrfToken).toBe(s.csrfToken);
  });

  it('sets an HttpOnly, SameSite=Lax session cookie', async () => {
    const org = await makeOrg(t.db, t.clock);
    const res = await t.app.inject({
      method: 'POST',
      url: '/api/auth/login',
      payload: { email: org.admin.email, password: PASSWORD },
    });
    const cookie = res.cookies.find((c) => c.name === 'outfield_session');
    expect(cookie?.httpOnly).toBe(true);
    expect(cookie?.sameSite).toBe('Lax');
    expect(cookie?.path).toBe('/');
  });

  it('answers a wrong password and an unknown email with the same 401', async () => {
    const org = await makeOrg(t.db, t.clock);
    const wrong = await t.app.inject({
      method: 'POST',
      url: '/api/auth/login',
      payload: { email: org.admin.email, password: 'nope-nope-nope' },
    });
    const unknown = await t.app.inject({
      method: 'POST',
      url: '/api/auth/login',
      payload: { email: 'ghost@example.test', password: 'nope-nope-nope' },
    });
    expect(wrong.statusCode).toBe(401);
    expect(unknown.statusCode).toBe(401);
    expect(wrong.json()).toEqual(unknown.json());
  });

  it('answers 401 to unauthenticated calls', async () => {
    const res = await t.app.inject({ method: 'GET', url: '/api/me' });
    expect(res.statusCode).toBe(401);
    expect(res.json().error.code).toBe('unauthenticated');
  });

  it('ends the session at logout', async () => {
    const org = await makeOrg(t.db, t.clock);
    const s = await signIn(t.app, org.admin.email, PASSWORD);
    expect((await as(t.app, s)({ method: 'POST', url: '/api/auth/logout' })).statusCode).toBe(204);
    expect((await as(t.app, s)({ method: 'GET', url: '/api/me' })).statusCode).toBe(401);
  });

  it('expires a session after 30 idle minutes but keeps an active one alive', async () => {
    const org = await makeOrg(t.db, t.clock);
    const s = await signIn(t.app, org.admin.email, PASSWORD);
    t.clock.advance(20 * 60_000);
    expect((await as(t.app, s)({ method: 'GET', url: '/api/me' })).statusCode).toBe(200);
    t.clock.advance(20 * 60_000);
    expect((await as(t.app, s)({ method: 'GET', url: '/api/me' })).statusCode).toBe(200);
    t.clock.advance(31 * 60_000);
    expect((await as(t.app, s)({ method: 'GET', url: '/api/me' })).statusCode).toBe(401);
  });

  it('expires a session 12 hours after sign-in even when it is used constantly', async () => {
    const org = await makeOrg(t.db, t.clock);
    const s = await signIn(t.app, org.admin.email, PASSWORD);
    for (let i = 0; i < 24; i++) {
      t.clock.advance(29 * 60_000);
      const res = await as(t.app, s)({ method: 'GET', url: '/api/me' });
      expect(res.statusCode).toBe((i + 1) * 29 * 60_000 < 12 * 3_600_000 ? 200 : 401);
    }
  });

  it('issues a new token at every sign-in and ends the previous session of that browser', async () => {
    const org = await makeOrg(t.db, t.clock);
    const first = await signIn(t.app, org.admin.email, PASSWORD);
    const res = await t.app.inject({
      method: 'POST',
      url: '/api/auth/login',
      payload: { email: org.admin.email, password: PASSWORD },
      headers: { cookie: first.cookie },
    });
    expect(res.statusCode).toBe(200);
    const second = res.cookies.find((c) => c.name === 'outfield_session')!.value;
    expect(`outfield_session=${second}`).not.toBe(first.cookie);
    expect((await as(t.app, first)({ method: 'GET', url: '/api/me' })).statusCode).toBe(401);
  });

  it('ends every session of a user the moment an admin deactivates them', async () => {
    const w = await makeWorld(t.db, t.clock);
    const rep = await signIn(t.app, w.repA1.email, PASSWORD);
    const admin = await signIn(t.app, w.org.admin.email, PASSWORD);
    const res = await as(
      t.app,
      admin,
    )({ method: 'PATCH', url: `/api/users/${w.repA1.id}`, payload: { active: false } });
    expect(res.statusCode).toBe(200);
    expect(res.json().active).toBe(false);
    expect((await as(t.app, rep)({ method: 'GET', url: '/api/me' })).statusCode).toBe(401);
    const again = await t.app.inject({
      method: 'POST',
      url: '/api/auth/login',
      payload: { email: w.repA1.email, password: PASSWORD },
    });
    expect(again.statusCode).toBe(401);
  });

  it('ends the sessions of a user deactivated by another process (the CLI) at once', async () => {
    const w = await makeWorld(t.db, t.clock);
    const rep = await signIn(t.app, w.repA1.email, PASSWORD);
    // Warm the hot path: the session and /api/me are now in SQLite's coherent read cache.
    for (let i = 0; i < 3; i++)
      expect((await as(t.app, rep)({ method: 'GET', url: '/api/me' })).statusCode).toBe(200);
    if (t.db.engine === 'sqlite') {
      const other = new SqliteDatabase(sqlitePath(t.db.url));
      other.prepare('update memberships set active = 0 where user_id = ?').run(w.repA1.id);
      other.close();
    } else {
      await t.db.kysely
        .updateTable('memberships')
        .set({ active: 0 })
        .where('user_id', '=', w.repA1.id)
        .execute();
    }
    await new Promise((r) => setImmediate(r));
    expect((await as(t.app, rep)({ method: 'GET', url: '/api/me' })).statusCode).toBe(401);
  });

  it('applies a role change on the next request', async () => {
    const w = await makeWorld(t.db, t.clock);
    const rep = await signIn(t.app, w.repA1.email, PASSWORD);
    const admin = await signIn(t.app, w.org.admin.email, PASSWORD);
    expect((await as(t.app, rep)({ method: 'GET', url: '/api/audit' })).statusCode).toBe(403);
    await as(t.app, admin)({ method: 'PATCH', url: `/api/users/${w.repA1.id}`, payload: { role: 'admin' } });
    expect((await as(t.app, rep)({ method: 'GET', url: '/api/audit' })).statusCode).toBe(200);
  });
});

describe('CSRF', () => {
  it('refuses a cookie-authenticated write without the x-csrf-token header and stores nothing', async () => {
    const org = await makeOrg(t.db, t.clock);
    const s = await signIn(t.app, org.admin.email, PASSWORD);
    const res = await t.app.inject({
      method: 'PATCH',
      url: '/api/org',
      payload: { name: 'Hijacked' },
      headers: { cookie: s.cookie },
    });
    expect(res.statusCode).toBe(403);
    expect(res.json().error.code).toBe('csrf_failed');
    const wrong = await t.app.inject({
      method: 'PATCH',
      url: '/api/org',
      payload: { name: 'Hijacked' },
      headers: { cookie: s.cookie, 'x-csrf-token': 'forged' },
    });
    expect(wrong.statusCode).toBe(403);
    const org2 = await as(t.app, s)({ method: 'GET', url: '/api/org' });
    expect(org2.json().name).not.toBe('Hijacked');
  });

  it('accepts the write with the session CSRF token', async () => {
    const org = await makeOrg(t.db, t.clock);
    const s = await signIn(t.app, org.admin.email, PASSWORD);
    const res = await as(t.app, s)({ method: 'PATCH', url: '/api/org', payload: { name: 'Renamed' } });
    expect(res.statusCode).toBe(200);
    expect(res.json().name).toBe('Renamed');
  });
});

describe('login rate limits', () => {
  it('locks an account after 10 failures with 429 and Retry-After, then lets it in after the window', async () => {
    const org = await makeOrg(t.db, t.clock);
    for (let i = 0; i < 10; i++) {
      const res = await t.app.inject({
        method: 'POST',
        url: '/api/auth/login',
        payload: { email: org.admin.email, password: `wrong-${i}` },
      });
      expect(res.statusCode).toBe(401);
    }
    const locked = await t.app.inject({
      method: 'POST',
      url: '/api/auth/login',
      payload: { email: org.admin.email, password: PASSWORD },
    });
    expect(locked.statusCode).toBe(429);
    expect(Number(locked.headers['retry-after'])).toBeGreaterThan(0);
    t.clock.advance(15 * 60_000 + 1);
    const ok = await t.app.inject({
      method: 'POST',
      url: '/api/auth/login',
      payload: { email: org.admin.email, password: PASSWORD },
    });
    expect(ok.statusCode).toBe(200);
  });

  it('limits password spraying across accounts from one IP', async () => {
    await makeOrg(t.db, t.clock);
    let status = 0;
    for (let i = 0; i < 51; i++) {
      const res = await t.app.inject({
        method: 'POST',
        url: '/api/auth/login',
        payload: { email: `victim${i}@example.test`, password: 'Spring2026!' },
      });
      status = res.statusCode;
    }
    expect(status).toBe(429);
  });
});

describe('personal API tokens', () => {
  it('creates a token shown once, authenticates with Bearer, and stops working when revoked', async () => {
    const w = await makeWorld(t.db, t.clock);
    const s = await signIn(t.app, w.repA1.email, PASSWORD);
    const created = await as(
      t.app,
      s,
    )({ method: 'POST', url: '/api/me/tokens', payload: { name: 'Zapier' } });
    expect(created.statusCode).toBe(201);
    const { secret, token } = created.json();
    expect(secret).toMatch(/^ofp_/);
    const list = await as(t.app, s)({ method: 'GET', url: '/api/me/tokens' });
    expect(JSON.stringify(list.json())).not.toContain(secret);
    const me = await t.app.inject({
      method: 'GET',
      url: '/api/me',
      headers: { authorization: `Bearer ${secret}` },
    });
    expect(me.statusCode).toBe(200);
    expect(me.json().user.id).toBe(w.repA1.id);
    // Bearer writes need no CSRF token: no cookie rides along.
    const patch = await t.app.inject({
      method: 'PATCH',
      url: '/api/me',
      payload: { name: 'Via Token' },
      headers: { authorization: `Bearer ${secret}` },
    });
    expect(patch.statusCode).toBe(200);
    expect((await as(t.app, s)({ method: 'DELETE', url: `/api/me/tokens/${token.id}` })).statusCode).toBe(
      204,
    );
    const after = await t.app.inject({
      method: 'GET',
      url: '/api/me',
      headers: { authorization: `Bearer ${secret}` },
    });
    expect(after.statusCode).toBe(401);
  });

  it('refuses a token of a deactivated user', async () => {
    const w = await makeWorld(t.db, t.clock);
    const s = await signIn(t.app, w.repA1.email, PASSWORD);
    const { secret } = (
      await as(t.app, s)({ method: 'POST', url: '/api/me/tokens', payload: { name: 'cli' } })
    ).json();
    const admin = await signIn(t.app, w.org.admin.email, PASSWORD);
    await as(t.app, admin)({ method: 'PATCH', url: `/api/users/${w.repA1.id}`, payload: { active: false } });
    const res = await t.app.inject({
      method: 'GET',
      url: '/api/me',
      headers: { authorization: `Bearer ${secret}` },
    });
    expect(res.statusCode).toBe(401);
  });
});

describe('first-run setup', () => {
  it('creates the first org and admin once, signs in, then refuses a second setup', async () => {
    expect((await t.app.inject({ method: 'GET', url: '/api/setup' })).json()).toEqual({ needed: true });
    const payload = {
      orgName: 'Acme Field',
      currency: 'eur',
      timeZone: 'Europe/Berlin',
      fiscalYearStartMonth: 4,
      adminName: 'Ada Admin',
      adminEmail: 'ada@acme.test',
      password: 'a-long-enough-password',
    };
    const res = await t.app.inject({ method: 'POST', url: '/api/setup', payload });
    expect(res.statusCode).toBe(201);
    expect(res.json().org).toMatchObject({
      name: 'Acme Field',
      currency: 'EUR',
      timeZone: 'Europe/Berlin',
      fiscalYearStartMonth: 4,
    });
    expect(res.json().role).toBe('admin');
    expect((await t.app.inject({ method: 'GET', url: '/api/setup' })).json()).toEqual({ needed: false });
    const again = await t.app.inject({
      method: 'POST',
      url: '/api/setup',
      payload: { ...payload, adminEmail: 'eve@acme.test' },
    });
    expect(again.statusCode).toBe(409);
  });

  it('names the bad field and creates nothing', async () => {
    const res = await t.app.inject({
      method: 'POST',
      url: '/api/setup',
      payload: {
        orgName: 'X',
        timeZone: 'Mars/Olympus',
        adminName: 'A',
        adminEmail: 'a@b.test',
        password: 'a-long-enough-password',
      },
    });
    expect(res.statusCode).toBe(400);
    expect(res.json().error.details.fields[0].path).toBe('timeZone');
    expect((await t.app.inject({ method: 'GET', url: '/api/setup' })).json()).toEqual({ needed: true });
  });
});

describe('invitations', () => {
  it('lets an invitee accept a link once, lands them signed in with the invited role and team', async () => {
    const w = await makeWorld(t.db, t.clock);
    const admin = await signIn(t.app, w.org.admin.email, PASSWORD);
    const created = await as(
      t.app,
      admin,
    )({
      method: 'POST',
      url: '/api/invitations',
      payload: { email: 'New.Rep@Example.test', role: 'rep', teamId: w.teamB },
    });
    expect(created.statusCode).toBe(201);
    const token = created.json().url.split('/invite/')[1];
    const info = await t.app.inject({ method: 'GET', url: `/api/invitations/by-token/${token}` });
    expect(info.json()).toMatchObject({
      email: 'new.rep@example.test',
      role: 'rep',
      orgName: 'Northwind Test',
    });
    const accepted = await t.app.inject({
      method: 'POST',
      url: `/api/invitations/by-token/${token}/accept`,
      payload: { name: 'Nia New', password: 'another-long-password' },
    });
    expect(accepted.statusCode).toBe(201);
    expect(accepted.json().teams).toEqual([{ id: w.teamB, name: 'Team B', relation: 'member' }]);
    const twice = await t.app.inject({
      method: 'POST',
      url: `/api/invitations/by-token/${token}/accept`,
      payload: { name: 'Nia', password: 'another-long-password' },
    });
    expect(twice.statusCode).toBe(404);
  });

  it('refuses an expired invitation exactly like an unknown one', async () => {
    const w = await makeWorld(t.db, t.clock);
    const admin = await signIn(t.app, w.org.admin.email, PASSWORD);
    const created = await as(
      t.app,
      admin,
    )({
      method: 'POST',
      url: '/api/invitations',
      payload: { email: 'late@example.test', role: 'rep', expiresInDays: 1 },
    });
    const token = created.json().url.split('/invite/')[1];
    t.clock.advance(86_400_000 + 1);
    const expired = await t.app.inject({ method: 'GET', url: `/api/invitations/by-token/${token}` });
    const unknown = await t.app.inject({
      method: 'GET',
      url: '/api/invitations/by-token/aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa',
    });
    expect(expired.statusCode).toBe(404);
    expect(expired.json()).toEqual(unknown.json());
  });

  it('refuses a revoked invitation', async () => {
    const w = await makeWorld(t.db, t.clock);
    const admin = await signIn(t.app, w.org.admin.email, PASSWORD);
    const created = (
      await as(
        t.app,
        admin,
      )({ method: 'POST', url: '/api/invitations', payload: { email: 'x@example.test', role: 'manager' } })
    ).json();
    expect(
      (await as(t.app, admin)({ method: 'DELETE', url: `/api/invitations/${created.invitation.id}` }))
        .statusCode,
    ).toBe(204);
    const token = created.url.split('/invite/')[1];
    expect(
      (await t.app.inject({ method: 'GET', url: `/api/invitations/by-token/${token}` })).statusCode,
    ).toBe(404);
  });
});

describe('users of a deactivated account', () => {
  it('keeps the user listed as inactive for admins', async () => {
    const org = await makeOrg(t.db, t.clock);
    const rep = await makeUser(t.db, t.clock, org, 'rep');
    const admin = await signIn(t.app, org.admin.email, PASSWORD);
    await as(t.app, admin)({ method: 'PATCH', url: `/api/users/${rep.id}`, payload: { active: false } });
    const list = await as(t.app, admin)({ method: 'GET', url: '/api/users?active=false' });
    expect(list.json().items.map((u: { id: string }) => u.id)).toEqual([rep.id]);
  });
});

describe('my sessions', () => {
  it('lists only sessions that can still be used, and signs one out', async () => {
    const org = await makeOrg(t.db, t.clock);
    const old = await signIn(t.app, org.admin.email, PASSWORD);
    t.clock.advance(31 * 60_000);
    const current = await signIn(t.app, org.admin.email, PASSWORD);
    const other = await signIn(t.app, org.admin.email, PASSWORD);
    const list = (await as(t.app, current)({ method: 'GET', url: '/api/me/sessions' })).json().items;
    expect(list).toHaveLength(2);
    expect(list.filter((s: { current: boolean }) => s.current)).toHaveLength(1);
    const otherId = list.find((s: { current: boolean }) => !s.current).id;
    expect(
      (await as(t.app, current)({ method: 'DELETE', url: `/api/me/sessions/${otherId}` })).statusCode,
    ).toBe(204);
    expect((await as(t.app, other)({ method: 'GET', url: '/api/me' })).statusCode).toBe(401);
    expect((await as(t.app, old)({ method: 'GET', url: '/api/me' })).statusCode).toBe(401);
  });
});
