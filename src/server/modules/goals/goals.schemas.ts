import { z } from 'zod';
import { builtinMetrics } from '../../../shared/metrics-catalog.ts';
import { currencySchema } from '../../../shared/validation.ts';

const id = z.string().min(1).max(64);
const text = (max: number) => z.string().trim().max(max);
const dateOnly = z.iso.date('must be a date as YYYY-MM-DD');
const metricValue = z
  .number()
  .min(-1e12, 'is too small')
  .max(1e12, 'is too large')
  .refine(Number.isFinite, 'must be a number');
export const metricKeys = builtinMetrics.map((m) => m.key) as [string, ...string[]];

export const goalStatusSchema = z.enum(['draft', 'proposed', 'changes_requested', 'agreed']);
export const progressStatusSchema = z.enum(['on_track', 'at_risk', 'off_track', 'achieved', 'missed']);
export const supportsSchema = z.object({
  kind: z
    .enum(['goal', 'objective', 'playbook_target'])
    .describe(
      'goal: the team goal this one cascades from; playbook_target: a target of a published playbook',
    ),
  id,
});
export const checkpointInput = z.object({ date: dateOnly, target: metricValue });

const goalFields = {
  title: text(200).min(1, 'is required'),
  description: text(4000).optional(),
  metricKey: z
    .enum(metricKeys, { message: `must be a catalog metric (${metricKeys.join(', ')})` })
    .nullable()
    .optional()
    .describe('A catalog metric; null for a manual measure'),
  manualUnit: text(60).min(1).nullable().optional(),
  doneCriterion: text(500).min(1).nullable().optional(),
  currency: currencySchema.optional().describe('Money metrics: must be the org currency'),
  baseline: metricValue,
  target: metricValue,
  startDate: dateOnly,
  deadline: dateOnly.describe('The last day of the goal'),
  checkpoints: z.array(checkpointInput).max(24).optional(),
  supports: supportsSchema.nullable().optional(),
};

export const goalCreateBody = z
  .object({
    ownerKind: z.enum(['user', 'team']).default('user'),
    ownerUserId: id.optional().describe('Default: me (for ownerKind user)'),
    ownerTeamId: id.optional(),
    ...goalFields,
  })
  .strict();
export type GoalCreateInput = z.infer<typeof goalCreateBody>;

export const goalUpdateBody = z.object(goalFields).partial().strict();
export type GoalUpdateInput = z.infer<typeof goalUpdateBody>;

export const goalListQuery = z.object({
  ownerUserId: id.optional(),
  ownerTeamId: id.optional(),
  status: goalStatusSchema.optional(),
  limit: z.coerce.number().int().min(1).max(500).default(100),
});

export const commentBody = z.object({ comment: text(2000).min(1, 'is required') }).strict();
export const optionalCommentBody = z.object({ comment: text(2000).min(1).optional() }).strict();
export const progressUpdateBody = z
  .object({
    value: metricValue,
    evidence: text(2000).min(1, 'is required'),
    evidenceUrl: z.url().max(500).optional(),
  })
  .strict();

export const smartCheckBody = z
  .object({
    ownerKind: z.enum(['user', 'team']).default('user'),
    ownerUserId: id.optional(),
    ownerTeamId: id.optional(),
    title: z.string().max(200).default(''),
    metricKey: z.string().max(60).nullable().optional(),
    manualUnit: z.string().max(60).nullable().optional(),
    doneCriterion: z.string().max(500).nullable().optional(),
    baseline: z.number().nullable().optional(),
    target: z.number().nullable().optional(),
    startDate: z.string().max(10).nullable().optional(),
    deadline: z.string().max(10).nullable().optional(),
    checkpoints: z
      .array(z.object({ date: z.string().max(10), target: z.number() }))
      .max(24)
      .optional(),
    supports: supportsSchema.nullable().optional(),
  })
  .strict();

export const goalSettingsSchema = z.object({
  horizonDays: z.number().int().min(7).max(1100).default(400),
  achievableFactor: z.number().min(1).max(10).default(1.5),
});
export type GoalSettings = z.infer<typeof goalSettingsSchema>;
export const goalSettingsUpdate = goalSettingsSchema.partial().strict();

export const objectiveBody = z
  .object({
    title: text(200).min(1, 'is required'),
    description: text(4000).optional(),
    active: z.boolean().optional(),
  })
  .strict();
export const objectiveUpdateBody = objectiveBody.partial().strict();
export const objectiveResponse = z.object({
  id: z.string(),
  title: z.string(),
  description: z.string(),
  active: z.boolean(),
  createdAt: z.string(),
  updatedAt: z.string(),
});

// ---- responses --------------------------------------------------------------------------------
const ref = z.object({ id: z.string(), name: z.string() });
export const smartResultSchema = z.object({
  items: z.array(
    z.object({
      letter: z.enum(['S', 'M', 'A', 'R', 'T']),
      verdict: z.enum(['pass', 'warn', 'fail']),
      message: z.string(),
    }),
  ),
  blocking: z.boolean(),
});

export const goalResponse = z.object({
  id: z.string(),
  owner: z.object({ kind: z.enum(['user', 'team']), user: ref.nullable(), team: ref.nullable() }),
  title: z.string(),
  description: z.string(),
  metric: z
    .object({ key: z.string(), name: z.string(), unit: z.string(), direction: z.enum(['higher', 'lower']) })
    .nullable(),
  manualUnit: z.string().nullable(),
  doneCriterion: z.string().nullable(),
  currency: z.string().nullable(),
  baseline: z.number(),
  target: z.number(),
  startDate: z.string(),
  deadline: z.string(),
  checkpoints: z.array(z.object({ id: z.string(), date: z.string(), target: z.number() })),
  status: goalStatusSchema,
  awaiting: z.enum(['owner', 'manager']).nullable(),
  agreedAt: z.string().nullable(),
  progressStatus: progressStatusSchema.nullable(),
  progressReason: z.string().nullable(),
  supports: z.object({ kind: z.enum(['goal', 'objective', 'playbook_target']), id: z.string() }).nullable(),
  permissions: z.object({
    edit: z.boolean(),
    propose: z.boolean(),
    decide: z.boolean().describe('May agree or request changes now'),
  }),
  createdAt: z.string(),
  updatedAt: z.string(),
});
export type GoalResponse = z.infer<typeof goalResponse>;

export const progressSchema = z.object({
  mode: z.enum(['cumulative', 'level', 'manual']),
  actual: z.number(),
  pace: z.number(),
  forecast: z.number(),
  progress: z.number(),
  elapsed: z.number(),
  status: progressStatusSchema,
  reason: z.string(),
  pipelineBeforeDeadline: z.number().nullable(),
  computedAt: z.string(),
});

export const goalEventResponse = z.object({
  id: z.string(),
  at: z.string(),
  actor: ref.nullable(),
  kind: z.string(),
  comment: z.string().nullable(),
  changes: z.record(z.string(), z.unknown()),
});

export const goalDetailResponse = goalResponse.extend({
  smart: smartResultSchema,
  progressNow: progressSchema,
  children: z.array(goalResponse.extend({ actual: z.number() })),
  rollup: z
    .object({ actual: z.number(), count: z.number().int() })
    .nullable()
    .describe('Sum of the progress of the goals beneath that share its metric (additive metrics)'),
  events: z.array(goalEventResponse),
  updates: z.array(
    z.object({
      id: z.string(),
      value: z.number(),
      evidence: z.string(),
      evidenceUrl: z.string().nullable(),
      by: ref,
      at: z.string(),
    }),
  ),
});

export const seriesResponse = z.object({
  points: z.array(
    z.object({
      date: z.string(),
      actual: z.number().nullable(),
      pace: z.number(),
      forecast: z.number().nullable(),
    }),
  ),
});
