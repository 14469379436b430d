import { sql } from 'kysely';
import { z } from 'zod';
import { defineJob, type JobRegistry } from '../jobs/job-registry.ts';
import { type Db, optimizeSqlite } from './database.ts';
import type { Database } from './schema.ts';

/**
 * Query-planner statistics (decision 006's follow-up, docs/performance.md). Without them SQLite's
 * planner guesses, and at dataset M it picked e.g. a walk of the accounts name index over the
 * org/owner index. What SQLite recommends for long-lived connections
 * (https://sqlite.org/lang_analyze.html#periodically_run_pragma_optimize_):
 *
 * - `PRAGMA optimize=0x10002` when a connection opens (`openDb`): every table is checked and
 *   analysed if it never was or its size changed a lot; the analysis samples (optimize sets a
 *   temporary analysis_limit), so even a large database takes milliseconds. `optimizeSqlite` runs
 *   it and then drops the STAT4 value samples of the tables read by key (`UNSAMPLED_TABLES`: the
 *   rollups, the org's structure and identity), which made their statements recompile on every run;
 * - `PRAGMA optimize` periodically (the `db.optimize` job, every 6 hours, on the jobs worker — whose
 *   connection ran few of the reads, hence the 0x10000 "all tables" bit there too) and after bulk
 *   operations: seeding and rollup rebuilds (`rebuildRollups`), the rollup-rebuild job, imports.
 *
 * On PostgreSQL autovacuum analyses tables as they change; after a bulk load it may lag, so the
 * same points run `ANALYZE` of the touched tables (of every table when none is named).
 */
export type StatsTable = keyof Database & string;

export async function refreshPlannerStats(db: Db, tables: readonly StatsTable[] = []): Promise<void> {
  if (db.engine === 'sqlite') {
    // Holding Kysely's connection (its mutex) keeps this out of a transaction another request has
    // open on the connection; the raw handle then runs what a connection does when it opens.
    await db.kysely.connection().execute(async () => optimizeSqlite(db.sqlite!));
    return;
  }
  if (tables.length === 0) {
    await sql`ANALYZE`.execute(db.kysely);
    return;
  }
  await sql`ANALYZE ${sql.join(tables.map((t) => sql.table(t)))}`.execute(db.kysely);
}

export const PLANNER_STATS_JOB = 'db.optimize';

const plannerStatsJob = defineJob({
  name: PLANNER_STATS_JOB,
  schema: z.object({ slotStart: z.number().int().optional() }),
  maxAttempts: 1,
  async run(ctx) {
    // PostgreSQL: autovacuum keeps the statistics current; nothing to do.
    if (ctx.deps.db.engine === 'sqlite') await refreshPlannerStats(ctx.deps.db);
  },
});

export function registerPlannerStatsJobs(registry: JobRegistry): void {
  registry.register(plannerStatsJob);
  registry.schedule({ key: 'db-optimize', jobName: PLANNER_STATS_JOB, everyMs: 6 * 3_600_000 });
}
