import { z } from 'zod';
import type { JobsTable } from '../db/schema.ts';
import { pageQuery } from '../lib/pagination.ts';
import { iso, isoOrNull } from '../modules/identity/identity.schemas.ts';

export const jobStates = ['queued', 'running', 'done', 'dead'] as const;

export const jobListQuery = z.object({
  state: z.enum(jobStates).optional(),
  name: z.string().max(100).optional(),
  ...pageQuery,
});

export const jobIdParams = z.object({ id: z.string().max(64) });

export const jobResponse = z.object({
  id: z.string(),
  name: z.string(),
  state: z.enum(jobStates),
  payload: z.unknown(),
  attempts: z.number().int(),
  maxAttempts: z.number().int(),
  runAt: z.string(),
  lastError: z.string().nullable(),
  createdAt: z.string(),
  updatedAt: z.string(),
  finishedAt: z.string().nullable(),
});

export const jobPage = z.object({
  items: z.array(jobResponse),
  nextCursor: z.string().nullable(),
  counts: z.object({ queued: z.number(), running: z.number(), done: z.number(), dead: z.number() }),
});

export type JobRow = Pick<
  JobsTable,
  | 'id'
  | 'name'
  | 'state'
  | 'payload'
  | 'attempts'
  | 'max_attempts'
  | 'run_at'
  | 'last_error'
  | 'created_at'
  | 'updated_at'
  | 'finished_at'
>;

function parsePayload(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    return text;
  }
}

export function toJobResponse(row: JobRow): z.infer<typeof jobResponse> {
  return {
    id: row.id,
    name: row.name,
    state: row.state,
    payload: parsePayload(row.payload),
    attempts: row.attempts,
    maxAttempts: row.max_attempts,
    runAt: iso(row.run_at),
    lastError: row.last_error,
    createdAt: iso(row.created_at),
    updatedAt: iso(row.updated_at),
    finishedAt: isoOrNull(row.finished_at),
  };
}
