import { createWriteStream } from 'node:fs';
import { mkdir, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { type Readable, Transform } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { z } from 'zod';
import { broadcast, onBroadcast } from '../../../cluster-ipc.ts';
import type { Deps } from '../../../context.ts';
import type { Executor } from '../../../db/database.ts';
import { refreshPlannerStats, type StatsTable } from '../../../db/planner-stats.ts';
import type { ImportEntity, ImportMode, Role } from '../../../db/schema.ts';
import { enqueueJob, requeueDeadJob } from '../../../jobs/job-queue.ts';
import { AppError, conflict, notFound } from '../../../lib/errors.ts';
import { newId } from '../../../lib/ids.ts';
import type { Actor, Reach } from '../../../policy/policy.ts';
import { loadReach } from '../../../policy/reach.ts';
import { audit } from '../../audit/audit.service.ts';
import { findRun, insertRun, jobStates, listRuns, updateRun, updateRunIf } from './import.repository.ts';
import {
  type DryRunInput,
  type ImportRunRow,
  type StartInput,
  toImportRunResponse,
} from './import.schemas.ts';
import { CsvFileError, readHeader } from './import-csv.ts';
import {
  guessPreset,
  type ImportPreset,
  importEntities,
  importFields,
  importPresets,
  presetFor,
  requiredFields,
  resolveMapping,
} from './import-fields.ts';
import { type ImportOutcome, type ImportProgress, loadImportContext, runImport } from './import-runner.ts';

export const IMPORT_JOB = 'crm.import';
const DEFAULT_MAX_BYTES = 50 * 1024 * 1024;

/** Where uploads wait for their job. Several instances must share it (OUTFIELD_IMPORT_DIR). */
export function importDir(): string {
  return process.env.OUTFIELD_IMPORT_DIR ?? join(tmpdir(), 'outfield-imports');
}

/** Largest accepted upload in bytes: OUTFIELD_IMPORT_MAX_BYTES, default 50 MB. */
export function importMaxBytes(): number {
  const raw = process.env.OUTFIELD_IMPORT_MAX_BYTES;
  const n = raw === undefined || raw === '' ? DEFAULT_MAX_BYTES : Number(raw);
  if (!Number.isSafeInteger(n) || n <= 0)
    throw new Error(`OUTFIELD_IMPORT_MAX_BYTES must be a positive whole number of bytes (got "${raw}")`);
  return n;
}

function fileOf(runId: string): string {
  return join(importDir(), `${runId}.csv`);
}

function tooLarge(max: number): AppError {
  return new AppError(
    413,
    'payload_too_large',
    `The file is larger than the ${Math.floor(max / 1_048_576)} MB limit`,
    {
      maxBytes: max,
    },
  );
}

/**
 * Live progress of the running imports (all-or-nothing on SQLite cannot write it out): those this
 * process runs, and — in a cluster (decision 006) — those the jobs worker runs, which broadcasts
 * each update (and the end, as `progress: null`) through the primary to the other workers.
 */
const live = new Map<string, ImportProgress>();

export const IMPORT_PROGRESS_TOPIC = 'crm.import.progress';
const count = z.number().int().min(0);
const progressBroadcast = z.object({
  runId: z.string().min(1).max(64),
  progress: z
    .object({
      processedRows: count,
      inserted: count,
      updated: count,
      skipped: count,
      errorCount: count,
      errors: z.array(z.object({ row: count, column: z.string().nullable(), reason: z.string() })),
    })
    .nullable(),
});
/** At most one progress broadcast per run per this interval (the end is always sent). */
const BROADCAST_EVERY_MS = 200;

onBroadcast(IMPORT_PROGRESS_TOPIC, (payload) => {
  const message = progressBroadcast.safeParse(payload);
  if (!message.success) return;
  if (message.data.progress) live.set(message.data.runId, message.data.progress);
  else live.delete(message.data.runId);
});

/** An upload, a dry run or the import itself is visible to its uploader and to admins. */
async function visibleRun(db: Executor, actor: Actor, id: string): Promise<ImportRunRow> {
  const run = await findRun(db, actor.orgId, id);
  if (!run || (run.user_id !== actor.userId && actor.role !== 'admin')) throw notFound('Import');
  return run;
}

function withLive(run: ImportRunRow): ImportRunRow {
  const p = run.state === 'running' ? live.get(run.id) : undefined;
  if (!p || p.processedRows < run.processed_rows) return run;
  return {
    ...run,
    processed_rows: p.processedRows,
    inserted: p.inserted,
    updated: p.updated,
    skipped: p.skipped,
    error_count: p.errorCount,
    errors: JSON.stringify(p.errors),
  };
}

/**
 * Stores an uploaded CSV (streamed to the import directory, never held in memory) and reads its
 * header. Oversized uploads answer 413; a file that is not readable CSV answers 400 naming the row.
 */
export async function uploadImport(
  deps: Deps,
  actor: Actor,
  input: { entity: ImportEntity; fileName: string; body: Readable; maxBytes: number },
) {
  const id = newId();
  const path = fileOf(id);
  await mkdir(importDir(), { recursive: true });
  let bytes = 0;
  let lines = 0;
  let last = 10;
  const counter = new Transform({
    transform(chunk: Buffer, _enc, done) {
      bytes += chunk.length;
      if (bytes > input.maxBytes) {
        done(tooLarge(input.maxBytes));
        return;
      }
      for (let i = chunk.indexOf(10); i !== -1; i = chunk.indexOf(10, i + 1)) lines += 1;
      if (chunk.length > 0) last = chunk[chunk.length - 1]!;
      done(null, chunk);
    },
  });
  try {
    await pipeline(input.body, counter, createWriteStream(path));
    const headers = await readHeader(path);
    const dataLines = Math.max(0, lines + (last === 10 ? 0 : 1) - 1);
    const now = deps.clock.now();
    await insertRun(deps.db.kysely, {
      org_id: actor.orgId,
      id,
      user_id: actor.userId,
      entity: input.entity,
      file_name: input.fileName,
      file_bytes: bytes,
      headers: JSON.stringify(headers),
      source: guessPreset(input.entity, headers) ?? 'manual',
      mapping: null,
      mode: null,
      state: 'uploaded',
      total_rows: dataLines,
      processed_rows: 0,
      inserted: 0,
      updated: 0,
      skipped: 0,
      error_count: 0,
      errors: '[]',
      message: null,
      job_id: null,
      created_at: now,
      updated_at: now,
      finished_at: null,
    });
    return toImportRunResponse((await findRun(deps.db.kysely, actor.orgId, id))!);
  } catch (error) {
    await rm(path, { force: true });
    if (error instanceof CsvFileError)
      throw new AppError(400, 'validation_failed', error.message, {
        fields: [{ path: error.row === null ? 'file' : `row ${error.row}`, message: error.message }],
      });
    throw error;
  }
}

type Choice = { preset: ImportPreset } | { mapping: Record<string, string> };

function choiceOf(input: { preset?: ImportPreset; mapping?: Record<string, string> }): Choice {
  return input.preset ? { preset: input.preset } : { mapping: input.mapping ?? {} };
}

function sourceOf(input: { preset?: ImportPreset; source?: string }): string {
  return input.preset ?? input.source ?? 'csv';
}

function mappingOrFail(run: ImportRunRow, choice: Choice) {
  const headers = JSON.parse(run.headers) as string[];
  const { mapping, problems } = resolveMapping(run.entity, headers, choice);
  if (problems.length > 0) {
    throw new AppError(
      400,
      'validation_failed',
      `mapping: ${problems[0]!.column ?? ''} ${problems[0]!.reason}`.replace('  ', ' '),
      {
        fields: problems.map((p) => ({
          path: p.column === null ? 'mapping' : `mapping.${p.column}`,
          message: p.reason,
        })),
      },
    );
  }
  return { mapping, columnCount: headers.length };
}

/**
 * Checks every row of an uploaded file without writing anything: the first mapped rows as a
 * preview, and each bad row's number, column and reason (the first 200; the counts are exact).
 */
export async function dryRunImport(
  deps: Deps,
  actor: Actor,
  reach: Reach,
  runId: string,
  input: DryRunInput,
) {
  const run = await visibleRun(deps.db.kysely, actor, runId);
  if (run.state !== 'uploaded') throw conflict(`This import is already ${run.state}; upload the file again`);
  const choice = choiceOf(input);
  const { mapping, columnCount } = mappingOrFail(run, choice);
  const source = sourceOf(input);
  const spec = { entity: run.entity, source, path: fileOf(run.id), mapping, columnCount };
  const ctx = await loadImportContext(deps, actor, reach, spec);
  const outcome = await runImport(deps, ctx, spec, {
    mode: 'skip-bad-rows',
    dryRun: true,
    previewLimit: input.previewRows,
  });
  await updateRun(deps.db.kysely, actor.orgId, run.id, {
    source,
    mapping: 'mapping' in choice ? JSON.stringify(choice.mapping) : null,
    total_rows: outcome.totalRows,
    updated_at: deps.clock.now(),
  });
  return {
    run: toImportRunResponse((await findRun(deps.db.kysely, actor.orgId, run.id))!),
    preview: outcome.preview,
    totalRows: outcome.totalRows,
    wouldInsert: outcome.inserted,
    wouldUpdate: outcome.updated,
    badRows: outcome.skipped,
    errorCount: outcome.errorCount,
    errors: outcome.errors,
    fatal: outcome.fatal,
  };
}

/**
 * Queues the import as a background job, in the same transaction that marks the run queued (the
 * job exists exactly when the run says so). `enqueue: false` leaves the running to the caller
 * (the CLI runs it in process with a progress bar).
 */
export async function startImport(
  deps: Deps,
  actor: Actor,
  runId: string,
  input: StartInput,
  options: { enqueue?: boolean } = {},
) {
  const choice = choiceOf(input);
  return deps.db.kysely.transaction().execute(async (trx) => {
    const run = await visibleRun(trx, actor, runId);
    if (run.state !== 'uploaded') throw conflict(`This import is already ${run.state}`);
    mappingOrFail(run, choice);
    const jobId =
      options.enqueue === false
        ? null
        : await enqueueJob(trx, deps, {
            name: IMPORT_JOB,
            orgId: actor.orgId,
            payload: { runId },
            dedupeKey: `import:${runId}`,
            maxAttempts: 3,
          });
    await updateRun(trx, actor.orgId, runId, {
      state: 'queued',
      mode: input.mode,
      source: sourceOf(input),
      mapping: 'mapping' in choice ? JSON.stringify(choice.mapping) : null,
      job_id: jobId,
      updated_at: deps.clock.now(),
    });
    return toImportRunResponse((await findRun(trx, actor.orgId, runId))!);
  });
}

/** Failed runs whose job is in the dead letters: retrying the job runs them again. */
async function retryableRuns(db: Executor, rows: ImportRunRow[]): Promise<Set<string>> {
  const failed = rows.filter((r) => r.state === 'failed' && r.job_id !== null);
  if (failed.length === 0) return new Set();
  const states = await jobStates(
    db,
    failed.map((r) => r.job_id!),
  );
  return new Set(failed.filter((r) => states.get(r.job_id!) === 'dead').map((r) => r.id));
}

export async function getImport(deps: Deps, actor: Actor, runId: string) {
  const run = await visibleRun(deps.db.kysely, actor, runId);
  const retryable = await retryableRuns(deps.db.kysely, [run]);
  return toImportRunResponse(withLive(run), retryable.has(run.id));
}

export async function listImports(deps: Deps, actor: Actor) {
  const rows = await listRuns(deps.db.kysely, actor.orgId, actor.role === 'admin' ? null : actor.userId, 50);
  const retryable = await retryableRuns(deps.db.kysely, rows);
  return { items: rows.map((r) => toImportRunResponse(withLive(r), retryable.has(r.id))) };
}

/**
 * The import's job went to the dead letters (every attempt failed, or its worker died during each):
 * called by the job's onDead in the dead-lettering transaction, it marks the run failed with the
 * reason the import page shows. The file stays, so an admin's retry of the job runs it again.
 */
export async function failImportOfDeadJob(
  trx: Executor,
  deps: Deps,
  orgId: string,
  runId: string,
  job: { id: string; attempts: number; lastError: string | null },
): Promise<void> {
  const run = await findRun(trx, orgId, runId);
  if (!run || run.job_id !== job.id || (run.state !== 'queued' && run.state !== 'running')) return;
  const now = deps.clock.now();
  const partial = run.mode === 'skip-bad-rows' && run.processed_rows > 0;
  await updateRun(trx, orgId, runId, {
    state: 'failed',
    message: `the background import stopped after ${job.attempts} attempt${job.attempts === 1 ? '' : 's'} (${
      job.lastError ?? 'unknown error'
    })`.slice(0, 1000),
    // All or nothing: nothing was committed, whatever progress was shown on the way.
    ...(partial ? {} : { processed_rows: 0, inserted: 0, updated: 0, skipped: 0 }),
    updated_at: now,
    finished_at: now,
  });
}

/**
 * The uploader (or an admin) retries an import that failed because its background job stopped
 * (the job is in the dead letters): the job gets a fresh set of attempts and the run is queued
 * again, in one transaction with its audit row. Any other state answers 409.
 */
export async function retryImport(deps: Deps, actor: Actor, runId: string) {
  return deps.db.kysely.transaction().execute(async (trx) => {
    const run = await visibleRun(trx, actor, runId);
    const states = run.job_id === null ? new Map() : await jobStates(trx, [run.job_id]);
    if (run.state !== 'failed' || run.job_id === null || states.get(run.job_id) !== 'dead') {
      throw conflict(
        `Only an import whose background job stopped can be retried; this one is ${run.state}${
          run.state === 'failed' ? ' for another reason: upload the file again' : ''
        }`,
      );
    }
    const now = deps.clock.now();
    if (!(await requeueDeadJob(trx, run.job_id, now))) throw conflict('This import is already being retried');
    await requeueImportOfRetriedJob(trx, deps, actor.orgId, runId, run.job_id);
    await audit(trx, deps, actor, 'import', runId, 'retry', { job: run.job_id, lastMessage: run.message });
    return toImportRunResponse((await findRun(trx, actor.orgId, runId))!);
  });
}

/**
 * The dead job of a failed import was retried (by an admin under Jobs, or through retryImport): the run is queued again in the same
 * transaction; a skip-bad-rows run resumes after its last committed batch.
 */
export async function requeueImportOfRetriedJob(
  trx: Executor,
  deps: Deps,
  orgId: string,
  runId: string,
  jobId: string,
): Promise<void> {
  const run = await findRun(trx, orgId, runId);
  if (!run || run.job_id !== jobId || run.state !== 'failed') return;
  await updateRun(trx, orgId, runId, {
    state: 'queued',
    message: null,
    updated_at: deps.clock.now(),
    finished_at: null,
  });
}

/** What the mapper needs: each entity's fields, required groups and the preset header maps. */
export function importFieldCatalog() {
  return {
    entities: Object.fromEntries(
      importEntities.map((e) => [
        e,
        {
          fields: [...importFields[e]],
          required: requiredFields[e],
          presets: Object.fromEntries(importPresets.map((p) => [p, presetFor(e, p)])),
        },
      ]),
    ),
  };
}

function progressColumns(p: ImportProgress) {
  return {
    processed_rows: p.processedRows,
    inserted: p.inserted,
    updated: p.updated,
    skipped: p.skipped,
    error_count: p.errorCount,
    errors: JSON.stringify(p.errors),
  };
}

/**
 * Runs a queued import with the rights of the person who uploaded it (the background job and the
 * CLI both come here). Safe to call again after a crash: a finished run is left alone, an
 * all-or-nothing run starts over (its transaction never committed), a skip-bad-rows run resumes
 * after its last committed batch.
 */
export async function executeImport(
  deps: Deps,
  orgId: string,
  runId: string,
  hooks: { onProgress?: (p: ImportProgress, total: number) => void } = {},
): Promise<ImportOutcome | null> {
  const db = deps.db.kysely;
  const run = await findRun(db, orgId, runId);
  if (!run || run.state === 'done' || run.state === 'failed' || run.state === 'uploaded') return null;
  // The execution that finishes a run removes its file: another one still reading it (its job
  // taken over after a lost lock) then finds the file gone — its cue to stop, as the fence's is.
  const finishedElsewhere = async (error: unknown): Promise<boolean> => {
    if ((error as { code?: unknown } | null)?.code !== 'ENOENT') return false;
    const now = await findRun(db, orgId, runId);
    return now?.state === 'done' || now?.state === 'failed';
  };
  const fail = async (message: string, p?: ImportProgress) => {
    const now = deps.clock.now();
    await updateRun(db, orgId, runId, {
      ...(p ? progressColumns(p) : {}),
      state: 'failed',
      message,
      updated_at: now,
      finished_at: now,
    });
    await rm(fileOf(runId), { force: true });
  };
  const member = await db
    .selectFrom('memberships')
    .select(['role', 'active'])
    .where('org_id', '=', orgId)
    .where('user_id', '=', run.user_id)
    .executeTakeFirst();
  if (member?.active !== 1) {
    await fail('The person who started this import is no longer an active member');
    return null;
  }
  const actor: Actor = {
    userId: run.user_id,
    orgId,
    role: member.role as Role,
    sessionId: null,
    tokenId: null,
    requestId: `import:${runId}`,
  };
  const reach = await loadReach(db, actor);
  const mode: ImportMode = run.mode ?? 'all-or-nothing';
  const choice: Choice =
    run.mapping !== null
      ? { mapping: JSON.parse(run.mapping) as Record<string, string> }
      : { preset: run.source as ImportPreset };
  const headers = JSON.parse(run.headers) as string[];
  const { mapping, problems } = resolveMapping(run.entity, headers, choice);
  if (problems.length > 0) {
    await fail(`The mapping no longer fits the file: ${problems[0]!.reason}`);
    return null;
  }
  const resume: ImportProgress | undefined =
    // 'queued' with progress: a retried run whose job had died.
    mode === 'skip-bad-rows' && (run.state === 'running' || run.state === 'queued') && run.processed_rows > 0
      ? {
          processedRows: run.processed_rows,
          inserted: run.inserted,
          updated: run.updated,
          skipped: run.skipped,
          errorCount: run.error_count,
          errors: JSON.parse(run.errors) as ImportProgress['errors'],
        }
      : undefined;
  await updateRun(db, orgId, runId, {
    state: 'running',
    ...(resume
      ? {}
      : progressColumns({
          processedRows: 0,
          inserted: 0,
          updated: 0,
          skipped: 0,
          errorCount: 0,
          errors: [],
        })),
    updated_at: deps.clock.now(),
  });
  const spec = {
    entity: run.entity,
    source: run.source,
    path: fileOf(runId),
    mapping,
    columnCount: headers.length,
  };
  const ctx = await loadImportContext(deps, actor, reach, spec);
  /** Rows committed so far as this execution knows them (skip-bad-rows; the batch fence). */
  let committedRows = resume?.processedRows ?? 0;
  // Progress goes to the database from outside the import's transaction only on PostgreSQL: SQLite
  // has one connection, which the all-or-nothing transaction holds until it ends.
  const canWriteAside = deps.db.engine === 'postgres';
  let lastWrite = 0;
  let pendingWrite: Promise<void> = Promise.resolve();
  let lastBroadcast = 0;
  const onProgress = (p: ImportProgress) => {
    const current: ImportProgress = { ...p, errors: [...p.errors] };
    live.set(runId, current);
    if (Date.now() - lastBroadcast >= BROADCAST_EVERY_MS) {
      lastBroadcast = Date.now();
      broadcast(IMPORT_PROGRESS_TOPIC, { runId, progress: current });
    }
    hooks.onProgress?.(p, Math.max(run.total_rows, p.processedRows));
    const now = Date.now();
    if (canWriteAside && mode === 'all-or-nothing' && now - lastWrite > 1000) {
      lastWrite = now;
      const snapshot = progressColumns(p);
      pendingWrite = pendingWrite
        .then(async () => {
          // Not over a run another execution has finished (the fence below).
          await updateRunIf(db, orgId, runId, { states: ['running'] }, snapshot);
        })
        .catch((error: unknown) => deps.log.warn({ runId, err: String(error) }, 'import progress not saved'));
    }
    // The job's lock is kept fresh by the job runner's heartbeat, from the claim to the end.
  };
  try {
    const outcome = await runImport(deps, ctx, spec, {
      mode,
      dryRun: false,
      resume,
      onProgress,
      // Each commit is fenced: if another execution of this import (its job taken over after a
      // lost lock) finished it or committed a batch meanwhile, this one rolls back and stops.
      onCommit: async (trx, p, final) => {
        if (!final) {
          const written = await updateRunIf(
            trx,
            orgId,
            runId,
            { states: ['running', 'failed', 'queued'], processedRows: committedRows },
            { ...progressColumns(p), updated_at: deps.clock.now() },
          );
          if (!written) throw new ImportSuperseded();
          committedRows = p.processedRows;
          return;
        }
        const now = deps.clock.now();
        const written = await updateRunIf(
          trx,
          orgId,
          runId,
          // skip-bad-rows: also that no other execution committed batches past this one's.
          {
            states: ['running', 'failed', 'queued'],
            ...(mode === 'skip-bad-rows' ? { processedRows: committedRows } : {}),
          },
          {
            ...progressColumns(p),
            total_rows: final.totalRows,
            state: final.fatal === null ? 'done' : 'failed',
            message: final.fatal,
            updated_at: now,
            finished_at: now,
          },
        );
        if (!written) throw new ImportSuperseded();
        await audit(trx, deps, actor, 'import', runId, 'import', {
          entity: run.entity,
          source: run.source,
          mode,
          file: run.file_name,
          rows: final.totalRows,
          inserted: p.inserted,
          updated: p.updated,
          skipped: p.skipped,
          errors: p.errorCount,
          ...(final.fatal ? { stopped: final.fatal } : {}),
        });
      },
    });
    await pendingWrite;
    if (!outcome.committed) {
      await fail(outcome.fatal ?? 'Nothing was imported', outcome);
      await updateRun(db, orgId, runId, { total_rows: outcome.totalRows, inserted: 0, updated: 0 });
    } else {
      await rm(fileOf(runId), { force: true });
      // A bulk load: the planner statistics of what it wrote (the import itself is committed).
      await refreshPlannerStats(deps.db, importedTables[run.entity]).catch((error: unknown) =>
        deps.log.warn({ runId, err: String(error) }, 'planner statistics not refreshed after the import'),
      );
    }
    return outcome;
  } catch (error) {
    if (!(error instanceof ImportSuperseded) && !(await finishedElsewhere(error))) throw error;
    deps.log.warn({ runId }, 'import stopped: another execution of it finished it or moved it on');
    return null;
  } finally {
    live.delete(runId);
    broadcast(IMPORT_PROGRESS_TOPIC, { runId, progress: null });
  }
}

/** The tables an import of each entity writes in bulk (their rollups and credits included). */
const importedTables: Record<ImportEntity, StatsTable[]> = {
  accounts: ['accounts'],
  contacts: ['contacts'],
  deals: [
    'deals',
    'deal_splits',
    'deal_credits',
    'deal_stage_history',
    'deal_rollups',
    'deal_rollup_keys',
    'deal_rollup_months',
  ],
  activities: ['activities', 'activity_rollups', 'activity_rollup_months'],
};

/** Another execution of the same import committed first (see the fence in executeImport). */
class ImportSuperseded extends Error {
  constructor() {
    super('Another execution of this import finished it or committed its next batch first');
  }
}
