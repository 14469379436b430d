import { sql } from 'kysely';
import { z } from 'zod';
import type { AppConfig } from '../../context.ts';
import { enqueueJob } from '../../jobs/job-queue.ts';
import { defineJob, type JobRegistry } from '../../jobs/job-registry.ts';
import { hashSecret, safeEqual } from '../../lib/secrets.ts';
import type { MailMessage } from '../../ops/mailer.ts';
import { findActiveRecipient } from './notifications.repository.ts';
import {
  categorySchema,
  type NotificationCategory,
  notificationCategories,
} from './notifications.schemas.ts';
import { effectivePreferences, NOTIFICATION_EMAIL_JOB } from './notifications.service.ts';

export const DIGEST_TICK_JOB = 'notifications.digest-tick';
export const DIGEST_JOB = 'notifications.digest';
const DIGEST_LOCAL_HOUR = 7;
const DAY_MS = 86_400_000;
const DIGEST_ITEM_LIMIT = 50;

export type UnsubscribeCategory = NotificationCategory | 'digest';

const tokenBody = z.tuple([z.string(), z.string(), z.union([categorySchema, z.literal('digest')])]);

/**
 * A signed, non-expiring token naming (org, user, category): unsubscribing must work from an old
 * email without signing in, and the signature stops anyone from unsubscribing someone else.
 */
export function unsubscribeToken(
  secret: string,
  orgId: string,
  userId: string,
  category: UnsubscribeCategory,
): string {
  const body = Buffer.from(JSON.stringify([orgId, userId, category])).toString('base64url');
  return `${body}.${hashSecret(secret, `unsubscribe.${body}`)}`;
}

export function readUnsubscribeToken(
  secret: string,
  token: string,
): { orgId: string; userId: string; category: UnsubscribeCategory } | null {
  const [body, signature, extra] = token.split('.');
  if (!body || !signature || extra !== undefined) return null;
  if (!safeEqual(signature, hashSecret(secret, `unsubscribe.${body}`))) return null;
  try {
    const parsed = tokenBody.safeParse(JSON.parse(Buffer.from(body, 'base64url').toString('utf8')));
    if (!parsed.success) return null;
    const [orgId, userId, category] = parsed.data;
    return { orgId, userId, category };
  } catch {
    return null;
  }
}

export function publicBase(config: Pick<AppConfig, 'publicUrl'>): string {
  return (config.publicUrl ?? 'http://localhost:3000').replace(/\/$/, '');
}

function unsubscribeUrl(
  config: AppConfig,
  orgId: string,
  userId: string,
  category: UnsubscribeCategory,
): string {
  return `${publicBase(config)}/api/notifications/unsubscribe?token=${unsubscribeToken(config.sessionSecret, orgId, userId, category)}`;
}

export function escapeHtml(text: string): string {
  return text.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);
}

interface EmailItem {
  title: string;
  body: string;
  link: string | null;
}

/** Plain text and HTML parts of one email, with a one-click unsubscribe (RFC 8058) header. */
export function renderEmail(
  config: AppConfig,
  to: { email: string; name: string },
  subject: string,
  intro: string,
  items: EmailItem[],
  unsubscribe: { url: string; what: string },
): MailMessage {
  const base = publicBase(config);
  const abs = (link: string | null) => (link ? `${base}${link}` : null);
  const text = [
    `Hi ${to.name},`,
    '',
    intro,
    '',
    ...items.flatMap((i) => [
      `* ${i.title}`,
      ...(i.body ? [`  ${i.body}`] : []),
      ...(abs(i.link) ? [`  ${abs(i.link)}`] : []),
      '',
    ]),
    '--',
    `You get this email because of your Outfield notification settings (${base}/profile).`,
    `Stop emails about ${unsubscribe.what}: ${unsubscribe.url}`,
  ].join('\n');
  const html = `<!doctype html><html><body style="font-family:sans-serif;line-height:1.4">
<p>Hi ${escapeHtml(to.name)},</p><p>${escapeHtml(intro)}</p><ul>
${items
  .map((i) => {
    const link = abs(i.link);
    const title = link ? `<a href="${escapeHtml(link)}">${escapeHtml(i.title)}</a>` : escapeHtml(i.title);
    return `<li><strong>${title}</strong>${i.body ? `<br>${escapeHtml(i.body)}` : ''}</li>`;
  })
  .join('\n')}
</ul><hr><p style="font-size:12px;color:#666">You get this email because of your
<a href="${escapeHtml(`${base}/profile`)}">Outfield notification settings</a>.
<a href="${escapeHtml(unsubscribe.url)}">Stop emails about ${escapeHtml(unsubscribe.what)}</a>.</p>
</body></html>`;
  return {
    to: to.email,
    subject,
    text,
    html,
    headers: {
      'List-Unsubscribe': `<${unsubscribe.url}>`,
      'List-Unsubscribe-Post': 'List-Unsubscribe=One-Click',
    },
  };
}

const emailPayload = z.object({ notificationId: z.string(), userId: z.string() });
const digestTickPayload = z.object({ slotStart: z.number().int() });
const digestPayload = z.object({
  userId: z.string(),
  kind: z.enum(['daily', 'weekly']),
  since: z.number().int(),
  until: z.number().int(),
});

/** Local hour, weekday (0 = Sunday) and date of an instant in a time zone. */
export function localParts(at: number, timeZone: string): { hour: number; weekday: number; date: string } {
  const parts = new Intl.DateTimeFormat('en-US', {
    timeZone,
    hourCycle: 'h23',
    hour: '2-digit',
    weekday: 'short',
    year: 'numeric',
    month: '2-digit',
    day: '2-digit',
  }).formatToParts(at);
  const get = (type: string) => parts.find((p) => p.type === type)?.value ?? '';
  const weekdays = ['Sun', 'Mon', 'Tue', 'Wed', 'Thu', 'Fri', 'Sat'];
  return {
    hour: Number(get('hour')),
    weekday: weekdays.indexOf(get('weekday')),
    date: `${get('year')}-${get('month')}-${get('day')}`,
  };
}

/** Registers the notification email jobs and the hourly digest schedule. */
export function registerNotificationJobs(registry: JobRegistry): void {
  registry.register(
    defineJob({
      name: NOTIFICATION_EMAIL_JOB,
      schema: emailPayload,
      async run({ deps, job }, payload) {
        const orgId = job.orgId;
        if (!orgId) throw new Error('notification email job without org');
        const n = await deps.db.kysely
          .selectFrom('notifications')
          .select(['category', 'title', 'body', 'link', 'read_at'])
          .where('org_id', '=', orgId)
          .where('id', '=', payload.notificationId)
          .executeTakeFirst();
        const to = await findActiveRecipient(deps.db.kysely, orgId, payload.userId);
        // Deleted notification or a member deactivated since: nothing to say any more.
        if (!n || !to) return;
        const category = categorySchema.safeParse(n.category);
        const what = category.success
          ? notificationCategories[category.data].label.toLowerCase()
          : n.category;
        await deps.mailer.send(
          renderEmail(deps.config, to, n.title, 'You have a new notification in Outfield:', [n], {
            url: unsubscribeUrl(
              deps.config,
              orgId,
              payload.userId,
              category.success ? category.data : 'digest',
            ),
            what,
          }),
        );
      },
    }),
  );

  registry.register(
    defineJob({
      name: DIGEST_TICK_JOB,
      schema: digestTickPayload,
      async run({ deps }, { slotStart }) {
        // Whose morning is it? Each time zone is checked once; only people with unread
        // notifications from the window get a digest job.
        const zones = await deps.db.kysely.selectFrom('users').select('time_zone').distinct().execute();
        for (const { time_zone: zone } of zones) {
          let local: ReturnType<typeof localParts>;
          try {
            local = localParts(slotStart, zone);
          } catch {
            continue;
          }
          if (local.hour !== DIGEST_LOCAL_HOUR) continue;
          const kinds: Array<'daily' | 'weekly'> = local.weekday === 1 ? ['daily', 'weekly'] : ['daily'];
          for (const kind of kinds) {
            const since = slotStart - (kind === 'daily' ? DAY_MS : 7 * DAY_MS);
            const recipients = await deps.db.kysely
              .selectFrom('notifications as n')
              .innerJoin('users as u', 'u.id', 'n.user_id')
              .innerJoin('memberships as m', (j) =>
                j.onRef('m.org_id', '=', 'n.org_id').onRef('m.user_id', '=', 'n.user_id'),
              )
              .select(['n.org_id', 'n.user_id'])
              .distinct()
              .where('u.time_zone', '=', zone)
              .where('m.active', '=', 1)
              .where('n.read_at', 'is', null)
              .where('n.created_at', '>=', since)
              .where('n.created_at', '<', slotStart)
              .execute();
            for (const r of recipients) {
              await enqueueJob(deps.db.kysely, deps, {
                name: DIGEST_JOB,
                orgId: r.org_id,
                payload: { userId: r.user_id, kind, since, until: slotStart },
                dedupeKey: `digest:${r.org_id}:${r.user_id}:${kind}:${local.date}`,
              });
            }
          }
        }
      },
    }),
  );
  registry.schedule({ key: 'notifications-digest', jobName: DIGEST_TICK_JOB, everyMs: 3_600_000 });

  registry.register(
    defineJob({
      name: DIGEST_JOB,
      schema: digestPayload,
      async run({ deps, job }, p) {
        const orgId = job.orgId;
        if (!orgId) throw new Error('digest job without org');
        const to = await findActiveRecipient(deps.db.kysely, orgId, p.userId);
        if (!to) return;
        const prefs = await effectivePreferences(deps.db.kysely, orgId, p.userId);
        const categories = prefs.filter((x) => x.digest === p.kind).map((x) => x.category);
        if (categories.length === 0) return;
        const items = await deps.db.kysely
          .selectFrom('notifications')
          .select(['title', 'body', 'link'])
          .where('org_id', '=', orgId)
          .where('user_id', '=', p.userId)
          .where('read_at', 'is', null)
          .where('category', 'in', categories)
          .where('created_at', '>=', p.since)
          .where('created_at', '<', p.until)
          .orderBy('id', 'desc')
          .limit(DIGEST_ITEM_LIMIT)
          .execute();
        if (items.length === 0) return;
        const total = await deps.db.kysely
          .selectFrom('notifications')
          .select(sql<number>`count(*)`.as('n'))
          .where('org_id', '=', orgId)
          .where('user_id', '=', p.userId)
          .where('read_at', 'is', null)
          .executeTakeFirstOrThrow();
        const label = p.kind === 'daily' ? 'Your daily Outfield digest' : 'Your weekly Outfield digest';
        await deps.mailer.send(
          renderEmail(
            deps.config,
            to,
            `${label}: ${items.length} new`,
            `${items.length} new since your last digest (${Number(total.n)} unread in all):`,
            items,
            { url: unsubscribeUrl(deps.config, orgId, p.userId, 'digest'), what: 'digests' },
          ),
        );
      },
    }),
  );
}
