import type { FastifyInstance } from 'fastify';
import type { ZodTypeProvider } from 'fastify-type-provider-zod';
import { z } from 'zod';
import { metricFormats, metricUnits } from '../../../shared/custom-metrics.ts';
import type { Deps } from '../../context.ts';
import { peerVisibilities } from '../../policy/policy.ts';
import { idParam } from '../identity/identity.schemas.ts';
import {
  createCustomMetric,
  customMetricBody,
  customMetricResponse,
  customMetricUpdateBody,
  deleteCustomMetric,
  getCustomMetric,
  listCustomMetrics,
  updateCustomMetric,
} from './custom-metrics.service.ts';
import {
  loadMetricSettings,
  metricSettingsSchema,
  metricSettingsUpdate,
  updateMetricSettings,
} from './metric-settings.service.ts';
import { catalog, metricValues, valuesQuery } from './metrics.service.ts';

const metricSchema = z.object({
  key: z.string(),
  name: z.string(),
  definition: z.string(),
  unit: z.enum(metricUnits),
  direction: z.enum(['higher', 'lower']),
  format: z.enum(metricFormats),
  snapshot: z.boolean(),
  custom: z.boolean(),
});

/** The KPI catalog (built-in and custom), KPI values per period, custom metrics and metric settings. */
export function metricsRoutes(app: FastifyInstance, deps: Deps): void {
  const r = app.withTypeProvider<ZodTypeProvider>();
  const admin = { permission: 'metrics.admin' as const };
  const read = { permission: 'metrics.read' as const };
  r.get(
    '/api/metrics/catalog',
    {
      config: read,
      schema: {
        tags: ['metrics'],
        summary: 'Built-in KPIs and the org’s custom metrics, with their definitions',
        response: { 200: z.object({ items: z.array(metricSchema) }) },
      },
    },
    async (req) => catalog(deps, req.actor!),
  );
  r.get(
    '/api/metrics/values',
    {
      config: read,
      schema: {
        tags: ['metrics'],
        summary:
          'A KPI for a period for me, my reach, my team or the org; with previous period, last year, target and rank',
        querystring: valuesQuery,
        response: {
          200: z.object({
            metric: metricSchema,
            currency: z.string(),
            visibility: z.enum(peerVisibilities),
            period: z.object({
              key: z.string(),
              label: z.string(),
              start: z.string(),
              end: z.string(),
              elapsed: z.number(),
            }),
            previousPeriod: z.object({ key: z.string(), label: z.string() }),
            lastYearPeriod: z.object({ key: z.string(), label: z.string() }),
            rows: z.array(
              z.object({
                user: z.object({ id: z.string(), name: z.string() }),
                view: z
                  .enum(['value', 'rank'])
                  .describe('rank: a peer shown by rank only; every number is null'),
                rank: z.number().nullable(),
                value: z.number().nullable(),
                numerator: z.number().nullable(),
                denominator: z.number().nullable(),
                previous: z.number().nullable(),
                lastYear: z.number().nullable(),
                target: z.number().nullable().describe('Effective target for the period (after ramp)'),
              }),
            ),
          }),
        },
      },
    },
    async (req) => metricValues(deps, req.actor!, await req.reach(), req.query),
  );

  r.get(
    '/api/metrics/settings',
    {
      config: read,
      schema: {
        tags: ['metrics'],
        summary: 'Peer visibility per metric and the ramp for new reps',
        response: { 200: metricSettingsSchema },
      },
    },
    async (req) => loadMetricSettings(deps.db.kysely, req.actor!.orgId),
  );
  r.patch(
    '/api/metrics/settings',
    {
      config: admin,
      schema: {
        tags: ['metrics'],
        summary: 'Change peer visibility (per metric or default) and the ramp',
        body: metricSettingsUpdate,
        response: { 200: metricSettingsSchema },
      },
    },
    async (req) => updateMetricSettings(deps, req.actor!, req.body),
  );

  const ctags = ['custom metrics'];
  r.get(
    '/api/metrics/custom',
    {
      config: read,
      schema: {
        tags: ctags,
        summary: 'The org’s custom metrics with their definitions',
        response: { 200: z.object({ items: z.array(customMetricResponse) }) },
      },
    },
    async (req) => listCustomMetrics(deps, req.actor!),
  );
  r.post(
    '/api/metrics/custom',
    {
      config: admin,
      schema: {
        tags: ctags,
        summary: 'Define a custom metric from building blocks (validated; never SQL)',
        body: customMetricBody,
        response: { 201: customMetricResponse },
      },
    },
    async (req, reply) => reply.code(201).send(await createCustomMetric(deps, req.actor!, req.body)),
  );
  r.get(
    '/api/metrics/custom/:id',
    {
      config: read,
      schema: {
        tags: ctags,
        summary: 'One custom metric',
        params: idParam,
        response: { 200: customMetricResponse },
      },
    },
    async (req) => getCustomMetric(deps, req.actor!, req.params.id),
  );
  r.patch(
    '/api/metrics/custom/:id',
    {
      config: admin,
      schema: {
        tags: ctags,
        summary: 'Change a custom metric (the key stays)',
        params: idParam,
        body: customMetricUpdateBody,
        response: { 200: customMetricResponse },
      },
    },
    async (req) => updateCustomMetric(deps, req.actor!, req.params.id, req.body),
  );
  r.delete(
    '/api/metrics/custom/:id',
    {
      config: admin,
      schema: {
        tags: ctags,
        summary: 'Remove a custom metric no other metric uses',
        params: idParam,
        response: { 204: z.null() },
      },
    },
    async (req, reply) => {
      await deleteCustomMetric(deps, req.actor!, req.params.id);
      return reply.code(204).send(null);
    },
  );
}
