import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { permissions } from '../../src/server/policy/policy.ts';
import { makeWorld, PASSWORD } from '../factories/identity.ts';
import { as, createTestApp, type Session, signIn, type TestApp } from '../setup/test-app.ts';
import { isWrite, routeKey, sampleBodies } from './sample-requests.ts';

let t: TestApp;
let rep: Session;
beforeAll(async () => {
  t = await createTestApp();
  const w = await makeWorld(t.db, t.clock);
  rep = await signIn(t.app, w.repA1.email, PASSWORD);
});
afterAll(async () => {
  await t.close();
});

function apiRoutes() {
  return t.app.routeList.filter((r) => r.url.startsWith('/api/') && !r.url.startsWith('/api/docs'));
}

function fill(url: string): string {
  return url.replace(/:(\w+)/g, (_m, name: string) =>
    name === 'token' ? 'x'.repeat(43) : '0190aaaa-0000-7000-8000-000000000000',
  );
}

describe('route permissions', () => {
  it('registers a known permission on every API route', () => {
    const routes = apiRoutes();
    expect(routes.length).toBeGreaterThan(20);
    const missing = routes.filter((r) => r.permission === undefined || !permissions.includes(r.permission));
    expect(missing).toEqual([]);
  });

  it('refuses to register an API route without a permission', async () => {
    const { buildApp } = await import('../../src/server/app.ts');
    const app = await buildApp({ db: t.db, config: t.config });
    expect(() => app.get('/api/oops', async () => ({}))).toThrow(/declares no permission/);
    await app.close().catch(() => undefined);
  });

  it('enforces the declared permission before the handler runs', async () => {
    const { buildApp } = await import('../../src/server/app.ts');
    const app = await buildApp({ db: t.db, config: t.config, clock: t.clock });
    let ran = false;
    app.get('/api/test-only', { config: { permission: 'audit.read' } }, async () => {
      ran = true;
      return { ok: true };
    });
    await app.ready();
    const res = await as(app, rep)({ method: 'GET', url: '/api/test-only' });
    expect(res.statusCode).toBe(403);
    expect(ran).toBe(false);
    await app.close();
  });

  it('has a sample body for every write route, so route walks reach the service', () => {
    const missing = apiRoutes()
      .filter((r) => isWrite(r.method))
      .map((r) => routeKey(r.method, r.url))
      .filter((k) => !(k in sampleBodies));
    expect(missing).toEqual([]);
  });

  it('answers 401 on every non-public route without a session', async () => {
    for (const route of apiRoutes().filter((r) => r.permission !== 'public')) {
      const res = await t.app.inject({
        method: route.method as 'GET',
        url: fill(route.url),
        payload: sampleBodies[routeKey(route.method, route.url)] as Record<string, unknown> | undefined,
      });
      expect(res.statusCode, `${route.method} ${route.url}`).toBe(401);
      expect(res.json().error.code).toBe('unauthenticated');
    }
  });

  it('answers 403 when a rep calls an admin-only route', async () => {
    const adminOnly = apiRoutes()
      .filter((r) => r.permission !== 'public' && r.permission !== 'authenticated')
      .filter((r) =>
        ['org.update', 'users.manage', 'teams.manage', 'invitations.manage', 'audit.read'].includes(
          r.permission!,
        ),
      );
    expect(adminOnly.length).toBeGreaterThan(5);
    for (const route of adminOnly) {
      const res = await as(
        t.app,
        rep,
      )({
        method: route.method as 'GET',
        url: fill(route.url),
        payload: sampleBodies[routeKey(route.method, route.url)] as Record<string, unknown> | undefined,
      });
      expect(res.statusCode, `${route.method} ${route.url}`).toBe(403);
    }
  });

  it('lists every API route in the OpenAPI document with its schemas', async () => {
    const res = await t.app.inject({ method: 'GET', url: '/api/openapi.json' });
    expect(res.statusCode).toBe(200);
    const doc = res.json() as { openapi: string; paths: Record<string, Record<string, unknown>> };
    expect(doc.openapi).toBe('3.1.0');
    for (const route of apiRoutes().filter((r) => r.url !== '/api/openapi.json')) {
      const path = route.url.replace(/:(\w+)/g, '{$1}');
      expect(doc.paths[path]?.[route.method.toLowerCase()], `${route.method} ${route.url}`).toBeDefined();
    }
    const login = doc.paths['/api/auth/login']?.post as { requestBody?: unknown };
    expect(JSON.stringify(login.requestBody)).toContain('email');
  });

  it('serves the browsable API docs', async () => {
    const res = await t.app.inject({ method: 'GET', url: '/api/docs/' });
    expect(res.statusCode).toBe(200);
    expect(res.body).toContain('swagger');
  });
});
