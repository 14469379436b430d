import { z } from 'zod';
import { defineJob, type JobRegistry } from '../../jobs/job-registry.ts';
import { refreshOrgGoalStatuses } from './goals.service.ts';

export const GOALS_STATUS_JOB = 'goals.refresh-status';

/**
 * Goal statuses follow the data (new deals, visits logged), not only writes to the goal: every six
 * hours each org's agreed goals are recomputed, and a changed status notifies owner and managers.
 */
export function registerGoalJobs(registry: JobRegistry): void {
  registry.register(
    defineJob({
      name: GOALS_STATUS_JOB,
      schema: z.object({}).passthrough(),
      async run(ctx) {
        const orgs = await ctx.deps.db.kysely.selectFrom('orgs').select('id').execute();
        for (const org of orgs) await refreshOrgGoalStatuses(ctx.deps, org.id);
      },
    }),
  );
  registry.schedule({ key: 'goals-status', jobName: GOALS_STATUS_JOB, everyMs: 6 * 3_600_000 });
}
