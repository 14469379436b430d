import { sql } from 'kysely';
import type { z } from 'zod';
import { haversineMeters } from '../../../shared/geo.ts';
import type { Deps } from '../../context.ts';
import type { Executor } from '../../db/database.ts';
import type { ActivitiesTable } from '../../db/schema.ts';
import { conflict, invalidField, notFound } from '../../lib/errors.ts';
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
import { audit } from '../audit/audit.service.ts';
import { refreshActivityRollups } from '../metrics/rollups.ts';
import { emitEvent } from '../webhooks/webhooks.service.ts';
import { assertAssignable, readableAccount } from './accounts.service.ts';
import { afterKey, cappedCount, likePattern, readRows, teamMembersQuery } from './crm.repository.ts';
import {
  type ActivityCreateInput,
  type ActivityListQuery,
  type ActivityResponse,
  type activityUpdateBody,
  builtinActivityKinds,
  type CrmSettings,
} from './crm.schemas.ts';
import { loadCrmSettings } from './crm-settings.service.ts';

const activityColumns = [
  'x.id',
  'x.kind',
  'x.subject',
  'x.outcome',
  'x.occurred_at',
  'x.duration_minutes',
  'x.owner_id',
  'u.name as owner_name',
  'x.account_id',
  'a.name as account_name',
  'x.contact_id',
  'x.deal_id',
  'x.source',
  'x.checkin_at',
  'x.checkin_lat',
  'x.checkin_lng',
  'x.checkin_accuracy_m',
  'x.checkout_at',
  'x.checkout_lat',
  'x.checkout_lng',
  'x.distance_m',
  'x.verified',
  'x.created_at',
] as const;

function activitiesQuery(db: Executor, orgId: string) {
  return db
    .selectFrom('activities as x')
    .innerJoin('users as u', 'u.id', 'x.owner_id')
    .leftJoin('accounts as a', (j) => j.onRef('a.org_id', '=', 'x.org_id').onRef('a.id', '=', 'x.account_id'))
    .where('x.org_id', '=', orgId);
}

type ActivityRow = Pick<
  ActivitiesTable,
  | 'id'
  | 'kind'
  | 'subject'
  | 'outcome'
  | 'occurred_at'
  | 'duration_minutes'
  | 'owner_id'
  | 'account_id'
  | 'contact_id'
  | 'deal_id'
  | 'source'
  | 'checkin_at'
  | 'checkin_lat'
  | 'checkin_lng'
  | 'checkin_accuracy_m'
  | 'checkout_at'
  | 'checkout_lat'
  | 'checkout_lng'
  | 'distance_m'
  | 'verified'
  | 'created_at'
> & { owner_name: string; account_name: string | null };

function toActivityResponse(row: ActivityRow, canEdit: boolean): ActivityResponse {
  return {
    id: row.id,
    kind: row.kind,
    subject: row.subject,
    outcome: row.outcome,
    occurredAt: new Date(row.occurred_at).toISOString(),
    durationMinutes: row.duration_minutes,
    owner: { id: row.owner_id, name: row.owner_name },
    account: row.account_id ? { id: row.account_id, name: row.account_name ?? '' } : null,
    contactId: row.contact_id,
    dealId: row.deal_id,
    source: row.source,
    checkIn:
      row.checkin_at === null
        ? null
        : {
            at: new Date(row.checkin_at).toISOString(),
            lat: row.checkin_lat,
            lng: row.checkin_lng,
            accuracyM: row.checkin_accuracy_m,
          },
    checkOut:
      row.checkout_at === null
        ? null
        : { at: new Date(row.checkout_at).toISOString(), lat: row.checkout_lat, lng: row.checkout_lng },
    distanceM: row.distance_m === null ? null : Math.round(row.distance_m),
    verified: row.verified === null ? null : row.verified === 1,
    canEdit,
    createdAt: new Date(row.created_at).toISOString(),
  };
}

async function findActivity(db: Executor, orgId: string, id: string): Promise<ActivityRow | undefined> {
  return activitiesQuery(db, orgId).select(activityColumns).where('x.id', '=', id).executeTakeFirst();
}

function assertKind(settings: CrmSettings, kind: string): void {
  if (!(builtinActivityKinds as readonly string[]).includes(kind) && !settings.activityKinds.includes(kind)) {
    throw invalidField(
      'kind',
      `must be one of ${[...builtinActivityKinds, ...settings.activityKinds].join(', ')}`,
    );
  }
}

export async function getActivity(
  deps: Deps,
  actor: Actor,
  reach: Reach,
  id: string,
): Promise<ActivityResponse> {
  const row = await findActivity(deps.db.kysely, actor.orgId, id);
  if (!row || !canReadOwned(actor, reach, row.owner_id)) throw notFound('Activity');
  return toActivityResponse(row, canWriteOwned(actor, reach, row.owner_id));
}

/** The fields that identify "the same entry" when a client sends it again with the same id. */
function sameEntry(
  existing: ActivityRow,
  input: ActivityCreateInput,
  ownerId: string,
  occurredAt: number,
): boolean {
  return (
    existing.owner_id === ownerId &&
    existing.kind === input.kind &&
    existing.subject === input.subject &&
    existing.occurred_at === occurredAt &&
    (existing.account_id ?? null) === (input.accountId ?? null)
  );
}

/**
 * Logs an activity. Visits with a check-in position are verified against the account's location
 * (haversine, org radius, default 150 m); an unverified visit is stored all the same, with the
 * distance. A client-generated id makes the call idempotent: the same entry sent twice is stored
 * once (200 with the stored entry); a different entry under an existing id is a 409 conflict.
 */
export async function createActivity(
  deps: Deps,
  actor: Actor,
  reach: Reach,
  input: ActivityCreateInput,
  record?: IdempotencyRecorder,
): Promise<{ activity: ActivityResponse; created: boolean }> {
  return deps.db.kysely.transaction().execute(async (trx) => {
    const settings = await loadCrmSettings(trx, actor.orgId);
    assertKind(settings, input.kind);
    const ownerId = input.ownerId ?? actor.userId;
    const now = deps.clock.now();
    const occurredAt = input.occurredAt
      ? Date.parse(input.occurredAt)
      : input.checkIn
        ? Date.parse(input.checkIn.at)
        : now;
    if (occurredAt > now + 24 * 3_600_000)
      throw invalidField('occurredAt', 'is more than a day in the future');

    if (input.id) {
      const existing = await findActivity(trx, actor.orgId, input.id);
      if (existing) {
        if (
          !canReadOwned(actor, reach, existing.owner_id) ||
          !sameEntry(existing, input, ownerId, occurredAt)
        ) {
          throw conflict('Another entry already has this id', { id: input.id });
        }
        const activity = toActivityResponse(existing, canWriteOwned(actor, reach, existing.owner_id));
        await record?.(trx, 200, activity);
        return { activity, created: false };
      }
    }
    if (ownerId !== actor.userId) await assertAssignable(trx, actor, reach, ownerId);

    let account: { latitude: number | null; longitude: number | null } | undefined;
    if (input.accountId) {
      account = await readableAccount(trx, actor, reach, settings, input.accountId).catch(() => {
        throw invalidField('accountId', 'is not an account you can see');
      });
    }
    if (input.contactId) {
      const contact = await trx
        .selectFrom('contacts')
        .select(['account_id'])
        .where('org_id', '=', actor.orgId)
        .where('id', '=', input.contactId)
        .executeTakeFirst();
      if (!contact || (input.accountId && contact.account_id !== input.accountId)) {
        throw invalidField('contactId', 'is not a contact of this account');
      }
    }
    if (input.dealId) {
      const deal = await trx
        .selectFrom('deals')
        .select(['owner_id', 'account_id'])
        .where('org_id', '=', actor.orgId)
        .where('id', '=', input.dealId)
        .executeTakeFirst();
      if (!deal || !canReadOwned(actor, reach, deal.owner_id))
        throw invalidField('dealId', 'is not a deal you can see');
    }

    const isVisit = input.kind === 'visit';
    let distance: number | null = null;
    let verified: 0 | 1 | null = null;
    if (isVisit) {
      if (input.checkIn && account?.latitude != null && account.longitude != null) {
        distance = haversineMeters(
          { lat: input.checkIn.lat, lng: input.checkIn.lng },
          { lat: account.latitude, lng: account.longitude },
        );
        verified = distance <= settings.visitRadiusMeters ? 1 : 0;
      } else {
        verified = 0;
      }
    }
    const id = input.id ?? newId();
    await trx
      .insertInto('activities')
      .values({
        org_id: actor.orgId,
        id,
        owner_id: ownerId,
        kind: input.kind,
        subject: input.subject,
        outcome: input.outcome ?? null,
        occurred_at: occurredAt,
        duration_minutes:
          input.durationMinutes ??
          (input.checkIn && input.checkOut
            ? Math.max(0, Math.round((Date.parse(input.checkOut.at) - Date.parse(input.checkIn.at)) / 60_000))
            : null),
        account_id: input.accountId ?? null,
        contact_id: input.contactId ?? null,
        deal_id: input.dealId ?? null,
        source: input.source,
        checkin_at: input.checkIn ? Date.parse(input.checkIn.at) : null,
        checkin_lat: input.checkIn?.lat ?? null,
        checkin_lng: input.checkIn?.lng ?? null,
        checkin_accuracy_m: input.checkIn?.accuracyM ?? null,
        checkout_at: input.checkOut ? Date.parse(input.checkOut.at) : null,
        checkout_lat: input.checkOut?.lat ?? null,
        checkout_lng: input.checkOut?.lng ?? null,
        distance_m: distance,
        verified,
        external_source: null,
        external_id: null,
        created_at: now,
        updated_at: now,
      })
      .execute();
    await refreshActivityRollups(trx, actor.orgId, [{ userId: ownerId, at: occurredAt }]);
    if (input.accountId) {
      await trx
        .updateTable('accounts')
        .set({
          last_activity_at: sql<number>`case when last_activity_at is null or last_activity_at < ${occurredAt} then ${occurredAt} else last_activity_at end`,
        })
        .where('org_id', '=', actor.orgId)
        .where('id', '=', input.accountId)
        .execute();
    }
    await audit(trx, deps, actor, 'activity', id, 'create', {
      kind: input.kind,
      accountId: input.accountId ?? null,
      verified: verified === null ? null : verified === 1,
      source: input.source,
    });
    const activity = toActivityResponse((await findActivity(trx, actor.orgId, id))!, true);
    if (isVisit) await emitEvent(trx, deps, actor.orgId, 'visit.logged', { activity });
    await record?.(trx, 201, activity);
    return { activity, created: true };
  });
}

export async function updateActivity(
  deps: Deps,
  actor: Actor,
  reach: Reach,
  id: string,
  input: z.infer<typeof activityUpdateBody>,
  record?: IdempotencyRecorder,
): Promise<ActivityResponse> {
  return deps.db.kysely.transaction().execute(async (trx) => {
    const before = await findActivity(trx, actor.orgId, id);
    if (!before || !canWriteOwned(actor, reach, before.owner_id)) throw notFound('Activity');
    const values: Record<string, unknown> = { updated_at: deps.clock.now() };
    if (input.subject !== undefined) values.subject = input.subject;
    if (input.outcome !== undefined) values.outcome = input.outcome;
    if (input.durationMinutes !== undefined) values.duration_minutes = input.durationMinutes;
    if (input.checkOut) {
      const out = Date.parse(input.checkOut.at);
      if (before.checkin_at !== null && out < before.checkin_at)
        throw invalidField('checkOut.at', 'is before the check-in');
      values.checkout_at = out;
      values.checkout_lat = input.checkOut.lat ?? null;
      values.checkout_lng = input.checkOut.lng ?? null;
      if (input.durationMinutes === undefined && before.checkin_at !== null) {
        values.duration_minutes = Math.round((out - before.checkin_at) / 60_000);
      }
    }
    await trx
      .updateTable('activities')
      .set(values)
      .where('org_id', '=', actor.orgId)
      .where('id', '=', id)
      .execute();
    await refreshActivityRollups(trx, actor.orgId, [{ userId: before.owner_id, at: before.occurred_at }]);
    await audit(trx, deps, actor, 'activity', id, input.checkOut ? 'check_out' : 'update', {
      subject: input.subject,
      outcome: input.outcome === undefined ? undefined : '(changed)',
    });
    const activity = toActivityResponse((await findActivity(trx, actor.orgId, id))!, true);
    await record?.(trx, 200, activity);
    return activity;
  });
}

export async function deleteActivity(deps: Deps, actor: Actor, reach: Reach, id: string): Promise<void> {
  await deps.db.kysely.transaction().execute(async (trx) => {
    const before = await findActivity(trx, actor.orgId, id);
    if (!before || !canWriteOwned(actor, reach, before.owner_id)) throw notFound('Activity');
    await trx.deleteFrom('activities').where('org_id', '=', actor.orgId).where('id', '=', id).execute();
    await refreshActivityRollups(trx, actor.orgId, [{ userId: before.owner_id, at: before.occurred_at }]);
    await audit(trx, deps, actor, 'activity', id, 'delete', {
      kind: before.kind,
      subject: before.subject,
      occurredAt: before.occurred_at,
    });
  });
}

/**
 * The activities `activitiesQuery` yields, from the activities table alone: for choosing a page and
 * counting. The owner join never drops an activity (users are deactivated, never deleted) and the
 * account join is a left join, so neither needs reading here — an existence test of the owner per
 * activity was most of a count's cost.
 */
function activityKeysQuery(db: Executor, orgId: string) {
  return db.selectFrom('activities as x').where('x.org_id', '=', orgId);
}

export async function listActivities(deps: Deps, actor: Actor, reach: Reach, input: ActivityListQuery) {
  const db = deps.db.kysely;
  const owners = readableOwnerIds(actor, reach);
  let q = activityKeysQuery(db, actor.orgId);
  if (owners) q = q.where('x.owner_id', 'in', owners);
  if (input.ownerId) q = q.where('x.owner_id', '=', input.ownerId);
  if (input.teamId) q = q.where('x.owner_id', 'in', teamMembersQuery(db, actor.orgId, input.teamId));
  if (input.accountId) q = q.where('x.account_id', '=', input.accountId);
  if (input.dealId) q = q.where('x.deal_id', '=', input.dealId);
  if (input.kind) q = q.where('x.kind', '=', input.kind);
  if (input.verified !== undefined) q = q.where('x.verified', '=', input.verified ? 1 : 0);
  if (input.from) q = q.where('x.occurred_at', '>=', Date.parse(input.from));
  if (input.to) q = q.where('x.occurred_at', '<', Date.parse(input.to));
  if (input.q) q = q.where(sql<boolean>`lower(x.subject) like ${likePattern(input.q)} escape '\\'`);
  const countRows = await readRows(db, q.select(sql<number>`1`.as('one')).limit(1001));
  let page = q;
  if (input.cursor) {
    const c = decodeCursor(input.cursor);
    page = page.where((eb) => afterKey(eb, sql`x.occurred_at`, sql`x.id`, c.sortValue, c.id, 'desc'));
  }
  // The page is the newest limit+1 by (occurred_at, id), all at or after the (limit+1)-th newest
  // occurred_at. That bound comes from an index in time order per owner, and with it the page reads
  // only its own rows: ordered by (occurred_at, id) directly, SQLite walked the org's time index
  // and looked up rows until limit+1 were the rep's — about 200 rows for each one kept at dataset M.
  const bound = await readRows(
    db,
    page.select('x.occurred_at').orderBy('x.occurred_at', 'desc').limit(1).offset(input.limit),
  );
  if (bound[0]) page = page.where('x.occurred_at', '>=', bound[0].occurred_at);
  const pageIds = await readRows(
    db,
    page
      .select('x.id')
      // `+ 0`: sorting the few rows within the bound beats walking an index that is in this order.
      .orderBy(sql`x.occurred_at + 0`, 'desc')
      .orderBy('x.id', 'desc')
      .limit(input.limit + 1),
  );
  const ids = pageIds.map((r) => r.id);
  const fetched =
    ids.length === 0
      ? []
      : await readRows(db, activitiesQuery(db, actor.orgId).select(activityColumns).where('x.id', 'in', ids));
  const byId = new Map(fetched.map((r) => [r.id, r]));
  const rows = ids.flatMap((id) => {
    const row = byId.get(id);
    return row ? [row] : [];
  });
  const result = pageOf(rows, input.limit, (r) => encodeCursor(r.occurred_at, r.id));
  return {
    items: result.items.map((r) => toActivityResponse(r, canWriteOwned(actor, reach, r.owner_id))),
    nextCursor: result.nextCursor,
    total: cappedCount(countRows),
  };
}
