import { metricInfo } from '../../../shared/metrics-catalog.ts';
import { mulDiv } from '../../../shared/money.ts';
import type { Period } from '../../../shared/periods.ts';
import { dateInZone, startOfDayInZone } from '../../../shared/time.ts';
import type { Executor } from '../../db/database.ts';
import { aggregationOf, loadOrgMetrics, type OrgMetric } from '../metrics/metric-registry.ts';
import { loadMetricSettings } from '../metrics/metric-settings.service.ts';
import { type PublishedPlaybookTarget, publishedPlaybookTargets } from '../playbooks/playbooks.repository.ts';
import { type TargetPerson, type TargetRow, targetPeople, targetsFor } from './targets.repository.ts';

/**
 * Effective targets: what a rep or team is measured against, computed when read (never stored):
 * - a rep's target × the org's ramp percent for the month of tenure the period starts in
 *   (tenure counted from the membership start in the org's zone; a period that starts before the
 *   rep joined counts as month 1); rounded half-even to a whole number (minor units for money);
 * - a team's target set directly wins; otherwise it is the sum of its members' effective targets
 *   plus its sub-teams' effective targets (null when none of them has one);
 * - a person without a target set for the period takes the playbook that applies to them
 *   (`playbookDefaults`: the version current at the period's end, ramped like any target); for a quarter or
 *   a year of a metric that sums over periods, the playbook's months (quarters) add up with the set
 *   ones — see `rolledUserTargets` and decision 008.
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
  // `YYYY-MM-DD` by position (called per person and metric on every KPI request).
  const part = (date: string, from: number, to: number) => Number(date.slice(from, to));
  const months = (part(onDate, 0, 4) - part(joinDate, 0, 4)) * 12 + part(onDate, 5, 7) - part(joinDate, 5, 7);
  return months - (part(onDate, 8, 10) < part(joinDate, 8, 10) ? 1 : 0);
}

/** The ramp percent for a rep who joined on `joinDate`, for a period starting on `periodStart`. */
export function rampPercent(ramp: readonly number[], joinDate: string, periodStart: string): number {
  const month = tenureMonthIndex(joinDate, periodStart);
  return month < ramp.length ? ramp[month]! : 100;
}

/**
 * A target × a ramp percent, rounded half-even: whole amounts (money in minor units, counts) to a
 * whole number, amounts with decimals (a 27.5 % rate) to 2 decimals.
 */
export function rampedAmount(amount: number, percent: number): number {
  if (percent === 100) return amount;
  if (Number.isInteger(amount)) return mulDiv(amount, percent, 100);
  return mulDiv(Math.round(amount * 100), percent, 100) / 100;
}

/**
 * How a target was obtained: set for the period itself, the sum of its months' / quarters', or the
 * default of the playbook that applies to the person (none of the others).
 */
export type TargetSource = 'set' | 'months' | 'quarters' | 'playbook';

export interface UserTarget {
  /** The stored target's id; null for a sum of shorter periods' targets. */
  targetId: string | null;
  /** The stored amount, or the sum of the stored amounts summed (before ramp). */
  amount: number;
  /**
   * The ramp percent `amount` was multiplied by: for a target of the period itself (set or from the
   * playbook) the percent for the month of tenure the period starts in; for a sum, the percent
   * every part with a target was ramped by, null when they differ (each part is ramped for its own
   * month of tenure).
   */
  rampPercent: number | null;
  effective: number;
  /**
   * Month of tenure (1 = first) at the start of the period; null when not read — the org has no
   * ramp and the target no playbook part, so tenure changes nothing (`effectiveTargetsLoader`).
   */
  tenureMonth: number | null;
  source: TargetSource;
  /**
   * For a sum: how many of the shorter periods have a target (the others count 0), of how many, and
   * how many of those with one take it from the playbook (none set for the person).
   */
  parts: { withTarget: number; of: number; fromPlaybook: number } | null;
  /**
   * For `source: 'playbook'`: the playbook whose current version sets it; for a sum with parts from
   * a playbook: that playbook, when they all come from one.
   */
  playbook?: { id: string; name: string };
}

/**
 * How a person's target was obtained, as the KPI answers (`targetBasis`) and the effective targets
 * (`basis`) give it: the source, the parts of a sum, the playbook, and the ramp — the amount before
 * ramp (`fullAmount`), the percent applied (null for a sum whose parts were ramped differently) and
 * the month of tenure at the period's start — so a rep sees what a manager's grid shows
 * ("50 % of $10,000, month 2 of ramp").
 */
export function userTargetBasis(t: UserTarget) {
  return {
    source: t.source,
    withTarget: t.parts?.withTarget ?? null,
    of: t.parts?.of ?? null,
    fromPlaybook: t.parts?.fromPlaybook ?? null,
    playbook: t.playbook ?? null,
    fullAmount: t.amount,
    rampPercent: t.rampPercent,
    tenureMonth: t.tenureMonth,
  };
}

/** A playbook's target for one person (before ramp). */
export interface PlaybookDefault {
  playbookId: string;
  playbookName: string;
  amount: number;
}

/**
 * Whether a published version's target counts for a period ending at `periodEnd` (epoch ms,
 * exclusive): the version that applies to a period is the one current at its end — the latest
 * published before that instant. A period that ended before the playbook's first publication takes
 * nothing from it, and a later version never rewrites the targets of a period that had ended when
 * it was published (an ended period's targets change only when an admin confirms: decision 005).
 * `Infinity`: the version current now.
 */
export function currentAt(
  r: Pick<PublishedPlaybookTarget, 'publishedAt' | 'supersededAt'>,
  periodEnd: number,
) {
  return r.publishedAt < periodEnd && (r.supersededAt === null || r.supersededAt >= periodEnd);
}

/**
 * The playbook target of a metric and period kind for each person, from the published playbook
 * targets (`publishedPlaybookTargets`), each playbook by its version current at the period's end
 * (`currentAt`; default: current now): a team playbook applies to the members of its team and of
 * the teams beneath it, a role playbook to everyone with the role (the same rule as
 * acknowledgements). When several apply, the most specific wins: a team playbook over a role
 * playbook, the nearest team over one further up; between equals, the latest published (then the
 * greater id, so the choice never depends on row order).
 */
export function playbookDefaults(
  rows: readonly PublishedPlaybookTarget[],
  people: ReadonlyMap<string, Pick<TargetPerson, 'role' | 'teamId'>>,
  metricKey: string,
  periodKind: string,
  periodEnd = Number.POSITIVE_INFINITY,
): Map<string, PlaybookDefault> {
  const wanted = rows.filter(
    (r) => r.metricKey === metricKey && r.periodKind === periodKind && currentAt(r, periodEnd),
  );
  const out = new Map<string, PlaybookDefault>();
  if (wanted.length === 0) return out;
  // Lower is more specific: team playbooks by depth, role playbooks after every team.
  const rank = (r: PublishedPlaybookTarget) => (r.scope === 'team' ? r.depth : Number.MAX_SAFE_INTEGER);
  const better = (a: PublishedPlaybookTarget, b: PublishedPlaybookTarget) =>
    rank(a) !== rank(b)
      ? rank(a) < rank(b)
      : a.publishedAt !== b.publishedAt
        ? a.publishedAt > b.publishedAt
        : a.playbookId > b.playbookId;
  const byTeam = new Map<string, PublishedPlaybookTarget[]>();
  const byRole = new Map<string, PublishedPlaybookTarget[]>();
  for (const r of wanted) {
    const [index, key] = r.scope === 'team' ? [byTeam, r.teamId ?? ''] : [byRole, r.role ?? ''];
    index.set(key, [...(index.get(key) ?? []), r]);
  }
  for (const [user, p] of people) {
    let best: PublishedPlaybookTarget | undefined;
    for (const r of [...(p.teamId ? (byTeam.get(p.teamId) ?? []) : []), ...(byRole.get(p.role) ?? [])])
      if (!best || better(r, best)) best = r;
    if (best)
      out.set(user, { playbookId: best.playbookId, playbookName: best.playbookName, amount: best.amount });
  }
  return out;
}

type SpanKind = 'week' | 'month' | 'quarter' | 'year';

/** `YYYY-MM-DD` (a first of month) plus whole months. */
function plusMonths(date: string, months: number): string {
  const [y, m] = date.split('-').map(Number) as [number, number];
  const index = y * 12 + (m - 1) + months;
  return `${String(Math.floor(index / 12)).padStart(4, '0')}-${String((index % 12) + 1).padStart(2, '0')}-01`;
}

/** The instant a period ends (exclusive), in the org's zone. */
export function periodEndInstant(kind: SpanKind, startDate: string, timeZone: string): number {
  let end: string;
  if (kind === 'week') {
    const [y, m, d] = startDate.split('-').map(Number) as [number, number, number];
    end = new Date(Date.UTC(y, m - 1, d + 7)).toISOString().slice(0, 10);
  } else end = plusMonths(startDate, kind === 'month' ? 1 : kind === 'quarter' ? 3 : 12);
  return startOfDayInZone(end, timeZone);
}

/**
 * The shorter periods a period's target defaults to the sum of: a quarter's 3 months, a year's 4
 * quarters (fiscal: they start at the year's start, whatever month that is). Weeks and months have
 * none (weeks straddle months, so a month is never a sum of weeks).
 */
export function subPeriods(
  kind: SpanKind,
  startDate: string,
): { kind: 'month' | 'quarter'; starts: string[] } | null {
  if (kind === 'quarter') return { kind: 'month', starts: [0, 1, 2].map((i) => plusMonths(startDate, i)) };
  if (kind === 'year') return { kind: 'quarter', starts: [0, 3, 6, 9].map((i) => plusMonths(startDate, i)) };
  return null;
}

/**
 * What to read for a period's targets: the period itself, and for a quarter its months, for a year
 * its quarters and months — every kind starting inside [start, endDate). Null: the period alone.
 */
export function targetSpan(
  kind: SpanKind,
  startDate: string,
): { kinds: ('month' | 'quarter' | 'year')[]; endDate: string } | null {
  if (kind === 'quarter') return { kinds: ['quarter', 'month'], endDate: plusMonths(startDate, 3) };
  if (kind === 'year') return { kinds: ['year', 'quarter', 'month'], endDate: plusMonths(startDate, 12) };
  return null;
}

/** Exact sums of amounts with at most two decimals (money and counts are whole). */
function addAmounts(values: number[]): number {
  if (values.every(Number.isInteger)) return values.reduce((a, b) => a + b, 0);
  return values.reduce((a, b) => a + Math.round(b * 100), 0) / 100;
}

export interface PeriodTargetRow {
  id: string;
  subject_id: string;
  amount: number;
  period_kind: string;
  period_start: string;
}

/**
 * The playbook defaults of one metric for a period of a kind ending at `end` (`playbookDefaults`):
 * a quarter or a year reads its months' and quarters' defaults too, each by the version current at
 * that month's (quarter's) end.
 */
export type PlaybookDefaultsOf = (kind: SpanKind, end: number) => ReadonlyMap<string, PlaybookDefault>;

/** `playbookDefaults` of a metric for each period kind and end asked, memoised. */
export function playbookDefaultsOf(
  rows: readonly PublishedPlaybookTarget[],
  people: ReadonlyMap<string, Pick<TargetPerson, 'role' | 'teamId'>>,
  metricKey: string,
): PlaybookDefaultsOf {
  const memo = new Map<string, Map<string, PlaybookDefault>>();
  return (kind, end) => {
    const key = `${kind}|${end}`;
    let got = memo.get(key);
    if (!got) {
      got = playbookDefaults(rows, people, metricKey, kind, end);
      memo.set(key, got);
    }
    return got;
  };
}

/**
 * Effective user targets of a period from the rows of the period and of the periods inside it
 * (`targetSpan`) and the playbook defaults of each period kind (decision 008), per person:
 * - a target set for the period wins;
 * - else, when `sumsOverPeriods` (see `TargetSums.periods`) and some month (quarter, month) inside
 *   the period has a target set for the person, a quarter is the sum over its months of (set month
 *   ?? playbook month) — each ramped for its own month of tenure — and a year the sum over its
 *   quarters of their effective targets by this same rule; a part without either counts 0;
 * - else the playbook's target of the period's own kind, ramped for the period's month of tenure;
 *   each period (and each month or quarter inside it) takes the playbook version current at its own
 *   end (`currentAt`): a quarter summed from playbook months may mix versions, month by month;
 * - else (summing metrics) the sum of the parts' playbook-derived targets: a quarter of the
 *   playbook's monthly targets, a year of its quarters' (each the playbook's quarterly target, else
 *   its months').
 * Metrics that never sum over periods take set ?? playbook of the period's kind. `playbook`: the
 * defaults per kind (`playbookDefaultsOf`), or one map for the period's own kind only.
 */
export function rolledUserTargets(
  rows: readonly PeriodTargetRow[],
  starts: ReadonlyMap<string, number>,
  ramp: readonly number[],
  timeZone: string,
  period: { kind: SpanKind; startDate: string },
  sumsOverPeriods: boolean,
  playbook: ReadonlyMap<string, PlaybookDefault> | PlaybookDefaultsOf = new Map(),
): Map<string, UserTarget> {
  const noDefaults: ReadonlyMap<string, PlaybookDefault> = new Map();
  const defaultsOf: PlaybookDefaultsOf =
    typeof playbook === 'function' ? playbook : (kind) => (kind === period.kind ? playbook : noDefaults);
  const byKey = new Map<string, PeriodTargetRow>();
  for (const r of rows) byKey.set(`${r.period_kind}|${r.period_start}|${r.subject_id}`, r);
  const rampedAt = (user: string, amount: number, start: string): UserTarget =>
    userTargetsFrom([{ id: '', subject_id: user, amount }], starts, ramp, timeZone, start).get(user)!;
  // Whether the person has a target set for the period or for a period inside it that sums into it.
  const hasSet = (kind: SpanKind, start: string, user: string): boolean => {
    if (byKey.has(`${kind}|${start}|${user}`)) return true;
    const sub = sumsOverPeriods ? subPeriods(kind, start) : null;
    return sub?.starts.some((s) => hasSet(sub.kind, s, user)) ?? false;
  };
  const endOf = (kind: SpanKind, start: string) => periodEndInstant(kind, start, timeZone);
  const fromPlaybook = (kind: SpanKind, start: string, user: string): UserTarget | null => {
    const d = defaultsOf(kind, endOf(kind, start)).get(user);
    if (!d) return null;
    const t = rampedAt(user, d.amount, start);
    return { ...t, targetId: null, source: 'playbook', playbook: { id: d.playbookId, name: d.playbookName } };
  };
  const summed = (kind: SpanKind, start: string, user: string): UserTarget | null => {
    const sub = subPeriods(kind, start);
    if (!sub) return null;
    const got = sub.starts.map((s) => at(sub.kind, s, user)).filter((t): t is UserTarget => t !== null);
    if (got.length === 0) return null;
    const fromMonths = sub.kind === 'month' || got.every((t) => t.source === 'months');
    // A part wholly from the playbook: its own playbook target, or a sum of playbook targets only.
    const wholly = (t: UserTarget) =>
      t.source === 'playbook' || (t.parts !== null && t.parts.fromPlaybook === t.parts.of);
    const parts =
      fromMonths && sub.kind === 'quarter'
        ? {
            withTarget: got.reduce((n, t) => n + (t.parts?.withTarget ?? 0), 0),
            of: 12,
            fromPlaybook: got.reduce((n, t) => n + (t.parts?.fromPlaybook ?? 0), 0),
          }
        : { withTarget: got.length, of: sub.starts.length, fromPlaybook: got.filter(wholly).length };
    const playbooks = new Map(got.flatMap((t) => (t.playbook ? [[t.playbook.id, t.playbook] as const] : [])));
    const probe = rampedAt(user, 0, start);
    const percent = got[0]!.rampPercent;
    return {
      targetId: null,
      amount: addAmounts(got.map((t) => t.amount)),
      rampPercent: got.every((t) => t.rampPercent === percent) ? percent : null,
      effective: addAmounts(got.map((t) => t.effective)),
      tenureMonth: probe.tenureMonth,
      source: fromMonths ? 'months' : 'quarters',
      parts,
      // The playbook the parts from a playbook come from, when they all come from one.
      ...(playbooks.size === 1 ? { playbook: [...playbooks.values()][0]! } : {}),
    };
  };
  const at = (kind: SpanKind, start: string, user: string): UserTarget | null => {
    const own = byKey.get(`${kind}|${start}|${user}`);
    if (own) return userTargetsFrom([own], starts, ramp, timeZone, start).get(user)!;
    if (!sumsOverPeriods) return fromPlaybook(kind, start, user);
    if (subPeriods(kind, start) && hasSet(kind, start, user)) return summed(kind, start, user);
    return fromPlaybook(kind, start, user) ?? summed(kind, start, user);
  };
  // Everyone with a row in the span or a playbook default of the period or of a period inside it.
  const users = new Set(rows.map((r) => r.subject_id));
  const withDefaults = (kind: SpanKind, start: string) => {
    for (const u of defaultsOf(kind, endOf(kind, start)).keys()) users.add(u);
    const sub = sumsOverPeriods ? subPeriods(kind, start) : null;
    for (const s of sub?.starts ?? []) withDefaults(sub!.kind, s);
  };
  withDefaults(period.kind, period.startDate);
  const out = new Map<string, UserTarget>();
  for (const user of users) {
    const t = at(period.kind, period.startDate, user);
    if (t) out.set(user, t);
  }
  return out;
}

function startsOf(people: ReadonlyMap<string, TargetPerson>): Map<string, number> {
  return new Map([...people].map(([u, p]) => [u, p.start]));
}

/** Whether targets of a metric add up over periods, for built-ins by key and custom metrics by definition. */
async function periodSumsOf(db: Executor, orgId: string, metricKey: string): Promise<boolean> {
  const builtin = metricInfo(metricKey);
  if (builtin)
    return targetSumsOf({ key: metricKey, spec: null, snapshot: builtin.snapshot ?? false }).periods;
  const m = (await loadOrgMetrics(db, orgId)).find((x) => x.key === metricKey);
  return m ? targetSumsOf(m).periods : false;
}

/** The effective targets of a metric for users over a period: a few queries whatever the number of users. */
export async function effectiveUserTargets(
  db: Executor,
  org: { id: string; timeZone: string },
  userIds: string[],
  metricKey: string,
  period: Pick<Period, 'kind' | 'startDate'>,
): Promise<Map<string, UserTarget>> {
  if (userIds.length === 0) return new Map();
  const sums = await periodSumsOf(db, org.id, metricKey);
  const within = sums ? targetSpan(period.kind, period.startDate) : null;
  const [rows, people, playbooks, settings] = await Promise.all([
    targetsFor(db, org.id, period, [{ type: 'user', ids: userIds }], [metricKey], within ? { within } : {}),
    targetPeople(db, org.id, userIds),
    publishedPlaybookTargets(db, org.id),
    loadMetricSettings(db, org.id),
  ]);
  const defaults = playbookDefaultsOf(playbooks, people, metricKey);
  return rolledUserTargets(rows, startsOf(people), settings.ramp, org.timeZone, period, sums, defaults);
}

/**
 * Effective user targets for the metrics and people of one request, read lazily per period: one
 * query for every metric's targets of a period (with its months and quarters for a quarter or a
 * year, see `rolledUserTargets`), the published playbook targets once (`publishedPlaybookTargets`: the
 * default quotas of the people a playbook applies to), and the people's membership starts, roles
 * and teams (ramp, which playbook applies) once and only when some target or playbook target
 * exists. `ramp` is the org's ramp setting when the caller has it already; `sumsOverPeriods` says
 * which metrics' targets add up over periods (`TargetSums.periods`).
 */
export function effectiveTargetsLoader(
  db: Executor,
  org: { id: string; timeZone: string },
  userIds: string[],
  metricKeys: readonly string[],
  ramp: readonly number[] | undefined,
  sumsOverPeriods: (metricKey: string) => boolean,
  /** The org's published playbook targets when the caller has them already (else read once if needed). */
  playbookTargets?: PublishedPlaybookTarget[],
): (
  metricKey: string,
  period: Pick<Period, 'kind' | 'startDate'>,
) => Promise<ReadonlyMap<string, Readonly<UserTarget>>> {
  const keys = [...new Set(metricKeys)];
  const byPeriod = new Map<string, Promise<TargetRow[]>>();
  let playbooks: Promise<PublishedPlaybookTarget[]> | undefined = playbookTargets
    ? Promise.resolve(playbookTargets)
    : undefined;
  let people: Promise<{ all: Map<string, TargetPerson>; starts: Map<string, number> }> | undefined;
  let rampOf: Promise<readonly number[]> | undefined;
  // Each metric's targets of a period worked out once per request: quota attainment and pipeline
  // coverage ask for the revenue targets the revenue metric asks for too.
  const done = new Map<string, Promise<Map<string, UserTarget>>>();
  const load = async (
    metricKey: string,
    period: Pick<Period, 'kind' | 'startDate'>,
  ): Promise<Map<string, UserTarget>> => {
    if (userIds.length === 0) return new Map();
    if (!keys.includes(metricKey)) return effectiveUserTargets(db, org, userIds, metricKey, period);
    const periodKey = `${period.kind}|${period.startDate}`;
    let rows = byPeriod.get(periodKey);
    if (!rows) {
      // Read by every KPI request: from the coherent read cache while nothing changed (SQLite).
      // Quarters and years read their months (and quarters) too, for every metric at once.
      const within = targetSpan(period.kind, period.startDate);
      rows = targetsFor(db, org.id, period, [{ type: 'user', ids: userIds }], keys, {
        cached: true,
        ...(within ? { within } : {}),
      });
      byPeriod.set(periodKey, rows);
    }
    playbooks ??= publishedPlaybookTargets(db, org.id);
    const [all, pb] = await Promise.all([rows, playbooks]);
    const mine = all.filter((r) => r.metric_key === metricKey);
    const sums = sumsOverPeriods(metricKey);
    // The playbook targets that can count: of the period's kind, and of the kinds summed into it.
    const kinds = new Set<string>([
      period.kind,
      ...(sums ? (targetSpan(period.kind, period.startDate)?.kinds ?? []) : []),
    ]);
    const fromPlaybooks = pb.some((t) => t.metricKey === metricKey && kinds.has(t.periodKind));
    if (mine.length === 0 && !fromPlaybooks) return new Map();
    rampOf ??= ramp ? Promise.resolve(ramp) : loadMetricSettings(db, org.id).then((m) => m.ramp);
    // Without a ramp, tenure changes nothing, and without playbook targets neither do roles and
    // teams: no need to read the people (one round trip less for an org that does not ramp).
    if (!fromPlaybooks && (await rampOf).length === 0) {
      const targets = rolledUserTargets(mine, new Map(), [], org.timeZone, period, sums, new Map());
      for (const t of targets.values()) t.tenureMonth = null;
      return targets;
    }
    people ??= targetPeople(db, org.id, userIds).then((all) => ({ all, starts: startsOf(all) }));
    const [p, r] = await Promise.all([people, rampOf]);
    const defaults = fromPlaybooks ? playbookDefaultsOf(pb, p.all, metricKey) : new Map();
    return rolledUserTargets(mine, p.starts, r, org.timeZone, period, sums, defaults);
  };
  return (metricKey, period) => {
    const key = `${metricKey}|${period.kind}|${period.startDate}`;
    let got = done.get(key);
    if (!got) {
      got = load(metricKey, period);
      done.set(key, got);
    }
    return got;
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
      source: 'set',
      parts: null,
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
  /**
   * direct: set on the team for the period; months / quarters: the sum of the team's own targets of
   * the period's months / quarters; sum: the sum beneath; none: no target.
   */
  source: 'direct' | 'months' | 'quarters' | 'sum' | 'none';
}

/**
 * Effective team targets over a team tree, bottom-up. `addsUp` (see `TargetSums.people`): whether a
 * team without a target of its own defaults to the sum beneath it; when false (rates) only a
 * target set on the team counts and `sum` stays null. `rolled`: a team's target of its own from the
 * period's months or quarters (see `rolledTeamTargets`), used when none is set for the period.
 */
export function teamTargetsFrom(
  teams: { id: string; parent_team_id: string | null }[],
  members: { team_id: string; user_id: string }[],
  direct: ReadonlyMap<string, { id: string; amount: number }>,
  users: ReadonlyMap<string, UserTarget>,
  addsUp: boolean,
  rolled: ReadonlyMap<string, { effective: number; source: 'months' | 'quarters' }> = new Map(),
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
    const beneath: number[] = [];
    for (const u of addsUp ? (membersOf.get(id) ?? []) : []) {
      const t = users.get(u);
      if (t) beneath.push(t.effective);
    }
    for (const c of children.get(id) ?? []) {
      if (seen.has(c)) continue;
      const t = visit(c, seen);
      if (addsUp && t.effective !== null) beneath.push(t.effective);
    }
    const sum = beneath.length ? addAmounts(beneath) : null;
    const d = direct.get(id);
    const r = rolled.get(id);
    const result: TeamTarget = d
      ? { targetId: d.id, direct: Number(d.amount), sum, effective: Number(d.amount), source: 'direct' }
      : r
        ? { targetId: null, direct: null, sum, effective: r.effective, source: r.source }
        : { targetId: null, direct: null, sum, effective: sum, source: sum === null ? 'none' : 'sum' };
    out.set(id, result);
    return result;
  };
  for (const t of teams) visit(t.id, new Set());
  return out;
}

/**
 * Effective team targets of a period, each team after its own rules: a target set on the team for
 * the period wins; else — for a metric whose targets add up over periods, in a quarter or a year —
 * when the team has targets of its own in some of the period's months (quarters), the sum of the
 * team's effective targets of those months (quarters), a month without one counting its sum
 * beneath; else the sum beneath (`addsUp`): its people's and sub-teams' effective targets of the
 * period, themselves set or summed from their months. `teamRows`: the team targets of the period
 * and of the periods inside it (`targetSpan`); `users(kind, start)`: users' effective targets.
 */
export function rolledTeamTargets(
  teams: { id: string; parent_team_id: string | null }[],
  members: { team_id: string; user_id: string }[],
  teamRows: readonly PeriodTargetRow[],
  users: (kind: SpanKind, startDate: string) => ReadonlyMap<string, UserTarget>,
  period: { kind: SpanKind; startDate: string },
  sums: TargetSums,
): Map<string, TeamTarget> {
  const at = (kind: SpanKind, start: string): { targets: Map<string, TeamTarget>; own: Set<string> } => {
    const direct = new Map(
      teamRows
        .filter((r) => r.period_kind === kind && r.period_start === start)
        .map((r) => [r.subject_id, { id: r.id, amount: Number(r.amount) }]),
    );
    const own = new Set(direct.keys());
    const rolled = new Map<string, { effective: number; source: 'months' | 'quarters' }>();
    const sub = sums.periods ? subPeriods(kind, start) : null;
    if (sub) {
      const parts = sub.starts.map((s) => at(sub.kind, s));
      for (const t of teams) {
        if (own.has(t.id) || !parts.some((p) => p.own.has(t.id))) continue;
        own.add(t.id);
        const values = parts
          .map((p) => p.targets.get(t.id)?.effective ?? null)
          .filter((v): v is number => v !== null);
        const fromMonths =
          sub.kind === 'month' ||
          parts.every((p) => !p.own.has(t.id) || p.targets.get(t.id)?.source === 'months');
        rolled.set(t.id, { effective: addAmounts(values), source: fromMonths ? 'months' : 'quarters' });
      }
    }
    return { targets: teamTargetsFrom(teams, members, direct, users(kind, start), sums.people, rolled), own };
  };
  return at(period.kind, period.startDate).targets;
}
