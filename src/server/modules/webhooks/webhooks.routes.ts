import type { FastifyInstance } from 'fastify';
import type { ZodTypeProvider } from 'fastify-type-provider-zod';
import { z } from 'zod';
import { idParam } from '../identity/identity.schemas.ts';
import {
  deliveryListQuery,
  deliveryPage,
  webhookCreateBody,
  webhookResponse,
  webhookUpdateBody,
  webhookWithSecret,
} from './webhooks.schemas.ts';
import {
  createWebhook,
  deleteWebhook,
  getWebhook,
  listDeliveries,
  listWebhooks,
  rotateWebhookSecret,
  sendTestEvent,
  updateWebhook,
  type WebhookDeps,
} from './webhooks.service.ts';

/** Admin management of webhook endpoints and their delivery log. */
export function webhooksRoutes(app: FastifyInstance, deps: WebhookDeps): void {
  const r = app.withTypeProvider<ZodTypeProvider>();
  const tags = ['webhooks'];
  const config = { permission: 'webhooks.manage' as const };
  r.get(
    '/api/webhooks',
    {
      config,
      schema: {
        tags,
        summary: 'List webhook endpoints',
        response: { 200: z.object({ items: z.array(webhookResponse) }) },
      },
    },
    async (req) => listWebhooks(deps, req.actor!),
  );
  r.post(
    '/api/webhooks',
    {
      config,
      schema: {
        tags,
        summary: 'Register an endpoint; the signing secret is in this response only',
        body: webhookCreateBody,
        response: { 201: webhookWithSecret },
      },
    },
    async (req, reply) => reply.code(201).send(await createWebhook(deps, req.actor!, req.body)),
  );
  r.get(
    '/api/webhooks/:id',
    {
      config,
      schema: { tags, summary: 'One endpoint', params: idParam, response: { 200: webhookResponse } },
    },
    async (req) => getWebhook(deps, req.actor!, req.params.id),
  );
  r.patch(
    '/api/webhooks/:id',
    {
      config,
      schema: {
        tags,
        summary: 'Change URL, events, description or pause/resume',
        params: idParam,
        body: webhookUpdateBody,
        response: { 200: webhookResponse },
      },
    },
    async (req) => updateWebhook(deps, req.actor!, req.params.id, req.body),
  );
  r.delete(
    '/api/webhooks/:id',
    { config, schema: { tags, summary: 'Delete an endpoint', params: idParam } },
    async (req, reply) => {
      await deleteWebhook(deps, req.actor!, req.params.id);
      return reply.code(204).send();
    },
  );
  r.post(
    '/api/webhooks/:id/rotate-secret',
    {
      config,
      schema: {
        tags,
        summary: 'Replace the signing secret (shown once)',
        params: idParam,
        response: { 200: webhookWithSecret },
      },
    },
    async (req) => rotateWebhookSecret(deps, req.actor!, req.params.id),
  );
  r.post(
    '/api/webhooks/:id/test',
    {
      config,
      schema: {
        tags,
        summary: 'Queue a webhook.test event to this endpoint',
        params: idParam,
        response: { 202: z.object({ deliveryId: z.string() }) },
      },
    },
    async (req, reply) => reply.code(202).send(await sendTestEvent(deps, req.actor!, req.params.id)),
  );
  r.get(
    '/api/webhooks/:id/deliveries',
    {
      config,
      schema: {
        tags,
        summary: 'Delivery log of an endpoint, newest first',
        params: idParam,
        querystring: deliveryListQuery,
        response: { 200: deliveryPage },
      },
    },
    async (req) => listDeliveries(deps, req.actor!, req.params.id, req.query),
  );
}
