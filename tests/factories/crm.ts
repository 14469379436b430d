import type { Db } from '../../src/server/db/database.ts';
import type { Tier } from '../../src/server/db/schema.ts';
import type { Clock } from '../../src/server/lib/clock.ts';
import { newId } from '../../src/server/lib/ids.ts';
import {
  defaultPipelineId,
  ensureDefaultPipeline,
} from '../../src/server/modules/crm/crm-settings.service.ts';

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

export function stageId(
  orgId: string,
  key: 'prospecting' | 'qualification' | 'proposal' | 'negotiation' | 'won' | 'lost',
): string {
  return `${defaultPipelineId(orgId)}:${key}`;
}

export async function makeDeal(
  db: Db,
  clock: Clock,
  orgId: string,
  ownerId: string,
  accountId: string,
  options: { amountMinor?: number; stage?: Parameters<typeof stageId>[1]; name?: string } = {},
): Promise<string> {
  await ensureDefaultPipeline(db.kysely, orgId, clock.now());
  seq += 1;
  const id = newId();
  const name = options.name ?? `Deal ${seq}`;
  const stage = options.stage ?? 'prospecting';
  const status = stage === 'won' ? 'won' : stage === 'lost' ? 'lost' : 'open';
  const now = clock.now();
  await db.kysely
    .insertInto('deals')
    .values({
      org_id: orgId,
      id,
      account_id: accountId,
      owner_id: ownerId,
      name,
      name_lower: name.toLowerCase(),
      amount_minor: options.amountMinor ?? 100_000,
      currency: 'USD',
      pipeline_id: defaultPipelineId(orgId),
      stage_id: stageId(orgId, stage),
      probability_override: null,
      expected_close_date: null,
      status,
      closed_at: status === 'open' ? null : now,
      close_reason: null,
      external_source: null,
      external_id: null,
      created_at: now,
      updated_at: now,
    })
    .execute();
  await db.kysely
    .insertInto('deal_credits')
    .values({
      org_id: orgId,
      deal_id: id,
      user_id: ownerId,
      share_bp: 10_000,
      credit_minor: options.amountMinor ?? 100_000,
    })
    .execute();
  return id;
}
