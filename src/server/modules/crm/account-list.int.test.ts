import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { makeWorld, PASSWORD } from '../../../../tests/factories/identity.ts';
import { as, createTestApp, type Session, signIn, type TestApp } from '../../../../tests/setup/test-app.ts';
import { newId } from '../../lib/ids.ts';

// The account list answers lists of up to 1,000 matches with one statement (count and page from the
// same scan) and larger ones with a sorted page of its own: both paths must give the same pages.

let t: TestApp;
let w: Awaited<ReturnType<typeof makeWorld>>;
let manager: Session;
interface Seeded {
  id: string;
  name: string;
  tier: 'A' | 'B';
  lastActivityAt: number | null;
  createdAt: number;
}
const seeded: Seeded[] = [];
const TOTAL = 1_130;

beforeAll(async () => {
  t = await createTestApp();
  w = await makeWorld(t.db, t.clock);
  manager = await signIn(t.app, w.managerA.email, PASSWORD);
  const owners = [w.repA1.id, w.repA2.id];
  const rows = [];
  for (let i = 0; i < TOTAL; i++) {
    // Repeated sort values (ties are broken by id), accounts never visited (null → 0) and names
    // whose order differs from the insertion order.
    const name = `Store ${String((i * 7919) % TOTAL).padStart(4, '0')}${i % 3 === 0 ? ' North' : ''}`;
    const row: Seeded = {
      id: newId(),
      name,
      tier: i % 4 === 0 ? 'A' : 'B',
      lastActivityAt: i % 5 === 0 ? null : 1_700_000_000_000 + (i % 37) * 60_000,
      createdAt: 1_600_000_000_000 + (i % 11) * 1000,
    };
    seeded.push(row);
    rows.push({
      org_id: w.org.orgId,
      id: row.id,
      name,
      name_lower: name.toLowerCase(),
      street: null,
      city: 'Chicago',
      region: 'IL',
      postal_code: null,
      country: 'US',
      latitude: null,
      longitude: null,
      territory: null,
      industry: null,
      tier: row.tier,
      status: 'active' as const,
      owner_id: owners[i % 2]!,
      external_source: null,
      external_id: null,
      last_activity_at: row.lastActivityAt,
      created_at: row.createdAt,
      updated_at: row.createdAt,
    });
  }
  for (let i = 0; i < rows.length; i += 200) {
    await t.db.kysely
      .insertInto('accounts')
      .values(rows.slice(i, i + 200))
      .execute();
  }
  // Someone else's accounts, which the manager must never see.
  await t.db.kysely
    .insertInto('accounts')
    .values({
      ...rows[0]!,
      id: newId(),
      name: 'Store of team B',
      name_lower: 'store of team b',
      owner_id: w.repB1.id,
    })
    .execute();
});
afterAll(async () => {
  await t.close();
});

type Sort = 'name' | 'createdAt' | 'lastActivityAt';
function expected(rows: Seeded[], sort: Sort, dir: 'asc' | 'desc'): string[] {
  const key = (r: Seeded) =>
    sort === 'name' ? r.name.toLowerCase() : sort === 'createdAt' ? r.createdAt : (r.lastActivityAt ?? 0);
  const sign = dir === 'asc' ? 1 : -1;
  return [...rows]
    .sort((a, b) => {
      const ka = key(a);
      const kb = key(b);
      if (ka !== kb) return (ka < kb ? -1 : 1) * sign;
      return (a.id < b.id ? -1 : 1) * sign;
    })
    .map((r) => r.id);
}

async function walk(query: string, limit: number) {
  const ids: string[] = [];
  const totals: unknown[] = [];
  let cursor: string | null = null;
  do {
    const url: string = `/api/crm/accounts?${query}&limit=${limit}${cursor ? `&cursor=${cursor}` : ''}`;
    const res = await as(t.app, manager)({ method: 'GET', url });
    expect(res.statusCode).toBe(200);
    const page = res.json() as { items: { id: string }[]; nextCursor: string | null; total: unknown };
    expect(page.items.length).toBeLessThanOrEqual(limit);
    ids.push(...page.items.map((a) => a.id));
    totals.push(page.total);
    cursor = page.nextCursor;
  } while (cursor);
  return { ids, totals };
}

describe('account list pages', () => {
  it('pages through more than 1,000 matches in order, with the count capped', async () => {
    for (const [sort, dir] of [
      ['lastActivityAt', 'desc'],
      ['name', 'asc'],
      ['createdAt', 'desc'],
    ] as const) {
      const { ids, totals } = await walk(`sort=${sort}&dir=${dir}`, 200);
      expect(ids).toEqual(expected(seeded, sort, dir));
      for (const total of totals) expect(total).toEqual({ value: 1000, capped: true });
    }
  });

  it('pages through fewer than 1,000 matches in order, with the exact count on every page', async () => {
    const tierA = seeded.filter((r) => r.tier === 'A');
    for (const [sort, dir] of [
      ['lastActivityAt', 'desc'],
      ['lastActivityAt', 'asc'],
      ['name', 'desc'],
      ['createdAt', 'asc'],
    ] as const) {
      const { ids, totals } = await walk(`tier=A&sort=${sort}&dir=${dir}`, 50);
      expect(ids).toEqual(expected(tierA, sort, dir));
      for (const total of totals) expect(total).toEqual({ value: tierA.length, capped: false });
    }
    const north = seeded.filter((r) => r.name.endsWith('North'));
    const { ids, totals } = await walk('q=north&sort=name&dir=asc', 200);
    expect(ids).toEqual(expected(north, 'name', 'asc'));
    expect(totals[0]).toEqual({ value: north.length, capped: false });
  });

  it('counts exactly 1,000 matches as exact and an empty result as zero', async () => {
    const res = await as(t.app, manager)({ method: 'GET', url: `/api/crm/accounts?ownerId=${w.repB1.id}` });
    expect(res.json()).toMatchObject({ items: [], nextCursor: null, total: { value: 0, capped: false } });
    // Drop to exactly 1,000 of the manager's accounts.
    const drop = seeded.slice(1000).map((r) => r.id);
    await t.db.kysely.deleteFrom('accounts').where('id', 'in', drop).execute();
    const { ids, totals } = await walk('sort=lastActivityAt&dir=desc', 200);
    expect(ids).toEqual(expected(seeded.slice(0, 1000), 'lastActivityAt', 'desc'));
    for (const total of totals) expect(total).toEqual({ value: 1000, capped: false });
  });
});
