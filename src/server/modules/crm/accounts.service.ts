import { type RawBuilder, sql } from 'kysely';
import { z } from 'zod';
import { haversineMeters } from '../../../shared/geo.ts';
import type { Deps } from '../../context.ts';
import { type ShapeArgs, shapedQuery } from '../../db/compiled-query.ts';
import type { Executor } from '../../db/database.ts';
import { invalidField, notFound } from '../../lib/errors.ts';
import { newId } from '../../lib/ids.ts';
import { decodeCursor, encodeCursor, pageOf } from '../../lib/pagination.ts';
import {
  type Actor,
  canAssignTo,
  canReadOwned,
  canWriteOwned,
  type Reach,
  readableOwnerIds,
} from '../../policy/policy.ts';
import { audit, diff } from '../audit/audit.service.ts';
import {
  accountColumns,
  accountsQuery,
  activeMembers,
  afterKey,
  findAccount,
  likePattern,
  readRows,
  teamMembersQuery,
} from './crm.repository.ts';
import {
  type AccountCreateInput,
  type AccountListQuery,
  type AccountResponse,
  type AccountRow,
  type AccountUpdateInput,
  COUNT_CAP,
  type CrmSettings,
  toAccountResponse,
} from './crm.schemas.ts';
import { crmSettingsFromStored, loadCrmSettings } from './crm-settings.service.ts';

/** Loads an account the actor may read, else the same 404 a missing id gets. */
export async function readableAccount(
  db: Executor,
  actor: Actor,
  reach: Reach,
  settings: CrmSettings,
  accountId: string,
) {
  const row = await findAccount(db, actor.orgId, accountId);
  if (!row || !canReadOwned(actor, reach, row.owner_id, { teamRead: settings.repsReadTeamAccounts }))
    throw notFound('Account');
  return row;
}

export async function assertAssignable(
  db: Executor,
  actor: Actor,
  reach: Reach,
  ownerId: string,
  field = 'ownerId',
): Promise<void> {
  if (
    !canAssignTo(actor, reach, ownerId) ||
    !(await activeMembers(db, actor.orgId, [ownerId])).has(ownerId)
  ) {
    throw invalidField(field, 'must be you or someone in the teams you manage');
  }
}

/** The values of an account list query (bound into its compiled template; see `shapedQuery`). */
interface AccountListArgs extends ShapeArgs {
  orgId: string;
  owners?: string[];
  ownerId?: string;
  teamId?: string;
  territory?: string;
  tier?: AccountListQuery['tier'];
  status?: AccountListQuery['status'];
  pattern?: string;
  cursorValue?: string | number;
  cursorId?: string;
  /** The page's limit + 1 (not an argument of the count). */
  pageLimit?: number;
}
type AccountListRow = AccountRow & { matched?: number | string | null; org_settings?: string | null };
/** What changes the SQL of an account list query: the filters present, the sort and the part. */
interface AccountListShape {
  filters: string;
  sort: AccountListQuery['sort'];
  dir: 'asc' | 'desc';
  cursor: boolean;
  part: 'combined' | 'page' | 'count';
  /** The page carries the org's stored settings (`org_settings`), for actors not given them before. */
  settings: boolean;
}

/** The org's stored settings as a column (a scalar subquery, evaluated once per statement). */
function orgSettingsOf(db: Executor, orgId: string) {
  return db.selectFrom('orgs').select('settings').where('orgs.id', '=', orgId).as('org_settings');
}

function accountSortColumn(sort: AccountListQuery['sort']): RawBuilder<string | number> {
  return sort === 'name'
    ? sql<string>`a.name_lower`
    : sort === 'createdAt'
      ? sql<number>`a.created_at`
      : sql<number>`coalesce(a.last_activity_at, 0)`;
}

/**
 * The account list's queries, built and compiled by Kysely once per shape (filters present, sort,
 * list length) and then only bound: building this CTE costs more CPU than PostgreSQL takes to run it
 * at dataset S. `combined` is one statement and one scan for every list of up to COUNT_CAP accounts:
 * `m` = (sort key, id) of every matching account, at most COUNT_CAP + 1 of them; its size is the
 * count, and the page is the first limit + 1 of `m` in sort order after the cursor, joined back to
 * the accounts and owners by primary key. Only when `m` is full (more than COUNT_CAP match, so it is
 * not all of them) does the page need its own sorted scan over every match (`page`, with `count`
 * when the count is unknown).
 */
const accountListQuery = shapedQuery(
  (db: Executor, args: AccountListArgs, shape: AccountListShape) => {
    // The accounts that match, on accounts alone (every account has an owner, so no join is needed).
    let c = db.selectFrom('accounts as a').where('a.org_id', '=', args.orgId);
    if (args.owners) c = c.where('a.owner_id', 'in', args.owners);
    if (args.ownerId !== undefined) c = c.where('a.owner_id', '=', args.ownerId);
    if (args.teamId !== undefined)
      c = c.where('a.owner_id', 'in', teamMembersQuery(db, args.orgId, args.teamId));
    if (args.territory !== undefined) c = c.where('a.territory', '=', args.territory);
    if (args.tier !== undefined) c = c.where('a.tier', '=', args.tier);
    if (args.status !== undefined) c = c.where('a.status', '=', args.status);
    if (args.pattern !== undefined) c = c.where(sql<boolean>`a.name_lower like ${args.pattern} escape '\\'`);
    const sortColumn = accountSortColumn(shape.sort);
    const { dir } = shape;
    if (shape.part === 'count') return c.select(sql<number>`1`.as('one')).limit(COUNT_CAP + 1);
    if (shape.part === 'page') {
      let ids = c.select('a.id');
      if (shape.cursor)
        ids = ids.where((eb) => afterKey(eb, sortColumn, sql`a.id`, args.cursorValue!, args.cursorId!, dir));
      return accountsQuery(db, args.orgId)
        .select(accountColumns)
        .$if(shape.settings, (q) => q.select(orgSettingsOf(db, args.orgId)))
        .where('a.id', 'in', ids.orderBy(sortColumn, dir).orderBy('a.id', dir).limit(args.pageLimit!))
        .orderBy(sortColumn, dir)
        .orderBy('a.id', dir);
    }
    const matching = c.select([sortColumn.as('k'), 'a.id']).limit(COUNT_CAP + 1);
    return db
      .with('m', () => matching)
      .selectFrom('accounts as a')
      .innerJoin('users as u', 'u.id', 'a.owner_id')
      .select(accountColumns)
      .select((eb) => eb.selectFrom('m').select(eb.fn.countAll<number | string>().as('n')).as('matched'))
      .$if(shape.settings, (q) => q.select(orgSettingsOf(db, args.orgId)))
      .where('a.org_id', '=', args.orgId)
      .where('a.id', 'in', (eb) => {
        let ids = eb.selectFrom('m').select('m.id');
        if (shape.cursor)
          ids = ids.where((w) => afterKey(w, sql`m.k`, sql`m.id`, args.cursorValue!, args.cursorId!, dir));
        return ids.orderBy(sql`m.k`, dir).orderBy('m.id', dir).limit(args.pageLimit!);
      })
      .orderBy(sortColumn, dir)
      .orderBy('a.id', dir);
  },
  (shape) =>
    `${shape.part}|${shape.filters}|${shape.sort}|${shape.dir}|${shape.cursor ? 1 : 0}|${shape.settings ? 1 : 0}`,
);

export async function listAccounts(
  deps: Deps,
  actor: Actor,
  reachOrPromise: Reach | Promise<Reach>,
  input: AccountListQuery,
) {
  const db = deps.db.kysely;
  // The CRM settings give each row its next visit due and a rep's owner filter. A rep's are read
  // with the reach (at the same time: one round trip on PostgreSQL); anyone else's come with the
  // page, as a column of its statement (one query less).
  const [repSettings, reach] = await Promise.all([
    actor.role === 'rep' ? loadCrmSettings(db, actor.orgId) : undefined,
    reachOrPromise,
  ]);
  const owners = readableOwnerIds(actor, reach, { teamRead: repSettings?.repsReadTeamAccounts });
  const cursor = input.cursor ? decodeCursor(input.cursor) : undefined;
  // The count reads the filters only; the page also its limit and the cursor.
  const args: AccountListArgs = { orgId: actor.orgId };
  let filters = '';
  const filter = (key: string, name: keyof AccountListArgs, value: string | string[] | undefined | null) => {
    if (value === undefined || value === null || value === '') return;
    (args as Record<string, unknown>)[name] = value;
    filters += key;
  };
  filter('o', 'owners', owners);
  filter('u', 'ownerId', input.ownerId);
  filter('t', 'teamId', input.teamId);
  filter('r', 'territory', input.territory);
  filter('i', 'tier', input.tier);
  filter('s', 'status', input.status);
  filter('q', 'pattern', input.q ? likePattern(input.q) : undefined);
  const countArgs = { ...args };
  args.pageLimit = input.limit + 1;
  if (cursor) {
    args.cursorValue = cursor.sortValue;
    args.cursorId = cursor.id;
  }
  const shape = (part: AccountListShape['part']): AccountListShape => ({
    filters,
    sort: input.sort,
    dir: input.dir,
    cursor: cursor !== undefined,
    part,
    settings: part !== 'count' && repSettings === undefined,
  });
  const read = (part: AccountListShape['part']) =>
    readRows(db, {
      compile: () => accountListQuery(db, part === 'count' ? countArgs : args, shape(part)),
    }) as unknown as Promise<AccountListRow[]>;

  const first = await read('combined');
  let rows = first;
  let matched = first.length > 0 ? Number(first[0]!.matched) : undefined;
  if (matched === undefined || matched > COUNT_CAP) {
    // More than the cap match (or the page after the cursor is empty, which leaves the count
    // unknown): the page sorts the ids of every match and fetches its rows by primary key.
    const counted = matched === undefined ? read('count').then((r) => r.length) : matched;
    [rows, matched] = await Promise.all([read('page'), counted]);
  }
  const sortValueOf = (r: (typeof rows)[number]) =>
    input.sort === 'name'
      ? r.name.toLowerCase()
      : input.sort === 'createdAt'
        ? r.created_at
        : (r.last_activity_at ?? 0);
  const result = pageOf(rows, input.limit, (r) => encodeCursor(sortValueOf(r), r.id));
  // Without rows nothing needs the settings.
  const settings =
    repSettings ??
    (rows.length > 0 ? crmSettingsFromStored(actor.orgId, rows[0]!.org_settings ?? null) : undefined);
  return {
    items: result.items.map((r) => toAccountResponse(r, settings!, canWriteOwned(actor, reach, r.owner_id))),
    nextCursor: result.nextCursor,
    total: matched > COUNT_CAP ? { value: COUNT_CAP, capped: true } : { value: matched, capped: false },
  };
}

export async function getAccount(
  deps: Deps,
  actor: Actor,
  reach: Reach,
  accountId: string,
): Promise<AccountResponse> {
  const settings = await loadCrmSettings(deps.db.kysely, actor.orgId);
  const row = await readableAccount(deps.db.kysely, actor, reach, settings, accountId);
  return toAccountResponse(row, settings, canWriteOwned(actor, reach, row.owner_id));
}

function accountValues(input: AccountUpdateInput) {
  const values: Record<string, unknown> = {};
  const map: [keyof AccountUpdateInput, string][] = [
    ['name', 'name'],
    ['street', 'street'],
    ['city', 'city'],
    ['region', 'region'],
    ['postalCode', 'postal_code'],
    ['country', 'country'],
    ['latitude', 'latitude'],
    ['longitude', 'longitude'],
    ['territory', 'territory'],
    ['industry', 'industry'],
    ['tier', 'tier'],
    ['status', 'status'],
    ['ownerId', 'owner_id'],
    ['externalSource', 'external_source'],
    ['externalId', 'external_id'],
  ];
  for (const [key, column] of map) if (input[key] !== undefined) values[column] = input[key];
  if (typeof input.name === 'string') values.name_lower = input.name.toLowerCase();
  return values;
}

async function assertExternalIdFree(
  db: Executor,
  orgId: string,
  source: string | null | undefined,
  externalId: string | null | undefined,
  exceptId?: string,
) {
  if (!source || !externalId) return;
  let q = db
    .selectFrom('accounts')
    .select('id')
    .where('org_id', '=', orgId)
    .where('external_source', '=', source)
    .where('external_id', '=', externalId);
  if (exceptId) q = q.where('id', '!=', exceptId);
  if (await q.executeTakeFirst())
    throw invalidField('externalId', `another account already has ${source} id ${externalId}`);
}

export async function createAccount(
  deps: Deps,
  actor: Actor,
  reach: Reach,
  input: AccountCreateInput,
): Promise<AccountResponse> {
  return deps.db.kysely.transaction().execute(async (trx) => {
    const ownerId = input.ownerId ?? actor.userId;
    await assertAssignable(trx, actor, reach, ownerId);
    await assertExternalIdFree(trx, actor.orgId, input.externalSource, input.externalId);
    const now = deps.clock.now();
    const id = newId();
    await trx
      .insertInto('accounts')
      .values({
        org_id: actor.orgId,
        id,
        name: input.name,
        name_lower: input.name.toLowerCase(),
        street: input.street ?? null,
        city: input.city ?? null,
        region: input.region ?? null,
        postal_code: input.postalCode ?? null,
        country: input.country ?? null,
        latitude: input.latitude ?? null,
        longitude: input.longitude ?? null,
        territory: input.territory ?? null,
        industry: input.industry ?? null,
        tier: input.tier ?? null,
        status: input.status ?? 'active',
        owner_id: ownerId,
        external_source: input.externalSource ?? null,
        external_id: input.externalId ?? null,
        last_activity_at: null,
        created_at: now,
        updated_at: now,
      })
      .execute();
    await audit(trx, deps, actor, 'account', id, 'create', { name: input.name, ownerId });
    const settings = await loadCrmSettings(trx, actor.orgId);
    return toAccountResponse((await findAccount(trx, actor.orgId, id))!, settings, true);
  });
}

export async function updateAccount(
  deps: Deps,
  actor: Actor,
  reach: Reach,
  accountId: string,
  input: AccountUpdateInput,
): Promise<AccountResponse> {
  return deps.db.kysely.transaction().execute(async (trx) => {
    const settings = await loadCrmSettings(trx, actor.orgId);
    const before = await readableAccount(trx, actor, reach, settings, accountId);
    if (!canWriteOwned(actor, reach, before.owner_id)) throw notFound('Account');
    if (input.ownerId !== undefined && input.ownerId !== before.owner_id)
      await assertAssignable(trx, actor, reach, input.ownerId);
    const lat = input.latitude === undefined ? before.latitude : input.latitude;
    const lng = input.longitude === undefined ? before.longitude : input.longitude;
    if ((lat === null) !== (lng === null))
      throw invalidField(lat === null ? 'latitude' : 'longitude', 'give latitude and longitude together');
    await assertExternalIdFree(
      trx,
      actor.orgId,
      input.externalSource === undefined ? before.external_source : input.externalSource,
      input.externalId === undefined ? before.external_id : input.externalId,
      accountId,
    );
    await trx
      .updateTable('accounts')
      .set({ ...accountValues(input), updated_at: deps.clock.now() })
      .where('org_id', '=', actor.orgId)
      .where('id', '=', accountId)
      .execute();
    await audit(
      trx,
      deps,
      actor,
      'account',
      accountId,
      'update',
      diff(
        {
          name: before.name,
          ownerId: before.owner_id,
          tier: before.tier,
          status: before.status,
          territory: before.territory,
          latitude: before.latitude,
          longitude: before.longitude,
        },
        input as Record<string, unknown>,
      ),
    );
    return toAccountResponse((await findAccount(trx, actor.orgId, accountId))!, settings, true);
  });
}

export const nearbyQuery = z.object({
  lat: z.coerce.number().min(-90).max(90),
  lng: z.coerce.number().min(-180).max(180),
  radiusKm: z.coerce.number().min(0.1).max(500).default(25),
  limit: z.coerce.number().int().min(1).max(50).default(10),
});

/**
 * Accounts near a position, nearest first, among those the actor may read. A bounding box keeps
 * the SQL simple and index-friendly on both engines; exact haversine distance orders the result.
 */
export async function nearbyAccounts(
  deps: Deps,
  actor: Actor,
  reach: Reach,
  input: z.infer<typeof nearbyQuery>,
) {
  const db = deps.db.kysely;
  const settings = await loadCrmSettings(db, actor.orgId);
  const owners = readableOwnerIds(actor, reach, { teamRead: settings.repsReadTeamAccounts });
  const dLat = input.radiusKm / 111.2;
  const dLng = input.radiusKm / (111.2 * Math.max(0.01, Math.cos((input.lat * Math.PI) / 180)));
  let q = accountsQuery(db, actor.orgId)
    .select(accountColumns)
    .where('a.status', '!=', 'inactive')
    .where('a.latitude', '>=', input.lat - dLat)
    .where('a.latitude', '<=', input.lat + dLat)
    .where('a.longitude', '>=', input.lng - dLng)
    .where('a.longitude', '<=', input.lng + dLng);
  if (owners) q = q.where('a.owner_id', 'in', owners);
  const rows = await q.limit(2000).execute();
  return {
    items: rows
      .map((r) => ({
        row: r,
        distanceM: haversineMeters(
          { lat: input.lat, lng: input.lng },
          { lat: r.latitude!, lng: r.longitude! },
        ),
      }))
      .filter((x) => x.distanceM <= input.radiusKm * 1000)
      .sort((a, b) => a.distanceM - b.distanceM)
      .slice(0, input.limit)
      .map((x) => ({
        ...toAccountResponse(x.row, settings, canWriteOwned(actor, reach, x.row.owner_id)),
        distanceM: Math.round(x.distanceM),
      })),
  };
}
