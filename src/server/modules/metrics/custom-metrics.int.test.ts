import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { insertActivity, insertDeal, makeAccount } from '../../../../tests/factories/crm.ts';
import { makeOrg, makeWorld, PASSWORD } from '../../../../tests/factories/identity.ts';
import { as, createTestApp, type Session, signIn, type TestApp } from '../../../../tests/setup/test-app.ts';
import { newId } from '../../lib/ids.ts';
import { defaultPipelineId, ensureDefaultPipeline } from '../crm/crm-settings.service.ts';

/**
 * Custom metrics: definitions are validated (unknown fields, kinds, stages and keys, cycles,
 * always-zero denominators, mixed currencies are refused with the reason) and computed by the same
 * engine, pinned on a small hand-computed January 2026 (America/Chicago).
 */
let t: TestApp;
let w: Awaited<ReturnType<typeof makeWorld>>;
let admin: Session;
let managerA: Session;
let repA1: Session;
const at = (iso: string) => Date.parse(iso);

async function activity(
  owner: string,
  account: string,
  kind: string,
  when: string,
  o: { outcome?: string; minutes?: number } = {},
) {
  await insertActivity(t.db, {
    orgId: w.org.orgId,
    ownerId: owner,
    kind,
    outcome: o.outcome ?? null,
    occurredAt: at(when),
    durationMinutes: o.minutes ?? null,
    accountId: account,
  });
}

async function deal(
  owner: string,
  account: string,
  o: {
    amount: number;
    stage: 'won' | 'lost' | 'proposal';
    closed?: string;
    currency?: string;
    split?: [string, number][];
  },
) {
  await insertDeal(t.db, {
    orgId: w.org.orgId,
    ownerId: owner,
    accountId: account,
    name: 'd',
    amountMinor: o.amount,
    currency: o.currency ?? 'USD',
    stage: o.stage,
    closedAt: o.closed ? at(o.closed) : null,
    createdAt: at('2025-12-01T12:00:00Z'),
    splits: o.split,
  });
}

function metric(key: string, definition: unknown, format = 'count', unit = 'count') {
  return {
    key,
    name: key,
    description: `${key} defined for tests`,
    definition,
    unit,
    direction: 'higher',
    format,
  };
}

async function create(body: unknown, session = admin) {
  return as(
    t.app,
    session,
  )({ method: 'POST', url: '/api/metrics/custom', payload: body as Record<string, unknown> });
}

async function values(key: string): Promise<Record<string, number | null>> {
  const res = await as(
    t.app,
    managerA,
  )({ method: 'GET', url: `/api/metrics/values?metric=${key}&period=2026-01&scope=reach` });
  expect(res.statusCode, res.body).toBe(200);
  // The manager's reach holds the manager too; the data set is about the two reps.
  return Object.fromEntries(
    res
      .json()
      .rows.filter((r: { user: { id: string } }) => r.user.id !== w.managerA.id)
      .map((r: { user: { id: string }; value: number | null }) => [r.user.id, r.value]),
  );
}

beforeAll(async () => {
  t = await createTestApp();
  w = await makeWorld(t.db, t.clock);
  await ensureDefaultPipeline(t.db.kysely, w.org.orgId, t.clock.now());
  [admin, managerA, repA1] = await Promise.all([
    signIn(t.app, w.org.admin.email, PASSWORD),
    signIn(t.app, w.managerA.email, PASSWORD),
    signIn(t.app, w.repA1.email, PASSWORD),
  ]);
  const a = w.repA1.id;
  const b = w.repA2.id;
  const x = await makeAccount(t.db, t.clock, w.org.orgId, a, { tier: 'A', territory: 'North' });
  const y = await makeAccount(t.db, t.clock, w.org.orgId, a, { tier: 'B', territory: 'South' });
  const z = await makeAccount(t.db, t.clock, w.org.orgId, b, { tier: 'A', territory: 'South' });
  // January (Chicago): A1 visits X (order, 30 min) and Y (no answer, 60 min), calls X (10 min) and Y (no duration).
  await activity(a, x, 'visit', '2026-01-02T15:00:00Z', { outcome: 'order', minutes: 30 });
  await activity(a, y, 'visit', '2026-01-03T15:00:00Z', { outcome: 'no_answer', minutes: 60 });
  await activity(a, x, 'call', '2026-01-03T16:00:00Z', { minutes: 10 });
  await activity(a, y, 'call', '2026-01-04T16:00:00Z');
  // 1 February 00:30 Chicago is February: outside January.
  await activity(a, x, 'visit', '2026-02-01T06:30:00Z', { outcome: 'order', minutes: 5 });
  // A2 visits Z (order, 45 min) and emails Z.
  await activity(b, z, 'visit', '2026-01-02T17:00:00Z', { outcome: 'order', minutes: 45 });
  await activity(b, z, 'email', '2026-01-02T18:00:00Z');
  // Deals: A1 won $1,000 on X and $500 on Y, lost $200 on X, has $700 open on X and won €400 on X;
  // A2 won $300 on Z; a $100 deal on Y won in January is split 50/50 between A1 and A2.
  await deal(a, x, { amount: 100_000, stage: 'won', closed: '2026-01-03T18:00:00Z' });
  await deal(a, y, { amount: 50_000, stage: 'won', closed: '2026-01-04T18:00:00Z' });
  await deal(a, x, { amount: 20_000, stage: 'lost', closed: '2026-01-04T18:00:00Z' });
  await deal(a, x, { amount: 70_000, stage: 'proposal' });
  await deal(a, x, { amount: 40_000, stage: 'won', closed: '2026-01-04T18:00:00Z', currency: 'EUR' });
  await deal(b, z, { amount: 30_000, stage: 'won', closed: '2026-01-03T18:00:00Z' });
  await deal(a, y, {
    amount: 10_000,
    stage: 'won',
    closed: '2026-01-04T19:00:00Z',
    split: [
      [a, 5_000],
      [b, 5_000],
    ],
  });
});
afterAll(async () => {
  await t.close();
});

describe('custom metric values', () => {
  it('computes every building block and ratio as hand-computed', async () => {
    const defs = [
      metric('tier_a_visits', { block: 'activity_count', filters: { kinds: ['visit'], tiers: ['A'] } }),
      metric('order_visits', { block: 'activity_count', filters: { kinds: ['visit'], outcomes: ['order'] } }),
      metric('call_minutes', {
        block: 'activity_sum',
        field: 'duration_minutes',
        filters: { kinds: ['call'] },
      }),
      metric(
        'avg_visit_minutes',
        { block: 'activity_average', field: 'duration_minutes', filters: { kinds: ['visit'] } },
        'number',
        'ratio',
      ),
      metric(
        'south_revenue',
        { block: 'deal_sum', field: 'amount', deals: 'won', filters: { territories: ['South'] } },
        'money',
        'money',
      ),
      metric('won_deals', { block: 'deal_count', deals: 'won' }),
      metric('closed_deals', { block: 'deal_count', deals: 'closed' }),
      metric(
        'eur_revenue',
        { block: 'deal_sum', field: 'amount', deals: 'won', filters: { currency: 'EUR' } },
        'money',
        'money',
      ),
      metric('open_amount', { block: 'deal_sum', field: 'amount', deals: 'open' }, 'money', 'money'),
      metric('avg_won', { block: 'deal_average', field: 'amount', deals: 'won' }, 'money', 'money'),
      metric(
        'order_rate',
        { block: 'ratio', numerator: 'order_visits', denominator: 'visits' },
        'percent',
        'percent',
      ),
      metric(
        'revenue_per_visit',
        { block: 'ratio', numerator: 'revenue_won', denominator: 'visits' },
        'money',
        'money',
      ),
    ];
    for (const d of defs) {
      const res = await create(d);
      expect(res.statusCode, `${d.key}: ${res.body}`).toBe(201);
    }
    const a = w.repA1.id;
    const b = w.repA2.id;
    expect(await values('tier_a_visits')).toEqual({ [a]: 1, [b]: 1 });
    expect(await values('order_visits')).toEqual({ [a]: 1, [b]: 1 });
    expect(await values('call_minutes')).toEqual({ [a]: 10, [b]: 0 });
    expect(await values('avg_visit_minutes')).toEqual({ [a]: 45, [b]: 45 });
    // South: Y (A1: 500 + half of 100) and Z (A2: 300 + half of 100).
    expect(await values('south_revenue')).toEqual({ [a]: 55_000, [b]: 35_000 });
    expect(await values('won_deals')).toEqual({ [a]: 2.5, [b]: 1.5 });
    expect(await values('closed_deals')).toEqual({ [a]: 3.5, [b]: 1.5 });
    expect(await values('eur_revenue')).toEqual({ [a]: 40_000, [b]: 0 });
    expect(await values('open_amount')).toEqual({ [a]: 70_000, [b]: 0 });
    // A1: 155,000 ÷ 2.5 = 62,000; A2: 35,000 ÷ 1.5 = 23,333.33 → 23,333.
    expect(await values('avg_won')).toEqual({ [a]: 62_000, [b]: 23_333 });
    expect(await values('order_rate')).toEqual({ [a]: 50, [b]: 100 });
    expect(await values('revenue_per_visit')).toEqual({ [a]: 77_500, [b]: 35_000 });

    const catalog = (await as(t.app, repA1)({ method: 'GET', url: '/api/metrics/catalog' })).json();
    const orderRate = catalog.items.find((m: { key: string }) => m.key === 'order_rate');
    expect(orderRate).toMatchObject({
      custom: true,
      format: 'percent',
      definition: 'order_rate defined for tests',
    });
    expect(catalog.items.find((m: { key: string }) => m.key === 'open_amount').snapshot).toBe(true);
    expect(catalog.items.find((m: { key: string }) => m.key === 'win_rate').custom).toBe(false);
    // A metric over EUR deals is in EUR, wherever it is answered; the others in the org's currency.
    expect(catalog.items.find((m: { key: string }) => m.key === 'eur_revenue').currency).toBe('EUR');
    expect(catalog.items.find((m: { key: string }) => m.key === 'avg_won').currency).toBeNull();
    expect(catalog.items.find((m: { key: string }) => m.key === 'revenue_won').currency).toBeNull();
    const api = as(t.app, managerA);
    const q = 'period=2026-01&scope=reach';
    expect(
      (await api({ method: 'GET', url: `/api/metrics/values?metric=eur_revenue&${q}` })).json().currency,
    ).toBe('EUR');
    expect(
      (await api({ method: 'GET', url: `/api/metrics/values?metric=avg_won&${q}` })).json().currency,
    ).toBe('USD');
    const board = await api({
      method: 'GET',
      url: '/api/metrics/leaderboard?metric=eur_revenue&period=2026-01',
    });
    expect(board.json().currency, board.body).toBe('EUR');
    const grid = (
      await api({ method: 'GET', url: `/api/metrics/grid?metrics=eur_revenue,revenue_won&${q}` })
    ).json();
    expect(grid.currency).toBe('USD');
    expect(grid.metrics.map((m: { metric: { currency: string | null } }) => m.metric.currency)).toEqual([
      'EUR',
      null,
    ]);
  });

  it('shows "—" (null) for a ratio whose denominator is zero', async () => {
    await create(metric('email_count', { block: 'activity_count', filters: { kinds: ['email'] } }));
    await create(
      metric(
        'calls_per_email',
        { block: 'ratio', numerator: 'calls', denominator: 'email_count' },
        'number',
        'ratio',
      ),
    );
    expect(await values('calls_per_email')).toEqual({ [w.repA1.id]: null, [w.repA2.id]: 0 });
  });

  it('lets an admin change a definition and removes only metrics no ratio uses', async () => {
    const list = (await as(t.app, admin)({ method: 'GET', url: '/api/metrics/custom' })).json();
    const id = (key: string) => list.items.find((m: { key: string }) => m.key === key).id;
    const changed = await as(
      t.app,
      admin,
    )({
      method: 'PATCH',
      url: `/api/metrics/custom/${id('tier_a_visits')}`,
      payload: { definition: { block: 'activity_count', filters: { kinds: ['visit'], tiers: ['B'] } } },
    });
    expect(changed.statusCode).toBe(200);
    expect(await values('tier_a_visits')).toEqual({ [w.repA1.id]: 1, [w.repA2.id]: 0 });
    const used = await as(
      t.app,
      admin,
    )({ method: 'DELETE', url: `/api/metrics/custom/${id('order_visits')}` });
    expect(used.statusCode).toBe(400);
    expect(used.json().error.message).toContain('order_rate');
    const free = await as(
      t.app,
      admin,
    )({ method: 'DELETE', url: `/api/metrics/custom/${id('call_minutes')}` });
    expect(free.statusCode).toBe(204);
  });
});

describe('custom metric validation', () => {
  const refused: [string, unknown, string, RegExp?][] = [
    [
      'unknown field',
      metric('m1', { block: 'activity_count', filters: { kinds: ['visit'], sql: 'drop table' } }),
      'definition.filters.sql',
    ],
    ['unknown block', metric('m2', { block: 'raw_sql', query: 'select 1' }), 'definition.block'],
    [
      'unknown kind',
      metric('m3', { block: 'activity_count', filters: { kinds: ['teleport'] } }),
      'definition.filters.kinds.0',
      /activity kind/,
    ],
    [
      'unknown stage',
      metric('m4', { block: 'deal_count', deals: 'won', filters: { stageIds: ['nope'] } }),
      'definition.filters.stageIds.0',
    ],
    [
      'unknown metric',
      metric('m5', { block: 'ratio', numerator: 'happiness', denominator: 'visits' }),
      'definition.numerator',
    ],
    [
      'itself',
      metric('m6', { block: 'ratio', numerator: 'm6', denominator: 'visits' }),
      'definition.numerator',
      /itself/,
    ],
    ['builtin key', metric('visits', { block: 'activity_count' }), 'key'],
    [
      'a money format on a count',
      metric('m7', { block: 'activity_count' }, 'money', 'money'),
      'format',
      /no amount/,
    ],
    [
      'a count format on an amount',
      metric('m8', { block: 'deal_sum', field: 'amount', deals: 'won' }, 'count', 'count'),
      'format',
      /must be money/,
    ],
    ['bad key', metric('Bad Key', { block: 'activity_count' }), 'key'],
  ];
  for (const [what, body, path, reason] of refused) {
    it(`refuses a definition with ${what}, naming ${path}`, async () => {
      const res = await create(body);
      expect(res.statusCode).toBe(400);
      const field = res.json().error.details.fields[0];
      expect(field.path).toBe(path);
      if (reason) expect(field.message).toMatch(reason);
    });
  }

  it('refuses an always-zero denominator and a ratio of two currencies, saying why', async () => {
    const openStage = `${defaultPipelineId(w.org.orgId)}:proposal`;
    expect(
      (
        await create(
          metric('won_in_open', { block: 'deal_count', deals: 'won', filters: { stageIds: [openStage] } }),
        )
      ).statusCode,
    ).toBe(201);
    const zero = await create(
      metric(
        'per_won_open',
        { block: 'ratio', numerator: 'visits', denominator: 'won_in_open' },
        'number',
        'ratio',
      ),
    );
    expect(zero.statusCode).toBe(400);
    expect(zero.json().error.details.fields[0]).toMatchObject({ path: 'definition.denominator' });
    expect(zero.json().error.details.fields[0].message).toMatch(/always zero/);
    await create(
      metric(
        'eur_won',
        { block: 'deal_sum', field: 'amount', deals: 'won', filters: { currency: 'EUR' } },
        'money',
        'money',
      ),
    );
    const mixed = await create(
      metric(
        'eur_share',
        { block: 'ratio', numerator: 'eur_won', denominator: 'revenue_won' },
        'percent',
        'percent',
      ),
    );
    expect(mixed.statusCode).toBe(400);
    expect(mixed.json().error.details.fields[0].message).toMatch(/mixes currencies: EUR ÷ USD/);
  });

  it('refuses a change that would make a ratio cycle, and keeps the old definition', async () => {
    expect(
      (
        await create(
          metric('cyc_a', { block: 'ratio', numerator: 'visits', denominator: 'calls' }, 'number', 'ratio'),
        )
      ).statusCode,
    ).toBe(201);
    const b = await create(
      metric('cyc_b', { block: 'ratio', numerator: 'cyc_a', denominator: 'calls' }, 'number', 'ratio'),
    );
    expect(b.statusCode).toBe(201);
    const list = (await as(t.app, admin)({ method: 'GET', url: '/api/metrics/custom' })).json();
    const a = list.items.find((m: { key: string }) => m.key === 'cyc_a');
    const res = await as(
      t.app,
      admin,
    )({
      method: 'PATCH',
      url: `/api/metrics/custom/${a.id}`,
      payload: { definition: { block: 'ratio', numerator: 'cyc_b', denominator: 'calls' } },
    });
    expect(res.statusCode).toBe(400);
    expect(res.json().error.details.fields[0]).toMatchObject({ path: 'definition' });
    expect(res.json().error.details.fields[0].message).toMatch(/cycle: cyc_a → cyc_b → cyc_a/);
    const after = (await as(t.app, admin)({ method: 'GET', url: `/api/metrics/custom/${a.id}` })).json();
    expect(after.definition).toEqual({ block: 'ratio', numerator: 'visits', denominator: 'calls' });
  });

  it('lets only admins define metrics', async () => {
    const res = await create(metric('rep_metric', { block: 'activity_count' }), repA1);
    expect(res.statusCode).toBe(403);
  });
});

describe('custom metric filters against the org’s vocabulary', () => {
  async function listed() {
    const res = await as(t.app, admin)({ method: 'GET', url: '/api/metrics/custom' });
    expect(res.statusCode).toBe(200);
    return res.json().items;
  }
  async function vocabulary(query = '', session = admin) {
    return as(t.app, session)({ method: 'GET', url: `/api/metrics/vocabulary${query}` });
  }

  const refused: [string, unknown, string, string | RegExp][] = [
    [
      'a territory no account has (a typo)',
      metric('v_nroth', { block: 'activity_count', filters: { territories: ['Nroth'] } }),
      'definition.filters.territories.0',
      'no account has the territory "Nroth"; closest existing: North, South',
    ],
    [
      'a territory in another case than the accounts’ (the engine matches exactly)',
      metric(
        'v_north_lc',
        {
          block: 'deal_sum',
          field: 'amount',
          deals: 'won',
          filters: { territories: ['South', 'north'] },
        },
        'money',
        'money',
      ),
      'definition.filters.territories.1',
      'no account has the territory "north"; closest existing: North, South',
    ],
    [
      'an outcome no activity has',
      metric('v_ordr', { block: 'activity_count', filters: { kinds: ['visit'], outcomes: ['ordr'] } }),
      'definition.filters.outcomes.0',
      'no activity has the outcome "ordr"; closest existing: order, no_answer',
    ],
    [
      'a currency no deal is in',
      metric('v_gbp', { block: 'deal_count', deals: 'won', filters: { currency: 'GBP' } }),
      'definition.filters.currency',
      'no deal has the currency "GBP"; closest existing: USD, EUR',
    ],
    [
      'an activity kind the org does not have',
      metric('v_kind', { block: 'activity_count', filters: { kinds: ['call', 'Visit'] } }),
      'definition.filters.kinds.1',
      /^"Visit" is not an activity kind of this org \(allowed: visit, call, email, meeting, demo, task/,
    ],
    [
      'a tier that does not exist',
      metric('v_tier', { block: 'activity_count', filters: { tiers: ['D'] } }),
      'definition.filters.tiers.0',
      /"A"\|"B"\|"C"/,
    ],
    [
      'a stage of no pipeline of the org',
      metric('v_stage', { block: 'deal_count', deals: 'won', filters: { stageIds: ['won'] } }),
      'definition.filters.stageIds.0',
      /^"won" is not a stage of this org \(allowed: .*:prospecting \(Prospecting\), .*:won \(Closed won\)/,
    ],
  ];
  for (const [what, body, path, reason] of refused) {
    it(`refuses ${what}, naming ${path} and the values that exist, and stores nothing`, async () => {
      const before = await listed();
      const res = await create(body);
      expect(res.statusCode, res.body).toBe(400);
      const field = res.json().error.details.fields[0];
      expect(field.path).toBe(path);
      if (typeof reason === 'string') expect(field.message).toBe(reason);
      else expect(field.message).toMatch(reason);
      expect(await listed()).toEqual(before);
    });
  }

  it('refuses a change to a territory no account has and keeps the stored definition', async () => {
    const created = await create(
      metric('v_north_visits', {
        block: 'activity_count',
        filters: { kinds: ['visit'], territories: ['North'] },
      }),
    );
    expect(created.statusCode, created.body).toBe(201);
    const before = await listed();
    const res = await as(
      t.app,
      admin,
    )({
      method: 'PATCH',
      url: `/api/metrics/custom/${created.json().id}`,
      payload: { definition: { block: 'activity_count', filters: { territories: ['North', 'Souht'] } } },
    });
    expect(res.statusCode).toBe(400);
    expect(res.json().error.details.fields[0]).toEqual({
      path: 'definition.filters.territories.1',
      message: 'no account has the territory "Souht"; closest existing: South, North',
    });
    expect(await listed()).toEqual(before);
  });

  it('refuses a ratio over a stored metric whose territory no account has, as an always-zero denominator', async () => {
    // Stored before territories were checked: its filter can never match.
    await t.db.kysely
      .insertInto('custom_metrics')
      .values({
        org_id: w.org.orgId,
        id: newId(),
        key: 'v_legacy_nroth',
        name: 'Legacy',
        description: 'Stored before the vocabulary check',
        spec: JSON.stringify({ block: 'activity_count', filters: { territories: ['Nroth', 'Sooth'] } }),
        unit: 'count',
        direction: 'higher',
        format: 'count',
        created_by: w.org.admin.id,
        created_at: t.clock.now(),
        updated_at: t.clock.now(),
      })
      .execute();
    const before = await listed();
    const res = await create(
      metric(
        'v_per_legacy',
        { block: 'ratio', numerator: 'visits', denominator: 'v_legacy_nroth' },
        'number',
        'ratio',
      ),
    );
    expect(res.statusCode).toBe(400);
    expect(res.json().error.details.fields[0]).toEqual({
      path: 'definition.denominator',
      message:
        '"v_legacy_nroth" is always zero (its filters can never match: no account has any of the territory values "Nroth", "Sooth"), so the ratio could never be computed',
    });
    expect(await listed()).toEqual(before);
    // As a numerator it is allowed: the ratio is zero, not undefined.
    const numerator = await create(
      metric(
        'v_legacy_share',
        { block: 'ratio', numerator: 'v_legacy_nroth', denominator: 'visits' },
        'number',
        'ratio',
      ),
    );
    expect(numerator.statusCode, numerator.body).toBe(201);
  });

  it('accepts the org’s own activity kinds and values records have, and computes them', async () => {
    const settings = await as(
      t.app,
      admin,
    )({ method: 'PATCH', url: '/api/crm/settings', payload: { activityKinds: ['tasting'] } });
    expect(settings.statusCode, settings.body).toBe(200);
    const [x] = await t.db.kysely
      .selectFrom('accounts')
      .select('id')
      .where('org_id', '=', w.org.orgId)
      .where('territory', '=', 'North')
      .execute();
    await activity(w.repA1.id, x!.id, 'tasting', '2026-01-05T15:00:00Z', { outcome: 'order' });
    const accepted = [
      metric('v_tastings', {
        block: 'activity_count',
        filters: { kinds: ['tasting'], territories: ['North'] },
      }),
      metric('v_no_answer', { block: 'activity_count', filters: { outcomes: ['no_answer', 'order'] } }),
      metric(
        'v_eur_north',
        {
          block: 'deal_sum',
          field: 'amount',
          deals: 'won',
          filters: { currency: 'EUR', territories: ['North'] },
        },
        'money',
        'money',
      ),
      // The org currency needs no deal in it.
      metric('v_usd_won', { block: 'deal_count', deals: 'won', filters: { currency: 'USD' } }),
      metric(
        'v_tasting_share',
        { block: 'ratio', numerator: 'v_tastings', denominator: 'v_no_answer' },
        'number',
        'ratio',
      ),
    ];
    for (const d of accepted) {
      const res = await create(d);
      expect(res.statusCode, `${d.key}: ${res.body}`).toBe(201);
    }
    expect(await values('v_tastings')).toEqual({ [w.repA1.id]: 1, [w.repA2.id]: 0 });
    expect(await values('v_no_answer')).toEqual({ [w.repA1.id]: 3, [w.repA2.id]: 1 });
    expect(await values('v_eur_north')).toEqual({ [w.repA1.id]: 40_000, [w.repA2.id]: 0 });
  });

  it('lists the vocabulary the builder offers: kinds, tiers, currencies, and territories and outcomes in use', async () => {
    const res = await vocabulary();
    expect(res.statusCode, res.body).toBe(200);
    expect(res.json()).toEqual({
      activityKinds: ['visit', 'call', 'email', 'meeting', 'demo', 'task', 'tasting'],
      tiers: ['A', 'B', 'C'],
      currency: 'USD',
      currencies: ['USD', 'EUR'],
      territories: {
        items: [
          { value: 'South', count: 2 },
          { value: 'North', count: 1 },
        ],
        more: false,
      },
      outcomes: {
        items: [
          { value: 'order', count: 4 },
          { value: 'no_answer', count: 1 },
        ],
        more: false,
      },
    });
  });

  it('narrows territories and outcomes by text in any case, bounded by limit', async () => {
    const no = (await vocabulary('?q=NO')).json();
    expect(no.territories.items).toEqual([{ value: 'North', count: 1 }]);
    expect(no.outcomes.items).toEqual([{ value: 'no_answer', count: 1 }]);
    // LIKE wildcards are plain text: "_" is only the underscore, "%" matches nothing here.
    const under = (await vocabulary('?q=_')).json();
    expect(under.territories.items).toEqual([]);
    expect(under.outcomes.items).toEqual([{ value: 'no_answer', count: 1 }]);
    expect((await vocabulary('?q=%25')).json().outcomes.items).toEqual([]);
    const one = (await vocabulary('?limit=1')).json();
    expect(one.territories).toEqual({ items: [{ value: 'South', count: 2 }], more: true });
    expect(one.outcomes).toEqual({ items: [{ value: 'order', count: 4 }], more: true });
  });

  it('knows only the org’s own records: another org’s territory is neither listed nor accepted', async () => {
    const other = await makeOrg(t.db, t.clock);
    await makeAccount(t.db, t.clock, other.orgId, other.admin.id, { territory: 'Elsewhere' });
    const otherAdmin = await signIn(t.app, other.admin.email, PASSWORD);
    const theirs = (await vocabulary('', otherAdmin)).json();
    expect(theirs.territories.items).toEqual([{ value: 'Elsewhere', count: 1 }]);
    expect(theirs.outcomes.items).toEqual([]);
    expect((await vocabulary('?q=else')).json().territories.items).toEqual([]);
    const before = await listed();
    const res = await create(
      metric('v_elsewhere', { block: 'activity_count', filters: { territories: ['Elsewhere'] } }),
    );
    expect(res.statusCode).toBe(400);
    expect(res.json().error.details.fields[0]).toEqual({
      path: 'definition.filters.territories.0',
      message: 'no account has the territory "Elsewhere"; closest existing: South, North',
    });
    expect(await listed()).toEqual(before);
  });

  it('refuses a bad vocabulary query naming the field, and anyone but an admin', async () => {
    const bad = await vocabulary('?limit=500');
    expect(bad.statusCode).toBe(400);
    expect(JSON.stringify(bad.json().error.details)).toContain('limit');
    expect((await vocabulary('', managerA)).statusCode).toBe(403);
    expect((await vocabulary('', repA1)).statusCode).toBe(403);
  });
});
