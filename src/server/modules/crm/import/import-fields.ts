import type { ImportEntity } from '../../../db/schema.ts';

/** The fields a CSV column can fill, per entity. `required` fields must be mapped to a column. */
export const importFields = {
  accounts: [
    'externalId',
    'name',
    'street',
    'city',
    'region',
    'postalCode',
    'country',
    'latitude',
    'longitude',
    'territory',
    'industry',
    'tier',
    'status',
    'owner',
  ],
  contacts: [
    'externalId',
    'accountExternalId',
    'accountName',
    'name',
    'firstName',
    'lastName',
    'title',
    'email',
    'phone',
  ],
  deals: [
    'externalId',
    'accountExternalId',
    'accountName',
    'name',
    'amount',
    'currency',
    'pipeline',
    'stage',
    'probability',
    'closeDate',
    'createdDate',
    'owner',
    'closeReason',
    'splitOwners',
    'splitPercents',
  ],
  activities: [
    'externalId',
    'kind',
    'subject',
    'outcome',
    'occurredAt',
    'durationMinutes',
    'accountExternalId',
    'accountName',
    'contactExternalId',
    'owner',
  ],
} as const satisfies Record<ImportEntity, readonly string[]>;

export type ImportField<E extends ImportEntity = ImportEntity> = (typeof importFields)[E][number];
export const importEntities = ['accounts', 'contacts', 'deals', 'activities'] as const;
export const importPresets = ['salesforce', 'hubspot'] as const;
export type ImportPreset = (typeof importPresets)[number];

/** Field sets of which at least one must be mapped, per entity (e.g. a contact's name or its parts). */
export const requiredFields: Record<ImportEntity, string[][]> = {
  accounts: [['name']],
  contacts: [
    ['name', 'firstName', 'lastName'],
    ['accountExternalId', 'accountName'],
  ],
  deals: [['name'], ['amount'], ['accountExternalId', 'accountName']],
  activities: [['kind'], ['subject'], ['occurredAt']],
};

type HeaderMap = Record<string, string>;

/**
 * The standard column headers of Salesforce and HubSpot exports (report and object exports), by
 * entity. Matching is case-insensitive and ignores surrounding spaces; columns we do not know are
 * ignored.
 */
const presetHeaders: Record<ImportPreset, Record<ImportEntity, HeaderMap>> = {
  salesforce: {
    accounts: {
      'Account ID': 'externalId',
      'Account Name': 'name',
      'Billing Street': 'street',
      'Billing City': 'city',
      'Billing State/Province': 'region',
      'Billing Zip/Postal Code': 'postalCode',
      'Billing Country': 'country',
      'Billing Latitude': 'latitude',
      'Billing Longitude': 'longitude',
      Territory: 'territory',
      Industry: 'industry',
      Rating: 'tier',
      'Account Owner': 'owner',
      'Account Owner Email': 'owner',
    },
    contacts: {
      'Contact ID': 'externalId',
      'Account ID': 'accountExternalId',
      'Account Name': 'accountName',
      'Full Name': 'name',
      'First Name': 'firstName',
      'Last Name': 'lastName',
      Title: 'title',
      Email: 'email',
      Phone: 'phone',
    },
    deals: {
      'Opportunity ID': 'externalId',
      'Opportunity Name': 'name',
      'Account ID': 'accountExternalId',
      'Account Name': 'accountName',
      Amount: 'amount',
      'Opportunity Currency': 'currency',
      'Amount Currency': 'currency',
      Stage: 'stage',
      'Close Date': 'closeDate',
      'Created Date': 'createdDate',
      'Probability (%)': 'probability',
      'Opportunity Owner': 'owner',
      'Opportunity Owner Email': 'owner',
      'Loss Reason': 'closeReason',
      'Split Owners': 'splitOwners',
      'Opportunity Split Owners': 'splitOwners',
      'Split Percentages': 'splitPercents',
      'Opportunity Split Percentages': 'splitPercents',
    },
    activities: {
      'Activity ID': 'externalId',
      'Task ID': 'externalId',
      Subject: 'subject',
      Type: 'kind',
      'Task Subtype': 'kind',
      Date: 'occurredAt',
      'Activity Date': 'occurredAt',
      'Due Date': 'occurredAt',
      Comments: 'outcome',
      'Full Comments': 'outcome',
      Description: 'outcome',
      'Duration (Minutes)': 'durationMinutes',
      'Account ID': 'accountExternalId',
      Company: 'accountName',
      'Account Name': 'accountName',
      Assigned: 'owner',
      'Assigned To': 'owner',
    },
  },
  hubspot: {
    accounts: {
      'Record ID': 'externalId',
      'Company name': 'name',
      'Street Address': 'street',
      City: 'city',
      'State/Region': 'region',
      'Postal Code': 'postalCode',
      'Country/Region': 'country',
      Industry: 'industry',
      'Company owner': 'owner',
    },
    contacts: {
      'Record ID': 'externalId',
      'First Name': 'firstName',
      'Last Name': 'lastName',
      Email: 'email',
      'Phone Number': 'phone',
      'Job Title': 'title',
      'Associated Company IDs': 'accountExternalId',
      'Associated Company IDs (Primary)': 'accountExternalId',
      'Associated Company ID': 'accountExternalId',
      'Associated Company': 'accountName',
      'Company Name': 'accountName',
    },
    deals: {
      'Record ID': 'externalId',
      'Deal Name': 'name',
      Amount: 'amount',
      Currency: 'currency',
      Pipeline: 'pipeline',
      'Deal Stage': 'stage',
      'Close Date': 'closeDate',
      'Create Date': 'createdDate',
      'Deal probability': 'probability',
      'Deal owner': 'owner',
      'Closed lost reason': 'closeReason',
      'Split Owners': 'splitOwners',
      'Deal Split Owners': 'splitOwners',
      'Split Percentages': 'splitPercents',
      'Deal Split Percentages': 'splitPercents',
      'Associated Company IDs': 'accountExternalId',
      'Associated Company IDs (Primary)': 'accountExternalId',
      'Associated Company ID': 'accountExternalId',
      'Associated Company': 'accountName',
    },
    activities: {
      'Record ID': 'externalId',
      'Activity type': 'kind',
      'Activity Type': 'kind',
      Subject: 'subject',
      'Call Title': 'subject',
      'Activity date': 'occurredAt',
      'Activity Date': 'occurredAt',
      Notes: 'outcome',
      'Call notes': 'outcome',
      Body: 'outcome',
      'Duration (minutes)': 'durationMinutes',
      'Activity assigned to': 'owner',
      'Assigned to': 'owner',
      'Associated Company IDs': 'accountExternalId',
      'Associated Company IDs (Primary)': 'accountExternalId',
      'Associated Company ID': 'accountExternalId',
      'Associated Company': 'accountName',
      'Associated Contact IDs': 'contactExternalId',
      'Associated Contact ID': 'contactExternalId',
    },
  },
};

/**
 * Headers that win over the other headers of the same field when a file has both: HubSpot's
 * "(Primary)" association column names the one primary company among the several a record may have.
 */
const preferredHeaders = new Set(['associated company ids (primary)']);

/**
 * Fields whose cell may hold several ids separated by `;` (HubSpot's "Associated Company IDs",
 * "Associated Contact IDs"). A contact, deal or activity belongs to one account (and an activity to one
 * contact), so the import links the first id — HubSpot lists the primary association first — and
 * ignores the others.
 */
export const multiIdFields = new Set(['accountExternalId', 'contactExternalId']);

/** Which column feeds which field: field → { index, header }. */
export type ResolvedMapping = Map<string, { index: number; header: string }>;

export interface MappingProblem {
  column: string | null;
  reason: string;
}

const norm = (s: string) => s.trim().toLowerCase();

/**
 * Resolves the column of each field from the file's headers and either a preset or a manual
 * mapping `{ header: field }`. Returns the problems instead of throwing so callers can show them all
 * (unknown fields, a field mapped twice, required fields without a column).
 */
export function resolveMapping(
  entity: ImportEntity,
  headers: readonly string[],
  choice: { preset: ImportPreset } | { mapping: Record<string, string> },
): { mapping: ResolvedMapping; problems: MappingProblem[] } {
  const fields = importFields[entity] as readonly string[];
  const wanted =
    'preset' in choice ? presetHeaders[choice.preset][entity] : (choice.mapping as Record<string, string>);
  const byHeader = new Map(Object.entries(wanted).map(([h, f]) => [norm(h), f]));
  const problems: MappingProblem[] = [];
  if (!('preset' in choice)) {
    for (const [header, field] of Object.entries(choice.mapping)) {
      if (!fields.includes(field))
        problems.push({
          column: header,
          reason: `"${field}" is not a field of ${entity} (${fields.join(', ')})`,
        });
      if (!headers.some((h) => norm(h) === norm(header)))
        problems.push({ column: header, reason: 'is not a column of this file' });
    }
  }
  const mapping: ResolvedMapping = new Map();
  headers.forEach((header, index) => {
    const field = byHeader.get(norm(header));
    if (!field || !fields.includes(field)) return;
    // A preset may name several headers for one field (e.g. "Account Owner" / "Account Owner Email"):
    // the first column present wins.
    if (mapping.has(field)) {
      if ('preset' in choice && preferredHeaders.has(norm(header))) {
        mapping.set(field, { index, header });
        return;
      }
      if (!('preset' in choice))
        problems.push({ column: header, reason: `"${field}" is already mapped to another column` });
      return;
    }
    mapping.set(field, { index, header });
  });
  for (const group of requiredFields[entity]) {
    if (!group.some((f) => mapping.has(f)))
      problems.push({
        column: null,
        reason: `no column is mapped to ${group.map((f) => `"${f}"`).join(' or ')} (required)`,
      });
  }
  return { mapping, problems };
}

/** The preset mapping for display: header → field, for the headers this file has. */
export function presetFor(entity: ImportEntity, preset: ImportPreset): Record<string, string> {
  return { ...presetHeaders[preset][entity] };
}

/** Guesses the preset whose headers cover most of the file's columns (null when none fits). */
export function guessPreset(entity: ImportEntity, headers: readonly string[]): ImportPreset | null {
  let best: ImportPreset | null = null;
  let bestHits = 0;
  for (const preset of importPresets) {
    const known = new Set(Object.keys(presetHeaders[preset][entity]).map(norm));
    const hits = headers.filter((h) => known.has(norm(h))).length;
    if (hits > bestHits) {
      best = preset;
      bestHits = hits;
    }
  }
  return bestHits >= 2 ? best : null;
}
