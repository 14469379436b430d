import { apiDelete, apiGet, apiPatch, apiPost } from '../../lib/api.ts';

export const JOBS_KEY = ['admin', 'jobs'] as const;
export const WEBHOOKS_KEY = ['admin', 'webhooks'] as const;

export type JobState = 'queued' | 'running' | 'done' | 'dead';

export interface Job {
  id: string;
  name: string;
  state: JobState;
  payload: unknown;
  attempts: number;
  maxAttempts: number;
  runAt: string;
  lastError: string | null;
  createdAt: string;
  updatedAt: string;
  finishedAt: string | null;
}

export interface JobPage {
  items: Job[];
  nextCursor: string | null;
  counts: Record<JobState, number>;
}

export interface Webhook {
  id: string;
  url: string;
  description: string;
  events: string[];
  active: boolean;
  secretHint: string;
  createdAt: string;
  updatedAt: string;
}

export interface WebhookDelivery {
  id: string;
  eventType: string;
  status: 'pending' | 'succeeded' | 'failed' | 'cancelled';
  attempts: number;
  responseStatus: number | null;
  responseSnippet: string | null;
  error: string | null;
  durationMs: number | null;
  createdAt: string;
  lastAttemptAt: string | null;
  deliveredAt: string | null;
  payload: unknown;
  attemptLog: Array<{
    attempt: number;
    attemptedAt: string;
    responseStatus: number | null;
    responseSnippet: string | null;
    error: string | null;
    durationMs: number | null;
  }>;
}

/** Mirrors the server's subscribable events (src/server/modules/webhooks/webhooks.schemas.ts). */
export const WEBHOOK_EVENTS = [
  'user.created',
  'user.deactivated',
  'deal.won',
  'visit.logged',
  'goal.achieved',
  'period.locked',
] as const;

export function fetchJobs(state: JobState | null, cursor: string | null): Promise<JobPage> {
  return apiGet<JobPage>('/api/admin/jobs', { state, cursor, limit: 50 });
}

export function retryJob(id: string): Promise<Job> {
  return apiPost<Job>(`/api/admin/jobs/${encodeURIComponent(id)}/retry`);
}

export function fetchWebhooks(): Promise<{ items: Webhook[] }> {
  return apiGet<{ items: Webhook[] }>('/api/webhooks');
}

export function createWebhook(input: { url: string; events: string[]; description: string }) {
  return apiPost<{ endpoint: Webhook; secret: string }>('/api/webhooks', input);
}

export function updateWebhook(
  id: string,
  input: Partial<Pick<Webhook, 'url' | 'events' | 'description' | 'active'>>,
) {
  return apiPatch<Webhook>(`/api/webhooks/${encodeURIComponent(id)}`, input);
}

export function deleteWebhook(id: string): Promise<void> {
  return apiDelete(`/api/webhooks/${encodeURIComponent(id)}`);
}

export function rotateWebhookSecret(id: string) {
  return apiPost<{ endpoint: Webhook; secret: string }>(
    `/api/webhooks/${encodeURIComponent(id)}/rotate-secret`,
  );
}

export function sendTestEvent(id: string) {
  return apiPost<{ deliveryId: string }>(`/api/webhooks/${encodeURIComponent(id)}/test`);
}

export function fetchDeliveries(id: string, cursor: string | null) {
  return apiGet<{ items: WebhookDelivery[]; nextCursor: string | null }>(
    `/api/webhooks/${encodeURIComponent(id)}/deliveries`,
    { cursor, limit: 50 },
  );
}
