import { parse } from 'csv-parse/sync';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { makeAccount, makeDeal } from '../../../../../tests/factories/crm.ts';
import { makeWorld, PASSWORD } from '../../../../../tests/factories/identity.ts';
import {
  as,
  createTestApp,
  type Session,
  signIn,
  type TestApp,
} from '../../../../../tests/setup/test-app.ts';
import { neutraliseCell } from './export.service.ts';

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

describe('export', () => {
  it('neutralises cells a spreadsheet would run as formulas', () => {
    expect(['=1+1', '+1', '-2', '@SUM(A1)', '\tx', '\rx', 'plain', 42, null].map(neutraliseCell)).toEqual([
      "'=1+1",
      "'+1",
      "'-2",
      "'@SUM(A1)",
      "'\tx",
      "'\rx",
      'plain',
      42,
      null,
    ]);
  });

  it('round-trips accounts through RFC 4180 CSV: same values, formula cells neutralised', async () => {
    const tricky = [
      'Quote "Co", Ltd.',
      'Line\nBreak Inc',
      '=HYPERLINK("http://evil.example","click")',
      '@Mention LLC',
      '-Minus Corp',
      'Ünïcödé GmbH',
    ];
    for (const name of tricky) {
      const res = await as(
        t.app,
        rep,
      )({ method: 'POST', url: '/api/crm/accounts', payload: { name, latitude: 41.9, longitude: -87.6 } });
      expect(res.statusCode, res.body).toBe(201);
    }
    const res = await as(t.app, rep)({ method: 'GET', url: '/api/crm/accounts/export?format=csv' });
    expect(res.statusCode).toBe(200);
    expect(res.headers['content-type']).toContain('text/csv');
    expect(res.headers['content-disposition']).toMatch(
      /attachment; filename="accounts-\d{4}-\d{2}-\d{2}\.csv"/,
    );
    expect(res.body).toContain('\r\n');
    const rows = parse(res.body, { columns: true }) as Record<string, string>[];
    const list = (await as(t.app, rep)({ method: 'GET', url: '/api/crm/accounts?limit=200' })).json();
    expect(rows).toHaveLength(list.items.length);
    const names = rows.map((r) => r.name).sort();
    expect(names).toEqual(
      [
        'Quote "Co", Ltd.',
        'Line\nBreak Inc',
        '\'=HYPERLINK("http://evil.example","click")',
        "'@Mention LLC",
        "'-Minus Corp",
        'Ünïcödé GmbH',
      ].sort(),
    );
    const first = list.items[0];
    const exported = rows.find((r) => r.id === first.id)!;
    expect(exported.longitude).toBe(String(first.longitude));
    expect(exported.ownerName).toBe(first.owner.name);
    expect(exported.createdAt).toBe(first.createdAt);
  });

  it('exports JSON with the list filters and visibility rules', async () => {
    await makeAccount(t.db, t.clock, w.org.orgId, w.repB1.id, { name: 'Not for Ari', territory: 'North' });
    await makeAccount(t.db, t.clock, w.org.orgId, w.repA1.id, { name: 'Ari North', territory: 'North' });
    const mine = (
      await as(t.app, rep)({ method: 'GET', url: '/api/crm/accounts/export?format=json&territory=North' })
    ).json();
    expect(mine.map((a: { name: string }) => a.name)).toEqual(['Ari North']);
    const all = (
      await as(t.app, admin)({ method: 'GET', url: '/api/crm/accounts/export?format=json&territory=North' })
    ).json();
    expect(all.map((a: { name: string }) => a.name).sort()).toEqual(['Ari North', 'Not for Ari']);
  });

  it('exports deals with exact decimal amounts', async () => {
    const account = await makeAccount(t.db, t.clock, w.org.orgId, w.repA1.id, { name: 'Deal Co' });
    await makeDeal(t.db, t.clock, w.org.orgId, w.repA1.id, account, {
      amountMinor: 123_456_789,
      name: 'Big one',
    });
    const res = await as(t.app, rep)({ method: 'GET', url: `/api/crm/deals/export?accountId=${account}` });
    const rows = parse(res.body, { columns: true }) as Record<string, string>[];
    expect(rows).toEqual([
      expect.objectContaining({
        name: 'Big one',
        amount: '1234567.89',
        amountMinor: '123456789',
        currency: 'USD',
      }),
    ]);
  });

  it('streams a list longer than many pages, every row once', async () => {
    const n = 1234;
    const now = t.clock.now();
    const values = Array.from({ length: n }, (_, i) => ({
      org_id: w.org.orgId,
      id: `0190bbbb-0000-7000-8000-${String(i).padStart(12, '0')}`,
      name: `Bulk ${String(i).padStart(5, '0')}`,
      name_lower: `bulk ${String(i).padStart(5, '0')}`,
      street: null,
      city: null,
      region: null,
      postal_code: null,
      country: null,
      latitude: null,
      longitude: null,
      territory: 'Bulk',
      industry: null,
      tier: null,
      status: 'active' as const,
      owner_id: w.repB1.id,
      external_source: null,
      external_id: null,
      last_activity_at: null,
      created_at: now,
      updated_at: now,
    }));
    for (let i = 0; i < n; i += 500)
      await t.db.kysely
        .insertInto('accounts')
        .values(values.slice(i, i + 500))
        .execute();
    const res = await as(t.app, admin)({ method: 'GET', url: '/api/crm/accounts/export?territory=Bulk' });
    expect(res.statusCode).toBe(200);
    const rows = parse(res.body, { columns: true }) as Record<string, string>[];
    expect(rows).toHaveLength(n);
    expect(new Set(rows.map((r) => r.id)).size).toBe(n);
    expect(rows[0]!.name).toBe('Bulk 00000');
    expect(rows[n - 1]!.name).toBe('Bulk 01233');
  });
});
