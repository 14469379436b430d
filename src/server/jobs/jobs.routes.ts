import type { FastifyInstance } from 'fastify';
import type { ZodTypeProvider } from 'fastify-type-provider-zod';
import type { Deps } from '../context.ts';
import { jobIdParams, jobListQuery, jobPage, jobResponse } from './jobs.schemas.ts';
import { listJobs, retryJob } from './jobs.service.ts';

export function jobsRoutes(app: FastifyInstance, deps: Deps): void {
  const r = app.withTypeProvider<ZodTypeProvider>();
  r.get(
    '/api/admin/jobs',
    {
      config: { permission: 'jobs.manage' },
      schema: {
        tags: ['operations'],
        summary: "List the org's background jobs by state, newest first",
        querystring: jobListQuery,
        response: { 200: jobPage },
      },
    },
    async (req) => listJobs(deps, req.actor!, req.query),
  );
  r.post(
    '/api/admin/jobs/:id/retry',
    {
      config: { permission: 'jobs.manage' },
      schema: {
        tags: ['operations'],
        summary: 'Retry a dead job with a fresh set of attempts',
        params: jobIdParams,
        response: { 200: jobResponse },
      },
    },
    async (req) => retryJob(deps, req.actor!, req.params.id, app.jobs.registry),
  );
}
