import { EventEmitter } from 'node:events';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { makeImportWorld, startAccountsImport } from '../../../../../tests/factories/imports.ts';
import { as, createTestApp, type Session, type TestApp } from '../../../../../tests/setup/test-app.ts';
import { type RelayPeer, relayMessage, workerChannel } from '../../../cluster-ipc.ts';
import type { Deps } from '../../../context.ts';
import { executeImport, IMPORT_PROGRESS_TOPIC } from './import.service.ts';

/**
 * In a cluster (decision 006) the all-or-nothing import's live progress lives in the jobs worker;
 * it broadcasts each update through the primary so a progress poll answered by another worker
 * sees it too. Here this process plays both workers over fake IPC channels: what the import sends
 * goes through the primary's relay (`relayMessage`) to a peer channel, and what arrives on this
 * process's channel is what a web worker would receive.
 */
class FakeChannel extends EventEmitter implements RelayPeer {
  sent: unknown[] = [];
  send(message: unknown) {
    this.sent.push(message);
    return true;
  }
  isConnected() {
    return true;
  }
}

let t: TestApp;
let w: Awaited<ReturnType<typeof makeImportWorld>>['w'];
let rep: Session;
const jobsWorker = new FakeChannel();

beforeAll(async () => {
  t = await createTestApp();
  ({ w, rep } = await makeImportWorld(t.app, t.db, t.clock));
  // This process's IPC endpoint: what it sends is recorded, what is emitted on it is received.
  workerChannel(jobsWorker);
});
afterAll(async () => {
  await t.close();
});

describe('live import progress across cluster workers', () => {
  it('the jobs worker broadcasts progress and the end; another worker shows the progress until the end arrives', async () => {
    const runId = await startAccountsImport(t.app, rep, 'all-or-nothing');

    // The jobs worker runs the import: it broadcasts its progress, then the end.
    const deps: Deps = { db: t.db, clock: t.clock, config: t.config, log: t.app.log };
    expect((await executeImport(deps, w.org.orgId, runId))?.committed).toBe(true);
    const sent = jobsWorker.sent.filter((m) => (m as { topic?: string }).topic === IMPORT_PROGRESS_TOPIC) as {
      payload: { runId: string; progress: { processedRows: number } | null };
    }[];
    expect(sent.length).toBeGreaterThanOrEqual(2);
    expect(sent.every((m) => m.payload.runId === runId)).toBe(true);
    expect(sent.at(0)!.payload.progress).toMatchObject({ processedRows: 3, inserted: 3, errorCount: 0 });
    expect(sent.at(-1)!.payload.progress).toBeNull();

    // The primary relays each to the other workers (never back to the sender).
    const webWorker = new FakeChannel();
    const workers = [jobsWorker, webWorker];
    for (const m of sent)
      await relayMessage(
        jobsWorker,
        m,
        () => workers,
        async () => '',
      );
    expect(webWorker.sent).toEqual(sent);
    expect(jobsWorker.sent.filter((m) => (m as { topic?: string }).topic)).toHaveLength(sent.length);

    // The web worker's view, as if the import were still in its transaction: stored is nothing yet.
    await t.db.kysely
      .updateTable('import_runs')
      .set({ state: 'running', processed_rows: 0, inserted: 0, updated: 0 })
      .where('id', '=', runId)
      .execute();
    const poll = async () =>
      (await as(t.app, rep)({ method: 'GET', url: `/api/crm/imports/${runId}` })).json() as {
        processedRows: number;
        inserted: number;
      };
    expect(await poll()).toMatchObject({ processedRows: 0, inserted: 0 });
    jobsWorker.emit('message', webWorker.sent[0]);
    expect(await poll()).toMatchObject({ processedRows: 3, inserted: 3 });
    // A malformed broadcast changes nothing.
    jobsWorker.emit('message', {
      type: 'outfield:broadcast',
      topic: IMPORT_PROGRESS_TOPIC,
      payload: { runId, progress: { processedRows: -1 } },
    });
    expect(await poll()).toMatchObject({ processedRows: 3, inserted: 3 });
    // The end: back to what is stored.
    jobsWorker.emit('message', webWorker.sent.at(-1));
    expect(await poll()).toMatchObject({ processedRows: 0, inserted: 0 });
  });
});
