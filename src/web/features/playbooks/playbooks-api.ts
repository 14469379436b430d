/** Playbook calls of the web client: list, one playbook, draft, publish, acknowledge, diff, acknowledgements. */
import { apiGet, apiPost, apiPut } from '../../lib/api.ts';
import type { Role } from '../../lib/types.ts';

export const PLAYBOOKS_KEY = ['playbooks'] as const;

export type PeriodKind = 'week' | 'month' | 'quarter' | 'year';

export interface MetricRef {
  key: string;
  name: string;
  definition: string;
  format: string;
}

export interface PlaybookDocumentOut {
  summary: string;
  responsibilities: string[];
  targets: { id: string; metric: MetricRef; periodKind: PeriodKind; amount: number }[];
  metrics: { metric: MetricRef; note: string }[];
}

export interface PlaybookDocumentIn {
  summary: string;
  responsibilities: string[];
  targets: { metric: string; periodKind: PeriodKind; amount: number }[];
  metrics: { metric: string; note: string }[];
}

export interface PlaybookListItem {
  id: string;
  name: string;
  scope: { type: 'role' | 'team'; role: Role | null; teamId: string | null };
  currentVersion: number | null;
  myAcknowledgedVersion: number | null;
  needsAcknowledgement: boolean;
  canManage: boolean;
  /** Whether the server shows me who has acknowledged it (managers: their people; admins: everyone). */
  canSeeAcknowledgements: boolean;
}

export interface Playbook extends PlaybookListItem {
  versions: {
    version: number;
    status: 'draft' | 'published';
    publishedAt: string | null;
    publishedBy: string | null;
  }[];
  shown: { version: number; status: 'draft' | 'published'; document: PlaybookDocumentOut } | null;
}

export interface PlaybookDiff {
  from: number;
  to: number;
  summaryChanged: boolean;
  /** The summary before and after, when it changed. */
  summary: { from: string; to: string } | null;
  responsibilities: { added: string[]; removed: string[] };
  targets: {
    added: { metric: string; periodKind: PeriodKind; amount: number }[];
    removed: { metric: string; periodKind: PeriodKind; amount: number }[];
    changed: { metric: string; periodKind: PeriodKind; from: number; to: number }[];
  };
  metrics: {
    added: string[];
    removed: string[];
    changed: { metric: string; from: string; to: string }[];
  };
}

export interface Acknowledgements {
  version: number | null;
  items: {
    user: { id: string; name: string };
    acknowledgedVersion: number | null;
    acknowledgedAt: string | null;
    upToDate: boolean;
  }[];
  pending: { id: string; name: string }[];
}

export const playbooksQuery = {
  queryKey: [...PLAYBOOKS_KEY, 'list'],
  queryFn: () => apiGet<{ items: PlaybookListItem[] }>('/api/playbooks'),
};

export function playbookQuery(id: string, version?: number) {
  return {
    queryKey: [...PLAYBOOKS_KEY, id, version ?? 'current'],
    queryFn: () => apiGet<Playbook>(`/api/playbooks/${id}`, { version }),
  };
}

export function diffQuery(id: string) {
  return {
    queryKey: [...PLAYBOOKS_KEY, id, 'diff'],
    queryFn: () => apiGet<PlaybookDiff>(`/api/playbooks/${id}/diff`),
  };
}

export function acknowledgementsQuery(id: string) {
  return {
    queryKey: [...PLAYBOOKS_KEY, id, 'acknowledgements'],
    queryFn: () => apiGet<Acknowledgements>(`/api/playbooks/${id}/acknowledgements`),
  };
}

export const createPlaybook = (body: {
  name: string;
  scope: { type: 'role'; role: Role } | { type: 'team'; teamId: string };
  document: PlaybookDocumentIn;
}) => apiPost<Playbook>('/api/playbooks', body);

export const saveDraft = (id: string, body: { name?: string; document: PlaybookDocumentIn }) =>
  apiPut<Playbook>(`/api/playbooks/${id}/draft`, body);

export const publish = (id: string) => apiPost<Playbook>(`/api/playbooks/${id}/publish`);

export const acknowledge = (id: string, version: number) =>
  apiPost<Playbook>(`/api/playbooks/${id}/acknowledge`, { version });
