import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { makeWorld, PASSWORD } from '../factories/identity.ts';
import { as, createTestApp, type Session, signIn, type TestApp } from '../setup/test-app.ts';

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

describe('error contract', () => {
  it('answers invalid input with 400 naming every bad field, and stores nothing', async () => {
    const before = (await as(t.app, admin)({ method: 'GET', url: '/api/org' })).json();
    const res = await as(
      t.app,
      admin,
    )({ method: 'PATCH', url: '/api/org', payload: { name: '', currency: 'XXQ', fiscalYearStartMonth: 13 } });
    expect(res.statusCode).toBe(400);
    const body = res.json();
    expect(body.error.code).toBe('validation_failed');
    expect(body.error.details.fields.map((f: { path: string }) => f.path).sort()).toEqual([
      'currency',
      'fiscalYearStartMonth',
      'name',
    ]);
    expect((await as(t.app, admin)({ method: 'GET', url: '/api/org' })).json()).toEqual(before);
  });

  it('refuses unknown fields on updates (no silent mass assignment)', async () => {
    const res = await as(
      t.app,
      admin,
    )({ method: 'PATCH', url: '/api/org', payload: { name: 'Ok', id: 'other-org' } });
    expect(res.statusCode).toBe(400);
    expect(JSON.stringify(res.json().error.details)).toContain('id');
  });

  it('names each unknown field by its path (not the object holding it)', async () => {
    const res = await as(
      t.app,
      admin,
    )({ method: 'PATCH', url: '/api/org', payload: { name: 'Ok', id: 'other-org', orgId: 'x', '': 1 } });
    expect(res.statusCode).toBe(400);
    expect(
      res
        .json()
        .error.details.fields.map((f: { path: string }) => f.path)
        .sort(),
    ).toEqual(['""', 'id', 'orgId']);
  });

  it('answers a body the parser refuses as a whole with the root marker (empty path)', async () => {
    for (const payload of ['{"name": ', '{"__proto__": {"x": 1}, "name": "A"}', '']) {
      const res = await as(
        t.app,
        admin,
      )({ method: 'PATCH', url: '/api/me', payload, headers: { 'content-type': 'application/json' } });
      expect(res.statusCode, payload).toBe(400);
      expect(res.json().error.details.fields).toEqual([
        { path: '', in: 'body', message: expect.any(String) },
      ]);
    }
  });

  it('refuses a NUL character in any input part, naming where (PostgreSQL cannot store one)', async () => {
    const param = await as(t.app, admin)({ method: 'GET', url: '/api/users/a%00b' });
    expect(param.statusCode).toBe(400);
    expect(param.json().error.details.fields).toEqual([
      { path: 'id', in: 'params', message: expect.any(String) },
    ]);
    const body = await as(t.app, admin)({ method: 'PATCH', url: '/api/me', payload: { name: 'a\u0000b' } });
    expect(body.statusCode).toBe(400);
    expect(body.json().error.details.fields[0]).toMatchObject({ path: 'name', in: 'body' });
    const query = await as(t.app, admin)({ method: 'GET', url: '/api/users?q=%00' });
    expect(query.statusCode).toBe(400);
    expect(query.json().error.details.fields[0]).toMatchObject({ path: 'q', in: 'querystring' });
    const emptyKey = await as(t.app, admin)({ method: 'GET', url: '/api/users?=%00' });
    expect(emptyKey.json().error.details.fields[0]).toMatchObject({ path: '""', in: 'querystring' });
  });

  it('answers a URL with a malformed %-escape in our error shape', async () => {
    const res = await as(t.app, admin)({ method: 'GET', url: '/api/users/%zz' });
    expect(res.statusCode).toBe(400);
    expect(res.json()).toEqual({
      error: {
        code: 'bad_request',
        message: 'The URL is not valid',
        details: { fields: [{ path: '', in: 'params', message: 'The URL is not valid' }] },
      },
    });
  });

  it('names the query parameter at fault', async () => {
    const res = await as(t.app, admin)({ method: 'GET', url: '/api/users?limit=5000' });
    expect(res.statusCode).toBe(400);
    expect(res.json().error.details.fields[0]).toMatchObject({ path: 'limit', in: 'querystring' });
  });

  it('answers a body over 1 MiB with 413', async () => {
    const res = await as(
      t.app,
      admin,
    )({
      method: 'PATCH',
      url: '/api/me',
      payload: JSON.stringify({ name: 'x'.repeat(1_100_000) }),
      headers: { 'content-type': 'application/json' },
    });
    expect(res.statusCode).toBe(413);
    expect(res.json().error.code).toBe('payload_too_large');
  });

  it('answers malformed JSON with a 400 and no stack trace', async () => {
    const res = await as(
      t.app,
      admin,
    )({
      method: 'PATCH',
      url: '/api/me',
      payload: '{"name": ',
      headers: { 'content-type': 'application/json' },
    });
    expect(res.statusCode).toBe(400);
    expect(res.body).not.toMatch(/at .*\.ts:\d+/);
    expect(res.json().error.code).toBe('bad_request');
  });

  it('answers an unknown API path with a JSON 404', async () => {
    const res = await as(t.app, admin)({ method: 'GET', url: '/api/nothing-here' });
    expect(res.statusCode).toBe(404);
    expect(res.json().error.code).toBe('not_found');
  });

  it('refuses a malformed cursor naming the field', async () => {
    const res = await as(t.app, admin)({ method: 'GET', url: '/api/users?cursor=garbage' });
    expect(res.statusCode).toBe(400);
    expect(res.json().error.details.fields[0].path).toBe('cursor');
  });

  it('echoes a request id and sends security headers with a strict script policy', async () => {
    const res = await as(
      t.app,
      admin,
    )({ method: 'GET', url: '/api/me', headers: { 'x-request-id': 'trace-123' } });
    expect(res.headers['x-request-id']).toBe('trace-123');
    // A JSON answer may load and frame nothing at all.
    expect(res.headers['content-security-policy']).toBe("default-src 'none'; frame-ancestors 'none'");
    expect(res.headers['x-content-type-options']).toBe('nosniff');
  });

  it('reports liveness and readiness', async () => {
    expect((await t.app.inject({ method: 'GET', url: '/healthz' })).json()).toEqual({ status: 'ok' });
    const ready = await t.app.inject({ method: 'GET', url: '/readyz' });
    expect(ready.statusCode).toBe(200);
    expect(ready.json().status).toBe('ready');
  });
});
