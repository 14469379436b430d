import {
  goalProgress,
  type ProgressGoal,
  type ProgressMode,
  type ProgressView,
  paceAt,
} from '../../../shared/goal-progress.ts';
import { type MetricInfo, metricInfo } from '../../../shared/metrics-catalog.ts';
import {
  addDaysToDate,
  isAdditiveMetric,
  type MetricHistory,
  type SmartContext,
} from '../../../shared/smart-check.ts';
import { dateInZone, startOfDayInZone } from '../../../shared/time.ts';
import type { Executor } from '../../db/database.ts';
import { computeMetric, type MetricValue } from '../metrics/metrics.engine.ts';
import {
  latestManualValues,
  membersOfTeams,
  orgTeams,
  teamOfUser,
  weightedPipelineBefore,
} from './goals.repository.ts';
import type { GoalSettings } from './goals.schemas.ts';

/**
 * Progress of a goal computed from data: the metric engine over the goal's window for its owner
 * (a person, or every member of a team and the teams beneath it), never a number typed in. Manual
 * measures take their latest update. History for the SMART check comes from the same engine.
 */
export interface OrgContext {
  id: string;
  currency: string;
  timeZone: string;
  settings: GoalSettings;
}

export interface GoalShape {
  id?: string;
  owner_kind: 'user' | 'team';
  owner_user_id: string | null;
  owner_team_id: string | null;
  metric_key: string | null;
  baseline: number;
  target: number;
  start_date: string;
  deadline: string;
  currency: string | null;
}

const DAY_MS = 86_400_000;
/** History for the Achievable check: this many blocks of HISTORY_BLOCK_DAYS before the goal's start. */
export const HISTORY_BLOCKS = 6;
export const HISTORY_BLOCK_DAYS = 30;

/** [start of the first day, start of the day after the deadline) in the org's zone. */
export function goalWindow(goal: Pick<GoalShape, 'start_date' | 'deadline'>, timeZone: string) {
  return {
    start: startOfDayInZone(goal.start_date, timeZone),
    end: startOfDayInZone(addDaysToDate(goal.deadline, 1), timeZone),
  };
}

export function progressMode(info: MetricInfo | undefined): ProgressMode {
  if (!info) return 'manual';
  return isAdditiveMetric(info) ? 'cumulative' : 'level';
}

/** A team and every team beneath it. */
export async function teamTree(db: Executor, orgId: string, teamId: string): Promise<string[]> {
  const teams = await orgTeams(db, orgId);
  const ids = new Set<string>();
  const stack = [teamId];
  while (stack.length > 0) {
    const id = stack.pop()!;
    if (ids.has(id)) continue;
    ids.add(id);
    for (const t of teams) if (t.parent_team_id === id) stack.push(t.id);
  }
  return [...ids];
}

/** Whose data a goal measures: its owner, or the members of the team and the teams beneath it. */
export async function goalUserIds(db: Executor, orgId: string, goal: GoalShape): Promise<string[]> {
  if (goal.owner_kind === 'user') return [goal.owner_user_id!];
  const members = await membersOfTeams(db, orgId, await teamTree(db, orgId, goal.owner_team_id!));
  return [...new Set(members.map((m) => m.user_id))];
}

/**
 * One value for a group of people: sums for quantities (counts, money, pipeline), pooled ratios
 * (Σ numerators ÷ Σ denominators) for rates, the mean otherwise; null when nobody has a value.
 */
export function combineValues(info: MetricInfo, values: MetricValue[]): number | null {
  const quantity =
    (info.unit === 'count' || info.unit === 'money' || info.unit === 'money_per_day') &&
    info.key !== 'avg_deal_size';
  if (quantity) return values.reduce((s, v) => s + (v.value ?? 0), 0);
  if (values.length > 0 && values.every((v) => v.denominator !== undefined)) {
    const num = values.reduce((s, v) => s + (v.numerator ?? 0), 0);
    const den = values.reduce((s, v) => s + (v.denominator ?? 0), 0);
    if (den === 0) return null;
    const value = (num / den) * (info.unit === 'percent' ? 100 : 1);
    return info.key === 'avg_deal_size' ? Math.round(value) : value;
  }
  const present = values.filter((v) => v.value !== null).map((v) => v.value!);
  return present.length === 0 ? null : present.reduce((s, v) => s + v, 0) / present.length;
}

/** The metric over [from, to) for the group, combined. */
async function metricFor(
  db: Executor,
  org: OrgContext,
  info: MetricInfo,
  userIds: string[],
  from: number,
  to: number,
  now: number,
): Promise<number | null> {
  if (userIds.length === 0) return info.unit === 'count' || info.unit === 'money' ? 0 : null;
  const values = await computeMetric(db, info.key, {
    orgId: org.id,
    currency: org.currency,
    timeZone: org.timeZone,
    userIds,
    start: from,
    end: Math.max(from, to),
    now,
  });
  return combineValues(
    info,
    userIds.map((u) => values.get(u) ?? { value: null }),
  );
}

/** The goal's actual value with data up to `at`. */
export async function actualAt(
  db: Executor,
  org: OrgContext,
  goal: GoalShape & { id: string },
  userIds: string[],
  at: number,
): Promise<number> {
  const info = goal.metric_key ? metricInfo(goal.metric_key) : undefined;
  const { start, end } = goalWindow(goal, org.timeZone);
  if (!info) return (await latestManualValues(db, org.id, [goal.id], at)).get(goal.id) ?? goal.baseline;
  const mode = progressMode(info);
  if (at <= start && !info.snapshot) return mode === 'cumulative' ? 0 : goal.baseline;
  const value = await metricFor(db, org, info, userIds, start, Math.min(at, end), at);
  return value ?? (mode === 'cumulative' ? 0 : goal.baseline);
}

export function toProgressGoal(
  goal: GoalShape,
  checkpoints: readonly { date: string; target: number }[],
  timeZone: string,
): ProgressGoal {
  const info = goal.metric_key ? metricInfo(goal.metric_key) : undefined;
  const { start, end } = goalWindow(goal, timeZone);
  return {
    mode: progressMode(info),
    baseline: goal.baseline,
    target: goal.target,
    start,
    end,
    // A checkpoint's target applies at the end of its day.
    checkpoints: checkpoints.map((c) => ({
      at: startOfDayInZone(addDaysToDate(c.date, 1), timeZone),
      target: c.target,
    })),
  };
}

export interface ComputedProgress {
  mode: ProgressMode;
  view: ProgressView;
  pipelineBeforeDeadline: number | null;
}

/** Actual, pace, forecast and status of a goal at `now`. */
export async function computeProgress(
  db: Executor,
  org: OrgContext,
  goal: GoalShape & { id: string },
  checkpoints: readonly { date: string; target: number }[],
  now: number,
): Promise<ComputedProgress> {
  const pg = toProgressGoal(goal, checkpoints, org.timeZone);
  const userIds = goal.metric_key ? await goalUserIds(db, org.id, goal) : [];
  const actual = await actualAt(db, org, goal, userIds, now);
  const pipeline =
    goal.metric_key === 'revenue_won' && now < pg.end
      ? await weightedPipelineBefore(db, org.id, goal.currency ?? org.currency, userIds, goal.deadline)
      : null;
  const view = goalProgress(pg, { actual, now, pipelineBeforeDeadline: pipeline ?? 0 });
  return { mode: pg.mode, view, pipelineBeforeDeadline: pipeline };
}

/** Points for the progress chart: actual at up to `samples` dates so far, the pace line, the forecast line. */
export async function progressSeries(
  db: Executor,
  org: OrgContext,
  goal: GoalShape & { id: string },
  checkpoints: readonly { date: string; target: number }[],
  now: number,
  samples = 12,
) {
  const pg = toProgressGoal(goal, checkpoints, org.timeZone);
  const userIds = goal.metric_key ? await goalUserIds(db, org.id, goal) : [];
  const current = await computeProgress(db, org, goal, checkpoints, now);
  const last = Math.min(now, pg.end);
  // Evenly spaced over the whole goal, plus today and the checkpoints, so the chart reads as time.
  const instants = new Set<number>([pg.start, pg.end, last]);
  for (let i = 1; i < samples; i++) instants.add(Math.round(pg.start + ((pg.end - pg.start) * i) / samples));
  for (const c of pg.checkpoints) instants.add(c.at);
  const points = [];
  for (const at of [...instants].sort((a, b) => a - b)) {
    const past = at <= last;
    points.push({
      at: new Date(at).toISOString(),
      date: dateInZone(Math.min(at, pg.end - 1), org.timeZone),
      actual: past ? (at === last ? current.view.actual : await actualAt(db, org, goal, userIds, at)) : null,
      pace: paceAt(pg, at),
      // The forecast line runs from today's actual to the forecast at the deadline.
      forecast:
        at >= last
          ? last >= pg.end
            ? current.view.actual
            : current.view.actual +
              ((current.view.forecast - current.view.actual) * (at - last)) / Math.max(1, pg.end - last)
          : null,
    });
  }
  return { points };
}

/**
 * What the SMART check needs from data: the owner's values for the metric in HISTORY_BLOCKS blocks
 * of HISTORY_BLOCK_DAYS before the goal starts (blocks after they joined, or with data of theirs in
 * them), the team's values
 * as a fallback, and for revenue the weighted pipeline closing before the deadline and the owner's
 * win rate over the last 180 days.
 */
export async function smartData(
  db: Executor,
  org: OrgContext,
  goal: GoalShape,
  now: number,
): Promise<Pick<SmartContext, 'history' | 'teamHistory' | 'revenue'>> {
  const info = goal.metric_key ? metricInfo(goal.metric_key) : undefined;
  if (!info || info.snapshot) return { history: null, teamHistory: null, revenue: null };
  const ownerTeam =
    goal.owner_kind === 'team' ? goal.owner_team_id : await teamOfUser(db, org.id, goal.owner_user_id!);
  const teamIds = ownerTeam ? await teamTree(db, org.id, ownerTeam) : [];
  const members = await membersOfTeams(
    db,
    org.id,
    goal.owner_kind === 'team' ? teamIds : ownerTeam ? [ownerTeam] : [],
  );
  const joined = new Map(members.map((m) => [m.user_id, m.joined_at]));
  if (goal.owner_kind === 'user' && !joined.has(goal.owner_user_id!)) {
    const own = await db
      .selectFrom('memberships')
      .select('created_at')
      .where('org_id', '=', org.id)
      .where('user_id', '=', goal.owner_user_id!)
      .executeTakeFirst();
    if (own) joined.set(goal.owner_user_id!, own.created_at);
  }
  const people = [...joined.keys()];
  const start = isValidDate(goal.start_date)
    ? startOfDayInZone(goal.start_date, org.timeZone)
    : startOfDayInZone(dateInZone(now, org.timeZone), org.timeZone);
  const own: number[] = [];
  const team: number[] = [];
  for (let i = 0; i < HISTORY_BLOCKS; i++) {
    const to = start - i * HISTORY_BLOCK_DAYS * DAY_MS;
    const from = to - HISTORY_BLOCK_DAYS * DAY_MS;
    if (people.length === 0) break;
    const values = await computeMetric(db, info.key, {
      orgId: org.id,
      currency: org.currency,
      timeZone: org.timeZone,
      userIds: people,
      start: from,
      end: to,
      now,
    });
    // A block counts for someone who had joined by then, or who has data in it (imported history).
    const counts = (u: string) =>
      (joined.get(u) ?? Number.POSITIVE_INFINITY) <= from || (values.get(u)?.value ?? 0) !== 0;
    const present = people.filter(counts);
    if (present.length === 0) continue;
    if (goal.owner_kind === 'team') {
      const v = combineValues(
        info,
        present.map((u) => values.get(u) ?? { value: null }),
      );
      if (v !== null) own.push(v);
      continue;
    }
    for (const u of present) {
      const v = values.get(u)?.value ?? null;
      if (v === null) continue;
      if (u === goal.owner_user_id) own.push(v);
      else team.push(v);
    }
  }
  let revenue: SmartContext['revenue'] = null;
  if (info.key === 'revenue_won' && isValidDate(goal.deadline)) {
    const userIds =
      goal.owner_kind === 'user' ? [goal.owner_user_id!] : [...new Set(members.map((m) => m.user_id))];
    const weighted = await weightedPipelineBefore(db, org.id, org.currency, userIds, goal.deadline);
    const rate = await computeMetric(db, 'win_rate', {
      orgId: org.id,
      currency: org.currency,
      timeZone: org.timeZone,
      userIds,
      start: now - 180 * DAY_MS,
      end: now,
      now,
    });
    const pooled = combineValues(
      metricInfo('win_rate')!,
      userIds.map((u) => rate.get(u) ?? { value: null }),
    );
    revenue = { weightedPipelineMinor: weighted, winRate: pooled === null ? null : pooled / 100 };
  }
  return {
    history: own.length > 0 ? { periodDays: HISTORY_BLOCK_DAYS, values: own } : null,
    teamHistory: team.length > 0 ? ({ periodDays: HISTORY_BLOCK_DAYS, values: team } as MetricHistory) : null,
    revenue,
  };
}

function isValidDate(d: string | null | undefined): d is string {
  return typeof d === 'string' && /^\d{4}-\d{2}-\d{2}$/.test(d);
}
