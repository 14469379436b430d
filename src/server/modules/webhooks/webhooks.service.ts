import type { z } from 'zod';
import type { Deps } from '../../context.ts';
import type { Executor } from '../../db/database.ts';
import { toFlag } from '../../db/database.ts';
import { enqueueJob } from '../../jobs/job-queue.ts';
import { invalidField, notFound } from '../../lib/errors.ts';
import { newId } from '../../lib/ids.ts';
import { decodeCursor, encodeCursor, pageOf } from '../../lib/pagination.ts';
import { type Actor, assertRole } from '../../policy/policy.ts';
import { audit } from '../audit/audit.service.ts';
import { newWebhookSecret } from './webhook-signing.ts';
import { webhookUrlProblem } from './webhook-url.ts';
import {
  type DeliveryAttemptRow,
  type DeliveryRow,
  type deliveryListQuery,
  type EndpointRow,
  TEST_EVENT,
  toDeliveryResponse,
  toWebhookResponse,
  type WebhookEventType,
  type webhookCreateBody,
  type webhookUpdateBody,
} from './webhooks.schemas.ts';

export const WEBHOOK_DELIVER_JOB = 'webhooks.deliver';
export const WEBHOOK_MAX_ATTEMPTS = 8;

/** Webhook services need to know whether loopback receivers are allowed (tests, same-host setups). */
export interface WebhookDeps extends Deps {
  webhookAllowLoopback: boolean;
}

const endpointColumns = [
  'id',
  'url',
  'description',
  'events',
  'active',
  'secret',
  'created_at',
  'updated_at',
] as const;

function checkUrl(url: string, allowLoopback: boolean): void {
  const problem = webhookUrlProblem(url, allowLoopback);
  if (problem) throw invalidField('url', problem);
}

async function findEndpoint(db: Executor, orgId: string, id: string): Promise<EndpointRow | undefined> {
  return db
    .selectFrom('webhook_endpoints')
    .select(endpointColumns)
    .where('org_id', '=', orgId)
    .where('id', '=', id)
    .where('deleted_at', 'is', null)
    .executeTakeFirst();
}

export async function listWebhooks(deps: Deps, actor: Actor) {
  assertRole(actor, 'admin');
  const rows = await deps.db.kysely
    .selectFrom('webhook_endpoints')
    .select(endpointColumns)
    .where('org_id', '=', actor.orgId)
    .where('deleted_at', 'is', null)
    .orderBy('created_at')
    .limit(200)
    .execute();
  return { items: rows.map(toWebhookResponse) };
}

export async function getWebhook(deps: Deps, actor: Actor, id: string) {
  assertRole(actor, 'admin');
  const row = await findEndpoint(deps.db.kysely, actor.orgId, id);
  if (!row) throw notFound('Webhook');
  return toWebhookResponse(row);
}

/** Registers an endpoint; its signing secret is returned here once and never listed again. */
export async function createWebhook(
  deps: WebhookDeps,
  actor: Actor,
  input: z.infer<typeof webhookCreateBody>,
) {
  assertRole(actor, 'admin');
  checkUrl(input.url, deps.webhookAllowLoopback);
  const now = deps.clock.now();
  const row = {
    org_id: actor.orgId,
    id: newId(),
    url: input.url,
    description: input.description,
    events: JSON.stringify(input.events),
    secret: newWebhookSecret(),
    active: 1 as const,
    created_by: actor.userId,
    created_at: now,
    updated_at: now,
    deleted_at: null,
  };
  await deps.db.kysely.transaction().execute(async (trx) => {
    await trx.insertInto('webhook_endpoints').values(row).execute();
    await audit(trx, deps, actor, 'webhook', row.id, 'create', { url: row.url, events: input.events });
  });
  return { endpoint: toWebhookResponse(row), secret: row.secret };
}

export async function updateWebhook(
  deps: WebhookDeps,
  actor: Actor,
  id: string,
  input: z.infer<typeof webhookUpdateBody>,
) {
  assertRole(actor, 'admin');
  if (input.url !== undefined) checkUrl(input.url, deps.webhookAllowLoopback);
  return deps.db.kysely.transaction().execute(async (trx) => {
    const before = await findEndpoint(trx, actor.orgId, id);
    if (!before) throw notFound('Webhook');
    const now = deps.clock.now();
    const after: EndpointRow = {
      ...before,
      url: input.url ?? before.url,
      description: input.description ?? before.description,
      events: input.events ? JSON.stringify(input.events) : before.events,
      active: input.active === undefined ? before.active : toFlag(input.active),
      updated_at: now,
    };
    await trx
      .updateTable('webhook_endpoints')
      .set({
        url: after.url,
        description: after.description,
        events: after.events,
        active: after.active,
        updated_at: now,
      })
      .where('org_id', '=', actor.orgId)
      .where('id', '=', id)
      .execute();
    await audit(trx, deps, actor, 'webhook', id, 'update', { ...input });
    return toWebhookResponse(after);
  });
}

/** Soft delete: the delivery log stays readable in the audit trail; pending deliveries are cancelled. */
export async function deleteWebhook(deps: Deps, actor: Actor, id: string): Promise<void> {
  assertRole(actor, 'admin');
  await deps.db.kysely.transaction().execute(async (trx) => {
    const result = await trx
      .updateTable('webhook_endpoints')
      .set({ deleted_at: deps.clock.now(), active: 0 })
      .where('org_id', '=', actor.orgId)
      .where('id', '=', id)
      .where('deleted_at', 'is', null)
      .executeTakeFirst();
    if (Number(result.numUpdatedRows) === 0) throw notFound('Webhook');
    await audit(trx, deps, actor, 'webhook', id, 'delete', {});
  });
}

export async function rotateWebhookSecret(deps: Deps, actor: Actor, id: string) {
  assertRole(actor, 'admin');
  return deps.db.kysely.transaction().execute(async (trx) => {
    const before = await findEndpoint(trx, actor.orgId, id);
    if (!before) throw notFound('Webhook');
    const secret = newWebhookSecret();
    const now = deps.clock.now();
    await trx
      .updateTable('webhook_endpoints')
      .set({ secret, updated_at: now })
      .where('org_id', '=', actor.orgId)
      .where('id', '=', id)
      .execute();
    await audit(trx, deps, actor, 'webhook', id, 'rotate_secret', {});
    return { endpoint: toWebhookResponse({ ...before, secret, updated_at: now }), secret };
  });
}

export async function listDeliveries(
  deps: Deps,
  actor: Actor,
  endpointId: string,
  input: z.infer<typeof deliveryListQuery>,
) {
  assertRole(actor, 'admin');
  if (!(await findEndpoint(deps.db.kysely, actor.orgId, endpointId))) throw notFound('Webhook');
  let q = deps.db.kysely
    .selectFrom('webhook_deliveries')
    .select([
      'id',
      'event_type',
      'status',
      'attempts',
      'response_status',
      'response_snippet',
      'error',
      'duration_ms',
      'created_at',
      'last_attempt_at',
      'delivered_at',
      'body',
    ])
    .where('org_id', '=', actor.orgId)
    .where('endpoint_id', '=', endpointId);
  if (input.cursor) q = q.where('id', '<', decodeCursor(input.cursor).id);
  const rows: DeliveryRow[] = await q
    .orderBy('id', 'desc')
    .limit(input.limit + 1)
    .execute();
  const page = pageOf(rows, input.limit, (r) => encodeCursor(r.created_at, r.id));
  // The attempts of the whole page in one query.
  const attempts =
    page.items.length === 0
      ? []
      : await deps.db.kysely
          .selectFrom('webhook_delivery_attempts')
          .select([
            'delivery_id',
            'attempt',
            'attempted_at',
            'response_status',
            'response_snippet',
            'error',
            'duration_ms',
          ])
          .where('org_id', '=', actor.orgId)
          .where(
            'delivery_id',
            'in',
            page.items.map((d) => d.id),
          )
          .orderBy('delivery_id')
          .orderBy('attempt')
          .execute();
  const byDelivery = new Map<string, DeliveryAttemptRow[]>();
  for (const a of attempts) byDelivery.set(a.delivery_id, [...(byDelivery.get(a.delivery_id) ?? []), a]);
  return {
    items: page.items.map((d) => toDeliveryResponse(d, byDelivery.get(d.id) ?? [])),
    nextCursor: page.nextCursor,
  };
}

async function queueDelivery(
  trx: Executor,
  deps: Pick<Deps, 'clock'>,
  orgId: string,
  endpointId: string,
  type: string,
  data: Record<string, unknown>,
): Promise<string> {
  const now = deps.clock.now();
  const id = `msg_${newId()}`;
  // The body is fixed now, so every retry sends the same bytes under the same message id.
  const body = JSON.stringify({ type, timestamp: new Date(now).toISOString(), data });
  await trx
    .insertInto('webhook_deliveries')
    .values({
      org_id: orgId,
      id,
      endpoint_id: endpointId,
      event_type: type,
      body,
      status: 'pending',
      attempts: 0,
      response_status: null,
      response_snippet: null,
      error: null,
      duration_ms: null,
      created_at: now,
      last_attempt_at: null,
      delivered_at: null,
    })
    .execute();
  await enqueueJob(trx, deps, {
    name: WEBHOOK_DELIVER_JOB,
    orgId,
    payload: { deliveryId: id },
    maxAttempts: WEBHOOK_MAX_ATTEMPTS,
  });
  return id;
}

/**
 * Emits a domain event to every active endpoint of the org subscribed to `type`, inside the
 * caller's transaction: a delivery row and its job are written with the change, and the HTTP call
 * happens after commit (outbox), retried with backoff. Modules call this for their events.
 */
export async function emitEvent(
  trx: Executor,
  deps: Pick<Deps, 'clock'>,
  orgId: string,
  type: WebhookEventType,
  payload: Record<string, unknown>,
): Promise<number> {
  const endpoints = await trx
    .selectFrom('webhook_endpoints')
    .select(['id', 'events'])
    .where('org_id', '=', orgId)
    .where('active', '=', 1)
    .where('deleted_at', 'is', null)
    .execute();
  let queued = 0;
  for (const endpoint of endpoints) {
    if (!(JSON.parse(endpoint.events) as string[]).includes(type)) continue;
    await queueDelivery(trx, deps, orgId, endpoint.id, type, payload);
    queued += 1;
  }
  return queued;
}

/** Queues a `webhook.test` event to one endpoint (even an inactive one), to check the receiver. */
export async function sendTestEvent(deps: Deps, actor: Actor, id: string) {
  assertRole(actor, 'admin');
  return deps.db.kysely.transaction().execute(async (trx) => {
    if (!(await findEndpoint(trx, actor.orgId, id))) throw notFound('Webhook');
    const deliveryId = await queueDelivery(trx, deps, actor.orgId, id, TEST_EVENT, {
      message: 'Test event from Outfield',
      requestedBy: actor.userId,
    });
    return { deliveryId };
  });
}
