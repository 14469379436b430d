import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { insertActivity, makeAccount, stageId } from '../../../../tests/factories/crm.ts';
import { makeWorld, PASSWORD } from '../../../../tests/factories/identity.ts';
import { as, createTestApp, type Session, signIn, type TestApp } from '../../../../tests/setup/test-app.ts';
import type { CustomMetricSpec } from '../../../shared/custom-metrics.ts';
import { builtinMetrics, type MetricFormat } from '../../../shared/metrics-catalog.ts';
import { type PeriodKind, periodOfDate } from '../../../shared/periods.ts';
import { ensureDefaultPipeline } from '../crm/crm-settings.service.ts';
import { blockMemo, computeMetric, type MetricScope } from './metrics.engine.ts';
import { dateOfDay, dayNumber, dayStart, rebuildOrgRollups, rollupRange, rollupState } from './rollups.ts';

/**
 * Rollups answer exactly like the raw rows: random time zones (the org's zone changes between runs,
 * which queues a rebuild), random edits through the real API (activities created — often backdated
 * —, edited, deleted; deals created won/lost/open, moved between stages, reopened, re-split,
 * re-owned, their amount and close date changed; CSV imports that insert and move activities; deal
 * CSV imports — random columns mapped — that insert deals and, by external id, update earlier
 * imported ones: owner, stage (won ↔ open ↔ lost), amount, currency, a backdated close date, created
 * date and split), then
 * for random periods and every built-in KPI plus custom metrics: engine with rollups == engine on
 * raw rows, and the maintained rollups == a rebuild from scratch. ROLLUP_RUNS=<n> runs more cases
 * (default 40 on SQLite, 20 on PostgreSQL; 300 / 150 passed locally in 17 s / 24 s, and 300 / 80
 * again once deal imports were among the operations).
 */
let t: TestApp;
let w: Awaited<ReturnType<typeof makeWorld>>;
let admin: Session;
let people: string[];
let emails: string[];
let accounts: string[];
const accountNames = ['Rollup Tier A', 'Rollup Tier B'];
const pg = Boolean(process.env.TEST_DATABASE_URL);
// The test clock stands on 1 June 2026; the data spans October 2025 (a DST change) to May 2026.
const NOW = Date.parse('2026-06-01T12:00:00Z');
const FIRST_DAY = dayNumber('2025-10-01');
const LAST_DAY = dayNumber('2026-05-31');
const zones = [
  'America/Chicago',
  'Europe/Berlin',
  'Asia/Kolkata',
  'UTC',
  'America/St_Johns',
  'Australia/Lord_Howe',
  'Pacific/Auckland',
];
const kinds = ['visit', 'call', 'email', 'meeting', 'task'];

const customs: [string, CustomMetricSpec, MetricFormat][] = [
  ['c_verified_visits', { block: 'activity_count', filters: { kinds: ['visit'], verified: true } }, 'count'],
  ['c_minutes', { block: 'activity_sum', field: 'duration_minutes', filters: {} }, 'number'],
  [
    'c_avg_call',
    { block: 'activity_average', field: 'duration_minutes', filters: { kinds: ['call'] } },
    'number',
  ],
  ['c_outcome', { block: 'activity_count', filters: { outcomes: ['good'] } }, 'count'],
  ['c_closed', { block: 'deal_count', deals: 'closed', filters: {} }, 'count'],
  ['c_lost_sum', { block: 'deal_sum', field: 'amount', deals: 'lost', filters: {} }, 'money'],
  ['c_won_eur', { block: 'deal_sum', field: 'amount', deals: 'won', filters: { currency: 'EUR' } }, 'money'],
  ['c_won_avg', { block: 'deal_average', field: 'amount', deals: 'won', filters: {} }, 'money'],
  ['c_created', { block: 'deal_count', deals: 'created', filters: {} }, 'count'],
  ['c_tier_a', { block: 'activity_count', filters: { tiers: ['A'] } }, 'count'],
  ['c_ratio', { block: 'ratio', numerator: 'c_verified_visits', denominator: 'visits' }, 'percent'],
];

beforeAll(async () => {
  t = await createTestApp();
  t.clock.set(NOW);
  w = await makeWorld(t.db, t.clock);
  admin = await signIn(t.app, w.org.admin.email, PASSWORD);
  await ensureDefaultPipeline(t.db.kysely, w.org.orgId, t.clock.now());
  people = [w.repA1.id, w.repA2.id, w.repB1.id, w.managerA.id];
  emails = [w.repA1.email, w.repA2.email, w.repB1.email, w.managerA.email];
  accounts = [
    await makeAccount(t.db, t.clock, w.org.orgId, w.repA1.id, { tier: 'A', name: accountNames[0] }),
    await makeAccount(t.db, t.clock, w.org.orgId, w.repA2.id, { tier: 'B', name: accountNames[1] }),
  ];
  await rebuildOrgRollups(t.db.kysely, w.org.orgId);
});
afterAll(async () => {
  await t.close();
});

const dayArb = fc.integer({ min: FIRST_DAY, max: LAST_DAY });
/** An instant on a day, often near local midnights (the interesting edge). */
const instantArb = fc.tuple(
  dayArb,
  // Up to 25 hours in: the last hour of a fall-back day (wrapped on shorter days).
  fc.oneof(fc.integer({ min: 0, max: 89_999_999 }), fc.constantFrom(0, 1, 86_399_999, 89_999_999, 3_600_000)),
);
const personArb = fc.integer({ min: 0, max: 3 });
const stageArb = fc.constantFrom('prospecting', 'proposal', 'won', 'lost', 'won', 'lost');
const stageNames = {
  prospecting: 'Prospecting',
  proposal: 'Proposal',
  won: 'Closed won',
  lost: 'Closed lost',
};
/** True three times in four: a column a deal import usually maps. */
const mostlyArb = fc.integer({ min: 0, max: 3 }).map((n) => n > 0);

const opArb = fc.oneof(
  fc.record({
    op: fc.constant('activity' as const),
    kind: fc.constantFrom(...kinds),
    owner: personArb,
    at: instantArb,
    minutes: fc.option(fc.integer({ min: 0, max: 300 })),
    outcome: fc.constantFrom('good', 'bad', undefined),
    account: fc.integer({ min: 0, max: 1 }),
    near: fc.boolean(),
  }),
  fc.record({
    op: fc.constant('edit' as const),
    pick: fc.nat(),
    minutes: fc.option(fc.integer({ min: 0, max: 600 })),
  }),
  fc.record({ op: fc.constant('delete' as const), pick: fc.nat() }),
  fc.record({
    op: fc.constant('deal' as const),
    owner: personArb,
    stage: stageArb,
    amount: fc.integer({ min: 0, max: 5_000_000 }),
    closedOn: dayArb,
    eur: fc.boolean(),
    split: fc.option(fc.tuple(personArb, fc.integer({ min: 1, max: 99 }))),
  }),
  fc.record({
    op: fc.constant('move' as const),
    pick: fc.nat(),
    stage: stageArb,
    closedOn: fc.option(dayArb),
    amount: fc.option(fc.integer({ min: 0, max: 5_000_000 })),
    owner: fc.option(personArb),
    split: fc.option(fc.option(fc.tuple(personArb, fc.integer({ min: 1, max: 99 })))),
  }),
  fc.record({
    op: fc.constant('import' as const),
    rows: fc.array(
      fc.record({
        ext: fc.integer({ min: 1, max: 8 }),
        kind: fc.constantFrom(...kinds),
        owner: personArb,
        at: instantArb,
      }),
      { minLength: 1, maxLength: 4 },
    ),
  }),
  fc.record({
    op: fc.constant('dealImport' as const),
    // Which optional columns the file maps (an update writes only those): name, amount and account
    // always are.
    columns: fc.record({
      owner: mostlyArb,
      stage: mostlyArb,
      closeDate: mostlyArb,
      createdDate: fc.boolean(),
      currency: fc.boolean(),
      splits: fc.boolean(),
    }),
    rows: fc.array(
      fc.record({
        // Few external ids over the whole run, so most imports update deals imported before.
        ext: fc.integer({ min: 1, max: 6 }),
        owner: personArb,
        stage: stageArb,
        amount: fc.integer({ min: 0, max: 5_000_000 }),
        eur: fc.boolean(),
        closedOn: fc.option(dayArb),
        created: instantArb,
        account: fc.integer({ min: 0, max: 1 }),
        // The other owner and this owner's share in basis points (two decimals of a percent).
        split: fc.option(fc.tuple(personArb, fc.integer({ min: 1, max: 9_999 }))),
      }),
      { minLength: 1, maxLength: 4 },
    ),
  }),
);
type Op = typeof opArb extends fc.Arbitrary<infer T> ? T : never;

/** An instant on a local day of the zone: `ms` into it (wrapped on the day's length), never after now. */
function iso(at: [number, number], timeZone: string): string {
  const start = dayStart(at[0], timeZone);
  const length = dayStart(at[0] + 1, timeZone) - start;
  return new Date(Math.min(start + (at[1] % length), NOW)).toISOString();
}

async function ids(table: 'activities' | 'deals'): Promise<string[]> {
  const rows = await t.db.kysely
    .selectFrom(table)
    .select('id')
    .where('org_id', '=', w.org.orgId)
    .orderBy('id')
    .execute();
  return rows.map((r) => r.id);
}

function split(owner: number, s: [number, number] | null) {
  if (!s || s[0] === owner) return undefined;
  return [
    { userId: people[owner]!, percent: s[1] },
    { userId: people[s[0]]!, percent: 100 - s[1] },
  ];
}

/** Uploads a CSV, starts its import with a manual mapping (all or nothing), runs it, expects it done. */
async function importCsv(entity: 'activities' | 'deals', csv: string, mapping: Record<string, string>) {
  const api = as(t.app, admin);
  const up = await api({
    method: 'POST',
    url: `/api/crm/imports?entity=${entity}&fileName=${entity}.csv`,
    headers: { 'content-type': 'text/csv' },
    payload: csv,
  });
  expect(up.statusCode, up.body).toBe(201);
  const start = await api({
    method: 'POST',
    url: `/api/crm/imports/${up.json().id}/start`,
    payload: { mapping, mode: 'all-or-nothing' },
  });
  expect(start.statusCode, start.body).toBe(202);
  await t.app.jobs.runDue();
  const run = (await api({ method: 'GET', url: `/api/crm/imports/${up.json().id}` })).json();
  expect(run.state, JSON.stringify(run)).toBe('done');
  expect(run.errorCount, JSON.stringify(run)).toBe(0);
}

/** A deals CSV of the op's rows with only the op's optional columns. */
function dealsCsv(op: Extract<Op, { op: 'dealImport' }>, timeZone: string) {
  const c = op.columns;
  const columns: [header: string, field: string, value: (r: (typeof op.rows)[number]) => string][] = [
    ['Id', 'externalId', (r) => `D${r.ext}`],
    ['Name', 'name', (r) => `imported ${r.ext}`],
    ['Account', 'accountName', (r) => accountNames[r.account]!],
    ['Amount', 'amount', (r) => (r.amount / 100).toFixed(2)],
  ];
  if (c.owner) columns.push(['Owner', 'owner', (r) => emails[r.owner]!]);
  if (c.stage) columns.push(['Stage', 'stage', (r) => stageNames[r.stage]]);
  if (c.closeDate)
    columns.push(['Close', 'closeDate', (r) => (r.closedOn === null ? '' : dateOfDay(r.closedOn))]);
  if (c.createdDate) columns.push(['Created', 'createdDate', (r) => iso(r.created, timeZone)]);
  if (c.currency) columns.push(['Currency', 'currency', (r) => (r.eur ? 'EUR' : 'USD')]);
  if (c.splits) {
    // Empty cells clear a deal's split; the split owners are people, like the deal's owner.
    const shared = (r: (typeof op.rows)[number]) => (r.split && r.split[0] !== r.owner ? r.split : null);
    columns.push([
      'Split owners',
      'splitOwners',
      (r) => {
        const s = shared(r);
        return s ? `${emails[r.owner]};${emails[s[0]]}` : '';
      },
    ]);
    columns.push([
      'Split percents',
      'splitPercents',
      (r) => {
        const s = shared(r);
        return s ? `${(s[1] / 100).toFixed(2)};${((10_000 - s[1]) / 100).toFixed(2)}` : '';
      },
    ]);
  }
  return {
    csv: [
      columns.map((col) => col[0]).join(','),
      ...op.rows.map((r) => columns.map((col) => col[2](r)).join(',')),
    ].join('\n'),
    mapping: Object.fromEntries(columns.map(([header, field]) => [header, field])),
  };
}

async function apply(op: Op, timeZone: string): Promise<void> {
  const api = as(t.app, admin);
  switch (op.op) {
    case 'activity': {
      const when = iso(op.at, timeZone);
      const res = await api({
        method: 'POST',
        url: '/api/crm/activities',
        payload: {
          kind: op.kind,
          subject: 'x',
          outcome: op.outcome,
          occurredAt: when,
          durationMinutes: op.minutes ?? undefined,
          ownerId: people[op.owner],
          accountId: accounts[op.account],
          ...(op.kind === 'visit'
            ? { checkIn: { at: when, lat: op.near ? 41.8781 : 40, lng: -87.6298 } }
            : {}),
        },
      });
      expect(res.statusCode, res.body).toBe(201);
      return;
    }
    case 'edit':
    case 'delete': {
      const all = await ids('activities');
      if (all.length === 0) return;
      const id = all[op.pick % all.length]!;
      const res =
        op.op === 'edit'
          ? await api({
              method: 'PATCH',
              url: `/api/crm/activities/${id}`,
              payload: { durationMinutes: op.minutes, outcome: 'good' },
            })
          : await api({ method: 'DELETE', url: `/api/crm/activities/${id}` });
      expect(res.statusCode, res.body).toBeLessThan(300);
      return;
    }
    case 'deal': {
      const res = await api({
        method: 'POST',
        url: '/api/crm/deals',
        payload: {
          accountId: accounts[0],
          name: 'd',
          amountMinor: op.amount,
          currency: op.eur ? 'EUR' : 'USD',
          stageId: stageId(w.org.orgId, op.stage),
          ownerId: people[op.owner],
          closedOn: dateOfDay(op.closedOn),
          splits: split(op.owner, op.split),
        },
      });
      expect(res.statusCode, res.body).toBe(201);
      return;
    }
    case 'move': {
      const all = await ids('deals');
      if (all.length === 0) return;
      const id = all[op.pick % all.length]!;
      const owner = op.owner ?? 0;
      const res = await api({
        method: 'PATCH',
        url: `/api/crm/deals/${id}`,
        payload: {
          stageId: stageId(w.org.orgId, op.stage),
          ...(op.closedOn !== null ? { closedOn: dateOfDay(op.closedOn) } : {}),
          ...(op.amount !== null ? { amountMinor: op.amount } : {}),
          ...(op.owner !== null ? { ownerId: people[owner] } : {}),
          ...(op.split !== null ? { splits: split(owner, op.split) ?? [] } : {}),
        },
      });
      expect(res.statusCode, res.body).toBe(200);
      return;
    }
    case 'import': {
      const csv = [
        'Id,Kind,Subject,Date,Owner',
        ...op.rows.map((r) => `E${r.ext},${r.kind},imported,${iso(r.at, timeZone)},${emails[r.owner]}`),
      ].join('\n');
      await importCsv('activities', csv, {
        Id: 'externalId',
        Kind: 'kind',
        Subject: 'subject',
        Date: 'occurredAt',
        Owner: 'owner',
      });
      return;
    }
    case 'dealImport': {
      const { csv, mapping } = dealsCsv(op, timeZone);
      await importCsv('deals', csv, mapping);
      return;
    }
    default: {
      const never: never = op;
      throw new Error(`unknown op ${String(never)}`);
    }
  }
}

async function snapshot() {
  const o = w.org.orgId;
  const activities = (table: 'activity_rollups' | 'activity_rollup_months') =>
    t.db.kysely
      .selectFrom(table as 'activity_rollups')
      .select(['user_id', 'day', 'kind', 'verified', 'n', 'duration_sum', 'duration_n'])
      .where('org_id', '=', o)
      .orderBy('user_id')
      .orderBy('day')
      .orderBy('kind')
      .orderBy('verified')
      .execute();
  const deals = (table: 'deal_rollups' | 'deal_rollup_months') =>
    t.db.kysely
      .selectFrom(table as 'deal_rollups')
      .select([
        'user_id',
        'day',
        'status',
        'currency',
        'stage_id',
        'amount',
        'share_bp',
        'deals',
        'cycle_ms',
        'cycle_deals',
      ])
      .where('org_id', '=', o)
      .orderBy('user_id')
      .orderBy('day')
      .orderBy('status')
      .orderBy('currency')
      .orderBy('stage_id')
      .execute();
  const [a, d, k, am, dm] = await Promise.all([
    activities('activity_rollups'),
    deals('deal_rollups'),
    t.db.kysely
      .selectFrom('deal_rollup_keys')
      .select(['deal_id', 'user_id', 'day'])
      .where('org_id', '=', o)
      .orderBy('deal_id')
      .orderBy('user_id')
      .execute(),
    activities('activity_rollup_months'),
    deals('deal_rollup_months'),
  ]);
  const num = <T extends Record<string, unknown>>(rows: T[]) =>
    rows.map((r) =>
      Object.fromEntries(
        Object.entries(r).map(([key, v]) => [
          key,
          typeof v === 'string' && /^-?\d+$/.test(v) ? Number(v) : v,
        ]),
      ),
    );
  return { a: num(a), d: num(d), k: num(k), am: num(am), dm: num(dm) };
}

describe('daily and monthly rollups', () => {
  it('answer every metric exactly like the raw rows, and equal a rebuild, after random edits', async () => {
    const custom = new Map(customs.map(([key, spec, format]) => [key, { spec, format }]));
    const metrics = [...builtinMetrics.map((m) => m.key), ...customs.map((c) => c[0])];
    await fc.assert(
      fc.asyncProperty(
        fc.constantFrom(...zones),
        fc.array(opArb, { minLength: 1, maxLength: pg ? 8 : 12 }),
        fc.array(fc.tuple(fc.constantFrom<PeriodKind>('week', 'month', 'quarter', 'year'), dayArb), {
          minLength: 2,
          maxLength: 4,
        }),
        async (timeZone, ops, periods) => {
          const org = (await as(t.app, admin)({ method: 'GET', url: '/api/org' })).json();
          if (org.timeZone !== timeZone) {
            const res = await as(t.app, admin)({ method: 'PATCH', url: '/api/org', payload: { timeZone } });
            expect(res.statusCode, res.body).toBe(200);
            // Until the queued rebuild ran, the rollups do not answer for the new zone.
            const stale = await rollupState(t.db.kysely, w.org.orgId);
            expect(stale?.timeZone).not.toBe(timeZone);
            await t.app.jobs.runDue();
            expect((await rollupState(t.db.kysely, w.org.orgId))?.timeZone).toBe(timeZone);
          }
          for (const op of ops) await apply(op, timeZone);

          const cal = { timeZone, fiscalYearStartMonth: 1 };
          const state = await rollupState(t.db.kysely, w.org.orgId);
          for (const [kind, day] of periods) {
            const p = periodOfDate(kind, dateOfDay(day), cal);
            const range = rollupRange(state, timeZone, p.start, p.end);
            expect(range, JSON.stringify(state)).not.toBeNull();
            // Months, quarters and years read the monthly tier; weeks the daily one.
            expect(range!.monthly, p.key).toBe(kind !== 'week');
            const scope: MetricScope = {
              orgId: w.org.orgId,
              currency: 'USD',
              timeZone,
              userIds: people,
              start: p.start,
              end: p.end,
              now: NOW,
              period: p,
              custom,
            };
            // Every metric at once with shared building blocks (as values, the grid and the
            // leaderboards compute them), from the rollups and from the raw rows.
            const sharedRollups = blockMemo(metrics, custom);
            const shared = await Promise.all(
              metrics.map((key) => computeMetric(t.db.kysely, key, { ...scope, blocks: sharedRollups })),
            );
            const sharedRaw = blockMemo(metrics, custom);
            const sharedFromRaw = await Promise.all(
              metrics.map((key) =>
                computeMetric(t.db.kysely, key, { ...scope, raw: true, blocks: sharedRaw }),
              ),
            );
            for (const [i, key] of metrics.entries()) {
              const fromRollups = await computeMetric(t.db.kysely, key, scope);
              const raw = await computeMetric(t.db.kysely, key, { ...scope, raw: true });
              expect(Object.fromEntries(fromRollups), `${key} ${p.key} ${timeZone}`).toEqual(
                Object.fromEntries(raw),
              );
              expect(Object.fromEntries(shared[i]!), `shared ${key} ${p.key}`).toEqual(
                Object.fromEntries(raw),
              );
              expect(Object.fromEntries(sharedFromRaw[i]!), `shared raw ${key} ${p.key}`).toEqual(
                Object.fromEntries(raw),
              );
            }
          }
          const maintained = await snapshot();
          await rebuildOrgRollups(t.db.kysely, w.org.orgId);
          expect(maintained).toEqual(await snapshot());
        },
      ),
      { numRuns: Number(process.env.ROLLUP_RUNS ?? (pg ? 20 : 40)) },
    );
  }, 240_000);

  it('are what the engine reads: a row written behind their back shows only in raw answers', async () => {
    const timeZone = (await rollupState(t.db.kysely, w.org.orgId))!.timeZone;
    const p = periodOfDate('month', '2026-05-10', { timeZone, fiscalYearStartMonth: 1 });
    const scope: MetricScope = {
      orgId: w.org.orgId,
      currency: 'USD',
      timeZone,
      userIds: [w.repB1.id],
      start: p.start,
      end: p.end,
      now: NOW,
    };
    const before = (await computeMetric(t.db.kysely, 'calls', scope)).get(w.repB1.id)!.value!;
    await insertActivity(t.db, {
      orgId: w.org.orgId,
      ownerId: w.repB1.id,
      kind: 'call',
      subject: 'behind the back',
      occurredAt: p.start + 3_600_000,
      createdAt: NOW,
    });
    expect((await computeMetric(t.db.kysely, 'calls', scope)).get(w.repB1.id)!.value).toBe(before);
    expect((await computeMetric(t.db.kysely, 'calls', { ...scope, raw: true })).get(w.repB1.id)!.value).toBe(
      before + 1,
    );
    // A period that does not start on a local midnight is answered from raw rows.
    expect(
      (await computeMetric(t.db.kysely, 'calls', { ...scope, start: scope.start + 1 })).get(w.repB1.id)!
        .value,
    ).toBe(before + 1);
    await rebuildOrgRollups(t.db.kysely, w.org.orgId);
    expect((await computeMetric(t.db.kysely, 'calls', scope)).get(w.repB1.id)!.value).toBe(before + 1);
  });

  it('answer a month, quarter or year from the monthly tier and a week from the daily one', async () => {
    const timeZone = (await rollupState(t.db.kysely, w.org.orgId))!.timeZone;
    const cal = { timeZone, fiscalYearStartMonth: 1 };
    const user = w.repB1.id;
    const scopeOf = (kind: PeriodKind): MetricScope => {
      const p = periodOfDate(kind, '2026-05-13', cal);
      return {
        orgId: w.org.orgId,
        currency: 'USD',
        timeZone,
        userIds: [user],
        start: p.start,
        end: p.end,
        now: NOW,
      };
    };
    const value = async (metric: string, kind: PeriodKind) =>
      (await computeMetric(t.db.kysely, metric, scopeOf(kind))).get(user)?.value ?? 0;
    const kinds: PeriodKind[] = ['week', 'month', 'quarter', 'year'];
    const before = await Promise.all(kinds.map((k) => value('meetings', k)));
    const revenueBefore = await Promise.all(kinds.map((k) => value('revenue_won', k)));
    // Rows written into the monthly tier only, for May.
    const may = dayNumber('2026-05-01');
    await t.db.kysely
      .insertInto('activity_rollup_months')
      .values({
        org_id: w.org.orgId,
        user_id: user,
        day: may,
        kind: 'meeting',
        verified: -1,
        n: 1_000,
        duration_sum: 0,
        duration_n: 0,
      })
      .onConflict((oc) =>
        oc.columns(['org_id', 'user_id', 'day', 'kind', 'verified']).doUpdateSet((eb) => ({
          n: eb(eb.ref('activity_rollup_months.n'), '+', 1_000),
        })),
      )
      .execute();
    await t.db.kysely
      .insertInto('deal_rollup_months')
      .values({
        org_id: w.org.orgId,
        user_id: user,
        day: may,
        status: 'won',
        currency: 'USD',
        stage_id: 'behind-the-back',
        amount: 77_700,
        share_bp: 10_000,
        deals: 1,
        cycle_ms: 0,
        cycle_deals: 0,
      })
      .execute();
    const after = await Promise.all(kinds.map((k) => value('meetings', k)));
    const revenueAfter = await Promise.all(kinds.map((k) => value('revenue_won', k)));
    expect(after).toEqual([before[0], before[1]! + 1_000, before[2]! + 1_000, before[3]! + 1_000]);
    expect(revenueAfter).toEqual([
      revenueBefore[0],
      revenueBefore[1]! + 77_700,
      revenueBefore[2]! + 77_700,
      revenueBefore[3]! + 77_700,
    ]);
    // A rebuild derives the monthly tier from the daily one again.
    await rebuildOrgRollups(t.db.kysely, w.org.orgId);
    expect(await Promise.all(kinds.map((k) => value('meetings', k)))).toEqual(before);
    expect(await Promise.all(kinds.map((k) => value('revenue_won', k)))).toEqual(revenueBefore);
  });
});
