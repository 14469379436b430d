import { z } from 'zod';
import { currencySchema } from './validation.ts';

/**
 * Custom metrics are built from safe building blocks, never SQL: a count, sum or average over
 * activities or credited deals with filters on kind, outcome, stage, tier and territory, or the
 * ratio of two metrics (built-in or custom). Every object is strict, so an unknown field is refused
 * by name. The server adds the checks that need the org's data (known stages and activity kinds,
 * known metric keys, no cycles, no always-zero denominator, no mixed currencies).
 */
const label = z.string().trim().min(1).max(60);
const list = <T extends z.ZodType>(item: T, max = 20) => z.array(item).min(1).max(max);

export const metricFormats = ['money', 'count', 'percent', 'days', 'number'] as const;
export const metricUnits = ['money', 'count', 'percent', 'days', 'money_per_day', 'ratio'] as const;

const placeFilters = {
  tiers: list(z.enum(['A', 'B', 'C']), 3)
    .optional()
    .describe('Only records whose account has one of these tiers'),
  territories: list(label, 50)
    .optional()
    .describe('Only records whose account lies in one of these territories'),
};

export const activityFilters = z
  .object({
    kinds: list(label).optional().describe('Activity kinds (visit, call, email, meeting, …)'),
    outcomes: list(label).optional(),
    verified: z.boolean().optional().describe('Visits only: verified (true) or not (false) check-ins'),
    ...placeFilters,
  })
  .strict();

export const dealSelection = z
  .enum(['won', 'lost', 'closed', 'open', 'created'])
  .describe(
    'won/lost/closed: deals that closed so in the period; open: deals open now (a snapshot); created: deals created in the period',
  );

export const dealFilters = z
  .object({
    stageIds: list(z.string().min(1).max(64), 50).optional(),
    currency: currencySchema.optional().describe('Deals in this currency (default: the org currency)'),
    ...placeFilters,
  })
  .strict();

const metricRef = z
  .string()
  .min(2)
  .max(60)
  .regex(/^[a-z][a-z0-9_]*$/, 'must be a metric key');

export const customMetricSpec = z.discriminatedUnion('block', [
  z.object({ block: z.literal('activity_count'), filters: activityFilters.default({}) }).strict(),
  z
    .object({
      block: z.literal('activity_sum'),
      field: z.literal('duration_minutes'),
      filters: activityFilters.default({}),
    })
    .strict(),
  z
    .object({
      block: z.literal('activity_average'),
      field: z.literal('duration_minutes'),
      filters: activityFilters.default({}),
    })
    .strict(),
  z
    .object({ block: z.literal('deal_count'), deals: dealSelection, filters: dealFilters.default({}) })
    .strict(),
  z
    .object({
      block: z.literal('deal_sum'),
      field: z.literal('amount'),
      deals: dealSelection,
      filters: dealFilters.default({}),
    })
    .strict(),
  z
    .object({
      block: z.literal('deal_average'),
      field: z.literal('amount'),
      deals: dealSelection,
      filters: dealFilters.default({}),
    })
    .strict(),
  z.object({ block: z.literal('ratio'), numerator: metricRef, denominator: metricRef }).strict(),
]);
export type CustomMetricSpec = z.infer<typeof customMetricSpec>;
