import { z } from 'zod';
import { defineJob, type JobRegistry } from '../../../jobs/job-registry.ts';
import {
  executeImport,
  failImportOfDeadJob,
  IMPORT_JOB,
  requeueImportOfRetriedJob,
} from './import.service.ts';

/**
 * The background import. A crash (worker gone, lock expired) runs it again: executeImport leaves a
 * finished run alone, restarts an all-or-nothing run (nothing was committed) and resumes a
 * skip-bad-rows run after its last committed batch.
 */
export const importJob = defineJob({
  name: IMPORT_JOB,
  schema: z.object({ runId: z.string().min(1).max(64) }),
  maxAttempts: 3,
  async run(ctx, payload) {
    if (!ctx.job.orgId) throw new Error('import jobs belong to an org');
    await executeImport(ctx.deps, ctx.job.orgId, payload.runId);
  },
  // Its last attempt failed or its worker died during each: the run says failed, with the reason.
  async onDead(trx, ctx, payload) {
    if (!ctx.job.orgId) return;
    await failImportOfDeadJob(trx, ctx.deps, ctx.job.orgId, payload.runId, {
      id: ctx.job.id,
      attempts: ctx.job.attempt,
      lastError: ctx.lastError,
    });
  },
  // An admin retried the dead job (Administration → Jobs): the run is queued again.
  async onRetry(trx, ctx, payload) {
    if (!ctx.job.orgId) return;
    await requeueImportOfRetriedJob(trx, ctx.deps, ctx.job.orgId, payload.runId, ctx.job.id);
  },
});

export function registerImportJobs(registry: JobRegistry): void {
  if (!registry.get(IMPORT_JOB)) registry.register(importJob);
}
