/** Shapes of the Outfield HTTP API as the web client reads them (see the API contract). */

export type Role = 'admin' | 'manager' | 'rep';

export const ROLES: readonly Role[] = ['admin', 'manager', 'rep'];

export interface Org {
  id: string;
  name: string;
  currency: string;
  timeZone: string;
  fiscalYearStartMonth: number;
}

export interface MeTeam {
  id: string;
  name: string;
  relation: 'member' | 'manager';
}

export interface Me {
  user: { id: string; email: string; name: string; timeZone: string };
  org: Org;
  role: Role;
  teams: MeTeam[];
  csrfToken: string;
}

export interface User {
  id: string;
  email: string;
  name: string;
  timeZone: string;
  role: Role;
  active: boolean;
  teamId: string | null;
  teamName: string | null;
  createdAt: string;
}

export interface Page<T> {
  items: T[];
  nextCursor: string | null;
}

export interface PersonRef {
  id: string;
  name: string;
}

export interface Team {
  id: string;
  name: string;
  parentTeamId: string | null;
  managers: PersonRef[];
  members: PersonRef[];
}

export interface Invitation {
  id: string;
  email: string;
  role: Role;
  teamId: string | null;
  createdAt: string;
  expiresAt: string;
  acceptedAt: string | null;
  revokedAt: string | null;
}

export interface InvitationPreview {
  email: string;
  role: Role;
  orgName: string;
  expiresAt: string;
}

export interface ApiToken {
  id: string;
  name: string;
  prefix: string;
  createdAt: string;
  lastUsedAt: string | null;
  expiresAt: string | null;
}

export interface AuditEntry {
  id: string;
  at: string;
  actor: PersonRef | null;
  entityType: string;
  entityId: string;
  action: string;
  summary: Record<string, unknown>;
  requestId: string | null;
}

export interface Session {
  id: string;
  current: boolean;
  createdAt: string;
  lastSeenAt: string;
  expiresAt: string;
  ip: string | null;
  userAgent: string | null;
}
