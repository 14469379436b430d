import type { Db } from '../../src/server/db/database.ts';
import type { ActivitiesTable, DealStatus, Flag, Tier } from '../../src/server/db/schema.ts';
import type { Clock } from '../../src/server/lib/clock.ts';
import { newId } from '../../src/server/lib/ids.ts';
import {
  defaultPipelineId,
  ensureDefaultPipeline,
} from '../../src/server/modules/crm/crm-settings.service.ts';
import { syncDealCredits } from '../../src/server/modules/crm/deals.service.ts';

let seq = 0;

/** An account owned by `ownerId`, inserted directly (fast; no audit row). */
export async function makeAccount(
  db: Db,
  clock: Clock,
  orgId: string,
  ownerId: string,
  options: { name?: string; lat?: number; lng?: number; tier?: Tier; territory?: string } = {},
): Promise<string> {
  seq += 1;
  const id = newId();
  const name = options.name ?? `Account ${seq}`;
  const now = clock.now();
  await db.kysely
    .insertInto('accounts')
    .values({
      org_id: orgId,
      id,
      name,
      name_lower: name.toLowerCase(),
      street: null,
      city: 'Chicago',
      region: 'IL',
      postal_code: null,
      country: 'US',
      latitude: options.lat ?? 41.8781,
      longitude: options.lng ?? -87.6298,
      territory: options.territory ?? null,
      industry: null,
      tier: options.tier ?? 'B',
      status: 'active',
      owner_id: ownerId,
      external_source: null,
      external_id: null,
      last_activity_at: null,
      created_at: now,
      updated_at: now,
    })
    .execute();
  return id;
}

/** The stages of the default pipeline (`ensureDefaultPipeline`). */
export type StageKey = 'prospecting' | 'qualification' | 'proposal' | 'negotiation' | 'won' | 'lost';

export function stageId(orgId: string, key: StageKey): string {
  return `${defaultPipelineId(orgId)}:${key}`;
}

export async function makeDeal(
  db: Db,
  clock: Clock,
  orgId: string,
  ownerId: string,
  accountId: string,
  options: { amountMinor?: number; stage?: StageKey; name?: string } = {},
): Promise<string> {
  await ensureDefaultPipeline(db.kysely, orgId, clock.now());
  seq += 1;
  const name = options.name ?? `Deal ${seq}`;
  const stage = options.stage ?? 'prospecting';
  const status = statusOfStage(stage);
  const now = clock.now();
  const amountMinor = options.amountMinor ?? 100_000;
  const id = await insertDealRow(db, {
    orgId,
    ownerId,
    accountId,
    name,
    amountMinor,
    stage,
    closedAt: status === 'open' ? null : now,
    createdAt: now,
  });
  await db.kysely
    .insertInto('deal_credits')
    .values({ org_id: orgId, deal_id: id, user_id: ownerId, share_bp: 10_000, credit_minor: amountMinor })
    .execute();
  return id;
}

/**
 * The fields of a raw `activities` row. Timestamps are epoch milliseconds (a `bigint` column on
 * both engines); `verified` is a 0/1 flag, as the schema stores booleans.
 */
export interface ActivityRow {
  orgId: string;
  ownerId: string;
  kind: string;
  occurredAt: number;
  /** Default: a new id. */
  id?: string;
  /** Default: the kind. */
  subject?: string;
  outcome?: string | null;
  durationMinutes?: number | null;
  accountId?: string | null;
  contactId?: string | null;
  dealId?: string | null;
  /** Default: `online`. */
  source?: ActivitiesTable['source'];
  /** Default: 1 for a visit (a verified check-in), null for any other kind (pass null for a visit without a verdict). */
  verified?: Flag | null;
  /** Default: `occurredAt`. */
  createdAt?: number;
  /** Default: `createdAt`. */
  updatedAt?: number;
}

/**
 * Inserts one activity row as it is, behind the services' back: no check-in, no audit row, no rollup
 * refresh (rebuild the rollups, or ask the engine for raw answers, to see it). Returns its id.
 */
export async function insertActivity(db: Db, row: ActivityRow): Promise<string> {
  const id = row.id ?? newId();
  const createdAt = row.createdAt ?? row.occurredAt;
  await db.kysely
    .insertInto('activities')
    .values({
      org_id: row.orgId,
      id,
      owner_id: row.ownerId,
      kind: row.kind,
      subject: row.subject ?? row.kind,
      outcome: row.outcome ?? null,
      occurred_at: row.occurredAt,
      duration_minutes: row.durationMinutes ?? null,
      account_id: row.accountId ?? null,
      contact_id: row.contactId ?? null,
      deal_id: row.dealId ?? null,
      source: row.source ?? 'online',
      checkin_at: null,
      checkin_lat: null,
      checkin_lng: null,
      checkin_accuracy_m: null,
      checkout_at: null,
      checkout_lat: null,
      checkout_lng: null,
      distance_m: null,
      verified: row.verified === undefined ? (row.kind === 'visit' ? 1 : null) : row.verified,
      external_source: null,
      external_id: null,
      created_at: createdAt,
      updated_at: row.updatedAt ?? createdAt,
    })
    .execute();
  return id;
}

/**
 * The fields of a raw `deals` row in the org's default pipeline (which must exist:
 * `ensureDefaultPipeline`). Give the stage, the status or both: a won or lost stage means that
 * status and any other stage an open deal; an open deal without a stage stands in `proposal`.
 * Timestamps are epoch milliseconds.
 */
export interface DealRow {
  orgId: string;
  ownerId: string;
  accountId: string;
  amountMinor: number;
  createdAt: number;
  stage?: StageKey;
  status?: DealStatus;
  /** Default: a new id. */
  id?: string;
  /** Default: `Deal`. */
  name?: string;
  /** Default: the name in lower case. */
  nameLower?: string;
  /** Default: `USD`. */
  currency?: string;
  probabilityOverride?: number | null;
  expectedCloseDate?: string | null;
  closedAt?: number | null;
  /** Default: `createdAt`. */
  updatedAt?: number;
}

function statusOfStage(stage: StageKey): DealStatus {
  return stage === 'won' ? 'won' : stage === 'lost' ? 'lost' : 'open';
}

async function insertDealRow(db: Db, row: DealRow): Promise<string> {
  const id = row.id ?? newId();
  const status = row.status ?? (row.stage ? statusOfStage(row.stage) : 'open');
  const stage = row.stage ?? (status === 'open' ? 'proposal' : status);
  const name = row.name ?? 'Deal';
  await db.kysely
    .insertInto('deals')
    .values({
      org_id: row.orgId,
      id,
      account_id: row.accountId,
      owner_id: row.ownerId,
      name,
      name_lower: row.nameLower ?? name.toLowerCase(),
      amount_minor: row.amountMinor,
      currency: row.currency ?? 'USD',
      pipeline_id: defaultPipelineId(row.orgId),
      stage_id: stageId(row.orgId, stage),
      probability_override: row.probabilityOverride ?? null,
      expected_close_date: row.expectedCloseDate ?? null,
      status,
      closed_at: row.closedAt ?? null,
      close_reason: null,
      external_source: null,
      external_id: null,
      created_at: row.createdAt,
      updated_at: row.updatedAt ?? row.createdAt,
    })
    .execute();
  return id;
}

/**
 * Inserts one deal row as it is (no stage history, no audit row), then its splits, if any, and its
 * credits and deal rollups the way the deal service does (`syncDealCredits`). Returns its id.
 */
export async function insertDeal(
  db: Db,
  row: DealRow & { splits?: readonly (readonly [userId: string, shareBp: number])[] },
): Promise<string> {
  const id = await insertDealRow(db, row);
  for (const [userId, shareBp] of row.splits ?? []) {
    await db.kysely
      .insertInto('deal_splits')
      .values({ org_id: row.orgId, deal_id: id, user_id: userId, share_bp: shareBp })
      .execute();
  }
  await syncDealCredits(db.kysely, row.orgId, id);
  return id;
}
