import { sql } from 'kysely';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { makeAccount } from '../../../tests/factories/crm.ts';
import { makeWorld } from '../../../tests/factories/identity.ts';
import { makeImportWorld, startAccountsImport } from '../../../tests/factories/imports.ts';
import { as, createTestApp, type TestApp } from '../../../tests/setup/test-app.ts';
import { createTestDb, type TestDb, testEngine } from '../../../tests/setup/test-db.ts';
import { rebuildRollups } from '../../cli/rollups.ts';
import { fakeClock } from '../lib/clock.ts';
import { type Db, openDb } from './database.ts';
import { PLANNER_STATS_JOB, refreshPlannerStats } from './planner-stats.ts';

/**
 * Planner statistics (db/planner-stats.ts): tables get them when a SQLite connection opens, from the
 * periodic job, and after bulk work (rollup rebuilds / seeding, imports) — on PostgreSQL by ANALYZE.
 */
async function analyzed(db: Db): Promise<string[]> {
  if (db.engine === 'sqlite') {
    const exists = await sql<{
      n: number;
    }>`select count(*) as n from sqlite_master where name = 'sqlite_stat1'`.execute(db.kysely);
    if (Number(exists.rows[0]!.n) === 0) return [];
    const rows = await sql<{ tbl: string }>`select distinct tbl from sqlite_stat1`.execute(db.kysely);
    return rows.rows.map((r) => r.tbl).sort();
  }
  const rows = await sql<{ relname: string }>`
    select relname from pg_stat_user_tables where last_analyze is not null`.execute(db.kysely);
  return rows.rows.map((r) => r.relname).sort();
}

/** Rows of SQLite's value samples (`sqlite_stat4`) of `table`, 0 when there are none at all. */
async function sampleRows(db: Db, table: string): Promise<number> {
  const exists = await sql<{
    n: number;
  }>`select count(*) as n from sqlite_master where name = 'sqlite_stat4'`.execute(db.kysely);
  if (Number(exists.rows[0]!.n) === 0) return 0;
  const rows = await sql<{ n: number }>`select count(*) as n from sqlite_stat4 where tbl = ${table}`.execute(
    db.kysely,
  );
  return Number(rows.rows[0]!.n);
}

const clock = fakeClock(Date.now());

describe(`planner statistics on ${testEngine()}`, () => {
  let tdb: TestDb;
  beforeAll(async () => {
    tdb = await createTestDb();
  });
  afterAll(async () => {
    await tdb.drop();
  });

  it.runIf(testEngine() === 'sqlite')(
    'a SQLite connection analyses unanalysed tables when it opens',
    async () => {
      const w = await makeWorld(tdb.db, clock);
      await makeAccount(tdb.db, clock, w.org.orgId, w.repA1.id);
      expect(await analyzed(tdb.db)).not.toContain('accounts');
      const reopened = openDb(tdb.url);
      try {
        expect(await analyzed(reopened)).toEqual(
          expect.arrayContaining(['accounts', 'users', 'memberships']),
        );
      } finally {
        await reopened.close();
      }
    },
  );

  it.runIf(testEngine() === 'sqlite')(
    'SQLite drops the value samples of the rollup tables only (they made rollup reads recompile on every run)',
    async () => {
      const fresh = await createTestDb();
      try {
        const w = await makeWorld(fresh.db, clock);
        for (let i = 0; i < 5; i++) await makeAccount(fresh.db, clock, w.org.orgId, w.repA1.id);
        for (let day = 20_000; day < 20_010; day++) {
          await sql`insert into activity_rollups (org_id, user_id, day, kind, verified, n, duration_sum, duration_n)
            values (${w.org.orgId}, ${w.repA1.id}, ${day}, 'visit', 1, 2, 0, 0)`.execute(fresh.db.kysely);
        }
        // What SQLite's own ANALYZE leaves (this build has STAT4): samples for every index.
        await sql`analyze`.execute(fresh.db.kysely);
        expect(await sampleRows(fresh.db, 'activity_rollups')).toBeGreaterThan(0);
        expect(await sampleRows(fresh.db, 'accounts')).toBeGreaterThan(0);
        const reopened = openDb(fresh.url);
        try {
          expect(await sampleRows(reopened, 'activity_rollups')).toBe(0);
          expect(await sampleRows(reopened, 'accounts')).toBeGreaterThan(0);
          expect(await analyzed(reopened)).toEqual(
            expect.arrayContaining(['accounts', 'activity_rollups', 'users']),
          );
        } finally {
          await reopened.close();
        }
        await sql`analyze`.execute(fresh.db.kysely);
        expect(await sampleRows(fresh.db, 'activity_rollups')).toBeGreaterThan(0);
        await refreshPlannerStats(fresh.db);
        expect(await sampleRows(fresh.db, 'activity_rollups')).toBe(0);
        expect(await sampleRows(fresh.db, 'accounts')).toBeGreaterThan(0);
        expect(await analyzed(fresh.db)).toEqual(expect.arrayContaining(['accounts', 'activity_rollups']));
      } finally {
        await fresh.drop();
      }
    },
  );

  it('a rollup rebuild (the seeders end with one) refreshes them', async () => {
    const fresh = await createTestDb();
    try {
      const w = await makeWorld(fresh.db, clock);
      await makeAccount(fresh.db, clock, w.org.orgId, w.repA1.id);
      expect(await analyzed(fresh.db)).not.toContain('accounts');
      const quiet = { start() {}, tick() {}, stop() {} };
      await rebuildRollups(fresh.db, quiet);
      expect(await analyzed(fresh.db)).toEqual(expect.arrayContaining(['accounts', 'users']));
    } finally {
      await fresh.drop();
    }
  });

  it.runIf(testEngine() === 'postgres')('on PostgreSQL, ANALYZE of the named tables only', async () => {
    const fresh = await createTestDb();
    try {
      const w = await makeWorld(fresh.db, clock);
      await makeAccount(fresh.db, clock, w.org.orgId, w.repA1.id);
      await refreshPlannerStats(fresh.db, ['accounts', 'contacts']);
      const done = await analyzed(fresh.db);
      expect(done).toEqual(expect.arrayContaining(['accounts', 'contacts']));
      expect(done).not.toContain('users');
    } finally {
      await fresh.drop();
    }
  });
});

describe('planner statistics from the app', () => {
  let t: TestApp;
  beforeAll(async () => {
    t = await createTestApp();
  });
  afterAll(async () => {
    await t.close();
  });

  it('the periodic job is scheduled (every 6 hours)', () => {
    const schedule = t.app.jobs.registry.schedules().find((s) => s.jobName === PLANNER_STATS_JOB);
    expect(schedule?.everyMs).toBe(6 * 3_600_000);
  });

  it('the periodic job (SQLite) and an import refresh the statistics of the tables loaded', async () => {
    const { rep } = await makeImportWorld(t.app, t.db, t.clock);
    expect(await analyzed(t.db)).toEqual([]);
    // The current 6-hour slot's job runs now: on SQLite it analyses what has rows (users, …); the
    // accounts table is still empty. (PostgreSQL leaves it to autovacuum.)
    await t.app.jobs.runDue();
    if (t.db.engine === 'sqlite') expect(await analyzed(t.db)).toContain('users');
    expect(await analyzed(t.db)).not.toContain('accounts');
    const runId = await startAccountsImport(t.app, rep, 'all-or-nothing');
    await t.app.jobs.runDue();
    const run = (await as(t.app, rep)({ method: 'GET', url: `/api/crm/imports/${runId}` })).json();
    expect(run).toMatchObject({ state: 'done', inserted: 3 });
    expect(await analyzed(t.db)).toContain('accounts');
  });
});
