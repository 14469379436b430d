import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { newId } from '../../src/server/lib/ids.ts';
import { makeAccount, makeDeal, stageId } from '../factories/crm.ts';
import { makeWorld, PASSWORD } from '../factories/identity.ts';
import { as, createTestApp, type Session, signIn, type TestApp } from '../setup/test-app.ts';
import { testEngine } from '../setup/test-db.ts';

let t: TestApp;
let w: Awaited<ReturnType<typeof makeWorld>>;
let rep: Session;
let rep2: Session;
let otherAdmin: Session;
let accountId: string;

beforeAll(async () => {
  t = await createTestApp();
  w = await makeWorld(t.db, t.clock);
  rep = await signIn(t.app, w.repA1.email, PASSWORD);
  rep2 = await signIn(t.app, w.repA2.email, PASSWORD);
  otherAdmin = await signIn(t.app, w.other.admin.email, PASSWORD);
  accountId = await makeAccount(t.db, t.clock, w.org.orgId, w.repA1.id);
});
afterAll(async () => {
  await t.close();
});

async function auditCount(entityId: string): Promise<number> {
  const row = await t.db.kysely
    .selectFrom('audit_log')
    .select((eb) => eb.fn.countAll<number>().as('n'))
    .where('entity_id', '=', entityId)
    .executeTakeFirstOrThrow();
  return Number(row.n);
}

async function storedKeys(key: string): Promise<number> {
  const row = await t.db.kysely
    .selectFrom('idempotency_keys')
    .select((eb) => eb.fn.countAll<number>().as('n'))
    .where('key', '=', key)
    .executeTakeFirstOrThrow();
  return Number(row.n);
}

describe(`Idempotency-Key on ${testEngine()}`, () => {
  it('a repeated deal PATCH with the same key answers the stored response and writes once', async () => {
    const dealId = await makeDeal(t.db, t.clock, w.org.orgId, w.repA1.id, accountId);
    const key = `k-${newId()}`;
    const send = () =>
      as(
        t.app,
        rep,
      )({
        method: 'PATCH',
        url: `/api/crm/deals/${dealId}`,
        headers: { 'idempotency-key': key },
        payload: { amountMinor: 123_400, stageId: stageId(w.org.orgId, 'proposal') },
      });
    const first = await send();
    expect(first.statusCode).toBe(200);
    expect(first.headers['idempotent-replayed']).toBeUndefined();
    // Someone else moves the deal on; the replay still answers what the first request got.
    await as(t.app, rep)({ method: 'PATCH', url: `/api/crm/deals/${dealId}`, payload: { amountMinor: 5 } });
    const second = await send();
    expect(second.statusCode).toBe(200);
    expect(second.headers['idempotent-replayed']).toBe('true');
    expect(second.json()).toEqual(first.json());
    expect(second.json().amountMinor).toBe(123_400);
    // Two updates stored, two audit rows (the replay wrote nothing); the deal keeps the later amount.
    expect(await auditCount(dealId)).toBe(2);
    const history = await t.db.kysely
      .selectFrom('deal_stage_history')
      .select('id')
      .where('deal_id', '=', dealId)
      .execute();
    expect(history).toHaveLength(1);
    const deal = await t.db.kysely
      .selectFrom('deals')
      .select('amount_minor')
      .where('id', '=', dealId)
      .executeTakeFirstOrThrow();
    expect(deal.amount_minor).toBe(5);
    expect(await storedKeys(key)).toBe(1);
  });

  it('refuses the same key with a different body (422, naming the header) and stores nothing', async () => {
    const dealId = await makeDeal(t.db, t.clock, w.org.orgId, w.repA1.id, accountId);
    const key = `k-${newId()}`;
    const patch = (amountMinor: number) =>
      as(
        t.app,
        rep,
      )({
        method: 'PATCH',
        url: `/api/crm/deals/${dealId}`,
        headers: { 'idempotency-key': key },
        payload: { amountMinor },
      });
    expect((await patch(1_000)).statusCode).toBe(200);
    const reused = await patch(2_000);
    expect(reused.statusCode).toBe(422);
    expect(reused.json().error.details.fields[0].path).toBe('Idempotency-Key');
    expect(reused.json().error.message).toMatch(/already used for a different request/);
    const deal = await t.db.kysely
      .selectFrom('deals')
      .select('amount_minor')
      .where('id', '=', dealId)
      .executeTakeFirstOrThrow();
    expect(deal.amount_minor).toBe(1_000);
    expect(await auditCount(dealId)).toBe(1);
  });

  it('scopes keys per user: another user with the same key writes normally', async () => {
    const dealId = await makeDeal(t.db, t.clock, w.org.orgId, w.repA2.id, accountId);
    const key = `shared-${newId()}`;
    const a = await as(
      t.app,
      rep,
    )({
      method: 'POST',
      url: '/api/crm/activities',
      headers: { 'idempotency-key': key },
      payload: { kind: 'call', subject: 'first user', accountId },
    });
    expect(a.statusCode).toBe(201);
    const b = await as(
      t.app,
      rep2,
    )({
      method: 'PATCH',
      url: `/api/crm/deals/${dealId}`,
      headers: { 'idempotency-key': key },
      payload: { amountMinor: 777 },
    });
    expect(b.statusCode).toBe(200);
    expect(b.headers['idempotent-replayed']).toBeUndefined();
    expect(await storedKeys(key)).toBe(2);
  });

  it('stores nothing for a failed write, so a retry with the same key runs it', async () => {
    const dealId = await makeDeal(t.db, t.clock, w.org.orgId, w.repA1.id, accountId);
    const key = `k-${newId()}`;
    const bad = await as(
      t.app,
      rep,
    )({
      method: 'PATCH',
      url: `/api/crm/deals/${dealId}`,
      headers: { 'idempotency-key': key },
      payload: { stageId: 'not-a-stage' },
    });
    expect(bad.statusCode).toBe(400);
    expect(await storedKeys(key)).toBe(0);
    // A cross-org deal id is a 404 and stores nothing either.
    const foreign = await as(
      t.app,
      otherAdmin,
    )({
      method: 'PATCH',
      url: `/api/crm/deals/${dealId}`,
      headers: { 'idempotency-key': key },
      payload: { amountMinor: 1 },
    });
    expect(foreign.statusCode).toBe(404);
    expect(await storedKeys(key)).toBe(0);
  });

  it('refuses a malformed key with a 400 naming the header, before writing', async () => {
    const res = await as(
      t.app,
      rep,
    )({
      method: 'POST',
      url: '/api/crm/activities',
      headers: { 'idempotency-key': 'x'.repeat(201) },
      payload: { kind: 'call', subject: 'never stored', accountId },
    });
    expect(res.statusCode).toBe(400);
    expect(res.json().error.details.fields[0].path).toBe('Idempotency-Key');
    const stored = await t.db.kysely
      .selectFrom('activities')
      .select('id')
      .where('subject', '=', 'never stored')
      .execute();
    expect(stored).toHaveLength(0);
  });

  it('concurrent requests with one key write once and all answer the same', async () => {
    const key = `k-${newId()}`;
    const send = () =>
      as(
        t.app,
        rep,
      )({
        method: 'POST',
        url: '/api/crm/deals',
        headers: { 'idempotency-key': key },
        payload: { name: 'Concurrent deal', accountId, amountMinor: 42_00 },
      });
    const answers = await Promise.all([send(), send(), send(), send()]);
    for (const a of answers) expect(a.statusCode).toBe(201);
    const ids = new Set(answers.map((a) => a.json().id));
    expect(ids.size).toBe(1);
    const deals = await t.db.kysely
      .selectFrom('deals')
      .select('id')
      .where('name', '=', 'Concurrent deal')
      .execute();
    expect(deals).toHaveLength(1);
    expect(await auditCount(deals[0]!.id)).toBe(1);
    expect(await storedKeys(key)).toBe(1);
  });

  it('documents the header in the OpenAPI of the keyed routes', async () => {
    const res = await t.app.inject({ method: 'GET', url: '/api/docs/json' });
    if (res.statusCode !== 200) {
      // The spec may be served elsewhere; the swagger object is the source either way.
      expect(res.statusCode).toBe(200);
    }
    const spec = res.json() as {
      paths: Record<string, Record<string, { parameters?: { name: string; in: string }[] }>>;
    };
    const params = spec.paths['/api/crm/deals/{id}']?.patch?.parameters ?? [];
    expect(params.some((p) => p.in === 'header' && p.name === 'idempotency-key')).toBe(true);
  });
});
