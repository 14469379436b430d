import type { FastifyInstance } from 'fastify';
import type { ZodTypeProvider } from 'fastify-type-provider-zod';
import { z } from 'zod';
import type { Deps } from '../../context.ts';
import { reachPrefetch } from '../../policy/reach.ts';
import { idParam } from '../identity/identity.schemas.ts';
import {
  effectiveTargetsQuery,
  effectiveTargetsResponse,
  gridPutBody,
  gridQuery,
  gridResponse,
  importBody,
  importResponse,
  targetCreateBody,
  targetDeleteQuery,
  targetListQuery,
  targetResponse,
  targetUpdateBody,
  writeSummary,
} from './targets.schemas.ts';
import {
  createTarget,
  deleteTarget,
  effectiveTargetsFor,
  getTarget,
  importTargetsCsv,
  listTargetsFor,
  putTargetGrid,
  targetGrid,
  updateTarget,
} from './targets.service.ts';

/** Targets (quotas) per rep or team per period: CRUD, the team grid and CSV bulk entry. */
export function targetsRoutes(app: FastifyInstance, deps: Deps): void {
  const r = app.withTypeProvider<ZodTypeProvider>();
  const read = { permission: 'targets.read' as const };
  const manage = { permission: 'targets.manage' as const };
  const tags = ['targets'];

  r.get(
    '/api/targets',
    {
      config: { ...read, prefetch: reachPrefetch },
      schema: {
        tags,
        summary: 'Targets I can see (mine, my reports’, my teams’), with effective amounts after ramp',
        querystring: targetListQuery,
        response: { 200: z.object({ items: z.array(targetResponse) }) },
      },
    },
    async (req) => listTargetsFor(deps, req.actor!, await req.reach(), req.query),
  );
  r.get(
    '/api/targets/effective',
    {
      config: { ...read, prefetch: reachPrefetch },
      schema: {
        tags,
        summary:
          'Every metric a person has an effective target for in a period (set, summed from months/quarters, or from their playbook), after ramp',
        querystring: effectiveTargetsQuery,
        response: { 200: effectiveTargetsResponse },
      },
    },
    async (req) => effectiveTargetsFor(deps, req.actor!, await req.reach(), req.query),
  );
  r.post(
    '/api/targets',
    {
      config: { ...manage, prefetch: reachPrefetch },
      schema: { tags, summary: 'Set a target', body: targetCreateBody, response: { 201: targetResponse } },
    },
    async (req, reply) =>
      reply.code(201).send(await createTarget(deps, req.actor!, await req.reach(), req.body)),
  );
  r.get(
    '/api/targets/grid',
    {
      config: { ...manage, prefetch: reachPrefetch },
      schema: {
        tags,
        summary: 'A team × period grid: each member’s targets, the team’s (direct or sum) and sub-teams',
        querystring: gridQuery,
        response: { 200: gridResponse },
      },
    },
    async (req) => targetGrid(deps, req.actor!, await req.reach(), req.query),
  );
  r.put(
    '/api/targets/grid',
    {
      config: { ...manage, prefetch: reachPrefetch },
      schema: {
        tags,
        summary: 'Set many grid cells at once (null clears); all or nothing',
        body: gridPutBody,
        response: { 200: writeSummary },
      },
    },
    async (req) => putTargetGrid(deps, req.actor!, await req.reach(), req.body),
  );
  r.post(
    '/api/targets/import',
    {
      config: { ...manage, prefetch: reachPrefetch },
      schema: {
        tags,
        summary: 'Bulk entry by CSV: every row validated, all or nothing; errors name row, column and reason',
        body: importBody,
        response: { 200: importResponse },
      },
    },
    async (req) => importTargetsCsv(deps, req.actor!, await req.reach(), req.body),
  );
  r.get(
    '/api/targets/:id',
    {
      config: { ...read, prefetch: reachPrefetch },
      schema: { tags, summary: 'One target', params: idParam, response: { 200: targetResponse } },
    },
    async (req) => getTarget(deps, req.actor!, await req.reach(), req.params.id),
  );
  r.patch(
    '/api/targets/:id',
    {
      config: { ...manage, prefetch: reachPrefetch },
      schema: {
        tags,
        summary: 'Change a target’s amount',
        params: idParam,
        body: targetUpdateBody,
        response: { 200: targetResponse },
      },
    },
    async (req) => updateTarget(deps, req.actor!, await req.reach(), req.params.id, req.body),
  );
  r.delete(
    '/api/targets/:id',
    {
      config: { ...manage, prefetch: reachPrefetch },
      schema: {
        tags,
        summary: 'Remove a target',
        params: idParam,
        querystring: targetDeleteQuery,
        response: { 204: z.null() },
      },
    },
    async (req, reply) => {
      await deleteTarget(deps, req.actor!, await req.reach(), req.params.id, req.query.confirmClosedPeriod);
      return reply.code(204).send(null);
    },
  );
}
