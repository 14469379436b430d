import type { Executor } from '../../../db/database.ts';
import type { ImportRunsTable, ImportState, JobState } from '../../../db/schema.ts';
import type { ImportRunRow } from './import.schemas.ts';

// SQL only; every query filters by org_id.

export const runColumns = [
  'id',
  'user_id',
  'entity',
  'file_name',
  'file_bytes',
  'headers',
  'source',
  'mapping',
  'mode',
  'state',
  'total_rows',
  'processed_rows',
  'inserted',
  'updated',
  'skipped',
  'error_count',
  'errors',
  'message',
  'job_id',
  'created_at',
  'updated_at',
  'finished_at',
] as const;

export async function findRun(db: Executor, orgId: string, id: string): Promise<ImportRunRow | undefined> {
  return db
    .selectFrom('import_runs')
    .select(runColumns)
    .where('org_id', '=', orgId)
    .where('id', '=', id)
    .executeTakeFirst();
}

export async function insertRun(db: Executor, row: ImportRunsTable): Promise<void> {
  await db.insertInto('import_runs').values(row).execute();
}

export async function updateRun(
  db: Executor,
  orgId: string,
  id: string,
  values: Partial<Omit<ImportRunsTable, 'org_id' | 'id'>>,
): Promise<void> {
  await db.updateTable('import_runs').set(values).where('org_id', '=', orgId).where('id', '=', id).execute();
}

/**
 * `updateRun` only while the run is in one of `states` and, with `processedRows`, while its committed
 * progress is still that: the fence against a second execution of the same import (its job taken
 * over after the lock was lost) writing over, or committing after, the first. Returns whether the
 * row was written.
 */
export async function updateRunIf(
  db: Executor,
  orgId: string,
  id: string,
  guard: { states: ImportState[]; processedRows?: number },
  values: Partial<Omit<ImportRunsTable, 'org_id' | 'id'>>,
): Promise<boolean> {
  let q = db
    .updateTable('import_runs')
    .set(values)
    .where('org_id', '=', orgId)
    .where('id', '=', id)
    .where('state', 'in', guard.states);
  if (guard.processedRows !== undefined) q = q.where('processed_rows', '=', guard.processedRows);
  const result = await q.executeTakeFirst();
  return Number(result.numUpdatedRows) > 0;
}

export async function listRuns(
  db: Executor,
  orgId: string,
  userId: string | null,
  limit: number,
): Promise<ImportRunRow[]> {
  let q = db.selectFrom('import_runs').select(runColumns).where('org_id', '=', orgId);
  if (userId !== null) q = q.where('user_id', '=', userId);
  return q.orderBy('created_at', 'desc').orderBy('id', 'desc').limit(limit).execute();
}

/** The state of each of these jobs (to tell whether a failed import's job is in the dead letters). */
export async function jobStates(db: Executor, jobIds: string[]): Promise<Map<string, JobState>> {
  if (jobIds.length === 0) return new Map();
  const rows = await db.selectFrom('jobs').select(['id', 'state']).where('id', 'in', jobIds).execute();
  return new Map(rows.map((r) => [r.id, r.state]));
}
