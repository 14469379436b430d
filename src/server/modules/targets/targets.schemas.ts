import { z } from 'zod';
import { hasAtMostDecimals } from '../../../shared/target-amounts.ts';
import { metricKeySchema } from '../metrics/metric-settings.service.ts';

const id = z.string().min(1).max(64);
export const subjectTypeSchema = z.enum(['user', 'team']);
export const periodKeySchema = z
  .string()
  .min(4)
  .max(20)
  .describe('A period key: 2026-W11 (week), 2026-03 (month), FY2026-Q2 (quarter), FY2026 (year)');
/**
 * A target amount: money in whole minor units (cents), counts whole, percents, days and plain
 * numbers with up to 2 decimals (27.5 %) — the metric's format is checked by the service.
 */
export const targetAmount = z
  .number()
  .min(0, 'must not be negative')
  .max(Number.MAX_SAFE_INTEGER)
  .refine(
    (v) => hasAtMostDecimals(v, 2),
    'must have at most 2 decimals (money in whole minor units, e.g. cents)',
  )
  .describe('Money in minor units (whole), counts whole; percents, days and numbers up to 2 decimals');
const confirmClosed = z
  .boolean()
  .default(false)
  .describe('Admins only: confirm changing targets of a period that has ended');

export const targetCreateBody = z
  .object({
    subjectType: subjectTypeSchema.describe('user: a rep; team: a team target set directly'),
    subjectId: id,
    metric: metricKeySchema,
    period: periodKeySchema,
    amount: targetAmount,
    confirmClosedPeriod: confirmClosed,
  })
  .strict();
export const targetUpdateBody = z
  .object({ amount: targetAmount, confirmClosedPeriod: confirmClosed })
  .strict();
export const targetDeleteQuery = z.object({ confirmClosedPeriod: z.stringbool().default(false) });

export const targetListQuery = z.object({
  userId: id.optional(),
  teamId: id.optional(),
  metric: metricKeySchema.optional(),
  period: periodKeySchema.optional(),
  limit: z.coerce.number().int().min(1).max(500).default(200),
});

export const effectiveTargetsQuery = z.object({
  userId: id.optional().describe('The person (default: me)'),
  period: periodKeySchema,
});

/** How an effective target was obtained (the same shape as `targetBasis` in the KPI answers). */
export const targetBasisResponse = z
  .object({
    source: z.enum(['set', 'months', 'quarters', 'playbook']),
    withTarget: z.number().nullable(),
    of: z.number().nullable(),
    fromPlaybook: z
      .number()
      .nullable()
      .describe('For a sum: how many of the parts with a target take it from the playbook (none set)'),
    playbook: z.object({ id: z.string(), name: z.string() }).nullable(),
    fullAmount: z
      .number()
      .describe(
        'The target before ramp: the amount set, the playbook’s, or for a sum the sum of its parts before ramp',
      ),
    rampPercent: z
      .number()
      .nullable()
      .describe(
        'The ramp percent applied to fullAmount for the person’s month of tenure (100: not ramped); for a sum, the percent all its parts were ramped by, null when they differ (each part ramped for its own month)',
      ),
    tenureMonth: z
      .number()
      .nullable()
      .describe(
        'The person’s month of tenure (1 = first) at the start of the period; null when the org has no ramp (tenure changes nothing)',
      ),
  })
  .describe(
    'set for the period; months / quarters: the sum of its months’ / quarters’ targets (withTarget of `of` have one, fromPlaybook of those from the playbook); playbook: the playbook’s target of the period’s kind',
  );

export const periodResponse = z.object({
  key: z.string(),
  label: z.string(),
  kind: z.enum(['week', 'month', 'quarter', 'year']),
  startDate: z.string(),
  endDate: z.string(),
  closed: z.boolean(),
});

export const targetResponse = z.object({
  id: z.string(),
  subjectType: subjectTypeSchema,
  subject: z.object({ id: z.string(), name: z.string() }),
  metric: z.string(),
  period: periodResponse,
  amount: z.number(),
  effectiveAmount: z.number().describe('After ramp (users); equal to amount for team targets'),
  rampPercent: z.number(),
  createdAt: z.string(),
  updatedAt: z.string(),
});

export const gridQuery = z.object({
  teamId: id,
  period: periodKeySchema,
  metrics: z
    .string()
    .max(600)
    .optional()
    .describe('Comma-separated metric keys; default: metrics with a target in this period, else revenue_won'),
});

export const gridPutBody = z
  .object({
    period: periodKeySchema,
    confirmClosedPeriod: confirmClosed,
    cells: z
      .array(
        z
          .object({
            subjectType: subjectTypeSchema,
            subjectId: id,
            metric: metricKeySchema,
            amount: targetAmount.nullable().describe('null removes the target'),
          })
          .strict(),
      )
      .min(1)
      .max(5000),
  })
  .strict();

const teamCell = z.object({
  metric: z.string(),
  targetId: z.string().nullable(),
  direct: z.number().nullable(),
  sum: z.number().nullable(),
  effective: z.number().nullable(),
  source: z
    .enum(['direct', 'months', 'quarters', 'sum', 'none'])
    .describe(
      'direct: set on the team; months/quarters: the sum of the team’s own targets of the period’s months/quarters; sum: the sum of its people and sub-teams; none',
    ),
});

export const gridResponse = z.object({
  team: z.object({ id: z.string(), name: z.string() }),
  period: periodResponse,
  currency: z.string(),
  metrics: z.array(
    z.object({
      key: z.string(),
      name: z.string(),
      format: z.string(),
      currency: z
        .string()
        .describe(
          'The currency of the metric’s money and targets: a custom metric’s over deals of one currency, else the org’s',
        ),
      sums: z
        .object({ people: z.boolean(), periods: z.boolean() })
        .describe(
          'people: a team without its own target defaults to the sum beneath it (false for rates); periods: a quarter/year without its own target is the sum of its months/quarters',
        ),
    }),
  ),
  rows: z.array(
    z.object({
      user: z.object({ id: z.string(), name: z.string() }),
      tenureMonth: z.number(),
      rampPercent: z.number(),
      cells: z.array(
        z.object({
          metric: z.string(),
          targetId: z.string().nullable(),
          amount: z.number().nullable().describe('The target set for this period (null: none set)'),
          effective: z.number().nullable(),
          source: z
            .enum(['set', 'months', 'quarters', 'playbook'])
            .nullable()
            .describe(
              'How the effective target was obtained: set for the period, the sum of its months’ / quarters’ targets (set, or from the playbook: see parts), or the target of the playbook that applies to the person (null: no target)',
            ),
          playbook: z
            .object({ id: z.string(), name: z.string() })
            .nullable()
            .describe(
              'For source playbook: the playbook whose current version sets the target; for a sum with parts from a playbook: that playbook (when they all come from one)',
            ),
          parts: z
            .object({ withTarget: z.number(), of: z.number(), fromPlaybook: z.number() })
            .nullable()
            .describe(
              'For a sum: how many of the months/quarters have a target, of how many, and how many of those take it from the playbook',
            ),
        }),
      ),
    }),
  ),
  teamRow: z.object({ cells: z.array(teamCell) }),
  subTeams: z.array(
    z.object({ team: z.object({ id: z.string(), name: z.string() }), cells: z.array(teamCell) }),
  ),
});

export const writeSummary = z.object({
  created: z.number(),
  updated: z.number(),
  deleted: z.number(),
  unchanged: z.number(),
});

export const importBody = z
  .object({
    csv: z
      .string()
      .min(1)
      .max(900_000)
      .describe(
        'CSV with a header: email or team (name or id), metric, period, amount. Money amounts in major units (1250.50).',
      ),
    confirmClosedPeriods: z.boolean().default(false),
    dryRun: z.boolean().default(false).describe('Validate every row and store nothing'),
  })
  .strict();

export const importResponse = writeSummary.extend({ rows: z.number(), dryRun: z.boolean() });

export const effectiveTargetsResponse = z.object({
  user: z.object({ id: z.string(), name: z.string() }),
  period: periodResponse,
  items: z
    .array(
      z.object({
        metric: z.string(),
        amount: z.number().describe('The effective target (after ramp)'),
        basis: targetBasisResponse,
      }),
    )
    .describe(
      'Every metric the person has an effective target for in the period, set, summed or from a playbook',
    ),
});
