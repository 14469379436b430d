import type { Executor } from '../../db/database.ts';
import type { DigestFrequency, Flag } from '../../db/schema.ts';
import type { NotificationRow } from './notifications.schemas.ts';

const columns = ['id', 'category', 'title', 'body', 'link', 'read_at', 'created_at'] as const;

export async function insertNotification(
  db: Executor,
  row: {
    orgId: string;
    id: string;
    userId: string;
    category: string;
    title: string;
    body: string;
    link: string | null;
    createdAt: number;
  },
): Promise<void> {
  await db
    .insertInto('notifications')
    .values({
      org_id: row.orgId,
      id: row.id,
      user_id: row.userId,
      category: row.category,
      title: row.title,
      body: row.body,
      link: row.link,
      read_at: null,
      created_at: row.createdAt,
    })
    .execute();
}

/** Newest first (ids are UUIDv7, so id order is creation order). */
export async function listNotifications(
  db: Executor,
  f: { orgId: string; userId: string; unreadOnly: boolean; beforeId?: string | undefined; limit: number },
): Promise<NotificationRow[]> {
  let q = db
    .selectFrom('notifications')
    .select(columns)
    .where('org_id', '=', f.orgId)
    .where('user_id', '=', f.userId);
  if (f.unreadOnly) q = q.where('read_at', 'is', null);
  if (f.beforeId) q = q.where('id', '<', f.beforeId);
  return q
    .orderBy('id', 'desc')
    .limit(f.limit + 1)
    .execute();
}

export async function countUnread(db: Executor, orgId: string, userId: string): Promise<number> {
  const row = await db
    .selectFrom('notifications')
    .select((eb) => eb.fn.countAll<number>().as('n'))
    .where('org_id', '=', orgId)
    .where('user_id', '=', userId)
    .where('read_at', 'is', null)
    .executeTakeFirstOrThrow();
  return Number(row.n);
}

export async function findNotification(
  db: Executor,
  orgId: string,
  userId: string,
  id: string,
): Promise<NotificationRow | undefined> {
  return db
    .selectFrom('notifications')
    .select(columns)
    .where('org_id', '=', orgId)
    .where('user_id', '=', userId)
    .where('id', '=', id)
    .executeTakeFirst();
}

export async function markRead(
  db: Executor,
  orgId: string,
  userId: string,
  ids: string[] | 'all',
  now: number,
): Promise<number> {
  let q = db
    .updateTable('notifications')
    .set({ read_at: now })
    .where('org_id', '=', orgId)
    .where('user_id', '=', userId)
    .where('read_at', 'is', null);
  if (ids !== 'all') q = q.where('id', 'in', ids);
  const result = await q.executeTakeFirst();
  return Number(result.numUpdatedRows);
}

export interface StoredPreference {
  category: string;
  email_immediate: Flag;
  digest: DigestFrequency;
}

export async function listPreferences(
  db: Executor,
  orgId: string,
  userId: string,
): Promise<StoredPreference[]> {
  return db
    .selectFrom('notification_preferences')
    .select(['category', 'email_immediate', 'digest'])
    .where('org_id', '=', orgId)
    .where('user_id', '=', userId)
    .execute();
}

export async function upsertPreference(
  db: Executor,
  row: {
    orgId: string;
    userId: string;
    category: string;
    emailImmediate: Flag;
    digest: DigestFrequency;
    now: number;
  },
): Promise<void> {
  await db
    .insertInto('notification_preferences')
    .values({
      org_id: row.orgId,
      user_id: row.userId,
      category: row.category,
      email_immediate: row.emailImmediate,
      digest: row.digest,
      updated_at: row.now,
    })
    .onConflict((oc) =>
      oc.columns(['org_id', 'user_id', 'category']).doUpdateSet({
        email_immediate: row.emailImmediate,
        digest: row.digest,
        updated_at: row.now,
      }),
    )
    .execute();
}

/** The recipient of a notification, if still an active member of the org. */
export async function findActiveRecipient(
  db: Executor,
  orgId: string,
  userId: string,
): Promise<{ email: string; name: string; time_zone: string } | undefined> {
  return db
    .selectFrom('memberships as m')
    .innerJoin('users as u', 'u.id', 'm.user_id')
    .select(['u.email', 'u.name', 'u.time_zone'])
    .where('m.org_id', '=', orgId)
    .where('m.user_id', '=', userId)
    .where('m.active', '=', 1)
    .executeTakeFirst();
}
