import { rmSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { PASSWORD } from '../../../../../tests/factories/identity.ts';
import { makeImportWorld, startAccountsImport } from '../../../../../tests/factories/imports.ts';
import {
  as,
  createTestApp,
  type Session,
  signIn,
  type TestApp,
} from '../../../../../tests/setup/test-app.ts';
import type { Deps } from '../../../context.ts';
import { executeImport, importDir } from './import.service.ts';

/**
 * An import whose background job dies (issue 7): the run must say failed with the reason, show
 * that it can be retried, and run again when an admin retries the dead job.
 */
let t: TestApp;
let w: Awaited<ReturnType<typeof makeImportWorld>>['w'];
let admin: Session;
let rep: Session;

beforeAll(async () => {
  t = await createTestApp();
  ({ w, admin, rep } = await makeImportWorld(t.app, t.db, t.clock));
});
afterAll(async () => {
  await t.close();
});

/** The rep uploads the Salesforce accounts export and starts it; the job is queued, not run. */
async function startedImport(mode: string): Promise<{ runId: string; jobId: string }> {
  // A fresh session: earlier tests move the fake clock past the idle limit.
  const rep = await signIn(t.app, w.repA1.email, PASSWORD);
  const runId = await startAccountsImport(t.app, rep, mode);
  const run = await t.db.kysely
    .selectFrom('import_runs')
    .select('job_id')
    .where('id', '=', runId)
    .executeTakeFirstOrThrow();
  return { runId, jobId: run.job_id! };
}

const getRun = async (session: Session, runId: string) =>
  (await as(t.app, session)({ method: 'GET', url: `/api/crm/imports/${runId}` })).json();
const jobState = async (jobId: string) =>
  (await t.db.kysely.selectFrom('jobs').select('state').where('id', '=', jobId).executeTakeFirstOrThrow())
    .state;
const importedAccounts = async () =>
  (
    await t.db.kysely
      .selectFrom('accounts')
      .select('id')
      .where('org_id', '=', w.org.orgId)
      .where('external_source', '=', 'salesforce')
      .execute()
  ).length;

describe('an import whose job goes to the dead letters', () => {
  it('is marked failed with the reason when its worker died on the last attempt, and runs again when an admin retries the job', async () => {
    const { runId, jobId } = await startedImport('all-or-nothing');
    // The worker was killed during its third and last attempt: the lock is held by a dead process.
    await t.db.kysely
      .updateTable('jobs')
      .set({ state: 'running', attempts: 3, locked_by: 'gone:1:x', lock_expires_at: t.clock.now() - 1 })
      .where('id', '=', jobId)
      .execute();
    await t.db.kysely.updateTable('import_runs').set({ state: 'running' }).where('id', '=', runId).execute();
    await t.app.jobs.runDue();

    expect(await jobState(jobId)).toBe('dead');
    const failed = await getRun(rep, runId);
    expect(failed).toMatchObject({ state: 'failed', retryable: true, inserted: 0 });
    expect(failed.message).toBe(
      'the background import stopped after 3 attempts (worker stopped responding (lock expired))',
    );
    expect(failed.finishedAt).not.toBeNull();
    expect(await importedAccounts()).toBe(0);
    // The list says the same.
    const listed = (await as(t.app, rep)({ method: 'GET', url: '/api/crm/imports' })).json();
    expect(listed.items.find((r: { id: string }) => r.id === runId)).toMatchObject({
      state: 'failed',
      retryable: true,
    });

    // Only an admin retries jobs; the retry queues the run again and the import runs to the end.
    expect((await as(t.app, rep)({ method: 'POST', url: `/api/admin/jobs/${jobId}/retry` })).statusCode).toBe(
      403,
    );
    const retry = await as(t.app, admin)({ method: 'POST', url: `/api/admin/jobs/${jobId}/retry` });
    expect(retry.statusCode, retry.body).toBe(200);
    expect(await getRun(rep, runId)).toMatchObject({ state: 'queued', message: null, retryable: false });
    await t.app.jobs.runDue();
    expect(await getRun(rep, runId)).toMatchObject({ state: 'done', inserted: 3, retryable: false });
    expect(await jobState(jobId)).toBe('done');
    expect(await importedAccounts()).toBe(3);
  });

  it('can be retried by its uploader, and only when its job stopped', async () => {
    const rep1 = await signIn(t.app, w.repA1.email, PASSWORD);
    const { runId, jobId } = await startedImport('all-or-nothing');
    const retry = () => as(t.app, rep1)({ method: 'POST', url: `/api/crm/imports/${runId}/retry` });
    // Queued, not failed: nothing to retry.
    const early = await retry();
    expect(early.statusCode).toBe(409);
    expect(early.json().error.message).toBe(
      'Only an import whose background job stopped can be retried; this one is queued',
    );
    await t.db.kysely
      .updateTable('jobs')
      .set({ state: 'running', attempts: 3, locked_by: 'gone:1:x', lock_expires_at: t.clock.now() - 1 })
      .where('id', '=', jobId)
      .execute();
    await t.app.jobs.runDue();
    expect(await getRun(rep1, runId)).toMatchObject({ state: 'failed', retryable: true });
    // Another rep does not see it (404, like a missing import).
    const other = await signIn(t.app, w.repA2.email, PASSWORD);
    expect(
      (await as(t.app, other)({ method: 'POST', url: `/api/crm/imports/${runId}/retry` })).statusCode,
    ).toBe(404);

    const retried = await retry();
    expect(retried.statusCode, retried.body).toBe(202);
    expect(retried.json()).toMatchObject({ state: 'queued', message: null, retryable: false });
    expect(await jobState(jobId)).toBe('queued');
    const audit = await t.db.kysely
      .selectFrom('audit_log')
      .select(['action', 'actor_user_id'])
      .where('entity_type', '=', 'import')
      .where('entity_id', '=', runId)
      .execute();
    expect(audit).toEqual([{ action: 'retry', actor_user_id: w.repA1.id }]);
    expect((await retry()).statusCode).toBe(409);
    await t.app.jobs.runDue();
    expect(await getRun(rep1, runId)).toMatchObject({ state: 'done', retryable: false });
  });

  it('is marked failed with the error when every attempt throws', async () => {
    const { runId, jobId } = await startedImport('skip-bad-rows');
    // The uploaded file vanished (e.g. an import folder not shared between instances).
    rmSync(join(importDir(), `${runId}.csv`));
    for (let attempt = 0; attempt < 3; attempt += 1) {
      await t.app.jobs.runDue();
      t.clock.advance(3_600_000);
    }
    expect(await jobState(jobId)).toBe('dead');
    // (The sessions have idled out meanwhile.)
    const failed = await getRun(await signIn(t.app, w.repA1.email, PASSWORD), runId);
    expect(failed).toMatchObject({ state: 'failed', retryable: true });
    expect(failed.message).toMatch(/^the background import stopped after 3 attempts \(.*ENOENT/);
  });
});

describe('two executions of one import at once (a job taken over after its lock was lost)', () => {
  const auditRows = async (runId: string) =>
    Number(
      (
        await t.db.kysely
          .selectFrom('audit_log')
          .select((eb) => eb.fn.countAll<number>().as('n'))
          .where('entity_type', '=', 'import')
          .where('entity_id', '=', runId)
          .executeTakeFirstOrThrow()
      ).n,
    );

  for (const mode of ['all-or-nothing', 'skip-bad-rows']) {
    it(`commit the import once (${mode})`, async () => {
      const deps: Deps = { db: t.db, clock: t.clock, config: t.config, log: t.app.log };
      // The accounts exist already (an earlier import of the file), so both executions only update
      // them and neither trips over the other's inserts.
      const first = await startedImport(mode);
      await t.app.jobs.runDue();
      expect(await getRun(await signIn(t.app, w.repA1.email, PASSWORD), first.runId)).toMatchObject({
        state: 'done',
      });

      const { runId } = await startedImport(mode);
      const outcomes = await Promise.all([
        executeImport(deps, w.org.orgId, runId),
        executeImport(deps, w.org.orgId, runId),
      ]);
      // One commits; the other finds the run finished (or moved on) and stops without writing.
      expect(outcomes.filter((o) => o?.committed)).toHaveLength(1);
      expect(outcomes.filter((o) => o === null)).toHaveLength(1);
      expect(await auditRows(runId)).toBe(1);
      const run = await t.db.kysely
        .selectFrom('import_runs')
        .select(['state', 'inserted', 'updated', 'processed_rows'])
        .where('id', '=', runId)
        .executeTakeFirstOrThrow();
      expect(run).toEqual({ state: 'done', inserted: 0, updated: 3, processed_rows: 3 });
    });
  }
});
