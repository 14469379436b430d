import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { makeWorld, PASSWORD } from '../../../../tests/factories/identity.ts';
import { isoSeeder, type SeedDeal } from '../../../../tests/factories/metrics.ts';
import { as, createTestApp, type Session, signIn, type TestApp } from '../../../../tests/setup/test-app.ts';

/**
 * Leaderboards (movement since the previous period, peers by rank only carry no numbers, the org
 * switch for activity counts) and the records behind a number (drill-down), which must add up to
 * exactly the number `/api/metrics/values` shows. The test clock stands in January 2026.
 */
let t: TestApp;
let w: Awaited<ReturnType<typeof makeWorld>>;
let admin: Session;
let managerA: Session;
let repA1: Session;
let seed: ReturnType<typeof isoSeeder>;
/** Every deal here was created on 1 November 2025. */
const deal = (owner: string, o: Omit<SeedDeal, 'created'>) =>
  seed.deal(owner, { ...o, created: '2025-11-01T12:00:00Z' });

async function get(session: Session, url: string, status = 200) {
  const res = await as(t.app, session)({ method: 'GET', url });
  expect(res.statusCode, res.body).toBe(status);
  return { body: res.json(), raw: res.body };
}

interface LbRow {
  user: { id: string };
  view: string;
  rank: number | null;
  previousRank: number | null;
  movement: string | null;
  value: number | null;
  me: boolean;
  records: boolean;
}

async function board(session: Session, query: string) {
  const { body, raw } = await get(session, `/api/metrics/leaderboard?${query}`);
  const rows = body.rows as LbRow[];
  return { body, raw, rows, row: (id: string) => rows.find((r) => r.user.id === id) };
}

/** Every record of a drill-down, following the cursor. */
async function allRecords(session: Session, query: string, limit = 2) {
  const items: Record<string, unknown>[] = [];
  let cursor: string | null = null;
  let first: Record<string, unknown> | undefined;
  let pages = 0;
  do {
    const url: string = `/api/metrics/records?${query}&limit=${limit}${cursor ? `&cursor=${cursor}` : ''}`;
    const { body } = await get(session, url);
    first ??= body;
    items.push(...(body.items as Record<string, unknown>[]));
    cursor = body.nextCursor as string | null;
    pages += 1;
  } while (cursor && pages < 50);
  return { first: first!, items, pages };
}

beforeAll(async () => {
  t = await createTestApp();
  w = await makeWorld(t.db, t.clock);
  seed = isoSeeder(t.db, t.clock, w.org.orgId);
  [admin, managerA, repA1] = await Promise.all([
    signIn(t.app, w.org.admin.email, PASSWORD),
    signIn(t.app, w.managerA.email, PASSWORD),
    signIn(t.app, w.repA1.email, PASSWORD),
  ]);
  // January 2026: Ari 12,345 (+ half of a 1,000 split with Avery), Avery 777 (+ 500), Bo 9,001.
  await deal(w.repA1.id, { amount: 12_345, status: 'won', closed: '2026-01-02T15:00:00Z' });
  await deal(w.repA2.id, { amount: 777, status: 'won', closed: '2026-01-03T15:00:00Z' });
  await deal(w.repB1.id, { amount: 9_001, status: 'won', closed: '2026-01-04T15:00:00Z' });
  await deal(w.repA1.id, {
    amount: 1_000,
    status: 'won',
    closed: '2026-01-04T16:00:00Z',
    split: [
      [w.repA1.id, 5_000],
      [w.repA2.id, 5_000],
    ],
  });
  await deal(w.repA1.id, { amount: 4_000, status: 'lost', closed: '2026-01-03T16:00:00Z' });
  // December 2025: Avery led (50,000), Ari second (100), Bo had nothing.
  await deal(w.repA2.id, { amount: 50_000, status: 'won', closed: '2025-12-10T15:00:00Z' });
  await deal(w.repA1.id, { amount: 100, status: 'won', closed: '2025-12-11T15:00:00Z' });
  // Ari's activities: 3 visits in January (2 verified), 1 in December, 1 call in January.
  await seed.activity(w.repA1.id, 'visit', '2026-01-02T15:00:00Z', 1);
  await seed.activity(w.repA1.id, 'visit', '2026-01-03T15:00:00Z', 0);
  await seed.activity(w.repA1.id, 'visit', '2026-01-04T15:00:00Z', 1);
  await seed.activity(w.repA1.id, 'visit', '2025-12-20T15:00:00Z', 1);
  await seed.activity(w.repA1.id, 'call', '2026-01-04T18:00:00Z');
  await seed.activity(w.repA2.id, 'visit', '2026-01-04T15:00:00Z', 1);
  // February 2026: only Blair, a manager, won something.
  await deal(w.managerB.id, { amount: 5_000, status: 'won', closed: '2026-02-10T15:00:00Z' });
});
afterAll(async () => {
  await t.close();
});

describe('leaderboard', () => {
  it('ranks the team with movement since the previous period', async () => {
    const { body, rows, row } = await board(managerA, 'metric=revenue_won&period=2026-01&scope=team');
    expect(body.period.key).toBe('2026-01');
    expect(body.previousPeriod.key).toBe('2025-12');
    expect(row(w.repA1.id)).toMatchObject({ rank: 1, previousRank: 2, movement: 'up', value: 12_845 });
    expect(row(w.repA2.id)).toMatchObject({ rank: 2, previousRank: 1, movement: 'down', value: 1_277 });
    // Sorted by rank.
    const ranked = rows.map((r) => r.rank ?? Number.POSITIVE_INFINITY);
    expect(ranked).toEqual([...ranked].sort((a, b) => a - b));
    expect(row(w.repB1.id)).toBeUndefined();
  });

  it('ranks the people who sell: reps, and managers or admins only with a number of their own', async () => {
    const feb = await board(admin, 'metric=revenue_won&period=2026-02&scope=org');
    expect(feb.row(w.managerB.id)).toMatchObject({ rank: 1, value: 5_000, previousRank: 4, movement: 'up' });
    for (const rep of [w.repA1, w.repA2, w.repB1])
      expect(feb.row(rep.id)).toMatchObject({ rank: 2, value: 0 });
    // The admin, the director and the other manager sold nothing: not listed (not "last").
    for (const id of [w.org.admin.id, w.director.id, w.managerA.id]) expect(feb.row(id)).toBeUndefined();
    expect(feb.rows).toHaveLength(4);
    // March: Blair is listed for the movement since February (dropped to a tie with the reps).
    const march = await board(admin, 'metric=revenue_won&period=2026-03&scope=org');
    expect(march.row(w.managerB.id)).toMatchObject({ rank: 1, previousRank: 1, value: 0, movement: 'same' });
    // January: Blair had no number then nor in December; ranks count only those listed.
    const jan = await board(admin, 'metric=revenue_won&period=2026-01&scope=org');
    expect(jan.row(w.managerB.id)).toBeUndefined();
    expect(jan.rows.map((r) => r.rank)).toEqual([1, 2, 3]);
    // A manager's team leaderboard lists the team's reps, not the manager who sold nothing.
    const team = await board(managerA, 'metric=revenue_won&period=2026-02&scope=team');
    expect(team.rows.map((r) => r.user.id).sort()).toEqual([w.repA1.id, w.repA2.id].sort());
  });

  it('marks someone ranked now but without a number last period as new', async () => {
    const { row } = await board(admin, 'metric=revenue_won&period=2026-01&scope=org');
    expect(row(w.repA1.id)).toMatchObject({ rank: 1, movement: 'up' });
    expect(row(w.repB1.id)).toMatchObject({ rank: 2, value: 9_001 });
    expect(row(w.repA2.id)).toMatchObject({ rank: 3, previousRank: 1, movement: 'down' });
  });

  it('never sends a rep a peer’s value when the org shows ranks only (checked in the JSON)', async () => {
    const { body, raw, row } = await board(repA1, 'metric=revenue_won&period=2026-01&scope=org');
    expect(body.visibility).toBe('ranks');
    expect(row(w.repA1.id)).toMatchObject({ me: true, view: 'value', value: 12_845, rank: 1 });
    expect(row(w.repA2.id)).toMatchObject({ view: 'rank', rank: 3, movement: 'down', value: null });
    expect(row(w.repB1.id)).toMatchObject({ view: 'rank', rank: 2, value: null });
    for (const peerNumber of [1_277, 9_001, 50_000, 777])
      expect(raw).not.toMatch(new RegExp(`:${peerNumber}[,}]`));
  });

  it('leaves peers out altogether when the metric shows nothing', async () => {
    await as(
      t.app,
      admin,
    )({ method: 'PATCH', url: '/api/metrics/settings', payload: { visibility: { revenue_won: 'none' } } });
    const { rows, raw } = await board(repA1, 'metric=revenue_won&period=2026-01&scope=org');
    expect(rows.map((r) => r.user.id)).toEqual([w.repA1.id]);
    expect(raw).not.toContain(w.repA2.id);
    await as(
      t.app,
      admin,
    )({ method: 'PATCH', url: '/api/metrics/settings', payload: { visibility: { revenue_won: null } } });
  });

  it('refuses activity-count leaderboards when the org switched them off, with a reason', async () => {
    expect((await board(repA1, 'metric=visits&period=2026-01&scope=team')).row(w.repA1.id)).toMatchObject({
      rank: 1,
      value: 3,
    });
    const off = await as(
      t.app,
      admin,
    )({ method: 'PATCH', url: '/api/metrics/settings', payload: { activityLeaderboards: false } });
    expect(off.statusCode, off.body).toBe(200);
    expect(off.json().activityLeaderboards).toBe(false);
    for (const metric of ['visits', 'activities', 'calls', 'meetings', 'emails', 'demos', 'tasks']) {
      const { body } = await get(repA1, `/api/metrics/leaderboard?metric=${metric}&period=2026-01`, 403);
      expect(body.error.message).toMatch(/switched off/);
      expect(body.error.details.reason).toBe('activity_leaderboards_off');
    }
    // Other metrics keep their leaderboards; the values themselves stay available.
    await board(repA1, 'metric=revenue_won&period=2026-01');
    await get(repA1, '/api/metrics/values?metric=visits&period=2026-01');
    // …but no answer ranks activity counts any more: not the values of a team (a list of peers'
    // ranks is a leaderboard), not the team grid — for reps or managers.
    type Ranked = { user: { id: string }; view: string; rank: number | null; value: number | null };
    const team = (await get(repA1, '/api/metrics/values?metric=visits&period=2026-01&scope=team')).body;
    expect(team.rows as Ranked[]).toEqual([
      expect.objectContaining({ user: expect.objectContaining({ id: w.repA1.id }), rank: null, value: 3 }),
    ]);
    const managed = (await get(managerA, '/api/metrics/values?metric=visits&period=2026-01&scope=team')).body
      .rows as Ranked[];
    expect(managed.find((r) => r.user.id === w.repA2.id)).toMatchObject({
      view: 'value',
      value: 1,
      rank: null,
    });
    expect(managed.every((r) => r.rank === null)).toBe(true);
    const grid = (await get(repA1, '/api/metrics/grid?metrics=visits,revenue_won&period=2026-01&scope=team'))
      .body as { people: { id: string }[]; metrics: { cells: ({ rank: number | null } | null)[] }[] };
    const a2 = grid.people.findIndex((p) => p.id === w.repA2.id);
    expect(grid.metrics[0]!.cells[a2]).toBeNull();
    expect(grid.metrics[0]!.cells.every((c) => c === null || c.rank === null)).toBe(true);
    // Revenue is not an activity count: still ranked, peers by rank.
    expect(grid.metrics[1]!.cells[a2]).toMatchObject({ view: 'rank', rank: expect.any(Number) });
    const on = await as(
      t.app,
      admin,
    )({ method: 'PATCH', url: '/api/metrics/settings', payload: { activityLeaderboards: true } });
    expect(on.json().activityLeaderboards).toBe(true);
    await board(repA1, 'metric=visits&period=2026-01');
    const again = (await get(repA1, '/api/metrics/values?metric=visits&period=2026-01&scope=team')).body
      .rows as Ranked[];
    expect(again.find((r) => r.user.id === w.repA2.id)).toMatchObject({ view: 'rank', rank: 2 });
  });

  it('marks the values whose records the viewer may open, exactly as the records route decides', async () => {
    /** Every row's flag against the records route's answer for that person (200 or 404). */
    async function flagsMatchTheRoute(session: Session, query: string, metric: string) {
      const { rows } = await board(session, query);
      for (const r of rows) {
        const res = await as(
          t.app,
          session,
        )({ method: 'GET', url: `/api/metrics/records?metric=${metric}&period=2026-01&user=${r.user.id}` });
        expect([200, 404]).toContain(res.statusCode);
        expect({ user: r.user.id, records: r.records }).toEqual({
          user: r.user.id,
          records: res.statusCode === 200,
        });
        // A rank-only row never opens anything.
        if (r.view === 'rank') expect(r.records).toBe(false);
      }
      return rows;
    }
    // A manager opens each of their reps' values.
    const team = await flagsMatchTheRoute(
      managerA,
      'metric=revenue_won&period=2026-01&scope=team',
      'revenue_won',
    );
    expect(team.map((r) => [r.user.id, r.records]).sort()).toEqual(
      [
        [w.repA1.id, true],
        [w.repA2.id, true],
      ].sort(),
    );
    // Org scope for that manager: another team's rep is rank only, and closed.
    const org = await flagsMatchTheRoute(
      managerA,
      'metric=revenue_won&period=2026-01&scope=org',
      'revenue_won',
    );
    expect(org.find((r) => r.user.id === w.repB1.id)).toMatchObject({ view: 'rank', records: false });
    // A rep: their own value only.
    const mine = await flagsMatchTheRoute(
      repA1,
      'metric=revenue_won&period=2026-01&scope=org',
      'revenue_won',
    );
    expect(mine.filter((r) => r.records).map((r) => r.user.id)).toEqual([w.repA1.id]);
    // An admin: everyone's.
    const all = await flagsMatchTheRoute(admin, 'metric=revenue_won&period=2026-01&scope=org', 'revenue_won');
    expect(all.length).toBeGreaterThan(1);
    expect(all.every((r) => r.records)).toBe(true);
    // When the org shows peers' values, a rep sees a teammate's number but not the records behind it.
    await as(
      t.app,
      admin,
    )({ method: 'PATCH', url: '/api/metrics/settings', payload: { visibility: { visits: 'values' } } });
    const shared = await flagsMatchTheRoute(repA1, 'metric=visits&period=2026-01&scope=team', 'visits');
    expect(shared.find((r) => r.user.id === w.repA2.id)).toMatchObject({
      view: 'value',
      value: 1,
      records: false,
    });
    expect(shared.find((r) => r.user.id === w.repA1.id)).toMatchObject({ view: 'value', records: true });
    await as(
      t.app,
      admin,
    )({ method: 'PATCH', url: '/api/metrics/settings', payload: { visibility: { visits: null } } });
  });

  it('refuses an unknown metric or period by field', async () => {
    const bad = await get(repA1, '/api/metrics/leaderboard?metric=happiness', 400);
    expect(bad.body.error.details.fields[0].path).toBe('metric');
    const badScope = await get(repA1, '/api/metrics/leaderboard?metric=visits&scope=me', 400);
    expect(badScope.body.error.details.fields[0].path).toBe('scope');
  });
});

describe('records behind a number', () => {
  async function value(session: Session, metric: string, user: string) {
    const { body } = await get(session, `/api/metrics/values?metric=${metric}&period=2026-01&scope=reach`);
    return (body.rows as { user: { id: string }; value: number | null }[]).find((r) => r.user.id === user)!
      .value;
  }

  it('lists the visits a count counts, page by page, adding up to the number', async () => {
    const { first, items, pages } = await allRecords(repA1, 'metric=visits&period=2026-01');
    expect(pages).toBe(2);
    expect(first.total).toBe(3);
    expect(items).toHaveLength((await value(repA1, 'visits', w.repA1.id)) as number);
    expect(items.every((i) => i.type === 'activity' && i.kind === 'visit' && i.role === 'counted')).toBe(
      true,
    );
    expect(new Set(items.map((i) => i.id)).size).toBe(3);
    expect(first.filters).toContain('Kind: visit');
    expect(first.period).toMatchObject({ key: '2026-01', start: '2026-01-01T06:00:00.000Z' });
    expect(first.metric).toMatchObject({ key: 'visits' });
  });

  it('lists credited deals whose credits sum to revenue won (a split counts its share)', async () => {
    const { first, items } = await allRecords(
      managerA,
      `metric=revenue_won&period=2026-01&user=${w.repA2.id}`,
    );
    const sum = items.reduce((s, i) => s + (i.creditMinor as number), 0);
    expect(sum).toBe(await value(managerA, 'revenue_won', w.repA2.id));
    expect(sum).toBe(first.value);
    expect(items.find((i) => i.shareBp === 5_000)).toMatchObject({ amountMinor: 1_000, creditMinor: 500 });
  });

  it('marks which records make a ratio’s numerator and denominator', async () => {
    const win = await allRecords(repA1, 'metric=win_rate&period=2026-01', 10);
    // Deals count by the person's share: a half-credited split is half a deal.
    const share = (role?: string) =>
      win.items.filter((i) => !role || i.role === role).reduce((s, i) => s + (i.shareBp as number), 0);
    expect(win.items).toHaveLength(3);
    expect((share('both') / share()) * 100).toBeCloseTo((await value(repA1, 'win_rate', w.repA1.id))!, 9);
    const verified = await allRecords(repA1, 'metric=verified_visit_rate&period=2026-01', 10);
    expect(verified.items.filter((i) => i.role === 'both')).toHaveLength(2);
    expect(verified.first).toMatchObject({ numerator: 2, denominator: 3 });
  });

  it('opens only numbers the actor may see in full', async () => {
    // A peer shown by rank only: no records.
    await get(repA1, `/api/metrics/records?metric=revenue_won&period=2026-01&user=${w.repA2.id}`, 404);
    // Another team's rep for a manager; someone in another org.
    await get(managerA, `/api/metrics/records?metric=revenue_won&period=2026-01&user=${w.repB1.id}`, 404);
    await get(admin, `/api/metrics/records?metric=visits&user=${w.otherRep.id}`, 404);
    // Even when the org shows peers' values, their CRM records stay theirs.
    await as(
      t.app,
      admin,
    )({ method: 'PATCH', url: '/api/metrics/settings', payload: { visibility: { visits: 'values' } } });
    await get(repA1, `/api/metrics/records?metric=visits&period=2026-01&user=${w.repA2.id}`, 404);
    await as(
      t.app,
      admin,
    )({ method: 'PATCH', url: '/api/metrics/settings', payload: { visibility: { visits: null } } });
    const bad = await get(repA1, '/api/metrics/records?metric=visits&cursor=nonsense', 400);
    expect(bad.body.error.details.fields[0].path).toBe('cursor');
  });

  it('gives a person’s trend over the last periods', async () => {
    const { body } = await get(repA1, '/api/metrics/trend?metric=revenue_won&period=2026-01&count=3');
    expect(body.points.map((p: { key: string }) => p.key)).toEqual(['2025-11', '2025-12', '2026-01']);
    expect(body.points.map((p: { value: number }) => p.value)).toEqual([0, 100, 12_845]);
    await get(repA1, `/api/metrics/trend?metric=revenue_won&user=${w.repA2.id}`, 404);
  });
});
