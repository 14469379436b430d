import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { fakeClock } from '../../src/server/lib/clock.ts';
import { ROLLUP_VERSION, rollupState } from '../../src/server/modules/metrics/rollups.ts';
import { insertActivity } from '../factories/crm.ts';
import { makeOrg } from '../factories/identity.ts';
import { createTestDb, type TestDb, testEngine } from '../setup/test-db.ts';
import { runCli } from './run-cli.ts';

let tdb: TestDb;
beforeEach(async () => {
  tdb = await createTestDb();
});
afterEach(async () => {
  await tdb.drop();
});

// Each test spawns the real CLI (tsx start-up): slow on a busy 2-core machine.
vi.setConfig({ testTimeout: 120_000 });

async function call(orgId: string, ownerId: string, at: number) {
  await insertActivity(tdb.db, {
    orgId,
    ownerId,
    kind: 'call',
    subject: 'c',
    occurredAt: at,
    durationMinutes: 5,
    source: 'import',
  });
}

describe(`outfield rollups rebuild on ${testEngine()}`, () => {
  it('builds the rollups of one org or of all, by local day, and marks them valid for the zone', async () => {
    const a = await makeOrg(tdb.db, fakeClock(), 'Alpha');
    const b = await makeOrg(tdb.db, fakeClock(), 'Beta');
    // 23:30 and 00:30 on both sides of a Chicago midnight (UTC-6 in January): two local days.
    await call(a.orgId, a.admin.id, Date.parse('2026-01-06T05:30:00Z'));
    await call(a.orgId, a.admin.id, Date.parse('2026-01-06T06:30:00Z'));
    await call(b.orgId, b.admin.id, Date.parse('2026-01-06T06:30:00Z'));

    const one = await runCli(['rollups', 'rebuild', '--org', a.orgId], { DATABASE_URL: tdb.url });
    expect(one.code, one.stderr).toBe(0);
    expect(one.stdout).toContain('Rebuilt the rollups of 1 organization');
    expect(await rollupState(tdb.db.kysely, a.orgId)).toEqual({
      timeZone: 'America/Chicago',
      version: ROLLUP_VERSION,
    });
    expect(await rollupState(tdb.db.kysely, b.orgId)).toBeUndefined();
    const rows = await tdb.db.kysely
      .selectFrom('activity_rollups')
      .select(['org_id', 'day', 'kind', 'n', 'duration_sum'])
      .orderBy('org_id')
      .orderBy('day')
      .execute();
    expect(rows.map((r) => ({ ...r, n: Number(r.n), duration_sum: Number(r.duration_sum) }))).toEqual([
      { org_id: a.orgId, day: 20458, kind: 'call', n: 1, duration_sum: 5 },
      { org_id: a.orgId, day: 20459, kind: 'call', n: 1, duration_sum: 5 },
    ]);
    // The monthly tier: January's rows summed on its first day (20454 = 2026-01-01).
    const months = await tdb.db.kysely
      .selectFrom('activity_rollup_months')
      .select(['org_id', 'day', 'kind', 'n', 'duration_sum'])
      .orderBy('org_id')
      .orderBy('day')
      .execute();
    expect(months.map((r) => ({ ...r, n: Number(r.n), duration_sum: Number(r.duration_sum) }))).toEqual([
      { org_id: a.orgId, day: 20454, kind: 'call', n: 2, duration_sum: 10 },
    ]);

    const all = await runCli(['rollups', 'rebuild'], { DATABASE_URL: tdb.url });
    expect(all.code, all.stderr).toBe(0);
    expect(all.stdout).toContain('Rebuilt the rollups of 2 organizations');
    expect(await rollupState(tdb.db.kysely, b.orgId)).toEqual({
      timeZone: 'America/Chicago',
      version: ROLLUP_VERSION,
    });

    const missing = await runCli(['rollups', 'rebuild', '--org', 'nope'], { DATABASE_URL: tdb.url });
    expect(missing.code).toBe(1);
    expect(missing.stderr).toContain('No organization nope');
  });
});
