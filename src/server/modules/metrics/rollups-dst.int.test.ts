import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { makeAccount, makeDeal } from '../../../../tests/factories/crm.ts';
import { makeOrg } from '../../../../tests/factories/identity.ts';
import { createTestApp, type TestApp } from '../../../../tests/setup/test-app.ts';
import { newId } from '../../lib/ids.ts';
import { dayNumber, rebuildOrgRollups } from './rollups.ts';

let t: TestApp;
beforeEach(async () => {
  t = await createTestApp();
});
afterEach(async () => {
  await t.close();
});

// America/Chicago falls back on 2026-11-01 (02:00 CDT → 01:00 CST): that local day lasts 25 hours,
// 05:00Z on Nov 1 to 06:00Z on Nov 2. Its 25th hour (23:30 CST = 05:30Z on Nov 2) still is Nov 1.
const lastHourOfLongDay = Date.parse('2026-11-02T05:30:00Z');
const firstHourOfNextDay = Date.parse('2026-11-02T06:30:00Z'); // 00:30 CST on Nov 2

describe('rollup rebuild around a 25-hour day', () => {
  it('counts the 25th hour in its own day, not the next (which made the rebuild fail on a duplicate key)', async () => {
    const org = await makeOrg(t.db, t.clock); // America/Chicago
    const owner = org.admin.id;
    const account = await makeAccount(t.db, t.clock, org.orgId, owner);
    for (const at of [lastHourOfLongDay, firstHourOfNextDay]) {
      await t.db.kysely
        .insertInto('activities')
        .values({
          org_id: org.orgId,
          id: newId(),
          owner_id: owner,
          kind: 'visit',
          subject: 'Visit',
          occurred_at: at,
          account_id: account,
          source: 'online',
          created_at: at,
          updated_at: at,
        })
        .execute();
      const deal = await makeDeal(t.db, t.clock, org.orgId, owner, account, { stage: 'won' });
      await t.db.kysely.updateTable('deals').set({ closed_at: at }).where('id', '=', deal).execute();
    }

    await rebuildOrgRollups(t.db.kysely, org.orgId);

    const activityDays = await t.db.kysely
      .selectFrom('activity_rollups')
      .select(['day', 'n'])
      .where('org_id', '=', org.orgId)
      .orderBy('day')
      .execute();
    expect(activityDays.map((r) => [r.day, Number(r.n)])).toEqual([
      [dayNumber('2026-11-01'), 1],
      [dayNumber('2026-11-02'), 1],
    ]);
    const dealDays = await t.db.kysely
      .selectFrom('deal_rollups')
      .select(['day', 'deals'])
      .where('org_id', '=', org.orgId)
      .orderBy('day')
      .execute();
    expect(dealDays.map((r) => [r.day, Number(r.deals)])).toEqual([
      [dayNumber('2026-11-01'), 1],
      [dayNumber('2026-11-02'), 1],
    ]);
  });
});
