import { z } from 'zod';
import type { DigestFrequency, NotificationsTable } from '../../db/schema.ts';
import { pageQuery } from '../../lib/pagination.ts';
import { iso, isoOrNull } from '../identity/identity.schemas.ts';

/**
 * Every kind of notification, with its defaults. Capabilities that land later call notify() with
 * their category (goal status, feedback, check-ins…); add a category here when a new kind appears.
 * Things that need action email at once by default; the rest wait for a digest.
 */
export const notificationCategories = {
  invitation_accepted: { label: 'Invitation accepted', emailImmediate: false, digest: 'daily' },
  goal_status: { label: 'Goal status changed', emailImmediate: false, digest: 'daily' },
  feedback: { label: 'Feedback received or requested', emailImmediate: true, digest: 'off' },
  checkin: { label: 'Check-in tomorrow', emailImmediate: true, digest: 'off' },
  action_item: { label: 'Action item due', emailImmediate: true, digest: 'off' },
  report_due: { label: 'Report due', emailImmediate: true, digest: 'off' },
  course_due: { label: 'Course due', emailImmediate: false, digest: 'weekly' },
  certification_expiring: { label: 'Certification expiring', emailImmediate: false, digest: 'weekly' },
  approval: { label: 'Approval requested or decided', emailImmediate: true, digest: 'off' },
  review: { label: 'Review step waiting', emailImmediate: true, digest: 'off' },
  challenge: { label: 'Challenge started or ended', emailImmediate: false, digest: 'weekly' },
  playbook: { label: 'Playbook to acknowledge', emailImmediate: false, digest: 'daily' },
} as const satisfies Record<string, { label: string; emailImmediate: boolean; digest: DigestFrequency }>;

export type NotificationCategory = keyof typeof notificationCategories;
export const categoryNames = Object.keys(notificationCategories) as [
  NotificationCategory,
  ...NotificationCategory[],
];
export const categorySchema = z.enum(categoryNames);
export const digestFrequencies = ['daily', 'weekly', 'off'] as const;

/** In-app links are paths inside Outfield: never another site, never a javascript: URL. */
export const appLinkSchema = z
  .string()
  .max(500)
  .regex(/^\/(?!\/)[^\s\\]*$/, 'must be a path inside Outfield, such as /goals/123');

export const notifyInputSchema = z.object({
  orgId: z.string().min(1),
  userId: z.string().min(1),
  category: categorySchema,
  title: z.string().trim().min(1).max(200),
  body: z.string().max(2000).default(''),
  link: appLinkSchema.nullable().optional(),
});
export type NotifyInput = z.input<typeof notifyInputSchema>;

export const notificationListQuery = z.object({
  unread: z.stringbool().optional().describe('true: unread only'),
  ...pageQuery,
});

export const notificationResponse = z.object({
  id: z.string(),
  // Plain string: rows written under a category that was later renamed still list.
  category: z.string(),
  title: z.string(),
  body: z.string(),
  link: z.string().nullable(),
  read: z.boolean(),
  readAt: z.string().nullable(),
  createdAt: z.string(),
});

export const notificationPage = z.object({
  items: z.array(notificationResponse),
  unreadCount: z.number().int(),
  nextCursor: z.string().nullable(),
});

export type NotificationRow = Pick<
  NotificationsTable,
  'id' | 'category' | 'title' | 'body' | 'link' | 'read_at' | 'created_at'
>;

export function toNotificationResponse(row: NotificationRow): z.infer<typeof notificationResponse> {
  return {
    id: row.id,
    category: row.category,
    title: row.title,
    body: row.body,
    link: row.link,
    read: row.read_at !== null,
    readAt: isoOrNull(row.read_at),
    createdAt: iso(row.created_at),
  };
}

export const preferenceItem = z.object({
  category: categorySchema,
  emailImmediate: z.boolean(),
  digest: z.enum(digestFrequencies),
});

export const preferencesResponse = z.object({
  /** False when the server has no SMTP_URL: preferences are kept but nothing is emailed. */
  emailEnabled: z.boolean(),
  items: z.array(preferenceItem.extend({ label: z.string() })),
});

export const preferencesUpdateBody = z.object({ items: z.array(preferenceItem).min(1).max(50) }).strict();

export const unsubscribeQuery = z.object({ token: z.string().min(10).max(500) });
