import { type MetricInfo, metricInfo } from './metrics-catalog.ts';

/**
 * The SMART check of a goal: pure and deterministic, so the web app runs it on every keystroke and
 * the server runs the very same function on save (with history and pipeline it looked up). Each
 * letter gets a verdict and one sentence saying why and how to fix it. Failures block agreement;
 * warnings never block anything.
 */
export type Verdict = 'pass' | 'warn' | 'fail';
export type SmartLetter = 'S' | 'M' | 'A' | 'R' | 'T';
export const smartLetters: readonly SmartLetter[] = ['S', 'M', 'A', 'R', 'T'];

export type SupportKind = 'goal' | 'objective' | 'playbook_target';

export interface SmartDraft {
  title: string;
  ownerKind: 'user' | 'team';
  /** A catalog metric key, or null for a manual measure. */
  metricKey: string | null;
  /** For manual measures: the unit counted and what "done" means. */
  manualUnit?: string | null;
  doneCriterion?: string | null;
  baseline: number | null;
  target: number | null;
  /** 'YYYY-MM-DD' calendar dates in the org's zone; the deadline is the goal's last day. */
  startDate: string | null;
  deadline: string | null;
  checkpoints?: readonly { date: string; target: number }[];
  supports?: { kind: SupportKind; id: string } | null;
}

/** One stretch of history: the metric's value in each past period of `periodDays` days. */
export interface MetricHistory {
  periodDays: number;
  values: readonly number[];
}

export interface SmartContext {
  /** Today in the org's zone, 'YYYY-MM-DD'. */
  today: string;
  /** The org's goal horizon: no deadline further than this many days from today. */
  horizonDays: number;
  /** A target above the best ever result × this factor fails the Achievable check. */
  achievableFactor: number;
  /** ISO currency of money metrics (display only). */
  currency?: string;
  /** The owner's own history for the metric; null or empty when they have none. */
  history?: MetricHistory | null;
  /** The team's distribution (every member's periods), used when the owner has no history. */
  teamHistory?: MetricHistory | null;
  /** Revenue goals: weighted open pipeline (minor units) closing before the deadline and the owner's win rate (0–1). */
  revenue?: { weightedPipelineMinor: number; winRate: number | null } | null;
  /** What `supports` points at, looked up by the caller; null when it was not found. */
  link?: { title: string; active: boolean } | null;
}

export interface SmartItem {
  letter: SmartLetter;
  verdict: Verdict;
  message: string;
}

export interface SmartResult {
  items: SmartItem[];
  /** True when any letter fails: the goal can be saved as a draft but not agreed. */
  blocking: boolean;
}

/** Days a goal needs before it must have a checkpoint ("longer than a month"). */
export const CHECKPOINT_AFTER_DAYS = 31;
/** Fewer days than this left before the deadline earns a warning. */
export const SHORT_NOTICE_DAYS = 7;

const DAY_MS = 86_400_000;

const stopWords = new Set([
  'a',
  'an',
  'the',
  'to',
  'and',
  'or',
  'of',
  'in',
  'on',
  'at',
  'for',
  'with',
  'by',
  'my',
  'our',
  'your',
  'i',
  'we',
  'be',
  'is',
  'it',
  'this',
  'that',
]);

/** Words that say nothing concrete on their own: a title made only of these is vague. */
const vagueWords = new Set([
  'do',
  'doing',
  'better',
  'best',
  'more',
  'most',
  'improve',
  'improving',
  'improvement',
  'increase',
  'grow',
  'growth',
  'boost',
  'sales',
  'sell',
  'selling',
  'revenue',
  'business',
  'performance',
  'results',
  'numbers',
  'good',
  'great',
  'well',
  'work',
  'harder',
  'hard',
  'try',
  'get',
  'overall',
  'general',
  'stuff',
  'things',
  'quality',
  'some',
  'lot',
  'lots',
  'much',
  'really',
  'very',
  'goal',
  'focus',
  'effort',
  'succeed',
  'success',
  'up',
]);

function words(title: string): string[] {
  return title
    .toLowerCase()
    .split(/[^\p{L}\p{N}%]+/u)
    .filter((w) => w.length > 0);
}

/** A valid calendar date 'YYYY-MM-DD'. */
export function isIsoDate(value: string | null | undefined): value is string {
  if (!value || !/^\d{4}-\d{2}-\d{2}$/.test(value)) return false;
  const [y, m, d] = value.split('-').map(Number) as [number, number, number];
  const t = new Date(Date.UTC(y, m - 1, d));
  return t.getUTCFullYear() === y && t.getUTCMonth() === m - 1 && t.getUTCDate() === d;
}

function dayNumber(date: string): number {
  const [y, m, d] = date.split('-').map(Number) as [number, number, number];
  return Date.UTC(y, m - 1, d) / DAY_MS;
}

/** Whole days from `a` to `b` (negative when b is earlier). */
export function daysBetween(a: string, b: string): number {
  return dayNumber(b) - dayNumber(a);
}

export function addDaysToDate(date: string, days: number): string {
  return new Date((dayNumber(date) + days) * DAY_MS).toISOString().slice(0, 10);
}

/** The goal's length in days, deadline included: 2026-01-01 → 2026-01-31 is 31 days. */
export function goalLengthDays(startDate: string, deadline: string): number {
  return daysBetween(startDate, deadline) + 1;
}

/**
 * Metrics whose values add up over time and across people (counts and sums over a period): their
 * goals count from zero at the start, scale with the goal's length and roll up by summing.
 */
export function isAdditiveMetric(info: MetricInfo): boolean {
  return (info.unit === 'count' || info.unit === 'money') && !info.snapshot && info.key !== 'avg_deal_size';
}

function group(int: string): string {
  return int.replace(/\B(?=(\d{3})+(?!\d))/g, ',');
}

/** Fixed, locale-free formatting so the same input gives the same sentence everywhere. */
export function formatNumber(value: number, maxDecimals = 2): string {
  const negative = value < 0;
  const fixed = Math.abs(value).toFixed(maxDecimals);
  const [intPart, frac = ''] = fixed.split('.') as [string, string?];
  const trimmed = frac.replace(/0+$/, '');
  return `${negative ? '-' : ''}${group(intPart)}${trimmed ? `.${trimmed}` : ''}`;
}

/** A metric value with its unit, e.g. "12 visits", "USD 1,500.00", "35%". Money is in minor units. */
export function formatValue(
  value: number,
  info: MetricInfo | null,
  options: { currency?: string; manualUnit?: string | null } = {},
): string {
  if (!info) return `${formatNumber(value)}${options.manualUnit ? ` ${options.manualUnit}` : ''}`;
  switch (info.unit) {
    case 'money':
      return `${options.currency ? `${options.currency} ` : ''}${formatMoneyMinor(value)}`;
    case 'money_per_day':
      return `${options.currency ?? ''}${options.currency ? ' ' : ''}${formatNumber(value / 100)} per day`;
    case 'percent':
      return `${formatNumber(value, 1)}%`;
    case 'days':
      return `${formatNumber(value, 1)} days`;
    case 'count':
      return `${formatNumber(value)} ${info.name.toLowerCase()}`;
    case 'ratio':
      return formatNumber(value);
    default: {
      const never: never = info.unit;
      throw new Error(`unknown unit ${String(never)}`);
    }
  }
}

/** Minor units as major units with two decimals, e.g. 150000 → "1,500.00". */
export function formatMoneyMinor(minor: number): string {
  const [intPart, frac] = (Math.abs(minor) / 100).toFixed(2).split('.') as [string, string];
  return `${minor < 0 ? '-' : ''}${group(intPart)}.${frac}`;
}

/** Linear-interpolated percentile (p in 0–1) of unsorted values; undefined for an empty list. */
export function percentile(values: readonly number[], p: number): number | undefined {
  if (values.length === 0) return undefined;
  const sorted = [...values].sort((a, b) => a - b);
  const rank = p * (sorted.length - 1);
  const lo = Math.floor(rank);
  const hi = Math.ceil(rank);
  return sorted[lo]! + (sorted[hi]! - sorted[lo]!) * (rank - lo);
}

// ---- the letters ------------------------------------------------------------------------------

function specific(draft: SmartDraft): SmartItem {
  const title = draft.title.trim();
  const item = (verdict: Verdict, message: string): SmartItem => ({ letter: 'S', verdict, message });
  if (title.length === 0)
    return item('fail', 'Give the goal a title that says what will be achieved and for whom.');
  const meaningful = words(title).filter((w) => !stopWords.has(w));
  if (meaningful.every((w) => vagueWords.has(w)))
    return item(
      'fail',
      `"${title}" is too vague on its own: say what will change and by how much, e.g. "Win 12 new accounts in the North territory".`,
    );
  if (!draft.metricKey && !draft.manualUnit?.trim())
    return item(
      'warn',
      'The goal names no metric or concrete outcome: pick a catalog metric or describe the outcome as a manual measure.',
    );
  if (meaningful.length < 3)
    return item(
      'warn',
      `"${title}" is short: add what, where or for whom, e.g. "Win 12 new accounts in the North territory".`,
    );
  const what = draft.metricKey
    ? (metricInfo(draft.metricKey)?.name ?? draft.metricKey)
    : (draft.manualUnit?.trim() ?? '');
  const whom = draft.ownerKind === 'team' ? 'the team' : 'its owner';
  return item('pass', `Says what (${what}) and for whom (${whom}).`);
}

function measurable(draft: SmartDraft, ctx: SmartContext): SmartItem {
  const item = (verdict: Verdict, message: string): SmartItem => ({ letter: 'M', verdict, message });
  const info = draft.metricKey ? metricInfo(draft.metricKey) : undefined;
  if (draft.metricKey && !info)
    return item('fail', `"${draft.metricKey}" is not a metric of the catalog: pick one from the list.`);
  if (!info) {
    const unit = draft.manualUnit?.trim();
    if (!unit)
      return item(
        'fail',
        'Choose a catalog metric, or a manual measure with a unit and a done-criterion, so progress can be measured.',
      );
    if (!draft.doneCriterion?.trim())
      return item(
        'fail',
        `Say what "done" looks like for the manual measure (${unit}): add a done-criterion.`,
      );
  }
  if (draft.target === null || !Number.isFinite(draft.target))
    return item('fail', 'Set a numeric target so progress can be measured against it.');
  if (draft.baseline === null || !Number.isFinite(draft.baseline))
    return item('fail', 'Set the baseline (where the owner starts) so progress has a starting point.');
  const fmt = (v: number) =>
    formatValue(v, info ?? null, { currency: ctx.currency, manualUnit: draft.manualUnit });
  if (draft.target === draft.baseline)
    return item(
      'fail',
      `The target equals the baseline (${fmt(draft.baseline)}): set a target that differs from where the owner starts.`,
    );
  if (info?.unit === 'percent' && (draft.target < 0 || draft.target > 100))
    return item('fail', `${info.name} is a percentage: set a target between 0 and 100.`);
  if (draft.target < 0) return item('fail', 'Set a target of zero or more.');
  if (info && !isAdditiveMetric(info)) {
    const wrongWay =
      info.direction === 'higher' ? draft.target < draft.baseline : draft.target > draft.baseline;
    if (wrongWay)
      return item(
        'warn',
        `${info.name} is better when ${info.direction}, but the target (${fmt(draft.target)}) is ${info.direction === 'higher' ? 'below' : 'above'} the baseline (${fmt(draft.baseline)}): check the direction.`,
      );
  }
  if (!info)
    return item(
      'pass',
      `Measured by hand in ${draft.manualUnit!.trim()}: from ${fmt(draft.baseline)} to ${fmt(draft.target)}, done when ${draft.doneCriterion!.trim()}.`,
    );
  return item('pass', `Measured by ${info.name}: from ${fmt(draft.baseline)} to ${fmt(draft.target)}.`);
}

function achievable(draft: SmartDraft, ctx: SmartContext): SmartItem {
  const item = (verdict: Verdict, message: string): SmartItem => ({ letter: 'A', verdict, message });
  if (!draft.metricKey && draft.manualUnit?.trim())
    return item('pass', 'A manual measure has no data history: agree together that it is within reach.');
  const info = draft.metricKey ? metricInfo(draft.metricKey) : undefined;
  if (!info || draft.target === null || !Number.isFinite(draft.target))
    return item('warn', 'Choose a metric and a target first: achievability is judged against past results.');
  if (
    !isIsoDate(draft.startDate) ||
    !isIsoDate(draft.deadline) ||
    daysBetween(draft.startDate, draft.deadline) < 0
  )
    return item(
      'warn',
      'Set the start and the deadline first: the target is compared with past results of the same length.',
    );

  const own = ctx.history && ctx.history.values.length > 0 ? ctx.history : null;
  const team = ctx.teamHistory && ctx.teamHistory.values.length > 0 ? ctx.teamHistory : null;
  const source = own ?? team;
  const prefix = own
    ? ''
    : 'There is no history of the owner for this metric yet, so this compares with the team: ';
  const whose = own && draft.ownerKind === 'user' ? "the owner's" : "the team's";
  if (!source)
    return item(
      'warn',
      `There is no history for ${info.name} yet, neither the owner's nor the team's: agree the target with the manager.`,
    );

  const days = goalLengthDays(draft.startDate, draft.deadline);
  const scale = isAdditiveMetric(info) ? days / source.periodDays : 1;
  const scaled = source.values.map((v) => v * scale);
  const fmt = (v: number) => formatValue(v, info, { currency: ctx.currency });
  const higher = info.direction === 'higher';
  const best = higher ? Math.max(...scaled) : Math.min(...scaled);
  const p90 = percentile(scaled, higher ? 0.9 : 0.1)!;
  const factor = ctx.achievableFactor;
  const stretch = isAdditiveMetric(info) ? ` for ${days} days` : '';
  const beyondBest = higher ? draft.target > best * factor : draft.target < best / factor;
  if (beyondBest)
    return item(
      'fail',
      `${prefix}The target (${fmt(draft.target)}) is more than ${formatNumber(factor)}× beyond ${whose} best ever (${fmt(best)}${stretch}): make it smaller or split it into steps.`,
    );
  const aboveP90 = higher ? draft.target > p90 : draft.target < p90;
  if (aboveP90)
    return item(
      'warn',
      `${prefix}The target (${fmt(draft.target)}) is beyond ${whose} 90th percentile (${fmt(p90)}${stretch}): a stretch, so check it is realistic.`,
    );
  if (info.key === 'revenue_won' && ctx.revenue && ctx.revenue.winRate !== null && ctx.revenue.winRate > 0) {
    const coverage =
      draft.target > 0 ? ctx.revenue.weightedPipelineMinor / draft.target : Number.POSITIVE_INFINITY;
    const needed = 1 / ctx.revenue.winRate;
    if (coverage < needed)
      return item(
        'warn',
        `${prefix}Weighted open pipeline closing before the deadline (${fmt(ctx.revenue.weightedPipelineMinor)}) covers the target ${formatNumber(coverage)}×, below the ${formatNumber(needed)}× a win rate of ${formatNumber(ctx.revenue.winRate * 100, 1)}% needs: add pipeline or lower the target.`,
      );
  }
  return item(
    'pass',
    `${prefix}The target (${fmt(draft.target)}) is within ${whose} past results (90th percentile ${fmt(p90)}${stretch}).`,
  );
}

const supportLabels: Record<SupportKind, string> = {
  goal: 'team goal',
  objective: 'org objective',
  playbook_target: 'playbook target',
};

function relevant(draft: SmartDraft, ctx: SmartContext): SmartItem {
  const item = (verdict: Verdict, message: string): SmartItem => ({ letter: 'R', verdict, message });
  if (!draft.supports)
    return item(
      'warn',
      'The goal is not linked to anything: link it to a team goal, a playbook target or an org objective so it is clear why it matters.',
    );
  const label = supportLabels[draft.supports.kind];
  if (!ctx.link) return item('fail', `The ${label} it supports was not found: link an existing one.`);
  if (!ctx.link.active)
    return item(
      'warn',
      `It supports the ${label} "${ctx.link.title}", which is no longer active: link a current one.`,
    );
  return item('pass', `It supports the ${label} "${ctx.link.title}".`);
}

function timeBound(draft: SmartDraft, ctx: SmartContext): SmartItem {
  const item = (verdict: Verdict, message: string): SmartItem => ({ letter: 'T', verdict, message });
  if (!isIsoDate(draft.deadline)) return item('fail', 'Set a deadline (a date) so the goal is time-bound.');
  if (!isIsoDate(draft.startDate))
    return item('fail', 'Set a start date so progress can be measured from it.');
  const { startDate, deadline } = draft;
  if (daysBetween(startDate, deadline) < 0)
    return item(
      'fail',
      `The deadline (${deadline}) is before the start (${startDate}): move it after the start.`,
    );
  if (daysBetween(ctx.today, deadline) <= 0)
    return item('fail', `The deadline (${deadline}) is not in the future: pick a date after ${ctx.today}.`);
  const limit = addDaysToDate(ctx.today, ctx.horizonDays);
  if (daysBetween(limit, deadline) > 0)
    return item(
      'fail',
      `The deadline (${deadline}) is beyond the org's goal horizon of ${ctx.horizonDays} days (${limit}): pick an earlier date or split the goal.`,
    );
  const days = goalLengthDays(startDate, deadline);
  const checkpoints = draft.checkpoints ?? [];
  const outside = checkpoints.find(
    (c) => !isIsoDate(c.date) || daysBetween(startDate, c.date) < 0 || daysBetween(c.date, deadline) <= 0,
  );
  if (outside)
    return item(
      'fail',
      `The checkpoint on ${outside.date} is not between the start (${startDate}) and the deadline (${deadline}): move it inside.`,
    );
  if (days > CHECKPOINT_AFTER_DAYS && checkpoints.length === 0)
    return item(
      'fail',
      `The goal runs ${days} days with no checkpoint: add at least one intermediate target so progress can be checked along the way.`,
    );
  const left = daysBetween(ctx.today, deadline);
  if (left < SHORT_NOTICE_DAYS)
    return item(
      'warn',
      `Only ${left} ${left === 1 ? 'day remains' : 'days remain'} until the deadline (${deadline}): make sure that is enough time.`,
    );
  const cp =
    checkpoints.length === 0
      ? 'no checkpoint needed'
      : `${checkpoints.length} checkpoint${checkpoints.length === 1 ? '' : 's'}`;
  return item('pass', `Runs ${days} days, from ${startDate} to ${deadline}, with ${cp}.`);
}

/** Runs the five checks in S, M, A, R, T order. */
export function smartCheck(draft: SmartDraft, ctx: SmartContext): SmartResult {
  const items = [
    specific(draft),
    measurable(draft, ctx),
    achievable(draft, ctx),
    relevant(draft, ctx),
    timeBound(draft, ctx),
  ];
  return { items, blocking: items.some((i) => i.verdict === 'fail') };
}
