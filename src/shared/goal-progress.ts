/**
 * Pace, forecast and status of a goal from its actual value at an instant: pure, so the server
 * computes it for the API and notifications and the web app draws the same lines in its chart.
 *
 * Three kinds of goals:
 * - `cumulative`: additive metrics (revenue won, visits…) count from zero at the start; the pace is
 *   a straight line from 0 to the target (or through the checkpoints); the forecast is the run rate
 *   (actual ÷ elapsed share of the time) plus, for revenue, the weighted open pipeline closing
 *   before the deadline.
 * - `level`: rates and averages (win rate, cycle length…) move from the baseline to the target; the
 *   forecast is the current level.
 * - `manual`: a manual measure moves from the baseline to the target by updates; run-rate forecast.
 */
export type ProgressMode = 'cumulative' | 'level' | 'manual';
export type GoalStatus = 'on_track' | 'at_risk' | 'off_track' | 'achieved' | 'missed';

/** Statuses from worst to best: a higher actual never moves a goal down this list at a fixed date. */
export const statusRank: Record<GoalStatus, number> = {
  missed: 0,
  off_track: 1,
  at_risk: 2,
  on_track: 3,
  achieved: 4,
};

/** Being this share of the distance (or less) behind pace still counts as on track: day one is not a crisis. */
export const PACE_TOLERANCE = 0.05;
/** A forecast reaching at least this share of the distance to the target is "at risk", not "off track". */
export const AT_RISK_SHARE = 0.8;

export interface ProgressGoal {
  mode: ProgressMode;
  baseline: number;
  target: number;
  /** Epoch ms: start of the first day and end of the deadline day (exclusive). */
  start: number;
  end: number;
  /** Intermediate targets at instants strictly between start and end, any order. */
  checkpoints: readonly { at: number; target: number }[];
}

export interface ProgressInput {
  actual: number;
  now: number;
  /** Added to the run-rate forecast of cumulative revenue goals. */
  pipelineBeforeDeadline?: number;
}

export interface ProgressView {
  actual: number;
  /** Where the goal should be by `now` on its path. */
  pace: number;
  forecast: number;
  /** Share of the distance from origin to target covered (1 = target reached); may exceed 1. */
  progress: number;
  elapsed: number;
  status: GoalStatus;
  reason: string;
}

function origin(goal: ProgressGoal): number {
  return goal.mode === 'cumulative' ? 0 : goal.baseline;
}

/** Elapsed share of the goal's time at `now`, 0–1. */
export function elapsedShare(goal: ProgressGoal, now: number): number {
  if (now <= goal.start) return 0;
  if (now >= goal.end) return 1;
  return (now - goal.start) / (goal.end - goal.start);
}

/** The path's value at `at`: straight from the origin to the target, or through the checkpoints. */
export function paceAt(goal: ProgressGoal, at: number): number {
  const points = [
    { at: goal.start, value: origin(goal) },
    ...[...goal.checkpoints]
      .filter((c) => c.at > goal.start && c.at < goal.end)
      .sort((a, b) => a.at - b.at)
      .map((c) => ({ at: c.at, value: c.target })),
    { at: goal.end, value: goal.target },
  ];
  if (at <= goal.start) return points[0]!.value;
  if (at >= goal.end) return goal.target;
  for (let i = 1; i < points.length; i++) {
    const a = points[i - 1]!;
    const b = points[i]!;
    if (at <= b.at) return a.value + ((b.value - a.value) * (at - a.at)) / (b.at - a.at);
  }
  return goal.target;
}

/** Share of the way from origin to target that `value` stands at (direction-aware through the sign). */
export function progressShare(goal: ProgressGoal, value: number): number {
  const from = origin(goal);
  const span = goal.target - from;
  if (span === 0) return value === goal.target ? 1 : 0;
  return (value - from) / span;
}

/** The target is reached; the sign of (target − origin) carries the direction. */
function reached(goal: ProgressGoal, value: number): boolean {
  return progressShare(goal, value) >= 1;
}

export function forecastAt(goal: ProgressGoal, input: ProgressInput): number {
  const elapsed = elapsedShare(goal, input.now);
  if (goal.mode === 'level') return input.actual;
  if (elapsed >= 1) return input.actual;
  const from = origin(goal);
  const runRate = elapsed <= 0 ? input.actual : from + (input.actual - from) / elapsed;
  return goal.mode === 'cumulative' ? runRate + (input.pipelineBeforeDeadline ?? 0) : runRate;
}

function pct(x: number): string {
  return `${Math.round(x * 100)}%`;
}

/**
 * Pace, forecast and status at `now`. Rules, in order: after the deadline, achieved or missed;
 * target already reached by a cumulative or manual goal: achieved; nothing elapsed yet: on track;
 * actual at pace (within PACE_TOLERANCE), or forecast reaching the target: on track; forecast reaching
 * AT_RISK_SHARE of the way: at risk; else off track. Each step only improves with a higher actual
 * (for a fixed date), which keeps the status monotone in progress.
 */
export function goalProgress(goal: ProgressGoal, input: ProgressInput): ProgressView {
  const elapsed = elapsedShare(goal, input.now);
  const pace = paceAt(goal, input.now);
  const forecast = forecastAt(goal, input);
  const progress = progressShare(goal, input.actual);
  const paceShare = progressShare(goal, pace);
  const forecastShare = progressShare(goal, forecast);
  const view = (status: GoalStatus, reason: string): ProgressView => ({
    actual: input.actual,
    pace,
    forecast,
    progress,
    elapsed,
    status,
    reason,
  });
  if (input.now >= goal.end)
    return reached(goal, input.actual)
      ? view('achieved', `Target reached by the deadline (${pct(progress)} of the way).`)
      : view('missed', `The deadline passed at ${pct(progress)} of the way to the target.`);
  if (goal.mode !== 'level' && reached(goal, input.actual))
    return view('achieved', `Target reached early, with ${pct(1 - elapsed)} of the time left.`);
  if (elapsed <= 0) return view('on_track', 'The goal has not started yet.');
  if (progress >= paceShare - PACE_TOLERANCE)
    return view(
      'on_track',
      `${pct(progress)} of the way with ${pct(elapsed)} of the time gone: on pace (${pct(paceShare)}).`,
    );
  if (forecastShare >= 1)
    return view(
      'on_track',
      `Behind pace (${pct(progress)} vs ${pct(paceShare)}), but the forecast reaches the target (${pct(forecastShare)}).`,
    );
  if (forecastShare >= AT_RISK_SHARE)
    return view(
      'at_risk',
      `Behind pace (${pct(progress)} vs ${pct(paceShare)}); the forecast reaches ${pct(forecastShare)} of the target.`,
    );
  return view(
    'off_track',
    `Well behind pace (${pct(progress)} vs ${pct(paceShare)}); the forecast reaches only ${pct(forecastShare)} of the target.`,
  );
}
