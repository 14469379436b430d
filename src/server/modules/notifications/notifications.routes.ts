import type { FastifyInstance } from 'fastify';
import type { ZodTypeProvider } from 'fastify-type-provider-zod';
import { z } from 'zod';
import type { Deps } from '../../context.ts';
import { idParam } from '../identity/identity.schemas.ts';
import { escapeHtml, readUnsubscribeToken } from './notification-email.ts';
import {
  notificationCategories,
  notificationListQuery,
  notificationPage,
  notificationResponse,
  preferencesResponse,
  preferencesUpdateBody,
  unsubscribeQuery,
} from './notifications.schemas.ts';
import {
  getMyPreferences,
  listMyNotifications,
  markAllNotificationsRead,
  markNotificationRead,
  unsubscribe,
  updateMyPreferences,
} from './notifications.service.ts';

function page(title: string, body: string): string {
  return `<!doctype html><html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width">
<title>${escapeHtml(title)} · Outfield</title></head>
<body style="font-family:sans-serif;max-width:32rem;margin:3rem auto;padding:0 1rem;line-height:1.5">
<h1 style="font-size:1.4rem">${escapeHtml(title)}</h1>${body}</body></html>`;
}

function describeTarget(category: string): string {
  return category === 'digest'
    ? 'digest emails'
    : `emails about “${notificationCategories[category as keyof typeof notificationCategories].label}”`;
}

/** My notifications and notification settings, plus the public unsubscribe link. */
export function notificationsRoutes(app: FastifyInstance, deps: Deps & { emailEnabled: boolean }): void {
  const r = app.withTypeProvider<ZodTypeProvider>();
  const tags = ['notifications'];
  r.get(
    '/api/notifications',
    {
      config: { permission: 'notifications.read' },
      schema: {
        tags,
        summary: 'My notifications, newest first, with the unread count',
        querystring: notificationListQuery,
        response: { 200: notificationPage },
      },
    },
    async (req) => listMyNotifications(deps, req.actor!, req.query),
  );
  r.post(
    '/api/notifications/:id/read',
    {
      config: { permission: 'notifications.update' },
      schema: {
        tags,
        summary: 'Mark one notification read',
        params: idParam,
        response: { 200: notificationResponse },
      },
    },
    async (req) => markNotificationRead(deps, req.actor!, req.params.id),
  );
  r.post(
    '/api/notifications/read-all',
    {
      config: { permission: 'notifications.update' },
      schema: {
        tags,
        summary: 'Mark all my notifications read',
        response: { 200: z.object({ updated: z.number() }) },
      },
    },
    async (req) => markAllNotificationsRead(deps, req.actor!),
  );
  r.get(
    '/api/notifications/preferences',
    {
      config: { permission: 'notifications.read' },
      schema: { tags, summary: 'My email preferences per category', response: { 200: preferencesResponse } },
    },
    async (req) => getMyPreferences(deps, req.actor!),
  );
  r.put(
    '/api/notifications/preferences',
    {
      config: { permission: 'notifications.update' },
      schema: {
        tags,
        summary: 'Set immediate email and digest frequency per category',
        body: preferencesUpdateBody,
        response: { 200: preferencesResponse },
      },
    },
    async (req) => updateMyPreferences(deps, req.actor!, req.body),
  );

  // The link in every email. GET only shows a confirmation (mail scanners follow links); POST
  // unsubscribes, and is also what one-click unsubscribe (RFC 8058) sends.
  app.register(async (scope) => {
    // RFC 8058 posts "List-Unsubscribe=One-Click" form-encoded; the token in the query is all we read.
    scope.addContentTypeParser(
      'application/x-www-form-urlencoded',
      { parseAs: 'string' },
      (_req, _body, done) => done(null, {}),
    );
    const s = scope.withTypeProvider<ZodTypeProvider>();
    s.get(
      '/api/notifications/unsubscribe',
      {
        config: { permission: 'public' },
        schema: { tags, summary: 'Unsubscribe confirmation page (HTML)', querystring: unsubscribeQuery },
      },
      async (req, reply) => {
        const target = readUnsubscribeToken(deps.config.sessionSecret, req.query.token);
        reply.type('text/html; charset=utf-8');
        if (!target)
          return reply.code(404).send(page('Link not valid', '<p>This unsubscribe link is not valid.</p>'));
        return page(
          'Unsubscribe',
          `<p>Stop ${escapeHtml(describeTarget(target.category))}?</p>
<form method="post"><button type="submit">Unsubscribe</button></form>
<p>You can change every notification setting on your profile page.</p>`,
        );
      },
    );
    s.post(
      '/api/notifications/unsubscribe',
      {
        config: { permission: 'public' },
        schema: { tags, summary: 'Unsubscribe (one-click capable)', querystring: unsubscribeQuery },
      },
      async (req, reply) => {
        const target = readUnsubscribeToken(deps.config.sessionSecret, req.query.token);
        reply.type('text/html; charset=utf-8');
        if (!target)
          return reply.code(404).send(page('Link not valid', '<p>This unsubscribe link is not valid.</p>'));
        await unsubscribe(deps, target);
        return page(
          'Unsubscribed',
          `<p>You will no longer get ${escapeHtml(describeTarget(target.category))}.</p>`,
        );
      },
    );
  });
}
