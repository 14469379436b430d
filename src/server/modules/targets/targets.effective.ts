import { mulDiv } from '../../../shared/money.ts';
import type { Period } from '../../../shared/periods.ts';
import { dateInZone } from '../../../shared/time.ts';
import type { Executor } from '../../db/database.ts';
import { aggregationOf, type OrgMetric } from '../metrics/metric-registry.ts';
import { loadMetricSettings } from '../metrics/metric-settings.service.ts';
import { membershipStarts, targetsFor } from './targets.repository.ts';

/**
 * Effective targets: what a rep or team is measured against, computed when read (never stored):
 * - a rep's target × the org's ramp percent for the month of tenure the period starts in
 *   (tenure counted from the membership start in the org's zone; a period that starts before the
 *   rep joined counts as month 1); rounded half-even to a whole number (minor units for money);
 * - a team's target set directly wins; otherwise it is the sum of its members' effective targets
 *   plus its sub-teams' effective targets (null when none of them has one).
 */

/**
 * How a metric's targets add up when none is set for a team or a longer period:
 * - `people`: a team's default is the sum of its people's and sub-teams' targets — money and counts
 *   (revenue, deals, activities, visits, pipeline, velocity, custom counts and sums), the metrics
 *   the org view adds up. Rates, averages, ratios, days, quota attainment and coverage never add up
 *   across people (three 30 % win-rate targets are not a 90 % team target): a team has a target of
 *   such a metric only when one is set on the team itself.
 * - `periods`: a quarter's default is the sum of its months' targets, a year's of its quarters' —
 *   metrics that accumulate over time only: the people-summable ones except point-in-time metrics
 *   (open and weighted pipeline, velocity: a level held at any moment, not accumulated, so a
 *   quarter of $100k-pipeline months is not a $300k pipeline).
 */
export interface TargetSums {
  people: boolean;
  periods: boolean;
}

export function targetSumsOf(m: Pick<OrgMetric, 'key' | 'spec' | 'snapshot'>): TargetSums {
  const people = aggregationOf(m as OrgMetric) === 'sum';
  return { people, periods: people && !m.snapshot };
}

/** Whole months from `joinDate` to `onDate` (0 in the first month of tenure). */
export function tenureMonthIndex(joinDate: string, onDate: string): number {
  if (onDate <= joinDate) return 0;
  const [jy, jm, jd] = joinDate.split('-').map(Number) as [number, number, number];
  const [y, m, d] = onDate.split('-').map(Number) as [number, number, number];
  return (y - jy) * 12 + (m - jm) - (d < jd ? 1 : 0);
}

/** The ramp percent for a rep who joined on `joinDate`, for a period starting on `periodStart`. */
export function rampPercent(ramp: readonly number[], joinDate: string, periodStart: string): number {
  const month = tenureMonthIndex(joinDate, periodStart);
  return month < ramp.length ? ramp[month]! : 100;
}

export function rampedAmount(amount: number, percent: number): number {
  return percent === 100 ? amount : mulDiv(amount, percent, 100);
}

export interface UserTarget {
  targetId: string;
  amount: number;
  rampPercent: number;
  effective: number;
  /** Month of tenure (1 = first) at the start of the period. */
  tenureMonth: number;
}

/** The effective targets of a metric for users over a period: three queries whatever the number of users. */
export async function effectiveUserTargets(
  db: Executor,
  org: { id: string; timeZone: string },
  userIds: string[],
  metricKey: string,
  period: Pick<Period, 'kind' | 'startDate'>,
): Promise<Map<string, UserTarget>> {
  if (userIds.length === 0) return new Map();
  const [rows, starts, settings] = await Promise.all([
    targetsFor(db, org.id, period, [{ type: 'user', ids: userIds }], [metricKey]),
    membershipStarts(db, org.id, userIds),
    loadMetricSettings(db, org.id),
  ]);
  return userTargetsFrom(rows, starts, settings.ramp, org.timeZone, period.startDate);
}

/**
 * Effective user targets for the metrics and people of one request, read lazily per period: one
 * query for every metric's targets of a period, and the membership starts (for the ramp) once and
 * only when some target exists. `ramp` is the org's ramp setting when the caller has it already.
 */
export function effectiveTargetsLoader(
  db: Executor,
  org: { id: string; timeZone: string },
  userIds: string[],
  metricKeys: readonly string[],
  ramp?: readonly number[],
): (metricKey: string, period: Pick<Period, 'kind' | 'startDate'>) => Promise<Map<string, UserTarget>> {
  const keys = [...new Set(metricKeys)];
  const byPeriod = new Map<
    string,
    Promise<{ id: string; subject_id: string; metric_key: string; amount: number }[]>
  >();
  let starts: Promise<Map<string, number>> | undefined;
  let rampOf: Promise<readonly number[]> | undefined;
  return async (metricKey, period) => {
    if (userIds.length === 0) return new Map();
    if (!keys.includes(metricKey)) return effectiveUserTargets(db, org, userIds, metricKey, period);
    const periodKey = `${period.kind}|${period.startDate}`;
    let rows = byPeriod.get(periodKey);
    if (!rows) {
      // Read by every KPI request: from the coherent read cache while nothing changed (SQLite).
      rows = targetsFor(db, org.id, period, [{ type: 'user', ids: userIds }], keys, { cached: true });
      byPeriod.set(periodKey, rows);
    }
    const mine = (await rows).filter((r) => r.metric_key === metricKey);
    if (mine.length === 0) return new Map();
    starts ??= membershipStarts(db, org.id, userIds);
    rampOf ??= ramp ? Promise.resolve(ramp) : loadMetricSettings(db, org.id).then((m) => m.ramp);
    const [s, r] = await Promise.all([starts, rampOf]);
    return userTargetsFrom(mine, s, r, org.timeZone, period.startDate);
  };
}

export function userTargetsFrom(
  rows: { id: string; subject_id: string; amount: number }[],
  starts: ReadonlyMap<string, number>,
  ramp: readonly number[],
  timeZone: string,
  periodStart: string,
): Map<string, UserTarget> {
  const out = new Map<string, UserTarget>();
  for (const r of rows) {
    const started = starts.get(r.subject_id);
    // No membership start known (not expected): treat as long-standing, never ramp by accident.
    const joinDate = started === undefined ? '1970-01-01' : dateInZone(started, timeZone);
    const percent = rampPercent(ramp, joinDate, periodStart);
    const amount = Number(r.amount);
    out.set(r.subject_id, {
      targetId: r.id,
      amount,
      rampPercent: percent,
      effective: rampedAmount(amount, percent),
      tenureMonth: tenureMonthIndex(joinDate, periodStart) + 1,
    });
  }
  return out;
}

export interface TeamTarget {
  targetId: string | null;
  direct: number | null;
  /** Σ members' effective targets + Σ sub-teams' effective targets (null when none has one). */
  sum: number | null;
  effective: number | null;
  source: 'direct' | 'sum' | 'none';
}

/**
 * Effective team targets over a team tree, bottom-up. `addsUp` (see `TargetSums.people`): whether a
 * team without a target of its own defaults to the sum beneath it; when false (rates) only a
 * target set on the team counts and `sum` stays null.
 */
export function teamTargetsFrom(
  teams: { id: string; parent_team_id: string | null }[],
  members: { team_id: string; user_id: string }[],
  direct: ReadonlyMap<string, { id: string; amount: number }>,
  users: ReadonlyMap<string, UserTarget>,
  addsUp: boolean,
): Map<string, TeamTarget> {
  const children = new Map<string, string[]>();
  for (const t of teams)
    if (t.parent_team_id) children.set(t.parent_team_id, [...(children.get(t.parent_team_id) ?? []), t.id]);
  const membersOf = new Map<string, string[]>();
  for (const m of members) membersOf.set(m.team_id, [...(membersOf.get(m.team_id) ?? []), m.user_id]);
  const out = new Map<string, TeamTarget>();
  const visit = (id: string, seen: Set<string>): TeamTarget => {
    const done = out.get(id);
    if (done) return done;
    seen.add(id);
    let sum: number | null = null;
    for (const u of addsUp ? (membersOf.get(id) ?? []) : []) {
      const t = users.get(u);
      if (t) sum = (sum ?? 0) + t.effective;
    }
    for (const c of children.get(id) ?? []) {
      if (seen.has(c)) continue;
      const t = visit(c, seen);
      if (addsUp && t.effective !== null) sum = (sum ?? 0) + t.effective;
    }
    const d = direct.get(id);
    const result: TeamTarget = d
      ? { targetId: d.id, direct: Number(d.amount), sum, effective: Number(d.amount), source: 'direct' }
      : { targetId: null, direct: null, sum, effective: sum, source: sum === null ? 'none' : 'sum' };
    out.set(id, result);
    return result;
  };
  for (const t of teams) visit(t.id, new Set());
  return out;
}
