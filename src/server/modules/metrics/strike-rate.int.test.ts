import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { insertActivity, insertDeal, makeAccount } from '../../../../tests/factories/crm.ts';
import { makeWorld, PASSWORD } from '../../../../tests/factories/identity.ts';
import { as, createTestApp, type Session, signIn, type TestApp } from '../../../../tests/setup/test-app.ts';
import { ensureDefaultPipeline } from '../crm/crm-settings.service.ts';
import { computeMetric } from './metrics.engine.ts';
import { rebuildOrgRollups } from './rollups.ts';

/**
 * Strike rate as the product defines it: visits that led to a won deal or an order within the
 * org's window (N days, inclusive), on the same account, ÷ visits. Pinned on a hand-computed
 * January 2026 of Ari's seven visits, through the settings, values, catalog and records routes.
 *
 * | visit | account | what follows                                            | strike at N = 30 |
 * | V1    | P       | deal won on P exactly 20 days later                      | yes (no at N = 19) |
 * | V2    | Q       | deal won on Q 45 days later                              | no (yes at N = 60) |
 * | V3    | R       | the visit's own outcome "Placed an order"                | yes                |
 * | V4    | S       | Bo's call on S 4 days later: "  placed AN order "        | yes (no at N = 3)  |
 * | V5    | T       | an order and a won deal, but on another account (U)      | no                 |
 * | V6    | W       | the visit's own outcome "PLACED AN ORDER"                | yes                |
 * | V7    | X       | an order on X the day *before* the visit                 | no                 |
 * V4's own outcome is "Follow up", which counts once the org lists it as an order outcome.
 */
let t: TestApp;
let w: Awaited<ReturnType<typeof makeWorld>>;
let admin: Session;
let repA1: Session;
const at = (iso: string) => Date.parse(iso);
const visitIds: Record<string, string> = {};

async function wonDeal(owner: string, account: string, closed: string) {
  await insertDeal(t.db, {
    orgId: w.org.orgId,
    ownerId: owner,
    accountId: account,
    amountMinor: 10_000,
    stage: 'won',
    closedAt: at(closed),
    createdAt: at('2025-12-01T15:00:00Z'),
    updatedAt: at(closed),
  });
}

async function activity(owner: string, account: string, kind: string, when: string, outcome: string | null) {
  return insertActivity(t.db, {
    orgId: w.org.orgId,
    ownerId: owner,
    kind,
    subject: `${kind} at ${when}`,
    outcome,
    occurredAt: at(when),
    accountId: account,
  });
}

async function patchSettings(payload: Record<string, unknown>, session = admin) {
  return as(t.app, session)({ method: 'PATCH', url: '/api/metrics/settings', payload });
}

async function setRule(payload: { strikeWindowDays?: number; orderOutcomes?: string[] }) {
  const res = await patchSettings(payload);
  expect(res.statusCode, res.body).toBe(200);
}

async function strikeValue() {
  const res = await as(
    t.app,
    repA1,
  )({ method: 'GET', url: '/api/metrics/values?metric=strike_rate&period=2026-01' });
  expect(res.statusCode, res.body).toBe(200);
  const row = res.json().rows.find((r: { user: { id: string } }) => r.user.id === w.repA1.id);
  return { value: row.value, numerator: row.numerator, denominator: row.denominator };
}

/** The visits the drill-down marks as strikes (role both), by name (V1…V7). */
async function strikesInRecords() {
  const res = await as(
    t.app,
    repA1,
  )({
    method: 'GET',
    url: '/api/metrics/records?metric=strike_rate&period=2026-01&limit=100',
  });
  expect(res.statusCode, res.body).toBe(200);
  const body = res.json();
  const nameOf = new Map(Object.entries(visitIds).map(([name, id]) => [id, name]));
  const roles = new Map<string, string>(
    body.items.map((i: { id: string; role: string }) => [nameOf.get(i.id), i.role]),
  );
  expect(body.total).toBe(7);
  expect([...roles.values()].every((r) => r === 'both' || r === 'denominator')).toBe(true);
  return {
    strikes: [...roles]
      .filter(([, r]) => r === 'both')
      .map(([name]) => name)
      .sort(),
    numerator: body.numerator,
    filters: body.filters as string[],
    definition: body.metric.definition as string,
  };
}

async function expectStrikes(names: string[]) {
  const value = await strikeValue();
  expect(value).toEqual({ value: (names.length / 7) * 100, numerator: names.length, denominator: 7 });
  const records = await strikesInRecords();
  expect(records.strikes).toEqual(names);
  expect(records.numerator).toBe(names.length);
  return records;
}

beforeAll(async () => {
  t = await createTestApp();
  w = await makeWorld(t.db, t.clock);
  await ensureDefaultPipeline(t.db.kysely, w.org.orgId, t.clock.now());
  [admin, repA1] = await Promise.all([
    signIn(t.app, w.org.admin.email, PASSWORD),
    signIn(t.app, w.repA1.email, PASSWORD),
  ]);
  const a = w.repA1.id;
  const bo = w.repB1.id;
  const [p, q, r, s, tt, u, ww, x] = await Promise.all(
    Array.from({ length: 8 }, () => makeAccount(t.db, t.clock, w.org.orgId, a)),
  );
  visitIds.V1 = await activity(a, p!, 'visit', '2026-01-05T16:00:00Z', 'Reviewed new catalogue');
  await wonDeal(a, p!, '2026-01-25T16:00:00Z');
  visitIds.V2 = await activity(a, q!, 'visit', '2026-01-06T16:00:00Z', null);
  await wonDeal(a, q!, '2026-02-20T16:00:00Z');
  visitIds.V3 = await activity(a, r!, 'visit', '2026-01-07T16:00:00Z', 'Placed an order');
  visitIds.V4 = await activity(a, s!, 'visit', '2026-01-08T16:00:00Z', 'Follow up');
  await activity(bo, s!, 'call', '2026-01-12T16:00:00Z', '  placed AN order ');
  visitIds.V5 = await activity(a, tt!, 'visit', '2026-01-09T16:00:00Z', 'Not now');
  await activity(a, u!, 'call', '2026-01-10T16:00:00Z', 'Placed an order');
  await wonDeal(a, u!, '2026-01-11T16:00:00Z');
  visitIds.V6 = await activity(a, ww!, 'visit', '2026-01-10T16:00:00Z', 'PLACED AN ORDER');
  await activity(bo, x!, 'call', '2026-01-14T16:00:00Z', 'Placed an order');
  visitIds.V7 = await activity(a, x!, 'visit', '2026-01-15T16:00:00Z', null);
});
afterAll(async () => {
  await t.close();
});

describe('strike rate: won deals or orders within the org window', () => {
  it('by default counts won deals and “Placed an order” within 30 days, matched ignoring case and spaces', async () => {
    const settings = (await as(t.app, repA1)({ method: 'GET', url: '/api/metrics/settings' })).json();
    expect(settings.strikeWindowDays).toBe(30);
    expect(settings.orderOutcomes).toEqual(['Placed an order']);
    const records = await expectStrikes(['V1', 'V3', 'V4', 'V6']);
    expect(records.filters.join('\n')).toContain('within 30 days');
    expect(records.filters.join('\n')).toContain('Order outcomes: Placed an order');
    expect(records.definition).toContain('within 30 days');
    expect(records.definition).toContain('“Placed an order”');
  });

  it('the window is inclusive: a deal won exactly N days after the visit counts, one day less does not', async () => {
    await setRule({ strikeWindowDays: 20 });
    await expectStrikes(['V1', 'V3', 'V4', 'V6']);
    await setRule({ strikeWindowDays: 19 });
    await expectStrikes(['V3', 'V4', 'V6']);
  });

  it('a longer window reaches a later win, a shorter one drops a later order by someone else', async () => {
    await setRule({ strikeWindowDays: 60 });
    await expectStrikes(['V1', 'V2', 'V3', 'V4', 'V6']);
    await setRule({ strikeWindowDays: 3 });
    const records = await expectStrikes(['V3', 'V6']);
    expect(records.filters.join('\n')).toContain('within 3 days');
    expect(records.definition).toContain('within 3 days');
    await setRule({ strikeWindowDays: 30 });
  });

  it('the order outcomes are the org’s: none → only won deals; another outcome counts on the visit itself', async () => {
    await setRule({ orderOutcomes: [] });
    const none = await expectStrikes(['V1']);
    expect(none.filters.join('\n')).toContain('Order outcomes: none set');
    await setRule({ orderOutcomes: ['follow UP'] });
    await expectStrikes(['V1', 'V4']);
    await setRule({ orderOutcomes: ['Placed an order'] });
    await expectStrikes(['V1', 'V3', 'V4', 'V6']);
  });

  it('the engine gives the same from the rollups (visits) and the raw rows, with the org rule read when not passed', async () => {
    await rebuildOrgRollups(t.db.kysely, w.org.orgId);
    const scope = {
      orgId: w.org.orgId,
      currency: 'USD',
      timeZone: 'America/Chicago',
      userIds: [w.repA1.id],
      start: at('2026-01-01T06:00:00Z'),
      end: at('2026-02-01T06:00:00Z'),
      now: at('2026-03-01T00:00:00Z'),
    };
    for (const raw of [false, true]) {
      expect((await computeMetric(t.db.kysely, 'strike_rate', { ...scope, raw })).get(w.repA1.id)).toEqual({
        value: (4 / 7) * 100,
        numerator: 4,
        denominator: 7,
      });
      const passed = await computeMetric(t.db.kysely, 'strike_rate', {
        ...scope,
        raw,
        strike: { windowDays: 60, orderOutcomes: [] },
      });
      expect(passed.get(w.repA1.id)?.numerator).toBe(2);
    }
    await expectStrikes(['V1', 'V3', 'V4', 'V6']);
  });
});

describe('strike-rate settings', () => {
  it('refuses a bad window or outcome naming the field, storing nothing', async () => {
    const before = (await as(t.app, admin)({ method: 'GET', url: '/api/metrics/settings' })).json();
    const cases: [Record<string, unknown>, string][] = [
      [{ strikeWindowDays: 0 }, 'strikeWindowDays'],
      [{ strikeWindowDays: 366 }, 'strikeWindowDays'],
      [{ strikeWindowDays: 7.5 }, 'strikeWindowDays'],
      [{ strikeWindowDays: '30' }, 'strikeWindowDays'],
      [{ orderOutcomes: ['   '] }, 'orderOutcomes.0'],
      [{ orderOutcomes: ['Signed', 'x'.repeat(201)] }, 'orderOutcomes.1'],
      [{ orderOutcomes: 'Placed an order' }, 'orderOutcomes'],
      [{ strikeWindowDays: 10, orderOutcomes: [''] }, 'orderOutcomes.0'],
    ];
    for (const [payload, field] of cases) {
      const res = await patchSettings(payload);
      expect(res.statusCode, JSON.stringify(payload)).toBe(400);
      expect(res.json().error.details.fields[0].path, JSON.stringify(payload)).toBe(field);
    }
    expect((await patchSettings({ strikeWindowDays: 10 }, repA1)).statusCode).toBe(403);
    expect((await as(t.app, admin)({ method: 'GET', url: '/api/metrics/settings' })).json()).toEqual(before);
  });

  it('stores outcomes trimmed without repeats that differ in case, keeps the other settings, and audits the change', async () => {
    const before = (await as(t.app, admin)({ method: 'GET', url: '/api/metrics/settings' })).json();
    const res = await patchSettings({
      strikeWindowDays: 14,
      orderOutcomes: ['  Placed an order ', 'placed an order', 'Signed the order form'],
    });
    expect(res.statusCode, res.body).toBe(200);
    expect(res.json()).toEqual({
      ...before,
      strikeWindowDays: 14,
      orderOutcomes: ['Placed an order', 'Signed the order form'],
    });
    const audit = await t.db.kysely
      .selectFrom('audit_log')
      .select(['summary'])
      .where('org_id', '=', w.org.orgId)
      .where('entity_type', '=', 'metric_settings')
      .orderBy('at', 'desc')
      .orderBy('id', 'desc')
      .executeTakeFirstOrThrow();
    const summary = JSON.parse(audit.summary);
    expect(summary.before.strikeWindowDays).toBe(before.strikeWindowDays);
    expect(summary.after.strikeWindowDays).toBe(14);
    expect(summary.after.orderOutcomes).toEqual(['Placed an order', 'Signed the order form']);
    const catalog = (await as(t.app, repA1)({ method: 'GET', url: '/api/metrics/catalog' })).json();
    const strike = catalog.items.find((m: { key: string }) => m.key === 'strike_rate');
    expect(strike.definition).toContain('within 14 days');
    expect(strike.definition).toContain('“Signed the order form”');
    await setRule({ strikeWindowDays: 30, orderOutcomes: ['Placed an order'] });
  });
});
