import { sql } from 'kysely';
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

/**
 * Puts jobs whose worker died (lock expired) back in the queue, or into the dead letters when
 * they used up their attempts. The attempt they were on counts: a job that crashes its worker
 * must not loop forever.
 */
export async function recoverExpiredLocks(db: Db, now: number): Promise<number> {
  const requeued = await db.kysely
    .updateTable('jobs')
    .set({
      state: sql<JobState>`case when attempts >= max_attempts then 'dead' else 'queued' end`,
      locked_by: null,
      lock_expires_at: null,
      last_error: 'worker stopped responding (lock expired)',
      updated_at: now,
    })
    .where('state', '=', 'running')
    .where('lock_expires_at', '<', now)
    .executeTakeFirst();
  return Number(requeued.numUpdatedRows);
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

/** Schedules a retry after backoff, or moves the job to the dead letters after its last attempt. */
export async function failJob(
  db: Db,
  job: ClaimedJob,
  workerId: string,
  now: number,
  error: string,
): Promise<JobState> {
  const dead = job.attempts >= job.max_attempts;
  const state: JobState = dead ? 'dead' : 'queued';
  await db.kysely
    .updateTable('jobs')
    .set({
      state,
      run_at: dead ? now : now + backoffMs(job.attempts),
      locked_by: null,
      lock_expires_at: null,
      last_error: error.slice(0, ERROR_LIMIT),
      finished_at: dead ? now : null,
      updated_at: now,
    })
    .where('id', '=', job.id)
    .where('locked_by', '=', workerId)
    .execute();
  return state;
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
