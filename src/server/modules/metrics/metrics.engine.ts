import { sql } from 'kysely';
import { STRIKE_WINDOW_DAYS } from '../../../shared/metrics-catalog.ts';
import { dateInZone } from '../../../shared/time.ts';
import type { Executor } from '../../db/database.ts';

/**
 * Computes built-in KPIs for a set of people over a period, straight from the CRM rows with one
 * grouped aggregate per building block (never a query per person). Ratios carry their numerator and
 * denominator so every number can show how it was computed; a zero denominator gives null ("—").
 */
export interface MetricScope {
  orgId: string;
  currency: string;
  timeZone: string;
  userIds: string[];
  start: number;
  end: number;
  now: number;
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
  s: MetricScope,
  filter: { kinds?: string[]; verified?: boolean } = {},
): Promise<Totals> {
  if (s.userIds.length === 0) return new Map();
  let q = db
    .selectFrom('activities')
    .select(['owner_id as user_id', (eb) => eb.fn.countAll<number>().as('n')])
    .where('org_id', '=', s.orgId)
    .where('owner_id', 'in', s.userIds)
    .where('occurred_at', '>=', s.start)
    .where('occurred_at', '<', s.end);
  if (filter.kinds) q = q.where('kind', 'in', filter.kinds);
  if (filter.verified !== undefined) q = q.where('verified', '=', filter.verified ? 1 : 0);
  return toMap(await q.groupBy('owner_id').execute());
}

/** Distinct local days with a visit: hourly buckets from SQL, mapped to local dates here (zone-exact). */
async function visitDays(db: Executor, s: MetricScope): Promise<Totals> {
  if (s.userIds.length === 0) return new Map();
  const rows = await db
    .selectFrom('activities')
    .select(['owner_id as user_id', sql<number>`(occurred_at / 3600000)`.as('hour')])
    .where('org_id', '=', s.orgId)
    .where('owner_id', 'in', s.userIds)
    .where('kind', '=', 'visit')
    .where('occurred_at', '>=', s.start)
    .where('occurred_at', '<', s.end)
    .groupBy(['owner_id', sql`(occurred_at / 3600000)`])
    .execute();
  const days = new Map<string, Set<string>>();
  for (const r of rows) {
    const set = days.get(r.user_id) ?? new Set<string>();
    set.add(dateInZone(Math.floor(Number(r.hour)) * 3_600_000, s.timeZone));
    days.set(r.user_id, set);
  }
  return new Map([...days].map(([u, set]) => [u, set.size]));
}

interface DealTotals {
  amount: Totals;
  /** Σ share (1.0 per whole deal). */
  count: Totals;
  cycleDays: Totals;
}

/** Credited deals that closed with `status` in the period, in the org currency. */
async function closedDeals(db: Executor, s: MetricScope, status: 'won' | 'lost'): Promise<DealTotals> {
  if (s.userIds.length === 0) return { amount: new Map(), count: new Map(), cycleDays: new Map() };
  const rows = await db
    .selectFrom('deal_credits as c')
    .innerJoin('deals as d', (j) => j.onRef('d.org_id', '=', 'c.org_id').onRef('d.id', '=', 'c.deal_id'))
    .select([
      'c.user_id',
      (eb) => eb.fn.sum<number>('c.credit_minor').as('amount'),
      (eb) => eb.fn.sum<number>('c.share_bp').as('share'),
      (eb) => eb.fn.count<number>('c.deal_id').as('deals'),
      sql<number>`sum(d.closed_at - d.created_at)`.as('cycle_ms'),
    ])
    .where('c.org_id', '=', s.orgId)
    .where('c.user_id', 'in', s.userIds)
    .where('d.status', '=', status)
    .where('d.currency', '=', s.currency)
    .where('d.closed_at', '>=', s.start)
    .where('d.closed_at', '<', s.end)
    .groupBy('c.user_id')
    .execute();
  return {
    amount: new Map(rows.map((r) => [r.user_id, Number(r.amount ?? 0)])),
    count: new Map(rows.map((r) => [r.user_id, Number(r.share ?? 0) / 10_000])),
    cycleDays: new Map(
      rows.map((r) => [r.user_id, Number(r.cycle_ms ?? 0) / 86_400_000 / Math.max(1, Number(r.deals))]),
    ),
  };
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

async function strikes(db: Executor, s: MetricScope): Promise<Totals> {
  if (s.userIds.length === 0) return new Map();
  const windowMs = STRIKE_WINDOW_DAYS * 86_400_000;
  const rows = await db
    .selectFrom('activities as v')
    .select(['v.owner_id as user_id', (eb) => eb.fn.countAll<number>().as('n')])
    .where('v.org_id', '=', s.orgId)
    .where('v.owner_id', 'in', s.userIds)
    .where('v.kind', '=', 'visit')
    .where('v.occurred_at', '>=', s.start)
    .where('v.occurred_at', '<', s.end)
    .where((eb) =>
      eb.exists(
        eb
          .selectFrom('deals as d')
          .select('d.id')
          .whereRef('d.org_id', '=', 'v.org_id')
          .whereRef('d.account_id', '=', 'v.account_id')
          .where('d.status', '=', 'won')
          .whereRef('d.closed_at', '>=', 'v.occurred_at')
          .where(sql<boolean>`d.closed_at <= v.occurred_at + ${windowMs}`),
      ),
    )
    .groupBy('v.owner_id')
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

/** Computes one built-in metric for every user of the scope. Unknown keys throw. */
export async function computeMetric(
  db: Executor,
  key: string,
  s: MetricScope,
): Promise<Map<string, MetricValue>> {
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
      const won = await closedDeals(db, s, 'won');
      return new Map(
        users.map((u) => [
          u,
          { value: won.count.has(u) ? Math.round((won.cycleDays.get(u) ?? 0) * 10) / 10 : null },
        ]),
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
        closedDeals(db, s, 'won'),
        closedDeals(db, s, 'lost'),
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
      const [meetings, outreach] = await Promise.all([
        activityCount(db, s, { kinds: ['meeting'] }),
        activityCount(db, s, { kinds: ['call', 'email'] }),
      ]);
      return ratio(users, meetings, outreach, 100);
    }
    case 'strike_rate': {
      const [hits, visits] = await Promise.all([strikes(db, s), activityCount(db, s, { kinds: ['visit'] })]);
      return ratio(users, hits, visits, 100);
    }
    default:
      throw new Error(`unknown metric ${key}`);
  }
}
