import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { makeOrg, PASSWORD } from '../../../../tests/factories/identity.ts';
import { createTestApp, signIn, type TestApp } from '../../../../tests/setup/test-app.ts';
import { testEngine } from '../../../../tests/setup/test-db.ts';
import type { Deps } from '../../context.ts';
import { resolveApiToken, resolveApiTokenNow, resolveSession, resolveSessionNow } from './auth.service.ts';

// The synchronous answers behind the authentication hook must never differ from the full lookups:
// whenever they cannot tell without waiting or writing, they say so (undefined).
let t: TestApp;
let deps: Deps;
const sqlite = testEngine() === 'sqlite';

beforeAll(async () => {
  t = await createTestApp();
  deps = { db: t.db, clock: t.clock, config: t.config, log: t.app.log };
});
afterAll(async () => {
  await t.close();
});

async function sessionToken(): Promise<string> {
  const org = await makeOrg(t.db, t.clock);
  const session = await signIn(t.app, org.admin.email, PASSWORD);
  return session.cookie.slice('outfield_session='.length);
}

describe('resolveSessionNow', () => {
  it('answers like resolveSession while nothing is due (SQLite), and defers on PostgreSQL', async () => {
    const token = await sessionToken();
    const full = await resolveSession(deps, token);
    expect(full).not.toBeNull();
    expect(resolveSessionNow(deps, token)).toEqual(sqlite ? full : undefined);
    expect(resolveSessionNow(deps, 'no-such-token')).toBe(sqlite ? null : undefined);
  });

  it('defers to resolveSession when the last-seen time is due a touch, and answers again after it', async () => {
    const token = await sessionToken();
    t.clock.advance(61_000);
    expect(resolveSessionNow(deps, token)).toBeUndefined();
    const full = await resolveSession(deps, token);
    expect(full).not.toBeNull();
    expect(resolveSessionNow(deps, token)).toEqual(sqlite ? full : undefined);
  });

  it('never admits an idle or deactivated session: defers, and resolveSession ends it', async () => {
    const idle = await sessionToken();
    t.clock.advance(t.config.sessionIdleMs);
    expect(resolveSessionNow(deps, idle)).toBeUndefined();
    expect(await resolveSession(deps, idle)).toBeNull();
    expect(resolveSessionNow(deps, idle)).toBe(sqlite ? null : undefined);

    const token = await sessionToken();
    const who = await resolveSession(deps, token);
    await t.db.kysely
      .updateTable('memberships')
      .set({ active: 0 })
      .where('user_id', '=', who!.actor.userId)
      .execute();
    expect(resolveSessionNow(deps, token)).toBeUndefined();
    expect(await resolveSession(deps, token)).toBeNull();
  });

  it('defers inside a transaction on the connection (SQLite reads would interleave with it)', async () => {
    const token = await sessionToken();
    await t.db.kysely.transaction().execute(async () => {
      expect(resolveSessionNow(deps, token)).toBeUndefined();
    });
  });
});

describe('resolveApiTokenNow', () => {
  it('answers like resolveApiToken once the token was used, refuses revoked ones, defers a due touch', async () => {
    const org = await makeOrg(t.db, t.clock);
    const session = await signIn(t.app, org.admin.email, PASSWORD);
    const created = await t.app.inject({
      method: 'POST',
      url: '/api/me/tokens',
      headers: { cookie: session.cookie, 'x-csrf-token': session.csrfToken },
      payload: { name: 'script' },
    });
    expect(created.statusCode).toBe(201);
    const {
      secret: token,
      token: { id },
    } = created.json() as { secret: string; token: { id: string } };

    expect(resolveApiTokenNow(deps, token)).toBeUndefined(); // never used: first use is recorded
    const full = await resolveApiToken(deps, token);
    expect(full?.actor.tokenId).toBe(id);
    expect(resolveApiTokenNow(deps, token)).toEqual(sqlite ? full : undefined);
    t.clock.advance(61_000);
    expect(resolveApiTokenNow(deps, token)).toBeUndefined();

    expect(resolveApiTokenNow(deps, 'not-a-token')).toBeNull();
    await t.db.kysely
      .updateTable('api_tokens')
      .set({ revoked_at: t.clock.now() })
      .where('id', '=', id)
      .execute();
    expect(resolveApiTokenNow(deps, token)).toBe(sqlite ? null : undefined);
    expect(await resolveApiToken(deps, token)).toBeNull();
  });
});
