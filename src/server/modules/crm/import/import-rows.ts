import type { z } from 'zod';
import { currencyDigits } from '../../../../shared/money.ts';
import type { ImportEntity } from '../../../db/schema.ts';
import { type Actor, canWriteOwned, type Reach } from '../../../policy/policy.ts';
import {
  accountCreateBody,
  activityCreateBody,
  builtinActivityKinds,
  type CrmSettings,
  contactCreateBody,
  dealCreateBody,
} from '../crm.schemas.ts';
import { multiIdFields, type ResolvedMapping } from './import-fields.ts';
import {
  CellError,
  looseKey,
  parseAmountMinor,
  parseDate,
  parseDecimal,
  parseInstant,
  parseWhole,
} from './import-values.ts';

/** One problem with one row: the row as a spreadsheet numbers it, the CSV column, and why. */
export interface RowError {
  row: number;
  column: string | null;
  reason: string;
}

export interface StageInfo {
  id: string;
  pipelineId: string;
  name: string;
  probability: number;
  kind: 'open' | 'won' | 'lost';
}

/** Everything row conversion needs, loaded once per import. */
export interface ImportContext {
  orgId: string;
  actor: Actor;
  reach: Reach;
  entity: ImportEntity;
  /** external_source of the imported records (and of the accounts their account ids name). */
  source: string;
  now: number;
  timeZone: string;
  currency: string;
  digits: number;
  settings: CrmSettings;
  /** Active members by lower-case email and by lower-case name (names may be shared). */
  membersByEmail: Map<string, string>;
  membersByName: Map<string, string[]>;
  /** Pipelines by id and loose name, their stages by loose name, and the default pipeline id. */
  pipelinesByName: Map<string, string>;
  stagesByPipeline: Map<string, Map<string, StageInfo>>;
  defaultPipelineId: string;
  mapping: ResolvedMapping;
}

/** A row that passed every check that needs no database, ready for its batch. */
export interface Candidate {
  row: number;
  externalId: string | null;
  /** How the row names its account (contacts, deals, activities). */
  accountRef: { externalId: string | null; name: string | null } | null;
  /** Validated input of the entity's create schema (accountId is filled in by the batch). */
  input: Record<string, unknown>;
  stage?: StageInfo;
  /** The contact an activity names by external id (the first of several). */
  contactExternalId?: string | null;
}

type Cells = readonly string[];

function header(ctx: ImportContext, field: string): string | null {
  return ctx.mapping.get(field)?.header ?? null;
}

/** The trimmed cell of a field: undefined when no column is mapped to it, null when it is empty. */
function cell(ctx: ImportContext, cells: Cells, field: string): string | null | undefined {
  const col = ctx.mapping.get(field);
  if (!col) return undefined;
  const v = (cells[col.index] ?? '').trim();
  return v === '' ? null : v;
}

/**
 * The first id of a cell that may list several separated by `;` ("9001;9002" → "9001"), else the cell
 * as it is: see `multiIdFields`.
 */
function idCell(ctx: ImportContext, cells: Cells, field: string): string | null | undefined {
  const v = cell(ctx, cells, field);
  if (!v || !multiIdFields.has(field)) return v;
  return (
    v
      .split(';')
      .map((id) => id.trim())
      .find((id) => id !== '') ?? null
  );
}

/** Maps a schema field (ownerId, amountMinor…) back to the import field that fed it. */
const schemaToField: Record<string, string> = {
  ownerId: 'owner',
  amountMinor: 'amount',
  expectedCloseDate: 'closeDate',
  stageId: 'stage',
  accountId: 'accountExternalId',
  splits: 'splitPercents',
};

function columnOf(ctx: ImportContext, schemaKey: string): string | null {
  const field = schemaToField[schemaKey] ?? schemaKey;
  return (
    header(ctx, field) ??
    (field === 'accountExternalId' ? header(ctx, 'accountName') : null) ??
    (field === 'name' ? (header(ctx, 'firstName') ?? header(ctx, 'lastName')) : null)
  );
}

class Problems {
  readonly list: RowError[] = [];
  private readonly failed = new Set<string>();
  constructor(
    private readonly ctx: ImportContext,
    private readonly row: number,
  ) {}
  add(field: string | null, reason: string): void {
    if (field !== null) this.failed.add(schemaToField[field] ?? field);
    this.list.push({ row: this.row, column: field === null ? null : columnOf(this.ctx, field), reason });
  }
  /** Whether a field already has a problem (the schema's complaint about it would repeat it). */
  has(field: string): boolean {
    return this.failed.has(schemaToField[field] ?? field);
  }
  /** Reads a cell with a parser, recording its problem instead of throwing. */
  read<T>(ctx: ImportContext, cells: Cells, field: string, parse: (v: string) => T): T | null | undefined {
    const v = cell(ctx, cells, field);
    if (v === undefined || v === null) return v;
    try {
      return parse(v);
    } catch (error) {
      if (error instanceof CellError) {
        this.add(field, error.message);
        return undefined;
      }
      throw error;
    }
  }
}

function resolveOwner(ctx: ImportContext, text: string, p: Problems, field = 'owner'): string | undefined {
  const key = text.toLowerCase();
  let id = ctx.membersByEmail.get(key);
  if (!id) {
    const named = ctx.membersByName.get(key) ?? [];
    if (named.length > 1) {
      p.add(field, `"${text}" matches ${named.length} people; use their email instead`);
      return undefined;
    }
    id = named[0];
  }
  if (!id) {
    p.add(field, `"${text}" is not an active member of this organization (by email or name)`);
    return undefined;
  }
  if (!canWriteOwned(ctx.actor, ctx.reach, id)) {
    p.add(field, `"${text}" is not you or someone in the teams you manage`);
    return undefined;
  }
  return id;
}

function validate<S extends z.ZodType>(
  schema: S,
  input: Record<string, unknown>,
  p: Problems,
): Record<string, unknown> | null {
  const parsed = schema.safeParse(input);
  if (parsed.success) return parsed.data as Record<string, unknown>;
  for (const issue of parsed.error.issues) {
    const key = typeof issue.path[0] === 'string' ? issue.path[0] : null;
    if (key !== null && p.has(key)) continue;
    p.add(key, issue.message);
  }
  return null;
}

const tierWords: Record<string, 'A' | 'B' | 'C'> = { a: 'A', b: 'B', c: 'C', hot: 'A', warm: 'B', cold: 'C' };
const kindWords: Record<string, string> = {
  todo: 'task',
  other: 'task',
  phonecall: 'call',
  loggedcall: 'call',
  call: 'call',
  email: 'email',
  meeting: 'meeting',
  demo: 'demo',
  task: 'task',
  visit: 'visit',
  sitevisit: 'visit',
};

/** Drops undefined keys so a strict schema sees only the mapped fields. */
function defined(o: Record<string, unknown>): Record<string, unknown> {
  for (const k of Object.keys(o)) if (o[k] === undefined) delete o[k];
  return o;
}

/**
 * Converts one CSV row into the input of the entity's create schema and validates it with that
 * same zod schema the API uses. Owners are resolved by email or name and must be within the
 * actor's reach; stages by name within the pipeline. Returns the row's problems instead of throwing.
 */
export function convertRow(
  ctx: ImportContext,
  row: number,
  cells: Cells,
  columnCount: number,
): { candidate: Candidate | null; errors: RowError[] } {
  const p = new Problems(ctx, row);
  if (cells.length !== columnCount) {
    p.add(null, `has ${cells.length} cells but the header has ${columnCount}`);
    return { candidate: null, errors: p.list };
  }
  const externalId = cell(ctx, cells, 'externalId') ?? null;
  const ownerText = cell(ctx, cells, 'owner');
  const ownerId = ownerText
    ? resolveOwner(ctx, ownerText, p)
    : ownerText === null
      ? ctx.actor.userId
      : undefined;
  let accountRef: Candidate['accountRef'] = null;
  if (ctx.entity !== 'accounts') {
    const extId = idCell(ctx, cells, 'accountExternalId') ?? null;
    const name = cell(ctx, cells, 'accountName') ?? null;
    accountRef = extId || name ? { externalId: extId, name } : null;
    if (!accountRef && ctx.entity !== 'activities') p.add('accountExternalId', 'is required (the account)');
  }
  let input: Record<string, unknown> | null = null;
  let stage: StageInfo | undefined;
  switch (ctx.entity) {
    case 'accounts': {
      const tier = p.read(ctx, cells, 'tier', (v) => {
        const t = tierWords[v.toLowerCase()];
        if (!t) throw new CellError(`"${v}" is not a tier (A, B or C)`);
        return t;
      });
      const status = p.read(ctx, cells, 'status', (v) => v.toLowerCase());
      input = {
        name: cell(ctx, cells, 'name') ?? '',
        street: cell(ctx, cells, 'street'),
        city: cell(ctx, cells, 'city'),
        region: cell(ctx, cells, 'region'),
        postalCode: cell(ctx, cells, 'postalCode'),
        country: cell(ctx, cells, 'country'),
        latitude: p.read(ctx, cells, 'latitude', parseDecimal),
        longitude: p.read(ctx, cells, 'longitude', parseDecimal),
        territory: cell(ctx, cells, 'territory'),
        industry: cell(ctx, cells, 'industry'),
        tier,
        status: status ?? undefined,
        ownerId,
        externalSource: ctx.source,
        externalId,
      };
      input = validate(accountCreateBody, defined(input), p);
      break;
    }
    case 'contacts': {
      const full = cell(ctx, cells, 'name');
      const name =
        full ??
        ([cell(ctx, cells, 'firstName'), cell(ctx, cells, 'lastName')].filter(Boolean).join(' ') || '');
      input = {
        accountId: 'pending',
        name,
        title: cell(ctx, cells, 'title'),
        email: cell(ctx, cells, 'email'),
        phone: cell(ctx, cells, 'phone'),
        externalSource: ctx.source,
        externalId,
      };
      input = validate(contactCreateBody, defined(input), p);
      break;
    }
    case 'deals': {
      const currency = cell(ctx, cells, 'currency') ?? ctx.currency;
      const digits = currency.toUpperCase() === ctx.currency ? ctx.digits : currencyDigits(currency);
      const amountMinor = p.read(ctx, cells, 'amount', (v) => parseAmountMinor(v, digits));
      if (amountMinor === null) p.add('amount', 'is required');
      const pipelineText = cell(ctx, cells, 'pipeline');
      let pipelineId = ctx.defaultPipelineId;
      if (pipelineText) {
        const found = ctx.pipelinesByName.get(looseKey(pipelineText));
        if (found) pipelineId = found;
        else p.add('pipeline', `"${pipelineText}" is not a pipeline of this organization`);
      }
      const stages = ctx.stagesByPipeline.get(pipelineId);
      const stageText = cell(ctx, cells, 'stage');
      if (stages) {
        if (stageText) {
          stage = stages.get(looseKey(stageText));
          if (!stage)
            p.add(
              'stage',
              `"${stageText}" is not a stage of this pipeline (${[...new Set([...stages.values()].map((s) => s.name))].join(', ')})`,
            );
        } else {
          stage = [...stages.values()].find((s) => s.kind === 'open');
        }
      }
      const probability = p.read(ctx, cells, 'probability', parseWhole);
      const splits = readSplits(ctx, cells, p);
      const closeDate = p.read(ctx, cells, 'closeDate', parseDate);
      input = {
        accountId: 'pending',
        name: cell(ctx, cells, 'name') ?? '',
        amountMinor: amountMinor ?? undefined,
        currency: cell(ctx, cells, 'currency') ?? undefined,
        stageId: stage?.id,
        probability:
          probability === undefined || probability === null || probability === stage?.probability
            ? probability === undefined
              ? undefined
              : null
            : probability,
        expectedCloseDate: closeDate,
        ownerId,
        closeReason: cell(ctx, cells, 'closeReason'),
        splits,
        externalSource: ctx.source,
        externalId,
      };
      // When the deal was created in the CRM it comes from (the sales cycle counts from it); not a
      // field of the API's deal body, so it rides beside it.
      const createdAt = p.read(ctx, cells, 'createdDate', (v) => parseInstant(v, ctx.timeZone));
      if (typeof createdAt === 'number' && createdAt > ctx.now + 24 * 3_600_000)
        p.add('createdDate', 'is more than a day in the future');
      input = validate(dealCreateBody, defined(input), p);
      if (input && typeof createdAt === 'number') input = { ...input, createdAt };
      break;
    }
    case 'activities': {
      const kindText = cell(ctx, cells, 'kind');
      let kind: string | undefined;
      if (kindText) {
        const key = looseKey(kindText);
        kind = kindWords[key] ?? kindText.toLowerCase();
        if (
          !(builtinActivityKinds as readonly string[]).includes(kind) &&
          !ctx.settings.activityKinds.includes(kind)
        ) {
          p.add(
            'kind',
            `"${kindText}" is not an activity kind (${[...builtinActivityKinds, ...ctx.settings.activityKinds].join(', ')})`,
          );
          kind = undefined;
        }
      } else p.add('kind', 'is required');
      const occurredAt = p.read(ctx, cells, 'occurredAt', (v) => parseInstant(v, ctx.timeZone));
      if (occurredAt === null) p.add('occurredAt', 'is required');
      if (typeof occurredAt === 'number' && occurredAt > ctx.now + 24 * 3_600_000)
        p.add('occurredAt', 'is more than a day in the future');
      input = {
        kind: kind ?? 'task',
        subject: cell(ctx, cells, 'subject') ?? '',
        outcome: cell(ctx, cells, 'outcome'),
        occurredAt: typeof occurredAt === 'number' ? new Date(occurredAt).toISOString() : undefined,
        durationMinutes: p.read(ctx, cells, 'durationMinutes', parseWhole),
        ownerId,
      };
      input = validate(activityCreateBody, defined(input), p);
      break;
    }
  }
  if (p.list.length > 0 || !input) return { candidate: null, errors: p.list };
  const contactExternalId =
    ctx.entity === 'activities' ? (idCell(ctx, cells, 'contactExternalId') ?? null) : undefined;
  return { candidate: { row, externalId, accountRef, input, stage, contactExternalId }, errors: [] };
}

/**
 * A deal's split from two cells listing owners and percentages in the same order, separated by `;`
 * ("ann@x.test;Bo Rep" and "60;40"). Every owner must be an active member within the actor's reach,
 * like the deal's owner; the percentages must be numbers with at most two decimals, one per owner,
 * summing to 100 (the API's split schema checks the sum and duplicates). Both cells empty: no split
 * (undefined: an existing deal's split is kept).
 */
function readSplits(
  ctx: ImportContext,
  cells: Cells,
  p: Problems,
): { userId: string; percent: number }[] | undefined {
  const owners = cell(ctx, cells, 'splitOwners');
  const percents = cell(ctx, cells, 'splitPercents');
  if (!owners && !percents) return owners === null || percents === null ? [] : undefined;
  if (!owners) {
    p.add('splitOwners', 'is required when split percentages are given');
    return undefined;
  }
  if (!percents) {
    p.add('splitPercents', 'is required when split owners are given');
    return undefined;
  }
  const names = owners
    .split(';')
    .map((v) => v.trim())
    .filter(Boolean);
  const shares = percents
    .split(';')
    .map((v) => v.trim().replace(/%$/, '').trim())
    .filter(Boolean);
  if (names.length !== shares.length) {
    p.add('splitPercents', `lists ${shares.length} percentages for ${names.length} split owners`);
    return undefined;
  }
  const splits: { userId: string; percent: number }[] = [];
  let ok = true;
  names.forEach((name, i) => {
    const userId = resolveOwner(ctx, name, p, 'splitOwners');
    const share = shares[i] ?? '';
    const percent = /^\d{1,3}(\.\d{1,2})?$/.test(share) ? Number(share) : Number.NaN;
    if (!Number.isFinite(percent) || percent <= 0 || percent > 100) {
      p.add('splitPercents', `"${share}" is not a percentage between 0.01 and 100 (at most two decimals)`);
      ok = false;
    }
    if (!userId) ok = false;
    else splits.push({ userId, percent });
  });
  return ok ? splits : undefined;
}
