/** CRM calls of the web client: lists, records, the deal board, notes, import and export. */
import { queryOptions } from '@tanstack/react-query';
import { apiGet, apiPatch, apiPost, apiUpload, buildQuery, type QueryValue } from '../../lib/api.ts';
import type {
  Account,
  Board,
  ClientConfig,
  CrmPage,
  CrmSettings,
  Deal,
  DryRun,
  ImportEntity,
  ImportFieldCatalog,
  ImportMode,
  ImportRun,
  NearbyAccount,
  Note,
  NoteEntity,
  Pipeline,
} from './crm-types.ts';

export const CRM_KEY = ['crm'] as const;
export const ACCOUNTS_KEY = [...CRM_KEY, 'accounts'] as const;
export const CONTACTS_KEY = [...CRM_KEY, 'contacts'] as const;
export const DEALS_KEY = [...CRM_KEY, 'deals'] as const;
export const BOARD_KEY = [...CRM_KEY, 'board'] as const;
export const ACTIVITIES_KEY = [...CRM_KEY, 'activities'] as const;
export const NOTES_KEY = [...CRM_KEY, 'notes'] as const;
export const PAGE_SIZE = 50;

export type Filters = Record<string, QueryValue>;

export type ListEntity = 'accounts' | 'contacts' | 'deals' | 'activities';

export function fetchCrmPage<T>(
  entity: ListEntity,
  filters: Filters,
  cursor: string | null,
  limit = PAGE_SIZE,
) {
  return apiGet<CrmPage<T>>(`/api/crm/${entity}`, { ...filters, cursor, limit });
}

/** The export link of a list with its current filters (the browser downloads it with the session cookie). */
export function exportUrl(entity: ListEntity, filters: Filters, format: 'csv' | 'json'): string {
  return `/api/crm/${entity}/export${buildQuery({ ...filters, format })}`;
}

export const clientConfigQuery = queryOptions({
  queryKey: ['config'],
  queryFn: () => apiGet<ClientConfig>('/api/config'),
  staleTime: Number.POSITIVE_INFINITY,
});

export const crmSettingsQuery = queryOptions({
  queryKey: [...CRM_KEY, 'settings'],
  queryFn: () => apiGet<CrmSettings>('/api/crm/settings'),
  staleTime: 5 * 60_000,
});

export const pipelinesQuery = queryOptions({
  queryKey: [...CRM_KEY, 'pipelines'],
  queryFn: () => apiGet<{ items: Pipeline[] }>('/api/crm/pipelines'),
  select: (data) => data.items,
  staleTime: 5 * 60_000,
});

export function accountQuery(id: string) {
  return queryOptions({
    queryKey: [...ACCOUNTS_KEY, 'one', id],
    queryFn: () => apiGet<Account>(`/api/crm/accounts/${encodeURIComponent(id)}`),
  });
}

export function fetchNearby(lat: number, lng: number, radiusKm = 25, limit = 10) {
  return apiGet<{ items: NearbyAccount[] }>('/api/crm/accounts/nearby', { lat, lng, radiusKm, limit });
}

export function boardQuery(pipelineId: string | null) {
  return queryOptions({
    queryKey: [...BOARD_KEY, pipelineId ?? 'default'],
    queryFn: () => apiGet<Board>('/api/crm/deals/board', { pipelineId }),
  });
}

export function moveDealStage(dealId: string, stageId: string) {
  return apiPatch<Deal>(`/api/crm/deals/${encodeURIComponent(dealId)}`, { stageId });
}

export function notesQuery(entityType: NoteEntity, entityId: string) {
  return queryOptions({
    queryKey: [...NOTES_KEY, entityType, entityId],
    queryFn: () => apiGet<{ items: Note[] }>('/api/crm/notes', { entityType, entityId }),
    select: (data) => data.items,
  });
}

export function addNote(entityType: NoteEntity, entityId: string, body: string) {
  return apiPost<Note>('/api/crm/notes', { entityType, entityId, body });
}

// ---- import -------------------------------------------------------------------------------------

export const importFieldsQuery = queryOptions({
  queryKey: [...CRM_KEY, 'import-fields'],
  queryFn: () => apiGet<ImportFieldCatalog>('/api/crm/imports/fields'),
  staleTime: Number.POSITIVE_INFINITY,
});

export function uploadImport(entity: ImportEntity, file: File) {
  return apiUpload<ImportRun>('/api/crm/imports', { entity, fileName: file.name }, file, 'text/csv');
}

/** Either a preset (Salesforce/HubSpot column headers) or a manual `{ "CSV header": "field" }` mapping. */
export type MappingChoice = { preset: string } | { mapping: Record<string, string> };

export function dryRunImport(id: string, choice: MappingChoice) {
  return apiPost<DryRun>(`/api/crm/imports/${encodeURIComponent(id)}/dry-run`, {
    ...choice,
    previewRows: 20,
  });
}

export function startImport(id: string, choice: MappingChoice, mode: ImportMode) {
  return apiPost<ImportRun>(`/api/crm/imports/${encodeURIComponent(id)}/start`, { ...choice, mode });
}

/** Runs again an import whose background job stopped (`retryable`). */
export function retryImport(id: string) {
  return apiPost<ImportRun>(`/api/crm/imports/${encodeURIComponent(id)}/retry`);
}

export function fetchImport(id: string) {
  return apiGet<ImportRun>(`/api/crm/imports/${encodeURIComponent(id)}`);
}
