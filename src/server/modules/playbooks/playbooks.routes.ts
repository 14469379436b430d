import type { FastifyInstance } from 'fastify';
import type { ZodTypeProvider } from 'fastify-type-provider-zod';
import { z } from 'zod';
import type { Deps } from '../../context.ts';
import { reachPrefetch } from '../../policy/reach.ts';
import { idParam } from '../identity/identity.schemas.ts';
import {
  acknowledgeBody,
  acknowledgementsResponse,
  diffQuery,
  diffResponse,
  playbookCreateBody,
  playbookDraftBody,
  playbookGetQuery,
  playbookListItem,
  playbookResponse,
} from './playbooks.schemas.ts';
import {
  acknowledgePlaybook,
  createPlaybook,
  getPlaybook,
  listPlaybooks,
  playbookAcknowledgements,
  playbookDiff,
  publishPlaybook,
  saveDraft,
} from './playbooks.service.ts';

/** Role playbooks (expectations): versioned, published, acknowledged. */
export function playbooksRoutes(app: FastifyInstance, deps: Deps): void {
  const r = app.withTypeProvider<ZodTypeProvider>();
  const read = { permission: 'playbooks.read' as const };
  const manage = { permission: 'playbooks.manage' as const };
  const tags = ['playbooks'];

  r.get(
    '/api/playbooks',
    {
      config: { ...read, prefetch: reachPrefetch },
      schema: {
        tags,
        summary: 'Playbooks I can read, with what I still need to acknowledge',
        response: { 200: z.object({ items: z.array(playbookListItem) }) },
      },
    },
    async (req) => listPlaybooks(deps, req.actor!, await req.reach()),
  );
  r.post(
    '/api/playbooks',
    {
      config: { ...manage, prefetch: reachPrefetch },
      schema: {
        tags,
        summary: 'Create a playbook for a role (admins) or a team I manage; starts as draft version 1',
        body: playbookCreateBody,
        response: { 201: playbookResponse },
      },
    },
    async (req, reply) =>
      reply.code(201).send(await createPlaybook(deps, req.actor!, await req.reach(), req.body)),
  );
  r.get(
    '/api/playbooks/:id',
    {
      config: { ...read, prefetch: reachPrefetch },
      schema: {
        tags,
        summary: 'A playbook with its version history and one version’s document (default: current)',
        params: idParam,
        querystring: playbookGetQuery,
        response: { 200: playbookResponse },
      },
    },
    async (req) => getPlaybook(deps, req.actor!, await req.reach(), req.params.id, req.query),
  );
  r.put(
    '/api/playbooks/:id/draft',
    {
      config: { ...manage, prefetch: reachPrefetch },
      schema: {
        tags,
        summary: 'Save the draft (a published version never changes; editing after one starts the next)',
        params: idParam,
        body: playbookDraftBody,
        response: { 200: playbookResponse },
      },
    },
    async (req) => saveDraft(deps, req.actor!, await req.reach(), req.params.id, req.body),
  );
  r.post(
    '/api/playbooks/:id/publish',
    {
      config: { ...manage, prefetch: reachPrefetch },
      schema: {
        tags,
        summary: 'Publish the draft and ask everyone it applies to to acknowledge it',
        params: idParam,
        response: { 200: playbookResponse },
      },
    },
    async (req) => publishPlaybook(deps, req.actor!, await req.reach(), req.params.id),
  );
  r.post(
    '/api/playbooks/:id/acknowledge',
    {
      config: { permission: 'playbooks.acknowledge', prefetch: reachPrefetch },
      schema: {
        tags,
        summary: 'Acknowledge the current version',
        params: idParam,
        body: acknowledgeBody,
        response: { 200: playbookResponse },
      },
    },
    async (req) => acknowledgePlaybook(deps, req.actor!, await req.reach(), req.params.id, req.body),
  );
  r.get(
    '/api/playbooks/:id/diff',
    {
      config: { ...read, prefetch: reachPrefetch },
      schema: {
        tags,
        summary: 'What changed since the version I acknowledged (or between two versions)',
        params: idParam,
        querystring: diffQuery,
        response: { 200: diffResponse },
      },
    },
    async (req) => playbookDiff(deps, req.actor!, await req.reach(), req.params.id, req.query),
  );
  r.get(
    '/api/playbooks/:id/acknowledgements',
    {
      config: { ...manage, prefetch: reachPrefetch },
      schema: {
        tags,
        summary: 'Who has acknowledged the current version, and who has not (people under me)',
        params: idParam,
        response: { 200: acknowledgementsResponse },
      },
    },
    async (req) => playbookAcknowledgements(deps, req.actor!, await req.reach(), req.params.id),
  );
}
