/** Shapes of the CRM API as the web client reads them (see src/server/modules/crm/crm.schemas.ts). */
import type { PersonRef } from '../../lib/types.ts';

export type Tier = 'A' | 'B' | 'C';
export type AccountStatus = 'active' | 'prospect' | 'inactive';
export type StageKind = 'open' | 'won' | 'lost';

export interface ListCount {
  value: number;
  /** True when the server stopped counting at its cap (shown as "1000+"). */
  capped: boolean;
}

export interface CrmPage<T> {
  items: T[];
  nextCursor: string | null;
  total: ListCount;
}

export interface Account {
  id: string;
  name: string;
  street: string | null;
  city: string | null;
  region: string | null;
  postalCode: string | null;
  country: string | null;
  latitude: number | null;
  longitude: number | null;
  territory: string | null;
  industry: string | null;
  tier: Tier | null;
  status: AccountStatus;
  owner: PersonRef;
  externalSource: string | null;
  externalId: string | null;
  lastActivityAt: string | null;
  nextVisitDue: string | null;
  canEdit: boolean;
  createdAt: string;
  updatedAt: string;
}

export interface NearbyAccount extends Account {
  distanceM: number;
}

export interface Contact {
  id: string;
  accountId: string;
  accountName: string;
  name: string;
  title: string | null;
  email: string | null;
  phone: string | null;
  externalSource: string | null;
  externalId: string | null;
  canEdit: boolean;
  createdAt: string;
}

export interface Stage {
  id: string;
  name: string;
  position: number;
  probability: number;
  kind: StageKind;
}

export interface Pipeline {
  id: string;
  name: string;
  isDefault: boolean;
  stages: Stage[];
}

export interface Deal {
  id: string;
  name: string;
  account: { id: string; name: string };
  owner: PersonRef;
  amountMinor: number;
  currency: string;
  pipelineId: string;
  stage: { id: string; name: string; kind: StageKind };
  probability: number;
  probabilityOverridden: boolean;
  weightedAmountMinor: number;
  expectedCloseDate: string | null;
  status: StageKind;
  closedAt: string | null;
  closeReason: string | null;
  splits: { userId: string; name: string; percent: number }[];
  canEdit: boolean;
  createdAt: string;
  updatedAt: string;
}

export interface MoneyTotal {
  currency: string;
  amountMinor: number;
}

export interface BoardColumn {
  stage: Stage;
  count: number;
  totals: MoneyTotal[];
  deals: Deal[];
}

export interface Board {
  pipeline: Pipeline;
  columns: BoardColumn[];
}

export interface GeoPoint {
  lat: number;
  lng: number;
}

export interface Activity {
  id: string;
  kind: string;
  subject: string;
  outcome: string | null;
  occurredAt: string;
  durationMinutes: number | null;
  owner: PersonRef;
  account: { id: string; name: string } | null;
  contactId: string | null;
  dealId: string | null;
  source: 'online' | 'offline' | 'import';
  checkIn: { at: string; lat: number | null; lng: number | null; accuracyM: number | null } | null;
  checkOut: { at: string; lat: number | null; lng: number | null } | null;
  distanceM: number | null;
  verified: boolean | null;
  canEdit: boolean;
  createdAt: string;
}

export type NoteEntity = 'account' | 'contact' | 'deal';

export interface Note {
  id: string;
  entityType: NoteEntity;
  entityId: string;
  author: PersonRef;
  body: string;
  createdAt: string;
  updatedAt: string;
  canEdit: boolean;
}

export interface CrmSettings {
  visitRadiusMeters: number;
  repsReadTeamAccounts: boolean;
  tierCadenceDays: Record<Tier, number>;
  activityKinds: string[];
}

export type ImportEntity = 'accounts' | 'contacts' | 'deals' | 'activities';
export type ImportMode = 'all-or-nothing' | 'skip-bad-rows';
export type ImportState = 'uploaded' | 'queued' | 'running' | 'done' | 'failed';

export interface RowError {
  row: number;
  column: string | null;
  reason: string;
}

export interface ImportRun {
  id: string;
  entity: ImportEntity;
  fileName: string;
  fileBytes: number;
  headers: string[];
  source: string;
  mapping: Record<string, string> | null;
  mode: ImportMode | null;
  state: ImportState;
  totalRows: number;
  processedRows: number;
  inserted: number;
  updated: number;
  skipped: number;
  errorCount: number;
  errors: RowError[];
  message: string | null;
  /** Failed because its background job stopped (dead letters): an admin can retry the job. */
  retryable: boolean;
  createdAt: string;
  updatedAt: string;
  finishedAt: string | null;
}

export interface DryRun {
  run: ImportRun;
  preview: { row: number; values: Record<string, unknown> }[];
  totalRows: number;
  wouldInsert: number;
  wouldUpdate: number;
  badRows: number;
  errorCount: number;
  errors: RowError[];
  fatal: string | null;
}

export interface ImportFieldCatalog {
  entities: Record<
    string,
    { fields: string[]; required: string[][]; presets: Record<string, Record<string, string>> }
  >;
}

export interface ClientConfig {
  map: { tileUrl: string | null; attribution: string | null };
}
