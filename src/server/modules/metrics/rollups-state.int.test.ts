import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { makeOrg } from '../../../../tests/factories/identity.ts';
import { createTestApp, type TestApp } from '../../../../tests/setup/test-app.ts';
import { queueMissingRollups, ROLLUP_VERSION, rollupState } from './rollups.ts';

let t: TestApp;
beforeEach(async () => {
  t = await createTestApp();
});
afterEach(async () => {
  await t.close();
});

describe('which orgs have valid rollups', () => {
  it('an org made by first-run setup has valid (empty) rollups from the start', async () => {
    const res = await t.app.inject({
      method: 'POST',
      url: '/api/setup',
      payload: {
        orgName: 'Fresh Org',
        timeZone: 'Europe/Berlin',
        adminName: 'First Admin',
        adminEmail: 'first@fresh.example',
        password: 'a-long-enough-password',
      },
    });
    expect(res.statusCode, res.body).toBe(201);
    const orgId = res.json().org.id as string;
    expect(await rollupState(t.db.kysely, orgId)).toEqual({
      timeZone: 'Europe/Berlin',
      version: ROLLUP_VERSION,
    });
    expect(await queueMissingRollups(t.db.kysely, t)).toEqual([]);
  });

  it('start-up queues one rebuild per org without valid rollups, and the job makes them valid', async () => {
    const org = await makeOrg(t.db, t.clock);
    expect(await rollupState(t.db.kysely, org.orgId)).toBeUndefined();
    expect(await queueMissingRollups(t.db.kysely, t)).toEqual([org.orgId]);
    // Asked again before the job ran: still one queued job (deduplicated).
    await queueMissingRollups(t.db.kysely, t);
    const queued = await t.db.kysely
      .selectFrom('jobs')
      .select('id')
      .where('name', '=', 'metrics.rollups-rebuild')
      .where('state', '=', 'queued')
      .execute();
    expect(queued).toHaveLength(1);
    await t.app.jobs.runDue();
    const state = await rollupState(t.db.kysely, org.orgId);
    expect(state?.version).toBe(ROLLUP_VERSION);
    expect(await queueMissingRollups(t.db.kysely, t)).toEqual([]);

    // A time-zone change makes them stale again (the engine reads raw rows until the rebuild).
    await t.db.kysely
      .updateTable('orgs')
      .set({ time_zone: 'Asia/Kolkata' })
      .where('id', '=', org.orgId)
      .execute();
    expect(await queueMissingRollups(t.db.kysely, t)).toEqual([org.orgId]);
  });
});
