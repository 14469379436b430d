import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { makeAccount, stageId } from '../../../../tests/factories/crm.ts';
import { makeWorld, PASSWORD } from '../../../../tests/factories/identity.ts';
import { as, createTestApp, type Session, signIn, type TestApp } from '../../../../tests/setup/test-app.ts';
import { periodFromKey } from '../../../shared/periods.ts';
import { ensureDefaultPipeline } from '../crm/crm-settings.service.ts';
import { computeMetric } from './metrics.engine.ts';

/**
 * The sales cycle counts only deals whose cycle is known: a deal closed "today" right after it was
 * created is a 0-day cycle (its closing instant is not the start of the day, before its creation),
 * and a deal recorded as won on an earlier day than it was entered has no cycle and is left out —
 * never a negative number of days. Rollups and raw rows agree.
 */
let t: TestApp;
let w: Awaited<ReturnType<typeof makeWorld>>;
let rep: Session;
let account: string;
const DAY = 86_400_000;

beforeAll(async () => {
  t = await createTestApp();
  w = await makeWorld(t.db, t.clock);
  // 20 January 2026, 15:00 in Chicago.
  t.clock.set(Date.UTC(2026, 0, 20, 21, 0));
  rep = await signIn(t.app, w.repB1.email, PASSWORD);
  await ensureDefaultPipeline(t.db.kysely, w.org.orgId, t.clock.now());
  account = await makeAccount(t.db, t.clock, w.org.orgId, w.repB1.id);
});
afterAll(async () => {
  await t.close();
});

async function createDeal(payload: Record<string, unknown>) {
  const res = await as(
    t.app,
    rep,
  )({
    method: 'POST',
    url: '/api/crm/deals',
    payload: { accountId: account, name: 'd', amountMinor: 10_000, currency: 'USD', ...payload },
  });
  expect(res.statusCode, res.body).toBe(201);
  return res.json() as { id: string; createdAt: string; closedAt: string | null };
}

async function cycle(period: string) {
  const res = await as(
    t.app,
    rep,
  )({ method: 'GET', url: `/api/metrics/values?metric=sales_cycle_days&period=${period}&scope=me` });
  expect(res.statusCode, res.body).toBe(200);
  return (res.json() as { rows: { value: number | null }[] }).rows[0]!.value;
}

async function rawCycle(period: string) {
  const p = periodFromKey(period, { timeZone: 'America/Chicago', fiscalYearStartMonth: 1 })!;
  const values = await computeMetric(t.db.kysely, 'sales_cycle_days', {
    orgId: w.org.orgId,
    currency: 'USD',
    timeZone: 'America/Chicago',
    userIds: [w.repB1.id],
    start: p.start,
    end: p.end,
    now: t.clock.now(),
    raw: true,
  });
  return values.get(w.repB1.id)?.value ?? null;
}

describe('sales cycle length', () => {
  it('counts a deal won on the day it was created as 0 days, never negative', async () => {
    const today = await createDeal({ stageId: stageId(w.org.orgId, 'won'), closedOn: '2026-01-20' });
    // It closed when it was created, not at the start of the day (6 hours before).
    expect(today.closedAt).toBe(today.createdAt);
    expect(await cycle('2026-01')).toBe(0);
    expect(await rawCycle('2026-01')).toBe(0);
  });

  it('leaves out a deal recorded as won on a day before it was entered', async () => {
    // Entered on 20 January, won on 10 January: its cycle is unknown (it would be −10 days).
    const late = await createDeal({ stageId: stageId(w.org.orgId, 'won'), closedOn: '2026-01-10' });
    expect(Date.parse(late.closedAt!)).toBeLessThan(Date.parse(late.createdAt));
    expect(await cycle('2026-01')).toBe(0);
    expect(await rawCycle('2026-01')).toBe(0);
  });

  it('averages the deals of known cycle: created, then won days later', async () => {
    const open = await createDeal({ stageId: stageId(w.org.orgId, 'proposal') });
    t.clock.advance(3 * DAY);
    rep = await signIn(t.app, w.repB1.email, PASSWORD);
    const res = await as(
      t.app,
      rep,
    )({
      method: 'PATCH',
      url: `/api/crm/deals/${open.id}`,
      payload: { stageId: stageId(w.org.orgId, 'won'), closedOn: '2026-01-23' },
    });
    expect(res.statusCode, res.body).toBe(200);
    // Won 23 January at the start of the day: 3 days minus 15 hours after its creation.
    const days = (3 * DAY - 15 * 3_600_000) / DAY;
    // (0 + 2.375) ÷ 2 known deals, to one decimal; the back-recorded deal is not a third.
    const expected = Math.round(((0 + days) / 2) * 10) / 10;
    expect(await cycle('2026-01')).toBe(expected);
    expect(await rawCycle('2026-01')).toBe(expected);
    // Its parts: Σ days over the deals of known cycle ÷ how many they are (shown in "how computed").
    const parts = await as(
      t.app,
      rep,
    )({ method: 'GET', url: '/api/metrics/values?metric=sales_cycle_days&period=2026-01&scope=me' });
    expect(parts.json().rows[0]).toMatchObject({ numerator: Math.round(days * 10) / 10, denominator: 2 });
    // A team's sales cycle adds its people's parts (a deal-weighted average, never an average of
    // averages): the org view no longer leaves it out.
    const admin = await signIn(t.app, w.org.admin.email, PASSWORD);
    const org = await as(
      t.app,
      admin,
    )({ method: 'GET', url: '/api/metrics/org?period=2026-01&metrics=sales_cycle_days' });
    expect(org.statusCode, org.body).toBe(200);
    const teams = org.json().teams as { id: string; cells: { metric: string; value: number | null }[] }[];
    for (const team of [w.teamB, w.region])
      expect(teams.find((x) => x.id === team)!.cells[0]).toMatchObject({
        value: Math.round((Math.round(days * 10) / 10 / 2) * 10) / 10,
        numerator: Math.round(days * 10) / 10,
        denominator: 2,
      });
    expect(teams.find((x) => x.id === w.teamA)!.cells[0]).toMatchObject({ value: null });
  });

  it('shows no cycle ("—") when every won deal of the period has an unknown cycle', async () => {
    t.clock.set(Date.UTC(2026, 2, 5, 18, 0));
    rep = await signIn(t.app, w.repB1.email, PASSWORD);
    await createDeal({ stageId: stageId(w.org.orgId, 'won'), closedOn: '2026-02-20' });
    expect(await cycle('2026-02')).toBeNull();
    expect(await rawCycle('2026-02')).toBeNull();
  });
});
