/** Target calls of the web client: the team × metric grid, bulk CSV entry, and the ramp. */
import { apiGet, apiPatch, apiPost, apiPut } from '../../lib/api.ts';
import type { TargetBasis } from '../metrics/metrics-api.ts';

export const TARGETS_KEY = ['targets'] as const;

export interface TeamCell {
  metric: string;
  targetId: string | null;
  direct: number | null;
  sum: number | null;
  effective: number | null;
  source: 'direct' | 'months' | 'quarters' | 'sum' | 'none';
}

export interface Grid {
  team: { id: string; name: string };
  period: {
    key: string;
    label: string;
    kind: 'week' | 'month' | 'quarter' | 'year';
    startDate: string;
    endDate: string;
    closed: boolean;
  };
  currency: string;
  metrics: {
    key: string;
    name: string;
    format: string;
    /** The currency of the metric's money (a custom metric over deals of one currency); older answers: the grid's. */
    currency?: string;
    /** people: a team's default is the sum beneath it (not for rates); periods: a quarter/year is the sum of its months/quarters. */
    sums: { people: boolean; periods: boolean };
  }[];
  rows: {
    user: { id: string; name: string };
    tenureMonth: number;
    rampPercent: number;
    cells: {
      metric: string;
      targetId: string | null;
      amount: number | null;
      effective: number | null;
      /**
       * How the effective target was obtained: set, the sum of the period's months / quarters, or
       * the target of the playbook that applies to the person (`playbook`).
       */
      source: 'set' | 'months' | 'quarters' | 'playbook' | null;
      parts: { withTarget: number; of: number; fromPlaybook?: number } | null;
      playbook?: { id: string; name: string } | null;
    }[];
  }[];
  teamRow: { cells: TeamCell[] };
  subTeams: { team: { id: string; name: string }; cells: TeamCell[] }[];
}

export interface GridCellWrite {
  subjectType: 'user' | 'team';
  subjectId: string;
  metric: string;
  amount: number | null;
}

export interface WriteSummary {
  created: number;
  updated: number;
  deleted: number;
  unchanged: number;
}

export interface CsvProblem {
  row: number;
  column: string | null;
  reason: string;
}

export function gridQuery(teamId: string, period: string, metrics: string[]) {
  return {
    queryKey: [...TARGETS_KEY, 'grid', teamId, period, metrics.join(',')],
    queryFn: () => apiGet<Grid>('/api/targets/grid', { teamId, period, metrics: metrics.join(',') }),
  };
}

/** One stored target as GET /api/targets lists it, with its effective (ramped) amount. */
export interface TargetItem {
  id: string;
  subjectType: 'user' | 'team';
  subject: { id: string; name: string };
  metric: string;
  period: Grid['period'];
  amount: number;
  effectiveAmount: number;
  rampPercent: number;
}

/** One metric a person has an effective target for (see `GET /api/targets/effective`). */
export interface EffectiveTarget {
  metric: string;
  /** After ramp. */
  amount: number;
  basis: TargetBasis;
}

/**
 * Every metric a person has an effective target for in one period — set, summed from months or
 * quarters, or from their playbook — what they are measured on. The server answers only for
 * someone the actor may read (else 404).
 */
export function effectiveTargetsQuery(userId: string, period: string) {
  return {
    queryKey: [...TARGETS_KEY, 'effective', userId, period],
    queryFn: () =>
      apiGet<{ user: { id: string; name: string }; items: EffectiveTarget[] }>('/api/targets/effective', {
        userId,
        period,
      }),
  };
}

export function putGrid(period: string, cells: GridCellWrite[], confirmClosedPeriod: boolean) {
  return apiPut<WriteSummary>('/api/targets/grid', { period, cells, confirmClosedPeriod });
}

export function importCsv(csv: string, o: { dryRun: boolean; confirmClosedPeriods: boolean }) {
  return apiPost<WriteSummary & { rows: number; dryRun: boolean }>('/api/targets/import', { csv, ...o });
}

export function saveRamp(ramp: number[]) {
  return apiPatch<{ ramp: number[] }>('/api/metrics/settings', { ramp });
}
