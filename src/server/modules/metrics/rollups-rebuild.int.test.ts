import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { insertActivity, makeAccount, makeDeal } from '../../../../tests/factories/crm.ts';
import { makeOrg, makeUser } from '../../../../tests/factories/identity.ts';
import { createTestApp, type TestApp } from '../../../../tests/setup/test-app.ts';
import { computeMetric } from './metrics.engine.ts';
import { dayNumber, dayStart, rebuildOrgRollups } from './rollups.ts';

let t: TestApp;
beforeEach(async () => {
  t = await createTestApp();
  t.clock.set(Date.parse('2025-12-01T12:00:00Z'));
});
afterEach(async () => {
  await t.close();
});

describe('rollup rebuild across a daylight-saving change', () => {
  it('counts the 25th hour of a fall-back day on that day, not the next', async () => {
    // America/Chicago falls back on 2 November 2025: that local day lasts 25 hours
    // (05:00Z on the 2nd to 06:00Z on the 3rd).
    const org = await makeOrg(t.db, t.clock);
    const rep = await makeUser(t.db, t.clock, org, 'rep');
    const account = await makeAccount(t.db, t.clock, org.orgId, rep.id);
    const fallBack = dayNumber('2025-11-02');
    const lateOnFallBack = Date.parse('2025-11-03T05:30:00Z'); // 23:30 CST on the 2nd
    const earlyNextDay = Date.parse('2025-11-03T06:30:00Z'); // 00:30 CST on the 3rd
    expect(dayStart(fallBack + 1, 'America/Chicago') - dayStart(fallBack, 'America/Chicago')).toBe(
      25 * 3_600_000,
    );
    for (const at of [lateOnFallBack, earlyNextDay]) {
      await insertActivity(t.db, {
        orgId: org.orgId,
        ownerId: rep.id,
        kind: 'visit',
        subject: 'Visit',
        occurredAt: at,
        durationMinutes: 30,
        accountId: account,
        verified: null,
      });
      const deal = await makeDeal(t.db, t.clock, org.orgId, rep.id, account, {
        stage: 'won',
        amountMinor: 1_000,
      });
      await t.db.kysely
        .updateTable('deals')
        .set({ closed_at: at, created_at: at - 86_400_000 })
        .where('id', '=', deal)
        .execute();
    }

    // Before the fix the two instants landed on the same day key and the rebuild failed on it.
    await rebuildOrgRollups(t.db.kysely, org.orgId);

    const activityDays = await t.db.kysely
      .selectFrom('activity_rollups')
      .select(['day', 'n'])
      .where('org_id', '=', org.orgId)
      .orderBy('day')
      .execute();
    expect(activityDays.map((r) => [Number(r.day), Number(r.n)])).toEqual([
      [fallBack, 1],
      [fallBack + 1, 1],
    ]);
    const dealDays = await t.db.kysely
      .selectFrom('deal_rollups')
      .select(['day', 'deals'])
      .where('org_id', '=', org.orgId)
      .orderBy('day')
      .execute();
    expect(dealDays.map((r) => [Number(r.day), Number(r.deals)])).toEqual([
      [fallBack, 1],
      [fallBack + 1, 1],
    ]);

    // And the engine's answers for the fall-back day agree with the raw rows.
    const scope = {
      orgId: org.orgId,
      currency: 'USD',
      timeZone: 'America/Chicago',
      userIds: [rep.id],
      start: dayStart(fallBack, 'America/Chicago'),
      end: dayStart(fallBack + 1, 'America/Chicago'),
      now: t.clock.now(),
    };
    for (const metric of ['visits', 'revenue_won', 'deals_won']) {
      const fromRollups = await computeMetric(t.db.kysely, metric, scope);
      const raw = await computeMetric(t.db.kysely, metric, { ...scope, raw: true });
      expect(fromRollups.get(rep.id), metric).toEqual(raw.get(rep.id));
      expect(fromRollups.get(rep.id)?.value, metric).toBe(metric === 'revenue_won' ? 1_000 : 1);
    }
  });
});
