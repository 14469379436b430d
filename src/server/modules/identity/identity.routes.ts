import type { FastifyInstance } from 'fastify';
import type { ZodTypeProvider } from 'fastify-type-provider-zod';
import { z } from 'zod';
import type { Deps } from '../../context.ts';
import { reachPrefetch } from '../../policy/reach.ts';
import {
  idParam,
  orgResponse,
  orgUpdateBody,
  teamCreateBody,
  teamManagersBody,
  teamResponse,
  teamUpdateBody,
  userCreateBody,
  userListQuery,
  userResponse,
  userUpdateBody,
} from './identity.schemas.ts';
import { getOrg, updateOrg } from './org.service.ts';
import { createTeam, deleteTeam, getTeam, listTeams, setTeamManagers, updateTeam } from './teams.service.ts';
import { createUser, getUser, listUsers, updateUser } from './users.service.ts';

/** The org, its people and its teams. */
export function identityRoutes(app: FastifyInstance, deps: Deps): void {
  const r = app.withTypeProvider<ZodTypeProvider>();

  r.get(
    '/api/org',
    {
      config: { permission: 'org.read' },
      schema: { tags: ['org'], summary: 'My organization', response: { 200: orgResponse } },
    },
    async (req) => getOrg(deps, req.actor!),
  );
  r.patch(
    '/api/org',
    {
      config: { permission: 'org.update' },
      schema: {
        tags: ['org'],
        summary: 'Update org settings',
        body: orgUpdateBody,
        response: { 200: orgResponse },
      },
    },
    async (req) => updateOrg(deps, req.actor!, req.body),
  );

  const utags = ['users'];
  r.get(
    '/api/users',
    {
      config: { permission: 'users.read', prefetch: reachPrefetch },
      schema: {
        tags: utags,
        summary: 'People I can see (admins: all; managers: their teams; reps: their team)',
        querystring: userListQuery,
        response: { 200: z.object({ items: z.array(userResponse), nextCursor: z.string().nullable() }) },
      },
    },
    async (req) => listUsers(deps, req.actor!, await req.reach(), req.query),
  );
  r.post(
    '/api/users',
    {
      config: { permission: 'users.manage' },
      schema: {
        tags: utags,
        summary: 'Create a user with a password',
        body: userCreateBody,
        response: { 201: userResponse },
      },
    },
    async (req, reply) => reply.code(201).send(await createUser(deps, req.actor!, req.body)),
  );
  r.get(
    '/api/users/:id',
    {
      config: { permission: 'users.read', prefetch: reachPrefetch },
      schema: { tags: utags, summary: 'One user', params: idParam, response: { 200: userResponse } },
    },
    async (req) => getUser(deps, req.actor!, await req.reach(), req.params.id),
  );
  r.patch(
    '/api/users/:id',
    {
      config: { permission: 'users.manage' },
      schema: {
        tags: utags,
        summary: 'Change a user: name, role, time zone, team, or deactivate (ends their sessions at once)',
        params: idParam,
        body: userUpdateBody,
        response: { 200: userResponse },
      },
    },
    async (req) => updateUser(deps, req.actor!, req.params.id, req.body),
  );

  const ttags = ['teams'];
  r.get(
    '/api/teams',
    {
      config: { permission: 'teams.read', prefetch: reachPrefetch },
      schema: {
        tags: ttags,
        summary: 'Teams I can see',
        response: { 200: z.object({ items: z.array(teamResponse) }) },
      },
    },
    async (req) => listTeams(deps, req.actor!, await req.reach()),
  );
  r.get(
    '/api/teams/:id',
    {
      config: { permission: 'teams.read', prefetch: reachPrefetch },
      schema: { tags: ttags, summary: 'One team', params: idParam, response: { 200: teamResponse } },
    },
    async (req) => getTeam(deps, req.actor!, await req.reach(), req.params.id),
  );
  r.post(
    '/api/teams',
    {
      config: { permission: 'teams.manage' },
      schema: {
        tags: ttags,
        summary: 'Create a team',
        body: teamCreateBody,
        response: { 201: teamResponse },
      },
    },
    async (req, reply) => reply.code(201).send(await createTeam(deps, req.actor!, req.body)),
  );
  r.patch(
    '/api/teams/:id',
    {
      config: { permission: 'teams.manage' },
      schema: {
        tags: ttags,
        summary: 'Rename or move a team',
        params: idParam,
        body: teamUpdateBody,
        response: { 200: teamResponse },
      },
    },
    async (req) => updateTeam(deps, req.actor!, req.params.id, req.body),
  );
  r.delete(
    '/api/teams/:id',
    {
      config: { permission: 'teams.manage' },
      schema: {
        tags: ttags,
        summary: 'Delete a team (sub-teams move up)',
        params: idParam,
        response: { 204: z.null() },
      },
    },
    async (req, reply) => {
      await deleteTeam(deps, req.actor!, req.params.id);
      return reply.code(204).send(null);
    },
  );
  r.put(
    '/api/teams/:id/managers',
    {
      config: { permission: 'teams.manage' },
      schema: {
        tags: ttags,
        summary: 'Set the managers of a team',
        params: idParam,
        body: teamManagersBody,
        response: { 200: teamResponse },
      },
    },
    async (req) => setTeamManagers(deps, req.actor!, req.params.id, req.body),
  );
}
