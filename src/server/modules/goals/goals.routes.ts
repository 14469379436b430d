import type { FastifyInstance } from 'fastify';
import type { ZodTypeProvider } from 'fastify-type-provider-zod';
import { z } from 'zod';
import type { Deps } from '../../context.ts';
import { reachPrefetch } from '../../policy/reach.ts';
import { idParam } from '../identity/identity.schemas.ts';
import {
  commentBody,
  goalCreateBody,
  goalDetailResponse,
  goalListQuery,
  goalResponse,
  goalSettingsSchema,
  goalSettingsUpdate,
  goalUpdateBody,
  objectiveBody,
  objectiveResponse,
  objectiveUpdateBody,
  optionalCommentBody,
  progressUpdateBody,
  seriesResponse,
  smartCheckBody,
  smartResultSchema,
} from './goals.schemas.ts';
import {
  addProgressUpdate,
  agreeGoal,
  commentOnGoal,
  createGoal,
  deleteGoal,
  getGoalDetail,
  getGoalSeries,
  getGoalSettings,
  listGoalsForActor,
  proposeGoal,
  requestGoalChanges,
  smartCheckDraft,
  updateGoal,
  updateGoalSettings,
} from './goals.service.ts';
import {
  createObjective,
  deleteObjective,
  listOrgObjectives,
  updateObjective,
} from './objectives.service.ts';

/** SMART goals: CRUD, the SMART check, agreement both ways, progress, and org objectives. */
export function goalsRoutes(app: FastifyInstance, deps: Deps): void {
  const r = app.withTypeProvider<ZodTypeProvider>();
  const read = { permission: 'goals.read' as const };
  const write = { permission: 'goals.write' as const };
  const admin = { permission: 'goals.admin' as const };
  const tags = ['goals'];

  r.get(
    '/api/goals/settings',
    {
      config: read,
      schema: {
        tags,
        summary: 'Goal settings of the org (horizon, achievable factor)',
        response: { 200: goalSettingsSchema },
      },
    },
    async (req) => getGoalSettings(deps, req.actor!),
  );
  r.patch(
    '/api/goals/settings',
    {
      config: admin,
      schema: {
        tags,
        summary: 'Change goal settings',
        body: goalSettingsUpdate,
        response: { 200: goalSettingsSchema },
      },
    },
    async (req) => updateGoalSettings(deps, req.actor!, req.body),
  );
  r.post(
    '/api/goals/smart-check',
    {
      config: { ...read, prefetch: reachPrefetch },
      schema: {
        tags,
        summary: 'Run the SMART check on an unsaved draft, with the owner’s history',
        body: smartCheckBody,
        response: { 200: smartResultSchema },
      },
    },
    async (req) => smartCheckDraft(deps, req.actor!, await req.reach(), req.body),
  );
  r.get(
    '/api/goals',
    {
      config: { ...read, prefetch: reachPrefetch },
      schema: {
        tags,
        summary: 'Goals I can see: mine, my team’s, and those of the people and teams under me',
        querystring: goalListQuery,
        response: { 200: z.object({ items: z.array(goalResponse) }) },
      },
    },
    async (req) => listGoalsForActor(deps, req.actor!, await req.reach(), req.query),
  );
  r.post(
    '/api/goals',
    {
      config: { ...write, prefetch: reachPrefetch },
      schema: {
        tags,
        summary: 'Create a goal (as a draft)',
        body: goalCreateBody,
        response: { 201: goalResponse },
      },
    },
    async (req, reply) =>
      reply.code(201).send(await createGoal(deps, req.actor!, await req.reach(), req.body)),
  );
  r.get(
    '/api/goals/:id',
    {
      config: { ...read, prefetch: reachPrefetch },
      schema: {
        tags,
        summary: 'A goal with its SMART check, progress now, goals beneath it and its history',
        params: idParam,
        response: { 200: goalDetailResponse },
      },
    },
    async (req) => getGoalDetail(deps, req.actor!, await req.reach(), req.params.id),
  );
  r.get(
    '/api/goals/:id/series',
    {
      config: { ...read, prefetch: reachPrefetch },
      schema: {
        tags,
        summary: 'Progress chart points: actual so far, the pace line, the forecast line',
        params: idParam,
        response: { 200: seriesResponse },
      },
    },
    async (req) => getGoalSeries(deps, req.actor!, await req.reach(), req.params.id),
  );
  r.patch(
    '/api/goals/:id',
    {
      config: { ...write, prefetch: reachPrefetch },
      schema: {
        tags,
        summary: 'Change a goal (a proposed or agreed goal goes back to draft)',
        params: idParam,
        body: goalUpdateBody,
        response: { 200: goalResponse },
      },
    },
    async (req) => updateGoal(deps, req.actor!, await req.reach(), req.params.id, req.body),
  );
  r.delete(
    '/api/goals/:id',
    {
      config: { ...write, prefetch: reachPrefetch },
      schema: {
        tags,
        summary: 'Delete a goal that is not agreed',
        params: idParam,
        response: { 204: z.null() },
      },
    },
    async (req, reply) => {
      await deleteGoal(deps, req.actor!, await req.reach(), req.params.id);
      return reply.code(204).send(null);
    },
  );
  r.post(
    '/api/goals/:id/propose',
    {
      config: { ...write, prefetch: reachPrefetch },
      schema: {
        tags,
        summary: 'Propose the goal to the other side (owner ↔ manager)',
        params: idParam,
        body: optionalCommentBody,
        response: { 200: goalResponse },
      },
    },
    async (req) => proposeGoal(deps, req.actor!, await req.reach(), req.params.id, req.body),
  );
  r.post(
    '/api/goals/:id/agree',
    {
      config: { ...write, prefetch: reachPrefetch },
      schema: {
        tags,
        summary: 'Agree to a proposed goal (refused while the SMART check fails)',
        params: idParam,
        body: optionalCommentBody,
        response: { 200: goalResponse },
      },
    },
    async (req) => agreeGoal(deps, req.actor!, await req.reach(), req.params.id, req.body),
  );
  r.post(
    '/api/goals/:id/request-changes',
    {
      config: { ...write, prefetch: reachPrefetch },
      schema: {
        tags,
        summary: 'Ask for changes to a proposed goal, with a comment',
        params: idParam,
        body: commentBody,
        response: { 200: goalResponse },
      },
    },
    async (req) => requestGoalChanges(deps, req.actor!, await req.reach(), req.params.id, req.body),
  );
  r.post(
    '/api/goals/:id/comments',
    {
      config: { ...write, prefetch: reachPrefetch },
      schema: {
        tags,
        summary: 'Comment on a goal',
        params: idParam,
        body: commentBody,
        response: { 200: goalResponse },
      },
    },
    async (req) => commentOnGoal(deps, req.actor!, await req.reach(), req.params.id, req.body),
  );
  r.post(
    '/api/goals/:id/progress',
    {
      config: { ...write, prefetch: reachPrefetch },
      schema: {
        tags,
        summary: 'Record progress of a manual measure, with evidence',
        params: idParam,
        body: progressUpdateBody,
        response: { 200: goalResponse },
      },
    },
    async (req) => addProgressUpdate(deps, req.actor!, await req.reach(), req.params.id, req.body),
  );

  const otags = ['objectives'];
  r.get(
    '/api/objectives',
    {
      config: read,
      schema: {
        tags: otags,
        summary: 'Org objectives goals can support',
        response: { 200: z.object({ items: z.array(objectiveResponse) }) },
      },
    },
    async (req) => listOrgObjectives(deps, req.actor!),
  );
  r.post(
    '/api/objectives',
    {
      config: admin,
      schema: {
        tags: otags,
        summary: 'Create an org objective',
        body: objectiveBody,
        response: { 201: objectiveResponse },
      },
    },
    async (req, reply) => reply.code(201).send(await createObjective(deps, req.actor!, req.body)),
  );
  r.patch(
    '/api/objectives/:id',
    {
      config: admin,
      schema: {
        tags: otags,
        summary: 'Change an org objective',
        params: idParam,
        body: objectiveUpdateBody,
        response: { 200: objectiveResponse },
      },
    },
    async (req) => updateObjective(deps, req.actor!, req.params.id, req.body),
  );
  r.delete(
    '/api/objectives/:id',
    {
      config: admin,
      schema: {
        tags: otags,
        summary: 'Delete an org objective no goal supports',
        params: idParam,
        response: { 204: z.null() },
      },
    },
    async (req, reply) => {
      await deleteObjective(deps, req.actor!, req.params.id);
      return reply.code(204).send(null);
    },
  );
}
