import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { insertDeal, makeAccount } from '../../../../tests/factories/crm.ts';
import { makeWorld, PASSWORD } from '../../../../tests/factories/identity.ts';
import { as, createTestApp, type Session, signIn, type TestApp } from '../../../../tests/setup/test-app.ts';
import { ensureDefaultPipeline } from '../crm/crm-settings.service.ts';

/**
 * Targets of a custom money metric in another currency than the org's are read, checked and shown
 * in the metric's currency: a USD org with custom metrics over its JPY deals (no minor digits) and
 * its EUR deals. Through the HTTP API on a real database (both engines); the fake clock stands at
 * 2026-01-05.
 */
let t: TestApp;
let w: Awaited<ReturnType<typeof makeWorld>>;
let admin: Session;

async function customMoneyMetric(key: string, currency: string) {
  const res = await as(
    t.app,
    admin,
  )({
    method: 'POST',
    url: '/api/metrics/custom',
    payload: {
      key,
      name: `Revenue in ${currency}`,
      description: `Won deals in ${currency}`,
      definition: { block: 'deal_sum', field: 'amount', deals: 'won', filters: { currency } },
      unit: 'money',
      direction: 'higher',
      format: 'money',
    },
  });
  expect(res.statusCode, res.body).toBe(201);
}

async function importCsv(rows: string[]) {
  return as(
    t.app,
    admin,
  )({
    method: 'POST',
    url: '/api/targets/import',
    payload: { csv: ['email,metric,period,amount', ...rows].join('\n') },
  });
}

async function stored(metric: string): Promise<number | null> {
  const row = await t.db.kysely
    .selectFrom('targets')
    .select('amount')
    .where('org_id', '=', w.org.orgId)
    .where('subject_id', '=', w.repA1.id)
    .where('metric_key', '=', metric)
    .where('period_start', '=', '2026-01-01')
    .executeTakeFirst();
  return row ? Number(row.amount) : null;
}

beforeAll(async () => {
  t = await createTestApp();
  w = await makeWorld(t.db, t.clock);
  await ensureDefaultPipeline(t.db.kysely, w.org.orgId, t.clock.now());
  admin = await signIn(t.app, w.org.admin.email, PASSWORD);
  const account = await makeAccount(t.db, t.clock, w.org.orgId, w.repA1.id);
  // Deals in yen and in euros, so the metric builder accepts those currencies.
  for (const currency of ['JPY', 'EUR'])
    await insertDeal(t.db, {
      orgId: w.org.orgId,
      ownerId: w.repA1.id,
      accountId: account,
      name: `Won in ${currency}`,
      amountMinor: 120_000,
      currency,
      stage: 'won',
      closedAt: Date.parse('2026-01-02T18:00:00Z'),
      createdAt: Date.parse('2025-12-01T12:00:00Z'),
    });
  await customMoneyMetric('jpy_revenue', 'JPY');
  await customMoneyMetric('eur_revenue', 'EUR');
});
afterAll(async () => {
  await t.close();
});

describe('targets of a money metric in its own currency', () => {
  it('reads CSV money in the metric’s currency: yen have no minor digits, euros and the org’s dollars two', async () => {
    const res = await importCsv([
      `${w.repA1.email},jpy_revenue,2026-01,"500,000"`,
      `${w.repA1.email},eur_revenue,2026-01,"1,250.50"`,
      `${w.repA1.email},revenue_won,2026-01,"1,250.50"`,
    ]);
    expect(res.statusCode, res.body).toBe(200);
    // ¥500,000 — not 50,000,000 (read with the dollar's two digits, 100× off).
    expect(await stored('jpy_revenue')).toBe(500_000);
    expect(await stored('eur_revenue')).toBe(125_050);
    expect(await stored('revenue_won')).toBe(125_050);
    // The KPI answer measures the yen metric against it, in yen.
    const values = await as(
      t.app,
      admin,
    )({ method: 'GET', url: '/api/metrics/values?metric=jpy_revenue&period=2026-01&scope=org' });
    expect(values.json().currency).toBe('JPY');
    expect(values.json().rows.find((r: { user: { id: string } }) => r.user.id === w.repA1.id)).toMatchObject({
      value: 120_000,
      target: 500_000,
    });
  });

  it('refuses amounts the metric’s currency cannot hold, or in another currency, naming the currency', async () => {
    const res = await importCsv([
      `${w.repA1.email},jpy_revenue,2026-01,500000.5`,
      `${w.repA1.email},eur_revenue,2026-01,USD 100`,
      `${w.repA1.email},revenue_won,2026-01,EUR 100`,
      `${w.repA1.email},revenue_won,2026-01,1.005`,
    ]);
    expect(res.statusCode).toBe(400);
    expect(res.json().error.details.rows).toEqual([
      { row: 2, column: 'amount', reason: 'has more than 0 decimal places (amounts in JPY)' },
      { row: 3, column: 'amount', reason: "is in USD; this metric's targets are in EUR" },
      { row: 4, column: 'amount', reason: "is in EUR; this metric's targets are in USD" },
      { row: 5, column: 'amount', reason: 'has more than 2 decimal places (amounts in USD)' },
    ]);
    // Nothing stored: the earlier amounts stand.
    expect(await stored('jpy_revenue')).toBe(500_000);
    // Naming the metric's own currency is fine.
    const ok = await importCsv([`${w.repA1.email},jpy_revenue,2026-01,JPY 600000`]);
    expect(ok.statusCode, ok.body).toBe(200);
    expect(await stored('jpy_revenue')).toBe(600_000);
  });

  it('gives the target grid each metric’s currency', async () => {
    const grid = await as(
      t.app,
      admin,
    )({
      method: 'GET',
      url: `/api/targets/grid?teamId=${w.teamA}&period=2026-01&metrics=jpy_revenue,eur_revenue,revenue_won,visits`,
    });
    expect(grid.statusCode).toBe(200);
    expect(grid.json().currency).toBe('USD');
    expect(grid.json().metrics.map((m: { key: string; currency: string }) => [m.key, m.currency])).toEqual([
      ['jpy_revenue', 'JPY'],
      ['eur_revenue', 'EUR'],
      ['revenue_won', 'USD'],
      ['visits', 'USD'],
    ]);
  });
});
