import { z } from 'zod';
import type { ImportRunsTable } from '../../../db/schema.ts';
import { iso, isoOrNull } from '../../identity/identity.schemas.ts';
import { importEntities, importPresets } from './import-fields.ts';

export const importEntity = z.enum(importEntities);
export const importMode = z.enum(['all-or-nothing', 'skip-bad-rows']);

export const uploadQuery = z.object({
  entity: importEntity,
  fileName: z.string().trim().min(1).max(200).default('upload.csv'),
});

const mappingChoice = {
  preset: z.enum(importPresets).optional().describe('Column headers of a Salesforce or HubSpot export'),
  mapping: z
    .record(z.string().max(200), z.string().max(40))
    .optional()
    .describe('Manual mapping { "CSV header": "field" } (see GET /api/crm/imports/fields)'),
  source: z
    .string()
    .trim()
    .min(1)
    .max(40)
    .regex(/^[a-z0-9_-]+$/, 'use lower-case letters, digits, - and _')
    .optional()
    .describe('External source of a manual mapping (default "csv"); presets use their own name'),
};
function oneChoice(v: { preset?: unknown; mapping?: unknown }, ctx: z.RefinementCtx): void {
  if ((v.preset === undefined) === (v.mapping === undefined))
    ctx.addIssue({ code: 'custom', path: ['preset'], message: 'give either a preset or a mapping' });
}
export const dryRunBody = z
  .object({ ...mappingChoice, previewRows: z.number().int().min(0).max(100).default(20) })
  .strict()
  .superRefine(oneChoice);
export type DryRunInput = z.infer<typeof dryRunBody>;
export const startBody = z
  .object({ ...mappingChoice, mode: importMode })
  .strict()
  .superRefine(oneChoice);
export type StartInput = z.infer<typeof startBody>;

export const rowError = z.object({
  row: z.number().describe('Row number as a spreadsheet shows it (the header is row 1)'),
  column: z.string().nullable(),
  reason: z.string(),
});

export const importRunResponse = z.object({
  id: z.string(),
  entity: importEntity,
  fileName: z.string(),
  fileBytes: z.number(),
  headers: z.array(z.string()),
  source: z.string(),
  mapping: z.record(z.string(), z.string()).nullable(),
  mode: importMode.nullable(),
  state: z.enum(['uploaded', 'queued', 'running', 'done', 'failed']),
  totalRows: z.number(),
  processedRows: z.number(),
  inserted: z.number(),
  updated: z.number(),
  skipped: z.number(),
  errorCount: z.number(),
  errors: z.array(rowError),
  message: z.string().nullable(),
  retryable: z
    .boolean()
    .describe('Failed because its background job stopped (dead letters): an admin can retry the job'),
  createdAt: z.string(),
  updatedAt: z.string(),
  finishedAt: z.string().nullable(),
});
export type ImportRunResponse = z.infer<typeof importRunResponse>;

export const dryRunResponse = z.object({
  run: importRunResponse,
  preview: z.array(z.object({ row: z.number(), values: z.record(z.string(), z.unknown()) })),
  totalRows: z.number(),
  wouldInsert: z.number(),
  wouldUpdate: z.number(),
  badRows: z.number(),
  errorCount: z.number(),
  errors: z.array(rowError),
  fatal: z.string().nullable(),
});

export const importFieldsResponse = z.object({
  entities: z.record(
    z.string(),
    z.object({
      fields: z.array(z.string()),
      required: z.array(z.array(z.string())),
      presets: z.record(z.string(), z.record(z.string(), z.string())),
    }),
  ),
});

export type ImportRunRow = Pick<
  ImportRunsTable,
  | 'id'
  | 'user_id'
  | 'entity'
  | 'file_name'
  | 'file_bytes'
  | 'headers'
  | 'source'
  | 'mapping'
  | 'mode'
  | 'state'
  | 'total_rows'
  | 'processed_rows'
  | 'inserted'
  | 'updated'
  | 'skipped'
  | 'error_count'
  | 'errors'
  | 'message'
  | 'job_id'
  | 'created_at'
  | 'updated_at'
  | 'finished_at'
>;

export function toImportRunResponse(row: ImportRunRow, retryable = false): ImportRunResponse {
  return {
    id: row.id,
    entity: row.entity,
    fileName: row.file_name,
    fileBytes: row.file_bytes,
    headers: JSON.parse(row.headers) as string[],
    source: row.source,
    mapping: row.mapping === null ? null : (JSON.parse(row.mapping) as Record<string, string>),
    mode: row.mode,
    state: row.state,
    totalRows: row.total_rows,
    processedRows: row.processed_rows,
    inserted: row.inserted,
    updated: row.updated,
    skipped: row.skipped,
    errorCount: row.error_count,
    errors: JSON.parse(row.errors) as z.infer<typeof rowError>[],
    message: row.message,
    retryable,
    createdAt: iso(row.created_at),
    updatedAt: iso(row.updated_at),
    finishedAt: isoOrNull(row.finished_at),
  };
}
