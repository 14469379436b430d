import type { SmartResult } from '../../../shared/smart-check.ts';
import { apiGet, apiPatch, apiPost } from '../../lib/api.ts';

export const GOALS_KEY = ['goals'] as const;
export type SupportKind = 'goal' | 'objective' | 'playbook_target';

export type GoalStatus = 'draft' | 'proposed' | 'changes_requested' | 'agreed';
export type ProgressStatus = 'on_track' | 'at_risk' | 'off_track' | 'achieved' | 'missed';
export interface Ref {
  id: string;
  name: string;
}

export interface Goal {
  id: string;
  owner: { kind: 'user' | 'team'; user: Ref | null; team: Ref | null };
  title: string;
  description: string;
  metric: { key: string; name: string; unit: string; direction: 'higher' | 'lower' } | null;
  manualUnit: string | null;
  doneCriterion: string | null;
  currency: string | null;
  baseline: number;
  target: number;
  startDate: string;
  deadline: string;
  checkpoints: { id: string; date: string; target: number }[];
  status: GoalStatus;
  awaiting: 'owner' | 'manager' | null;
  agreedAt: string | null;
  progressStatus: ProgressStatus | null;
  progressReason: string | null;
  supports: { kind: SupportKind; id: string } | null;
  permissions: { edit: boolean; propose: boolean; decide: boolean };
  createdAt: string;
  updatedAt: string;
}

export interface GoalEvent {
  id: string;
  at: string;
  actor: Ref | null;
  kind: string;
  comment: string | null;
  changes: Record<string, unknown>;
}

export interface GoalDetail extends Goal {
  smart: SmartResult;
  progressNow: {
    mode: 'cumulative' | 'level' | 'manual';
    actual: number;
    pace: number;
    forecast: number;
    progress: number;
    elapsed: number;
    status: ProgressStatus;
    reason: string;
    pipelineBeforeDeadline: number | null;
    computedAt: string;
  };
  children: (Goal & { actual: number })[];
  rollup: { actual: number; count: number } | null;
  events: GoalEvent[];
  updates: { id: string; value: number; evidence: string; evidenceUrl: string | null; by: Ref; at: string }[];
}

export interface SeriesPoint {
  at: string;
  date: string;
  actual: number | null;
  pace: number;
  forecast: number | null;
}

export interface Objective {
  id: string;
  title: string;
  description: string;
  active: boolean;
}

export interface GoalSettings {
  horizonDays: number;
  achievableFactor: number;
}

/** What the editor sends: the create body (ownerKind/ownerUserId only on create). */
export interface GoalInput {
  ownerKind?: 'user' | 'team';
  ownerUserId?: string;
  ownerTeamId?: string;
  title: string;
  description?: string;
  metricKey: string | null;
  manualUnit?: string | null;
  doneCriterion?: string | null;
  baseline: number;
  target: number;
  startDate: string;
  deadline: string;
  checkpoints: { date: string; target: number }[];
  supports: { kind: SupportKind; id: string } | null;
}

export const fetchGoals = () => apiGet<{ items: Goal[] }>('/api/goals', { limit: 500 });
export const fetchGoal = (id: string) => apiGet<GoalDetail>(`/api/goals/${encodeURIComponent(id)}`);
export const fetchSeries = (id: string) =>
  apiGet<{ points: SeriesPoint[] }>(`/api/goals/${encodeURIComponent(id)}/series`);
export const fetchObjectives = () => apiGet<{ items: Objective[] }>('/api/objectives');

export interface PlaybookTargetOption {
  id: string;
  label: string;
}

/** Targets of the published playbooks the user can read, as goal links ("supports"). */
export async function fetchPlaybookTargets(): Promise<PlaybookTargetOption[]> {
  const list = await apiGet<{ items: Array<{ id: string; currentVersion: number | null }> }>(
    '/api/playbooks',
  );
  const published = list.items.filter((p) => p.currentVersion !== null);
  const details = await Promise.all(
    published.map((p) =>
      apiGet<{
        name: string;
        shown: {
          version: number;
          status: 'draft' | 'published';
          document: {
            targets: Array<{ id: string; metric: { name: string }; periodKind: string; amount: number }>;
          };
        } | null;
      }>(`/api/playbooks/${encodeURIComponent(p.id)}`),
    ),
  );
  return details.flatMap((d) =>
    d.shown?.status === 'published'
      ? d.shown.document.targets.map((t) => ({
          id: t.id,
          label: `${d.name}: ${t.metric.name} ${t.amount} per ${t.periodKind}`,
        }))
      : [],
  );
}
export const fetchGoalSettings = () => apiGet<GoalSettings>('/api/goals/settings');
export const createGoal = (input: GoalInput) => apiPost<Goal>('/api/goals', input);
export const updateGoal = (id: string, input: Partial<GoalInput>) =>
  apiPatch<Goal>(`/api/goals/${encodeURIComponent(id)}`, input);
export const serverSmartCheck = (input: Partial<GoalInput>) =>
  apiPost<SmartResult>('/api/goals/smart-check', input);

export type GoalAction = 'propose' | 'agree' | 'request-changes' | 'comments';
export const goalAction = (id: string, action: GoalAction, comment?: string) =>
  apiPost<Goal>(`/api/goals/${encodeURIComponent(id)}/${action}`, comment ? { comment } : {});
export const addProgress = (id: string, value: number, evidence: string) =>
  apiPost<Goal>(`/api/goals/${encodeURIComponent(id)}/progress`, { value, evidence });

export const STATUS_LABELS: Record<GoalStatus, string> = {
  draft: 'Draft',
  proposed: 'Proposed',
  changes_requested: 'Changes requested',
  agreed: 'Agreed',
};
export const PROGRESS_LABELS: Record<ProgressStatus, { label: string; color: string }> = {
  // Dark shades (or auto-contrast text on yellow) keep badges readable: WCAG AA contrast.
  on_track: { label: 'On track', color: 'teal.9' },
  at_risk: { label: 'At risk', color: 'yellow.4' },
  off_track: { label: 'Off track', color: 'red.9' },
  achieved: { label: 'Achieved', color: 'green.9' },
  missed: { label: 'Missed', color: 'gray.8' },
};

/** Money metrics travel in minor units; people type and read major units. */
export function isMoney(unit: string | null | undefined): boolean {
  return unit === 'money' || unit === 'money_per_day';
}
