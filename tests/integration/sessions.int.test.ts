import type { FastifyInstance } from 'fastify';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { buildApp } from '../../src/server/app.ts';
import type { Clock } from '../../src/server/lib/clock.ts';
import { makeOrg, makeUser, PASSWORD } from '../factories/identity.ts';
import { as, createTestApp, type Session, signIn, type TestApp } from '../setup/test-app.ts';

// Whole-app walks: one test may call every route hundreds of times (PostgreSQL on a busy CI box).
vi.setConfig({ testTimeout: 120_000 });
/**
 * Sessions and brute force (issue 7, item 5), with the test app's fake clock and the rate limits ON
 * (there is no bypass flag). The basics live beside the code in
 * src/server/modules/identity/auth.int.test.ts (sign-in, cookie flags, idle/absolute expiry, logout,
 * deactivation, the CSRF header, the 10-failure lock, spraying); this suite adds the guarantees of
 * docs/security.md on top: the hourly ceiling per account, back-off lifting exactly at the window,
 * spraying per IP (and behind a proxy, where X-Forwarded-For cannot be forged), no account
 * enumeration even when locked, invalidation at once and for good, cross-origin writes refused,
 * Secure cookies behind https.
 */
let t: TestApp;
const counts = { cases: 0, logins: 0 };
beforeAll(async () => {
  t = await createTestApp();
});
afterAll(async () => {
  console.info(`sessions suite: ${counts.cases} checks, ${counts.logins} sign-in attempts (rate limits on)`);
  await t.close();
});

function login(email: string, password: string, ip = '10.0.0.1', app: FastifyInstance = t.app, headers = {}) {
  counts.logins += 1;
  return app.inject({
    method: 'POST',
    url: '/api/auth/login',
    payload: { email, password },
    remoteAddress: ip,
    headers,
  });
}

function check(condition: boolean, message: string) {
  counts.cases += 1;
  expect(condition, message).toBe(true);
}

describe('brute force on one account', () => {
  it('evaluates at most 100 passwords per account per hour, whatever the attacker does', async () => {
    const org = await makeOrg(t.db, t.clock);
    const limits = t.config.loginLimits;
    let evaluated = 0;
    let refused = 0;
    const start = t.clock.now();
    // 600 attempts spread over one hour, each from a fresh IP (so only the account limit applies).
    for (let i = 0; i < 600; i++) {
      t.clock.set(start + Math.floor((i * 3_600_000) / 600));
      const res = await login(org.admin.email, `guess-${i}`, `10.1.${Math.floor(i / 250)}.${i % 250}`);
      if (res.statusCode === 401) evaluated += 1;
      else {
        expect(res.statusCode).toBe(429);
        expect(Number(res.headers['retry-after'])).toBeGreaterThan(0);
        expect(Number(res.headers['retry-after'])).toBeLessThanOrEqual(limits.windowMs / 1000);
        refused += 1;
      }
    }
    console.info(`per-account: ${evaluated} passwords evaluated in an hour, ${refused} refused with 429`);
    check(evaluated <= 100, `evaluated ${evaluated} passwords in an hour`);
    check(evaluated >= limits.perAccount, 'the limit does not lock out before its count');
    check(refused > 0, 'some attempts were refused');
  });

  it('refuses even the right password while locked, and counts Retry-After down to the end of the window', async () => {
    const org = await makeOrg(t.db, t.clock);
    const { perAccount, windowMs } = t.config.loginLimits;
    const first = t.clock.now();
    for (let i = 0; i < perAccount; i++)
      expect((await login(org.admin.email, `x${i}`, `10.2.0.${i}`)).statusCode).toBe(401);
    const locked = await login(org.admin.email, PASSWORD, '10.2.1.1');
    check(locked.statusCode === 429, 'locked');
    check(
      locked.headers['retry-after'] === String(windowMs / 1000),
      `Retry-After ${locked.headers['retry-after']}`,
    );
    expect(locked.json().error).toMatchObject({
      code: 'rate_limited',
      details: { retryAfterSeconds: windowMs / 1000 },
    });
    expect(locked.cookies.find((c) => c.name === 'outfield_session')).toBeUndefined();
    t.clock.set(first + windowMs - 60_000);
    const later = await login(org.admin.email, PASSWORD, '10.2.1.2');
    check(
      later.statusCode === 429 && later.headers['retry-after'] === '60',
      `Retry-After ${later.headers['retry-after']}`,
    );
    t.clock.set(first + windowMs);
    const open = await login(org.admin.email, PASSWORD, '10.2.1.3');
    check(open.statusCode === 200, `after the window: ${open.statusCode}`);
  });

  it('locks an unknown email exactly like a real one (no account enumeration)', async () => {
    const org = await makeOrg(t.db, t.clock);
    const { perAccount } = t.config.loginLimits;
    const answers = async (email: string, ipBase: string) => {
      const out: string[] = [];
      for (let i = 0; i <= perAccount; i++) {
        const res = await login(email, 'wrong-password', `${ipBase}.${i}`);
        out.push(`${res.statusCode} ${res.headers['retry-after'] ?? ''} ${res.body}`);
      }
      return out;
    };
    const real = await answers(org.admin.email, '10.3.0');
    const unknown = await answers('nobody-here@example.test', '10.3.1');
    check(JSON.stringify(real) === JSON.stringify(unknown), 'same answers for a real and an unknown email');
    check(real.at(-1)?.startsWith('429') ?? false, 'both locked');
    // An inactive account answers like a wrong password too.
    const user = await makeUser(t.db, t.clock, org, 'rep');
    const admin = await signIn(t.app, org.admin.email, PASSWORD).catch(() => null);
    expect(admin).toBeNull(); // still locked: the lock holds for the right password
    t.clock.advance(t.config.loginLimits.windowMs);
    const s = await signIn(t.app, org.admin.email, PASSWORD);
    await as(t.app, s)({ method: 'PATCH', url: `/api/users/${user.id}`, payload: { active: false } });
    const inactive = await login(user.email, PASSWORD, '10.3.2.1');
    const wrong = await login('nobody-else@example.test', PASSWORD, '10.3.2.2');
    check(inactive.statusCode === 401 && inactive.body === wrong.body, 'inactive = unknown');
  });
});

describe('password spraying', () => {
  it('limits failures per IP across accounts; other IPs are not affected', async () => {
    const org = await makeOrg(t.db, t.clock);
    t.clock.advance(t.config.loginLimits.windowMs);
    const { perIp } = t.config.loginLimits;
    const statuses: number[] = [];
    for (let i = 0; i < perIp + 5; i++)
      statuses.push((await login(`sprayed-${i}@example.test`, 'Spring2026!', '10.9.9.9')).statusCode);
    check(
      statuses.slice(0, perIp).every((s) => s === 401),
      'the first ones are evaluated',
    );
    check(
      statuses.slice(perIp).every((s) => s === 429),
      'then the IP is refused',
    );
    const fromIp = await login(org.admin.email, PASSWORD, '10.9.9.9');
    check(
      fromIp.statusCode === 429 && Number(fromIp.headers['retry-after']) > 0,
      'even a right password from that IP',
    );
    check((await login(org.admin.email, PASSWORD, '10.9.9.10')).statusCode === 200, 'another IP signs in');
  });

  it('behind a trusted proxy, takes the IP the proxy saw: a forged X-Forwarded-For does not reset the limit', async () => {
    const app = await buildApp({ db: t.db, config: t.config, clock: t.clock as Clock, trustProxy: true });
    await app.ready();
    try {
      t.clock.advance(t.config.loginLimits.windowMs);
      const { perIp } = t.config.loginLimits;
      let last = 0;
      for (let i = 0; i <= perIp; i++) {
        // The attacker at 203.0.113.7 forges a new left-most address each time; the proxy appends theirs.
        const res = await login(`proxy-spray-${i}@example.test`, 'Spring2026!', '127.0.0.1', app, {
          'x-forwarded-for': `198.51.100.${i}, 203.0.113.7`,
        });
        last = res.statusCode;
      }
      check(last === 429, `the forged addresses were counted as one client (last answer ${last})`);
    } finally {
      await app.close();
    }
  });
});

describe('invalidation', () => {
  async function setup() {
    const org = await makeOrg(t.db, t.clock);
    const rep = await makeUser(t.db, t.clock, org, 'rep');
    t.clock.advance(t.config.loginLimits.windowMs);
    return {
      org,
      rep,
      admin: await signIn(t.app, org.admin.email, PASSWORD),
      s: await signIn(t.app, rep.email, PASSWORD),
    };
  }

  it('logout ends the session at once: the old cookie and CSRF token no longer read or write', async () => {
    const { s } = await setup();
    const other = await signIn(
      t.app,
      (
        await t.db.kysely
          .selectFrom('users')
          .select('email')
          .where('id', '=', s.userId)
          .executeTakeFirstOrThrow()
      ).email,
      PASSWORD,
    );
    expect((await as(t.app, s)({ method: 'POST', url: '/api/auth/logout' })).statusCode).toBe(204);
    const read = await as(t.app, s)({ method: 'GET', url: '/api/me' });
    const write = await as(t.app, s)({ method: 'PATCH', url: '/api/me', payload: { name: 'Ghost' } });
    check(
      read.statusCode === 401 && write.statusCode === 401,
      `after logout: ${read.statusCode}/${write.statusCode}`,
    );
    check(
      (await as(t.app, other)({ method: 'GET', url: '/api/me' })).statusCode === 200,
      'other sessions live on',
    );
    const stored = await t.db.kysely
      .selectFrom('users')
      .select('name')
      .where('id', '=', s.userId)
      .executeTakeFirstOrThrow();
    check(stored.name !== 'Ghost', 'nothing written');
  });

  it('deactivation ends every session and token on the next request, and reactivation brings no session back', async () => {
    const { admin, s, rep } = await setup();
    const token = (
      await as(t.app, s)({ method: 'POST', url: '/api/me/tokens', payload: { name: 'cli' } })
    ).json().secret as string;
    const bearer = { authorization: `Bearer ${token}` };
    expect((await t.app.inject({ method: 'GET', url: '/api/me', headers: bearer })).statusCode).toBe(200);
    const off = await as(
      t.app,
      admin,
    )({ method: 'PATCH', url: `/api/users/${rep.id}`, payload: { active: false } });
    expect(off.statusCode).toBe(200);
    check((await as(t.app, s)({ method: 'GET', url: '/api/me' })).statusCode === 401, 'session refused');
    check(
      (await t.app.inject({ method: 'GET', url: '/api/me', headers: bearer })).statusCode === 401,
      'token refused',
    );
    await as(t.app, admin)({ method: 'PATCH', url: `/api/users/${rep.id}`, payload: { active: true } });
    check(
      (await as(t.app, s)({ method: 'GET', url: '/api/me' })).statusCode === 401,
      'the old session stays dead',
    );
  });

  it('a password change ends the other sessions of the user, not the one that changed it', async () => {
    const { s, rep } = await setup();
    const other = await signIn(t.app, rep.email, PASSWORD);
    const res = await as(
      t.app,
      s,
    )({
      method: 'POST',
      url: '/api/me/password',
      payload: { currentPassword: PASSWORD, newPassword: 'a-brand-new-password' },
    });
    expect(res.statusCode).toBe(204);
    check(
      (await as(t.app, other)({ method: 'GET', url: '/api/me' })).statusCode === 401,
      'other session ended',
    );
    check((await as(t.app, s)({ method: 'GET', url: '/api/me' })).statusCode === 200, 'this one lives');
  });

  it('expires on idle and absolute limits by the clock, to the millisecond', async () => {
    const { s } = await setup();
    const { sessionIdleMs, sessionAbsoluteMs } = t.config;
    t.clock.advance(sessionIdleMs - 1);
    check(
      (await as(t.app, s)({ method: 'GET', url: '/api/me' })).statusCode === 200,
      'just inside the idle limit',
    );
    // Keep it busy until just before the absolute limit, then past it.
    const signedInAt = t.clock.now() - (sessionIdleMs - 1);
    while (t.clock.now() + sessionIdleMs / 2 < signedInAt + sessionAbsoluteMs) {
      t.clock.advance(sessionIdleMs / 2);
      expect((await as(t.app, s)({ method: 'GET', url: '/api/me' })).statusCode).toBe(200);
    }
    t.clock.set(signedInAt + sessionAbsoluteMs);
    check((await as(t.app, s)({ method: 'GET', url: '/api/me' })).statusCode === 401, 'absolute limit');
    const again = await setup();
    t.clock.advance(sessionIdleMs);
    check((await as(t.app, again.s)({ method: 'GET', url: '/api/me' })).statusCode === 401, 'idle limit');
  });
});

describe('CSRF', () => {
  let s: Session;
  beforeAll(async () => {
    const org = await makeOrg(t.db, t.clock);
    t.clock.advance(t.config.loginLimits.windowMs);
    s = await signIn(t.app, org.admin.email, PASSWORD);
  });
  const write = (headers: Record<string, string>) =>
    t.app.inject({
      method: 'PATCH',
      url: '/api/org',
      payload: { name: 'Hijacked' },
      headers: { cookie: s.cookie, ...headers },
    });

  it('refuses a cookie write with a wrong, empty or another session’s token', async () => {
    const org2 = await makeOrg(t.db, t.clock);
    const other = await signIn(t.app, org2.admin.email, PASSWORD);
    for (const token of ['', 'x', `${s.csrfToken}x`, other.csrfToken, s.csrfToken.toUpperCase()]) {
      if (token === s.csrfToken) continue;
      const res = await write({ 'x-csrf-token': token });
      check(
        res.statusCode === 403 && res.json().error.code === 'csrf_failed',
        `token "${token.slice(0, 6)}…": ${res.statusCode}`,
      );
    }
  });

  it('refuses a cookie write from another origin even with the right token; same origin and API tokens pass', async () => {
    for (const origin of ['https://evil.example', 'http://outfield.test.evil.example', 'null']) {
      const res = await write({ 'x-csrf-token': s.csrfToken, origin });
      check(
        res.statusCode === 403 && res.json().error.code === 'csrf_failed',
        `Origin ${origin}: ${res.statusCode}`,
      );
    }
    const site = await write({ 'x-csrf-token': s.csrfToken, 'sec-fetch-site': 'cross-site' });
    check(site.statusCode === 403, `Sec-Fetch-Site cross-site: ${site.statusCode}`);
    const org = await t.db.kysely
      .selectFrom('orgs')
      .select('name')
      .where('id', '=', s.orgId)
      .executeTakeFirstOrThrow();
    check(org.name !== 'Hijacked', 'nothing written');
    const same = await write({ 'x-csrf-token': s.csrfToken, origin: 'http://outfield.test' });
    check(same.statusCode === 200, `our own origin (PUBLIC_URL): ${same.statusCode}`);
    const host = await write({
      'x-csrf-token': s.csrfToken,
      origin: 'http://localhost:80',
      host: 'localhost:80',
    });
    check(host.statusCode === 200, `the origin the request came to: ${host.statusCode}`);
    const none = await write({ 'x-csrf-token': s.csrfToken });
    check(none.statusCode === 200, `no Origin (a non-browser client with the token): ${none.statusCode}`);
    const token = (
      await as(t.app, s)({ method: 'POST', url: '/api/me/tokens', payload: { name: 'ci' } })
    ).json().secret;
    const bearer = await t.app.inject({
      method: 'PATCH',
      url: '/api/org',
      payload: { name: 'By token' },
      headers: { authorization: `Bearer ${token}`, origin: 'https://evil.example' },
    });
    check(bearer.statusCode === 200, `a Bearer token carries no ambient authority: ${bearer.statusCode}`);
    const read = await t.app.inject({
      method: 'GET',
      url: '/api/org',
      headers: { cookie: s.cookie, origin: 'https://evil.example' },
    });
    check(read.statusCode === 200, 'reads are not writes');
  });
});

describe('cookie flags', () => {
  it('sets HttpOnly, SameSite=Lax, Path=/ and an expiry; Secure only over https', async () => {
    const org = await makeOrg(t.db, t.clock);
    t.clock.advance(t.config.loginLimits.windowMs);
    const plain = (await login(org.admin.email, PASSWORD, '10.5.0.1')).cookies.find(
      (c) => c.name === 'outfield_session',
    );
    check(
      plain?.httpOnly === true && plain.sameSite === 'Lax' && plain.path === '/' && !plain.secure,
      JSON.stringify(plain),
    );
    check(
      plain?.expires instanceof Date &&
        plain.expires.getTime() === t.clock.now() + t.config.sessionAbsoluteMs,
      'expires with the absolute limit',
    );
    // Behind a trusted proxy terminating TLS.
    const proxied = await buildApp({ db: t.db, config: t.config, clock: t.clock as Clock, trustProxy: true });
    await proxied.ready();
    const viaProxy = (
      await login(org.admin.email, PASSWORD, '127.0.0.1', proxied, {
        'x-forwarded-proto': 'https',
        'x-forwarded-for': '10.5.0.2',
      })
    ).cookies.find((c) => c.name === 'outfield_session');
    await proxied.close();
    check(
      viaProxy?.secure === true && viaProxy.httpOnly === true,
      `behind https proxy: ${JSON.stringify(viaProxy)}`,
    );
    // Not trusted: a client cannot make the server think it is on https (nor the reverse) by a header.
    const forged = (
      await login(org.admin.email, PASSWORD, '10.5.0.3', t.app, { 'x-forwarded-proto': 'https' })
    ).cookies.find((c) => c.name === 'outfield_session');
    check(forged !== undefined && !forged.secure, 'x-forwarded-proto ignored without TRUST_PROXY');
    // An https PUBLIC_URL always marks the cookie Secure.
    const https = await createTestApp({ publicUrl: 'https://outfield.example' });
    try {
      const o = await makeOrg(https.db, https.clock);
      const c = (await login(o.admin.email, PASSWORD, '10.5.0.4', https.app)).cookies.find(
        (x) => x.name === 'outfield_session',
      );
      check(c?.secure === true, 'Secure with an https PUBLIC_URL');
    } finally {
      await https.close();
    }
  });
});
