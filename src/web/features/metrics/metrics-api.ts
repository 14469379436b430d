/**
 * Metrics calls of the web client: catalog, values, leaderboards, trends, the records behind a
 * number and the org's metric settings.
 */
import { queryOptions } from '@tanstack/react-query';
import { apiGet } from '../../lib/api.ts';
import type { MetricVocabulary } from './custom-metric-form.ts';

export const METRICS_KEY = ['metrics'] as const;

export type MetricFormat = 'money' | 'count' | 'percent' | 'days' | 'number';
export type PeriodKind = 'week' | 'month' | 'quarter' | 'year';

export interface Metric {
  key: string;
  name: string;
  definition: string;
  unit: string;
  direction: 'higher' | 'lower';
  format: MetricFormat;
  snapshot: boolean;
  custom: boolean;
  /** The currency of the metric's money when its definition fixes one; null: the answer's currency. */
  currency: string | null;
}

export interface PeriodInfo {
  key: string;
  label: string;
  start: string;
  end: string;
  elapsed: number;
}

export interface ValueRow {
  user: { id: string; name: string };
  view: 'value' | 'rank';
  rank: number | null;
  value: number | null;
  numerator: number | null;
  denominator: number | null;
  previous: number | null;
  lastYear: number | null;
  target: number | null;
  /** How the target was obtained (null without one; see `targetBasisText`). */
  targetBasis?: TargetBasis | null;
}

/**
 * Set for the period, the sum of its months' / quarters' targets (`withTarget` of `of` had one,
 * `fromPlaybook` of those from the playbook `playbook`), or the target of the playbook that applies
 * to the person (`playbook`).
 */
export interface TargetBasis {
  source: 'set' | 'months' | 'quarters' | 'playbook';
  withTarget: number | null;
  of: number | null;
  /** For a sum: how many of the parts with a target take the playbook's (none set). */
  fromPlaybook?: number | null;
  playbook?: { id: string; name: string } | null;
  /** The target before ramp (set, the playbook's, or a sum's parts before ramp). */
  fullAmount?: number;
  /** The ramp percent applied (100: none); null for a sum whose parts were ramped differently. */
  rampPercent?: number | null;
  /** Month of tenure (1 = first) at the start of the period. */
  tenureMonth?: number | null;
}

export interface Values {
  metric: Metric;
  currency: string;
  visibility: 'none' | 'ranks' | 'values';
  period: PeriodInfo;
  previousPeriod: { key: string; label: string };
  lastYearPeriod: { key: string; label: string };
  rows: ValueRow[];
}

/** One person's number in the team grid (see GET /api/metrics/grid). */
export type GridCell =
  | {
      view: 'value';
      rank: number | null;
      value: number | null;
      target: number | null;
      targetBasis?: TargetBasis | null;
      numerator?: number;
      denominator?: number;
    }
  | { view: 'rank'; rank: number | null };

/** The team grid: the people once, per metric one cell per person (null: not shown). */
export interface Grid {
  currency: string;
  period: PeriodInfo;
  previousPeriod: { key: string; label: string };
  people: { id: string; name: string }[];
  metrics: { metric: Metric; visibility: 'none' | 'ranks' | 'values'; cells: (GridCell | null)[] }[];
}

export interface LeaderboardRow {
  user: { id: string; name: string };
  me: boolean;
  view: 'value' | 'rank';
  rank: number | null;
  previousRank: number | null;
  movement: 'up' | 'down' | 'same' | 'new' | null;
  value: number | null;
  /** The viewer may open the records behind this value (the server's policy decides). */
  records: boolean;
}

export interface Leaderboard {
  metric: Metric;
  currency: string;
  visibility: 'none' | 'ranks' | 'values';
  scope: 'team' | 'org';
  period: PeriodInfo;
  previousPeriod: { key: string; label: string };
  rows: LeaderboardRow[];
}

export interface Trend {
  metric: Metric;
  currency: string;
  user: { id: string; name: string };
  points: { key: string; label: string; value: number | null; target: number | null }[];
}

export type RecordRole = 'counted' | 'both' | 'numerator' | 'denominator';

export interface ActivityRecord {
  type: 'activity';
  id: string;
  role: RecordRole;
  kind: string;
  subject: string;
  outcome: string | null;
  occurredAt: string;
  durationMinutes: number | null;
  verified: boolean | null;
  account: { id: string; name: string } | null;
}

export interface DealRecord {
  type: 'deal';
  id: string;
  role: RecordRole;
  name: string;
  status: string;
  stage: string;
  probability: number;
  amountMinor: number;
  currency: string;
  creditMinor: number;
  shareBp: number;
  createdAt: string | null;
  closedAt: string | null;
  expectedCloseDate: string | null;
  account: { id: string; name: string };
}

export interface Records {
  metric: Metric;
  currency: string;
  user: { id: string; name: string };
  period: PeriodInfo;
  value: number | null;
  numerator: number | null;
  denominator: number | null;
  operands: { numerator: string; denominator: string } | null;
  source: 'activities' | 'deals' | null;
  filters: string[];
  total: number;
  items: (ActivityRecord | DealRecord)[];
  nextCursor: string | null;
}

export interface PeriodChoice {
  kind: PeriodKind;
  /** A period key; undefined = the current period of `kind`. */
  period?: string | undefined;
}

/** What reps see of their peers for a metric: nothing, ranks only, or values. */
export type PeerVisibility = 'none' | 'ranks' | 'values';

/** The org's metric settings (GET /api/metrics/settings). */
export interface MetricSettings {
  defaultVisibility: PeerVisibility;
  /** Per metric; metrics not listed use `defaultVisibility`. */
  visibility: Record<string, PeerVisibility>;
  ramp: number[];
  activityLeaderboards: boolean;
  /** Strike rate: days after a visit in which a won deal or an order makes it a strike. */
  strikeWindowDays: number;
  /** Strike rate: activity outcomes that mean an order was taken (matched ignoring case). */
  orderOutcomes: string[];
  /** Meetings from outreach: days after a call or email in which a meeting on its account converts it. */
  meetingWindowDays: number;
}

/** A change to the metric settings (PATCH /api/metrics/settings); a metric's null resets it to the default. */
export interface MetricSettingsPatch {
  defaultVisibility?: PeerVisibility;
  visibility?: Record<string, PeerVisibility | null>;
  activityLeaderboards?: boolean;
  strikeWindowDays?: number;
  orderOutcomes?: string[];
  meetingWindowDays?: number;
}

export const metricSettingsQuery = queryOptions({
  queryKey: [...METRICS_KEY, 'settings'],
  queryFn: () => apiGet<MetricSettings>('/api/metrics/settings'),
});

/**
 * What custom-metric filters may name (admins): the builder's options and suggestions — the most
 * used territories and outcomes, or with `q` those containing it (any case).
 */
export function metricVocabularyQuery(q = '') {
  return queryOptions({
    queryKey: [...METRICS_KEY, 'vocabulary', q],
    queryFn: () =>
      apiGet<MetricVocabulary>('/api/metrics/vocabulary', { limit: q ? 50 : 200, q: q || undefined }),
    staleTime: 60_000,
  });
}

export const catalogQuery = queryOptions({
  queryKey: [...METRICS_KEY, 'catalog'],
  queryFn: () => apiGet<{ items: Metric[] }>('/api/metrics/catalog'),
  staleTime: 5 * 60_000,
});

export function valuesQuery(
  metric: string,
  p: PeriodChoice,
  scope: 'me' | 'reach' | 'team' | 'org',
  team?: string,
) {
  return queryOptions({
    queryKey: [...METRICS_KEY, 'values', metric, p.kind, p.period ?? null, scope, team ?? null],
    queryFn: () =>
      apiGet<Values>('/api/metrics/values', { metric, kind: p.kind, period: p.period, scope, team }),
  });
}

/** Several metrics for one period and the same people, in one request (the team grid). */
export function gridQuery(
  metrics: readonly string[],
  p: PeriodChoice,
  scope: 'reach' | 'team' | 'org',
  team?: string,
) {
  return queryOptions({
    queryKey: [...METRICS_KEY, 'grid', metrics.join(','), p.kind, p.period ?? null, scope, team ?? null],
    queryFn: () =>
      apiGet<Grid>('/api/metrics/grid', {
        metrics: metrics.join(','),
        kind: p.kind,
        period: p.period,
        scope,
        team,
      }),
  });
}

export function leaderboardQuery(metric: string, p: PeriodChoice, scope: 'team' | 'org') {
  return queryOptions({
    queryKey: [...METRICS_KEY, 'leaderboard', metric, p.kind, p.period ?? null, scope],
    queryFn: () =>
      apiGet<Leaderboard>('/api/metrics/leaderboard', { metric, kind: p.kind, period: p.period, scope }),
  });
}

export function trendQuery(metric: string, p: PeriodChoice, user?: string) {
  return queryOptions({
    queryKey: [...METRICS_KEY, 'trend', metric, p.kind, p.period ?? null, user ?? null],
    queryFn: () =>
      apiGet<Trend>('/api/metrics/trend', { metric, kind: p.kind, period: p.period, user, count: 6 }),
  });
}

export function fetchRecords(
  q: { metric: string; period: string; user: string },
  cursor: string | null,
): Promise<Records> {
  return apiGet<Records>('/api/metrics/records', { ...q, cursor, limit: 25 });
}

export interface OrgCell {
  metric: string;
  value: number | null;
  numerator: number | null;
  denominator: number | null;
  target: number | null;
  basis: { metric: string; target: number | null } | null;
}

export interface OrgTeam {
  id: string;
  name: string;
  parentId: string | null;
  depth: number;
  people: number;
  cells: OrgCell[];
}

export interface OrgView {
  period: PeriodInfo;
  previousPeriod: { key: string; label: string };
  currency: string;
  metrics: (Metric & { aggregation: 'sum' | 'ratio' | 'quota' | 'coverage' | 'none' })[];
  teams: OrgTeam[];
  people: {
    user: { id: string; name: string };
    teamId: string;
    cells: { metric: string; value: number | null; target: number | null }[];
  }[];
}

export function orgViewQuery(p: PeriodChoice) {
  return queryOptions({
    queryKey: [...METRICS_KEY, 'org', p.kind, p.period ?? null],
    queryFn: () => apiGet<OrgView>('/api/metrics/org', { kind: p.kind, period: p.period }),
  });
}
