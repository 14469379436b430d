import type { FastifyInstance } from 'fastify';
import type { ZodTypeProvider } from 'fastify-type-provider-zod';
import { z } from 'zod';
import type { Deps } from '../../context.ts';
import { idempotencyHeaders, idempotent } from '../../lib/idempotency.ts';
import { reachPrefetch } from '../../policy/reach.ts';
import { idParam } from '../identity/identity.schemas.ts';
import {
  createAccount,
  getAccount,
  listAccounts,
  nearbyAccounts,
  nearbyQuery,
  updateAccount,
} from './accounts.service.ts';
import {
  createActivity,
  deleteActivity,
  getActivity,
  listActivities,
  updateActivity,
} from './activities.service.ts';
import { createContact, getContact, listContacts, updateContact } from './contacts.service.ts';
import {
  accountCreateBody,
  accountListQuery,
  accountResponse,
  accountUpdateBody,
  activityCreateBody,
  activityListQuery,
  activityResponse,
  activityUpdateBody,
  contactCreateBody,
  contactListQuery,
  contactResponse,
  contactUpdateBody,
  crmSettingsSchema,
  crmSettingsUpdate,
  dealCreateBody,
  dealListQuery,
  dealResponse,
  dealUpdateBody,
  noteCreateBody,
  noteListQuery,
  noteResponse,
  noteUpdateBody,
  pageOfSchema,
  pipelineBody,
  pipelineResponse,
  stageHistoryResponse,
  stageResponse,
} from './crm.schemas.ts';
import { loadCrmSettings, updateCrmSettings } from './crm-settings.service.ts';
import {
  boardQuery,
  createDeal,
  dealBoard,
  dealHistory,
  getDeal,
  listDeals,
  updateDeal,
} from './deals.service.ts';
import { exportRoutes } from './export/export.routes.ts';
import { importRoutes } from './import/import.routes.ts';
import { createNote, deleteNote, listNotes, updateNote } from './notes.service.ts';
import { createPipeline, listPipelines, updatePipeline } from './pipelines.service.ts';

const noContent = { 204: z.null() };

/** The field CRM: accounts, contacts, pipelines, deals, activities (visits), notes. */
export function crmRoutes(app: FastifyInstance, deps: Deps): void {
  const r = app.withTypeProvider<ZodTypeProvider>();
  const read = { permission: 'crm.read' as const };
  const write = { permission: 'crm.write' as const };
  const admin = { permission: 'crm.admin' as const };

  r.get(
    '/api/crm/settings',
    {
      config: read,
      schema: { tags: ['crm'], summary: 'CRM settings of the org', response: { 200: crmSettingsSchema } },
    },
    async (req) => loadCrmSettings(deps.db.kysely, req.actor!.orgId),
  );
  r.patch(
    '/api/crm/settings',
    {
      config: admin,
      schema: {
        tags: ['crm'],
        summary: 'Change CRM settings (visit radius, team read, tier cadences, activity kinds)',
        body: crmSettingsUpdate,
        response: { 200: crmSettingsSchema },
      },
    },
    async (req) => updateCrmSettings(deps, req.actor!, req.body),
  );

  const ptags = ['pipelines'];
  r.get(
    '/api/crm/pipelines',
    {
      config: read,
      schema: {
        tags: ptags,
        summary: 'Pipelines with their ordered stages',
        response: { 200: z.object({ items: z.array(pipelineResponse) }) },
      },
    },
    async (req) => listPipelines(deps, req.actor!),
  );
  r.post(
    '/api/crm/pipelines',
    {
      config: admin,
      schema: {
        tags: ptags,
        summary: 'Create a pipeline',
        body: pipelineBody,
        response: { 201: pipelineResponse },
      },
    },
    async (req, reply) => reply.code(201).send(await createPipeline(deps, req.actor!, req.body)),
  );
  r.put(
    '/api/crm/pipelines/:id',
    {
      config: admin,
      schema: {
        tags: ptags,
        summary: 'Rename a pipeline and replace its stages',
        params: idParam,
        body: pipelineBody,
        response: { 200: pipelineResponse },
      },
    },
    async (req) => updatePipeline(deps, req.actor!, req.params.id, req.body),
  );

  const atags = ['accounts'];
  r.get(
    '/api/crm/accounts',
    {
      config: { ...read, prefetch: reachPrefetch },
      schema: {
        tags: atags,
        summary: 'Accounts I can see, filtered, sorted, paginated',
        querystring: accountListQuery,
        response: { 200: pageOfSchema(accountResponse) },
      },
    },
    async (req) => listAccounts(deps, req.actor!, req.reach(), req.query),
  );
  r.get(
    '/api/crm/accounts/nearby',
    {
      config: { ...read, prefetch: reachPrefetch },
      schema: {
        tags: atags,
        summary: 'Accounts nearest a position',
        querystring: nearbyQuery,
        response: { 200: z.object({ items: z.array(accountResponse.extend({ distanceM: z.number() })) }) },
      },
    },
    async (req) => nearbyAccounts(deps, req.actor!, await req.reach(), req.query),
  );
  r.post(
    '/api/crm/accounts',
    {
      config: { ...write, prefetch: reachPrefetch },
      schema: {
        tags: atags,
        summary: 'Create an account',
        body: accountCreateBody,
        response: { 201: accountResponse },
      },
    },
    async (req, reply) =>
      reply.code(201).send(await createAccount(deps, req.actor!, await req.reach(), req.body)),
  );
  r.get(
    '/api/crm/accounts/:id',
    {
      config: { ...read, prefetch: reachPrefetch },
      schema: { tags: atags, summary: 'One account', params: idParam, response: { 200: accountResponse } },
    },
    async (req) => getAccount(deps, req.actor!, await req.reach(), req.params.id),
  );
  r.patch(
    '/api/crm/accounts/:id',
    {
      config: { ...write, prefetch: reachPrefetch },
      schema: {
        tags: atags,
        summary: 'Change an account',
        params: idParam,
        body: accountUpdateBody,
        response: { 200: accountResponse },
      },
    },
    async (req) => updateAccount(deps, req.actor!, await req.reach(), req.params.id, req.body),
  );

  const ctags = ['contacts'];
  r.get(
    '/api/crm/contacts',
    {
      config: { ...read, prefetch: reachPrefetch },
      schema: {
        tags: ctags,
        summary: 'Contacts of accounts I can see',
        querystring: contactListQuery,
        response: { 200: pageOfSchema(contactResponse) },
      },
    },
    async (req) => listContacts(deps, req.actor!, await req.reach(), req.query),
  );
  r.post(
    '/api/crm/contacts',
    {
      config: { ...write, prefetch: reachPrefetch },
      schema: {
        tags: ctags,
        summary: 'Create a contact',
        body: contactCreateBody,
        response: { 201: contactResponse },
      },
    },
    async (req, reply) =>
      reply.code(201).send(await createContact(deps, req.actor!, await req.reach(), req.body)),
  );
  r.get(
    '/api/crm/contacts/:id',
    {
      config: { ...read, prefetch: reachPrefetch },
      schema: { tags: ctags, summary: 'One contact', params: idParam, response: { 200: contactResponse } },
    },
    async (req) => getContact(deps, req.actor!, await req.reach(), req.params.id),
  );
  r.patch(
    '/api/crm/contacts/:id',
    {
      config: { ...write, prefetch: reachPrefetch },
      schema: {
        tags: ctags,
        summary: 'Change a contact',
        params: idParam,
        body: contactUpdateBody,
        response: { 200: contactResponse },
      },
    },
    async (req) => updateContact(deps, req.actor!, await req.reach(), req.params.id, req.body),
  );

  const dtags = ['deals'];
  r.get(
    '/api/crm/deals',
    {
      config: { ...read, prefetch: reachPrefetch },
      schema: {
        tags: dtags,
        summary: 'Deals I can see',
        querystring: dealListQuery,
        response: { 200: pageOfSchema(dealResponse) },
      },
    },
    async (req) => listDeals(deps, req.actor!, await req.reach(), req.query),
  );
  r.get(
    '/api/crm/deals/board',
    {
      config: { ...read, prefetch: reachPrefetch },
      schema: {
        tags: dtags,
        summary: 'Kanban board of a pipeline',
        querystring: boardQuery,
        response: {
          200: z.object({
            pipeline: pipelineResponse,
            columns: z.array(
              z.object({
                stage: stageResponse,
                count: z.number(),
                totals: z.array(z.object({ currency: z.string(), amountMinor: z.number() })),
                deals: z.array(dealResponse),
              }),
            ),
          }),
        },
      },
    },
    async (req) => dealBoard(deps, req.actor!, await req.reach(), req.query),
  );
  r.post(
    '/api/crm/deals',
    {
      config: { ...write, prefetch: reachPrefetch },
      schema: {
        tags: dtags,
        summary: 'Create a deal (Idempotency-Key header honoured)',
        headers: idempotencyHeaders,
        body: dealCreateBody,
        response: { 201: dealResponse },
      },
    },
    async (req, reply) => {
      const reach = await req.reach();
      return idempotent(deps, req, reply, async (record) => ({
        status: 201,
        body: await createDeal(deps, req.actor!, reach, req.body, record),
      }));
    },
  );
  r.get(
    '/api/crm/deals/:id',
    {
      config: { ...read, prefetch: reachPrefetch },
      schema: { tags: dtags, summary: 'One deal', params: idParam, response: { 200: dealResponse } },
    },
    async (req) => getDeal(deps, req.actor!, await req.reach(), req.params.id),
  );
  r.get(
    '/api/crm/deals/:id/history',
    {
      config: { ...read, prefetch: reachPrefetch },
      schema: {
        tags: dtags,
        summary: 'Stage history of a deal',
        params: idParam,
        response: { 200: z.object({ items: z.array(stageHistoryResponse) }) },
      },
    },
    async (req) => dealHistory(deps, req.actor!, await req.reach(), req.params.id),
  );
  r.patch(
    '/api/crm/deals/:id',
    {
      config: { ...write, prefetch: reachPrefetch },
      schema: {
        tags: dtags,
        summary:
          'Change a deal (moving stage records history; won/lost closes it; Idempotency-Key header honoured)',
        headers: idempotencyHeaders,
        params: idParam,
        body: dealUpdateBody,
        response: { 200: dealResponse },
      },
    },
    async (req, reply) => {
      const reach = await req.reach();
      return idempotent(deps, req, reply, async (record) => ({
        status: 200,
        body: await updateDeal(deps, req.actor!, reach, req.params.id, req.body, record),
      }));
    },
  );

  const xtags = ['activities'];
  r.get(
    '/api/crm/activities',
    {
      config: { ...read, prefetch: reachPrefetch },
      schema: {
        tags: xtags,
        summary: 'Activities I can see, newest first',
        querystring: activityListQuery,
        response: { 200: pageOfSchema(activityResponse) },
      },
    },
    async (req) => listActivities(deps, req.actor!, await req.reach(), req.query),
  );
  r.post(
    '/api/crm/activities',
    {
      config: { ...write, prefetch: reachPrefetch },
      schema: {
        tags: xtags,
        summary:
          'Log an activity or visit (idempotent with a client-generated id: 201 new, 200 already stored; Idempotency-Key header honoured)',
        headers: idempotencyHeaders,
        body: activityCreateBody,
        response: { 200: activityResponse, 201: activityResponse },
      },
    },
    async (req, reply) => {
      const reach = await req.reach();
      return idempotent(deps, req, reply, async (record) => {
        const result = await createActivity(deps, req.actor!, reach, req.body, record);
        return { status: result.created ? 201 : 200, body: result.activity };
      });
    },
  );
  r.get(
    '/api/crm/activities/:id',
    {
      config: { ...read, prefetch: reachPrefetch },
      schema: { tags: xtags, summary: 'One activity', params: idParam, response: { 200: activityResponse } },
    },
    async (req) => getActivity(deps, req.actor!, await req.reach(), req.params.id),
  );
  r.patch(
    '/api/crm/activities/:id',
    {
      config: { ...write, prefetch: reachPrefetch },
      schema: {
        tags: xtags,
        summary: 'Change an activity or check out of a visit (Idempotency-Key header honoured)',
        headers: idempotencyHeaders,
        params: idParam,
        body: activityUpdateBody,
        response: { 200: activityResponse },
      },
    },
    async (req, reply) => {
      const reach = await req.reach();
      return idempotent(deps, req, reply, async (record) => ({
        status: 200,
        body: await updateActivity(deps, req.actor!, reach, req.params.id, req.body, record),
      }));
    },
  );
  r.delete(
    '/api/crm/activities/:id',
    {
      config: { ...write, prefetch: reachPrefetch },
      schema: { tags: xtags, summary: 'Delete an activity', params: idParam, response: noContent },
    },
    async (req, reply) => {
      await deleteActivity(deps, req.actor!, await req.reach(), req.params.id);
      return reply.code(204).send(null);
    },
  );

  const ntags = ['notes'];
  r.get(
    '/api/crm/notes',
    {
      config: { ...read, prefetch: reachPrefetch },
      schema: {
        tags: ntags,
        summary: 'Notes of a record',
        querystring: noteListQuery,
        response: { 200: z.object({ items: z.array(noteResponse) }) },
      },
    },
    async (req) => listNotes(deps, req.actor!, await req.reach(), req.query),
  );
  r.post(
    '/api/crm/notes',
    {
      config: { ...write, prefetch: reachPrefetch },
      schema: {
        tags: ntags,
        summary: 'Add a Markdown note to a record',
        body: noteCreateBody,
        response: { 201: noteResponse },
      },
    },
    async (req, reply) =>
      reply.code(201).send(await createNote(deps, req.actor!, await req.reach(), req.body)),
  );
  r.patch(
    '/api/crm/notes/:id',
    {
      config: write,
      schema: {
        tags: ntags,
        summary: 'Edit my note',
        params: idParam,
        body: noteUpdateBody,
        response: { 200: noteResponse },
      },
    },
    async (req) => updateNote(deps, req.actor!, req.params.id, req.body),
  );
  r.delete(
    '/api/crm/notes/:id',
    {
      config: write,
      schema: {
        tags: ntags,
        summary: 'Delete a note (author or admin)',
        params: idParam,
        response: noContent,
      },
    },
    async (req, reply) => {
      await deleteNote(deps, req.actor!, req.params.id);
      return reply.code(204).send(null);
    },
  );

  importRoutes(app, deps);
  exportRoutes(app, deps);
}
