import { buildApp } from '../../src/server/app.ts';
import type { Clock } from '../../src/server/lib/clock.ts';
import { fakeClock } from '../../src/server/lib/clock.ts';
import { defaultOpsConfig, type OpsConfig } from '../../src/server/ops/ops-config.ts';
import { type TestApp, testConfig } from './test-app.ts';
import { createTestDb, type TestDb } from './test-db.ts';

/**
 * The real app with chosen jobs/email/webhooks/metrics settings (createTestApp uses the defaults).
 * The job runner is not started: tests call `app.jobs.runDue()` against the fake clock.
 */
export async function createOpsTestApp(
  ops: Partial<OpsConfig> = {},
  testDb?: TestDb,
): Promise<TestApp & { testDb: TestDb }> {
  const tdb = testDb ?? (await createTestDb());
  const clock = fakeClock();
  const config = testConfig();
  const app = await buildApp({ db: tdb.db, config, clock: clock as Clock, ops: defaultOpsConfig(ops) });
  await app.ready();
  return {
    app,
    db: tdb.db,
    clock,
    config,
    testDb: tdb,
    async close() {
      await app.close();
      await tdb.drop();
    },
  };
}
