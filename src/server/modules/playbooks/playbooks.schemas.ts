import { z } from 'zod';
import { periodKinds } from '../../../shared/periods.ts';
import { roleSchema } from '../../../shared/validation.ts';
import { metricKeySchema } from '../metrics/metric-settings.service.ts';
import { targetAmount } from '../targets/targets.schemas.ts';

const id = z.string().min(1).max(64);
const periodKind = z.enum(periodKinds as ['week', 'month', 'quarter', 'year']);

/** What a playbook version says: responsibilities, targets per period, and the metrics that judge the role. */
export const playbookDocument = z
  .object({
    summary: z.string().trim().max(2000).default(''),
    responsibilities: z.array(z.string().trim().min(1).max(300)).max(50),
    targets: z
      .array(z.object({ metric: metricKeySchema, periodKind, amount: targetAmount }).strict())
      .max(30)
      .describe('Per period: metric + amount (money in minor units)'),
    metrics: z
      .array(z.object({ metric: metricKeySchema, note: z.string().trim().max(300).default('') }).strict())
      .max(30)
      .describe('The metrics that judge the role; their definitions come from the catalog'),
  })
  .strict();
export type PlaybookDocument = z.infer<typeof playbookDocument>;

export const playbookScope = z.discriminatedUnion('type', [
  z.object({ type: z.literal('role'), role: roleSchema }).strict(),
  z.object({ type: z.literal('team'), teamId: id }).strict(),
]);

export const playbookCreateBody = z
  .object({ name: z.string().trim().min(1).max(120), scope: playbookScope, document: playbookDocument })
  .strict();
export const playbookDraftBody = z
  .object({ name: z.string().trim().min(1).max(120).optional(), document: playbookDocument })
  .strict();
export const acknowledgeBody = z.object({ version: z.number().int().min(1) }).strict();
export const playbookGetQuery = z.object({
  version: z.coerce.number().int().min(1).optional().describe('A version to show; default: the current one'),
});
export const diffQuery = z.object({
  from: z.coerce.number().int().min(0).optional().describe('Default: the version I acknowledged (0: none)'),
  to: z.coerce.number().int().min(1).optional().describe('Default: the current version'),
});

const metricRef = z.object({ key: z.string(), name: z.string(), definition: z.string(), format: z.string() });
export const documentResponse = z.object({
  summary: z.string(),
  responsibilities: z.array(z.string()),
  targets: z.array(z.object({ id: z.string(), metric: metricRef, periodKind, amount: z.number() })),
  metrics: z.array(z.object({ metric: metricRef, note: z.string() })),
});

export const versionSummary = z.object({
  version: z.number(),
  status: z.enum(['draft', 'published']),
  publishedAt: z.string().nullable(),
  publishedBy: z.string().nullable(),
});

export const playbookResponse = z.object({
  id: z.string(),
  name: z.string(),
  scope: z.object({
    type: z.enum(['role', 'team']),
    role: roleSchema.nullable(),
    teamId: z.string().nullable(),
  }),
  currentVersion: z.number().nullable(),
  myAcknowledgedVersion: z.number().nullable(),
  needsAcknowledgement: z.boolean(),
  canManage: z.boolean(),
  canSeeAcknowledgements: z
    .boolean()
    .describe('Whether GET /api/playbooks/{id}/acknowledgements answers me (managers and admins)'),
  versions: z.array(versionSummary),
  shown: z
    .object({ version: z.number(), status: z.enum(['draft', 'published']), document: documentResponse })
    .nullable(),
});

export const playbookListItem = playbookResponse.omit({ versions: true, shown: true });

const listDiff = z.object({ added: z.array(z.string()), removed: z.array(z.string()) });
export const diffResponse = z.object({
  from: z.number(),
  to: z.number(),
  summaryChanged: z.boolean(),
  /** The summary before and after, when it changed (null otherwise). */
  summary: z.object({ from: z.string(), to: z.string() }).nullable(),
  responsibilities: listDiff,
  targets: z.object({
    added: z.array(z.object({ metric: z.string(), periodKind, amount: z.number() })),
    removed: z.array(z.object({ metric: z.string(), periodKind, amount: z.number() })),
    changed: z.array(z.object({ metric: z.string(), periodKind, from: z.number(), to: z.number() })),
  }),
  metrics: z.object({
    added: z.array(z.string()),
    removed: z.array(z.string()),
    changed: z.array(z.object({ metric: z.string(), from: z.string(), to: z.string() })),
  }),
});

export const acknowledgementsResponse = z.object({
  version: z.number().nullable(),
  items: z.array(
    z.object({
      user: z.object({ id: z.string(), name: z.string() }),
      acknowledgedVersion: z.number().nullable(),
      acknowledgedAt: z.string().nullable(),
      upToDate: z.boolean(),
    }),
  ),
  pending: z.array(z.object({ id: z.string(), name: z.string() })),
});
