/** Display and pace helpers for KPI numbers (pure; unit-tested). */
import { formatAmount } from '../crm/crm-format.ts';
import type { Metric, MetricFormat } from './metrics-api.ts';

/** A metric value in its format; null (a ratio with nothing to divide by, or no data) is "—". */
export function formatMetric(
  value: number | null | undefined,
  format: MetricFormat,
  currency: string,
): string {
  if (value === null || value === undefined || !Number.isFinite(value)) return '—';
  switch (format) {
    case 'money':
      return formatAmount(Math.round(value), currency);
    case 'percent':
      return `${value.toLocaleString('en-US', { maximumFractionDigits: 1 })} %`;
    case 'days':
      return `${value.toLocaleString('en-US', { maximumFractionDigits: 1 })} d`;
    case 'count':
      return value.toLocaleString('en-US', { maximumFractionDigits: 2 });
    default:
      return value.toLocaleString('en-US', { maximumFractionDigits: 2 });
  }
}

/** What a built-in ratio's parts are: quota attainment is money ÷ money, a deal size money ÷ deals… */
const BUILTIN_PARTS: Record<string, readonly [MetricFormat, MetricFormat]> = {
  quota_attainment: ['money', 'money'],
  pipeline_coverage: ['money', 'money'],
  avg_deal_size: ['money', 'count'],
  sales_cycle_days: ['days', 'count'],
};

/**
 * The formats of a number's numerator and denominator, for "how computed": a custom ratio's are its
 * two metrics' (`operands`, when known), a built-in's as listed above; a custom average of money or
 * days is a sum ÷ a count; every other ratio (rates, visits per field day) divides counts.
 */
export function partFormats(
  m: Pick<Metric, 'key' | 'format' | 'custom'>,
  operands?: readonly [MetricFormat, MetricFormat] | null,
): readonly [MetricFormat, MetricFormat] {
  if (operands) return operands;
  const builtin = m.custom ? undefined : BUILTIN_PARTS[m.key];
  if (builtin) return builtin;
  if (m.format === 'money' || m.format === 'days') return [m.format, 'count'];
  return ['count', 'count'];
}

export type PaceStatus = 'ahead' | 'on_track' | 'behind' | 'no_target';

/** Cumulative metrics (money and counts summed over the period) are judged against the elapsed part of the target. */
export function isCumulative(m: Pick<Metric, 'format' | 'snapshot' | 'unit'>): boolean {
  return !m.snapshot && (m.unit === 'money' || m.unit === 'count') && m.format !== 'percent';
}

/**
 * Where a number stands against its target: for cumulative metrics the target is scaled to the
 * elapsed part of the period (pace); for rates and snapshots the whole target applies. Metrics where
 * lower is better invert the comparison. On track = within 10 % of pace.
 */
export function paceStatus(
  m: Pick<Metric, 'format' | 'snapshot' | 'unit' | 'direction'>,
  value: number | null,
  target: number | null,
  elapsed: number,
): { status: PaceStatus; expected: number | null } {
  if (target === null || target <= 0 || value === null) return { status: 'no_target', expected: null };
  const expected = isCumulative(m) ? target * Math.min(1, Math.max(0, elapsed)) : target;
  if (expected <= 0) return { status: 'on_track', expected };
  const ratio = m.direction === 'lower' ? expected / Math.max(value, Number.EPSILON) : value / expected;
  return { status: ratio >= 1 ? 'ahead' : ratio >= 0.9 ? 'on_track' : 'behind', expected };
}

export const STATUS_LABEL: Record<PaceStatus, string> = {
  ahead: 'Ahead of pace',
  on_track: 'On track',
  behind: 'Behind pace',
  no_target: 'No target',
};

/** Badge colours (filled, with automatic text contrast). */
export const STATUS_COLOR: Record<PaceStatus, string> = {
  ahead: 'teal.9',
  on_track: 'yellow.4',
  behind: 'red.9',
  no_target: 'gray.7',
};

/** Light cell backgrounds (dark text stays readable on them). */
export const STATUS_TINT: Record<PaceStatus, string | undefined> = {
  ahead: 'var(--mantine-color-teal-1)',
  on_track: 'var(--mantine-color-yellow-1)',
  behind: 'var(--mantine-color-red-1)',
  no_target: undefined,
};

/** The team's key KPIs shown on dashboards and the team grid. */
export const KEY_METRICS = [
  'revenue_won',
  'quota_attainment',
  'deals_won',
  'win_rate',
  'visits',
  'activities',
] as const;

/**
 * The metrics a person's dashboard shows: the key KPIs, then every other metric they have a target
 * for (what their manager measures them on), in catalog order, each once. Metrics missing from the
 * catalog (not loaded yet, or a key it no longer has) follow in the order given.
 */
export function dashboardMetrics(
  keyMetrics: readonly string[],
  targeted: readonly string[],
  catalogOrder: readonly string[] = [],
): string[] {
  const shown = new Set(keyMetrics);
  const extra = [...new Set(targeted)].filter((k) => !shown.has(k));
  const rank = (k: string) => {
    const i = catalogOrder.indexOf(k);
    return i === -1 ? catalogOrder.length + extra.indexOf(k) : i;
  };
  return [...keyMetrics, ...extra.sort((a, b) => rank(a) - rank(b))];
}

/** A short axis label for a metric's value in its format, so it fits beside a phone-width chart. */
export function compactMetric(value: number, format: MetricFormat, currency: string): string {
  if (format === 'money') return compactMoney(value, currency);
  const n = new Intl.NumberFormat('en-US', { notation: 'compact', maximumFractionDigits: 1 }).format(value);
  return format === 'percent' ? `${n} %` : format === 'days' ? `${n} d` : n;
}

/** A short money label for chart axes ("$12K", "€1.2M") so it fits beside a phone-width chart. */
export function compactMoney(minor: number, currency: string): string {
  try {
    const digits =
      new Intl.NumberFormat('en-US', { style: 'currency', currency }).resolvedOptions()
        .maximumFractionDigits ?? 2;
    return new Intl.NumberFormat('en-US', {
      style: 'currency',
      currency,
      notation: 'compact',
      minimumFractionDigits: 0,
      maximumFractionDigits: 1,
    }).format(minor / 10 ** digits);
  } catch {
    return `${Math.round(minor / 100)}`;
  }
}

/** What a row is judged against: quota attainment has no target of its own. */
export interface Judged {
  status: PaceStatus;
  expected: number | null;
  /** The target shown beside the number (for quota attainment: the revenue target, in money). */
  target: number | null;
  targetFormat: MetricFormat;
  /** "Revenue target" when the number is judged against another metric's target. */
  targetLabel: string;
  /** The progress bar's fill (0–100) or null without a target. */
  progress: number | null;
}

const REVENUE_LIKE = { format: 'money', snapshot: false, unit: 'money', direction: 'higher' } as const;

/**
 * Pace for any metric's number. Quota attainment is revenue won ÷ the revenue target (the row's
 * numerator and denominator): it is judged as revenue against that target's pace, and the revenue
 * target is what the screen shows — never "No target".
 */
export function judge(
  m: Pick<Metric, 'key' | 'format' | 'snapshot' | 'unit' | 'direction'>,
  row: { value: number | null; target: number | null; numerator: number | null; denominator: number | null },
  elapsed: number,
): Judged {
  if (m.key === 'quota_attainment') {
    const target = row.denominator;
    const pace = paceStatus(REVENUE_LIKE, row.numerator ?? 0, target, elapsed);
    return {
      ...pace,
      status: target === null ? 'no_target' : pace.status,
      target,
      targetFormat: 'money',
      targetLabel: 'Revenue target',
      progress: target !== null && target > 0 ? Math.min(100, ((row.numerator ?? 0) / target) * 100) : null,
    };
  }
  const pace = paceStatus(m, row.value, row.target, elapsed);
  return {
    ...pace,
    target: row.target,
    targetFormat: m.format,
    targetLabel: 'Target',
    progress:
      row.target !== null && row.target > 0 && row.value !== null
        ? Math.min(100, (row.value / row.target) * 100)
        : row.target !== null
          ? 0
          : null,
  };
}

/**
 * Axis labels for a run of periods: a label's year is left out when the period before it shows the
 * same one ("Jun 2026", "Jul", "Aug" … "Jan 2027"), so that every period of a trend fits under a
 * phone-sized chart. Labels are the API's ("Nov 2026", "Q2 FY2026", "Week 47, 2026", "FY2026").
 */
export function shortPeriodLabels(labels: readonly string[]): string[] {
  const split = (label: string) => {
    const at = label.lastIndexOf(' ');
    if (at === -1) return { head: label, year: null };
    // "Week 47," → "W47": six week labels fit a phone-sized axis.
    const head = label
      .slice(0, at)
      .replace(/,$/, '')
      .replace(/^Week (\d+)$/, 'W$1');
    return { head, year: label.slice(at + 1) };
  };
  return labels.map((label, i) => {
    const { head, year } = split(label);
    if (year === null) return label;
    return i > 0 && split(labels[i - 1]!).year === year ? head : `${head} ${year}`;
  });
}

/**
 * A won deal's part in the sales cycle, for the records behind it: its days from creation to win,
 * or why it is left out — a deal entered as won on an earlier day has no known cycle (the server
 * counts it the same way: closed no earlier than created).
 */
export function dealCycleText(createdAt: string | null, closedAt: string | null): string | null {
  if (createdAt === null || closedAt === null) return null;
  const ms = Date.parse(closedAt) - Date.parse(createdAt);
  if (ms < 0) return 'cycle unknown (entered after it was won): left out';
  const days = Math.round((ms / 86_400_000) * 10) / 10;
  return `${days.toLocaleString('en-US')} ${days === 1 ? 'day' : 'days'} from creation`;
}

/** "the Field rep playbook", not "the Field rep playbook playbook"; "the playbook" without a name. */
function playbookWords(playbook: { id: string; name: string } | null | undefined, several = false): string {
  const name = playbook?.name.trim();
  if (!name) return several ? 'playbooks' : 'the playbook';
  return /\bplaybook$/i.test(name) ? `the ${name}` : `the ${name} playbook`;
}

/**
 * How a target was obtained, in words for beside it: nothing for a target set for the period;
 * "sum of monthly targets" (with how many months had one when not all) or "sum of quarterly
 * targets" for a quarter or year without a target of its own — "; 1 set, 2 from the Field rep
 * playbook" when some of the months take the playbook's target; "from the Field rep playbook" for
 * the default of the playbook that applies to the person. A ramped target says so, as the manager's
 * grid does: "50 % of $10,000, month 2 of ramp" (set), "50 % of 40 from the Field rep playbook,
 * month 1 of ramp", and for a sum "; 50 % of $30,000, month 1 of ramp" — or "; $30,000 before ramp"
 * when its months were ramped differently. `format` writes an amount in the metric's format.
 */
export function targetBasisText(
  basis: {
    source: 'set' | 'months' | 'quarters' | 'playbook';
    withTarget: number | null;
    of: number | null;
    fromPlaybook?: number | null;
    playbook?: { id: string; name: string } | null;
    fullAmount?: number;
    rampPercent?: number | null;
    tenureMonth?: number | null;
  } | null,
  format: (amount: number) => string = (amount) => amount.toLocaleString('en-US'),
): string | null {
  if (!basis) return null;
  // Older answers carry no ramp: read as before.
  const full = basis.fullAmount;
  const ramped = full !== undefined && basis.rampPercent !== undefined && basis.rampPercent !== 100;
  const percentOf = (what: string) =>
    `${basis.rampPercent!.toLocaleString('en-US')} % of ${what}` +
    (basis.tenureMonth !== undefined && basis.tenureMonth !== null
      ? `, month ${basis.tenureMonth} of ramp`
      : '');
  if (basis.source === 'set') return ramped && basis.rampPercent !== null ? percentOf(format(full)) : null;
  if (basis.source === 'playbook') {
    const from = `from ${playbookWords(basis.playbook)}`;
    return ramped && basis.rampPercent !== null ? percentOf(`${format(full)} ${from}`) : from;
  }
  const ramp = !ramped
    ? ''
    : basis.rampPercent === null
      ? `; ${format(full)} before ramp`
      : `; ${percentOf(format(full))}`;
  const unit = basis.source === 'months' ? 'month' : 'quarter';
  const fromPlaybook = basis.fromPlaybook ?? 0;
  if (fromPlaybook > 0 && basis.withTarget !== null && basis.of !== null) {
    const set = basis.withTarget - fromPlaybook;
    const none = basis.of - basis.withTarget;
    const source = playbookWords(basis.playbook, !basis.playbook);
    if (set === 0 && none === 0) return `sum of ${unit}ly targets from ${source}${ramp}`;
    const counts = [
      ...(set > 0 ? [`${set} set`] : []),
      `${fromPlaybook} from ${source}`,
      ...(none > 0 ? [`${none} without`] : []),
    ];
    return `sum of ${unit}ly targets; ${counts.join(', ')}${ramp}`;
  }
  const some =
    basis.withTarget !== null && basis.of !== null && basis.withTarget < basis.of
      ? `; ${basis.withTarget} of ${basis.of} ${unit}s set`
      : '';
  return `sum of ${unit}ly targets${some}${ramp}`;
}
