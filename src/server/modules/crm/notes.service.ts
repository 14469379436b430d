import type { z } from 'zod';
import type { Deps } from '../../context.ts';
import type { Executor } from '../../db/database.ts';
import { notFound } from '../../lib/errors.ts';
import { newId } from '../../lib/ids.ts';
import type { Actor, Reach } from '../../policy/policy.ts';
import { audit } from '../audit/audit.service.ts';
import { getAccount } from './accounts.service.ts';
import { getContact } from './contacts.service.ts';
import type { noteCreateBody, noteEntity, noteListQuery, noteUpdateBody } from './crm.schemas.ts';
import { getDeal } from './deals.service.ts';

type NoteEntity = z.infer<typeof noteEntity>;

/** Notes follow their record: whoever can read the account, contact or deal reads its notes. */
async function assertCanReadEntity(
  deps: Deps,
  actor: Actor,
  reach: Reach,
  type: NoteEntity,
  id: string,
): Promise<void> {
  switch (type) {
    case 'account':
      await getAccount(deps, actor, reach, id);
      return;
    case 'contact':
      await getContact(deps, actor, reach, id);
      return;
    case 'deal':
      await getDeal(deps, actor, reach, id);
      return;
    default: {
      const never: never = type;
      throw new Error(`unknown note entity ${String(never)}`);
    }
  }
}

function notesQuery(db: Executor, orgId: string) {
  return db
    .selectFrom('notes as n')
    .innerJoin('users as u', 'u.id', 'n.author_id')
    .select([
      'n.id',
      'n.entity_type',
      'n.entity_id',
      'n.author_id',
      'u.name as author_name',
      'n.body',
      'n.created_at',
      'n.updated_at',
    ])
    .where('n.org_id', '=', orgId);
}

function toNoteResponse(
  row: Awaited<ReturnType<ReturnType<typeof notesQuery>['executeTakeFirstOrThrow']>>,
  actor: Actor,
) {
  return {
    id: row.id,
    entityType: row.entity_type,
    entityId: row.entity_id,
    author: { id: row.author_id, name: row.author_name },
    body: row.body,
    createdAt: new Date(row.created_at).toISOString(),
    updatedAt: new Date(row.updated_at).toISOString(),
    canEdit: row.author_id === actor.userId || actor.role === 'admin',
  };
}

export async function listNotes(
  deps: Deps,
  actor: Actor,
  reach: Reach,
  input: z.infer<typeof noteListQuery>,
) {
  await assertCanReadEntity(deps, actor, reach, input.entityType, input.entityId).catch(() => {
    throw notFound(
      input.entityType === 'account' ? 'Account' : input.entityType === 'deal' ? 'Deal' : 'Contact',
    );
  });
  const rows = await notesQuery(deps.db.kysely, actor.orgId)
    .where('n.entity_type', '=', input.entityType)
    .where('n.entity_id', '=', input.entityId)
    .orderBy('n.created_at', 'desc')
    .limit(200)
    .execute();
  return { items: rows.map((r) => toNoteResponse(r, actor)) };
}

export async function createNote(
  deps: Deps,
  actor: Actor,
  reach: Reach,
  input: z.infer<typeof noteCreateBody>,
) {
  await assertCanReadEntity(deps, actor, reach, input.entityType, input.entityId);
  return deps.db.kysely.transaction().execute(async (trx) => {
    const now = deps.clock.now();
    const id = newId();
    await trx
      .insertInto('notes')
      .values({
        org_id: actor.orgId,
        id,
        entity_type: input.entityType,
        entity_id: input.entityId,
        author_id: actor.userId,
        body: input.body,
        created_at: now,
        updated_at: now,
      })
      .execute();
    await audit(trx, deps, actor, 'note', id, 'create', {
      entityType: input.entityType,
      entityId: input.entityId,
    });
    return toNoteResponse(
      await notesQuery(trx, actor.orgId).where('n.id', '=', id).executeTakeFirstOrThrow(),
      actor,
    );
  });
}

/** Only the author edits a note; the author or an admin deletes it. */
export async function updateNote(
  deps: Deps,
  actor: Actor,
  noteId: string,
  input: z.infer<typeof noteUpdateBody>,
) {
  return deps.db.kysely.transaction().execute(async (trx) => {
    const before = await notesQuery(trx, actor.orgId).where('n.id', '=', noteId).executeTakeFirst();
    if (!before || before.author_id !== actor.userId) throw notFound('Note');
    await trx
      .updateTable('notes')
      .set({ body: input.body, updated_at: deps.clock.now() })
      .where('org_id', '=', actor.orgId)
      .where('id', '=', noteId)
      .execute();
    await audit(trx, deps, actor, 'note', noteId, 'update', {});
    return toNoteResponse(
      await notesQuery(trx, actor.orgId).where('n.id', '=', noteId).executeTakeFirstOrThrow(),
      actor,
    );
  });
}

export async function deleteNote(deps: Deps, actor: Actor, noteId: string): Promise<void> {
  await deps.db.kysely.transaction().execute(async (trx) => {
    const before = await notesQuery(trx, actor.orgId).where('n.id', '=', noteId).executeTakeFirst();
    if (!before || (before.author_id !== actor.userId && actor.role !== 'admin')) throw notFound('Note');
    await trx.deleteFrom('notes').where('org_id', '=', actor.orgId).where('id', '=', noteId).execute();
    await audit(trx, deps, actor, 'note', noteId, 'delete', {
      entityType: before.entity_type,
      entityId: before.entity_id,
    });
  });
}
