import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { z } from 'zod';
import { buildApp } from '../../src/server/app.ts';
import { fakeClock } from '../../src/server/lib/clock.ts';
import { meResponse } from '../../src/server/modules/identity/identity.schemas.ts';
import { makeWorld, PASSWORD } from '../factories/identity.ts';
import { as, signIn, testConfig } from '../setup/test-app.ts';
import { createTestDb, type TestDb } from '../setup/test-db.ts';

let tdb: TestDb;
let app: Awaited<ReturnType<typeof buildApp>>;
let w: Awaited<ReturnType<typeof makeWorld>>;
beforeAll(async () => {
  tdb = await createTestDb();
  app = await buildApp({ db: tdb.db, config: testConfig() });
  const item = z.object({ id: z.string(), nested: z.object({ a: z.number() }) });
  app.get(
    '/api/test/extra-fields',
    {
      config: { permission: 'public' },
      schema: { hide: true, response: { 200: z.object({ items: z.array(item) }) } },
    },
    async () => ({
      items: [{ id: 'x', passwordHash: 'secret', nested: { a: 1, token: 'secret' } }],
      csrfToken: 'secret',
    }),
  );
  app.get(
    '/api/test/wrong-type',
    { config: { permission: 'public' }, schema: { hide: true, response: { 200: item } } },
    async () => ({ id: 7, nested: { a: 'not a number' } }) as never,
  );
  await app.ready();
  w = await makeWorld(tdb.db, fakeClock());
});
afterAll(async () => {
  await app.close();
  await tdb.drop();
});

describe('responses follow their schema', () => {
  it('strips every field the schema does not name, at any depth', async () => {
    const res = await app.inject({ method: 'GET', url: '/api/test/extra-fields' });
    expect(res.statusCode).toBe(200);
    expect(res.body).not.toContain('secret');
    expect(res.json()).toEqual({ items: [{ id: 'x', nested: { a: 1 } }] });
  });

  it('answers 500 instead of sending a body that breaks its schema', async () => {
    const res = await app.inject({ method: 'GET', url: '/api/test/wrong-type' });
    expect(res.statusCode).toBe(500);
    expect(res.json().error.code).toBe('internal');
  });

  it('sends exactly the fields of the /api/me schema, with the security headers', async () => {
    const session = await signIn(app, w.repA1.email, PASSWORD);
    const res = await as(app, session)({ method: 'GET', url: '/api/me' });
    expect(res.statusCode).toBe(200);
    expect(meResponse.strict().safeParse(res.json()).success).toBe(true);
    expect(res.headers['x-content-type-options']).toBe('nosniff');
    expect(res.headers['x-frame-options']).toBe('DENY');
  });

  it('sends the security headers on errors too', async () => {
    for (const url of ['/api/me', '/api/no-such-route']) {
      const res = await app.inject({ method: 'GET', url });
      expect(res.statusCode).toBeGreaterThanOrEqual(400);
      expect(res.headers['content-security-policy']).toBe("default-src 'none'; frame-ancestors 'none'");
      expect(res.headers['x-content-type-options']).toBe('nosniff');
      expect(res.headers['referrer-policy']).toBe('no-referrer');
    }
    // Pages (and the HTML API docs) get the page policy: scripts only from us, never inline.
    for (const url of ['/no-such-page', '/api/docs']) {
      const res = await app.inject({ method: 'GET', url });
      const csp = String(res.headers['content-security-policy']);
      expect(csp).toContain("script-src 'self'");
      expect(csp).not.toMatch(/script-src[^;]*unsafe-inline/);
      expect(csp).toContain("frame-ancestors 'none'");
      expect(res.headers['cross-origin-opener-policy']).toBe('same-origin');
    }
  });
});
