import type { z } from 'zod';
import type { Deps } from '../../context.ts';
import type { Executor } from '../../db/database.ts';
import { fromFlag, toFlag } from '../../db/database.ts';
import type { DigestFrequency } from '../../db/schema.ts';
import { enqueueJob } from '../../jobs/job-queue.ts';
import { notFound } from '../../lib/errors.ts';
import { newId } from '../../lib/ids.ts';
import { decodeCursor, encodeCursor, pageOf } from '../../lib/pagination.ts';
import type { Actor } from '../../policy/policy.ts';
import {
  countUnread,
  findActiveRecipient,
  findNotification,
  insertNotification,
  listNotifications,
  listPreferences,
  markRead,
  upsertPreference,
} from './notifications.repository.ts';
import {
  categoryNames,
  type NotificationCategory,
  type NotifyInput,
  notificationCategories,
  type notificationListQuery,
  notifyInputSchema,
  type preferencesUpdateBody,
  toNotificationResponse,
} from './notifications.schemas.ts';

export const NOTIFICATION_EMAIL_JOB = 'notifications.email';

export interface Preference {
  category: NotificationCategory;
  emailImmediate: boolean;
  digest: DigestFrequency;
}

/** Effective preferences: stored choices over the category defaults, in category order. */
export async function effectivePreferences(
  db: Executor,
  orgId: string,
  userId: string,
): Promise<Preference[]> {
  const stored = new Map((await listPreferences(db, orgId, userId)).map((p) => [p.category, p]));
  return categoryNames.map((category) => {
    const s = stored.get(category);
    const d = notificationCategories[category];
    return s
      ? { category, emailImmediate: fromFlag(s.email_immediate), digest: s.digest }
      : { category, emailImmediate: d.emailImmediate, digest: d.digest };
  });
}

/**
 * Tells a user something, inside the caller's transaction (so a rolled-back write notifies no one).
 * When the user wants this category by email at once, the email job is enqueued in the same
 * transaction and sent after commit (outbox). Deactivated members are not notified. Returns the
 * notification id, or null when nobody was notified.
 *
 * This is the hook every capability uses: `notify(trx, deps, { orgId, userId, category, title, body, link })`.
 */
export async function notify(
  trx: Executor,
  deps: Pick<Deps, 'clock'>,
  input: NotifyInput,
): Promise<string | null> {
  const n = notifyInputSchema.parse(input);
  const recipient = await findActiveRecipient(trx, n.orgId, n.userId);
  if (!recipient) return null;
  const id = newId();
  await insertNotification(trx, {
    orgId: n.orgId,
    id,
    userId: n.userId,
    category: n.category,
    title: n.title,
    body: n.body,
    link: n.link ?? null,
    createdAt: deps.clock.now(),
  });
  const prefs = await effectivePreferences(trx, n.orgId, n.userId);
  if (prefs.find((p) => p.category === n.category)?.emailImmediate) {
    await enqueueJob(trx, deps, {
      name: NOTIFICATION_EMAIL_JOB,
      orgId: n.orgId,
      payload: { notificationId: id, userId: n.userId },
      maxAttempts: 6,
    });
  }
  return id;
}

export async function listMyNotifications(
  deps: Deps,
  actor: Actor,
  input: z.infer<typeof notificationListQuery>,
) {
  const before = input.cursor ? decodeCursor(input.cursor).id : undefined;
  const rows = await listNotifications(deps.db.kysely, {
    orgId: actor.orgId,
    userId: actor.userId,
    unreadOnly: input.unread === true,
    beforeId: before,
    limit: input.limit,
  });
  const page = pageOf(rows, input.limit, (r) => encodeCursor(r.created_at, r.id));
  return {
    items: page.items.map(toNotificationResponse),
    unreadCount: await countUnread(deps.db.kysely, actor.orgId, actor.userId),
    nextCursor: page.nextCursor,
  };
}

/** Marks one of my notifications read (idempotent); someone else's answers 404 like a missing one. */
export async function markNotificationRead(deps: Deps, actor: Actor, id: string) {
  await markRead(deps.db.kysely, actor.orgId, actor.userId, [id], deps.clock.now());
  const row = await findNotification(deps.db.kysely, actor.orgId, actor.userId, id);
  if (!row) throw notFound('Notification');
  return toNotificationResponse(row);
}

export async function markAllNotificationsRead(deps: Deps, actor: Actor) {
  const updated = await markRead(deps.db.kysely, actor.orgId, actor.userId, 'all', deps.clock.now());
  return { updated };
}

export async function getMyPreferences(deps: Deps & { emailEnabled: boolean }, actor: Actor) {
  const prefs = await effectivePreferences(deps.db.kysely, actor.orgId, actor.userId);
  return {
    emailEnabled: deps.emailEnabled,
    items: prefs.map((p) => ({ ...p, label: notificationCategories[p.category].label })),
  };
}

export async function updateMyPreferences(
  deps: Deps & { emailEnabled: boolean },
  actor: Actor,
  input: z.infer<typeof preferencesUpdateBody>,
) {
  const now = deps.clock.now();
  await deps.db.kysely.transaction().execute(async (trx) => {
    for (const item of input.items) {
      await upsertPreference(trx, {
        orgId: actor.orgId,
        userId: actor.userId,
        category: item.category,
        emailImmediate: toFlag(item.emailImmediate),
        digest: item.digest,
        now,
      });
    }
  });
  return getMyPreferences(deps, actor);
}

/**
 * Turns off email for one category (immediate and digest), or every digest when `category` is
 * 'digest'. Used by the signed unsubscribe link, which works without signing in.
 */
export async function unsubscribe(
  deps: Pick<Deps, 'db' | 'clock'>,
  target: { orgId: string; userId: string; category: NotificationCategory | 'digest' },
): Promise<void> {
  const now = deps.clock.now();
  await deps.db.kysely.transaction().execute(async (trx) => {
    const prefs = await effectivePreferences(trx, target.orgId, target.userId);
    for (const p of prefs) {
      if (target.category === 'digest') {
        if (p.digest !== 'off') {
          await upsertPreference(trx, {
            ...target,
            category: p.category,
            emailImmediate: toFlag(p.emailImmediate),
            digest: 'off',
            now,
          });
        }
      } else if (p.category === target.category) {
        await upsertPreference(trx, {
          ...target,
          category: p.category,
          emailImmediate: 0,
          digest: 'off',
          now,
        });
      }
    }
  });
}
