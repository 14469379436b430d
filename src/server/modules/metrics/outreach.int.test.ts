import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { insertActivity, makeAccount } from '../../../../tests/factories/crm.ts';
import { makeWorld, PASSWORD } from '../../../../tests/factories/identity.ts';
import { as, createTestApp, type Session, signIn, type TestApp } from '../../../../tests/setup/test-app.ts';
import { computeMetric } from './metrics.engine.ts';
import { rebuildOrgRollups } from './rollups.ts';

/**
 * Meetings from outreach as the product defines it: calls and emails followed within the org's
 * meeting window (N days, inclusive) by a meeting on the same account, by anyone, ÷ calls and
 * emails. Pinned on a hand-computed January 2026 of Ari's six outreach activities, through the
 * settings, values, catalog and records routes.
 *
 * | outreach | kind  | account | what follows                                        | converted at N = 14 |
 * | O1       | call  | P       | Ari's meeting on P exactly 14 days later            | yes (no at N = 13)  |
 * | O2       | email | Q       | Bo's meeting on Q 3 days later                      | yes (no at N = 2)   |
 * | O3       | call  | R       | a meeting on R, but the day *before* the call       | no                  |
 * | O4       | email | S       | a meeting the next day, on another account (T)      | no                  |
 * | O5       | call  | none    | Ari's meeting (no account) two hours later          | no                  |
 * | O6       | call  | P       | the same meeting on P as O1, 10 days later          | yes (no at N = 9)   |
 * Not outreach, so in neither count: Ari's visit to Q; Bo's own call on Q is Bo's.
 */
let t: TestApp;
let w: Awaited<ReturnType<typeof makeWorld>>;
let admin: Session;
let repA1: Session;
const at = (iso: string) => Date.parse(iso);
const outreachIds: Record<string, string> = {};

function activity(owner: string, account: string | null, kind: string, when: string) {
  return insertActivity(t.db, {
    orgId: w.org.orgId,
    ownerId: owner,
    accountId: account,
    kind,
    subject: `${kind} at ${when}`,
    occurredAt: at(when),
  });
}

async function patchSettings(payload: Record<string, unknown>, session = admin) {
  return as(t.app, session)({ method: 'PATCH', url: '/api/metrics/settings', payload });
}

async function setWindow(meetingWindowDays: number) {
  const res = await patchSettings({ meetingWindowDays });
  expect(res.statusCode, res.body).toBe(200);
}

/** The value, and the outreach the drill-down marks as converted (role both), by name (O1…O6). */
async function expectConverted(names: string[]) {
  const values = await as(
    t.app,
    repA1,
  )({ method: 'GET', url: '/api/metrics/values?metric=meetings_from_outreach&period=2026-01' });
  expect(values.statusCode, values.body).toBe(200);
  const row = values.json().rows.find((r: { user: { id: string } }) => r.user.id === w.repA1.id);
  expect({ value: row.value, numerator: row.numerator, denominator: row.denominator }).toEqual({
    value: (names.length / 6) * 100,
    numerator: names.length,
    denominator: 6,
  });
  const res = await as(
    t.app,
    repA1,
  )({ method: 'GET', url: '/api/metrics/records?metric=meetings_from_outreach&period=2026-01&limit=100' });
  expect(res.statusCode, res.body).toBe(200);
  const body = res.json();
  const nameOf = new Map(Object.entries(outreachIds).map(([name, id]) => [id, name]));
  // The records behind the number are the six calls and emails, no meeting and no visit.
  expect(body.total).toBe(6);
  expect(body.items.map((i: { id: string }) => nameOf.get(i.id)).sort()).toEqual([
    'O1',
    'O2',
    'O3',
    'O4',
    'O5',
    'O6',
  ]);
  const roles = new Map<string, string>(
    body.items.map((i: { id: string; role: string }) => [nameOf.get(i.id), i.role]),
  );
  expect([...roles.values()].every((r) => r === 'both' || r === 'denominator')).toBe(true);
  expect(
    [...roles]
      .filter(([, r]) => r === 'both')
      .map(([name]) => name)
      .sort(),
  ).toEqual(names);
  expect(body.numerator).toBe(names.length);
  return { filters: (body.filters as string[]).join('\n'), definition: body.metric.definition as string };
}

beforeAll(async () => {
  t = await createTestApp();
  w = await makeWorld(t.db, t.clock);
  [admin, repA1] = await Promise.all([
    signIn(t.app, w.org.admin.email, PASSWORD),
    signIn(t.app, w.repA1.email, PASSWORD),
  ]);
  const a = w.repA1.id;
  const bo = w.repB1.id;
  const [p, q, r, s, tt] = await Promise.all(
    Array.from({ length: 5 }, () => makeAccount(t.db, t.clock, w.org.orgId, a)),
  );
  outreachIds.O1 = await activity(a, p!, 'call', '2026-01-05T16:00:00Z');
  outreachIds.O6 = await activity(a, p!, 'call', '2026-01-09T16:00:00Z');
  await activity(a, p!, 'meeting', '2026-01-19T16:00:00Z');
  outreachIds.O2 = await activity(a, q!, 'email', '2026-01-06T16:00:00Z');
  await activity(bo, q!, 'meeting', '2026-01-09T16:00:00Z');
  await activity(a, q!, 'visit', '2026-01-05T16:00:00Z');
  await activity(bo, q!, 'call', '2026-01-07T16:00:00Z');
  await activity(a, r!, 'meeting', '2026-01-06T16:00:00Z');
  outreachIds.O3 = await activity(a, r!, 'call', '2026-01-07T16:00:00Z');
  outreachIds.O4 = await activity(a, s!, 'email', '2026-01-08T16:00:00Z');
  await activity(a, tt!, 'meeting', '2026-01-09T16:00:00Z');
  outreachIds.O5 = await activity(a, null, 'call', '2026-01-10T16:00:00Z');
  await activity(a, null, 'meeting', '2026-01-10T18:00:00Z');
});
afterAll(async () => {
  await t.close();
});

describe('meetings from outreach: calls and emails followed by a meeting on the account', () => {
  it('by default converts within 14 days, by a meeting of anyone on the same account, after the outreach', async () => {
    const settings = (await as(t.app, repA1)({ method: 'GET', url: '/api/metrics/settings' })).json();
    expect(settings.meetingWindowDays).toBe(14);
    const { filters, definition } = await expectConverted(['O1', 'O2', 'O6']);
    expect(filters).toContain('Kind: call, email');
    expect(filters).toContain('within 14 days');
    expect(definition).toContain('within 14 days');
    expect(definition).toContain('same account');
  });

  it('the window is inclusive: a meeting exactly N days after counts, one day less does not', async () => {
    await setWindow(13);
    await expectConverted(['O2', 'O6']);
    await setWindow(9);
    await expectConverted(['O2']);
    await setWindow(2);
    const { filters, definition } = await expectConverted([]);
    expect(filters).toContain('within 2 days');
    expect(definition).toContain('within 2 days');
    await setWindow(365);
    // A meeting before the call (O3), on another account (O4) or without one (O5) never converts.
    await expectConverted(['O1', 'O2', 'O6']);
    await setWindow(14);
  });

  it('the engine gives the same from the rollups and the raw rows, with the org rule read when not passed', async () => {
    await rebuildOrgRollups(t.db.kysely, w.org.orgId);
    const scope = {
      orgId: w.org.orgId,
      currency: 'USD',
      timeZone: 'America/Chicago',
      userIds: [w.repA1.id, w.repB1.id],
      start: at('2026-01-01T06:00:00Z'),
      end: at('2026-02-01T06:00:00Z'),
      now: at('2026-03-01T00:00:00Z'),
    };
    for (const raw of [false, true]) {
      const read = await computeMetric(t.db.kysely, 'meetings_from_outreach', { ...scope, raw });
      expect(read.get(w.repA1.id)).toEqual({ value: 50, numerator: 3, denominator: 6 });
      // Bo's call on Q (7 January) is followed by Bo's own meeting there two days later.
      expect(read.get(w.repB1.id)).toEqual({ value: 100, numerator: 1, denominator: 1 });
      const passed = await computeMetric(t.db.kysely, 'meetings_from_outreach', {
        ...scope,
        raw,
        outreach: { windowDays: 9 },
      });
      expect(passed.get(w.repA1.id)?.numerator).toBe(1);
    }
  });
});

describe('meeting-window setting', () => {
  it('refuses a bad window naming the field, storing nothing; only admins change it', async () => {
    const before = (await as(t.app, admin)({ method: 'GET', url: '/api/metrics/settings' })).json();
    for (const bad of [0, 366, 7.5, '14', null]) {
      const res = await patchSettings({ meetingWindowDays: bad });
      expect(res.statusCode, JSON.stringify(bad)).toBe(400);
      expect(res.json().error.details.fields[0].path, JSON.stringify(bad)).toBe('meetingWindowDays');
    }
    expect((await patchSettings({ meetingWindowDays: 10 }, repA1)).statusCode).toBe(403);
    expect((await as(t.app, admin)({ method: 'GET', url: '/api/metrics/settings' })).json()).toEqual(before);
  });

  it('keeps the other settings, audits the change and shows the window in the catalog definition', async () => {
    const before = (await as(t.app, admin)({ method: 'GET', url: '/api/metrics/settings' })).json();
    const res = await patchSettings({ meetingWindowDays: 7 });
    expect(res.statusCode, res.body).toBe(200);
    expect(res.json()).toEqual({ ...before, meetingWindowDays: 7 });
    const audit = await t.db.kysely
      .selectFrom('audit_log')
      .select(['summary'])
      .where('org_id', '=', w.org.orgId)
      .where('entity_type', '=', 'metric_settings')
      .orderBy('at', 'desc')
      .orderBy('id', 'desc')
      .executeTakeFirstOrThrow();
    const summary = JSON.parse(audit.summary);
    expect(summary.before.meetingWindowDays).toBe(before.meetingWindowDays);
    expect(summary.after.meetingWindowDays).toBe(7);
    const catalog = (await as(t.app, repA1)({ method: 'GET', url: '/api/metrics/catalog' })).json();
    const item = catalog.items.find((m: { key: string }) => m.key === 'meetings_from_outreach');
    expect(item.definition).toContain('within 7 days');
    await setWindow(14);
  });
});
