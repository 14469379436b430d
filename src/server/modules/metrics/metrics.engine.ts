import {
  type CompiledQuery,
  type ExpressionBuilder,
  type Kysely,
  type SelectQueryBuilder,
  sql,
} from 'kysely';
import type { CustomMetricSpec } from '../../../shared/custom-metrics.ts';
import type { MetricFormat } from '../../../shared/metrics-catalog.ts';
import type { Period } from '../../../shared/periods.ts';
import { dateInZone } from '../../../shared/time.ts';
import { shapedQuery } from '../../db/compiled-query.ts';
import { type Executor, isPostgres, readArrays, trySyncRead } from '../../db/database.ts';
import type { Database } from '../../db/schema.ts';
import { effectiveUserTargets, type UserTarget } from '../targets/targets.effective.ts';
import { metricSettingsOf } from './metric-settings.service.ts';
import { meetingFollowed, OUTREACH_KINDS, type OutreachRule, outreachRuleOf } from './outreach.ts';
import {
  type DayRange,
  KNOWN_CYCLE,
  KNOWN_CYCLE_MS,
  type RollupState,
  rollupRange,
  rollupState,
} from './rollups.ts';
import { type StrikeRule, strikeCondition, strikeRuleOf } from './strike.ts';

/**
 * Computes built-in KPIs for a set of people over a period, straight from the CRM rows with one
 * grouped aggregate per building block (never a query per person). Ratios carry their numerator and
 * denominator so every number can show how it was computed; a zero denominator gives null ("—").
 *
 * Where the org's daily rollups are valid (see rollups.ts) and the period starts and ends on local
 * midnights, each building block that the rollups can answer reads them instead of the raw rows —
 * the monthly tier when the period is whole months (field days always read the daily tier):
 * activity counts/sums by kind and verified flag, field days, closed (won/lost) credited deals by
 * currency and stage, cycle-length sums. Filters on outcome, account tier or territory, open and
 * created deals, strikes and anything about open pipeline read the raw rows.
 */
export interface MetricScope {
  orgId: string;
  currency: string;
  timeZone: string;
  userIds: string[];
  start: number;
  end: number;
  now: number;
  /** The period itself: needed by target-based metrics (quota attainment, pipeline coverage). */
  period?: Pick<Period, 'kind' | 'startDate'>;
  /** The org's custom metrics by key (definitions validated when saved). */
  custom?: ReadonlyMap<string, { spec: CustomMetricSpec; format: MetricFormat }>;
  /** What strike rate counts (the org's window and order outcomes); else the engine reads the org's settings. */
  strike?: StrikeRule;
  /** What meetings from outreach counts (the org's meeting window); else the engine reads the org's settings. */
  outreach?: OutreachRule;
  /** Ignore the rollups and read raw rows (tests comparing both, and the benchmarks' baseline). */
  raw?: boolean;
  /** The org's rollup state when the caller read it already (null: none); else the engine reads it. */
  rollups?: RollupState | null;
  /**
   * Building blocks shared by the metrics and periods of one request (see `blockMemo`): a block
   * two metrics need (revenue won for revenue, deals won, win rate and quota attainment) is read once.
   */
  blocks?: BlockMemo;
  /** Loads effective targets (the caller's loader reads every metric's targets of a period at once). */
  targets?: (
    metricKey: string,
    period: Pick<Period, 'kind' | 'startDate'>,
  ) => Promise<ReadonlyMap<string, Readonly<UserTarget>>>;
}

/**
 * The building blocks the metrics of one request share, computed once each: closed deals per
 * person and status, activity counts per person and filter. `statuses` and `activity` are
 * what the request's metrics will ask for, so the first ask reads them all in one grouped query
 * (asks outside them get their own query). Keyed by period, people and source (rollups or raw),
 * so the previous period and last year share it too.
 */
export interface BlockMemo {
  statuses: ReadonlySet<'won' | 'lost'>;
  /** Whether some metric reads the won deals' cycle (days from created to won). */
  cycle: boolean;
  /** Activity counts by filter (kinds / verified), by `activityFilterKey`. */
  activity: ReadonlyMap<string, ActivityFilter>;
  entries: Map<string, Promise<unknown>>;
}

/** Which closed-deal statuses and activity kinds each built-in reads through the shared blocks. */
const builtinBlocks: Record<
  string,
  { statuses?: ('won' | 'lost')[]; cycle?: boolean; activity?: ActivityFilter[] }
> = {
  revenue_won: { statuses: ['won'] },
  deals_won: { statuses: ['won'] },
  win_rate: { statuses: ['won', 'lost'] },
  avg_deal_size: { statuses: ['won'] },
  sales_cycle_days: { statuses: ['won'], cycle: true },
  quota_attainment: { statuses: ['won'] },
  pipeline_coverage: { statuses: ['won'] },
  pipeline_velocity: { statuses: ['won', 'lost'], cycle: true },
  activities: { activity: [{}] },
  visits: { activity: [{ kinds: ['visit'] }] },
  calls: { activity: [{ kinds: ['call'] }] },
  meetings: { activity: [{ kinds: ['meeting'] }] },
  emails: { activity: [{ kinds: ['email'] }] },
  demos: { activity: [{ kinds: ['demo'] }] },
  tasks: { activity: [{ kinds: ['task'] }] },
  verified_visit_rate: { activity: [{ kinds: ['visit'], verified: true }, { kinds: ['visit'] }] },
  visits_per_field_day: { activity: [{ kinds: ['visit'] }] },
  meetings_from_outreach: { activity: [{ kinds: [...OUTREACH_KINDS] }] },
  strike_rate: { activity: [{ kinds: ['visit'] }] },
};

/** A memo for computing `keys` (built-in or custom; a custom ratio's operands count) in one request. */
export function blockMemo(
  keys: readonly string[],
  custom?: ReadonlyMap<string, { spec: CustomMetricSpec }>,
): BlockMemo {
  const statuses = new Set<'won' | 'lost'>();
  const activity = new Map<string, ActivityFilter>();
  const seen = new Set<string>();
  let cycle = false;
  const add = (key: string) => {
    if (seen.has(key)) return;
    seen.add(key);
    const spec = custom?.get(key)?.spec;
    if (spec) {
      if (spec.block === 'ratio') {
        add(spec.numerator);
        add(spec.denominator);
      }
      return;
    }
    const needs = builtinBlocks[key];
    for (const st of needs?.statuses ?? []) statuses.add(st);
    if (needs?.cycle) cycle = true;
    for (const f of needs?.activity ?? []) activity.set(activityFilterKey(f), f);
  };
  for (const key of keys) add(key);
  return { statuses, cycle, activity, entries: new Map() };
}

const userKeys = new WeakMap<readonly string[], string>();

/** What makes two asks for a block the same: source, period bounds, currency and people. */
function blockKey(s: Scope): string {
  let users = userKeys.get(s.userIds);
  if (users === undefined) {
    users = s.userIds.join(',');
    userKeys.set(s.userIds, users);
  }
  const source = s.days ? `d${s.days.from}-${s.days.to}` : 'raw';
  return `${source}|${s.start}|${s.end}|${s.currency}|${users}`;
}

function memoized<T>(s: Scope, key: string, load: () => Promise<T>): Promise<T> {
  const memo = s.blocks;
  if (!memo) return load();
  const full = `${key}|${blockKey(s)}`;
  let p = memo.entries.get(full) as Promise<T> | undefined;
  if (!p) {
    p = load();
    memo.entries.set(full, p);
  }
  return p;
}

/**
 * Runs a SELECT: on SQLite outside a transaction straight on its prepared statement (no connection
 * mutex, no promise hops — see trySyncRead), else through Kysely.
 */
async function rowsOf<R>(
  db: Executor,
  query: { compile(): CompiledQuery<R> } | CompiledQuery<R>,
): Promise<R[]> {
  const compiled = 'compile' in query ? query.compile() : query;
  const rows =
    db.getExecutor().plugins.length === 0 ? trySyncRead(db, compiled.sql, compiled.parameters) : undefined;
  if (rows !== undefined) return rows as R[];
  return (await db.executeQuery(compiled)).rows;
}

/**
 * The rollup table that answers a range of days: the monthly tier when the range is whole months
 * (`DayRange.monthly`). Both tiers have the same columns (a monthly row's `day` is its month's first
 * day), hence one type.
 */
function activityTable(monthly: boolean): 'activity_rollups' {
  return (monthly ? 'activity_rollup_months' : 'activity_rollups') as 'activity_rollups';
}

function dealTable(monthly: boolean): 'deal_rollups' {
  return (monthly ? 'deal_rollup_months' : 'deal_rollups') as 'deal_rollups';
}

type RollupTable = 'activity_rollups' | 'deal_rollups';

/**
 * A rollup table's rows for a list of people, as the start of a read: on SQLite `json_each` of
 * the ids (one parameter, a JSON array: `peopleParameter`) cross-joined to the table, so that its
 * primary key (org, person, day, …) is probed person by person, as `user_id in (…)` would; on
 * PostgreSQL `user_id in (…)`. Not `in (…)` on SQLite: for an `in` list SQLite builds an ephemeral
 * index on every execution, with a page cache of its own allocated in bulk (20 pages) and written
 * through at once; in a request, after the JavaScript in between had the allocator hand memory
 * back to the system, that cost ≈ 0.2 ms of page faults in the first such read — a fifth of a
 * KPI grid request at dataset S (docs/performance.md, session 10). `CROSS JOIN` fixes the order
 * (SQLite otherwise drove the read from the table by org alone).
 */
function rollupRowsOf<T extends RollupTable>(
  db: Executor,
  table: T,
  people: string | readonly string[],
): SelectQueryBuilder<Database, T, object> {
  // Untyped inside: Kysely's types do not resolve over a union of tables.
  const k = db as unknown as Kysely<Record<string, Record<string, unknown>>>;
  const name = table as string;
  if (typeof people !== 'string') return k.selectFrom(name).where('user_id', 'in', people) as never;
  return k
    .selectFrom(sql`json_each(${people})`.as('p'))
    .crossJoin(name)
    .whereRef(`${name}.user_id`, '=', 'p.value') as never;
}

/** The people of a rollup read as `rollupRowsOf` takes them on `db`'s engine. */
function peopleParameter(db: Executor, userIds: readonly string[]): string | readonly string[] {
  return isPostgres(db) ? userIds : JSON.stringify(userIds);
}

/** The scope as the building blocks see it: the rollup days when rollups answer this period. */
interface Scope extends MetricScope {
  days: DayRange | null;
}

export interface MetricValue {
  value: number | null;
  numerator?: number;
  denominator?: number;
}

type Totals = Map<string, number>;

function toMap(rows: { user_id: string; n: number | string | null }[]): Totals {
  return new Map(rows.map((r) => [r.user_id, Number(r.n ?? 0)]));
}

async function activityCount(
  db: Executor,
  s: Scope,
  filter: { kinds?: string[]; verified?: boolean } = {},
): Promise<Totals> {
  if (s.userIds.length === 0) return new Map();
  if (s.days) {
    // One read of the rollups, grouped by person, sums every count the request's metrics need.
    const key = activityFilterKey(filter);
    const shared = s.blocks?.activity;
    const cells = shared?.has(key) ? shared : new Map([[key, filter]]);
    const sums = await memoized(s, `activity:${[...cells.keys()].join('/')}`, () =>
      activityRollupCells(db, s, s.days!, cells),
    );
    return sums.get(key)!;
  }
  return memoized(s, `activity-raw:${activityFilterKey(filter)}`, async () => {
    let q = db
      .selectFrom('activities')
      .select(['owner_id as user_id', (eb) => eb.fn.countAll<number>().as('n')])
      .where('org_id', '=', s.orgId)
      .where('owner_id', 'in', s.userIds)
      .where('occurred_at', '>=', s.start)
      .where('occurred_at', '<', s.end);
    if (filter.kinds) q = q.where('kind', 'in', filter.kinds);
    if (filter.verified !== undefined) q = q.where('verified', '=', filter.verified ? 1 : 0);
    return toMap(await rowsOf(db, q.groupBy('owner_id')));
  });
}

type ActivityFilter = { kinds?: string[]; verified?: boolean };

function activityFilterKey(f: ActivityFilter): string {
  return `${f.kinds ? [...f.kinds].sort().join(',') : '*'}:${f.verified ?? ''}`;
}

/**
 * Activity counts from the rollups for several filters at once: one query grouped by person with a
 * conditional sum per filter (grouping by kind as well would cost a sort of every rollup row).
 */
/** The rollup read of `activityRollupCells`, compiled once per shape (filters, number of people). */
const activityCellsQuery = shapedQuery(
  (
    db: Executor,
    a: {
      orgId: string;
      people: string | readonly string[];
      from: number;
      to: number;
      kinds: string[];
      cellKinds: string[];
    },
    shape: { cells: ActivityFilter[]; anyKind: boolean; monthly: boolean },
  ) => {
    // The values of every filter's kinds, in order, taken from `cellKinds` (parameters, not text).
    let at = 0;
    const sums = shape.cells.map((f, i) => {
      const first = at;
      at += f.kinds?.length ?? 0;
      const conditions = [
        ...(f.kinds ? [sql`kind in (${sql.join(a.cellKinds.slice(first, at))})`] : []),
        ...(f.verified !== undefined ? [sql`verified = ${sql.lit(f.verified ? 1 : 0)}`] : []),
      ];
      const value =
        conditions.length === 0
          ? sql`n`
          : sql`case when ${sql.join(conditions, sql` and `)} then n else 0 end`;
      return sql<number>`sum(${value})`.as(`c${i}`);
    });
    let q = rollupRowsOf(db, activityTable(shape.monthly), a.people)
      .select(['user_id', ...sums])
      .where('org_id', '=', a.orgId)
      .where('day', '>=', a.from)
      .where('day', '<', a.to);
    // Only the kinds some filter counts (unless one counts every kind).
    if (!shape.anyKind) q = q.where('kind', 'in', a.kinds);
    return q.groupBy('user_id');
  },
  (shape) =>
    `${shape.cells.map((f) => `${f.kinds?.length ?? '*'}:${f.verified ?? ''}`).join('/')}|${shape.anyKind}|${shape.monthly}`,
);

async function activityRollupCells(
  db: Executor,
  s: Scope,
  days: DayRange,
  cells: ReadonlyMap<string, ActivityFilter>,
): Promise<Map<string, Totals>> {
  const list = [...cells];
  const filters = list.map(([, f]) => f);
  const anyKind = !filters.every((f) => f.kinds);
  const kinds = anyKind ? [] : [...new Set(filters.flatMap((f) => f.kinds!))];
  const query = activityCellsQuery(
    db,
    {
      orgId: s.orgId,
      people: peopleParameter(db, s.userIds),
      from: days.from,
      to: days.to,
      kinds,
      cellKinds: filters.flatMap((f) => f.kinds ?? []),
    },
    { cells: filters, anyKind, monthly: days.monthly },
  );
  // Rows as arrays: [user_id, c0, c1, …].
  const rows = await readArrays(db, query);
  return new Map(
    list.map(([key], i) => [key, new Map(rows.map((r) => [r[0] as string, Number(r[i + 1] ?? 0)]))]),
  );
}

/** Sums of the activity rollups per user over a day range (kinds / verified filters). */
function activityRollups(
  db: Executor,
  s: Scope,
  days: DayRange,
  filter: { kinds?: string[]; verified?: boolean },
) {
  let q = db
    .selectFrom(activityTable(days.monthly))
    .select([
      'user_id',
      (eb) => eb.fn.sum<number>('n').as('n'),
      (eb) => eb.fn.sum<number>('duration_sum').as('total'),
      (eb) => eb.fn.sum<number>('duration_n').as('with_duration'),
    ])
    .where('org_id', '=', s.orgId)
    .where('user_id', 'in', s.userIds)
    .where('day', '>=', days.from)
    .where('day', '<', days.to);
  if (filter.kinds) q = q.where('kind', 'in', filter.kinds);
  if (filter.verified !== undefined) q = q.where('verified', '=', filter.verified ? 1 : 0);
  return q.groupBy('user_id').execute();
}

/**
 * Distinct local days with a visit. Raw: 15-minute buckets from SQL (every current UTC offset is a
 * multiple of 15 minutes, so a bucket never straddles a local midnight), mapped to local dates here.
 */
async function visitDays(db: Executor, s: Scope): Promise<Totals> {
  if (s.userIds.length === 0) return new Map();
  if (s.days) {
    const rows = await db
      .selectFrom('activity_rollups')
      .select(['user_id', sql<number>`count(distinct day)`.as('n')])
      .where('org_id', '=', s.orgId)
      .where('user_id', 'in', s.userIds)
      .where('kind', '=', 'visit')
      .where('day', '>=', s.days.from)
      .where('day', '<', s.days.to)
      .groupBy('user_id')
      .execute();
    return toMap(rows);
  }
  const rows = await db
    .selectFrom('activities')
    .select(['owner_id as user_id', sql<number>`(occurred_at / 900000)`.as('hour')])
    .where('org_id', '=', s.orgId)
    .where('owner_id', 'in', s.userIds)
    .where('kind', '=', 'visit')
    .where('occurred_at', '>=', s.start)
    .where('occurred_at', '<', s.end)
    .groupBy(['owner_id', sql`(occurred_at / 900000)`])
    .execute();
  const days = new Map<string, Set<string>>();
  for (const r of rows) {
    const set = days.get(r.user_id) ?? new Set<string>();
    set.add(dateInZone(Math.floor(Number(r.hour)) * 900_000, s.timeZone));
    days.set(r.user_id, set);
  }
  return new Map([...days].map(([u, set]) => [u, set.size]));
}

interface DealTotals {
  amount: Totals;
  /** Σ share (1.0 per whole deal). */
  count: Totals;
  /** Average cycle in days of the deals of known cycle (KNOWN_CYCLE); absent when none is known. */
  cycleDays: Totals;
  /** Σ days of those deals, and how many they are: the average's parts (teams add them up). */
  cycleSum: Totals;
  cycleKnown: Totals;
}

const noDeals = (): DealTotals => ({
  amount: new Map(),
  count: new Map(),
  cycleDays: new Map(),
  cycleSum: new Map(),
  cycleKnown: new Map(),
});

/** The sums `closedDealsByStatus` reads per status, in this order: the cycle's only when asked. */
function dealSumColumns(cycle: boolean) {
  return cycle
    ? (['amount', 'share_bp', 'cycle_ms', 'cycle_deals'] as const)
    : (['amount', 'share_bp'] as const);
}

/**
 * The rollup read of `closedDealsByStatus`, compiled once per number of people and statuses: one
 * row per person with each status's sums side by side (conditional sums — grouping by person and
 * status as well made SQLite sort the rows in a temporary b-tree). A status's sums are null when
 * the person has no rollup row of that status. The cycle's sums only when some metric needs them
 * (each column summed costs: 10 sums took 113 µs for a month of 23 people, 6 sums 88 µs).
 */
const closedDealRollupsQuery = shapedQuery(
  (
    db: Executor,
    a: {
      orgId: string;
      people: string | readonly string[];
      from: number;
      to: number;
      statuses: string[];
      currency: string;
    },
    shape: { monthly: boolean; cycle: boolean },
  ) =>
    rollupRowsOf(db, dealTable(shape.monthly), a.people)
      .select([
        'user_id',
        ...a.statuses.flatMap((status, i) =>
          dealSumColumns(shape.cycle).map((column) =>
            sql<number | string | null>`sum(case when status = ${status} then ${sql.ref(column)} end)`.as(
              `${column}${i}`,
            ),
          ),
        ),
      ])
      .where('org_id', '=', a.orgId)
      .where('day', '>=', a.from)
      .where('day', '<', a.to)
      .where('status', 'in', a.statuses)
      .where('currency', '=', a.currency)
      .groupBy('user_id'),
  (shape) => `${shape.monthly ? 'month' : 'day'}|${shape.cycle ? 'cycle' : ''}`,
);

/**
 * Credited deals that closed with `status` in the period, in the org currency. With a block memo,
 * one grouped query per period reads every status the request's metrics need.
 */
async function closedDeals(
  db: Executor,
  s: Scope,
  status: 'won' | 'lost',
  /** Whether the cycle (`cycleDays`, `cycleSum`, `cycleKnown`) is needed; else they may be empty. */
  cycle = false,
): Promise<DealTotals> {
  if (s.userIds.length === 0) return noDeals();
  const shared = s.blocks?.statuses;
  const statuses = shared?.has(status) ? [...shared].sort() : [status];
  // One read serves every metric of the request: with the cycle when any of them needs it.
  const withCycle = cycle || (s.blocks?.cycle ?? false);
  const byStatus = await memoized(s, `closed:${statuses.join(',')}:${withCycle}`, () =>
    closedDealsByStatus(db, s, statuses, withCycle),
  );
  return byStatus.get(status) ?? noDeals();
}

async function closedDealsByStatus(
  db: Executor,
  s: Scope,
  statuses: ('won' | 'lost')[],
  cycle: boolean,
): Promise<Map<string, DealTotals>> {
  const out = new Map<string, DealTotals>();
  const add = (
    status: string,
    userId: string,
    amount: number | string | null,
    share: number | string | null,
    cycleMs: number | string | null,
    cycleDeals: number | string | null,
  ) => {
    let t = out.get(status);
    if (!t) {
      t = noDeals();
      out.set(status, t);
    }
    t.amount.set(userId, Number(amount ?? 0));
    t.count.set(userId, Number(share ?? 0) / 10_000);
    const known = Number(cycleDeals ?? 0);
    if (known > 0) {
      const days = Number(cycleMs ?? 0) / 86_400_000;
      t.cycleDays.set(userId, days / known);
      t.cycleSum.set(userId, days);
      t.cycleKnown.set(userId, known);
    }
  };
  if (s.days) {
    // Rows as arrays: [user_id, then per status its `dealSumColumns` in order].
    const rows = (await readArrays(
      db,
      closedDealRollupsQuery(
        db,
        {
          orgId: s.orgId,
          people: peopleParameter(db, s.userIds),
          from: s.days.from,
          to: s.days.to,
          statuses,
          currency: s.currency,
        },
        { monthly: s.days.monthly, cycle },
      ),
    )) as (string | number | null)[][];
    const width = dealSumColumns(cycle).length;
    for (const r of rows) {
      const userId = r[0] as string;
      statuses.forEach((status, i) => {
        const at = 1 + i * width;
        // No rollup row of this status for the person (`share_bp` is never null in a row).
        if (r[at + 1] === null) return;
        add(status, userId, r[at]!, r[at + 1]!, cycle ? r[at + 2]! : null, cycle ? r[at + 3]! : null);
      });
    }
    return out;
  }
  const rows = await rowsOf(
    db,
    db
      .selectFrom('deal_credits as c')
      .innerJoin('deals as d', (j) => j.onRef('d.org_id', '=', 'c.org_id').onRef('d.id', '=', 'c.deal_id'))
      .select([
        'c.user_id',
        'd.status',
        (eb) => eb.fn.sum<number>('c.credit_minor').as('amount'),
        (eb) => eb.fn.sum<number>('c.share_bp').as('share'),
        sql<number>`sum(${KNOWN_CYCLE_MS})`.as('cycle_ms'),
        sql<number>`sum(${KNOWN_CYCLE})`.as('cycle_deals'),
      ])
      .where('c.org_id', '=', s.orgId)
      .where('c.user_id', 'in', s.userIds)
      .where('d.status', 'in', statuses)
      .where('d.currency', '=', s.currency)
      .where('d.closed_at', '>=', s.start)
      .where('d.closed_at', '<', s.end)
      .groupBy(['c.user_id', 'd.status']),
  );
  for (const r of rows) add(r.status, r.user_id, r.amount, r.share, r.cycle_ms, r.cycle_deals);
  return out;
}

/** Amounts and shares of the deal rollups per user over a day range (closed deals only): what `dealValues` reads. */
function dealRollups(
  db: Executor,
  s: Scope,
  days: DayRange,
  f: { statuses: ('won' | 'lost')[]; currency: string; stageIds?: string[] },
) {
  let q = db
    .selectFrom(dealTable(days.monthly))
    .select([
      'user_id',
      (eb) => eb.fn.sum<number>('amount').as('amount'),
      (eb) => eb.fn.sum<number>('share_bp').as('share'),
    ])
    .where('org_id', '=', s.orgId)
    .where('user_id', 'in', s.userIds)
    .where('day', '>=', days.from)
    .where('day', '<', days.to)
    .where('status', 'in', f.statuses)
    .where('currency', '=', f.currency);
  if (f.stageIds) q = q.where('stage_id', 'in', f.stageIds);
  return q.groupBy('user_id').execute();
}

/** Open deals now: credited amount, weighted amount (× probability) and count; optionally closing by `closeBy`. */
async function openDeals(db: Executor, s: MetricScope, closeBy?: string) {
  if (s.userIds.length === 0)
    return { amount: new Map(), weighted: new Map(), count: new Map() } as Record<
      'amount' | 'weighted' | 'count',
      Totals
    >;
  let q = db
    .selectFrom('deal_credits as c')
    .innerJoin('deals as d', (j) => j.onRef('d.org_id', '=', 'c.org_id').onRef('d.id', '=', 'c.deal_id'))
    .innerJoin('stages as st', (j) => j.onRef('st.org_id', '=', 'd.org_id').onRef('st.id', '=', 'd.stage_id'))
    .select([
      'c.user_id',
      (eb) => eb.fn.sum<number>('c.credit_minor').as('amount'),
      sql<number>`sum(c.credit_minor * coalesce(d.probability_override, st.probability))`.as('weighted_x100'),
      (eb) => eb.fn.sum<number>('c.share_bp').as('share'),
    ])
    .where('c.org_id', '=', s.orgId)
    .where('c.user_id', 'in', s.userIds)
    .where('d.status', '=', 'open')
    .where('d.currency', '=', s.currency);
  if (closeBy)
    q = q.where((eb) =>
      eb.or([eb('d.expected_close_date', 'is', null), eb('d.expected_close_date', '<', closeBy)]),
    );
  const rows = await q.groupBy('c.user_id').execute();
  return {
    amount: new Map(rows.map((r) => [r.user_id, Number(r.amount ?? 0)])),
    // Half-even to whole minor units, like a deal's own weighted amount.
    weighted: new Map(rows.map((r) => [r.user_id, roundHalfEven(Number(r.weighted_x100 ?? 0) / 100)])),
    count: new Map(rows.map((r) => [r.user_id, Number(r.share ?? 0) / 10_000])),
  };
}

function roundHalfEven(x: number): number {
  const floor = Math.floor(x);
  const diff = x - floor;
  if (Math.abs(diff - 0.5) < 1e-9) return floor % 2 === 0 ? floor : floor + 1;
  return Math.round(x);
}

/**
 * Visits of the period that are strikes by the org's rule (`strikeCondition`): one grouped query.
 * Always raw rows — whether a visit is a strike depends on what happened after it, which no
 * rollup of a day can know.
 */
async function strikes(db: Executor, s: Scope): Promise<Totals> {
  if (s.userIds.length === 0) return new Map();
  const rule = s.strike ?? (await strikeRuleOfOrg(db, s.orgId));
  const rows = await db
    .selectFrom('activities as v')
    .select(['v.owner_id as user_id', (eb) => eb.fn.countAll<number>().as('n')])
    .where('v.org_id', '=', s.orgId)
    .where('v.owner_id', 'in', s.userIds)
    .where('v.kind', '=', 'visit')
    .where('v.occurred_at', '>=', s.start)
    .where('v.occurred_at', '<', s.end)
    .where(strikeCondition('v', rule))
    .groupBy('v.owner_id')
    .execute();
  return toMap(rows);
}

/** The strike rule in an org's metric settings, for callers that did not pass one. */
async function strikeRuleOfOrg(db: Executor, orgId: string): Promise<StrikeRule> {
  const row = await db.selectFrom('orgs').select('settings').where('id', '=', orgId).executeTakeFirst();
  return strikeRuleOf(metricSettingsOf(row?.settings ?? '{}'));
}

/**
 * Outreach (calls and emails) of the period followed by a meeting on the same account within the
 * org's meeting window (`meetingFollowed`): one grouped query. Always raw rows, like strikes —
 * whether a call converted depends on what happened after it.
 */
async function convertedOutreach(db: Executor, s: Scope): Promise<Totals> {
  if (s.userIds.length === 0) return new Map();
  let rule = s.outreach;
  if (!rule) {
    const row = await db.selectFrom('orgs').select('settings').where('id', '=', s.orgId).executeTakeFirst();
    rule = outreachRuleOf(metricSettingsOf(row?.settings ?? '{}'));
  }
  const rows = await db
    .selectFrom('activities as o')
    .select(['o.owner_id as user_id', (eb) => eb.fn.countAll<number>().as('n')])
    .where('o.org_id', '=', s.orgId)
    .where('o.owner_id', 'in', s.userIds)
    .where('o.kind', 'in', [...OUTREACH_KINDS])
    .where('o.occurred_at', '>=', s.start)
    .where('o.occurred_at', '<', s.end)
    .where(meetingFollowed('o', rule))
    .groupBy('o.owner_id')
    .execute();
  return toMap(rows);
}

function ratio(users: string[], num: Totals, den: Totals, scale = 1): Map<string, MetricValue> {
  return new Map(
    users.map((u) => {
      const n = num.get(u) ?? 0;
      const d = den.get(u) ?? 0;
      return [u, { value: d === 0 ? null : (n / d) * scale, numerator: n, denominator: d }];
    }),
  );
}

function plain(users: string[], totals: Totals): Map<string, MetricValue> {
  return new Map(users.map((u) => [u, { value: totals.get(u) ?? 0 }]));
}

/** The effective revenue targets of the scope's users for its period (ramp applied). */
async function revenueTargets(db: Executor, s: MetricScope): Promise<Totals> {
  if (!s.period) throw new Error('target-based metrics need the scope period');
  const targets = s.targets
    ? await s.targets('revenue_won', s.period)
    : await effectiveUserTargets(
        db,
        { id: s.orgId, timeZone: s.timeZone },
        s.userIds,
        'revenue_won',
        s.period,
      );
  return new Map([...targets].map(([u, t]) => [u, t.effective]));
}

/** Tier/territory filters: the record's account must match (a correlated EXISTS, still one query). */
function accountMatches(
  eb: ExpressionBuilder<Database, 'activities' | 'deals'>,
  orgRef: 'a.org_id' | 'd.org_id',
  accountRef: 'a.account_id' | 'd.account_id',
  f: { tiers?: ('A' | 'B' | 'C')[]; territories?: string[] },
) {
  let sub = eb
    .selectFrom('accounts as acc')
    .select('acc.id')
    .whereRef('acc.org_id', '=', sql.ref(orgRef))
    .whereRef('acc.id', '=', sql.ref(accountRef));
  if (f.tiers) sub = sub.where('acc.tier', 'in', f.tiers);
  if (f.territories) sub = sub.where('acc.territory', 'in', f.territories);
  return eb.exists(sub);
}

type ActivityBlock = Extract<
  CustomMetricSpec,
  { block: 'activity_count' | 'activity_sum' | 'activity_average' }
>;
type DealBlock = Extract<CustomMetricSpec, { block: 'deal_count' | 'deal_sum' | 'deal_average' }>;

/** One grouped aggregate over activities for a custom building block. */
async function activityBlock(db: Executor, s: Scope, spec: ActivityBlock): Promise<Map<string, MetricValue>> {
  const users = s.userIds;
  if (users.length === 0) return new Map();
  const f = spec.filters;
  // Outcomes are free text and tier/territory belong to the account (they change): raw rows.
  const fromRollups = s.days && !f.outcomes && !f.tiers && !f.territories;
  const rows = fromRollups
    ? await activityRollups(db, s, s.days!, { kinds: f.kinds, verified: f.verified })
    : await activityRaw(db, s, f);
  return activityValues(users, spec, rows);
}

async function activityRaw(db: Executor, s: Scope, f: ActivityBlock['filters']) {
  let q = db
    .selectFrom('activities as a')
    .select([
      'a.owner_id as user_id',
      (eb) => eb.fn.countAll<number>().as('n'),
      (eb) => eb.fn.sum<number>('a.duration_minutes').as('total'),
      (eb) => eb.fn.count<number>('a.duration_minutes').as('with_duration'),
    ])
    .where('a.org_id', '=', s.orgId)
    .where('a.owner_id', 'in', s.userIds)
    .where('a.occurred_at', '>=', s.start)
    .where('a.occurred_at', '<', s.end);
  if (f.tiers || f.territories)
    q = q.where((eb) => accountMatches(eb as never, 'a.org_id', 'a.account_id', f));
  if (f.kinds) q = q.where('a.kind', 'in', f.kinds);
  if (f.outcomes) q = q.where('a.outcome', 'in', f.outcomes);
  if (f.verified !== undefined) q = q.where('a.verified', '=', f.verified ? 1 : 0);
  return q.groupBy('a.owner_id').execute();
}

function activityValues(
  users: string[],
  spec: ActivityBlock,
  rows: { user_id: string; n: number | null; total: number | null; with_duration: number | null }[],
): Map<string, MetricValue> {
  const by = new Map(rows.map((r) => [r.user_id, r]));
  return new Map(
    users.map((u): [string, MetricValue] => {
      const r = by.get(u);
      const n = Number(r?.n ?? 0);
      const total = Number(r?.total ?? 0);
      const withDuration = Number(r?.with_duration ?? 0);
      switch (spec.block) {
        case 'activity_count':
          return [u, { value: n }];
        case 'activity_sum':
          return [u, { value: total }];
        case 'activity_average':
          return [
            u,
            {
              value: withDuration === 0 ? null : Math.round((total / withDuration) * 10) / 10,
              numerator: total,
              denominator: withDuration,
            },
          ];
        default: {
          const never: never = spec;
          throw new Error(`unknown block ${String(never)}`);
        }
      }
    }),
  );
}

/** One grouped aggregate over credited deals for a custom building block. */
async function dealBlock(db: Executor, s: Scope, spec: DealBlock): Promise<Map<string, MetricValue>> {
  const users = s.userIds;
  if (users.length === 0) return new Map();
  const f = spec.filters;
  // Closed deals by currency and stage come from the rollups; open/created deals and account
  // tier/territory filters from the raw rows.
  const closed = spec.deals === 'won' || spec.deals === 'lost' || spec.deals === 'closed';
  const rows =
    s.days && closed && !f.tiers && !f.territories
      ? await dealRollups(db, s, s.days, {
          statuses: spec.deals === 'closed' ? ['won', 'lost'] : [spec.deals as 'won' | 'lost'],
          currency: f.currency ?? s.currency,
          stageIds: f.stageIds,
        })
      : await dealRaw(db, s, spec);
  return dealValues(users, spec, rows);
}

async function dealRaw(db: Executor, s: Scope, spec: DealBlock) {
  const f = spec.filters;
  let q = db
    .selectFrom('deal_credits as c')
    .innerJoin('deals as d', (j) => j.onRef('d.org_id', '=', 'c.org_id').onRef('d.id', '=', 'c.deal_id'))
    .select([
      'c.user_id',
      (eb) => eb.fn.sum<number>('c.credit_minor').as('amount'),
      (eb) => eb.fn.sum<number>('c.share_bp').as('share'),
    ])
    .where('c.org_id', '=', s.orgId)
    .where('c.user_id', 'in', s.userIds)
    .where('d.currency', '=', f.currency ?? s.currency);
  switch (spec.deals) {
    case 'won':
    case 'lost':
      q = q
        .where('d.status', '=', spec.deals)
        .where('d.closed_at', '>=', s.start)
        .where('d.closed_at', '<', s.end);
      break;
    case 'closed':
      q = q
        .where('d.status', 'in', ['won', 'lost'])
        .where('d.closed_at', '>=', s.start)
        .where('d.closed_at', '<', s.end);
      break;
    case 'open':
      q = q.where('d.status', '=', 'open');
      break;
    case 'created':
      q = q.where('d.created_at', '>=', s.start).where('d.created_at', '<', s.end);
      break;
    default: {
      const never: never = spec.deals;
      throw new Error(`unknown deal selection ${String(never)}`);
    }
  }
  if (f.stageIds) q = q.where('d.stage_id', 'in', f.stageIds);
  if (f.tiers || f.territories)
    q = q.where((eb) => accountMatches(eb as never, 'd.org_id', 'd.account_id', f));
  return q.groupBy('c.user_id').execute();
}

function dealValues(
  users: string[],
  spec: DealBlock,
  rows: { user_id: string; amount: number | null; share: number | null }[],
): Map<string, MetricValue> {
  const by = new Map(rows.map((r) => [r.user_id, r]));
  return new Map(
    users.map((u): [string, MetricValue] => {
      const r = by.get(u);
      const amount = Number(r?.amount ?? 0);
      const count = Number(r?.share ?? 0) / 10_000;
      switch (spec.block) {
        case 'deal_count':
          return [u, { value: count }];
        case 'deal_sum':
          return [u, { value: amount }];
        case 'deal_average':
          return [
            u,
            {
              value: count === 0 ? null : roundHalfEven(amount / count),
              numerator: amount,
              denominator: count,
            },
          ];
        default: {
          const never: never = spec;
          throw new Error(`unknown block ${String(never)}`);
        }
      }
    }),
  );
}

/** A custom metric: its building block, or the ratio of two metrics computed by this same engine. */
async function computeCustom(
  db: Executor,
  spec: CustomMetricSpec,
  format: MetricFormat,
  s: Scope,
  depth: number,
): Promise<Map<string, MetricValue>> {
  switch (spec.block) {
    case 'activity_count':
    case 'activity_sum':
    case 'activity_average':
      return activityBlock(db, s, spec);
    case 'deal_count':
    case 'deal_sum':
    case 'deal_average':
      return dealBlock(db, s, spec);
    case 'ratio': {
      const [num, den] = await Promise.all([
        computeAny(db, spec.numerator, s, depth + 1),
        computeAny(db, spec.denominator, s, depth + 1),
      ]);
      const scale = format === 'percent' ? 100 : 1;
      return new Map(
        s.userIds.map((u): [string, MetricValue] => {
          const n = num.get(u)?.value ?? null;
          const d = den.get(u)?.value ?? null;
          return [
            u,
            {
              value: n === null || d === null || d === 0 ? null : (n / d) * scale,
              numerator: n ?? undefined,
              denominator: d ?? undefined,
            },
          ];
        }),
      );
    }
    default: {
      const never: never = spec;
      throw new Error(`unknown block ${String(never)}`);
    }
  }
}

async function computeAny(db: Executor, key: string, s: Scope, depth: number) {
  // Definitions are checked for cycles when saved; this guards against one slipping through.
  if (depth > 8) throw new Error(`metric ${key} nests too deeply (a cycle?)`);
  const custom = s.custom?.get(key);
  if (custom) return computeCustom(db, custom.spec, custom.format, s, depth);
  return computeBuiltin(db, key, s);
}

/**
 * Computes one metric — built-in, or custom from `s.custom` — for every user of the scope, with
 * one grouped aggregate per building block (never a query per person). Unknown keys throw.
 */
export async function computeMetric(
  db: Executor,
  key: string,
  s: MetricScope,
): Promise<Map<string, MetricValue>> {
  const state = s.raw ? undefined : s.rollups !== undefined ? s.rollups : await rollupState(db, s.orgId);
  const days = s.raw ? null : rollupRange(state ?? undefined, s.timeZone, s.start, s.end);
  return computeAny(db, key, { ...s, days }, 0);
}

async function computeBuiltin(db: Executor, key: string, s: Scope): Promise<Map<string, MetricValue>> {
  const users = s.userIds;
  switch (key) {
    case 'revenue_won':
      return plain(users, (await closedDeals(db, s, 'won')).amount);
    case 'deals_won':
      return plain(users, (await closedDeals(db, s, 'won')).count);
    case 'win_rate': {
      const [won, lost] = await Promise.all([closedDeals(db, s, 'won'), closedDeals(db, s, 'lost')]);
      const closed = new Map(users.map((u) => [u, (won.count.get(u) ?? 0) + (lost.count.get(u) ?? 0)]));
      return ratio(users, won.count, closed, 100);
    }
    case 'avg_deal_size': {
      const won = await closedDeals(db, s, 'won');
      const values = ratio(users, won.amount, won.count);
      for (const v of values.values()) if (v.value !== null) v.value = roundHalfEven(v.value);
      return values;
    }
    case 'sales_cycle_days': {
      const won = await closedDeals(db, s, 'won', true);
      return new Map(
        users.map((u): [string, MetricValue] => {
          const known = won.cycleKnown.get(u);
          if (known === undefined) return [u, { value: null, numerator: 0, denominator: 0 }];
          // Parts: Σ days over the deals of known cycle (to 0.1 day) ÷ how many they are.
          const days = Math.round(won.cycleSum.get(u)! * 10) / 10;
          return [
            u,
            { value: Math.round(won.cycleDays.get(u)! * 10) / 10, numerator: days, denominator: known },
          ];
        }),
      );
    }
    case 'quota_attainment': {
      const [won, targets] = await Promise.all([closedDeals(db, s, 'won'), revenueTargets(db, s)]);
      return new Map(
        users.map((u): [string, MetricValue] => {
          const target = targets.get(u);
          const n = won.amount.get(u) ?? 0;
          if (target === undefined) return [u, { value: null, numerator: n }];
          return [u, { value: target === 0 ? null : (n / target) * 100, numerator: n, denominator: target }];
        }),
      );
    }
    case 'pipeline_coverage': {
      const closeBy = dateInZone(s.end, s.timeZone);
      const [open, won, targets] = await Promise.all([
        openDeals(db, s, closeBy),
        closedDeals(db, s, 'won'),
        revenueTargets(db, s),
      ]);
      return new Map(
        users.map((u): [string, MetricValue] => {
          const pipeline = open.amount.get(u) ?? 0;
          const target = targets.get(u);
          if (target === undefined) return [u, { value: null, numerator: pipeline }];
          const remaining = Math.max(0, target - (won.amount.get(u) ?? 0));
          return [
            u,
            {
              value: remaining === 0 ? null : pipeline / remaining,
              numerator: pipeline,
              denominator: remaining,
            },
          ];
        }),
      );
    }
    case 'weighted_pipeline':
      return plain(users, (await openDeals(db, s)).weighted);
    case 'open_pipeline': {
      const closeBy = dateInZone(s.end, s.timeZone);
      return plain(users, (await openDeals(db, s, closeBy)).amount);
    }
    case 'pipeline_velocity': {
      const [open, won, lost] = await Promise.all([
        openDeals(db, s),
        closedDeals(db, s, 'won', true),
        closedDeals(db, s, 'lost', true),
      ]);
      return new Map<string, MetricValue>(
        users.map((u): [string, MetricValue] => {
          const wonCount = won.count.get(u) ?? 0;
          const closed = wonCount + (lost.count.get(u) ?? 0);
          const cycle = won.cycleDays.get(u) ?? 0;
          if (closed === 0 || wonCount === 0 || cycle <= 0) return [u, { value: null }];
          const winRate = wonCount / closed;
          const avgSize = (won.amount.get(u) ?? 0) / wonCount;
          return [u, { value: Math.round(((open.count.get(u) ?? 0) * winRate * avgSize) / cycle) }];
        }),
      );
    }
    case 'activities':
      return plain(users, await activityCount(db, s));
    case 'visits':
      return plain(users, await activityCount(db, s, { kinds: ['visit'] }));
    case 'calls':
      return plain(users, await activityCount(db, s, { kinds: ['call'] }));
    case 'meetings':
      return plain(users, await activityCount(db, s, { kinds: ['meeting'] }));
    case 'emails':
      return plain(users, await activityCount(db, s, { kinds: ['email'] }));
    case 'demos':
      return plain(users, await activityCount(db, s, { kinds: ['demo'] }));
    case 'tasks':
      return plain(users, await activityCount(db, s, { kinds: ['task'] }));
    case 'verified_visit_rate': {
      const [verified, visits] = await Promise.all([
        activityCount(db, s, { kinds: ['visit'], verified: true }),
        activityCount(db, s, { kinds: ['visit'] }),
      ]);
      return ratio(users, verified, visits, 100);
    }
    case 'visits_per_field_day': {
      const [visits, days] = await Promise.all([
        activityCount(db, s, { kinds: ['visit'] }),
        visitDays(db, s),
      ]);
      return ratio(users, visits, days);
    }
    case 'meetings_from_outreach': {
      const [converted, outreach] = await Promise.all([
        convertedOutreach(db, s),
        activityCount(db, s, { kinds: [...OUTREACH_KINDS] }),
      ]);
      return ratio(users, converted, outreach, 100);
    }
    case 'strike_rate': {
      const [hits, visits] = await Promise.all([strikes(db, s), activityCount(db, s, { kinds: ['visit'] })]);
      return ratio(users, hits, visits, 100);
    }
    default:
      throw new Error(`unknown metric ${key}`);
  }
}
