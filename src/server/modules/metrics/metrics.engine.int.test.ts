import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { insertActivity, insertDeal, makeAccount, type StageKey } from '../../../../tests/factories/crm.ts';
import { makeWorld, PASSWORD } from '../../../../tests/factories/identity.ts';
import { as, createTestApp, signIn, type TestApp } from '../../../../tests/setup/test-app.ts';
import { builtinMetrics } from '../../../shared/metrics-catalog.ts';
import { periodOfDate } from '../../../shared/periods.ts';
import { defaultPipelineId, ensureDefaultPipeline } from '../crm/crm-settings.service.ts';
import { computeMetric, type MetricScope } from './metrics.engine.ts';
import { dayNumber, rebuildOrgRollups, rollupRange, rollupState } from './rollups.ts';

/**
 * Every built-in KPI pinned on a small hand-computed data set for March 2026 in America/Chicago
 * (daylight saving starts on 8 March), including a split deal, a reopened deal, a backdated
 * activity and activities on both sides of the month's local boundaries.
 */
let t: TestApp;
let w: Awaited<ReturnType<typeof makeWorld>>;
let scope: MetricScope;
const cal = { timeZone: 'America/Chicago', fiscalYearStartMonth: 1 };
const march = periodOfDate('month', '2026-03-15', cal);
const at = (iso: string) => Date.parse(iso);

async function deal(
  owner: string,
  account: string,
  o: {
    amount: number;
    stage: StageKey;
    status: 'open' | 'won' | 'lost';
    created: string;
    closed?: string;
    override?: number;
    split?: [string, number][];
    closeDate?: string;
  },
) {
  await insertDeal(t.db, {
    orgId: w.org.orgId,
    ownerId: owner,
    accountId: account,
    name: 'd',
    amountMinor: o.amount,
    stage: o.stage,
    status: o.status,
    probabilityOverride: o.override ?? null,
    expectedCloseDate: o.closeDate ?? null,
    closedAt: o.closed ? at(o.closed) : null,
    createdAt: at(o.created),
    splits: o.split,
  });
}

async function activity(owner: string, account: string, kind: string, when: string, verified?: 0 | 1) {
  await insertActivity(t.db, {
    orgId: w.org.orgId,
    ownerId: owner,
    kind,
    occurredAt: at(when),
    accountId: account,
    verified: kind === 'visit' ? (verified ?? 1) : null,
    createdAt: at('2026-04-02T12:00:00Z'),
  });
}

beforeAll(async () => {
  t = await createTestApp();
  w = await makeWorld(t.db, t.clock);
  await ensureDefaultPipeline(t.db.kysely, w.org.orgId, t.clock.now());
  const a = w.repA1.id;
  const b = w.repA2.id;
  const x = await makeAccount(t.db, t.clock, w.org.orgId, a);
  const y = await makeAccount(t.db, t.clock, w.org.orgId, a);
  const z = await makeAccount(t.db, t.clock, w.org.orgId, a);
  // Won $1,000 on X: created 10 March, won 20 March (10-day cycle).
  await deal(a, x, {
    amount: 100_000,
    stage: 'won',
    status: 'won',
    created: '2026-03-10T15:00:00Z',
    closed: '2026-03-20T15:00:00Z',
  });
  // Won $3,000.01 split 50/50 with B: created 1 March, won 21 March (20 days); A gets the odd cent.
  await deal(a, z, {
    amount: 300_001,
    stage: 'won',
    status: 'won',
    created: '2026-03-01T15:00:00Z',
    closed: '2026-03-21T15:00:00Z',
    split: [
      [a, 5000],
      [b, 5000],
    ],
  });
  // Lost $500 on 15 March.
  await deal(a, y, {
    amount: 50_000,
    stage: 'lost',
    status: 'lost',
    created: '2026-02-01T15:00:00Z',
    closed: '2026-03-15T15:00:00Z',
  });
  // Won in April: outside the period.
  await deal(a, z, {
    amount: 999_900,
    stage: 'won',
    status: 'won',
    created: '2026-03-01T15:00:00Z',
    closed: '2026-04-01T06:00:00Z',
  });
  // Open: $2,000 in Proposal (50%) closing in March; a reopened deal in Prospecting with a 40% override, closing in May.
  await deal(a, y, {
    amount: 200_000,
    stage: 'proposal',
    status: 'open',
    created: '2026-03-02T15:00:00Z',
    closeDate: '2026-03-30',
  });
  await deal(a, y, {
    amount: 100_000,
    stage: 'prospecting',
    status: 'open',
    created: '2026-01-02T15:00:00Z',
    override: 40,
    closeDate: '2026-05-30',
  });

  // Visits: 8 March 10:00 and 23:30 local (the second is 9 March in UTC), 10 March twice; one unverified.
  await activity(a, y, 'visit', '2026-03-08T15:00:00Z');
  await activity(a, y, 'visit', '2026-03-09T04:30:00Z');
  await activity(a, x, 'visit', '2026-03-10T14:00:00Z');
  await activity(a, y, 'visit', '2026-03-10T14:30:00Z', 0);
  // Calls: two in March, one at 23:30 on 31 March local (April in UTC), one at 23:30 on 28 February local (March in UTC).
  await activity(a, y, 'call', '2026-03-03T15:00:00Z');
  await activity(a, y, 'call', '2026-03-04T15:00:00Z');
  await activity(a, y, 'call', '2026-04-01T04:30:00Z');
  await activity(a, y, 'call', '2026-03-01T05:30:00Z');
  await activity(a, y, 'email', '2026-03-05T15:00:00Z');
  await activity(a, y, 'email', '2026-03-06T15:00:00Z');
  // A meeting logged in April about 12 March (backdated): it counts in March.
  await activity(a, y, 'meeting', '2026-03-12T15:00:00Z');

  scope = {
    orgId: w.org.orgId,
    currency: 'USD',
    timeZone: cal.timeZone,
    userIds: [a, b, w.repB1.id],
    start: march.start,
    end: march.end,
    now: at('2026-04-02T12:00:00Z'),
  };
});
afterAll(async () => {
  await t.close();
});

async function kpi(key: string, user = w.repA1.id) {
  return (await computeMetric(t.db.kysely, key, scope)).get(user);
}

function pinned() {
  it('revenue won credits split deals by share without losing a cent', async () => {
    expect((await kpi('revenue_won'))?.value).toBe(100_000 + 150_001);
    expect((await kpi('revenue_won', w.repA2.id))?.value).toBe(150_000);
    expect((await kpi('revenue_won', w.repB1.id))?.value).toBe(0);
  });

  it("deals won counts a split deal as each person's share", async () => {
    expect((await kpi('deals_won'))?.value).toBe(1.5);
    expect((await kpi('deals_won', w.repA2.id))?.value).toBe(0.5);
  });

  it('win rate is won ÷ closed, and "—" when nothing closed', async () => {
    expect(await kpi('win_rate')).toEqual({ value: 60, numerator: 1.5, denominator: 2.5 });
    expect((await kpi('win_rate', w.repB1.id))?.value).toBeNull();
  });

  it('average deal size and sales cycle length', async () => {
    expect((await kpi('avg_deal_size'))?.value).toBe(166_667);
    expect((await kpi('sales_cycle_days'))?.value).toBe(15);
    expect((await kpi('sales_cycle_days', w.repB1.id))?.value).toBeNull();
  });

  it('weighted and open pipeline count open deals only (a reopened deal is open)', async () => {
    expect((await kpi('weighted_pipeline'))?.value).toBe(100_000 + 40_000);
    expect((await kpi('open_pipeline'))?.value).toBe(200_000);
  });

  it('pipeline velocity multiplies open deals, win rate and size over the cycle', async () => {
    // 2 open × 0.6 × 166,667.33 ÷ 15 days
    expect((await kpi('pipeline_velocity'))?.value).toBe(Math.round((2 * 0.6 * (250_001 / 1.5)) / 15));
  });

  it('counts activities by local month boundaries', async () => {
    expect((await kpi('activities'))?.value).toBe(4 + 3 + 2 + 1);
    expect((await kpi('calls'))?.value).toBe(3);
    expect((await kpi('visits'))?.value).toBe(4);
    expect((await kpi('meetings'))?.value).toBe(1);
    // Every built-in kind has its count: two emails, no demo, no task.
    expect((await kpi('emails'))?.value).toBe(2);
    expect((await kpi('demos'))?.value).toBe(0);
    expect((await kpi('tasks'))?.value).toBe(0);
  });

  it('verified-visit rate, visits per local field day, meetings from outreach, strike rate', async () => {
    expect(await kpi('verified_visit_rate')).toEqual({ value: 75, numerator: 3, denominator: 4 });
    // 8 March 23:30 local is still 8 March: two field days, not three.
    expect(await kpi('visits_per_field_day')).toEqual({ value: 2, numerator: 4, denominator: 2 });
    // Calls and emails of 3–6 March on Y are followed by the 12 March meeting on Y within 14 days;
    // the 31 March call is not (the 28 February one is outside March).
    expect(await kpi('meetings_from_outreach')).toEqual({ value: 80, numerator: 4, denominator: 5 });
    // The 10 March visit to X is followed by the win on X on 20 March.
    expect(await kpi('strike_rate')).toEqual({ value: 25, numerator: 1, denominator: 4 });
  });
}

describe('built-in KPIs on a hand-computed March, from the raw rows', () => {
  it('reads raw rows: the org has no rollups yet', async () => {
    expect(await rollupState(t.db.kysely, w.org.orgId)).toBeUndefined();
  });
  pinned();
});

describe('built-in KPIs on a hand-computed March, from the daily rollups', () => {
  beforeAll(async () => {
    await rebuildOrgRollups(t.db.kysely, w.org.orgId);
  });
  it('reads the rollups for the month (valid for the zone, local-midnight bounds)', async () => {
    const state = await rollupState(t.db.kysely, w.org.orgId);
    expect(rollupRange(state, cal.timeZone, march.start, march.end)).toEqual({
      from: dayNumber('2026-03-01'),
      to: dayNumber('2026-04-01'),
      monthly: true,
    });
  });
  pinned();
  it('answers every KPI for every person exactly like the raw rows', async () => {
    for (const m of builtinMetrics) {
      if (m.key === 'quota_attainment' || m.key === 'pipeline_coverage') continue;
      const fromRollups = await computeMetric(t.db.kysely, m.key, scope);
      const raw = await computeMetric(t.db.kysely, m.key, { ...scope, raw: true });
      expect(Object.fromEntries(fromRollups), m.key).toEqual(Object.fromEntries(raw));
    }
  });
  it('keeps a reopened deal out of revenue and in the pipeline (reopened through the API)', async () => {
    t.clock.set(at('2026-04-02T12:00:00Z'));
    const admin = await signIn(t.app, w.org.admin.email, PASSWORD);
    const b = w.repA2.id;
    const account = await makeAccount(t.db, t.clock, w.org.orgId, b);
    const created = await as(
      t.app,
      admin,
    )({
      method: 'POST',
      url: '/api/crm/deals',
      payload: {
        accountId: account,
        name: 'Reopened',
        amountMinor: 70_000,
        stageId: `${defaultPipelineId(w.org.orgId)}:won`,
        ownerId: b,
        closedOn: '2026-03-25',
        expectedCloseDate: '2026-06-30',
      },
    });
    expect(created.statusCode, created.body).toBe(201);
    expect((await kpi('revenue_won', b))?.value).toBe(150_000 + 70_000);
    const reopened = await as(
      t.app,
      admin,
    )({
      method: 'PATCH',
      url: `/api/crm/deals/${created.json().id}`,
      payload: { stageId: `${defaultPipelineId(w.org.orgId)}:prospecting` },
    });
    expect(reopened.statusCode, reopened.body).toBe(200);
    for (const raw of [false, true]) {
      const s = { ...scope, raw };
      const value = async (key: string) => (await computeMetric(t.db.kysely, key, s)).get(b)?.value;
      expect(await value('revenue_won')).toBe(150_000);
      expect(await value('deals_won')).toBe(0.5);
      expect(await value('win_rate')).toBe(100);
      expect(await value('weighted_pipeline')).toBe(reopened.json().weightedAmountMinor);
      // Expected to close in June: outside March's open pipeline.
      expect(await value('open_pipeline')).toBe(0);
    }
  });
});
