import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { makeWorld, PASSWORD } from '../../../../tests/factories/identity.ts';
import { isoSeeder } from '../../../../tests/factories/metrics.ts';
import { as, createTestApp, type Session, signIn, type TestApp } from '../../../../tests/setup/test-app.ts';

/**
 * The records behind custom ratios (each marked numerator, denominator or both) and behind
 * pipeline velocity (the open deals it counts and the deals closed in the period): the records
 * must give back exactly the number `/api/metrics/values` shows. The test clock stands in January 2026.
 */
let t: TestApp;
let w: Awaited<ReturnType<typeof makeWorld>>;
let admin: Session;
let repA1: Session;
let seed: ReturnType<typeof isoSeeder>;

async function get(session: Session, url: string, status = 200) {
  const res = await as(t.app, session)({ method: 'GET', url });
  expect(res.statusCode, res.body).toBe(status);
  return res.json();
}

async function value(metric: string) {
  const body = await get(repA1, `/api/metrics/values?metric=${metric}&period=2026-01`);
  return body.rows[0] as { value: number | null; numerator: number | null; denominator: number | null };
}

type Item = Record<string, unknown> & { id: string; type: string; role: string };
async function allRecords(query: string, limit: number) {
  const items: Item[] = [];
  let cursor: string | null = null;
  let first: Record<string, unknown> | undefined;
  let pages = 0;
  do {
    const body = await get(
      repA1,
      `/api/metrics/records?${query}&limit=${limit}${cursor ? `&cursor=${cursor}` : ''}`,
    );
    first ??= body;
    items.push(...(body.items as Item[]));
    cursor = body.nextCursor as string | null;
    pages += 1;
  } while (cursor && pages < 50);
  return { first: first!, items, pages };
}

async function custom(key: string, definition: unknown, format: string, unit: string) {
  const res = await as(
    t.app,
    admin,
  )({
    method: 'POST',
    url: '/api/metrics/custom',
    payload: { key, name: key, description: key, definition, unit, direction: 'higher', format },
  });
  expect(res.statusCode, res.body).toBe(201);
}

beforeAll(async () => {
  t = await createTestApp();
  w = await makeWorld(t.db, t.clock);
  seed = isoSeeder(t.db, t.clock, w.org.orgId);
  [admin, repA1] = await Promise.all([
    signIn(t.app, w.org.admin.email, PASSWORD),
    signIn(t.app, w.repA1.email, PASSWORD),
  ]);
  // Ari, January 2026: 3 visits (2 verified) + 1 in December, 1 call.
  await seed.activity(w.repA1.id, 'visit', '2026-01-02T15:00:00Z', 1);
  await seed.activity(w.repA1.id, 'visit', '2026-01-03T15:00:00Z', 0);
  await seed.activity(w.repA1.id, 'visit', '2026-01-04T15:00:00Z', 1);
  await seed.activity(w.repA1.id, 'visit', '2025-12-20T15:00:00Z', 1);
  await seed.activity(w.repA1.id, 'call', '2026-01-04T18:00:00Z');
  // Deals: 2 won (cycles 10 and 20 days), 1 lost in January; 3 open; a win in December.
  await seed.deal(w.repA1.id, {
    amount: 3_000,
    status: 'won',
    created: '2025-12-24T15:00:00Z',
    closed: '2026-01-03T15:00:00Z',
  });
  await seed.deal(w.repA1.id, {
    amount: 5_000,
    status: 'won',
    created: '2025-12-20T15:00:00Z',
    closed: '2026-01-09T15:00:00Z',
  });
  await seed.deal(w.repA1.id, {
    amount: 9_000,
    status: 'lost',
    created: '2025-12-01T15:00:00Z',
    closed: '2026-01-05T15:00:00Z',
  });
  await seed.deal(w.repA1.id, {
    amount: 7_000,
    status: 'won',
    created: '2025-11-01T15:00:00Z',
    closed: '2025-12-05T15:00:00Z',
  });
  for (const created of ['2025-10-01T10:00:00Z', '2026-01-06T10:00:00Z', '2026-01-07T10:00:00Z'])
    await seed.deal(w.repA1.id, { amount: 1_000, status: 'open', created });
  await custom(
    'verified_visits',
    { block: 'activity_count', filters: { kinds: ['visit'], verified: true } },
    'count',
    'count',
  );
  await custom(
    'verified_share',
    { block: 'ratio', numerator: 'verified_visits', denominator: 'visits' },
    'percent',
    'percent',
  );
  await custom(
    'won_per_visit',
    { block: 'ratio', numerator: 'revenue_won', denominator: 'visits' },
    'money',
    'money',
  );
});
afterAll(async () => {
  await t.close();
});

describe('records behind a custom ratio', () => {
  it('marks rows in both operands as both, the rest as denominator, and they give back the number', async () => {
    const v = await value('verified_share');
    expect(v).toMatchObject({ numerator: 2, denominator: 3 });
    for (const limit of [1, 2, 25]) {
      const { first, items } = await allRecords('metric=verified_share&period=2026-01', limit);
      expect(first.total).toBe(3);
      expect(new Set(items.map((i) => i.id)).size).toBe(items.length);
      const num = items.filter((i) => i.role === 'both' || i.role === 'numerator').length;
      const den = items.filter((i) => i.role === 'both' || i.role === 'denominator').length;
      expect([num, den]).toEqual([v.numerator, v.denominator]);
      expect((num / den) * 100).toBeCloseTo(v.value!, 9);
      expect(items.map((i) => i.role).sort()).toEqual(['both', 'both', 'denominator']);
    }
  });

  it('lists both sources of a ratio of deals to activities, each side adding up', async () => {
    const v = await value('won_per_visit');
    expect(v).toMatchObject({ numerator: 8_000, denominator: 3 });
    const { first, items } = await allRecords('metric=won_per_visit&period=2026-01', 2);
    expect(first.total).toBe(5);
    expect(first.operands).toEqual({ numerator: 'revenue_won', denominator: 'visits' });
    const deals = items.filter((i) => i.type === 'deal');
    expect(deals.every((i) => i.role === 'numerator')).toBe(true);
    expect(deals.reduce((s, i) => s + (i.creditMinor as number), 0)).toBe(v.numerator);
    const visits = items.filter((i) => i.type === 'activity');
    expect(visits.every((i) => i.role === 'denominator')).toBe(true);
    expect(visits).toHaveLength(v.denominator!);
    // Newest first across both sources.
    const when = items.map((i) => Date.parse((i.closedAt ?? i.occurredAt) as string));
    expect(when).toEqual([...when].sort((a, b) => b - a));
    expect((first.filters as string[]).some((f) => f.startsWith('Numerator (revenue_won)'))).toBe(true);
  });
});

describe('records behind pipeline velocity', () => {
  it('lists the open deals and the deals closed in the period, which recompute the velocity', async () => {
    const v = await value('pipeline_velocity');
    expect(v.value).not.toBeNull();
    const { first, items } = await allRecords('metric=pipeline_velocity&period=2026-01', 2);
    expect(first.total).toBe(6);
    const open = items.filter((i) => i.status === 'open');
    const won = items.filter((i) => i.status === 'won');
    const lost = items.filter((i) => i.status === 'lost');
    expect(open.every((i) => i.role === 'counted')).toBe(true);
    expect(won.every((i) => i.role === 'both')).toBe(true);
    expect(lost.every((i) => i.role === 'denominator')).toBe(true);
    expect([open.length, won.length, lost.length]).toEqual([3, 2, 1]);
    const share = (xs: Item[]) => xs.reduce((s, i) => s + (i.shareBp as number) / 10_000, 0);
    const wonAmount = won.reduce((s, i) => s + (i.creditMinor as number), 0);
    const cycle =
      won.reduce((s, i) => s + Date.parse(i.closedAt as string) - Date.parse(i.createdAt as string), 0) /
      86_400_000 /
      won.length;
    const winRate = share(won) / (share(won) + share(lost));
    expect(Math.round((share(open) * winRate * (wonAmount / share(won))) / cycle)).toBe(v.value);
    expect((first.filters as string[]).at(-1)).toContain('Velocity =');
  });
});
