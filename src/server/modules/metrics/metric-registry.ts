import { type CustomMetricSpec, customMetricSpec } from '../../../shared/custom-metrics.ts';
import {
  builtinMetrics,
  type Direction,
  formatOfUnit,
  type MetricFormat,
  type MetricUnit,
} from '../../../shared/metrics-catalog.ts';
import type { Executor } from '../../db/database.ts';
import { type CustomMetricRow, listCustomMetricRows } from './custom-metrics.repository.ts';

/** A metric of an org's catalog: a built-in KPI or one of the org's custom metrics. */
export interface OrgMetric {
  key: string;
  name: string;
  definition: string;
  unit: MetricUnit;
  direction: Direction;
  format: MetricFormat;
  /** Point-in-time (open deals now): no previous-period comparison. */
  snapshot: boolean;
  custom: boolean;
  /**
   * The currency the metric's money is always in — a custom metric over deals of one currency (or a
   * ratio over such a metric); null: the org's currency, like every built-in.
   */
  currency: string | null;
  /** The custom metric's id; null for built-ins. */
  id: string | null;
  spec: CustomMetricSpec | null;
}

const builtins: OrgMetric[] = builtinMetrics.map((m) => ({
  key: m.key,
  name: m.name,
  definition: m.definition,
  unit: m.unit,
  direction: m.direction,
  format: formatOfUnit(m.unit),
  snapshot: m.snapshot ?? false,
  custom: false,
  currency: null,
  id: null,
  spec: null,
}));

export function isBuiltinKey(key: string): boolean {
  return builtins.some((m) => m.key === key);
}

/** Whether a definition reads open deals now (directly or through a ratio's operands). */
export function specIsSnapshot(
  spec: CustomMetricSpec,
  byKey: ReadonlyMap<string, OrgMetric>,
  seen = new Set<string>(),
): boolean {
  switch (spec.block) {
    case 'deal_count':
    case 'deal_sum':
    case 'deal_average':
      return spec.deals === 'open';
    case 'activity_count':
    case 'activity_sum':
    case 'activity_average':
      return false;
    case 'ratio':
      return [spec.numerator, spec.denominator].some((k) => {
        const m = byKey.get(k);
        if (!m || seen.has(k)) return false;
        if (!m.spec) return m.snapshot;
        seen.add(k);
        return specIsSnapshot(m.spec, byKey, seen);
      });
    default: {
      const never: never = spec;
      throw new Error(`unknown block ${String(never)}`);
    }
  }
}

/** The currency a definition's money is fixed in (see OrgMetric.currency), through a ratio's operands. */
export function specCurrency(
  spec: CustomMetricSpec,
  byKey: ReadonlyMap<string, OrgMetric>,
  seen = new Set<string>(),
): string | null {
  if (spec.block === 'deal_count' || spec.block === 'deal_sum' || spec.block === 'deal_average')
    return spec.filters.currency ?? null;
  if (spec.block !== 'ratio') return null;
  for (const k of [spec.numerator, spec.denominator]) {
    const m = byKey.get(k);
    if (!m?.spec || seen.has(k)) continue;
    seen.add(k);
    const currency = specCurrency(m.spec, byKey, seen);
    if (currency !== null) return currency;
  }
  return null;
}

/**
 * How a team's number is made from its people's:
 * - sum: money and counts add up (revenue, deals, visits, pipeline, velocity);
 * - ratio: Σ numerators / Σ denominators (win rate, averages, custom ratios) — never an average of rates;
 * - quota: Σ revenue won / the team's effective revenue target (quota attainment);
 * - coverage: Σ pipeline / (team revenue target − Σ won) (pipeline coverage);
 * - none: not additive → null (no built-in today; kept for metrics without parts).
 * The sales cycle is a ratio: Σ days of the deals of known cycle ÷ how many they are.
 */
export type Aggregation = 'sum' | 'ratio' | 'quota' | 'coverage' | 'none';

const RATIO_KEYS = new Set([
  'win_rate',
  'avg_deal_size',
  'verified_visit_rate',
  'visits_per_field_day',
  'meetings_from_outreach',
  'strike_rate',
  'sales_cycle_days',
]);

export function aggregationOf(m: OrgMetric): Aggregation {
  if (m.key === 'quota_attainment') return 'quota';
  if (m.key === 'pipeline_coverage') return 'coverage';
  if (RATIO_KEYS.has(m.key)) return 'ratio';
  if (m.spec && (m.spec.block === 'ratio' || m.spec.block.endsWith('_average'))) return 'ratio';
  return 'sum';
}

/** Built-ins followed by the org's custom metrics (one query). */
export async function loadOrgMetrics(db: Executor, orgId: string): Promise<OrgMetric[]> {
  return orgMetricsFrom(await listCustomMetricRows(db, orgId));
}

/** Built-ins followed by the custom metrics of `rows` (an org's, by key). */
export function orgMetricsFrom(rows: readonly CustomMetricRow[]): OrgMetric[] {
  const custom: OrgMetric[] = rows.map((r) => ({
    key: r.key,
    name: r.name,
    definition: r.description,
    unit: r.unit as MetricUnit,
    direction: r.direction,
    format: r.format as MetricFormat,
    snapshot: false,
    custom: true,
    currency: null,
    id: r.id,
    spec: customMetricSpec.parse(JSON.parse(r.spec)),
  }));
  const all = [...builtins, ...custom];
  const byKey = new Map(all.map((m) => [m.key, m]));
  for (const m of custom) {
    m.snapshot = specIsSnapshot(m.spec!, byKey);
    m.currency = specCurrency(m.spec!, byKey);
  }
  return all;
}

export function metricsByKey(metrics: OrgMetric[]): Map<string, OrgMetric> {
  return new Map(metrics.map((m) => [m.key, m]));
}

const builtinActivityCounts = new Set([
  'activities',
  'visits',
  'calls',
  'meetings',
  'emails',
  'demos',
  'tasks',
]);

/**
 * Activity-count metrics: the built-in counts of activities (all, visits, calls, meetings) and
 * custom counts or sums over activities. An org can switch their leaderboards off
 * (`activityLeaderboards`): then no answer ranks them — the leaderboard refuses, and values and
 * the team grid carry no rank for anyone and leave out peers who would be shown by rank only.
 */
export function isActivityCountMetric(m: Pick<OrgMetric, 'key' | 'spec'>): boolean {
  if (m.spec) return m.spec.block === 'activity_count' || m.spec.block === 'activity_sum';
  return builtinActivityCounts.has(m.key);
}
