import { z } from 'zod';
import type {
  WebhookDeliveriesTable,
  WebhookDeliveryAttemptsTable,
  WebhookEndpointsTable,
} from '../../db/schema.ts';
import { pageQuery } from '../../lib/pagination.ts';
import { iso, isoOrNull } from '../identity/identity.schemas.ts';
import { WEBHOOK_URL_MAX_LENGTH } from './webhook-url.ts';

/**
 * Every event an endpoint can subscribe to. Identity emits user.* now; the others are emitted by
 * their modules through emitEvent() as they land (add new types here first).
 */
export const webhookEventTypes = [
  'user.created',
  'user.deactivated',
  'deal.won',
  'visit.logged',
  'goal.achieved',
  'period.locked',
] as const;
export type WebhookEventType = (typeof webhookEventTypes)[number];
/** Sent only by "send test event"; not subscribable. */
export const TEST_EVENT = 'webhook.test';

const urlField = z
  .string()
  .trim()
  .min(1)
  .max(WEBHOOK_URL_MAX_LENGTH + 1000);
const eventsField = z
  .array(z.enum(webhookEventTypes))
  .min(1)
  .max(webhookEventTypes.length)
  .refine((events) => new Set(events).size === events.length, 'must not repeat an event');

export const webhookCreateBody = z
  .object({
    url: urlField,
    events: eventsField,
    description: z.string().trim().max(200).default(''),
  })
  .strict();

export const webhookUpdateBody = z
  .object({
    url: urlField,
    events: eventsField,
    description: z.string().trim().max(200),
    active: z.boolean(),
  })
  .partial()
  .strict();

export const webhookResponse = z.object({
  id: z.string(),
  url: z.string(),
  description: z.string(),
  events: z.array(z.string()),
  active: z.boolean(),
  /** The first characters only; the secret itself is shown once, when created or rotated. */
  secretHint: z.string(),
  createdAt: z.string(),
  updatedAt: z.string(),
});

export const webhookWithSecret = z.object({ endpoint: webhookResponse, secret: z.string() });

export type EndpointRow = Pick<
  WebhookEndpointsTable,
  'id' | 'url' | 'description' | 'events' | 'active' | 'secret' | 'created_at' | 'updated_at'
>;

export function toWebhookResponse(row: EndpointRow): z.infer<typeof webhookResponse> {
  return {
    id: row.id,
    url: row.url,
    description: row.description,
    events: JSON.parse(row.events) as string[],
    active: row.active === 1,
    secretHint: `${row.secret.slice(0, 10)}…`,
    createdAt: iso(row.created_at),
    updatedAt: iso(row.updated_at),
  };
}

export const deliveryListQuery = z.object({ ...pageQuery });

export const deliveryAttemptResponse = z.object({
  attempt: z.number().int(),
  attemptedAt: z.string(),
  responseStatus: z.number().int().nullable(),
  responseSnippet: z.string().nullable(),
  error: z.string().nullable(),
  durationMs: z.number().int().nullable(),
});

export const deliveryResponse = z.object({
  id: z.string(),
  eventType: z.string(),
  status: z.enum(['pending', 'succeeded', 'failed', 'cancelled']),
  attempts: z.number().int(),
  responseStatus: z.number().int().nullable(),
  responseSnippet: z.string().nullable(),
  error: z.string().nullable(),
  durationMs: z.number().int().nullable(),
  createdAt: z.string(),
  lastAttemptAt: z.string().nullable(),
  deliveredAt: z.string().nullable(),
  payload: z.unknown(),
  /** Every attempt, oldest first: when, the receiver's answer or the error, and how long it took. */
  attemptLog: z.array(deliveryAttemptResponse),
});

export const deliveryPage = z.object({ items: z.array(deliveryResponse), nextCursor: z.string().nullable() });

export type DeliveryRow = Pick<
  WebhookDeliveriesTable,
  | 'id'
  | 'event_type'
  | 'status'
  | 'attempts'
  | 'response_status'
  | 'response_snippet'
  | 'error'
  | 'duration_ms'
  | 'created_at'
  | 'last_attempt_at'
  | 'delivered_at'
  | 'body'
>;

export type DeliveryAttemptRow = Omit<WebhookDeliveryAttemptsTable, 'org_id'>;

export function toDeliveryResponse(
  row: DeliveryRow,
  attempts: readonly DeliveryAttemptRow[],
): z.infer<typeof deliveryResponse> {
  return {
    id: row.id,
    eventType: row.event_type,
    status: row.status,
    attempts: row.attempts,
    responseStatus: row.response_status,
    responseSnippet: row.response_snippet,
    error: row.error,
    durationMs: row.duration_ms,
    createdAt: iso(row.created_at),
    lastAttemptAt: isoOrNull(row.last_attempt_at),
    deliveredAt: isoOrNull(row.delivered_at),
    payload: JSON.parse(row.body) as unknown,
    attemptLog: attempts.map((a) => ({
      attempt: a.attempt,
      attemptedAt: iso(a.attempted_at),
      responseStatus: a.response_status,
      responseSnippet: a.response_snippet,
      error: a.error,
      durationMs: a.duration_ms,
    })),
  };
}
