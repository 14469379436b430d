import { sql } from 'kysely';
import { z } from 'zod';
import type { Executor } from '../db/database.ts';
import { defineJob, type JobRegistry } from '../jobs/job-registry.ts';

/**
 * Stored Idempotency-Key answers (`idempotency_keys`, see idempotency.ts) are kept for the
 * retention (`IDEMPOTENCY_RETENTION_HOURS`, default 24 h) and then deleted by the hourly
 * `idempotency.purge` job, so the table holds about a day of writes instead of growing forever.
 * A repeat within the retention always gets the stored answer; after the purge the same key is a
 * new request. Deletes go in bounded batches (index `idempotency_keys_created_idx`), so each
 * statement is short on both engines and writers are never held up for long.
 */
export const IDEMPOTENCY_PURGE_JOB = 'idempotency.purge';
export const PURGE_BATCH = 1000;
/** One run deletes at most this many batches; whatever is left goes at the next hour. */
export const PURGE_MAX_BATCHES = 200;

/** Deletes at most `batch` keys stored before `before`, oldest first; returns how many went. */
export async function purgeIdempotencyBatch(
  db: Executor,
  before: number,
  batch = PURGE_BATCH,
): Promise<number> {
  const result = await sql`delete from idempotency_keys where (org_id, user_id, key) in (
      select org_id, user_id, key from idempotency_keys where created_at < ${before}
      order by created_at limit ${batch})`.execute(db);
  return Number(result.numAffectedRows ?? 0);
}

/** Deletes every key stored before `before`, batch by batch (up to `maxBatches`). */
export async function purgeIdempotencyKeys(
  db: Executor,
  before: number,
  options: { batch?: number; maxBatches?: number } = {},
): Promise<{ deleted: number; batches: number }> {
  const batch = options.batch ?? PURGE_BATCH;
  const maxBatches = options.maxBatches ?? PURGE_MAX_BATCHES;
  let deleted = 0;
  let batches = 0;
  while (batches < maxBatches) {
    const n = await purgeIdempotencyBatch(db, before, batch);
    batches += 1;
    deleted += n;
    if (n < batch) break;
    // Let requests in between batches (SQLite runs statements on the event loop).
    await new Promise((resolve) => setImmediate(resolve));
  }
  return { deleted, batches };
}

export const idempotencyPurgeJob = defineJob({
  name: IDEMPOTENCY_PURGE_JOB,
  schema: z.object({ slotStart: z.number() }),
  maxAttempts: 3,
  async run(ctx) {
    const before = ctx.deps.clock.now() - ctx.deps.ops.idempotencyRetentionMs;
    const { deleted, batches } = await purgeIdempotencyKeys(ctx.deps.db.kysely, before);
    if (deleted > 0) ctx.deps.log.info({ deleted, batches }, 'expired idempotency keys deleted');
  },
});

export function registerIdempotencyJobs(registry: JobRegistry): void {
  registry.register(idempotencyPurgeJob);
  registry.schedule({ key: 'idempotency-purge', jobName: IDEMPOTENCY_PURGE_JOB, everyMs: 3_600_000 });
}
