import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { insertActivity, makeAccount, makeDeal, stageId } from '../../../../tests/factories/crm.ts';
import { makeWorld, PASSWORD } from '../../../../tests/factories/identity.ts';
import { as, createTestApp, type Session, signIn, type TestApp } from '../../../../tests/setup/test-app.ts';

// The deal board and list pick their deals from keys first and read the chosen rows afterwards;
// these pin what they answer against an independent expectation built from the inserted deals.

type Seeded = {
  id: string;
  owner: string;
  stage: string;
  currency: string;
  amount: number;
  updatedAt: number;
  createdAt: number;
};

let t: TestApp;
let manager: Session;
let w: Awaited<ReturnType<typeof makeWorld>>;
const deals: Seeded[] = [];

beforeAll(async () => {
  t = await createTestApp();
  w = await makeWorld(t.db, t.clock);
  manager = await signIn(t.app, w.managerA.email, PASSWORD);
  const stages = ['prospecting', 'qualification', 'won'] as const;
  let i = 0;
  for (const owner of [w.repA1, w.repA2, w.repB1]) {
    const account = await makeAccount(t.db, t.clock, w.org.orgId, owner.id);
    for (let n = 0; n < 9; n++) {
      i += 1;
      const stage = stages[n % 3]!;
      const id = await makeDeal(t.db, t.clock, w.org.orgId, owner.id, account, {
        stage,
        amountMinor: 1_000 * i,
      });
      const currency = n % 2 === 0 ? 'USD' : 'EUR';
      // Some deals share an updated_at (ties go by id, descending) and created_at.
      const updatedAt = 1_700_000_000_000 + ((i * 7) % 5) * 1000;
      const createdAt = 1_600_000_000_000 + (i % 4) * 1000;
      await t.db.kysely
        .updateTable('deals')
        .set({ currency, updated_at: updatedAt, created_at: createdAt })
        .where('id', '=', id)
        .execute();
      deals.push({
        id,
        owner: owner.id,
        stage: stageId(w.org.orgId, stage),
        currency,
        amount: 1_000 * i,
        updatedAt,
        createdAt,
      });
    }
  }
  // A deal of team B shared with repA1 (a split): the manager of team A sees it in the list.
  const shared = deals.find((d) => d.owner === w.repB1.id)!;
  await t.db.kysely
    .insertInto('deal_splits')
    .values([
      { org_id: w.org.orgId, deal_id: shared.id, user_id: w.repB1.id, share_bp: 5_000 },
      { org_id: w.org.orgId, deal_id: shared.id, user_id: w.repA1.id, share_bp: 5_000 },
    ])
    .execute();
});
afterAll(async () => {
  await t.close();
});

const desc = (a: Seeded, b: Seeded, key: 'updatedAt' | 'createdAt') =>
  b[key] - a[key] || (a.id < b.id ? 1 : a.id > b.id ? -1 : 0);

describe('deal board', () => {
  it('shows per stage the newest readable deals (ties by id) with counts and totals per currency', async () => {
    const res = await as(t.app, manager)({ method: 'GET', url: '/api/crm/deals/board?perStage=2' });
    expect(res.statusCode, res.body).toBe(200);
    const board = res.json() as {
      columns: {
        stage: { id: string };
        count: number;
        totals: { currency: string; amountMinor: number }[];
        deals: { id: string }[];
      }[];
    };
    const visible = deals.filter((d) => d.owner === w.repA1.id || d.owner === w.repA2.id);
    for (const column of board.columns) {
      const inStage = visible.filter((d) => d.stage === column.stage.id);
      expect(column.count).toBe(inStage.length);
      const currencies = [...new Set(inStage.map((d) => d.currency))].sort();
      expect(column.totals).toEqual(
        currencies.map((currency) => ({
          currency,
          amountMinor: inStage.filter((d) => d.currency === currency).reduce((s, d) => s + d.amount, 0),
        })),
      );
      expect(column.deals.map((d) => d.id)).toEqual(
        [...inStage]
          .sort((a, b) => desc(a, b, 'updatedAt'))
          .slice(0, 2)
          .map((d) => d.id),
      );
    }
    expect(board.columns.reduce((n, c) => n + c.count, 0)).toBe(visible.length);
  });
});

describe('deal list', () => {
  it('pages through owned and shared deals newest first, each once, with the total', async () => {
    const expected = deals
      .filter((d) => d.owner !== w.repB1.id || d.id === deals.find((x) => x.owner === w.repB1.id)!.id)
      .sort((a, b) => desc(a, b, 'createdAt'))
      .map((d) => d.id);
    const seen: string[] = [];
    let cursor: string | null = null;
    do {
      const url: string = `/api/crm/deals?limit=5${cursor ? `&cursor=${encodeURIComponent(cursor)}` : ''}`;
      const res = await as(t.app, manager)({ method: 'GET', url });
      expect(res.statusCode, res.body).toBe(200);
      const body = res.json() as {
        items: { id: string; name: string }[];
        nextCursor: string | null;
        total: { value: number };
      };
      expect(body.total).toEqual({ value: expected.length, capped: false });
      expect(body.items.every((d) => typeof d.name === 'string')).toBe(true);
      seen.push(...body.items.map((d) => d.id));
      cursor = body.nextCursor;
    } while (cursor);
    expect(seen).toEqual(expected);
  });
});

describe('activity list', () => {
  it('pages through readable activities newest first (ties by id), each once, with the total', async () => {
    const account = await makeAccount(t.db, t.clock, w.org.orgId, w.repA1.id);
    const made: { id: string; owner: string; at: number }[] = [];
    let i = 0;
    for (const owner of [w.repA1, w.repA2, w.repB1]) {
      for (let n = 0; n < 12; n++) {
        i += 1;
        const at = 1_700_000_000_000 + (i % 5) * 60_000; // many share an instant
        const id = await insertActivity(t.db, {
          orgId: w.org.orgId,
          ownerId: owner.id,
          kind: 'call',
          subject: `Call ${i}`,
          occurredAt: at,
          accountId: account,
        });
        made.push({ id, owner: owner.id, at });
      }
    }
    const expected = made
      .filter((a) => a.owner !== w.repB1.id)
      .sort((a, b) => b.at - a.at || (a.id < b.id ? 1 : a.id > b.id ? -1 : 0))
      .map((a) => a.id);
    const seen: string[] = [];
    let cursor: string | null = null;
    do {
      const url: string = `/api/crm/activities?limit=5${cursor ? `&cursor=${encodeURIComponent(cursor)}` : ''}`;
      const res = await as(t.app, manager)({ method: 'GET', url });
      expect(res.statusCode, res.body).toBe(200);
      const body = res.json() as {
        items: { id: string; owner: { id: string } }[];
        nextCursor: string | null;
        total: { value: number };
      };
      expect(body.total).toEqual({ value: expected.length, capped: false });
      seen.push(...body.items.map((a) => a.id));
      cursor = body.nextCursor;
    } while (cursor);
    expect(seen).toEqual(expected);
  });
});
