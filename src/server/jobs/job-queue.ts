import type { Deps } from '../context.ts';
import type { Db, Executor } from '../db/database.ts';
import type { JobState } from '../db/schema.ts';
import { newId } from '../lib/ids.ts';

export const DEFAULT_MAX_ATTEMPTS = 5;
const BACKOFF_BASE_MS = 10_000;
const BACKOFF_CAP_MS = 6 * 3_600_000;
const ERROR_LIMIT = 2000;

export interface EnqueueInput {
  name: string;
  payload?: unknown;
  orgId?: string | null;
  /** Epoch ms; defaults to now. */
  runAt?: number;
  /** When a job with this key was ever enqueued, nothing is added (and null is returned). */
  dedupeKey?: string;
  maxAttempts?: number;
}

/**
 * Adds a job. Call it with the transaction of the write that causes it (the outbox pattern): the
 * job exists exactly when the write committed, and it runs only after the commit, since workers
 * cannot see uncommitted rows. Returns the job id, or null when the dedupe key was already used.
 */
export async function enqueueJob(
  db: Executor,
  deps: Pick<Deps, 'clock'>,
  input: EnqueueInput,
): Promise<string | null> {
  const now = deps.clock.now();
  const id = newId();
  const result = await db
    .insertInto('jobs')
    .values({
      id,
      org_id: input.orgId ?? null,
      name: input.name,
      payload: JSON.stringify(input.payload ?? {}),
      state: 'queued',
      run_at: input.runAt ?? now,
      attempts: 0,
      max_attempts: input.maxAttempts ?? DEFAULT_MAX_ATTEMPTS,
      dedupe_key: input.dedupeKey ?? null,
      locked_by: null,
      lock_expires_at: null,
      last_error: null,
      created_at: now,
      updated_at: now,
      finished_at: null,
    })
    .onConflict((oc) => oc.column('dedupe_key').doNothing())
    .executeTakeFirst();
  return Number(result.numInsertedOrUpdatedRows ?? 0) > 0 ? id : null;
}

/**
 * Delay before the next attempt after `attempt` failures: 10 s, 20 s, 40 s … capped at 6 h, with up
 * to 20 % jitter so a burst of failures does not retry in lock-step.
 */
export function backoffMs(attempt: number, random: () => number = Math.random): number {
  const base = Math.min(BACKOFF_CAP_MS, BACKOFF_BASE_MS * 2 ** Math.max(0, attempt - 1));
  return Math.round(base * (1 + 0.2 * random()));
}

export interface ClaimedJob {
  id: string;
  org_id: string | null;
  name: string;
  payload: string;
  attempts: number;
  max_attempts: number;
}

/**
 * Claims up to `limit` due jobs for `workerId` and counts the attempt. On PostgreSQL the locking
 * select locks the rows it picks and skips rows other instances hold (FOR UPDATE SKIP LOCKED), so
 * concurrent workers never claim the same job. SQLite runs one write at a time, so the single
 * UPDATE statement is already atomic there.
 */
export async function claimJobs(
  db: Db,
  workerId: string,
  now: number,
  limit: number,
  lockTimeoutMs: number,
): Promise<ClaimedJob[]> {
  if (limit <= 0) return [];
  if (db.engine === 'postgres') {
    // A CTE, not `id in (select … limit n)`: PostgreSQL may re-run an IN subquery and so claim
    // far more than `limit` rows; a locking CTE is evaluated exactly once.
    return db.kysely
      .with('due', (qb) =>
        qb
          .selectFrom('jobs')
          .select('id')
          .where('state', '=', 'queued')
          .where('run_at', '<=', now)
          .orderBy('run_at')
          .orderBy('id')
          .limit(limit)
          .forUpdate()
          .skipLocked(),
      )
      .updateTable('jobs')
      .from('due')
      .set((eb) => ({
        state: 'running',
        locked_by: workerId,
        lock_expires_at: now + lockTimeoutMs,
        attempts: eb('jobs.attempts', '+', 1),
        updated_at: now,
      }))
      .whereRef('jobs.id', '=', 'due.id')
      .returning([
        'jobs.id',
        'jobs.org_id',
        'jobs.name',
        'jobs.payload',
        'jobs.attempts',
        'jobs.max_attempts',
      ])
      .execute();
  }
  const due = db.kysely
    .selectFrom('jobs')
    .select('id')
    .where('state', '=', 'queued')
    .where('run_at', '<=', now)
    .orderBy('run_at')
    .orderBy('id')
    .limit(limit);
  return db.kysely
    .updateTable('jobs')
    .set((eb) => ({
      state: 'running',
      locked_by: workerId,
      lock_expires_at: now + lockTimeoutMs,
      attempts: eb('attempts', '+', 1),
      updated_at: now,
    }))
    .where('id', 'in', due)
    .where('state', '=', 'queued')
    .returning(['id', 'org_id', 'name', 'payload', 'attempts', 'max_attempts'])
    .execute();
}

/** A job moved to the dead letters, as `onDead` hooks get it. */
export interface DeadJob {
  id: string;
  org_id: string | null;
  name: string;
  payload: string;
  attempts: number;
  max_attempts: number;
  error: string;
}

/**
 * Called inside the transaction that moves a job to the dead letters, so whoever owns the work
 * (an import run, say) records the failure together with it or not at all.
 */
export type DeadJobHook = (trx: Executor, job: DeadJob) => Promise<void>;

const LOCK_EXPIRED = 'worker stopped responding (lock expired)';

/**
 * Moves one job to the dead letters and runs `onDead` in the same transaction, if `where` still
 * holds for it. If the hook fails, the job is dead-lettered without it (logged by the caller through
 * `onHookError`): a broken hook must not keep a job running forever.
 */
async function deadLetter(
  db: Db,
  id: string,
  values: { error: string; now: number },
  where: { lockedBy?: string; expiredBefore?: number },
  onDead: DeadJobHook | undefined,
  onHookError: (error: unknown) => void,
): Promise<boolean> {
  const update = async (k: Executor) => {
    let q = k
      .updateTable('jobs')
      .set({
        state: 'dead',
        run_at: values.now,
        locked_by: null,
        lock_expires_at: null,
        last_error: values.error.slice(0, ERROR_LIMIT),
        finished_at: values.now,
        updated_at: values.now,
      })
      .where('id', '=', id)
      .where('state', '=', 'running');
    if (where.lockedBy !== undefined) q = q.where('locked_by', '=', where.lockedBy);
    if (where.expiredBefore !== undefined) q = q.where('lock_expires_at', '<', where.expiredBefore);
    return q.returning(['id', 'org_id', 'name', 'payload', 'attempts', 'max_attempts']).executeTakeFirst();
  };
  if (onDead) {
    try {
      return await db.kysely.transaction().execute(async (trx) => {
        const row = await update(trx);
        if (row) await onDead(trx, { ...row, error: values.error });
        return row !== undefined;
      });
    } catch (error) {
      onHookError(error);
    }
  }
  return (await update(db.kysely)) !== undefined;
}

/**
 * Puts jobs whose worker died (lock expired) back in the queue, or into the dead letters when
 * they used up their attempts (with `onDead` for each, in its transaction). The attempt they were on
 * counts: a job that crashes its worker must not loop forever.
 */
export async function recoverExpiredLocks(
  db: Db,
  now: number,
  onDead?: (job: { name: string }) => DeadJobHook | undefined,
  onHookError: (error: unknown, job: { id: string; name: string }) => void = () => {},
): Promise<number> {
  const dying = await db.kysely
    .selectFrom('jobs')
    .select(['id', 'name'])
    .where('state', '=', 'running')
    .where('lock_expires_at', '<', now)
    .whereRef('attempts', '>=', 'max_attempts')
    .execute();
  let recovered = 0;
  for (const job of dying) {
    const dead = await deadLetter(
      db,
      job.id,
      { error: LOCK_EXPIRED, now },
      { expiredBefore: now },
      onDead?.(job),
      (error) => onHookError(error, job),
    );
    if (dead) recovered += 1;
  }
  const requeued = await db.kysely
    .updateTable('jobs')
    .set({
      state: 'queued',
      locked_by: null,
      lock_expires_at: null,
      last_error: LOCK_EXPIRED,
      updated_at: now,
    })
    .where('state', '=', 'running')
    .where('lock_expires_at', '<', now)
    // Out of attempts: dead-lettered above, with their hooks (or in the next round if they got here since).
    .whereRef('attempts', '<', 'max_attempts')
    .executeTakeFirst();
  return recovered + Number(requeued.numUpdatedRows);
}

/**
 * The heartbeat of a worker's running jobs: pushes their locks to `until`, only while this worker
 * still holds them. Returns the ids it extended (a missing id means the lock was lost).
 */
export async function extendJobLocks(
  db: Executor,
  workerId: string,
  ids: string[],
  until: number,
): Promise<string[]> {
  if (ids.length === 0) return [];
  const rows = await db
    .updateTable('jobs')
    .set({ lock_expires_at: until })
    .where('id', 'in', ids)
    .where('locked_by', '=', workerId)
    .where('state', '=', 'running')
    .returning('id')
    .execute();
  return rows.map((r) => r.id);
}

/** Marks a job done, only if this worker still holds it. */
export async function completeJob(db: Db, id: string, workerId: string, now: number): Promise<void> {
  await db.kysely
    .updateTable('jobs')
    .set({ state: 'done', locked_by: null, lock_expires_at: null, finished_at: now, updated_at: now })
    .where('id', '=', id)
    .where('locked_by', '=', workerId)
    .where('state', '=', 'running')
    .execute();
}

/**
 * Schedules a retry after backoff, or moves the job to the dead letters after its last attempt
 * (then `onDead` runs in the same transaction).
 */
export async function failJob(
  db: Db,
  job: ClaimedJob,
  workerId: string,
  now: number,
  error: string,
  onDead?: DeadJobHook,
  onHookError: (error: unknown) => void = () => {},
): Promise<JobState> {
  if (job.attempts >= job.max_attempts) {
    await deadLetter(db, job.id, { error, now }, { lockedBy: workerId }, onDead, onHookError);
    return 'dead';
  }
  await db.kysely
    .updateTable('jobs')
    .set({
      state: 'queued',
      run_at: now + backoffMs(job.attempts),
      locked_by: null,
      lock_expires_at: null,
      last_error: error.slice(0, ERROR_LIMIT),
      finished_at: null,
      updated_at: now,
    })
    .where('id', '=', job.id)
    .where('locked_by', '=', workerId)
    .execute();
  return 'queued';
}

/** Counts per state, optionally for one org (null: every job, including system jobs). */
export async function countJobsByState(
  db: Executor,
  orgId: string | null,
): Promise<Record<JobState, number>> {
  let q = db.selectFrom('jobs').select(['state', (eb) => eb.fn.countAll<number>().as('n')]);
  if (orgId !== null) q = q.where('org_id', '=', orgId);
  const rows = await q.groupBy('state').execute();
  const counts: Record<JobState, number> = { queued: 0, running: 0, done: 0, dead: 0 };
  for (const row of rows) counts[row.state] = Number(row.n);
  return counts;
}

/** Deletes finished jobs older than `before` so the queue table stays small; dead ones are kept. */
export async function pruneFinishedJobs(db: Executor, before: number): Promise<number> {
  const result = await db
    .deleteFrom('jobs')
    .where('state', '=', 'done')
    .where('finished_at', '<', before)
    .executeTakeFirst();
  return Number(result.numDeletedRows);
}

/** Gives a dead job a fresh set of attempts, due now; false when it is not (or no longer) dead. */
export async function requeueDeadJob(db: Executor, id: string, now: number): Promise<boolean> {
  const result = await db
    .updateTable('jobs')
    .set({ state: 'queued', attempts: 0, run_at: now, finished_at: null, updated_at: now })
    .where('id', '=', id)
    .where('state', '=', 'dead')
    .executeTakeFirst();
  return Number(result.numUpdatedRows) > 0;
}
