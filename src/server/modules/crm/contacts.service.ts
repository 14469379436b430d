import { sql } from 'kysely';
import type { z } from 'zod';
import type { Deps } from '../../context.ts';
import type { Executor } from '../../db/database.ts';
import { invalidField, notFound } from '../../lib/errors.ts';
import { newId } from '../../lib/ids.ts';
import { decodeCursor, encodeCursor, pageOf } from '../../lib/pagination.ts';
import { type Actor, canWriteOwned, type Reach, readableOwnerIds } from '../../policy/policy.ts';
import { audit, diff } from '../audit/audit.service.ts';
import { readableAccount } from './accounts.service.ts';
import { afterKey, cappedCount, externalIdTaken, likePattern } from './crm.repository.ts';
import {
  type contactCreateBody,
  type contactListQuery,
  type contactUpdateBody,
  toContactResponse,
} from './crm.schemas.ts';
import { accountTeamRead, loadCrmSettings } from './crm-settings.service.ts';

const contactColumns = [
  'c.id',
  'c.account_id',
  'a.name as account_name',
  'a.owner_id',
  'c.name',
  'c.title',
  'c.email',
  'c.phone',
  'c.external_source',
  'c.external_id',
  'c.created_at',
] as const;

function contactsQuery(db: Executor, orgId: string) {
  return db
    .selectFrom('contacts as c')
    .innerJoin('accounts as a', (j) =>
      j.onRef('a.org_id', '=', 'c.org_id').onRef('a.id', '=', 'c.account_id'),
    )
    .where('c.org_id', '=', orgId);
}

/** A contact is visible and editable exactly as its account is. */
async function contactWithAccess(db: Executor, actor: Actor, reach: Reach, contactId: string) {
  const row = await contactsQuery(db, actor.orgId)
    .select(contactColumns)
    .where('c.id', '=', contactId)
    .executeTakeFirst();
  if (!row) throw notFound('Contact');
  const settings = await loadCrmSettings(db, actor.orgId);
  await readableAccount(db, actor, reach, settings, row.account_id).catch(() => {
    throw notFound('Contact');
  });
  return row;
}

export async function getContact(deps: Deps, actor: Actor, reach: Reach, contactId: string) {
  const row = await contactWithAccess(deps.db.kysely, actor, reach, contactId);
  return toContactResponse(row, canWriteOwned(actor, reach, row.owner_id));
}

export async function listContacts(
  deps: Deps,
  actor: Actor,
  reach: Reach,
  input: z.infer<typeof contactListQuery>,
) {
  const db = deps.db.kysely;
  const owners = readableOwnerIds(actor, reach, { teamRead: await accountTeamRead(db, actor) });
  let q = contactsQuery(db, actor.orgId);
  if (owners) q = q.where('a.owner_id', 'in', owners);
  if (input.accountId) q = q.where('c.account_id', '=', input.accountId);
  if (input.ownerId) q = q.where('a.owner_id', '=', input.ownerId);
  if (input.q) q = q.where(sql<boolean>`c.name_lower like ${likePattern(input.q)} escape '\\'`);
  const counted = q.select(sql<number>`1`.as('one')).limit(1001).execute();
  let page = q.select(contactColumns);
  if (input.cursor) {
    const c = decodeCursor(input.cursor);
    page = page.where((eb) => afterKey(eb, sql`c.name_lower`, sql`c.id`, c.sortValue, c.id, 'asc'));
  }
  const [rows, countRows] = await Promise.all([
    page
      .orderBy('c.name_lower')
      .orderBy('c.id')
      .limit(input.limit + 1)
      .execute(),
    counted,
  ]);
  const result = pageOf(rows, input.limit, (r) => encodeCursor(r.name.toLowerCase(), r.id));
  return {
    items: result.items.map((r) => toContactResponse(r, canWriteOwned(actor, reach, r.owner_id))),
    nextCursor: result.nextCursor,
    total: cappedCount(countRows),
  };
}

async function writableAccount(db: Executor, actor: Actor, reach: Reach, accountId: string, field: string) {
  const settings = await loadCrmSettings(db, actor.orgId);
  const account = await readableAccount(db, actor, reach, settings, accountId).catch(() => undefined);
  if (!account || !canWriteOwned(actor, reach, account.owner_id))
    throw invalidField(field, 'is not an account you can edit');
  return account;
}

export async function createContact(
  deps: Deps,
  actor: Actor,
  reach: Reach,
  input: z.infer<typeof contactCreateBody>,
) {
  return deps.db.kysely.transaction().execute(async (trx) => {
    await writableAccount(trx, actor, reach, input.accountId, 'accountId');
    if (await externalIdTaken(trx, 'contacts', actor.orgId, input.externalSource, input.externalId))
      throw invalidField(
        'externalId',
        `another contact already has ${input.externalSource} id ${input.externalId}`,
      );
    const now = deps.clock.now();
    const id = newId();
    await trx
      .insertInto('contacts')
      .values({
        org_id: actor.orgId,
        id,
        account_id: input.accountId,
        name: input.name,
        name_lower: input.name.toLowerCase(),
        title: input.title ?? null,
        email: input.email ?? null,
        phone: input.phone ?? null,
        external_source: input.externalSource ?? null,
        external_id: input.externalId ?? null,
        created_at: now,
        updated_at: now,
      })
      .execute();
    await audit(trx, deps, actor, 'contact', id, 'create', { name: input.name, accountId: input.accountId });
    return toContactResponse(
      (await contactsQuery(trx, actor.orgId)
        .select(contactColumns)
        .where('c.id', '=', id)
        .executeTakeFirst())!,
      true,
    );
  });
}

export async function updateContact(
  deps: Deps,
  actor: Actor,
  reach: Reach,
  contactId: string,
  input: z.infer<typeof contactUpdateBody>,
) {
  return deps.db.kysely.transaction().execute(async (trx) => {
    const before = await contactWithAccess(trx, actor, reach, contactId);
    if (!canWriteOwned(actor, reach, before.owner_id)) throw notFound('Contact');
    if (input.accountId && input.accountId !== before.account_id)
      await writableAccount(trx, actor, reach, input.accountId, 'accountId');
    const source = input.externalSource === undefined ? before.external_source : input.externalSource;
    const externalId = input.externalId === undefined ? before.external_id : input.externalId;
    if (await externalIdTaken(trx, 'contacts', actor.orgId, source, externalId, contactId))
      throw invalidField('externalId', `another contact already has ${source} id ${externalId}`);
    const values: Record<string, unknown> = { updated_at: deps.clock.now() };
    if (input.accountId !== undefined) values.account_id = input.accountId;
    if (input.name !== undefined) {
      values.name = input.name;
      values.name_lower = input.name.toLowerCase();
    }
    if (input.title !== undefined) values.title = input.title;
    if (input.email !== undefined) values.email = input.email;
    if (input.phone !== undefined) values.phone = input.phone;
    if (input.externalSource !== undefined) values.external_source = input.externalSource;
    if (input.externalId !== undefined) values.external_id = input.externalId;
    await trx
      .updateTable('contacts')
      .set(values)
      .where('org_id', '=', actor.orgId)
      .where('id', '=', contactId)
      .execute();
    await audit(
      trx,
      deps,
      actor,
      'contact',
      contactId,
      'update',
      diff(
        {
          name: before.name,
          title: before.title,
          email: before.email,
          phone: before.phone,
          accountId: before.account_id,
          externalSource: before.external_source,
          externalId: before.external_id,
        },
        input,
      ),
    );
    return toContactResponse(
      (await contactsQuery(trx, actor.orgId)
        .select(contactColumns)
        .where('c.id', '=', contactId)
        .executeTakeFirst())!,
      true,
    );
  });
}
