import { afterEach, describe, expect, it } from 'vitest';
import { z } from 'zod';
import { makeOrg, PASSWORD } from '../../../tests/factories/identity.ts';
import { createOpsTestApp } from '../../../tests/setup/ops-test-app.ts';
import { as, signIn, type TestApp, testConfig } from '../../../tests/setup/test-app.ts';
import { createTestDb, type TestDb } from '../../../tests/setup/test-db.ts';
import { buildApp } from '../app.ts';
import { openDb } from '../db/database.ts';
import { defaultOpsConfig } from '../ops/ops-config.ts';
import { backoffMs, enqueueJob } from './job-queue.ts';
import { defineJob } from './job-registry.ts';

let t: TestApp;
const cleanups: Array<() => Promise<void>> = [];
afterEach(async () => {
  for (const c of cleanups.splice(0).reverse()) await c();
});

async function setup() {
  t = await createOpsTestApp();
  cleanups.push(() => t.close());
  return t;
}

async function jobRow(id: string) {
  return t.db.kysely
    .selectFrom('jobs')
    .select(['state', 'attempts', 'run_at', 'last_error'])
    .where('id', '=', id)
    .executeTakeFirstOrThrow();
}

describe('job queue', () => {
  it('runs an enqueued job once with its validated payload, and a dedupe key enqueues only once', async () => {
    await setup();
    const seen: number[] = [];
    t.app.jobs.registry.register(
      defineJob({
        name: 'test.record',
        schema: z.object({ n: z.number() }),
        async run(_ctx, p) {
          seen.push(p.n);
        },
      }),
    );
    const first = await enqueueJob(t.db.kysely, t, {
      name: 'test.record',
      payload: { n: 1 },
      dedupeKey: 'k1',
    });
    const second = await enqueueJob(t.db.kysely, t, {
      name: 'test.record',
      payload: { n: 2 },
      dedupeKey: 'k1',
    });
    expect(first).not.toBeNull();
    expect(second).toBeNull();
    // (The hourly digest tick is due too, so more than this job may run.)
    await t.app.jobs.runDue();
    expect(seen).toEqual([1]);
    expect((await jobRow(first!)).state).toBe('done');
    expect(await t.app.jobs.runDue()).toBe(0);
  });

  it('waits for run_at before running a job', async () => {
    await setup();
    let ran = 0;
    t.app.jobs.registry.register(
      defineJob({
        name: 'test.later',
        schema: z.object({}),
        async run() {
          ran += 1;
        },
      }),
    );
    await enqueueJob(t.db.kysely, t, { name: 'test.later', runAt: t.clock.now() + 60_000 });
    await t.app.jobs.runDue();
    expect(ran).toBe(0);
    t.clock.advance(60_000);
    await t.app.jobs.runDue();
    expect(ran).toBe(1);
  });

  it('retries a failing job with growing delays, then succeeds', async () => {
    await setup();
    let calls = 0;
    t.app.jobs.registry.register(
      defineJob({
        name: 'test.flaky',
        schema: z.object({}),
        async run({ job }) {
          calls += 1;
          expect(job.attempt).toBe(calls);
          if (calls < 3) throw new Error(`flake ${calls}`);
        },
      }),
    );
    const id = (await enqueueJob(t.db.kysely, t, { name: 'test.flaky', maxAttempts: 5 }))!;
    await t.app.jobs.runDue();
    const afterOne = await jobRow(id);
    expect(afterOne).toMatchObject({ state: 'queued', attempts: 1, last_error: 'flake 1' });
    const firstDelay = afterOne.run_at - t.clock.now();
    expect(firstDelay).toBeGreaterThanOrEqual(10_000);
    t.clock.set(afterOne.run_at);
    await t.app.jobs.runDue();
    const afterTwo = await jobRow(id);
    expect(afterTwo.attempts).toBe(2);
    expect(afterTwo.run_at - t.clock.now()).toBeGreaterThan(firstDelay);
    t.clock.set(afterTwo.run_at);
    await t.app.jobs.runDue();
    expect(await jobRow(id)).toMatchObject({ state: 'done', attempts: 3 });
  });

  it('grows the backoff exponentially up to a cap', () => {
    const noJitter = () => 0;
    expect([1, 2, 3, 4].map((a) => backoffMs(a, noJitter))).toEqual([10_000, 20_000, 40_000, 80_000]);
    expect(backoffMs(40, noJitter)).toBe(6 * 3_600_000);
  });

  it('moves a job to the dead letters after its last attempt, and an admin can retry it', async () => {
    await setup();
    let fail = true;
    t.app.jobs.registry.register(
      defineJob({
        name: 'test.broken',
        schema: z.object({}),
        async run() {
          if (fail) throw new Error('still broken');
        },
      }),
    );
    const org = await makeOrg(t.db, t.clock);
    const id = (await enqueueJob(t.db.kysely, t, { name: 'test.broken', orgId: org.orgId, maxAttempts: 2 }))!;
    await t.app.jobs.runDue();
    t.clock.advance(3_600_000);
    await t.app.jobs.runDue();
    expect(await jobRow(id)).toMatchObject({ state: 'dead', attempts: 2, last_error: 'still broken' });

    const admin = await signIn(t.app, org.admin.email, PASSWORD);
    const list = await as(t.app, admin)({ method: 'GET', url: '/api/admin/jobs?state=dead' });
    expect(list.statusCode).toBe(200);
    expect(list.json().items.map((j: { id: string }) => j.id)).toEqual([id]);
    expect(list.json().counts.dead).toBe(1);

    fail = false;
    const retry = await as(t.app, admin)({ method: 'POST', url: `/api/admin/jobs/${id}/retry` });
    expect(retry.statusCode).toBe(200);
    expect(retry.json()).toMatchObject({ state: 'queued', attempts: 0 });
    await t.app.jobs.runDue();
    expect((await jobRow(id)).state).toBe('done');
    const again = await as(t.app, admin)({ method: 'POST', url: `/api/admin/jobs/${id}/retry` });
    expect(again.statusCode).toBe(409);
  });

  it("shows an org's admin only that org's jobs", async () => {
    await setup();
    const a = await makeOrg(t.db, t.clock);
    const b = await makeOrg(t.db, t.clock);
    const bJob = (await enqueueJob(t.db.kysely, t, { name: 'test.none', orgId: b.orgId }))!;
    const admin = await signIn(t.app, a.admin.email, PASSWORD);
    expect((await as(t.app, admin)({ method: 'GET', url: '/api/admin/jobs' })).json().items).toEqual([]);
    const retry = await as(t.app, admin)({ method: 'POST', url: `/api/admin/jobs/${bJob}/retry` });
    expect(retry.statusCode).toBe(404);
  });

  it('dead-letters a job whose payload does not validate, without retrying it', async () => {
    await setup();
    t.app.jobs.registry.register(
      defineJob({ name: 'test.strict', schema: z.object({ n: z.number() }), async run() {} }),
    );
    const id = (await enqueueJob(t.db.kysely, t, { name: 'test.strict', payload: { n: 'x' } }))!;
    await t.app.jobs.runDue();
    expect(await jobRow(id)).toMatchObject({ state: 'dead', attempts: 1 });
    expect((await jobRow(id)).last_error).toMatch(/Invalid payload/);
  });

  it('enqueues a recurring job once per slot, however often instances look', async () => {
    await setup();
    const slots: number[] = [];
    t.app.jobs.registry.register(
      defineJob({
        name: 'test.tick',
        schema: z.object({ slotStart: z.number() }),
        async run(_ctx, p) {
          slots.push(p.slotStart);
        },
      }),
    );
    t.app.jobs.registry.schedule({ key: 'test-tick', jobName: 'test.tick', everyMs: 3_600_000 });
    await t.app.jobs.runDue();
    await t.app.jobs.runDue();
    t.clock.advance(3_600_000);
    await t.app.jobs.runDue();
    expect(slots).toHaveLength(2);
    expect(slots[1]! - slots[0]!).toBe(3_600_000);
  });

  it('requeues a job whose worker stopped responding once its lock expires', async () => {
    await setup();
    let ran = 0;
    t.app.jobs.registry.register(
      defineJob({
        name: 'test.orphan',
        schema: z.object({}),
        async run() {
          ran += 1;
        },
      }),
    );
    const id = (await enqueueJob(t.db.kysely, t, { name: 'test.orphan' }))!;
    await t.db.kysely
      .updateTable('jobs')
      .set({ state: 'running', attempts: 1, locked_by: 'gone', lock_expires_at: t.clock.now() - 1 })
      .where('id', '=', id)
      .execute();
    await t.app.jobs.runDue();
    expect(ran).toBe(1);
    expect(await jobRow(id)).toMatchObject({ state: 'done', attempts: 2 });
  });
});

describe('dead letters and the dead-letter hook', () => {
  async function registerWithHook(name: string, opts: { fail?: () => boolean; hookThrows?: boolean } = {}) {
    const calls: Array<{ payload: unknown; attempt: number; lastError: string | null }> = [];
    t.app.jobs.registry.register(
      defineJob({
        name,
        schema: z.object({ n: z.number() }),
        async run() {
          if (opts.fail?.() ?? true) throw new Error('always broken');
        },
        async onDead(trx, ctx, payload) {
          // Written in the dead-lettering transaction: it exists exactly when the job is dead.
          await trx
            .insertInto('app_settings')
            .values({ key: `dead:${ctx.job.id}`, value: String(payload.n) })
            .execute();
          calls.push({ payload, attempt: ctx.job.attempt, lastError: ctx.lastError });
          if (opts.hookThrows) throw new Error('hook broken');
        },
        async onRetry(trx, ctx) {
          await trx.deleteFrom('app_settings').where('key', '=', `dead:${ctx.job.id}`).execute();
        },
      }),
    );
    return calls;
  }
  const marker = async (id: string) =>
    (
      await t.db.kysely
        .selectFrom('app_settings')
        .select('value')
        .where('key', '=', `dead:${id}`)
        .executeTakeFirst()
    )?.value;

  it('calls onDead with the payload and the last error when the last attempt fails, and onRetry on retry', async () => {
    await setup();
    const calls = await registerWithHook('test.hooked');
    const org = await makeOrg(t.db, t.clock);
    const id = (await enqueueJob(t.db.kysely, t, {
      name: 'test.hooked',
      orgId: org.orgId,
      payload: { n: 7 },
      maxAttempts: 2,
    }))!;
    await t.app.jobs.runDue();
    expect(calls).toEqual([]);
    t.clock.advance(3_600_000);
    await t.app.jobs.runDue();
    expect(await jobRow(id)).toMatchObject({ state: 'dead', attempts: 2 });
    expect(calls).toEqual([{ payload: { n: 7 }, attempt: 2, lastError: 'always broken' }]);
    expect(await marker(id)).toBe('7');

    const admin = await signIn(t.app, org.admin.email, PASSWORD);
    const retry = await as(t.app, admin)({ method: 'POST', url: `/api/admin/jobs/${id}/retry` });
    expect(retry.statusCode).toBe(200);
    expect(await marker(id)).toBeUndefined();
  });

  it('calls onDead when the worker died during the last attempt (its lock expired)', async () => {
    await setup();
    const calls = await registerWithHook('test.orphaned', { fail: () => false });
    const id = (await enqueueJob(t.db.kysely, t, {
      name: 'test.orphaned',
      payload: { n: 3 },
      maxAttempts: 2,
    }))!;
    await t.db.kysely
      .updateTable('jobs')
      .set({ state: 'running', attempts: 2, locked_by: 'gone:1:x', lock_expires_at: t.clock.now() - 1 })
      .where('id', '=', id)
      .execute();
    await t.app.jobs.runDue();
    expect((await jobRow(id)).state).toBe('dead');
    expect((await jobRow(id)).last_error).toMatch(/lock expired/);
    expect(calls).toEqual([
      { payload: { n: 3 }, attempt: 2, lastError: 'worker stopped responding (lock expired)' },
    ]);
    expect(await marker(id)).toBe('3');
  });

  it('still dead-letters the job when its hook throws, without what the hook wrote', async () => {
    await setup();
    const calls = await registerWithHook('test.badhook', { hookThrows: true });
    const id = (await enqueueJob(t.db.kysely, t, {
      name: 'test.badhook',
      payload: { n: 1 },
      maxAttempts: 1,
    }))!;
    await t.app.jobs.runDue();
    expect(calls).toHaveLength(1);
    expect(await jobRow(id)).toMatchObject({ state: 'dead', last_error: 'always broken' });
    expect(await marker(id)).toBeUndefined();
  });
});

describe('job lock heartbeat', () => {
  it('keeps extending the lock of a job that runs longer than the lock timeout, so no instance takes it', async () => {
    const tdb: TestDb = await createTestDb();
    cleanups.push(() => tdb.drop());
    // Long enough that a busy CI machine's event-loop stalls stay well under the heartbeat's margin
    // (a third of it): 300 ms made the test fail when the whole suite ran on two loaded cores.
    const lockTimeoutMs = 1200;
    const runs: string[] = [];
    const apps = [];
    for (const name of ['instance-a', 'instance-b']) {
      const db = openDb(tdb.url, { poolSize: 4 });
      const app = await buildApp({
        db,
        config: testConfig(),
        logger: false,
        ops: defaultOpsConfig({ jobs: { enabled: true, concurrency: 2, pollIntervalMs: 10, lockTimeoutMs } }),
      });
      app.jobs.registry.register(
        defineJob({
          name: 'test.long',
          schema: z.object({}),
          async run() {
            runs.push(name);
            // Three lock timeouts: without the heartbeat the lock expires and the job is taken again.
            await new Promise((r) => setTimeout(r, 3 * lockTimeoutMs));
          },
        }),
      );
      await app.ready();
      apps.push(app);
      cleanups.push(async () => {
        await app.close();
        await db.close();
      });
    }
    const id = (await enqueueJob(
      tdb.db.kysely,
      { clock: { now: () => Date.now() } },
      { name: 'test.long' },
    ))!;
    for (const app of apps) app.jobs.start();
    const row = () =>
      tdb.db.kysely
        .selectFrom('jobs')
        .select(['state', 'attempts', 'lock_expires_at'])
        .where('id', '=', id)
        .executeTakeFirstOrThrow();
    const started = Date.now();
    const locks = new Set<number>();
    for (;;) {
      const r = await row();
      if (r.state === 'done' || Date.now() - started > 15_000) break;
      if (r.lock_expires_at !== null) locks.add(Number(r.lock_expires_at));
      await new Promise((res) => setTimeout(res, 20));
    }
    expect(await row()).toMatchObject({ state: 'done', attempts: 1 });
    expect(runs).toHaveLength(1);
    // The lock moved forward several times while the job ran.
    expect(locks.size).toBeGreaterThanOrEqual(3);
  });
});

describe('several app instances on one database', () => {
  it('runs each of N jobs exactly once across two instances with their own pools', async () => {
    const tdb: TestDb = await createTestDb();
    cleanups.push(() => tdb.drop());
    const N = 120;
    const runs = new Map<number, string[]>();
    const apps = [];
    for (const name of ['instance-a', 'instance-b']) {
      // A separate connection pool per instance, as two processes would have.
      const db = openDb(tdb.url, { poolSize: 4 });
      const app = await buildApp({
        db,
        config: testConfig(),
        logger: process.env.DEBUG_JOBS ? { level: 'debug' } : false,
        ops: defaultOpsConfig({
          jobs: { enabled: true, concurrency: 4, pollIntervalMs: 5, lockTimeoutMs: 60_000 },
        }),
      });
      app.jobs.registry.register(
        defineJob({
          name: 'test.once',
          schema: z.object({ n: z.number() }),
          async run(_ctx, p) {
            runs.set(p.n, [...(runs.get(p.n) ?? []), name]);
            await new Promise((r) => setTimeout(r, 2));
          },
        }),
      );
      await app.ready();
      apps.push({ app, db });
      cleanups.push(async () => {
        await app.close();
        await db.close();
      });
    }
    await tdb.db.kysely.transaction().execute(async (trx) => {
      for (let n = 0; n < N; n += 1) {
        await enqueueJob(trx, { clock: { now: () => Date.now() } }, { name: 'test.once', payload: { n } });
      }
    });
    for (const { app } of apps) app.jobs.start();
    const deadline = Date.now() + 30_000;
    for (;;) {
      const left = await tdb.db.kysely
        .selectFrom('jobs')
        .select((eb) => eb.fn.countAll<number>().as('n'))
        .where('state', '!=', 'done')
        .executeTakeFirstOrThrow();
      if (Number(left.n) === 0) break;
      if (Date.now() > deadline) throw new Error(`${left.n} jobs still not done`);
      await new Promise((r) => setTimeout(r, 20));
    }
    for (const { app } of apps) await app.jobs.stop();
    expect(runs.size).toBe(N);
    const twice = [...runs.entries()].filter(([, who]) => who.length !== 1);
    expect(twice).toEqual([]);
    const byInstance = [...runs.values()].flat();
    // Both instances took part (each claims while the other is busy running).
    expect(new Set(byInstance).size).toBe(2);
  });

  it('finishes a job in flight when the app closes, and claims nothing after', async () => {
    await setup();
    let finished = false;
    let running = false;
    t.app.jobs.registry.register(
      defineJob({
        name: 'test.slow',
        schema: z.object({}),
        async run() {
          running = true;
          await new Promise((r) => setTimeout(r, 150));
          finished = true;
        },
      }),
    );
    const id = (await enqueueJob(t.db.kysely, t, { name: 'test.slow' }))!;
    t.app.jobs.start();
    const started = Date.now();
    while (!running && Date.now() - started < 5000) await new Promise((r) => setTimeout(r, 5));
    const closing = t.app.close();
    const later = (await enqueueJob(t.db.kysely, t, { name: 'test.slow' }))!;
    await closing;
    expect(finished).toBe(true);
    expect((await jobRow(id)).state).toBe('done');
    expect((await jobRow(later)).state).toBe('queued');
  });
});
