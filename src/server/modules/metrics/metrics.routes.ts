import type { FastifyInstance } from 'fastify';
import type { ZodTypeProvider } from 'fastify-type-provider-zod';
import { z } from 'zod';
import { metricFormats, metricUnits } from '../../../shared/custom-metrics.ts';
import type { Deps } from '../../context.ts';
import { peerVisibilities } from '../../policy/policy.ts';
import { reachPrefetch } from '../../policy/reach.ts';
import { idParam } from '../identity/identity.schemas.ts';
import { targetBasisResponse } from '../targets/targets.schemas.ts';
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
import { leaderboard, leaderboardQuery } from './leaderboard.service.ts';
import {
  metricRecords,
  metricTrend,
  recordRoles,
  recordsQuery,
  trendQuery,
} from './metric-records.service.ts';
import {
  loadMetricSettings,
  metricSettingsSchema,
  metricSettingsUpdate,
  updateMetricSettings,
} from './metric-settings.service.ts';
import { loadMetricVocabulary, vocabularyQuery, vocabularyResponse } from './metric-vocabulary.service.ts';
import { catalog, gridQuery, kpiPrefetch, metricGrid, metricValues, valuesQuery } from './metrics.service.ts';
import { orgView, orgViewQuery } from './org-view.service.ts';

const metricSchema = z.object({
  key: z.string(),
  name: z.string(),
  definition: z.string(),
  unit: z.enum(metricUnits),
  direction: z.enum(['higher', 'lower']),
  format: z.enum(metricFormats),
  snapshot: z.boolean(),
  custom: z.boolean(),
  currency: z
    .string()
    .nullable()
    .describe("The currency of the metric's money when its definition fixes one; null: the org's currency"),
});

const periodSchema = z.object({
  key: z.string(),
  label: z.string(),
  start: z.string(),
  end: z.string(),
  elapsed: z.number().describe('Fraction of the period elapsed now (0–1)'),
});
const personSchema = z.object({ id: z.string(), name: z.string() });

const activityRecord = z.object({
  type: z.literal('activity'),
  id: z.string(),
  role: z.enum(recordRoles),
  kind: z.string(),
  subject: z.string(),
  outcome: z.string().nullable(),
  occurredAt: z.string(),
  durationMinutes: z.number().nullable(),
  verified: z.boolean().nullable(),
  account: z.object({ id: z.string(), name: z.string() }).nullable(),
});
const dealRecord = z.object({
  type: z.literal('deal'),
  id: z.string(),
  role: z.enum(recordRoles),
  name: z.string(),
  status: z.string(),
  stage: z.string(),
  probability: z.number(),
  amountMinor: z.number(),
  currency: z.string(),
  creditMinor: z.number().describe('The person’s credited part of the amount'),
  shareBp: z.number().describe('The person’s share in basis points'),
  createdAt: z.string().nullable(),
  closedAt: z.string().nullable(),
  expectedCloseDate: z.string().nullable(),
  account: z.object({ id: z.string(), name: z.string() }),
});

/** How a target was obtained (see `UserTarget.source`): the effective targets' basis, or null. */
const targetBasisSchema = targetBasisResponse
  .nullable()
  .describe(
    'How the target was obtained: set for the period; or (quarters and years of money and count metrics without a target of their own) the sum of its months’ / quarters’ targets — withTarget of them have one, fromPlaybook of those from the playbook (playbook: which one), the others count 0 — when some month (quarter) is set, else the playbook’s target of the period’s kind, else the sum of the playbook’s monthly (quarterly) targets; or (metrics that never sum over periods) the playbook’s target of the period’s kind',
  );

/** What `GET /api/metrics/values` answers for one metric (and the grid for each of its metrics). */
export const valuesResponseSchema = z.object({
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
      view: z.enum(['value', 'rank']).describe('rank: a peer shown by rank only; every number is null'),
      rank: z.number().nullable(),
      value: z.number().nullable(),
      numerator: z.number().nullable(),
      denominator: z.number().nullable(),
      previous: z.number().nullable(),
      lastYear: z.number().nullable(),
      target: z.number().nullable().describe('Effective target for the period (after ramp)'),
      targetBasis: targetBasisSchema,
    }),
  ),
});

/**
 * One person's number in the team grid: `value` view with the numbers, or `rank` view (a peer shown
 * by rank only: no number at all). `numerator` and `denominator` come with the metrics that have them
 * (ratios such as win rate; quota attainment's revenue won and revenue target).
 */
const gridCellSchema = z.union([
  z.object({
    view: z.literal('value'),
    rank: z.number().nullable(),
    value: z.number().nullable(),
    target: z.number().nullable().describe('Effective target for the period (after ramp)'),
    targetBasis: targetBasisSchema,
    numerator: z.number().optional(),
    denominator: z.number().optional(),
  }),
  z.object({ view: z.literal('rank'), rank: z.number().nullable() }),
]);

/**
 * What `GET /api/metrics/grid` answers: the people once (sorted by name) and per metric one cell per
 * person, in the order of `people`; a cell is null where the metric's visibility hides that person.
 */
export const gridResponseSchema = z.object({
  currency: z.string(),
  period: periodSchema,
  previousPeriod: z.object({ key: z.string(), label: z.string() }),
  people: z.array(personSchema),
  metrics: z.array(
    z.object({
      metric: metricSchema,
      visibility: z.enum(peerVisibilities),
      cells: z
        .array(gridCellSchema.nullable())
        .describe(
          'One per person of `people`, in order; null: not shown (the visibility setting hides them)',
        ),
    }),
  ),
});

/** The KPI catalog (built-in and custom), KPI values per period, custom metrics and metric settings. */
export function metricsRoutes(app: FastifyInstance, deps: Deps): void {
  const r = app.withTypeProvider<ZodTypeProvider>();
  const admin = { permission: 'metrics.admin' as const };
  const read = { permission: 'metrics.read' as const };
  // Routes that compute values (computeValuesMany): on PostgreSQL the reach and the org's row come
  // with the session (kpiPrefetch).
  const readKpi = { permission: 'metrics.read' as const, prefetch: kpiPrefetch };
  // Routes that need the reach but read the org themselves: the reach comes with the session.
  const readReach = {
    permission: 'metrics.read' as const,
    prefetch: reachPrefetch,
  };
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
      config: readKpi,
      schema: {
        tags: ['metrics'],
        summary:
          'A KPI for a period for me, my reach, my team or the org; with previous period, last year, target and rank',
        querystring: valuesQuery,
        response: {
          200: valuesResponseSchema,
        },
      },
    },
    async (req) => metricValues(deps, req.actor!, await req.reach(), req.query),
  );
  r.get(
    '/api/metrics/grid',
    {
      config: readKpi,
      schema: {
        tags: ['metrics'],
        summary:
          'Several KPIs for one period and the same people in one answer (the team grid): each person named once, then per metric one cell per person — the numbers /api/metrics/values gives, without previous period and last year',
        querystring: gridQuery,
        response: { 200: gridResponseSchema },
      },
    },
    // The reach is read alongside the org (not before it): one round trip less before the values.
    async (req) => metricGrid(deps, req.actor!, req.reach(), req.query),
  );

  const cellNumbers = {
    metric: z.string(),
    value: z.number().nullable(),
    target: z.number().nullable(),
  };
  r.get(
    '/api/metrics/org',
    {
      config: readReach,
      schema: {
        tags: ['metrics'],
        summary:
          'The org view: each team the actor oversees (nested) × key KPIs of its people and sub-teams, against the team’s effective target; with each person’s number for the breakdown',
        querystring: orgViewQuery,
        response: {
          200: z.object({
            period: periodSchema,
            previousPeriod: z.object({ key: z.string(), label: z.string() }),
            currency: z.string(),
            metrics: z.array(
              metricSchema.extend({
                aggregation: z
                  .enum(['sum', 'ratio', 'quota', 'coverage', 'none'])
                  .describe('How a team number is made from its people’s'),
              }),
            ),
            teams: z.array(
              z.object({
                id: z.string(),
                name: z.string(),
                parentId: z.string().nullable(),
                depth: z.number(),
                people: z.number().describe('People counted: members of the team and of its sub-teams'),
                cells: z.array(
                  z.object({
                    ...cellNumbers,
                    numerator: z.number().nullable(),
                    denominator: z.number().nullable(),
                    basis: z
                      .object({ metric: z.string(), target: z.number().nullable() })
                      .nullable()
                      .describe('Quota attainment / coverage: the revenue target they are computed against'),
                  }),
                ),
              }),
            ),
            people: z.array(
              z.object({ user: personSchema, teamId: z.string(), cells: z.array(z.object(cellNumbers)) }),
            ),
          }),
        },
      },
    },
    async (req) => orgView(deps, req.actor!, await req.reach(), req.query),
  );

  r.get(
    '/api/metrics/leaderboard',
    {
      config: readKpi,
      schema: {
        tags: ['metrics'],
        summary:
          'A leaderboard of any metric for a period, team or org, with movement since the previous period; peers shown by rank only carry no numbers',
        querystring: leaderboardQuery,
        response: {
          200: z.object({
            metric: metricSchema,
            currency: z.string(),
            visibility: z.enum(peerVisibilities),
            scope: z.enum(['team', 'org']),
            period: periodSchema,
            previousPeriod: z.object({ key: z.string(), label: z.string() }),
            rows: z.array(
              z.object({
                user: personSchema,
                me: z.boolean(),
                view: z.enum(['value', 'rank']),
                rank: z.number().nullable(),
                previousRank: z.number().nullable(),
                movement: z
                  .enum(['up', 'down', 'same', 'new'])
                  .nullable()
                  .describe('Rank change since the previous period; null for snapshot metrics or no rank'),
                value: z.number().nullable(),
                records: z
                  .boolean()
                  .describe(
                    'true: the actor may open the records behind this value (GET /api/metrics/records for this person)',
                  ),
              }),
            ),
          }),
        },
      },
    },
    async (req) => leaderboard(deps, req.actor!, await req.reach(), req.query),
  );
  r.get(
    '/api/metrics/records',
    {
      config: readReach,
      schema: {
        tags: ['metrics'],
        summary:
          'The records behind a number: the deals or activities a metric counts for a person and period, with definition, bounds and filters',
        querystring: recordsQuery,
        response: {
          200: z.object({
            metric: metricSchema,
            currency: z.string(),
            user: personSchema,
            period: periodSchema,
            value: z.number().nullable(),
            numerator: z.number().nullable(),
            denominator: z.number().nullable(),
            operands: z
              .object({ numerator: z.string(), denominator: z.string() })
              .nullable()
              .describe('A custom ratio: open the records of each operand'),
            source: z.enum(['activities', 'deals']).nullable(),
            filters: z.array(z.string()),
            total: z.number(),
            items: z.array(z.discriminatedUnion('type', [activityRecord, dealRecord])),
            nextCursor: z.string().nullable(),
          }),
        },
      },
    },
    async (req) => metricRecords(deps, req.actor!, await req.reach(), req.query),
  );
  r.get(
    '/api/metrics/trend',
    {
      config: readReach,
      schema: {
        tags: ['metrics'],
        summary: 'One person’s value and effective target over the last periods',
        querystring: trendQuery,
        response: {
          200: z.object({
            metric: metricSchema,
            currency: z.string(),
            user: personSchema,
            points: z.array(
              z.object({
                key: z.string(),
                label: z.string(),
                value: z.number().nullable(),
                target: z.number().nullable(),
              }),
            ),
          }),
        },
      },
    },
    async (req) => metricTrend(deps, req.actor!, await req.reach(), req.query),
  );

  r.get(
    '/api/metrics/settings',
    {
      config: read,
      schema: {
        tags: ['metrics'],
        summary:
          'Peer visibility per metric, the ramp for new reps, activity leaderboards and the strike-rate window and order outcomes',
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
        summary:
          'Change peer visibility (per metric or default), the ramp, activity leaderboards or the strike-rate window and order outcomes',
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
    '/api/metrics/vocabulary',
    {
      config: admin,
      schema: {
        tags: ctags,
        summary:
          'What custom-metric filters may name: activity kinds, tiers, currencies, and the territories and outcomes records have (most used first)',
        querystring: vocabularyQuery,
        response: { 200: vocabularyResponse },
      },
    },
    async (req) => loadMetricVocabulary(deps, req.actor!, req.query),
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
