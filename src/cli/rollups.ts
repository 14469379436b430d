import type { Command } from 'commander';
import type { Db } from '../server/db/database.ts';
import { refreshPlannerStats } from '../server/db/planner-stats.ts';
import { loadEnv } from '../server/env.ts';
import { rebuildOrgRollups } from '../server/modules/metrics/rollups.ts';
import { openAndMigrate } from '../server/start.ts';
import { type Progress, progressBar } from './progress.ts';

/**
 * Rebuilds the metric rollups of one org (or every org) from the raw rows, one transaction per org,
 * with a progress bar per org. The seeders call it after their bulk inserts, which bypass the
 * per-write maintenance.
 */
export async function rebuildRollups(db: Db, progress: Progress, orgId?: string): Promise<number> {
  const orgs = await db.kysely
    .selectFrom('orgs')
    .select(['id', 'name'])
    .$if(orgId !== undefined, (q) => q.where('id', '=', orgId!))
    .orderBy('name')
    .execute();
  if (orgId !== undefined && orgs.length === 0) throw new Error(`No organization ${orgId}`);
  for (const org of orgs) {
    let started = false;
    let shown = 0;
    try {
      await rebuildOrgRollups(db.kysely, org.id, (done, total) => {
        if (!started) {
          progress.start(
            `Rollups of ${org.name.length > 32 ? `${org.name.slice(0, 31)}…` : org.name}`,
            total,
          );
          started = true;
        }
        progress.tick(done - shown);
        shown = done;
      });
    } finally {
      progress.stop();
    }
  }
  // After a rebuild — and after seeding, whose bulk inserts end with one — the planner statistics.
  await refreshPlannerStats(db);
  return orgs.length;
}

export function rollupsCommand(program: Command): void {
  const rollups = program
    .command('rollups')
    .description('Daily and monthly metric rollups (dashboards and leaderboards)');
  rollups
    .command('rebuild')
    .description('Rebuild the metric rollups from the raw activities and deals')
    .option('--org <id>', 'only this organization (default: all)')
    .action(async (opts: { org?: string }) => {
      const e = loadEnv(process.env);
      const db = await openAndMigrate(e.DATABASE_URL);
      try {
        const started = Date.now();
        const n = await rebuildRollups(db, progressBar(), opts.org);
        console.log(
          `Rebuilt the rollups of ${n} organization${n === 1 ? '' : 's'} in ${((Date.now() - started) / 1000).toFixed(1)} s.`,
        );
      } finally {
        await db.close();
      }
    });
}
