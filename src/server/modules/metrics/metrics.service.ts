import { type CompiledQuery, type Expression, sql } from 'kysely';
import { jsonBuildObject, jsonObjectFrom } from 'kysely/helpers/postgres';
import { z } from 'zod';
import { meetingsFromOutreachDefinition, strikeRateDefinition } from '../../../shared/metrics-catalog.ts';
import {
  type Calendar,
  elapsedFraction,
  type Period,
  type PeriodKind,
  periodAt,
  periodFromKey,
  periodKinds,
  previousPeriod,
  samePeriodLastYear,
} from '../../../shared/periods.ts';
import type { Deps } from '../../context.ts';
import { compiledQuery, shapedQuery } from '../../db/compiled-query.ts';
import { type Executor, isPostgres, trySyncRead } from '../../db/database.ts';
import { invalidField, notFound } from '../../lib/errors.ts';
import { type Actor, peerMetricView, type Reach, readableOwnerIds } from '../../policy/policy.ts';
import { type ReachRow, reachFromRows, reachRowsJson } from '../../policy/reach.ts';
import type { SessionPrefetch } from '../identity/session-prefetch.ts';

type PeerView = ReturnType<typeof peerMetricView>;

import {
  type PublishedPlaybookTarget,
  type PublishedTargetRow,
  playbookTargetsFrom,
  publishedPlaybookTargetsJson,
} from '../playbooks/playbooks.repository.ts';
import {
  effectiveTargetsLoader,
  targetSumsOf,
  type UserTarget,
  userTargetBasis,
} from '../targets/targets.effective.ts';
import { type CustomMetricRow, customMetricsJson } from './custom-metrics.repository.ts';
import { isActivityCountMetric, loadOrgMetrics, type OrgMetric, orgMetricsFrom } from './metric-registry.ts';
import {
  loadMetricSettings,
  type MetricSettings,
  metricSettingsOf,
  visibilityOf,
} from './metric-settings.service.ts';
import { blockMemo, computeMetric, type MetricScope } from './metrics.engine.ts';
import { outreachRuleOf } from './outreach.ts';
import { strikeRuleOf } from './strike.ts';

export const valuesQuery = z.object({
  metric: z.string().max(60),
  period: z
    .string()
    .max(20)
    .optional()
    .describe(
      'A period key such as 2026-03, FY2026-Q2, 2026-W11 or FY2026; default: the current period of `kind`',
    ),
  kind: z.enum(periodKinds as [string, ...string[]]).default('month'),
  scope: z
    .enum(['me', 'reach', 'team', 'org'])
    .default('me')
    .describe(
      'me: my own value; reach: everyone I manage (and me); team: my team and the teams I manage; org: everyone. Peers outside my reach appear as the org’s visibility setting allows (values, ranks only, or not at all).',
    ),
  team: z
    .string()
    .max(64)
    .optional()
    .describe(
      'Only the members of this team and the teams beneath it (a team I manage, or any for admins; else 404)',
    ),
});

/** The members of a team and of every team beneath it; 404 unless the actor oversees the team. */
async function teamSubtreeUserIds(deps: Deps, actor: Actor, reach: Reach, teamId: string) {
  if (!(reach.all || reach.managedTeamIds.has(teamId))) throw notFound('Team');
  const teams = await deps.db.kysely
    .selectFrom('teams')
    .select(['id', 'parent_team_id'])
    .where('org_id', '=', actor.orgId)
    .execute();
  if (!teams.some((t) => t.id === teamId)) throw notFound('Team');
  const subtree = new Set([teamId]);
  for (let grew = true; grew; ) {
    grew = false;
    for (const t of teams)
      if (t.parent_team_id && subtree.has(t.parent_team_id) && !subtree.has(t.id)) {
        subtree.add(t.id);
        grew = true;
      }
  }
  const rows = await deps.db.kysely
    .selectFrom('team_members')
    .select('user_id')
    .where('org_id', '=', actor.orgId)
    .where('team_id', 'in', [...subtree])
    .execute();
  return new Set(rows.map((r) => r.user_id));
}

/**
 * A metric as the API shows it. With the org's metric settings, strike rate's definition names the
 * org's window and order outcomes, and meetings from outreach's the org's meeting window (else
 * they say the defaults).
 */
export function catalogItem(m: OrgMetric, settings?: MetricSettings) {
  return {
    key: m.key,
    name: m.name,
    definition: definitionWith(m, settings),
    unit: m.unit,
    direction: m.direction,
    format: m.format,
    snapshot: m.snapshot,
    custom: m.custom,
    currency: m.currency,
  };
}

/**
 * The metrics whose numbers a metric's numerator and denominator reveal: quota attainment's are the
 * revenue won and the revenue target (value × target = revenue), win rate's the deals won, a custom
 * ratio's its two metrics… A peer's numerator and denominator are shown only when every one of
 * these is shown to the actor as values too — else sharing attainment would share revenue.
 */
export function numberComponents(m: Pick<OrgMetric, 'key' | 'custom' | 'spec'>): readonly string[] {
  if (m.spec?.block === 'ratio') return [m.spec.numerator, m.spec.denominator];
  if (m.custom) return [];
  return builtinComponents[m.key] ?? [];
}

const builtinComponents: Record<string, readonly string[]> = {
  quota_attainment: ['revenue_won'],
  pipeline_coverage: ['open_pipeline', 'revenue_won'],
  win_rate: ['deals_won'],
  avg_deal_size: ['revenue_won', 'deals_won'],
  sales_cycle_days: ['deals_won'],
  verified_visit_rate: ['visits'],
  visits_per_field_day: ['visits'],
  strike_rate: ['visits'],
  meetings_from_outreach: ['calls', 'emails'],
};

/** A built-in's definition with the org's settings where the definition depends on them. */
function definitionWith(m: OrgMetric, settings: MetricSettings | undefined): string {
  if (!settings || m.custom) return m.definition;
  if (m.key === 'strike_rate') return strikeRateDefinition(strikeRuleOf(settings));
  if (m.key === 'meetings_from_outreach') return meetingsFromOutreachDefinition(settings.meetingWindowDays);
  return m.definition;
}

/** Built-in KPIs followed by the org's custom metrics, each with its definition. */
export async function catalog(deps: Deps, actor: Actor) {
  const [metrics, settings] = await Promise.all([
    loadOrgMetrics(deps.db.kysely, actor.orgId),
    loadMetricSettings(deps.db.kysely, actor.orgId),
  ]);
  return { items: metrics.map((m) => catalogItem(m, settings)) };
}

async function scopeUserIds(
  deps: Deps,
  actor: Actor,
  reach: Reach,
  scope: z.infer<typeof valuesQuery>['scope'],
) {
  switch (scope) {
    case 'me':
      return [actor.userId];
    case 'reach':
    case 'org': {
      const owners = scope === 'reach' ? readableOwnerIds(actor, reach) : null;
      if (owners) return owners;
      const rows = await deps.db.kysely
        .selectFrom('memberships')
        .select('user_id')
        .where('org_id', '=', actor.orgId)
        .where('active', '=', 1)
        .execute();
      return rows.map((r) => r.user_id);
    }
    case 'team':
      return [...new Set([actor.userId, ...reach.teammateUserIds, ...reach.reportUserIds])];
    default: {
      const never: never = scope;
      throw new Error(`unknown scope ${String(never)}`);
    }
  }
}

interface PeriodTriple {
  period: Period;
  previous: Period;
  lastYear: Period;
}
// A period with its previous and last year's, by calendar and key: dashboards ask for the same few
// periods all day, and each costs several zone conversions. Periods are frozen.
const periodMemo = new Map<string, PeriodTriple | null>();
const PERIOD_MEMO_LIMIT = 5_000;

// The current period per calendar and kind, reused while `now` is inside it.
const currentMemo = new Map<string, Period>();

function currentPeriod(kind: PeriodKind, now: number, cal: Calendar): Period {
  const key = `${cal.timeZone}|${cal.fiscalYearStartMonth}|${kind}`;
  const cached = currentMemo.get(key);
  if (cached && cached.start <= now && now < cached.end) return cached;
  const period = Object.freeze(periodAt(kind, now, cal));
  if (currentMemo.size >= PERIOD_MEMO_LIMIT) currentMemo.clear();
  currentMemo.set(key, period);
  return period;
}

/** The period asked for (a key, else the current one of `kind`) with its previous and last year's; null: not a key. */
function periodsFor(
  key: string | undefined,
  kind: PeriodKind,
  now: number,
  cal: Calendar,
): PeriodTriple | null {
  const current = key === undefined ? currentPeriod(kind, now, cal) : undefined;
  const memoKey = `${cal.timeZone}|${cal.fiscalYearStartMonth}|${key ?? current!.key}`;
  let found = periodMemo.get(memoKey);
  if (found === undefined) {
    const period = current ?? periodFromKey(key!, cal);
    found = period
      ? Object.freeze({
          period: Object.freeze(period),
          previous: Object.freeze(previousPeriod(period, cal)),
          lastYear: Object.freeze(samePeriodLastYear(period, cal)),
        })
      : null;
    if (periodMemo.size >= PERIOD_MEMO_LIMIT) periodMemo.clear();
    periodMemo.set(memoKey, found);
  }
  return found;
}

/** Compares names like `String.prototype.localeCompare` (default locale), without its per-call setup. */
export const compareNames = new Intl.Collator().compare;

/** Names of people, compiled once per number of people. */
const namesQuery = shapedQuery(
  (db: Executor, a: { userIds: string[] }) =>
    db.selectFrom('users').select(['id', 'name']).where('id', 'in', a.userIds),
  () => '',
);

type NameRow = { id: string; name: string };
/** By name, people of the same name by id (the same order whichever way the names were read). */
const byName = (a: NameRow, b: NameRow) =>
  compareNames(a.name, b.name) || (a.id < b.id ? -1 : a.id > b.id ? 1 : 0);
/** Sorted copies of cached (frozen, shared) name rows: the same rows sort the same. */
const sortedOf = new WeakMap<readonly NameRow[], readonly NameRow[]>();

/**
 * The people's names, by name. Read by every KPI request: on SQLite from the coherent read cache
 * while nothing in the database changed (see `trySyncRead`), and then sorted once for those rows.
 */
async function sortedNames(
  db: Deps['db']['kysely'],
  userIds: string[],
  /** Names known already (the actor's reach carries those of the people in it). */
  known?: ReadonlyMap<string, string>,
): Promise<readonly NameRow[]> {
  if (known && userIds.every((id) => known.has(id))) {
    // No query (one round trip less on PostgreSQL); the same order as below.
    return userIds.map((id) => ({ id, name: known.get(id)! })).sort(byName);
  }
  const rows = await readCompiled(db, namesQuery(db, { userIds }, null), { cached: true });
  let sorted = sortedOf.get(rows);
  if (!sorted) {
    sorted = Object.freeze([...rows].sort(byName));
    // Only cached rows are frozen (and come back as the same array); fresh rows are not kept.
    if (Object.isFrozen(rows)) sortedOf.set(rows, sorted);
  }
  return sorted;
}

/**
 * A compiled SELECT: on SQLite outside a transaction on its prepared statement (`cached`: maybe from
 * the connection's coherent read cache, frozen), else through Kysely.
 */
async function readCompiled<R>(
  db: Executor,
  query: CompiledQuery<R>,
  options: { cached?: boolean } = {},
): Promise<readonly R[]> {
  const rows =
    db.getExecutor().plugins.length === 0 ? trySyncRead(db, query.sql, query.parameters, options) : undefined;
  return (rows as R[] | undefined) ?? (await db.executeQuery(query)).rows;
}

/**
 * The org with its settings and rollup state in one read (every KPI request); on SQLite from the
 * coherent read cache while nothing in the database changed (frozen: read it, never change it). On
 * PostgreSQL the org's custom metrics and its published playbook targets come as JSON columns of
 * the same statement (`customMetricsJson`, `publishedPlaybookTargetsJson`): two round trips less per
 * KPI request (SQLite reads them from its cache: `loadOrgMetrics`, `publishedPlaybookTargets`).
 */
function orgForMetricsQuery(db: Executor, orgId: string | Expression<string>) {
  return db
    .selectFrom('orgs as o')
    .leftJoin('metric_rollup_state as r', 'r.org_id', 'o.id')
    .select([
      'o.id',
      'o.name',
      'o.currency',
      'o.time_zone',
      'o.fiscal_year_start_month',
      'o.settings',
      'r.time_zone as rollups_time_zone',
      'r.version as rollups_version',
      (isPostgres(db) ? customMetricsJson : sql<CustomMetricRow[] | null>`null`).as('custom_metrics'),
      (isPostgres(db) ? publishedPlaybookTargetsJson(db) : sql<PublishedTargetRow[] | null>`null`).as(
        'playbook_targets',
      ),
    ])
    .where('o.id', '=', orgId);
}

const orgForMetrics = compiledQuery((db: Executor, orgId: string) => orgForMetricsQuery(db, orgId), {
  cached: true,
});

type OrgForMetricsRow = Awaited<ReturnType<typeof orgForMetrics>>[number];

/** The org's row as KPI requests read it (tests compare `kpiPrefetch`'s with it). */
export async function readOrgForMetrics(db: Executor, orgId: string): Promise<OrgForMetricsRow | undefined> {
  return (await orgForMetrics(db, orgId))[0];
}

/**
 * What KPI routes have come with the session on PostgreSQL (`kpiPrefetch`): the org's row of
 * `orgForMetrics`, by the request's actor (one object per request, dropped with it).
 */
const prefetchedOrg = new WeakMap<Actor, OrgForMetricsRow | null>();

/**
 * The KPI routes that compute values (values, grid, leaderboard — `computeValuesMany`) on
 * PostgreSQL: the actor's reach and the org's row of `orgForMetrics` come as one JSON column of the
 * session statement — two round trips less per request (the session's org and user are the
 * statement's own). Nothing is kept unless the session is valid; inside a transaction the org is
 * read again. Records, trend and the org view read the org themselves and take `reachPrefetch`.
 */
export const kpiPrefetch: SessionPrefetch<{ reach: ReachRow[]; org: OrgForMetricsRow | null }> = {
  select: (db, orgId, userId) =>
    jsonBuildObject({
      reach: reachRowsJson(db, orgId, userId),
      org: jsonObjectFrom(orgForMetricsQuery(db, orgId)),
    }),
  keep(actor, value) {
    prefetchedOrg.set(actor, value.org);
    return { reach: reachFromRows(value.reach, actor) };
  },
};

/**
 * The org of a KPI request, its metrics (built-in and custom) and — on PostgreSQL, where they come
 * with it — its published playbook targets (undefined: the targets loader reads them if needed).
 */
async function orgAndMetrics(
  db: Executor,
  actor: Actor,
): Promise<readonly [readonly OrgForMetricsRow[], OrgMetric[], PublishedPlaybookTarget[] | undefined]> {
  if (!isPostgres(db)) {
    const [rows, metrics] = await Promise.all([
      orgForMetrics(db, actor.orgId),
      loadOrgMetrics(db, actor.orgId),
    ]);
    return [rows, metrics, undefined];
  }
  const prefetched = db.isTransaction ? undefined : prefetchedOrg.get(actor);
  const rows =
    prefetched === undefined ? await orgForMetrics(db, actor.orgId) : prefetched ? [prefetched] : [];
  const row = rows[0];
  return [
    rows,
    orgMetricsFrom(row?.custom_metrics ?? []),
    row ? playbookTargetsFrom(row.playbook_targets ?? []) : undefined,
  ];
}

/**
 * Competition ranks (1, 2, 2, 4) of the people's values by the metric's direction; people without a
 * value (absent or null) get none. The people are distinct.
 */
export function ranksOf(
  userIds: readonly string[],
  values: ReadonlyMap<string, { value: number | null }>,
  direction: 'higher' | 'lower',
): Map<string, number> {
  const valued: [string, number][] = [];
  for (const user of userIds) {
    const value = values.get(user)?.value;
    if (value !== null && value !== undefined) valued.push([user, value]);
  }
  return ranksOfValued(valued, direction);
}

const higherFirst = (a: [string, number], b: [string, number]) => b[1] - a[1];
const lowerFirst = (a: [string, number], b: [string, number]) => a[1] - b[1];

function ranksOfValued(valued: [string, number][], direction: 'higher' | 'lower'): Map<string, number> {
  valued.sort(direction === 'higher' ? higherFirst : lowerFirst);
  const out = new Map<string, number>();
  let rank = 0;
  for (let i = 0; i < valued.length; i++) {
    const [user, value] = valued[i]!;
    if (i === 0 || valued[i - 1]![1] !== value) rank = i + 1;
    out.set(user, rank);
  }
  return out;
}

/** What `computeValuesMany` computes besides the current values. */
export interface ValuesParts {
  /** The previous period's values (and ranks). */
  previous: boolean;
  /** The same period last year. */
  lastYear: boolean;
  /** The effective targets for the period. */
  targets: boolean;
}

/**
 * The shared computation behind values, the grid and leaderboards, for one or more metrics of one
 * period: who is in the scope and what the actor may see of each (the policy module decides, per
 * metric), the current values and ranks — and, as asked in `parts`, the effective targets, the
 * previous period's values and ranks and the same period last year's — for the people the actor
 * may see at all. The org, its settings, the period, the scope and the names are loaded once
 * whatever the number of metrics; building blocks that several metrics or periods share (closed
 * deals by status, activities by kind) are read once (`blockMemo`), and the targets of every metric
 * in one query.
 */
export async function computeValuesMany(
  deps: Deps,
  actor: Actor,
  /** The actor's reach, or the promise of it: its read then overlaps the org's. */
  reachOrPromise: Reach | Promise<Reach>,
  input: Omit<z.infer<typeof valuesQuery>, 'metric'> & { metrics: readonly string[] },
  options: { parts: ValuesParts; guard?: (info: OrgMetric, settings: MetricSettings) => void },
) {
  const db = deps.db.kysely;
  const [[orgRows, metrics, playbookTargets], reach] = await Promise.all([
    // The org with its settings and rollup state in one read: the engine needs the state for every
    // period computed, the metric settings live in the org's settings.
    orgAndMetrics(db, actor),
    reachOrPromise,
  ]);
  const org = orgRows[0];
  if (!org) throw notFound('Organization');
  const settings = metricSettingsOf(org.settings);
  const infos = input.metrics.map((key) => {
    const info = metrics.find((m) => m.key === key);
    if (!info)
      throw invalidField(
        input.metrics.length === 1 ? 'metric' : 'metrics',
        `${input.metrics.length === 1 ? 'is' : `names ${key}, which is`} not a metric of the catalog (${metrics.map((m) => m.key).join(', ')})`,
      );
    options.guard?.(info, settings);
    return info;
  });
  const cal = { timeZone: org.time_zone, fiscalYearStartMonth: org.fiscal_year_start_month };
  const now = deps.clock.now();
  const periods = periodsFor(input.period, input.kind as PeriodKind, now, cal);
  if (!periods)
    throw invalidField('period', 'is not a period key such as 2026-03, FY2026-Q2, 2026-W11 or FY2026');
  const { period, previous, lastYear } = periods;

  let scoped = await scopeUserIds(deps, actor, reach, input.scope);
  if (input.team) {
    const inTeam = await teamSubtreeUserIds(deps, actor, reach, input.team);
    scoped = scoped.filter((u) => inTeam.has(u));
  }
  const custom = new Map(
    metrics.filter((m) => m.spec).map((m) => [m.key, { spec: m.spec!, format: m.format }]),
  );
  const blocks = blockMemo(
    infos.map((i) => i.key),
    custom,
  );
  const orgRef = { id: actor.orgId, timeZone: org.time_zone };
  // Every metric's targets of a period in one read, revenue targets included for the metrics
  // measured against them (quota attainment, pipeline coverage).
  const targetsOf = effectiveTargetsLoader(
    db,
    orgRef,
    scoped,
    [...infos.map((i) => i.key), 'revenue_won'],
    settings.ramp,
    // A quarter's or year's target of a cumulative metric defaults to the sum of its months'.
    (key) => {
      const m = metrics.find((x) => x.key === key);
      return m ? targetSumsOf(m).periods : false;
    },
    playbookTargets,
  );
  const rollups =
    org.rollups_time_zone === null
      ? null
      : { timeZone: org.rollups_time_zone, version: Number(org.rollups_version) };
  const strike = strikeRuleOf(settings);
  const scopeFor = (p: Period, userIds: string[]): MetricScope => ({
    orgId: actor.orgId,
    currency: org.currency,
    timeZone: org.time_zone,
    userIds,
    start: p.start,
    end: p.end,
    now,
    period: p,
    custom,
    rollups,
    blocks,
    targets: targetsOf,
    strike,
    outreach: outreachRuleOf(settings),
  });
  const { parts } = options;
  // Who each metric shows, decided first (in memory) so the names are read alongside the values.
  // Metrics that see the same people share one list, so their blocks are shared too; metrics with
  // the same visibility setting share the decisions.
  const userLists = new Map<string, string[]>();
  const byVisibility = new Map<string, { views: Map<string, PeerView>; userIds: string[] }>();
  const seen = infos.map((info) => {
    const visibility = visibilityOf(settings, info.key);
    // Activity counts with their leaderboards switched off are ranked for no one, so peers shown
    // by rank only are left out (a list of ranks is a leaderboard).
    const unranked = !settings.activityLeaderboards && isActivityCountMetric(info);
    const viewKey = unranked ? `${visibility}:unranked` : visibility;
    let shown = byVisibility.get(viewKey);
    if (!shown) {
      const views = new Map(
        scoped.map((u): [string, PeerView] => {
          const view = peerMetricView(actor, reach, u, visibility);
          return [u, unranked && view === 'rank' ? 'hidden' : view];
        }),
      );
      // People the actor may not see at all are not even computed.
      const visible = scoped.filter((u) => views.get(u) !== 'hidden');
      const listKey = visible.length === scoped.length ? '' : visible.join(',');
      const userIds = userLists.get(listKey) ?? visible;
      userLists.set(listKey, userIds);
      shown = { views, userIds };
      byVisibility.set(viewKey, shown);
    }
    const components = numberComponents(info);
    // Whether a person's numerator and denominator may be shown: only when the metrics they reveal are.
    const partsShown = (u: string) =>
      components.every((k) => peerMetricView(actor, reach, u, visibilityOf(settings, k)) === 'value');
    return { info, visibility, views: shown.views, userIds: shown.userIds, partsShown, unranked };
  });
  const everyone = [...new Set(seen.flatMap((m) => m.userIds))];
  const [allNames, ...perMetric] = await Promise.all([
    everyone.length ? sortedNames(db, everyone, reach.names) : [],
    ...seen.map(async (m) => {
      const { info, userIds } = m;
      const history = !info.snapshot;
      const [current, prev, ly, targets] = await Promise.all([
        computeMetric(db, info.key, scopeFor(period, userIds)),
        parts.previous && history ? computeMetric(db, info.key, scopeFor(previous, userIds)) : undefined,
        parts.lastYear && history ? computeMetric(db, info.key, scopeFor(lastYear, userIds)) : undefined,
        parts.targets ? targetsOf(info.key, period) : new Map<string, never>(),
      ]);
      const rankOf = m.unranked ? new Map<string, number>() : ranksOf(userIds, current, info.direction);
      const previousRankOf = prev && !m.unranked ? ranksOf(userIds, prev, info.direction) : null;
      return { ...m, current, prev, ly, targets, rankOf, previousRankOf };
    }),
  ]);
  return {
    org,
    settings,
    period,
    previous,
    lastYear,
    now,
    /** Everyone some metric shows, sorted by name. */
    people: allNames,
    metrics: perMetric.map((m) => {
      if (m.userIds.length === everyone.length) return { ...m, names: allNames };
      const shown = new Set(m.userIds);
      return { ...m, names: allNames.filter((u) => shown.has(u.id)) };
    }),
  };
}

/** One metric (values: with history and targets; leaderboards: with the previous period only). */
export async function computeValues(
  deps: Deps,
  actor: Actor,
  reach: Reach,
  input: z.infer<typeof valuesQuery>,
  options: {
    parts?: ValuesParts;
    guard?: (info: OrgMetric, settings: MetricSettings) => void;
  } = {},
) {
  const { metric, ...rest } = input;
  const c = await computeValuesMany(
    deps,
    actor,
    reach,
    { ...rest, metrics: [metric] },
    { ...options, parts: options.parts ?? { previous: true, lastYear: true, targets: true } },
  );
  const { metrics, ...shared } = c;
  return { ...shared, ...metrics[0]! };
}

/** What the API says about a period. */
export function periodResponse(period: Period, now: number) {
  return {
    key: period.key,
    label: period.label,
    start: new Date(period.start).toISOString(),
    end: new Date(period.end).toISOString(),
    elapsed: elapsedFraction(period, now),
  };
}

/**
 * A metric's values for a period for the people of a scope, with the previous period, the same
 * period last year, the effective target (after ramp) and a rank. The policy module decides per
 * person what the actor receives: everything about themselves and the people under them (what a
 * manager sees about a rep, the rep sees too); about peers only what the org's visibility setting
 * for this metric allows — values, the rank alone (every number nulled), or nothing (row left out).
 */
export async function metricValues(
  deps: Deps,
  actor: Actor,
  reach: Reach,
  input: z.infer<typeof valuesQuery>,
) {
  const c = await computeValues(deps, actor, reach, input);
  return valuesResponse(c, periodHeader(c));
}

/** The period part of a values answer: the same for every metric of a grid. */
function periodHeader(
  c: Pick<Awaited<ReturnType<typeof computeValues>>, 'period' | 'previous' | 'lastYear' | 'now'>,
) {
  return {
    period: periodResponse(c.period, c.now),
    previousPeriod: { key: c.previous.key, label: c.previous.label },
    lastYearPeriod: { key: c.lastYear.key, label: c.lastYear.label },
  };
}

function valuesResponse(
  c: Awaited<ReturnType<typeof computeValues>>,
  header: ReturnType<typeof periodHeader>,
) {
  const { current, prev, ly, targets, rankOf, views, partsShown } = c;
  return {
    metric: catalogItem(c.info, c.settings),
    currency: c.info.currency ?? c.org.currency,
    visibility: c.visibility,
    ...header,
    // By name: c.names comes sorted.
    rows: c.names.map((u) => {
      const rank = rankOf.get(u.id) ?? null;
      const user = { id: u.id, name: u.name };
      if (views.get(u.id) !== 'value') return { user, view: 'rank' as const, rank, ...noNumbers };
      const value = current.get(u.id);
      const parts = partsShown(u.id);
      return {
        user,
        view: 'value' as const,
        rank,
        value: value?.value ?? null,
        numerator: parts ? (value?.numerator ?? null) : null,
        denominator: parts ? (value?.denominator ?? null) : null,
        previous: prev?.get(u.id)?.value ?? null,
        lastYear: ly?.get(u.id)?.value ?? null,
        target: targets.get(u.id)?.effective ?? null,
        targetBasis: targetBasisOf(targets.get(u.id)),
      };
    }),
  };
}

/** How a target was obtained, ramp included, for the answer (null without a target). */
function targetBasisOf(t: UserTarget | undefined): ReturnType<typeof userTargetBasis> | null {
  return t ? userTargetBasis(t) : null;
}

/** A peer shown by rank only: every number null. */
const noNumbers = {
  value: null,
  numerator: null,
  denominator: null,
  previous: null,
  lastYear: null,
  target: null,
  targetBasis: null,
} as const;

export const gridQuery = valuesQuery.omit({ metric: true }).extend({
  metrics: z
    .string()
    .max(600)
    .transform((v) => [
      ...new Set(
        v
          .split(',')
          .map((k) => k.trim())
          .filter(Boolean),
      ),
    ])
    .pipe(z.array(z.string().max(60)).min(1).max(12))
    .describe('Comma-separated metric keys (1 to 12), e.g. revenue_won,deals_won,visits'),
});

/**
 * Several metrics for the same period and people in one answer — the manager's team grid. Each
 * person is named once; each metric gives one cell per person with what `GET /api/metrics/values`
 * gives for them (same visibility rules, same targets and ranks) without the history, as the grid
 * shows each number against its target and pace, not against the past. The org, the scope and the
 * names are loaded once, and the metrics are computed side by side.
 */
export async function metricGrid(
  deps: Deps,
  actor: Actor,
  reach: Reach | Promise<Reach>,
  input: z.infer<typeof gridQuery>,
) {
  const c = await computeValuesMany(deps, actor, reach, input, {
    parts: { previous: false, lastYear: false, targets: true },
  });
  const { period, previousPeriod } = periodHeader(c);
  return {
    currency: c.org.currency,
    period,
    previousPeriod,
    people: [...c.people],
    metrics: c.metrics.map((m) => {
      const { current, targets, rankOf, views, partsShown } = m;
      const shown = m.userIds.length === c.people.length ? null : new Set(m.userIds);
      return {
        metric: catalogItem(m.info, c.settings),
        visibility: m.visibility,
        cells: c.people.map((u) => {
          if (shown !== null && !shown.has(u.id)) return null;
          const rank = rankOf.get(u.id) ?? null;
          if (views.get(u.id) !== 'value') return { view: 'rank' as const, rank };
          const v = current.get(u.id);
          const parts = partsShown(u.id);
          return {
            view: 'value' as const,
            rank,
            value: v?.value ?? null,
            target: targets.get(u.id)?.effective ?? null,
            targetBasis: targetBasisOf(targets.get(u.id)),
            // A peer's parts only when the metrics they reveal are shown to the actor too.
            numerator: parts ? v?.numerator : undefined,
            denominator: parts ? v?.denominator : undefined,
          };
        }),
      };
    }),
  };
}
