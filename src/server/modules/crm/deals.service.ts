import { sql } from 'kysely';
import { z } from 'zod';
import { allocate, mulDiv } from '../../../shared/money.ts';
import { dateInZone, startOfDayInZone } from '../../../shared/time.ts';
import type { Deps } from '../../context.ts';
import type { Executor } from '../../db/database.ts';
import { invalidField, notFound } from '../../lib/errors.ts';
import type { IdempotencyRecorder } from '../../lib/idempotency.ts';
import { newId } from '../../lib/ids.ts';
import { decodeCursor, encodeCursor, pageOf } from '../../lib/pagination.ts';
import {
  type Actor,
  canReadOwned,
  canWriteOwned,
  type Reach,
  readableOwnerIds,
} from '../../policy/policy.ts';
import { audit, diff } from '../audit/audit.service.ts';
import { refreshDealRollups } from '../metrics/rollups.ts';
import { emitEvent } from '../webhooks/webhooks.service.ts';
import { assertAssignable, readableAccount } from './accounts.service.ts';
import {
  activeMembers,
  afterKey,
  cappedCount,
  externalIdTaken,
  likePattern,
  readRows,
  teamMembersQuery,
} from './crm.repository.ts';
import type { DealCreateInput, DealListQuery, DealResponse, DealUpdateInput } from './crm.schemas.ts';
import { ensureDefaultPipeline, loadCrmSettings } from './crm-settings.service.ts';
import { defaultStage, findStage, loadPipelines } from './pipelines.service.ts';

const dealColumns = [
  'd.id',
  'd.name',
  'd.account_id',
  'a.name as account_name',
  'd.owner_id',
  'u.name as owner_name',
  'd.amount_minor',
  'd.currency',
  'd.pipeline_id',
  'd.stage_id',
  's.name as stage_name',
  's.kind as stage_kind',
  's.probability as stage_probability',
  'd.probability_override',
  'd.expected_close_date',
  'd.status',
  'd.closed_at',
  'd.close_reason',
  'd.created_at',
  'd.updated_at',
] as const;

function dealsQuery(db: Executor, orgId: string) {
  return db
    .selectFrom('deals as d')
    .innerJoin('accounts as a', (j) =>
      j.onRef('a.org_id', '=', 'd.org_id').onRef('a.id', '=', 'd.account_id'),
    )
    .innerJoin('users as u', 'u.id', 'd.owner_id')
    .innerJoin('stages as s', (j) => j.onRef('s.org_id', '=', 'd.org_id').onRef('s.id', '=', 'd.stage_id'))
    .where('d.org_id', '=', orgId);
}
/**
 * The deals of an org that `dealsQuery` yields, without touching the joined tables: for choosing
 * ids, counting and totals over many deals. Every deal has its account and stage (foreign keys on
 * (org_id, account_id) and (org_id, stage_id), both NOT NULL; a stage with deals cannot be removed)
 * and its owner (users are deactivated, never deleted), so `dealsQuery`'s inner joins never drop a
 * deal and need no existence test here — testing them per deal was most of a list's cost (three
 * index probes per matching deal). The chosen page is then read with `dealsQuery` by id
 * (`dealRowsByIds`).
 */
function dealKeysQuery(db: Executor, orgId: string) {
  return db.selectFrom('deals as d').where('d.org_id', '=', orgId);
}

/** Full rows (dealColumns) of the given deals, in the order of `ids`. */
async function dealRowsByIds(db: Executor, orgId: string, ids: string[]): Promise<DealRow[]> {
  if (ids.length === 0) return [];
  const rows = (await readRows(
    db,
    dealsQuery(db, orgId).select(dealColumns).where('d.id', 'in', ids),
  )) as DealRow[];
  const byId = new Map(rows.map((r) => [r.id, r]));
  return ids.flatMap((id) => {
    const row = byId.get(id);
    return row ? [row] : [];
  });
}

interface DealRow {
  id: string;
  name: string;
  account_id: string;
  account_name: string;
  owner_id: string;
  owner_name: string;
  amount_minor: number;
  currency: string;
  pipeline_id: string;
  stage_id: string;
  stage_name: string;
  stage_kind: 'open' | 'won' | 'lost';
  stage_probability: number;
  probability_override: number | null;
  expected_close_date: string | null;
  status: 'open' | 'won' | 'lost';
  closed_at: number | null;
  close_reason: string | null;
  created_at: number;
  updated_at: number;
}

type SplitRow = { deal_id: string; user_id: string; name: string; share_bp: number };

async function loadSplits(db: Executor, orgId: string, dealIds: string[]): Promise<SplitRow[]> {
  if (dealIds.length === 0) return [];
  return db
    .selectFrom('deal_splits as p')
    .innerJoin('users as u', 'u.id', 'p.user_id')
    .select(['p.deal_id', 'p.user_id', 'u.name', 'p.share_bp'])
    .where('p.org_id', '=', orgId)
    .where('p.deal_id', 'in', dealIds)
    .orderBy('p.share_bp', 'desc')
    .execute();
}

function toDealResponse(row: DealRow, splits: SplitRow[], canEdit: boolean): DealResponse {
  const probability = row.probability_override ?? row.stage_probability;
  return {
    id: row.id,
    name: row.name,
    account: { id: row.account_id, name: row.account_name },
    owner: { id: row.owner_id, name: row.owner_name },
    amountMinor: row.amount_minor,
    currency: row.currency,
    pipelineId: row.pipeline_id,
    stage: { id: row.stage_id, name: row.stage_name, kind: row.stage_kind },
    probability,
    probabilityOverridden: row.probability_override !== null,
    weightedAmountMinor: mulDiv(row.amount_minor, probability, 100),
    expectedCloseDate: row.expected_close_date,
    status: row.status,
    closedAt: row.closed_at === null ? null : new Date(row.closed_at).toISOString(),
    closeReason: row.close_reason,
    splits: splits
      .filter((s) => s.deal_id === row.id)
      .map((s) => ({ userId: s.user_id, name: s.name, percent: s.share_bp / 100 })),
    canEdit,
    createdAt: new Date(row.created_at).toISOString(),
    updatedAt: new Date(row.updated_at).toISOString(),
  };
}

/** Deals are readable by whoever can read their owner's records or one of their split members'. */
function canReadDeal(actor: Actor, reach: Reach, row: { owner_id: string }, splits: SplitRow[]): boolean {
  return (
    canReadOwned(actor, reach, row.owner_id) || splits.some((s) => canReadOwned(actor, reach, s.user_id))
  );
}

async function readableDeal(db: Executor, actor: Actor, reach: Reach, dealId: string) {
  const row = (await dealsQuery(db, actor.orgId)
    .select(dealColumns)
    .where('d.id', '=', dealId)
    .executeTakeFirst()) as DealRow | undefined;
  if (!row) throw notFound('Deal');
  const splits = await loadSplits(db, actor.orgId, [row.id]);
  if (!canReadDeal(actor, reach, row, splits)) throw notFound('Deal');
  return { row, splits };
}

/** Above this many deals shared with the people in reach, the list asks the database for them. */
export const MAX_SHARED_IDS = 500;

export async function listDeals(deps: Deps, actor: Actor, reach: Reach, input: DealListQuery) {
  const db = deps.db.kysely;
  const owners = readableOwnerIds(actor, reach);
  let q = dealKeysQuery(db, actor.orgId);
  if (owners) {
    // Deals they own or share in. The deals shared with them are few (splits are the exception), so
    // their ids are read first and the deals chosen by `owner in … OR id in (those ids)` — two index
    // searches (SQLite's multi-index OR, PostgreSQL's BitmapOr). `id in (owned UNION ALL shared)`
    // made SQLite look every owned deal up twice more by primary key (≈ 10× a manager's list at M);
    // `OR id in (select … from deal_splits)` scanned every deal of the org.
    const sharedIds = db
      .selectFrom('deal_splits')
      .select('deal_id')
      .where('org_id', '=', actor.orgId)
      .where('user_id', 'in', owners);
    const shared = await readRows(db, sharedIds);
    if (shared.length === 0) q = q.where('d.owner_id', 'in', owners);
    else {
      // Many shared deals: let the database read them as a subquery rather than bind every id.
      const ids = shared.length <= MAX_SHARED_IDS ? shared.map((r) => r.deal_id) : sharedIds;
      q = q.where((eb) => eb.or([eb('d.owner_id', 'in', owners), eb('d.id', 'in', ids)]));
    }
  }
  if (input.ownerId) q = q.where('d.owner_id', '=', input.ownerId);
  if (input.teamId) q = q.where('d.owner_id', 'in', teamMembersQuery(db, actor.orgId, input.teamId));
  if (input.accountId) q = q.where('d.account_id', '=', input.accountId);
  if (input.pipelineId) q = q.where('d.pipeline_id', '=', input.pipelineId);
  if (input.stageId) q = q.where('d.stage_id', '=', input.stageId);
  if (input.status) q = q.where('d.status', '=', input.status);
  if (input.closeFrom) q = q.where('d.expected_close_date', '>=', input.closeFrom);
  if (input.closeTo) q = q.where('d.expected_close_date', '<=', input.closeTo);
  if (input.q) q = q.where(sql<boolean>`d.name_lower like ${likePattern(input.q)} escape '\\'`);
  const sortColumn =
    input.sort === 'name'
      ? sql<string>`d.name_lower`
      : input.sort === 'amount'
        ? sql<number>`d.amount_minor`
        : input.sort === 'expectedCloseDate'
          ? sql<string>`coalesce(d.expected_close_date, '')`
          : sql<number>`d.created_at`;
  const countRows = await readRows(db, q.select(sql<number>`1`.as('one')).limit(1001));
  let page = q.select('d.id');
  if (input.cursor) {
    const c = decodeCursor(input.cursor);
    page = page.where((eb) => afterKey(eb, sortColumn, sql`d.id`, c.sortValue, c.id, input.dir));
  }
  // The page's ids first (sorting keys only), then their rows with the joined names.
  const pageIds = await readRows(
    db,
    page
      .orderBy(sortColumn, input.dir)
      .orderBy('d.id', input.dir)
      .limit(input.limit + 1),
  );
  const rows = await dealRowsByIds(
    db,
    actor.orgId,
    pageIds.map((r) => r.id),
  );
  const sortValueOf = (r: DealRow) =>
    input.sort === 'name'
      ? r.name.toLowerCase()
      : input.sort === 'amount'
        ? r.amount_minor
        : input.sort === 'expectedCloseDate'
          ? (r.expected_close_date ?? '')
          : r.created_at;
  const result = pageOf(rows, input.limit, (r) => encodeCursor(sortValueOf(r), r.id));
  const splits = await loadSplits(
    db,
    actor.orgId,
    result.items.map((r) => r.id),
  );
  return {
    items: result.items.map((r) => toDealResponse(r, splits, canWriteOwned(actor, reach, r.owner_id))),
    nextCursor: result.nextCursor,
    total: cappedCount(countRows),
  };
}

export async function getDeal(deps: Deps, actor: Actor, reach: Reach, dealId: string): Promise<DealResponse> {
  const { row, splits } = await readableDeal(deps.db.kysely, actor, reach, dealId);
  return toDealResponse(row, splits, canWriteOwned(actor, reach, row.owner_id));
}

export async function dealHistory(deps: Deps, actor: Actor, reach: Reach, dealId: string) {
  await readableDeal(deps.db.kysely, actor, reach, dealId);
  const rows = await deps.db.kysely
    .selectFrom('deal_stage_history as h')
    .leftJoin('stages as f', (j) =>
      j.onRef('f.org_id', '=', 'h.org_id').onRef('f.id', '=', 'h.from_stage_id'),
    )
    .innerJoin('stages as t', (j) => j.onRef('t.org_id', '=', 'h.org_id').onRef('t.id', '=', 'h.to_stage_id'))
    .leftJoin('users as u', 'u.id', 'h.changed_by')
    .select([
      'h.from_stage_id',
      'f.name as from_name',
      'h.to_stage_id',
      't.name as to_name',
      'h.changed_at',
      'h.changed_by',
      'u.name as changed_by_name',
    ])
    .where('h.org_id', '=', actor.orgId)
    .where('h.deal_id', '=', dealId)
    .orderBy('h.changed_at')
    .orderBy('h.id')
    .execute();
  return {
    items: rows.map((r) => ({
      fromStage: r.from_stage_id ? { id: r.from_stage_id, name: r.from_name ?? '(removed stage)' } : null,
      toStage: { id: r.to_stage_id, name: r.to_name },
      changedAt: new Date(r.changed_at).toISOString(),
      changedBy: r.changed_by ? { id: r.changed_by, name: r.changed_by_name ?? '' } : null,
    })),
  };
}

async function replaceSplits(
  trx: Executor,
  orgId: string,
  dealId: string,
  splits: { userId: string; percent: number }[],
): Promise<void> {
  const members = await activeMembers(
    trx,
    orgId,
    splits.map((s) => s.userId),
  );
  const bad = splits.findIndex((s) => !members.has(s.userId));
  if (bad >= 0) throw invalidField(`splits.${bad}.userId`, 'is not an active member of this organization');
  await trx.deleteFrom('deal_splits').where('org_id', '=', orgId).where('deal_id', '=', dealId).execute();
  if (splits.length > 0) {
    await trx
      .insertInto('deal_splits')
      .values(
        splits.map((s) => ({
          org_id: orgId,
          deal_id: dealId,
          user_id: s.userId,
          share_bp: Math.round(s.percent * 100),
        })),
      )
      .execute();
  }
}

/**
 * Rewrites who is credited with how much of a deal: the split members by share, else the owner.
 * Amounts are allocated so the credits sum exactly to the deal amount (no cent lost to rounding).
 * Called inside every transaction that changes a deal's amount, owner or splits.
 */
export async function syncDealCredits(trx: Executor, orgId: string, dealId: string): Promise<void> {
  const deal = await trx
    .selectFrom('deals')
    .select(['owner_id', 'amount_minor'])
    .where('org_id', '=', orgId)
    .where('id', '=', dealId)
    .executeTakeFirst();
  await trx.deleteFrom('deal_credits').where('org_id', '=', orgId).where('deal_id', '=', dealId).execute();
  if (!deal) return refreshDealRollups(trx, orgId, [dealId]);
  const splits = await trx
    .selectFrom('deal_splits')
    .select(['user_id', 'share_bp'])
    .where('org_id', '=', orgId)
    .where('deal_id', '=', dealId)
    .orderBy('user_id')
    .execute();
  const shares = splits.length > 0 ? splits : [{ user_id: deal.owner_id, share_bp: 10_000 }];
  const amounts = allocate(
    deal.amount_minor,
    shares.map((s) => s.share_bp),
  );
  await trx
    .insertInto('deal_credits')
    .values(
      shares.map((s, i) => ({
        org_id: orgId,
        deal_id: dealId,
        user_id: s.user_id,
        share_bp: s.share_bp,
        credit_minor: amounts[i]!,
      })),
    )
    .execute();
  await refreshDealRollups(trx, orgId, [dealId]);
}

/**
 * closed_at for a deal entering a won/lost stage: now without `closedOn`; else the start of that day
 * in the org's zone — or, when that is the day the deal was created, the creation instant (it cannot
 * have closed before it was created; the start of the day would make its sales cycle negative).
 */
async function closedAtFor(
  trx: Executor,
  orgId: string,
  closedOn: string | undefined,
  now: number,
  createdAt: number,
): Promise<number> {
  if (!closedOn) return now;
  const org = await trx
    .selectFrom('orgs')
    .select('time_zone')
    .where('id', '=', orgId)
    .executeTakeFirstOrThrow();
  const at = startOfDayInZone(closedOn, org.time_zone);
  if (at > now) throw invalidField('closedOn', 'cannot be in the future');
  return dateInZone(createdAt, org.time_zone) === closedOn ? Math.max(at, createdAt) : at;
}

export async function createDeal(
  deps: Deps,
  actor: Actor,
  reach: Reach,
  input: DealCreateInput,
  record?: IdempotencyRecorder,
): Promise<DealResponse> {
  return deps.db.kysely.transaction().execute(async (trx) => {
    const settings = await loadCrmSettings(trx, actor.orgId);
    await readableAccount(trx, actor, reach, settings, input.accountId).catch(() => {
      throw invalidField('accountId', 'is not an account you can see');
    });
    const ownerId = input.ownerId ?? actor.userId;
    await assertAssignable(trx, actor, reach, ownerId);
    const now = deps.clock.now();
    const stage = input.stageId
      ? await findStage(trx, actor.orgId, input.stageId)
      : await defaultStage(trx, actor.orgId, now);
    if (!stage) throw invalidField('stageId', 'is not a stage of this organization');
    const org = await trx
      .selectFrom('orgs')
      .select('currency')
      .where('id', '=', actor.orgId)
      .executeTakeFirstOrThrow();
    if (await externalIdTaken(trx, 'deals', actor.orgId, input.externalSource, input.externalId))
      throw invalidField(
        'externalId',
        `another deal already has ${input.externalSource} id ${input.externalId}`,
      );
    const id = newId();
    const closed = stage.kind !== 'open';
    await trx
      .insertInto('deals')
      .values({
        org_id: actor.orgId,
        id,
        account_id: input.accountId,
        owner_id: ownerId,
        name: input.name,
        name_lower: input.name.toLowerCase(),
        amount_minor: input.amountMinor,
        currency: input.currency ?? org.currency,
        pipeline_id: stage.pipeline_id,
        stage_id: stage.id,
        probability_override: input.probability ?? null,
        expected_close_date: input.expectedCloseDate ?? null,
        status: stage.kind,
        closed_at: closed ? await closedAtFor(trx, actor.orgId, input.closedOn, now, now) : null,
        close_reason: closed ? (input.closeReason ?? null) : null,
        external_source: input.externalSource ?? null,
        external_id: input.externalId ?? null,
        created_at: now,
        updated_at: now,
      })
      .execute();
    if (input.splits?.length) await replaceSplits(trx, actor.orgId, id, input.splits);
    await syncDealCredits(trx, actor.orgId, id);
    await trx
      .insertInto('deal_stage_history')
      .values({
        org_id: actor.orgId,
        id: newId(),
        deal_id: id,
        from_stage_id: null,
        to_stage_id: stage.id,
        changed_at: now,
        changed_by: actor.userId,
      })
      .execute();
    await audit(trx, deps, actor, 'deal', id, 'create', {
      name: input.name,
      amountMinor: input.amountMinor,
      stageId: stage.id,
      ownerId,
    });
    const { row, splits } = await readableDeal(trx, actor, reach, id);
    const deal = toDealResponse(row, splits, true);
    if (stage.kind === 'won') await emitEvent(trx, deps, actor.orgId, 'deal.won', { deal });
    await record?.(trx, 201, deal);
    return deal;
  });
}

/**
 * Updates a deal. Moving it records the stage change in its history; entering a won or lost stage
 * closes it (closedOn or today), leaving one reopens it.
 */
export async function updateDeal(
  deps: Deps,
  actor: Actor,
  reach: Reach,
  dealId: string,
  input: DealUpdateInput,
  record?: IdempotencyRecorder,
): Promise<DealResponse> {
  return deps.db.kysely.transaction().execute(async (trx) => {
    const { row: before } = await readableDeal(trx, actor, reach, dealId);
    if (!canWriteOwned(actor, reach, before.owner_id)) throw notFound('Deal');
    const now = deps.clock.now();
    if (input.ownerId !== undefined && input.ownerId !== before.owner_id)
      await assertAssignable(trx, actor, reach, input.ownerId);
    if (input.accountId !== undefined && input.accountId !== before.account_id) {
      const settings = await loadCrmSettings(trx, actor.orgId);
      await readableAccount(trx, actor, reach, settings, input.accountId).catch(() => {
        throw invalidField('accountId', 'is not an account you can see');
      });
    }
    if (input.externalSource !== undefined || input.externalId !== undefined) {
      const current = await trx
        .selectFrom('deals')
        .select(['external_source', 'external_id'])
        .where('org_id', '=', actor.orgId)
        .where('id', '=', dealId)
        .executeTakeFirstOrThrow();
      const source = input.externalSource === undefined ? current.external_source : input.externalSource;
      const externalId = input.externalId === undefined ? current.external_id : input.externalId;
      if (await externalIdTaken(trx, 'deals', actor.orgId, source, externalId, dealId))
        throw invalidField('externalId', `another deal already has ${source} id ${externalId}`);
    }
    const values: Record<string, unknown> = { updated_at: now };
    if (input.name !== undefined) {
      values.name = input.name;
      values.name_lower = input.name.toLowerCase();
    }
    if (input.accountId !== undefined) values.account_id = input.accountId;
    if (input.ownerId !== undefined) values.owner_id = input.ownerId;
    if (input.amountMinor !== undefined) values.amount_minor = input.amountMinor;
    if (input.currency !== undefined) values.currency = input.currency;
    if (input.probability !== undefined) values.probability_override = input.probability;
    if (input.expectedCloseDate !== undefined) values.expected_close_date = input.expectedCloseDate;
    if (input.externalSource !== undefined) values.external_source = input.externalSource;
    if (input.externalId !== undefined) values.external_id = input.externalId;
    if (input.closeReason !== undefined) values.close_reason = input.closeReason;

    let stageChanged = false;
    if (input.stageId !== undefined && input.stageId !== before.stage_id) {
      const stage = await findStage(trx, actor.orgId, input.stageId);
      if (!stage || stage.pipeline_id !== before.pipeline_id)
        throw invalidField('stageId', "is not a stage of this deal's pipeline");
      stageChanged = true;
      values.stage_id = stage.id;
      values.status = stage.kind;
      if (stage.kind === 'open') {
        values.closed_at = null;
        values.close_reason = null;
      } else if (before.status === 'open' || stage.kind !== before.status) {
        values.closed_at = await closedAtFor(trx, actor.orgId, input.closedOn, now, before.created_at);
      }
      await trx
        .insertInto('deal_stage_history')
        .values({
          org_id: actor.orgId,
          id: newId(),
          deal_id: dealId,
          from_stage_id: before.stage_id,
          to_stage_id: stage.id,
          changed_at: now,
          changed_by: actor.userId,
        })
        .execute();
    } else if (input.closedOn !== undefined && before.status !== 'open') {
      values.closed_at = await closedAtFor(trx, actor.orgId, input.closedOn, now, before.created_at);
    }
    await trx
      .updateTable('deals')
      .set(values)
      .where('org_id', '=', actor.orgId)
      .where('id', '=', dealId)
      .execute();
    if (input.splits !== undefined) await replaceSplits(trx, actor.orgId, dealId, input.splits);
    await syncDealCredits(trx, actor.orgId, dealId);
    const changes = diff(
      {
        name: before.name,
        amountMinor: before.amount_minor,
        stageId: before.stage_id,
        ownerId: before.owner_id,
        probability: before.probability_override,
        expectedCloseDate: before.expected_close_date,
        accountId: before.account_id,
      },
      { ...input, probability: input.probability } as Record<string, unknown>,
    );
    const action = stageChanged
      ? values.status === 'won'
        ? 'won'
        : values.status === 'lost'
          ? 'lost'
          : 'move'
      : 'update';
    await audit(trx, deps, actor, 'deal', dealId, action, changes);
    const { row, splits } = await readableDeal(trx, actor, reach, dealId);
    const deal = toDealResponse(row, splits, true);
    // Queued in this transaction: receivers hear of the win only if it is stored.
    if (action === 'won') await emitEvent(trx, deps, actor.orgId, 'deal.won', { deal });
    await record?.(trx, 200, deal);
    return deal;
  });
}

export const boardQuery = z.object({
  pipelineId: z.string().max(64).optional(),
  ownerId: z.string().max(64).optional(),
  teamId: z.string().max(64).optional(),
  perStage: z.coerce.number().int().min(1).max(200).default(50),
});

/** The kanban board: each stage of a pipeline with its deals (newest first, capped) and totals. */
export async function dealBoard(deps: Deps, actor: Actor, reach: Reach, input: z.infer<typeof boardQuery>) {
  const db = deps.db.kysely;
  let pipelines = await loadPipelines(db, actor.orgId);
  if (pipelines.length === 0) {
    // An org that never had a pipeline gets the default one on first use.
    await ensureDefaultPipeline(db, actor.orgId, deps.clock.now());
    pipelines = await loadPipelines(db, actor.orgId);
  }
  const pipeline = input.pipelineId
    ? pipelines.find((p) => p.id === input.pipelineId)
    : (pipelines.find((p) => p.isDefault) ?? pipelines[0]);
  if (!pipeline) throw invalidField('pipelineId', 'is not a pipeline of this organization');
  const owners = readableOwnerIds(actor, reach);
  let q = dealKeysQuery(db, actor.orgId).where('d.pipeline_id', '=', pipeline.id);
  if (owners) q = q.where('d.owner_id', 'in', owners);
  if (input.ownerId) q = q.where('d.owner_id', '=', input.ownerId);
  if (input.teamId) q = q.where('d.owner_id', 'in', teamMembersQuery(db, actor.orgId, input.teamId));
  // One pass over the board's deals reading only keys, stage, currency, amount and recency: totals
  // per stage and currency and the newest deals per stage are worked out here, then only those
  // deals are read in full. (Grouping and a row_number() window over the joined rows made SQLite
  // walk every deal of the org through the stage index: ~200 ms for a rep at dataset M.)
  const keys = await readRows(
    db,
    q.select(['d.id', 'd.stage_id', 'd.currency', 'd.amount_minor', 'd.updated_at']),
  );
  const totals = new Map<string, Map<string, { n: number; amount: number }>>();
  const newest = new Map<string, { id: string; updated_at: number }[]>();
  for (const k of keys) {
    let byCurrency = totals.get(k.stage_id);
    if (!byCurrency) {
      byCurrency = new Map();
      totals.set(k.stage_id, byCurrency);
    }
    const t = byCurrency.get(k.currency) ?? { n: 0, amount: 0 };
    t.n += 1;
    t.amount += Number(k.amount_minor);
    byCurrency.set(k.currency, t);
    let list = newest.get(k.stage_id);
    if (!list) {
      list = [];
      newest.set(k.stage_id, list);
    }
    list.push({ id: k.id, updated_at: Number(k.updated_at) });
  }
  const shownIds: string[] = [];
  for (const list of newest.values()) {
    // Newest first, ties by id descending (as `order by updated_at desc, id desc`).
    list.sort((a, b) => b.updated_at - a.updated_at || (a.id < b.id ? 1 : a.id > b.id ? -1 : 0));
    for (const d of list.slice(0, input.perStage)) shownIds.push(d.id);
  }
  const rows = await dealRowsByIds(db, actor.orgId, shownIds);
  const splits = await loadSplits(
    db,
    actor.orgId,
    rows.map((r) => r.id),
  );
  return {
    pipeline,
    columns: pipeline.stages.map((stage) => {
      const stageTotals = [...(totals.get(stage.id) ?? new Map()).entries()].sort(([a], [b]) =>
        a < b ? -1 : a > b ? 1 : 0,
      );
      return {
        stage,
        count: stageTotals.reduce((n, [, t]) => n + t.n, 0),
        totals: stageTotals.map(([currency, t]) => ({ currency, amountMinor: t.amount })),
        // rows are already newest first within each stage
        deals: rows
          .filter((r) => r.stage_id === stage.id)
          .map((r) => toDealResponse(r, splits, canWriteOwned(actor, reach, r.owner_id))),
      };
    }),
  };
}
