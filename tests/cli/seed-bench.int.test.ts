import { afterEach, describe, expect, it } from 'vitest';
import { BENCH_PASSWORD, seedBench } from '../../src/cli/demo/seed-bench.ts';
import { progressBar } from '../../src/cli/progress.ts';
import type { Db } from '../../src/server/db/database.ts';
import { fakeClock } from '../../src/server/lib/clock.ts';
import { verifyPassword } from '../../src/server/lib/secrets.ts';
import { createTestDb, type TestDb, testEngine } from '../setup/test-db.ts';

const opened: TestDb[] = [];
afterEach(async () => {
  for (const tdb of opened.splice(0)) await tdb.drop();
});

async function freshDb(): Promise<TestDb> {
  const tdb = await createTestDb();
  opened.push(tdb);
  return tdb;
}

/** The identity rows a benchmark depends on, without the salted password hashes. */
async function people(db: Db) {
  const k = db.kysely;
  return {
    orgs: await k.selectFrom('orgs').select(['id', 'name', 'currency', 'time_zone']).orderBy('id').execute(),
    users: await k.selectFrom('users').select(['id', 'email', 'name', 'time_zone']).orderBy('id').execute(),
    memberships: await k
      .selectFrom('memberships')
      .select(['org_id', 'user_id', 'role', 'active'])
      .orderBy('user_id')
      .execute(),
    teams: await k
      .selectFrom('teams')
      .select(['org_id', 'id', 'name', 'parent_team_id'])
      .orderBy('id')
      .execute(),
    teamManagers: await k
      .selectFrom('team_managers')
      .select(['team_id', 'user_id'])
      .orderBy('team_id')
      .orderBy('user_id')
      .execute(),
    teamMembers: await k
      .selectFrom('team_members')
      .select(['team_id', 'user_id'])
      .orderBy('team_id')
      .orderBy('user_id')
      .execute(),
  };
}

describe(`benchmark dataset on ${testEngine()}`, () => {
  it('builds identical orgs, users and teams (ids, names, emails) when size S is seeded twice', async () => {
    const a = await freshDb();
    const b = await freshDb();
    const first = await seedBench(a.db, fakeClock(), 'S', progressBar(false), { crm: false });
    const second = await seedBench(b.db, fakeClock(), 'S', progressBar(false), { crm: false });
    expect(second).toEqual(first);

    const left = await people(a.db);
    const right = await people(b.db);
    expect(right).toEqual(left);
    // S: 20 reps in 2 teams under 1 region; a manager per team, a director, and the admin.
    expect(left.users).toHaveLength(24);
    expect(left.teams).toHaveLength(3);
    expect(left.memberships.filter((m) => m.role === 'rep')).toHaveLength(20);
    expect(left.memberships.filter((m) => m.role === 'manager')).toHaveLength(3);
    expect(left.memberships.filter((m) => m.role === 'admin')).toHaveLength(1);
    expect(left.teamMembers).toHaveLength(20);
    expect(left.orgs).toEqual([expect.objectContaining({ id: first.orgId, name: 'Benchmark S' })]);
  });

  it('gives every seeded user the documented benchmark password', async () => {
    const { db } = await freshDb();
    const { adminEmail } = await seedBench(db, fakeClock(), 'S', progressBar(false), { crm: false });
    const admin = await db.kysely
      .selectFrom('users')
      .select('password_hash')
      .where('email', '=', adminEmail)
      .executeTakeFirstOrThrow();
    const rep = await db.kysely
      .selectFrom('users')
      .select('password_hash')
      .where('email', 'like', 'rep%')
      .executeTakeFirstOrThrow();
    expect(await verifyPassword(admin.password_hash, BENCH_PASSWORD)).toBe(true);
    expect(await verifyPassword(rep.password_hash, BENCH_PASSWORD)).toBe(true);
  });

  it('refuses to seed the same size twice into one database', async () => {
    const { db } = await freshDb();
    await seedBench(db, fakeClock(), 'S', progressBar(false), { crm: false });
    await expect(seedBench(db, fakeClock(), 'S', progressBar(false), { crm: false })).rejects.toThrow(
      'Benchmark S is already seeded',
    );
    const count = await db.kysely
      .selectFrom('users')
      .select((eb) => eb.fn.countAll<number>().as('n'))
      .executeTakeFirstOrThrow();
    expect(Number(count.n)).toBe(24);
  });
});
