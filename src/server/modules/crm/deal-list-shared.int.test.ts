import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { makeAccount, makeDeal } from '../../../../tests/factories/crm.ts';
import { makeWorld, PASSWORD } from '../../../../tests/factories/identity.ts';
import { as, createTestApp, type Session, signIn, type TestApp } from '../../../../tests/setup/test-app.ts';
import { MAX_SHARED_IDS } from './deals.service.ts';

// The deal list binds the ids of deals shared with the people in reach while they are few and
// reads them as a subquery beyond MAX_SHARED_IDS: both ways must list the same deals.

let t: TestApp;
let manager: Session;
let w: Awaited<ReturnType<typeof makeWorld>>;
const own: string[] = [];
const shared: string[] = [];
const hidden: string[] = [];

beforeAll(async () => {
  t = await createTestApp();
  w = await makeWorld(t.db, t.clock);
  manager = await signIn(t.app, w.managerA.email, PASSWORD);
  const mine = await makeAccount(t.db, t.clock, w.org.orgId, w.repA1.id);
  for (let n = 0; n < 3; n++) own.push(await makeDeal(t.db, t.clock, w.org.orgId, w.repA1.id, mine));
  // Deals of team B: all but two shared with repA2 (team A) through a split.
  const theirs = await makeAccount(t.db, t.clock, w.org.orgId, w.repB1.id);
  for (let n = 0; n < MAX_SHARED_IDS + 3; n++) {
    const id = await makeDeal(t.db, t.clock, w.org.orgId, w.repB1.id, theirs);
    (n < 2 ? hidden : shared).push(id);
  }
  const rows = shared.flatMap((dealId) => [
    { org_id: w.org.orgId, deal_id: dealId, user_id: w.repB1.id, share_bp: 6_000 },
    { org_id: w.org.orgId, deal_id: dealId, user_id: w.repA2.id, share_bp: 4_000 },
  ]);
  for (let i = 0; i < rows.length; i += 200) {
    await t.db.kysely
      .insertInto('deal_splits')
      .values(rows.slice(i, i + 200))
      .execute();
  }
});
afterAll(async () => {
  await t.close();
});

async function listAll(session: Session, query = ''): Promise<{ ids: string[]; total: number }> {
  const ids: string[] = [];
  let total = -1;
  let cursor: string | null = null;
  do {
    const url: string = `/api/crm/deals?limit=100${query}${cursor ? `&cursor=${encodeURIComponent(cursor)}` : ''}`;
    const res = await as(t.app, session)({ method: 'GET', url });
    expect(res.statusCode, res.body).toBe(200);
    const body = res.json() as {
      items: { id: string }[];
      nextCursor: string | null;
      total: { value: number };
    };
    total = body.total.value;
    ids.push(...body.items.map((d) => d.id));
    cursor = body.nextCursor;
  } while (cursor);
  return { ids, total };
}

describe('deal list with many shared deals', () => {
  it('lists owned deals and every deal shared with the people in reach, each once, beyond the bound', async () => {
    expect(shared.length).toBeGreaterThan(MAX_SHARED_IDS);
    const { ids, total } = await listAll(manager);
    expect(new Set(ids).size).toBe(ids.length);
    expect([...ids].sort()).toEqual([...own, ...shared].sort());
    expect(total).toBe(own.length + shared.length);
    for (const id of hidden) expect(ids).not.toContain(id);
  });

  it('applies the other filters to the shared deals too', async () => {
    const { ids } = await listAll(manager, `&ownerId=${w.repB1.id}`);
    expect([...ids].sort()).toEqual([...shared].sort());
  });
});
