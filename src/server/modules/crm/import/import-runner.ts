import type { Deps } from '../../../context.ts';
import type { Executor } from '../../../db/database.ts';
import type { ImportEntity, ImportMode } from '../../../db/schema.ts';
import type { Actor, Reach } from '../../../policy/policy.ts';
import { loadCrmSettings } from '../crm-settings.service.ts';
import { defaultStage, loadPipelines } from '../pipelines.service.ts';
import { CsvFileError, readCsv } from './import-csv.ts';
import type { ResolvedMapping } from './import-fields.ts';
import {
  type Candidate,
  convertRow,
  type ImportContext,
  type RowError,
  type StageInfo,
} from './import-rows.ts';
import { looseKey, minorDigits } from './import-values.ts';
import { processBatch } from './import-writer.ts';

export const BATCH_SIZE = 1000;
/** Row errors kept for display; the count is always exact. */
export const KEPT_ERRORS = 200;

export interface ImportProgress {
  processedRows: number;
  inserted: number;
  updated: number;
  skipped: number;
  errorCount: number;
  errors: RowError[];
}

export interface ImportOutcome extends ImportProgress {
  /** Data rows in the file (known once the whole file was read). */
  totalRows: number;
  /** First mapped rows that passed every check (dry runs). */
  preview: { row: number; values: Record<string, unknown> }[];
  /** Why the import stopped, when it did not finish (file errors, all-or-nothing with bad rows). */
  fatal: string | null;
  /** Whether anything was written and kept. */
  committed: boolean;
}

export interface ImportSpec {
  entity: ImportEntity;
  source: string;
  path: string;
  mapping: ResolvedMapping;
  columnCount: number;
}

export interface RunOptions {
  mode: ImportMode;
  dryRun: boolean;
  previewLimit?: number;
  /** Data rows already committed by an earlier attempt (skip-bad-rows resumes after them). */
  resume?: ImportProgress;
  batchSize?: number;
  /** Called after each batch; cheap to call often (the caller throttles what it stores). */
  onProgress?: (p: ImportProgress) => void;
  /**
   * Runs inside each committed batch's transaction (skip-bad-rows) or the one transaction
   * (all-or-nothing), after the rows were written: the caller records progress/audit atomically.
   */
  onCommit?: (trx: Executor, p: ImportProgress, final: ImportOutcome | null) => Promise<void>;
}

/** Loads members, pipelines, stages, settings and the org's currency once per import. */
export async function loadImportContext(
  deps: Deps,
  actor: Actor,
  reach: Reach,
  spec: Pick<ImportSpec, 'entity' | 'source' | 'mapping'>,
): Promise<ImportContext> {
  const db = deps.db.kysely;
  const now = deps.clock.now();
  const [org, settings, members] = await Promise.all([
    db
      .selectFrom('orgs')
      .select(['currency', 'time_zone'])
      .where('id', '=', actor.orgId)
      .executeTakeFirstOrThrow(),
    loadCrmSettings(db, actor.orgId),
    db
      .selectFrom('memberships as m')
      .innerJoin('users as u', 'u.id', 'm.user_id')
      .select(['u.id', 'u.email', 'u.name'])
      .where('m.org_id', '=', actor.orgId)
      .where('m.active', '=', 1)
      .execute(),
  ]);
  const membersByEmail = new Map<string, string>();
  const membersByName = new Map<string, string[]>();
  for (const m of members) {
    membersByEmail.set(m.email.toLowerCase(), m.id);
    const key = m.name.trim().toLowerCase();
    membersByName.set(key, [...(membersByName.get(key) ?? []), m.id]);
  }
  const pipelinesByName = new Map<string, string>();
  const stagesByPipeline = new Map<string, Map<string, StageInfo>>();
  let defaultPipelineId = '';
  if (spec.entity === 'deals') {
    defaultPipelineId = (await defaultStage(db, actor.orgId, now)).pipeline_id;
    for (const p of await loadPipelines(db, actor.orgId)) {
      pipelinesByName.set(looseKey(p.name), p.id);
      pipelinesByName.set(p.id.toLowerCase(), p.id);
      const stages = new Map<string, StageInfo>();
      for (const s of p.stages) {
        const info: StageInfo = {
          id: s.id,
          pipelineId: p.id,
          name: s.name,
          probability: s.probability,
          kind: s.kind,
        };
        stages.set(looseKey(s.name), info);
        // HubSpot exports its internal stage ids ("closedwon"); Salesforce names won/lost stages
        // "Closed Won"/"Closed Lost": both reach the pipeline's won/lost stage.
        if (s.kind !== 'open' && !stages.has(`closed${s.kind}`)) stages.set(`closed${s.kind}`, info);
      }
      stagesByPipeline.set(p.id, stages);
    }
  }
  return {
    orgId: actor.orgId,
    actor,
    reach,
    entity: spec.entity,
    source: spec.source,
    now,
    timeZone: org.time_zone,
    currency: org.currency,
    digits: minorDigits(org.currency),
    settings,
    membersByEmail,
    membersByName,
    pipelinesByName,
    stagesByPipeline,
    defaultPipelineId,
    mapping: spec.mapping,
  };
}

class Rollback extends Error {}

/**
 * Streams the file through conversion, validation and batched upserts.
 * - dry run: reads and checks everything, writes nothing;
 * - all-or-nothing: one transaction; the first bad row stops the writing, every row is still
 *   checked so all problems are reported, and the transaction rolls back: nothing is stored;
 * - skip-bad-rows: each batch is its own transaction (rows and progress together), so a crash
 *   leaves whole batches and the run resumes after the last committed row.
 * Memory stays flat: one batch, the first errors and the preview are all that is held.
 */
export async function runImport(
  deps: Deps,
  ctx: ImportContext,
  spec: ImportSpec,
  options: RunOptions,
): Promise<ImportOutcome> {
  const batchSize = options.batchSize ?? BATCH_SIZE;
  const overlap = deps.db.engine === 'postgres';
  const previewLimit = options.previewLimit ?? 20;
  const progress: ImportProgress = options.resume
    ? { ...options.resume, errors: [...options.resume.errors] }
    : { processedRows: 0, inserted: 0, updated: 0, skipped: 0, errorCount: 0, errors: [] };
  const skipRows = options.resume?.processedRows ?? 0;
  const preview: ImportOutcome['preview'] = [];
  let totalRows = 0;
  let fatal: string | null = null;

  const addErrors = (errors: RowError[]) => {
    if (errors.length === 0) return;
    // Several problems of one row count as one bad row.
    const rows = new Set(errors.map((e) => e.row)).size;
    progress.errorCount += errors.length;
    progress.skipped += rows;
    for (const e of errors) if (progress.errors.length < KEPT_ERRORS) progress.errors.push(e);
  };

  /**
   * Reads, converts and checks the file batch by batch and hands each batch to `flush`. Batches are
   * flushed one after the other, in file order, but the next batch is read and converted while the
   * previous one is being written (the database works while this process parses): at most one batch
   * in flight and one being read. Only on PostgreSQL, whose server works in another process.
   */
  async function stream(
    flush: (batch: Candidate[], pendingErrors: RowError[], read: number) => Promise<void>,
  ): Promise<void> {
    let batch: Candidate[] = [];
    let pendingErrors: RowError[] = [];
    let extIds = new Set<string>();
    let header = true;
    let read = 0;
    let inFlight: Promise<void> = Promise.resolve();
    /** Queues a batch behind the one in flight; returns once that earlier one is written. */
    const send = async (b: Candidate[], errors: RowError[], upTo: number) => {
      // SQLite writes synchronously on this very thread: nothing to overlap, so write in place.
      if (!overlap) return flush(b, errors, upTo);
      const previous = inFlight;
      inFlight = previous.then(() => flush(b, errors, upTo));
      // Awaited below (or its error is the one `previous` already threw).
      inFlight.catch(() => undefined);
      await previous;
    };
    try {
      for await (const { row, cells } of readCsv(spec.path)) {
        if (header) {
          header = false;
          continue;
        }
        read += 1;
        totalRows += 1;
        if (read <= skipRows) continue;
        const { candidate, errors } = convertRow(ctx, row, cells, spec.columnCount);
        if (errors.length > 0) pendingErrors.push(...errors);
        if (!candidate) {
          if (batch.length === 0 && pendingErrors.length >= batchSize) {
            await send(batch, pendingErrors, read);
            pendingErrors = [];
          }
          continue;
        }
        // A second row with the same external id must see the first as existing: write first.
        if (candidate.externalId !== null && extIds.has(candidate.externalId)) {
          await send(batch, pendingErrors, read - 1);
          batch = [];
          pendingErrors = [];
          extIds = new Set();
        }
        if (candidate.externalId !== null) extIds.add(candidate.externalId);
        batch.push(candidate);
        if (batch.length >= batchSize) {
          await send(batch, pendingErrors, read);
          batch = [];
          pendingErrors = [];
          extIds = new Set();
        }
      }
      if (header) throw new CsvFileError(null, 'the file is empty: it needs a header row and data rows');
      await send(batch, pendingErrors, read);
      await inFlight;
    } catch (error) {
      // Never leave a batch running behind the caller's back (its transaction ends next); a failed
      // write wins over a file error found while it ran, as it would have without the overlap.
      const writeError = await inFlight.then(
        () => null,
        (e: unknown) => e,
      );
      if (writeError !== null && writeError !== error) throw writeError;
      if (error instanceof CsvFileError) {
        fatal = error.message;
        return;
      }
      throw error;
    }
  }

  const take = (accepted: Candidate[]) => {
    for (const c of accepted) {
      if (preview.length >= previewLimit) break;
      preview.push({ row: c.row, values: c.input });
    }
  };

  const outcome = (committed: boolean): ImportOutcome => ({
    ...progress,
    totalRows,
    preview,
    fatal,
    committed,
  });

  if (options.dryRun) {
    await stream(async (batch, pendingErrors, read) => {
      addErrors(pendingErrors);
      const r = await processBatch(deps.db.kysely, ctx, batch, false);
      addErrors(r.errors);
      take(r.accepted);
      progress.inserted += r.inserted;
      progress.updated += r.updated;
      progress.processedRows = read;
      options.onProgress?.(progress);
    });
    return outcome(false);
  }

  if (options.mode === 'all-or-nothing') {
    try {
      await deps.db.kysely.transaction().execute(async (trx) => {
        await stream(async (batch, pendingErrors, read) => {
          addErrors(pendingErrors);
          // After the first bad row nothing will be kept: only check the rest.
          const r = await processBatch(trx, ctx, batch, progress.errorCount === 0);
          addErrors(r.errors);
          progress.inserted += r.inserted;
          progress.updated += r.updated;
          progress.processedRows = read;
          options.onProgress?.(progress);
        });
        if (fatal !== null || progress.errorCount > 0) throw new Rollback();
        await options.onCommit?.(trx, progress, outcome(true));
      });
      return outcome(true);
    } catch (error) {
      if (!(error instanceof Rollback)) throw error;
      fatal ??= `${progress.skipped} row${progress.skipped === 1 ? '' : 's'} had problems, so nothing was imported (all-or-nothing)`;
      return { ...outcome(false), inserted: 0, updated: 0 };
    }
  }

  // skip-bad-rows
  await stream(async (batch, pendingErrors, read) => {
    await deps.db.kysely.transaction().execute(async (trx) => {
      const before = { ...progress, errors: [...progress.errors] };
      try {
        addErrors(pendingErrors);
        const r = await processBatch(trx, ctx, batch, true);
        addErrors(r.errors);
        progress.inserted += r.inserted;
        progress.updated += r.updated;
        progress.processedRows = read;
        await options.onCommit?.(trx, progress, null);
      } catch (error) {
        Object.assign(progress, before);
        throw error;
      }
    });
    options.onProgress?.(progress);
  });
  const final = outcome(progress.processedRows > 0);
  await deps.db.kysely.transaction().execute(async (trx) => {
    await options.onCommit?.(trx, progress, final);
  });
  return final;
}
