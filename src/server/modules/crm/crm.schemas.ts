import { z } from 'zod';
import { currencySchema } from '../../../shared/validation.ts';
import type { Tier } from '../../db/schema.ts';
import { iso, isoOrNull } from '../identity/identity.schemas.ts';

// ---- shared pieces ----------------------------------------------------------------------------
const id = z.string().min(1).max(64);
const text = (max: number) => z.string().trim().max(max);
const optionalText = (max: number) => text(max).nullable().optional();
export const dateOnly = z.iso.date('must be a date as YYYY-MM-DD');
export const latitude = z
  .number()
  .min(-90, 'must be between -90 and 90')
  .max(90, 'must be between -90 and 90');
export const longitude = z
  .number()
  .min(-180, 'must be between -180 and 180')
  .max(180, 'must be between -180 and 180');
export const tierSchema = z.enum(['A', 'B', 'C']);
export const accountStatus = z.enum(['active', 'prospect', 'inactive']);
export const minorUnits = z
  .number()
  .int('must be a whole number of minor units (cents)')
  .min(0)
  .max(Number.MAX_SAFE_INTEGER);

export const listCount = z.object({ value: z.number(), capped: z.boolean() });
export const COUNT_CAP = 1000;

const sortDir = z.enum(['asc', 'desc']).default('asc');
const pageFields = {
  cursor: z.string().max(400).optional(),
  limit: z.coerce.number().int().min(1).max(200).default(50),
};
const rangeFields = {
  from: z.iso.datetime({ offset: true }).optional().describe('Inclusive lower bound (ISO 8601)'),
  to: z.iso.datetime({ offset: true }).optional().describe('Exclusive upper bound (ISO 8601)'),
};

export const userRef = z.object({ id: z.string(), name: z.string() });

// ---- settings --------------------------------------------------------------------------------
export const crmSettingsSchema = z.object({
  visitRadiusMeters: z.number().int().min(10).max(10_000).default(150),
  repsReadTeamAccounts: z.boolean().default(false),
  tierCadenceDays: z
    .object({
      A: z.number().int().min(1).max(365),
      B: z.number().int().min(1).max(365),
      C: z.number().int().min(1).max(365),
    })
    .default({ A: 14, B: 30, C: 60 }),
  activityKinds: z
    .array(
      z
        .string()
        .trim()
        .min(1)
        .max(40)
        .regex(/^[a-z0-9_-]+$/, 'use lower-case letters, digits, - and _'),
    )
    .max(30)
    .default([]),
});
export type CrmSettings = z.infer<typeof crmSettingsSchema>;
export const crmSettingsUpdate = crmSettingsSchema.partial().strict();

export const builtinActivityKinds = ['visit', 'call', 'email', 'meeting', 'demo', 'task'] as const;

// ---- accounts --------------------------------------------------------------------------------
const accountFields = {
  name: text(200).min(1, 'is required'),
  street: optionalText(200),
  city: optionalText(100),
  region: optionalText(100),
  postalCode: optionalText(20),
  country: optionalText(60),
  latitude: latitude.nullable().optional(),
  longitude: longitude.nullable().optional(),
  territory: optionalText(100),
  industry: optionalText(100),
  tier: tierSchema.nullable().optional(),
  status: accountStatus.optional(),
  ownerId: id.optional(),
  externalSource: optionalText(40),
  externalId: optionalText(100),
};
function bothOrNeither(
  v: { latitude?: number | null; longitude?: number | null },
  ctx: z.RefinementCtx,
): void {
  const hasLat = v.latitude !== undefined && v.latitude !== null;
  const hasLng = v.longitude !== undefined && v.longitude !== null;
  if (hasLat !== hasLng)
    ctx.addIssue({
      code: 'custom',
      path: [hasLat ? 'longitude' : 'latitude'],
      message: 'give latitude and longitude together',
    });
}
export const accountCreateBody = z.object(accountFields).strict().superRefine(bothOrNeither);
export type AccountCreateInput = z.infer<typeof accountCreateBody>;
export const accountUpdateBody = z.object(accountFields).partial().strict().superRefine(bothOrNeither);
export type AccountUpdateInput = z.infer<typeof accountUpdateBody>;

export const accountListQuery = z.object({
  q: z.string().trim().max(100).optional(),
  ownerId: id.optional(),
  teamId: id.optional(),
  territory: z.string().max(100).optional(),
  tier: tierSchema.optional(),
  status: accountStatus.optional(),
  sort: z.enum(['name', 'lastActivityAt', 'createdAt']).default('name'),
  dir: sortDir,
  ...pageFields,
});
export type AccountListQuery = z.infer<typeof accountListQuery>;

export const accountResponse = z.object({
  id: z.string(),
  name: z.string(),
  street: z.string().nullable(),
  city: z.string().nullable(),
  region: z.string().nullable(),
  postalCode: z.string().nullable(),
  country: z.string().nullable(),
  latitude: z.number().nullable(),
  longitude: z.number().nullable(),
  territory: z.string().nullable(),
  industry: z.string().nullable(),
  tier: tierSchema.nullable(),
  status: accountStatus,
  owner: userRef,
  externalSource: z.string().nullable(),
  externalId: z.string().nullable(),
  lastActivityAt: z.string().nullable(),
  /** When the next visit is due by the tier's cadence (null without a tier). */
  nextVisitDue: z.string().nullable(),
  canEdit: z.boolean(),
  createdAt: z.string(),
  updatedAt: z.string(),
});
export type AccountResponse = z.infer<typeof accountResponse>;
export interface AccountRow {
  id: string;
  name: string;
  street: string | null;
  city: string | null;
  region: string | null;
  postal_code: string | null;
  country: string | null;
  latitude: number | null;
  longitude: number | null;
  territory: string | null;
  industry: string | null;
  tier: Tier | null;
  status: 'active' | 'prospect' | 'inactive';
  owner_id: string;
  owner_name: string;
  external_source: string | null;
  external_id: string | null;
  last_activity_at: number | null;
  created_at: number;
  updated_at: number;
}
export function toAccountResponse(row: AccountRow, settings: CrmSettings, canEdit: boolean): AccountResponse {
  const cadence = row.tier ? settings.tierCadenceDays[row.tier] : null;
  const base = row.last_activity_at ?? row.created_at;
  return {
    id: row.id,
    name: row.name,
    street: row.street,
    city: row.city,
    region: row.region,
    postalCode: row.postal_code,
    country: row.country,
    latitude: row.latitude,
    longitude: row.longitude,
    territory: row.territory,
    industry: row.industry,
    tier: row.tier,
    status: row.status,
    owner: { id: row.owner_id, name: row.owner_name },
    externalSource: row.external_source,
    externalId: row.external_id,
    lastActivityAt: isoOrNull(row.last_activity_at),
    nextVisitDue: cadence === null ? null : iso(base + cadence * 86_400_000),
    canEdit,
    createdAt: iso(row.created_at),
    updatedAt: iso(row.updated_at),
  };
}

// ---- contacts --------------------------------------------------------------------------------
const contactFields = {
  accountId: id,
  name: text(200).min(1, 'is required'),
  title: optionalText(120),
  email: z
    .string()
    .trim()
    .toLowerCase()
    .max(254)
    .pipe(z.email('must be a valid email address'))
    .nullable()
    .optional(),
  phone: optionalText(40),
  externalSource: optionalText(40),
  externalId: optionalText(100),
};
export const contactCreateBody = z.object(contactFields).strict();
export const contactUpdateBody = z.object(contactFields).partial().strict();
export const contactListQuery = z.object({
  q: z.string().trim().max(100).optional(),
  accountId: id.optional(),
  ownerId: id.optional(),
  ...pageFields,
});
export const contactResponse = z.object({
  id: z.string(),
  accountId: z.string(),
  accountName: z.string(),
  name: z.string(),
  title: z.string().nullable(),
  email: z.string().nullable(),
  phone: z.string().nullable(),
  externalSource: z.string().nullable(),
  externalId: z.string().nullable(),
  /** Whether the actor may change it (they may change its account). */
  canEdit: z.boolean(),
  createdAt: z.string(),
});
export function toContactResponse(
  row: {
    id: string;
    account_id: string;
    account_name: string;
    name: string;
    title: string | null;
    email: string | null;
    phone: string | null;
    external_source: string | null;
    external_id: string | null;
    created_at: number;
  },
  canEdit: boolean,
): z.infer<typeof contactResponse> {
  return {
    id: row.id,
    accountId: row.account_id,
    accountName: row.account_name,
    name: row.name,
    title: row.title,
    email: row.email,
    phone: row.phone,
    externalSource: row.external_source,
    externalId: row.external_id,
    canEdit,
    createdAt: iso(row.created_at),
  };
}

// ---- pipelines -------------------------------------------------------------------------------
export const stageKind = z.enum(['open', 'won', 'lost']);
export const stageResponse = z.object({
  id: z.string(),
  name: z.string(),
  position: z.number(),
  probability: z.number(),
  kind: stageKind,
});
export const pipelineResponse = z.object({
  id: z.string(),
  name: z.string(),
  isDefault: z.boolean(),
  stages: z.array(stageResponse),
});
export const pipelineBody = z
  .object({
    name: text(100).min(1),
    isDefault: z.boolean().optional(),
    stages: z
      .array(
        z.object({
          id: id.optional().describe('Keep an existing stage (its deals stay in it)'),
          name: text(60).min(1),
          probability: z.number().int().min(0).max(100),
          kind: stageKind.describe("A kept stage's kind changes only while no deal is in it"),
        }),
      )
      .min(2)
      .max(20),
  })
  .strict()
  .superRefine((v, ctx) => {
    if (!v.stages.some((s) => s.kind === 'won'))
      ctx.addIssue({ code: 'custom', path: ['stages'], message: 'needs a won stage' });
    if (!v.stages.some((s) => s.kind === 'lost'))
      ctx.addIssue({ code: 'custom', path: ['stages'], message: 'needs a lost stage' });
    if (!v.stages.some((s) => s.kind === 'open'))
      ctx.addIssue({ code: 'custom', path: ['stages'], message: 'needs an open stage' });
  });
export type PipelineInput = z.infer<typeof pipelineBody>;

// ---- deals -----------------------------------------------------------------------------------
const splitSchema = z
  .array(z.object({ userId: id, percent: z.number().min(0.01).max(100).multipleOf(0.01) }))
  .max(10)
  .superRefine((splits, ctx) => {
    if (splits.length === 0) return;
    const total = Math.round(splits.reduce((n, s) => n + s.percent * 100, 0));
    if (total !== 10_000)
      ctx.addIssue({ code: 'custom', message: `percentages must sum to 100 (they sum to ${total / 100})` });
    if (new Set(splits.map((s) => s.userId)).size !== splits.length)
      ctx.addIssue({ code: 'custom', message: 'a person appears twice' });
  });
const dealFields = {
  accountId: id,
  name: text(200).min(1, 'is required'),
  amountMinor: minorUnits,
  currency: currencySchema.optional(),
  stageId: id.optional().describe('Defaults to the first stage of the default pipeline'),
  probability: z
    .number()
    .int()
    .min(0)
    .max(100)
    .nullable()
    .optional()
    .describe('Overrides the stage probability; null resets'),
  expectedCloseDate: dateOnly.nullable().optional(),
  ownerId: id.optional(),
  closeReason: optionalText(300),
  closedOn: dateOnly.optional().describe('Date won or lost; defaults to today'),
  splits: splitSchema.optional(),
  externalSource: optionalText(40),
  externalId: optionalText(100),
};
export const dealCreateBody = z.object(dealFields).strict();
export type DealCreateInput = z.infer<typeof dealCreateBody>;
export const dealUpdateBody = z.object(dealFields).partial().strict();
export type DealUpdateInput = z.infer<typeof dealUpdateBody>;
export const dealListQuery = z.object({
  q: z.string().trim().max(100).optional(),
  ownerId: id.optional(),
  teamId: id.optional(),
  accountId: id.optional(),
  pipelineId: id.optional(),
  stageId: id.optional(),
  status: stageKind.optional(),
  closeFrom: dateOnly.optional(),
  closeTo: dateOnly.optional(),
  sort: z.enum(['name', 'amount', 'expectedCloseDate', 'createdAt']).default('createdAt'),
  dir: z.enum(['asc', 'desc']).default('desc'),
  ...pageFields,
});
export type DealListQuery = z.infer<typeof dealListQuery>;
export const dealResponse = z.object({
  id: z.string(),
  name: z.string(),
  account: z.object({ id: z.string(), name: z.string() }),
  owner: userRef,
  amountMinor: z.number(),
  currency: z.string(),
  pipelineId: z.string(),
  stage: z.object({ id: z.string(), name: z.string(), kind: stageKind }),
  probability: z.number().describe('Effective probability: the override, else the stage default'),
  probabilityOverridden: z.boolean(),
  /** amount × probability, rounded half-even to a whole minor unit. */
  weightedAmountMinor: z.number(),
  expectedCloseDate: z.string().nullable(),
  status: stageKind,
  closedAt: z.string().nullable(),
  closeReason: z.string().nullable(),
  splits: z.array(z.object({ userId: z.string(), name: z.string(), percent: z.number() })),
  canEdit: z.boolean(),
  createdAt: z.string(),
  updatedAt: z.string(),
});
export type DealResponse = z.infer<typeof dealResponse>;
export const stageHistoryResponse = z.object({
  fromStage: z.object({ id: z.string(), name: z.string() }).nullable(),
  toStage: z.object({ id: z.string(), name: z.string() }),
  changedAt: z.string(),
  changedBy: userRef.nullable(),
});

// ---- activities ------------------------------------------------------------------------------
const position = z.object({
  lat: latitude,
  lng: longitude,
  accuracyM: z.number().min(0).max(100_000).nullable().optional(),
});
export const activityCreateBody = z
  .object({
    id: z
      .uuid('must be a UUID generated by the client')
      .optional()
      .describe('Client-generated id: sending the same entry twice stores it once'),
    kind: z.string().trim().min(1).max(40),
    subject: text(300).min(1, 'is required'),
    outcome: optionalText(2000),
    occurredAt: z.iso
      .datetime({ offset: true })
      .optional()
      .describe('Defaults to now (or the check-in time)'),
    durationMinutes: z
      .number()
      .int()
      .min(0)
      .max(24 * 60)
      .nullable()
      .optional(),
    accountId: id.nullable().optional(),
    contactId: id.nullable().optional(),
    dealId: id.nullable().optional(),
    ownerId: id.optional(),
    source: z.enum(['online', 'offline']).default('online'),
    checkIn: position
      .extend({ at: z.iso.datetime({ offset: true }) })
      .nullable()
      .optional(),
    checkOut: position
      .partial({ lat: true, lng: true })
      .extend({ at: z.iso.datetime({ offset: true }) })
      .nullable()
      .optional(),
  })
  .strict();
export type ActivityCreateInput = z.infer<typeof activityCreateBody>;
export const activityUpdateBody = z
  .object({
    subject: text(300).min(1),
    outcome: optionalText(2000),
    durationMinutes: z
      .number()
      .int()
      .min(0)
      .max(24 * 60)
      .nullable(),
    checkOut: position.partial({ lat: true, lng: true }).extend({ at: z.iso.datetime({ offset: true }) }),
  })
  .partial()
  .strict();
export const activityListQuery = z.object({
  ownerId: id.optional(),
  teamId: id.optional(),
  accountId: id.optional(),
  dealId: id.optional(),
  kind: z.string().max(40).optional(),
  verified: z.stringbool().optional(),
  q: z.string().trim().max(100).optional(),
  ...rangeFields,
  ...pageFields,
});
export type ActivityListQuery = z.infer<typeof activityListQuery>;
export const activityResponse = z.object({
  id: z.string(),
  kind: z.string(),
  subject: z.string(),
  outcome: z.string().nullable(),
  occurredAt: z.string(),
  durationMinutes: z.number().nullable(),
  owner: userRef,
  account: z.object({ id: z.string(), name: z.string() }).nullable(),
  contactId: z.string().nullable(),
  dealId: z.string().nullable(),
  source: z.enum(['online', 'offline', 'import']),
  checkIn: z
    .object({
      at: z.string(),
      lat: z.number().nullable(),
      lng: z.number().nullable(),
      accuracyM: z.number().nullable(),
    })
    .nullable(),
  checkOut: z.object({ at: z.string(), lat: z.number().nullable(), lng: z.number().nullable() }).nullable(),
  /** Metres between the check-in and the account location, when both are known. */
  distanceM: z.number().nullable(),
  verified: z.boolean().nullable(),
  canEdit: z.boolean(),
  createdAt: z.string(),
});
export type ActivityResponse = z.infer<typeof activityResponse>;

// ---- notes -----------------------------------------------------------------------------------
export const noteEntity = z.enum(['account', 'contact', 'deal']);
export const noteCreateBody = z
  .object({ entityType: noteEntity, entityId: id, body: z.string().trim().min(1).max(20_000) })
  .strict();
export const noteUpdateBody = z.object({ body: z.string().trim().min(1).max(20_000) }).strict();
export const noteListQuery = z.object({ entityType: noteEntity, entityId: id });
export const noteResponse = z.object({
  id: z.string(),
  entityType: noteEntity,
  entityId: z.string(),
  author: userRef,
  body: z.string().describe('Markdown; render without raw HTML'),
  createdAt: z.string(),
  updatedAt: z.string(),
  canEdit: z.boolean(),
});

export const pageOfSchema = <T extends z.ZodType>(item: T) =>
  z.object({ items: z.array(item), nextCursor: z.string().nullable(), total: listCount });
