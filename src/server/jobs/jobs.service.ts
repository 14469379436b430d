import type { z } from 'zod';
import type { Deps } from '../context.ts';
import { conflict, notFound } from '../lib/errors.ts';
import { decodeCursor, encodeCursor, pageOf } from '../lib/pagination.ts';
import { audit } from '../modules/audit/audit.service.ts';
import { type Actor, assertRole } from '../policy/policy.ts';
import { countJobsByState, requeueDeadJob } from './job-queue.ts';
import type { JobRegistry } from './job-registry.ts';
import { type JobRow, type jobListQuery, toJobResponse } from './jobs.schemas.ts';

const jobColumns = [
  'id',
  'name',
  'state',
  'payload',
  'attempts',
  'max_attempts',
  'run_at',
  'last_error',
  'created_at',
  'updated_at',
  'finished_at',
] as const;

/**
 * The org's jobs, newest first, with counts per state. System jobs (no org, e.g. the digest
 * scheduler) belong to no tenant and are not listed to any org's admin; /metrics counts them.
 */
export async function listJobs(deps: Deps, actor: Actor, input: z.infer<typeof jobListQuery>) {
  assertRole(actor, 'admin');
  let q = deps.db.kysely.selectFrom('jobs').select(jobColumns).where('org_id', '=', actor.orgId);
  if (input.state) q = q.where('state', '=', input.state);
  if (input.name) q = q.where('name', '=', input.name);
  if (input.cursor) {
    const c = decodeCursor(input.cursor);
    const at = Number(c.sortValue);
    q = q.where((eb) =>
      eb.or([eb('created_at', '<', at), eb.and([eb('created_at', '=', at), eb('id', '<', c.id)])]),
    );
  }
  const rows: JobRow[] = await q
    .orderBy('created_at', 'desc')
    .orderBy('id', 'desc')
    .limit(input.limit + 1)
    .execute();
  const page = pageOf(rows, input.limit, (r) => encodeCursor(r.created_at, r.id));
  return {
    items: page.items.map(toJobResponse),
    nextCursor: page.nextCursor,
    counts: await countJobsByState(deps.db.kysely, actor.orgId),
  };
}

/**
 * Gives a dead job a fresh set of attempts, due now. Only dead jobs can be retried. The job's
 * `onRetry` hook (e.g. an import run back to queued) runs in the same transaction.
 */
export async function retryJob(deps: Deps, actor: Actor, id: string, registry?: JobRegistry) {
  assertRole(actor, 'admin');
  return deps.db.kysely.transaction().execute(async (trx) => {
    const job = await trx
      .selectFrom('jobs')
      .select(jobColumns)
      .where('org_id', '=', actor.orgId)
      .where('id', '=', id)
      .executeTakeFirst();
    if (!job) throw notFound('Job');
    if (job.state !== 'dead') throw conflict(`Only dead jobs can be retried; this one is ${job.state}`);
    const now = deps.clock.now();
    await requeueDeadJob(trx, id, now);
    const definition = registry?.get(job.name);
    if (definition?.onRetry) {
      const parsed = definition.schema.safeParse(JSON.parse(job.payload));
      if (parsed.success) {
        const info = { id, name: job.name, orgId: actor.orgId, attempt: 0, maxAttempts: job.max_attempts };
        await definition.onRetry(trx, { deps, job: info, lastError: job.last_error }, parsed.data);
      }
    }
    await audit(trx, deps, actor, 'job', id, 'retry', { name: job.name, lastError: job.last_error });
    return toJobResponse({
      ...job,
      state: 'queued',
      attempts: 0,
      run_at: now,
      finished_at: null,
      updated_at: now,
    });
  });
}
