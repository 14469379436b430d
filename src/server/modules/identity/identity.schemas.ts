import { z } from 'zod';
import {
  currencySchema,
  emailSchema,
  fiscalMonthSchema,
  passwordSchema,
  personNameSchema,
  roleSchema,
  timeZoneSchema,
} from '../../../shared/validation.ts';
import type { OrgRow, Role, TeamRow } from '../../db/schema.ts';

export const idParam = z.object({ id: z.string().min(1).max(64) });
/** A reference to another record in a body: never empty (an empty id skipped the existence check, then failed the foreign key: 500). */
const refId = z.string().min(1).max(64);
export const iso = (ms: number): string => new Date(ms).toISOString();
export const isoOrNull = (ms: number | null): string | null => (ms === null ? null : iso(ms));

export const orgResponse = z.object({
  id: z.string(),
  name: z.string(),
  currency: z.string(),
  timeZone: z.string(),
  fiscalYearStartMonth: z.number(),
});
export type OrgResponse = z.infer<typeof orgResponse>;
export function toOrgResponse(
  row: Pick<OrgRow, 'id' | 'name' | 'currency' | 'time_zone' | 'fiscal_year_start_month'>,
): OrgResponse {
  return {
    id: row.id,
    name: row.name,
    currency: row.currency,
    timeZone: row.time_zone,
    fiscalYearStartMonth: row.fiscal_year_start_month,
  };
}

export const orgUpdateBody = z
  .object({
    name: z.string().trim().min(1).max(120),
    currency: currencySchema,
    timeZone: timeZoneSchema,
    fiscalYearStartMonth: fiscalMonthSchema,
  })
  .partial()
  .strict();

export const meResponse = z.object({
  user: z.object({ id: z.string(), email: z.string(), name: z.string(), timeZone: z.string() }),
  org: orgResponse,
  role: roleSchema,
  teams: z.array(z.object({ id: z.string(), name: z.string(), relation: z.enum(['member', 'manager']) })),
  csrfToken: z.string().describe('Send as the x-csrf-token header on cookie-authenticated writes'),
});
export type MeResponse = z.infer<typeof meResponse>;

export const loginBody = z.object({ email: emailSchema, password: z.string().min(1).max(200) });
export const meUpdateBody = z.object({ name: personNameSchema, timeZone: timeZoneSchema }).partial().strict();
export const passwordBody = z.object({
  currentPassword: z.string().min(1).max(200),
  newPassword: passwordSchema,
});

export const setupBody = z.object({
  orgName: z.string().trim().min(1).max(120),
  currency: currencySchema.default('USD'),
  timeZone: timeZoneSchema.default('UTC'),
  fiscalYearStartMonth: fiscalMonthSchema.default(1),
  adminName: personNameSchema,
  adminEmail: emailSchema,
  password: passwordSchema,
});
export type SetupInput = z.infer<typeof setupBody>;

export const tokenResponse = z.object({
  id: z.string(),
  name: z.string(),
  prefix: z.string(),
  createdAt: z.string(),
  lastUsedAt: z.string().nullable(),
  expiresAt: z.string().nullable(),
});
export const tokenCreateBody = z.object({
  name: z.string().trim().min(1).max(80),
  expiresInDays: z.number().int().min(1).max(3650).optional(),
});

export const sessionResponse = z.object({
  id: z.string(),
  current: z.boolean(),
  createdAt: z.string(),
  lastSeenAt: z.string(),
  expiresAt: z.string(),
  ip: z.string().nullable(),
  userAgent: z.string().nullable(),
});

export const userResponse = z.object({
  id: z.string(),
  email: z.string(),
  name: z.string(),
  timeZone: z.string(),
  role: roleSchema,
  active: z.boolean(),
  teamId: z.string().nullable(),
  teamName: z.string().nullable(),
  createdAt: z.string(),
});
export type UserResponse = z.infer<typeof userResponse>;
export interface UserListRow {
  id: string;
  email: string;
  name: string;
  time_zone: string;
  role: Role;
  active: number;
  team_id: string | null;
  team_name: string | null;
  created_at: number;
}
export function toUserResponse(row: UserListRow): UserResponse {
  return {
    id: row.id,
    email: row.email,
    name: row.name,
    timeZone: row.time_zone,
    role: row.role,
    active: row.active === 1,
    teamId: row.team_id,
    teamName: row.team_name,
    createdAt: iso(row.created_at),
  };
}

export const userListQuery = z.object({
  q: z.string().trim().max(100).optional(),
  role: roleSchema.optional(),
  teamId: z.string().max(64).optional(),
  active: z.stringbool().optional(),
  cursor: z.string().max(400).optional(),
  limit: z.coerce.number().int().min(1).max(200).default(50),
});
export const userCreateBody = z.object({
  email: emailSchema,
  name: personNameSchema,
  role: roleSchema,
  password: passwordSchema,
  teamId: refId.nullable().optional(),
  timeZone: timeZoneSchema.optional(),
});
export type UserCreateInput = z.infer<typeof userCreateBody>;
export const userUpdateBody = z
  .object({
    name: personNameSchema,
    role: roleSchema,
    timeZone: timeZoneSchema,
    active: z.boolean(),
    teamId: refId.nullable(),
  })
  .partial()
  .strict();
export type UserUpdateInput = z.infer<typeof userUpdateBody>;

export const teamResponse = z.object({
  id: z.string(),
  name: z.string(),
  parentTeamId: z.string().nullable(),
  managers: z.array(z.object({ id: z.string(), name: z.string() })),
  members: z.array(z.object({ id: z.string(), name: z.string() })),
});
export type TeamResponse = z.infer<typeof teamResponse>;
export function toTeamResponse(
  row: Pick<TeamRow, 'id' | 'name' | 'parent_team_id'>,
  managers: { id: string; name: string }[],
  members: { id: string; name: string }[],
): TeamResponse {
  return { id: row.id, name: row.name, parentTeamId: row.parent_team_id, managers, members };
}
export const teamCreateBody = z.object({
  name: z.string().trim().min(1).max(120),
  parentTeamId: refId.nullable().optional(),
});
export const teamUpdateBody = z
  .object({ name: z.string().trim().min(1).max(120), parentTeamId: refId.nullable() })
  .partial()
  .strict();
export const teamManagersBody = z.object({ userIds: z.array(z.string().max(64)).max(50) });

export const invitationResponse = z.object({
  id: z.string(),
  email: z.string(),
  role: roleSchema,
  teamId: z.string().nullable(),
  createdAt: z.string(),
  expiresAt: z.string(),
  acceptedAt: z.string().nullable(),
  revokedAt: z.string().nullable(),
});
export const invitationCreateBody = z.object({
  email: emailSchema,
  role: roleSchema,
  teamId: refId.nullable().optional(),
  expiresInDays: z.number().int().min(1).max(30).default(7),
});
export const invitationPublicResponse = z.object({
  email: z.string(),
  role: roleSchema,
  orgName: z.string(),
  expiresAt: z.string(),
});
export const invitationAcceptBody = z.object({ name: personNameSchema, password: passwordSchema });
export const tokenParam = z.object({ token: z.string().min(10).max(100) });
