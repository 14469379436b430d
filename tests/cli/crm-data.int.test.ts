import { afterEach, describe, expect, it } from 'vitest';
import { generateCrm } from '../../src/cli/demo/crm-data.ts';
import { prng } from '../../src/cli/demo/seed-bench.ts';
import { progressBar } from '../../src/cli/progress.ts';
import type { Db } from '../../src/server/db/database.ts';
import { fakeClock } from '../../src/server/lib/clock.ts';
import { makeOrg } from '../factories/identity.ts';
import { createTestDb, type TestDb } from '../setup/test-db.ts';

const opened: TestDb[] = [];
afterEach(async () => {
  for (const tdb of opened.splice(0)) await tdb.drop();
});

const shape = {
  accountsPerRep: 6,
  dealsPerRep: 8,
  // 7 a day puts activities at fractional hours: instants must still be whole milliseconds.
  activitiesPerDay: 7,
  months: 2,
  center: { lat: 41.8781, lng: -87.6298, city: 'Chicago', region: 'IL', country: 'US' },
  spread: 0.3,
  currency: 'USD',
  contactsPerAccount: 2,
};

async function build(): Promise<{ db: Db; orgId: string }> {
  const tdb = await createTestDb();
  opened.push(tdb);
  const clock = fakeClock();
  const org = await makeOrg(tdb.db, clock, 'Generated');
  // Owners need not exist for generation; fixed ids make the two runs comparable.
  await generateCrm(
    tdb.db,
    org.orgId,
    [{ id: 'rep-1' }, { id: 'rep-2' }],
    shape,
    prng(7),
    clock.now(),
    progressBar(false),
    (k, n) => `${k}-${n}`,
  );
  return { db: tdb.db, orgId: org.orgId };
}

async function rows(db: Db, orgId: string) {
  const k = db.kysely;
  const strip = <T extends { org_id: string }>(r: T[]) => r.map(({ org_id: _o, ...rest }) => rest);
  return {
    accounts: strip(
      await k.selectFrom('accounts').selectAll().where('org_id', '=', orgId).orderBy('id').execute(),
    ),
    deals: strip(
      await k.selectFrom('deals').selectAll().where('org_id', '=', orgId).orderBy('id').execute(),
    ).map((d) => ({ ...d, pipeline_id: '', stage_id: d.stage_id.split(':').pop() })),
    activities: strip(
      await k.selectFrom('activities').selectAll().where('org_id', '=', orgId).orderBy('id').execute(),
    ),
  };
}

describe('generated CRM history', () => {
  it('is the same for the same seed, and looks like field work', async () => {
    const a = await build();
    const b = await build();
    const left = await rows(a.db, a.orgId);
    const right = await rows(b.db, b.orgId);
    expect(left.accounts.map(({ id, name, latitude, tier }) => ({ id, name, latitude, tier }))).toEqual(
      right.accounts.map(({ id, name, latitude, tier }) => ({ id, name, latitude, tier })),
    );
    expect(left.deals.map(({ id, amount_minor, status }) => ({ id, amount_minor, status }))).toEqual(
      right.deals.map(({ id, amount_minor, status }) => ({ id, amount_minor, status })),
    );
    expect(left.activities.length).toBe(right.activities.length);
    expect(left.accounts).toHaveLength(12);
    expect(left.deals).toHaveLength(16);
    // Closed deals took 7–67 days and closed before now, each at its own moment (deals created too
    // recently to have closed are still open, rather than all closing just before now).
    const closed = left.deals.filter((d) => d.status !== 'open');
    expect(closed.length).toBeGreaterThan(1);
    for (const d of closed) {
      const days = (d.closed_at! - d.created_at) / 86_400_000;
      expect(days).toBeGreaterThanOrEqual(7);
      expect(days).toBeLessThanOrEqual(67);
      expect(d.closed_at!).toBeLessThan(fakeClock().now());
    }
    expect(new Set(closed.map((d) => d.closed_at)).size).toBe(closed.length);
    // Every visit carries a check-in and its verification agrees with its distance.
    const visits = left.activities.filter((x) => x.kind === 'visit');
    expect(visits.length).toBeGreaterThan(0);
    for (const v of visits) expect(v.verified).toBe(v.distance_m! <= 150 ? 1 : 0);
    // Closed deals have a close date, open ones none.
    for (const d of left.deals) expect(d.closed_at === null).toBe(d.status === 'open');
  });
});
