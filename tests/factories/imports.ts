import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { FastifyInstance } from 'fastify';
import { expect } from 'vitest';
import type { Db } from '../../src/server/db/database.ts';
import type { Clock } from '../../src/server/lib/clock.ts';
import { as, type Session, signIn } from '../setup/test-app.ts';
import { makeWorld, PASSWORD } from './identity.ts';

/**
 * Shared setup of the suites that run a CSV import end to end (import job, live progress relay,
 * planner statistics): the org chart of `makeWorld` with signed-in sessions, and a rep uploading
 * the Salesforce accounts export (three accounts) and starting its import.
 */
export const importFixtures = join(import.meta.dirname, '../fixtures/import');

let accountsCsv: string | undefined;
/** `tests/fixtures/import/salesforce-accounts.csv`: three valid accounts. */
export function salesforceAccountsCsv(): string {
  accountsCsv ??= readFileSync(join(importFixtures, 'salesforce-accounts.csv'), 'utf8');
  return accountsCsv;
}

/** `makeWorld` plus sessions of its admin and of `repA1` (the uploader in these suites). */
export async function makeImportWorld(app: FastifyInstance, db: Db, clock: Clock) {
  const w = await makeWorld(db, clock);
  const admin = await signIn(app, w.org.admin.email, PASSWORD);
  const rep = await signIn(app, w.repA1.email, PASSWORD);
  return { w, admin, rep };
}

/** Uploads the Salesforce accounts export as `session` (expects 201) and returns the run's id. */
export async function uploadAccountsCsv(app: FastifyInstance, session: Session): Promise<string> {
  const up = await as(
    app,
    session,
  )({
    method: 'POST',
    url: '/api/crm/imports?entity=accounts&fileName=accounts.csv',
    headers: { 'content-type': 'text/csv' },
    payload: salesforceAccountsCsv(),
  });
  expect(up.statusCode, up.body).toBe(201);
  return up.json().id as string;
}

/**
 * Uploads the Salesforce accounts export and starts its import with the Salesforce preset (expects
 * 202): the `crm.import` job is queued, not run. Returns the run's id.
 */
export async function startAccountsImport(
  app: FastifyInstance,
  session: Session,
  mode: string = 'all-or-nothing',
): Promise<string> {
  const runId = await uploadAccountsCsv(app, session);
  const start = await as(
    app,
    session,
  )({ method: 'POST', url: `/api/crm/imports/${runId}/start`, payload: { preset: 'salesforce', mode } });
  expect(start.statusCode, start.body).toBe(202);
  return runId;
}
