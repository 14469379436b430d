import { Readable } from 'node:stream';
import { stringify } from 'csv-stringify';
import type { z } from 'zod';
import type { Deps } from '../../../context.ts';
import type { Actor, Reach } from '../../../policy/policy.ts';
import { listAccounts } from '../accounts.service.ts';
import { listActivities } from '../activities.service.ts';
import { listContacts } from '../contacts.service.ts';
import type {
  AccountListQuery,
  AccountResponse,
  ActivityListQuery,
  ActivityResponse,
  contactListQuery,
  contactResponse,
  DealListQuery,
  DealResponse,
} from '../crm.schemas.ts';
import { listDeals } from '../deals.service.ts';
import { minorDigits } from '../import/import-values.ts';

export type ExportFormat = 'csv' | 'json';
type Cell = string | number | boolean | null;
type Flat = Record<string, Cell>;

/** Rows of one page at a time; the list endpoints' largest page. */
const PAGE = 200;

/**
 * A spreadsheet runs a cell that starts with =, +, -, @, tab or CR as a formula (CSV injection).
 * Text cells starting so get a leading single quote, which spreadsheets show as text; numbers we
 * write ourselves (coordinates, amounts) are numbers and are left alone.
 */
export function neutraliseCell(value: Cell): Cell {
  if (typeof value === 'string' && /^[=+\-@\t\r]/.test(value)) return `'${value}`;
  return value;
}

/** Minor units as an exact decimal string in the currency's digits (123456 USD → "1234.56"). */
export function minorToDecimal(minor: number, currency: string): string {
  let digits = 2;
  try {
    digits = minorDigits(currency);
  } catch {
    // unknown code: two digits, as most currencies
  }
  if (digits === 0) return String(minor);
  const s = String(Math.abs(minor)).padStart(digits + 1, '0');
  return `${minor < 0 ? '-' : ''}${s.slice(0, -digits)}.${s.slice(-digits)}`;
}

export const exportColumns = {
  accounts: [
    'id',
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
    'ownerId',
    'ownerName',
    'externalSource',
    'externalId',
    'lastActivityAt',
    'nextVisitDue',
    'createdAt',
    'updatedAt',
  ],
  contacts: ['id', 'accountId', 'accountName', 'name', 'title', 'email', 'phone', 'createdAt'],
  deals: [
    'id',
    'name',
    'accountId',
    'accountName',
    'ownerId',
    'ownerName',
    'amount',
    'amountMinor',
    'currency',
    'pipelineId',
    'stageId',
    'stageName',
    'status',
    'probability',
    'weightedAmountMinor',
    'expectedCloseDate',
    'closedAt',
    'closeReason',
    'createdAt',
    'updatedAt',
  ],
  activities: [
    'id',
    'kind',
    'subject',
    'outcome',
    'occurredAt',
    'durationMinutes',
    'ownerId',
    'ownerName',
    'accountId',
    'accountName',
    'contactId',
    'dealId',
    'source',
    'checkInAt',
    'checkInLat',
    'checkInLng',
    'distanceM',
    'verified',
    'createdAt',
  ],
} as const;
export type ExportEntity = keyof typeof exportColumns;

function flatAccount(a: AccountResponse): Flat {
  const { owner, canEdit: _c, ...rest } = a;
  return { ...rest, ownerId: owner.id, ownerName: owner.name };
}
function flatContact(c: z.infer<typeof contactResponse>): Flat {
  return { ...c };
}
function flatDeal(d: DealResponse): Flat {
  return {
    id: d.id,
    name: d.name,
    accountId: d.account.id,
    accountName: d.account.name,
    ownerId: d.owner.id,
    ownerName: d.owner.name,
    amount: minorToDecimal(d.amountMinor, d.currency),
    amountMinor: d.amountMinor,
    currency: d.currency,
    pipelineId: d.pipelineId,
    stageId: d.stage.id,
    stageName: d.stage.name,
    status: d.status,
    probability: d.probability,
    weightedAmountMinor: d.weightedAmountMinor,
    expectedCloseDate: d.expectedCloseDate,
    closedAt: d.closedAt,
    closeReason: d.closeReason,
    createdAt: d.createdAt,
    updatedAt: d.updatedAt,
  };
}
function flatActivity(x: ActivityResponse): Flat {
  return {
    id: x.id,
    kind: x.kind,
    subject: x.subject,
    outcome: x.outcome,
    occurredAt: x.occurredAt,
    durationMinutes: x.durationMinutes,
    ownerId: x.owner.id,
    ownerName: x.owner.name,
    accountId: x.account?.id ?? null,
    accountName: x.account?.name ?? null,
    contactId: x.contactId,
    dealId: x.dealId,
    source: x.source,
    checkInAt: x.checkIn?.at ?? null,
    checkInLat: x.checkIn?.lat ?? null,
    checkInLng: x.checkIn?.lng ?? null,
    distanceM: x.distanceM,
    verified: x.verified,
    createdAt: x.createdAt,
  };
}

export type ExportQuery =
  | { entity: 'accounts'; query: Omit<AccountListQuery, 'cursor' | 'limit'> }
  | { entity: 'contacts'; query: Omit<z.infer<typeof contactListQuery>, 'cursor' | 'limit'> }
  | { entity: 'deals'; query: Omit<DealListQuery, 'cursor' | 'limit'> }
  | { entity: 'activities'; query: Omit<ActivityListQuery, 'cursor' | 'limit'> };

/**
 * Every record of a filtered list, page by page through the list endpoints' own services (same
 * filters, same visibility rules, keyset cursor): at most one page is in memory at a time.
 */
export async function* exportRecords(
  deps: Deps,
  actor: Actor,
  reach: Reach,
  spec: ExportQuery,
): AsyncGenerator<Flat> {
  let cursor: string | undefined;
  do {
    let items: Flat[];
    let next: string | null;
    switch (spec.entity) {
      case 'accounts': {
        const page = await listAccounts(deps, actor, reach, { ...spec.query, cursor, limit: PAGE });
        items = page.items.map(flatAccount);
        next = page.nextCursor;
        break;
      }
      case 'contacts': {
        const page = await listContacts(deps, actor, reach, { ...spec.query, cursor, limit: PAGE });
        items = page.items.map(flatContact);
        next = page.nextCursor;
        break;
      }
      case 'deals': {
        const page = await listDeals(deps, actor, reach, { ...spec.query, cursor, limit: PAGE });
        items = page.items.map(flatDeal);
        next = page.nextCursor;
        break;
      }
      case 'activities': {
        const page = await listActivities(deps, actor, reach, { ...spec.query, cursor, limit: PAGE });
        items = page.items.map(flatActivity);
        next = page.nextCursor;
        break;
      }
    }
    for (const item of items) yield item;
    cursor = next ?? undefined;
  } while (cursor !== undefined);
}

/** The export as a stream: RFC 4180 CSV (CRLF, quoted where needed, formula cells neutralised) or a JSON array. */
export function exportStream(
  records: AsyncIterable<Flat>,
  entity: ExportEntity,
  format: ExportFormat,
): Readable {
  const columns = exportColumns[entity] as readonly string[];
  if (format === 'json') {
    return Readable.from(
      (async function* () {
        let first = true;
        yield '[';
        for await (const record of records) {
          yield `${first ? '\n' : ',\n'}${JSON.stringify(record)}`;
          first = false;
        }
        yield '\n]\n';
      })(),
    );
  }
  const csv = stringify({
    header: true,
    columns: [...columns],
    record_delimiter: 'windows',
    cast: { boolean: (v) => (v ? 'true' : 'false') },
  });
  const source = Readable.from(
    (async function* () {
      for await (const record of records) {
        const row: Record<string, Cell> = {};
        for (const c of columns) row[c] = neutraliseCell(record[c] ?? null);
        yield row;
      }
    })(),
  );
  source.on('error', (error) => csv.destroy(error));
  return source.pipe(csv);
}
