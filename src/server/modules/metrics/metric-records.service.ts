import { type ExpressionBuilder, sql } from 'kysely';
import { z } from 'zod';
import type { CustomMetricSpec } from '../../../shared/custom-metrics.ts';
import {
  type Period,
  periodAt,
  periodFromKey,
  periodKinds,
  previousPeriod,
} from '../../../shared/periods.ts';
import { dateInZone } from '../../../shared/time.ts';
import type { Deps } from '../../context.ts';
import type { Database } from '../../db/schema.ts';
import { invalidField, notFound } from '../../lib/errors.ts';
import { decodeCursor, encodeCursor, pageQuery } from '../../lib/pagination.ts';
import { type Actor, canOpenMetricRecords, type Reach } from '../../policy/policy.ts';
import { findOrg } from '../identity/identity.repository.ts';
import { effectiveUserTargets } from '../targets/targets.effective.ts';
import { loadOrgMetrics, type OrgMetric } from './metric-registry.ts';
import { loadMetricSettings, visibilityOf } from './metric-settings.service.ts';
import { computeMetric } from './metrics.engine.ts';
import { catalogItem, periodResponse } from './metrics.service.ts';
import { meetingFollowed, OUTREACH_KINDS, type OutreachRule, outreachRuleOf } from './outreach.ts';
import { type StrikeRule, strikeCondition, strikeRuleOf } from './strike.ts';

export const recordsQuery = z.object({
  metric: z.string().max(60),
  period: z.string().max(20).optional().describe('A period key; default: the current period of `kind`'),
  kind: z.enum(periodKinds as [string, ...string[]]).default('month'),
  user: z.string().max(64).optional().describe('Whose number (default: me)'),
  ...pageQuery,
});

/**
 * How a record takes part in the number: counted (a plain count or sum), in the numerator and the
 * denominator of a ratio (both), or in the denominator only (e.g. a lost deal in a win rate).
 */
export const recordRoles = ['counted', 'both', 'numerator', 'denominator'] as const;
type Role = (typeof recordRoles)[number];

type PlaceFilters = { tiers?: string[]; territories?: string[] };
type ActivitySelection = PlaceFilters & {
  source: 'activities';
  kinds?: string[];
  outcomes?: string[];
  verified?: boolean;
  /** Which records count in a ratio's numerator (the rest are denominator only). */
  roleBy?: 'verified' | 'strike' | 'meeting';
};
type DealSelection = PlaceFilters & {
  source: 'deals';
  deals: 'won' | 'lost' | 'closed' | 'open' | 'created';
  /** Open deals expected to close before this local date (or without a date). */
  closeBy?: boolean;
  stageIds?: string[];
  currency?: string;
  roleBy?: 'won';
};
type Selection = ActivitySelection | DealSelection;

/** The rows behind each metric: which table, which filters, and how each row takes part. */
function selectionOf(m: OrgMetric): Selection | null {
  if (m.spec) return specSelection(m.spec);
  switch (m.key) {
    case 'revenue_won':
    case 'deals_won':
    case 'avg_deal_size':
    case 'sales_cycle_days':
    case 'quota_attainment':
      return { source: 'deals', deals: 'won' };
    case 'win_rate':
      return { source: 'deals', deals: 'closed', roleBy: 'won' };
    case 'weighted_pipeline':
    case 'pipeline_velocity':
      return { source: 'deals', deals: 'open' };
    case 'open_pipeline':
    case 'pipeline_coverage':
      return { source: 'deals', deals: 'open', closeBy: true };
    case 'activities':
      return { source: 'activities' };
    case 'visits':
    case 'visits_per_field_day':
      return { source: 'activities', kinds: ['visit'] };
    case 'calls':
      return { source: 'activities', kinds: ['call'] };
    case 'meetings':
      return { source: 'activities', kinds: ['meeting'] };
    case 'emails':
      return { source: 'activities', kinds: ['email'] };
    case 'demos':
      return { source: 'activities', kinds: ['demo'] };
    case 'tasks':
      return { source: 'activities', kinds: ['task'] };
    case 'verified_visit_rate':
      return { source: 'activities', kinds: ['visit'], roleBy: 'verified' };
    case 'strike_rate':
      return { source: 'activities', kinds: ['visit'], roleBy: 'strike' };
    case 'meetings_from_outreach':
      return { source: 'activities', kinds: [...OUTREACH_KINDS], roleBy: 'meeting' };
    default:
      return null;
  }
}

function specSelection(spec: CustomMetricSpec): Selection | null {
  switch (spec.block) {
    case 'activity_count':
    case 'activity_sum':
    case 'activity_average':
      return { source: 'activities', ...spec.filters };
    case 'deal_count':
    case 'deal_sum':
    case 'deal_average':
      return { source: 'deals', deals: spec.deals, ...spec.filters };
    case 'ratio':
      return null;
    default: {
      const never: never = spec;
      throw new Error(`unknown block ${String(never)}`);
    }
  }
}

/** The filters of a selection in words, shown beside the records. */
function describeFilters(
  sel: Selection,
  p: { label: string; closeBy: string },
  currency: string,
  rules: { strike: StrikeRule; outreach: OutreachRule },
): string[] {
  const { strike, outreach } = rules;
  const out: string[] = [];
  if (sel.source === 'activities') {
    out.push(`Activities owned by the person, occurred in ${p.label}`);
    if (sel.kinds) out.push(`Kind: ${sel.kinds.join(', ')}`);
    if (sel.outcomes) out.push(`Outcome: ${sel.outcomes.join(', ')}`);
    if (sel.verified !== undefined)
      out.push(sel.verified ? 'Verified check-ins only' : 'Unverified check-ins only');
    if (sel.roleBy === 'verified') out.push('Numerator: visits with a verified check-in');
    if (sel.roleBy === 'strike') {
      const days = `${strike.windowDays} day${strike.windowDays === 1 ? '' : 's'}`;
      out.push(
        `Numerator (strikes): visits followed within ${days} (the visit's instant to ${days} later) by a deal won on the same account${strike.orderOutcomes.length ? ', or by an order on it' : ''}`,
      );
      out.push(
        strike.orderOutcomes.length
          ? `Order outcomes: ${strike.orderOutcomes.join(', ')} — on the visit itself or a later activity on the account by anyone, ignoring case and surrounding spaces`
          : 'Order outcomes: none set (only won deals count)',
      );
    }
    if (sel.roleBy === 'meeting') {
      const days = `${outreach.windowDays} day${outreach.windowDays === 1 ? '' : 's'}`;
      out.push(
        `Numerator (converted): calls and emails followed within ${days} (their instant to ${days} later) by a meeting on the same account, by anyone`,
      );
    }
  } else {
    const which = {
      won: `Deals won in ${p.label}`,
      lost: `Deals lost in ${p.label}`,
      closed: `Deals closed (won or lost) in ${p.label}`,
      open: 'Deals open now',
      created: `Deals created in ${p.label}`,
    }[sel.deals];
    out.push(`${which}, credited to the person (their share of split deals)`);
    if (sel.closeBy) out.push(`Expected to close before ${p.closeBy} (or without a date)`);
    out.push(`Currency: ${sel.currency ?? currency}`);
    if (sel.stageIds) out.push(`Stage: ${sel.stageIds.join(', ')}`);
    if (sel.roleBy === 'won') out.push('Numerator: deals won; denominator: deals closed');
  }
  if (sel.tiers) out.push(`Account tier: ${sel.tiers.join(', ')}`);
  if (sel.territories) out.push(`Territory: ${sel.territories.join(', ')}`);
  return out;
}

function accountFilter(
  eb: ExpressionBuilder<Database, 'accounts'>,
  orgRef: string,
  accountRef: string,
  f: PlaceFilters,
) {
  let sub = eb
    .selectFrom('accounts as acc')
    .select('acc.id')
    .whereRef('acc.org_id', '=', sql.ref(orgRef))
    .whereRef('acc.id', '=', sql.ref(accountRef));
  if (f.tiers) sub = sub.where('acc.tier', 'in', f.tiers as ('A' | 'B' | 'C')[]);
  if (f.territories) sub = sub.where('acc.territory', 'in', f.territories);
  return eb.exists(sub);
}

/**
 * The metric, period and person a drill-down or trend is about; only numbers the actor may see in
 * full (what `/api/metrics/values` shows with a value) about people whose CRM records the actor may
 * read can be opened — anything else answers 404 like a missing person.
 */
async function openNumber(
  deps: Deps,
  actor: Actor,
  reach: Reach,
  input: { metric: string; period?: string | undefined; kind: string; user?: string | undefined },
) {
  const db = deps.db.kysely;
  const [org, metrics, settings] = await Promise.all([
    findOrg(db, actor.orgId),
    loadOrgMetrics(db, actor.orgId),
    loadMetricSettings(db, actor.orgId),
  ]);
  if (!org) throw notFound('Organization');
  const info = metrics.find((m) => m.key === input.metric);
  if (!info)
    throw invalidField('metric', `is not a metric of the catalog (${metrics.map((m) => m.key).join(', ')})`);
  const cal = { timeZone: org.time_zone, fiscalYearStartMonth: org.fiscal_year_start_month };
  const now = deps.clock.now();
  const period = input.period
    ? periodFromKey(input.period, cal)
    : periodAt(input.kind as (typeof periodKinds)[number], now, cal);
  if (!period)
    throw invalidField('period', 'is not a period key such as 2026-03, FY2026-Q2, 2026-W11 or FY2026');
  const userId = input.user ?? actor.userId;
  if (!canOpenMetricRecords(actor, reach, userId, visibilityOf(settings, info.key))) throw notFound('Person');
  const user = await db
    .selectFrom('users as u')
    .innerJoin('memberships as m', (j) => j.onRef('m.user_id', '=', 'u.id'))
    .select(['u.id', 'u.name'])
    .where('m.org_id', '=', actor.orgId)
    .where('u.id', '=', userId)
    .executeTakeFirst();
  if (!user) throw notFound('Person');
  const custom = new Map(
    metrics.filter((m) => m.spec).map((m) => [m.key, { spec: m.spec!, format: m.format }]),
  );
  const strike = strikeRuleOf(settings);
  const outreach = outreachRuleOf(settings);
  const valueIn = async (p: Period) =>
    (
      await computeMetric(db, info.key, {
        orgId: actor.orgId,
        currency: org.currency,
        timeZone: org.time_zone,
        userIds: [userId],
        start: p.start,
        end: p.end,
        now,
        period: p,
        custom,
        strike,
        outreach,
      })
    ).get(userId) ?? { value: null };
  return { org, info, cal, now, period, user, valueIn, settings, strike, outreach };
}

export const trendQuery = z.object({
  metric: z.string().max(60),
  period: z.string().max(20).optional().describe('The last period of the trend; default: the current one'),
  kind: z.enum(periodKinds as [string, ...string[]]).default('month'),
  user: z.string().max(64).optional().describe('Whose trend (default: me)'),
  count: z.coerce.number().int().min(2).max(13).default(6),
});

/** One person's value and effective target for the last `count` periods (oldest first). */
export async function metricTrend(deps: Deps, actor: Actor, reach: Reach, input: z.infer<typeof trendQuery>) {
  const c = await openNumber(deps, actor, reach, input);
  const periods: Period[] = [c.period];
  while (periods.length < input.count) periods.unshift(previousPeriod(periods[0]!, c.cal));
  const points = await Promise.all(
    periods.map(async (p) => {
      const [v, targets] = await Promise.all([
        c.valueIn(p),
        effectiveUserTargets(
          deps.db.kysely,
          { id: actor.orgId, timeZone: c.org.time_zone },
          [c.user.id],
          c.info.key,
          p,
        ),
      ]);
      return {
        key: p.key,
        label: p.label,
        value: v.value,
        target: targets.get(c.user.id)?.effective ?? null,
      };
    }),
  );
  return {
    metric: catalogItem(c.info, c.settings),
    currency: c.info.currency ?? c.org.currency,
    user: c.user,
    points,
  };
}
/**
 * One set of rows a number reads, with how each row takes part. A plain metric has one part; a
 * custom ratio has its numerator's and its denominator's (a row in both is marked `both`); pipeline
 * velocity has the open deals it counts and the deals closed in the period behind its win rate,
 * average size and cycle.
 */
interface Part {
  sel: Selection;
  /** The role of a row of this part (before roleBy); null → decided by the selection's roleBy. */
  role: 'counted' | 'numerator' | 'denominator';
}

function partsOf(info: OrgMetric, metrics: readonly OrgMetric[]): Part[] {
  if (info.spec?.block === 'ratio') {
    const operand = (key: string) => {
      const m = metrics.find((x) => x.key === key);
      const sel = m ? selectionOf(m) : null;
      // Only operands whose value is the plain count/sum/average of their rows can list them.
      return sel && !sel.roleBy && !(sel.source === 'deals' && sel.closeBy) && !isTargetBased(m!)
        ? sel
        : null;
    };
    const num = operand(info.spec.numerator);
    const den = operand(info.spec.denominator);
    if (!num || !den) return [];
    return [
      { sel: num, role: 'numerator' },
      { sel: den, role: 'denominator' },
    ];
  }
  if (info.key === 'pipeline_velocity')
    return [
      { sel: { source: 'deals', deals: 'open' }, role: 'counted' },
      { sel: { source: 'deals', deals: 'closed', roleBy: 'won' }, role: 'counted' },
    ];
  const sel = selectionOf(info);
  return sel ? [{ sel, role: 'counted' }] : [];
}

function isTargetBased(m: OrgMetric) {
  return ['quota_attainment', 'pipeline_coverage', 'pipeline_velocity', 'sales_cycle_days'].includes(m.key);
}

type RecordItem = z.infer<typeof activityItem> | z.infer<typeof dealItem>;
const activityItem = z.object({
  type: z.literal('activity'),
  id: z.string(),
  role: z.enum(recordRoles),
  kind: z.string(),
  subject: z.string(),
  outcome: z.string().nullable(),
  occurredAt: z.string(),
  durationMinutes: z.number().nullable(),
  verified: z.boolean().nullable(),
  account: z.object({ id: z.string(), name: z.string() }).nullable(),
});
const dealItem = z.object({
  type: z.literal('deal'),
  id: z.string(),
  role: z.enum(recordRoles),
  name: z.string(),
  status: z.string(),
  stage: z.string(),
  probability: z.number(),
  amountMinor: z.number(),
  currency: z.string(),
  creditMinor: z.number(),
  shareBp: z.number(),
  createdAt: z.string().nullable(),
  closedAt: z.string().nullable(),
  expectedCloseDate: z.string().nullable(),
  account: z.object({ id: z.string(), name: z.string() }),
});

interface Ctx {
  db: Deps['db']['kysely'];
  /** The org's strike rule: the same one the engine computed the value with. */
  strike: StrikeRule;
  /** The org's outreach rule, likewise. */
  outreach: OutreachRule;
  orgId: string;
  userId: string;
  period: Period;
  currency: string;
  closeBy: string;
}

// biome-ignore lint/suspicious/noExplicitAny: Kysely builders of two joins; each filter is typed at its column.
type AnyQuery = any;

function activityBase(c: Ctx): AnyQuery {
  return c.db
    .selectFrom('activities as a')
    .leftJoin('accounts as acc', (j) =>
      j.onRef('acc.org_id', '=', 'a.org_id').onRef('acc.id', '=', 'a.account_id'),
    )
    .where('a.org_id', '=', c.orgId)
    .where('a.owner_id', '=', c.userId)
    .where('a.occurred_at', '>=', c.period.start)
    .where('a.occurred_at', '<', c.period.end);
}

function activityFilters(q: AnyQuery, sel: ActivitySelection): AnyQuery {
  if (sel.kinds) q = q.where('a.kind', 'in', sel.kinds);
  if (sel.outcomes) q = q.where('a.outcome', 'in', sel.outcomes);
  if (sel.verified !== undefined) q = q.where('a.verified', '=', sel.verified ? 1 : 0);
  if (sel.tiers || sel.territories)
    q = q.where((eb: never) => accountFilter(eb, 'a.org_id', 'a.account_id', sel));
  return q;
}

function dealBase(c: Ctx): AnyQuery {
  return c.db
    .selectFrom('deal_credits as c')
    .innerJoin('deals as d', (j) => j.onRef('d.org_id', '=', 'c.org_id').onRef('d.id', '=', 'c.deal_id'))
    .innerJoin('stages as st', (j) => j.onRef('st.org_id', '=', 'd.org_id').onRef('st.id', '=', 'd.stage_id'))
    .innerJoin('accounts as acc', (j) =>
      j.onRef('acc.org_id', '=', 'd.org_id').onRef('acc.id', '=', 'd.account_id'),
    )
    .where('c.org_id', '=', c.orgId)
    .where('c.user_id', '=', c.userId);
}

const dealTimeCol = (sel: DealSelection) =>
  sel.deals === 'open' || sel.deals === 'created' ? 'd.created_at' : 'd.closed_at';

function dealFilters(q: AnyQuery, sel: DealSelection, c: Ctx): AnyQuery {
  q = q.where('d.currency', '=', sel.currency ?? c.currency);
  switch (sel.deals) {
    case 'won':
    case 'lost':
      q = q.where('d.status', '=', sel.deals);
      break;
    case 'closed':
      q = q.where('d.status', 'in', ['won', 'lost']);
      break;
    case 'open':
      q = q.where('d.status', '=', 'open');
      break;
    case 'created':
      break;
    default: {
      const never: never = sel.deals;
      throw new Error(`unknown deal selection ${String(never)}`);
    }
  }
  const timeCol = dealTimeCol(sel);
  if (sel.deals !== 'open') q = q.where(timeCol, '>=', c.period.start).where(timeCol, '<', c.period.end);
  if (sel.closeBy)
    q = q.where((eb: AnyQuery) =>
      eb.or([eb('d.expected_close_date', 'is', null), eb('d.expected_close_date', '<', c.closeBy)]),
    );
  if (sel.stageIds) q = q.where('d.stage_id', 'in', sel.stageIds);
  if (sel.tiers || sel.territories)
    q = q.where((eb: never) => accountFilter(eb, 'd.org_id', 'd.account_id', sel));
  return q;
}

const filtered = (c: Ctx, sel: Selection): AnyQuery =>
  sel.source === 'activities' ? activityFilters(activityBase(c), sel) : dealFilters(dealBase(c), sel, c);

async function countOf(q: AnyQuery): Promise<number> {
  const row = await q.select((eb: AnyQuery) => eb.fn.countAll().as('n')).executeTakeFirst();
  return Number(row?.n ?? 0);
}

/**
 * The sort key of a row: a single-part list keeps its own time column (occurred, closed or
 * created); composed lists of deals sort by closed-or-created so a deal in two parts sits at one place.
 */
function sortExpr(sel: Selection, composed: boolean) {
  if (sel.source === 'activities') return sql<number>`a.occurred_at`;
  return composed
    ? sql<number>`coalesce(d.closed_at, d.created_at)`
    : sql<number>`${sql.ref(dealTimeCol(sel))}`;
}

/** One page of one part (newest first, after the cursor), mapped to API items with their sort key. */
async function pageOfPart(
  c: Ctx,
  sel: Selection,
  composed: boolean,
  cursor: { sortValue: number; id: string } | null,
  limit: number,
): Promise<{ sortAt: number; item: RecordItem; roleBy: Role }[]> {
  const key = sortExpr(sel, composed);
  const idCol = sel.source === 'activities' ? 'a.id' : 'd.id';
  let q = filtered(c, sel);
  if (cursor)
    q = q.where((eb: AnyQuery) =>
      eb.or([
        eb(key, '<', cursor.sortValue),
        eb.and([eb(key, '=', cursor.sortValue), eb(idCol, '<', cursor.id)]),
      ]),
    );
  q = q.orderBy(key, 'desc').orderBy(idCol, 'desc').limit(limit);
  const iso = (ms: number | null) => (ms === null ? null : new Date(Number(ms)).toISOString());
  if (sel.source === 'activities') {
    const rows: AnyQuery[] = await q
      .select([
        'a.id',
        'a.kind',
        'a.subject',
        'a.outcome',
        'a.occurred_at',
        'a.duration_minutes',
        'a.verified',
        'a.account_id',
        'acc.name as account_name',
        key.as('sort_at'),
        sel.roleBy === 'strike' ? strikeCondition('a', c.strike).as('strike') : sql<null>`null`.as('strike'),
        sel.roleBy === 'meeting' ? meetingFollowed('a', c.outreach).as('met') : sql<null>`null`.as('met'),
      ])
      .execute();
    const roleOf = (r: AnyQuery): Role => {
      switch (sel.roleBy) {
        case 'verified':
          return r.verified === 1 ? 'both' : 'denominator';
        case 'strike':
          return Number(r.strike) ? 'both' : 'denominator';
        case 'meeting':
          return Number(r.met) ? 'both' : 'denominator';
        default:
          return 'counted';
      }
    };
    return rows.map((r) => ({
      sortAt: Number(r.sort_at),
      roleBy: roleOf(r),
      item: {
        type: 'activity' as const,
        id: r.id,
        role: 'counted' as Role,
        kind: r.kind,
        subject: r.subject,
        outcome: r.outcome,
        occurredAt: new Date(Number(r.occurred_at)).toISOString(),
        durationMinutes: r.duration_minutes,
        verified: r.verified === null ? null : r.verified === 1,
        account: r.account_id ? { id: r.account_id, name: r.account_name ?? '' } : null,
      },
    }));
  }
  const rows: AnyQuery[] = await q
    .select([
      'd.id',
      'd.name',
      'd.status',
      'd.amount_minor',
      'd.currency',
      'd.created_at',
      'd.closed_at',
      'd.expected_close_date',
      'd.probability_override',
      'st.name as stage_name',
      'st.probability',
      'c.credit_minor',
      'c.share_bp',
      'd.account_id',
      'acc.name as account_name',
      key.as('sort_at'),
    ])
    .execute();
  return rows.map((r) => ({
    sortAt: Number(r.sort_at),
    roleBy:
      sel.roleBy === 'won' ? (r.status === 'won' ? ('both' as Role) : ('denominator' as Role)) : 'counted',
    item: {
      type: 'deal' as const,
      id: r.id,
      role: 'counted' as Role,
      name: r.name,
      status: r.status,
      stage: r.stage_name,
      probability: Number(r.probability_override ?? r.probability),
      amountMinor: Number(r.amount_minor),
      currency: r.currency,
      creditMinor: Number(r.credit_minor),
      shareBp: Number(r.share_bp),
      createdAt: iso(r.created_at),
      closedAt: iso(r.closed_at),
      expectedCloseDate: r.expected_close_date,
      account: { id: r.account_id, name: r.account_name },
    },
  }));
}

/**
 * The records behind one number: for a metric, a person and a period, the activities or credited
 * deals it counts, newest first, with the definition, the period bounds and the filters in words.
 * A custom ratio lists its numerator's and its denominator's records (marked numerator, denominator
 * or both); pipeline velocity lists the open deals it counts and the deals closed in the period
 * (won: in its win rate, size and cycle; lost: in its win rate only).
 */
export async function metricRecords(
  deps: Deps,
  actor: Actor,
  reach: Reach,
  input: z.infer<typeof recordsQuery>,
) {
  const db = deps.db.kysely;
  const { org, info, now, period, user, valueIn, settings, strike, outreach } = await openNumber(
    deps,
    actor,
    reach,
    input,
  );
  const value = await valueIn(period);
  const metrics = await loadOrgMetrics(db, actor.orgId);
  const parts = partsOf(info, metrics);
  const closeBy = dateInZone(period.end, org.time_zone);
  const base = {
    metric: catalogItem(info, settings),
    currency: info.currency ?? org.currency,
    user,
    period: periodResponse(period, now),
    value: value.value,
    numerator: value.numerator ?? null,
    denominator: value.denominator ?? null,
    operands:
      info.spec?.block === 'ratio'
        ? { numerator: info.spec.numerator, denominator: info.spec.denominator }
        : null,
  };
  if (parts.length === 0)
    return { ...base, source: null, filters: [], total: 0, items: [], nextCursor: null };
  const cursor = input.cursor ? decodeCursor(input.cursor) : null;
  if (cursor && typeof cursor.sortValue !== 'number')
    throw invalidField('cursor', 'is not a cursor this list produced');
  const c: Ctx = {
    db,
    orgId: actor.orgId,
    userId: user.id,
    period,
    currency: org.currency,
    closeBy,
    strike,
    outreach,
  };
  const words = (sel: Selection) =>
    describeFilters(sel, { label: period.label, closeBy }, org.currency, { strike, outreach });
  const composed = parts.length > 1;
  let filters: string[];
  if (!composed) filters = words(parts[0]!.sel);
  else if (info.key === 'pipeline_velocity')
    filters = [
      ...words(parts[0]!.sel),
      ...words(parts[1]!.sel),
      'Velocity = open deals × win rate × average won size ÷ average cycle of the won deals (days)',
    ];
  else
    filters = [
      ...words(parts[0]!.sel).map(
        (f) => `Numerator (${info.spec?.block === 'ratio' ? info.spec.numerator : ''}): ${f}`,
      ),
      ...words(parts[1]!.sel).map(
        (f) => `Denominator (${info.spec?.block === 'ratio' ? info.spec.denominator : ''}): ${f}`,
      ),
    ];

  // Total = |A ∪ B| = |A| + |B| − |A ∩ B| (rows of the same table matching both parts' filters).
  const counts = await Promise.all(parts.map((p) => countOf(filtered(c, p.sel))));
  let total = counts.reduce((s, n) => s + n, 0);
  const [a, b] = parts;
  const sameSource = composed && a!.sel.source === b!.sel.source;
  if (sameSource) {
    const both =
      a!.sel.source === 'activities'
        ? activityFilters(activityFilters(activityBase(c), a!.sel), b!.sel as ActivitySelection)
        : dealFilters(dealFilters(dealBase(c), a!.sel, c), b!.sel as DealSelection, c);
    total -= await countOf(both);
  }

  // Merge the parts' pages newest first; a row found in several parts appears once.
  const pages = await Promise.all(
    parts.map((p) => pageOfPart(c, p.sel, composed, cursor as never, input.limit + 1)),
  );
  const merged = new Map<string, { sortAt: number; item: RecordItem; roles: Set<Role> }>();
  pages.forEach((rows, i) => {
    const part = parts[i]!;
    for (const r of rows) {
      const k = `${r.item.type}:${r.item.id}`;
      const entry = merged.get(k) ?? { sortAt: r.sortAt, item: r.item, roles: new Set<Role>() };
      entry.roles.add(part.role === 'counted' ? r.roleBy : part.role);
      merged.set(k, entry);
    }
  });
  const sorted = [...merged.values()].sort((x, y) =>
    y.sortAt !== x.sortAt ? y.sortAt - x.sortAt : y.item.id < x.item.id ? -1 : y.item.id > x.item.id ? 1 : 0,
  );
  const pageItems = sorted.slice(0, input.limit);
  // A row of this page may also match the other part beyond that part's page: ask for it directly.
  if (sameSource && pageItems.length) {
    for (const [i, part] of parts.entries()) {
      const missing = pageItems.filter((e) => !e.roles.has(part.role)).map((e) => e.item.id);
      if (!missing.length) continue;
      const idCol = part.sel.source === 'activities' ? 'a.id' : 'd.id';
      const hits: { id: string }[] = await filtered(c, parts[i]!.sel)
        .select(`${idCol} as id`)
        .where(idCol, 'in', missing)
        .execute();
      const hit = new Set(hits.map((h) => h.id));
      for (const e of pageItems) if (hit.has(e.item.id)) e.roles.add(part.role);
    }
  }
  const roleOf = (roles: Set<Role>): Role => {
    if (roles.has('both') || (roles.has('numerator') && roles.has('denominator'))) return 'both';
    if (roles.size === 1) return [...roles][0]!;
    return roles.has('numerator') ? 'numerator' : roles.has('denominator') ? 'denominator' : 'counted';
  };
  const last = pageItems.at(-1);
  return {
    ...base,
    source: (composed && !sameSource ? null : a!.sel.source) as 'activities' | 'deals' | null,
    filters,
    total,
    items: pageItems.map((e) => ({ ...e.item, role: roleOf(e.roles) })),
    nextCursor: sorted.length > input.limit && last ? encodeCursor(last.sortAt, last.item.id) : null,
  };
}
