import type { FastifyInstance } from 'fastify';
import type { ZodTypeProvider } from 'fastify-type-provider-zod';
import { z } from 'zod';
import type { Deps } from '../../context.ts';
import { catalog, metricValues, valuesQuery } from './metrics.service.ts';

const metricSchema = z.object({
  key: z.string(),
  name: z.string(),
  definition: z.string(),
  unit: z.enum(['money', 'count', 'percent', 'days', 'money_per_day', 'ratio']),
  direction: z.enum(['higher', 'lower']),
  snapshot: z.boolean(),
});

/** The KPI catalog and KPI values per period. */
export function metricsRoutes(app: FastifyInstance, deps: Deps): void {
  const r = app.withTypeProvider<ZodTypeProvider>();
  r.get(
    '/api/metrics/catalog',
    {
      config: { permission: 'metrics.read' },
      schema: {
        tags: ['metrics'],
        summary: 'Built-in KPIs with their definitions',
        response: { 200: z.object({ items: z.array(metricSchema) }) },
      },
    },
    async () => catalog(),
  );
  r.get(
    '/api/metrics/values',
    {
      config: { permission: 'metrics.read' },
      schema: {
        tags: ['metrics'],
        summary: 'A KPI for a period: my value, or everyone I manage; with previous period and last year',
        querystring: valuesQuery,
        response: {
          200: z.object({
            metric: metricSchema,
            currency: z.string(),
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
                value: z.number().nullable(),
                numerator: z.number().nullable(),
                denominator: z.number().nullable(),
                previous: z.number().nullable(),
                lastYear: z.number().nullable(),
              }),
            ),
          }),
        },
      },
    },
    async (req) => metricValues(deps, req.actor!, await req.reach(), req.query),
  );
}
