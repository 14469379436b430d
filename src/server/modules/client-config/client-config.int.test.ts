import { afterEach, describe, expect, it } from 'vitest';
import { makeWorld, PASSWORD } from '../../../../tests/factories/identity.ts';
import { as, createTestApp, signIn, type TestApp } from '../../../../tests/setup/test-app.ts';

let t: TestApp | undefined;
afterEach(async () => {
  await t?.close();
  t = undefined;
});

describe('GET /api/config', () => {
  it('tells a signed-in user that no map tiles are configured by default', async () => {
    t = await createTestApp();
    const w = await makeWorld(t.db, t.clock);
    const rep = await signIn(t.app, w.repA1.email, PASSWORD);
    const res = await as(t.app, rep)({ method: 'GET', url: '/api/config' });
    expect(res.statusCode).toBe(200);
    expect(res.json()).toEqual({ map: { tileUrl: null, attribution: null } });
  });

  it('hands out the configured tile URL and attribution, and only to signed-in users', async () => {
    t = await createTestApp({
      mapTileUrl: 'https://tiles.example.com/{z}/{x}/{y}.png',
      mapTileAttribution: '© Example tiles',
    });
    const w = await makeWorld(t.db, t.clock);
    const rep = await signIn(t.app, w.repA1.email, PASSWORD);
    const res = await as(t.app, rep)({ method: 'GET', url: '/api/config' });
    expect(res.json()).toEqual({
      map: { tileUrl: 'https://tiles.example.com/{z}/{x}/{y}.png', attribution: '© Example tiles' },
    });
    expect((await t.app.inject({ method: 'GET', url: '/api/config' })).statusCode).toBe(401);
  });
});
