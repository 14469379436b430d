import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { purgeIdempotencyKeys } from '../../src/server/lib/idempotency-purge.ts';
import { newId } from '../../src/server/lib/ids.ts';
import { makeAccount, makeDeal } from '../factories/crm.ts';
import { makeWorld, PASSWORD } from '../factories/identity.ts';
import { createOpsTestApp } from '../setup/ops-test-app.ts';
import { as, signIn, type TestApp } from '../setup/test-app.ts';
import { testEngine } from '../setup/test-db.ts';

/**
 * Issue 7: stored Idempotency-Key answers are purged after the retention by the hourly job, in
 * bounded batches; a repeat within the retention still gets the stored answer.
 */
const HOUR = 3_600_000;
let t: TestApp;
let w: Awaited<ReturnType<typeof makeWorld>>;
let dealId: string;

beforeAll(async () => {
  t = await createOpsTestApp({ idempotencyRetentionMs: 24 * HOUR });
  w = await makeWorld(t.db, t.clock);
  const accountId = await makeAccount(t.db, t.clock, w.org.orgId, w.repA1.id);
  dealId = await makeDeal(t.db, t.clock, w.org.orgId, w.repA1.id, accountId);
});
afterAll(async () => {
  await t.close();
});

async function patchWithKey(key: string, amountMinor: number) {
  const rep = await signIn(t.app, w.repA1.email, PASSWORD);
  return as(
    t.app,
    rep,
  )({
    method: 'PATCH',
    url: `/api/crm/deals/${dealId}`,
    headers: { 'idempotency-key': key },
    payload: { amountMinor },
  });
}

async function keysLike(prefix: string): Promise<string[]> {
  const rows = await t.db.kysely
    .selectFrom('idempotency_keys')
    .select('key')
    .where('key', 'like', `${prefix}%`)
    .orderBy('key')
    .execute();
  return rows.map((r) => r.key);
}

/** Keys written straight into the table, `ageMs` old. */
async function oldKeys(prefix: string, n: number, ageMs: number): Promise<void> {
  const rows = Array.from({ length: n }, (_, i) => ({
    org_id: w.org.orgId,
    user_id: w.repA2.id,
    key: `${prefix}${String(i).padStart(5, '0')}`,
    fingerprint: 'f',
    route: 'PATCH /api/crm/deals/:id',
    response_status: 200,
    response_body: '{}',
    created_at: t.clock.now() - ageMs,
  }));
  for (let i = 0; i < rows.length; i += 200)
    await t.db.kysely
      .insertInto('idempotency_keys')
      .values(rows.slice(i, i + 200))
      .execute();
}

describe(`Idempotency-Key retention on ${testEngine()}`, () => {
  it('the hourly job deletes keys older than the retention and a replay within it still works', async () => {
    const oldKey = `purge-old-${newId()}`;
    const first = await patchWithKey(oldKey, 111_100);
    expect(first.statusCode).toBe(200);
    t.clock.advance(20 * HOUR);
    const recentKey = `purge-recent-${newId()}`;
    expect((await patchWithKey(recentKey, 222_200)).statusCode).toBe(200);
    // 2,500 keys of another user from the same time as the old one: several batches.
    await oldKeys('purge-bulk-', 2500, 20 * HOUR);
    t.clock.advance(5 * HOUR); // old keys are now 25 h old, the recent one 5 h

    await t.app.jobs.runDue();
    expect(await keysLike('purge-old-')).toEqual([]);
    expect(await keysLike('purge-bulk-')).toEqual([]);
    expect(await keysLike('purge-recent-')).toEqual([recentKey]);

    // Within the retention: the stored answer, nothing written again.
    const replay = await patchWithKey(recentKey, 222_200);
    expect(replay.headers['idempotent-replayed']).toBe('true');
    expect(replay.json().amountMinor).toBe(222_200);
    // After the purge the old key is a new request: it writes again.
    const again = await patchWithKey(oldKey, 111_100);
    expect(again.statusCode).toBe(200);
    expect(again.headers['idempotent-replayed']).toBeUndefined();
    expect(await keysLike('purge-old-')).toEqual([oldKey]);
  });

  it('deletes in batches of the given size, oldest first, and stops at the batch limit', async () => {
    await oldKeys('batch-a-', 250, 30 * HOUR);
    await oldKeys('batch-b-', 50, 26 * HOUR);
    await oldKeys('batch-keep-', 10, 1 * HOUR);
    const before = t.clock.now() - 24 * HOUR;
    expect(await purgeIdempotencyKeys(t.db.kysely, before, { batch: 100, maxBatches: 2 })).toEqual({
      deleted: 200,
      batches: 2,
    });
    // The oldest went first.
    expect(await keysLike('batch-a-')).toHaveLength(50);
    expect(await keysLike('batch-b-')).toHaveLength(50);
    expect(await purgeIdempotencyKeys(t.db.kysely, before, { batch: 100 })).toEqual({
      deleted: 100,
      batches: 2,
    });
    expect(await keysLike('batch-a-')).toEqual([]);
    expect(await keysLike('batch-b-')).toEqual([]);
    expect(await keysLike('batch-keep-')).toHaveLength(10);
  });
});
