import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import type { ZodTypeProvider } from 'fastify-type-provider-zod';
import { z } from 'zod';
import type { Deps } from '../../context.ts';
import { serializeSetCookie } from '../../lib/cookies.ts';
import { loadMe, loadMeNow, login, logout, type NewSession, runSetup, setupNeeded } from './auth.service.ts';
import {
  idParam,
  invitationAcceptBody,
  invitationCreateBody,
  invitationPublicResponse,
  invitationResponse,
  loginBody,
  meResponse,
  meUpdateBody,
  passwordBody,
  sessionResponse,
  setupBody,
  tokenCreateBody,
  tokenParam,
  tokenResponse,
} from './identity.schemas.ts';
import {
  acceptInvitation,
  createInvitation,
  describeInvitation,
  listInvitations,
  revokeInvitation,
} from './invitations.service.ts';
import {
  changePassword,
  createToken,
  listMySessions,
  listTokens,
  revokeMySession,
  revokeToken,
  updateMe,
} from './profile.service.ts';

export const SESSION_COOKIE = 'outfield_session';

function clientOf(req: FastifyRequest) {
  return { ip: req.ip ?? null, userAgent: req.headers['user-agent'] ?? null };
}

function isSecure(req: FastifyRequest, deps: Deps): boolean {
  return req.protocol === 'https' || (deps.config.publicUrl?.startsWith('https://') ?? false);
}

function setSessionCookie(reply: FastifyReply, req: FastifyRequest, deps: Deps, session: NewSession): void {
  reply.header(
    'set-cookie',
    serializeSetCookie(SESSION_COOKIE, session.token, {
      path: '/',
      httpOnly: true,
      sameSite: 'Lax',
      secure: isSecure(req, deps),
      expires: new Date(session.expiresAt),
    }),
  );
}

/** Tells the browser to drop the session cookie (expired, empty). */
function clearSessionCookie(reply: FastifyReply, req: FastifyRequest, deps: Deps): void {
  reply.header(
    'set-cookie',
    serializeSetCookie(SESSION_COOKIE, '', {
      path: '/',
      httpOnly: true,
      sameSite: 'Lax',
      secure: isSecure(req, deps),
      expires: new Date(0),
      maxAge: 0,
    }),
  );
}

function baseUrlOf(req: FastifyRequest, deps: Deps): string {
  return deps.config.publicUrl ?? `${req.protocol}://${req.host}`;
}

const noContent = { 204: z.null().describe('No content') };

/** Sign-in, sign-out, first-run setup, invitations and the signed-in user's own profile. */
export function authRoutes(app: FastifyInstance, deps: Deps): void {
  const r = app.withTypeProvider<ZodTypeProvider>();
  const tags = ['auth'];

  r.post(
    '/api/auth/login',
    {
      config: { permission: 'public' },
      schema: {
        tags,
        summary: 'Sign in with email and password; sets the session cookie',
        body: loginBody,
        response: { 200: meResponse },
      },
    },
    async (req, reply) => {
      // A fresh token at every sign-in (no session fixation): any session this browser had is ended.
      if (req.actor?.sessionId) await logout(deps, req.actor);
      const result = await login(deps, req.body, clientOf(req));
      setSessionCookie(reply, req, deps, result.session);
      return loadMe(deps.db.kysely, result.orgId, result.userId, result.session.csrfToken);
    },
  );

  r.post(
    '/api/auth/logout',
    {
      config: { permission: 'authenticated' },
      schema: { tags, summary: 'End the current session', response: noContent },
    },
    async (req, reply) => {
      await logout(deps, req.actor!);
      clearSessionCookie(reply, req, deps);
      return reply.code(204).send(null);
    },
  );

  r.get(
    '/api/setup',
    {
      config: { permission: 'public' },
      schema: {
        tags,
        summary: 'Whether first-run setup is needed',
        response: { 200: z.object({ needed: z.boolean() }) },
      },
    },
    async () => ({ needed: await setupNeeded(deps.db.kysely) }),
  );

  r.post(
    '/api/setup',
    {
      config: { permission: 'public' },
      schema: {
        tags,
        summary: 'First-run setup: create the first org and its admin',
        body: setupBody,
        response: { 201: meResponse },
      },
    },
    async (req, reply) => {
      const result = await runSetup(deps, req.body, clientOf(req), req.id);
      setSessionCookie(reply, req, deps, result.session);
      return reply
        .code(201)
        .send(await loadMe(deps.db.kysely, result.orgId, result.userId, result.session.csrfToken));
    },
  );

  r.get(
    '/api/me',
    {
      config: { permission: 'authenticated' },
      schema: { tags, summary: 'The signed-in user, org, role and teams', response: { 200: meResponse } },
    },
    // Not async: the answer goes out at once when the read could run synchronously (loadMeNow).
    (req) => {
      const { orgId, userId } = req.actor!;
      const csrf = req.csrfToken ?? '';
      return loadMeNow(deps.db.kysely, orgId, userId, csrf) ?? loadMe(deps.db.kysely, orgId, userId, csrf);
    },
  );

  r.patch(
    '/api/me',
    {
      config: { permission: 'me.update' },
      schema: {
        tags,
        summary: 'Update my name or time zone',
        body: meUpdateBody,
        response: { 200: meResponse },
      },
    },
    async (req) => {
      await updateMe(deps, req.actor!, req.body);
      return loadMe(deps.db.kysely, req.actor!.orgId, req.actor!.userId, req.csrfToken ?? '');
    },
  );

  r.post(
    '/api/me/password',
    {
      config: { permission: 'me.update' },
      schema: {
        tags,
        summary: 'Change my password (ends my other sessions)',
        body: passwordBody,
        response: noContent,
      },
    },
    async (req, reply) => {
      await changePassword(deps, req.actor!, req.body);
      return reply.code(204).send(null);
    },
  );

  r.get(
    '/api/me/tokens',
    {
      config: { permission: 'tokens.manage' },
      schema: {
        tags,
        summary: 'My personal API tokens',
        response: { 200: z.object({ items: z.array(tokenResponse) }) },
      },
    },
    async (req) => listTokens(deps, req.actor!),
  );

  r.post(
    '/api/me/tokens',
    {
      config: { permission: 'tokens.manage' },
      schema: {
        tags,
        summary: 'Create a personal API token (the secret is shown once)',
        body: tokenCreateBody,
        response: { 201: z.object({ token: tokenResponse, secret: z.string() }) },
      },
    },
    async (req, reply) => reply.code(201).send(await createToken(deps, req.actor!, req.body)),
  );

  r.delete(
    '/api/me/tokens/:id',
    {
      config: { permission: 'tokens.manage' },
      schema: { tags, summary: 'Revoke one of my API tokens', params: idParam, response: noContent },
    },
    async (req, reply) => {
      await revokeToken(deps, req.actor!, req.params.id);
      return reply.code(204).send(null);
    },
  );

  r.get(
    '/api/me/sessions',
    {
      config: { permission: 'authenticated' },
      schema: {
        tags,
        summary: 'My signed-in sessions',
        response: { 200: z.object({ items: z.array(sessionResponse) }) },
      },
    },
    async (req) => listMySessions(deps, req.actor!),
  );

  r.delete(
    '/api/me/sessions/:id',
    {
      config: { permission: 'authenticated' },
      schema: { tags, summary: 'Sign out one of my sessions', params: idParam, response: noContent },
    },
    async (req, reply) => {
      await revokeMySession(deps, req.actor!, req.params.id);
      return reply.code(204).send(null);
    },
  );

  const itags = ['invitations'];
  r.get(
    '/api/invitations',
    {
      config: { permission: 'invitations.manage' },
      schema: {
        tags: itags,
        summary: 'Invitations of the org',
        response: { 200: z.object({ items: z.array(invitationResponse) }) },
      },
    },
    async (req) => listInvitations(deps, req.actor!),
  );

  r.post(
    '/api/invitations',
    {
      config: { permission: 'invitations.manage' },
      schema: {
        tags: itags,
        summary: 'Invite someone by link',
        body: invitationCreateBody,
        response: { 201: z.object({ invitation: invitationResponse, url: z.string() }) },
      },
    },
    async (req, reply) =>
      reply.code(201).send(await createInvitation(deps, req.actor!, req.body, baseUrlOf(req, deps))),
  );

  r.delete(
    '/api/invitations/:id',
    {
      config: { permission: 'invitations.manage' },
      schema: { tags: itags, summary: 'Revoke an open invitation', params: idParam, response: noContent },
    },
    async (req, reply) => {
      await revokeInvitation(deps, req.actor!, req.params.id);
      return reply.code(204).send(null);
    },
  );

  r.get(
    '/api/invitations/by-token/:token',
    {
      config: { permission: 'public' },
      schema: {
        tags: itags,
        summary: 'What an invitation link is for',
        params: tokenParam,
        response: { 200: invitationPublicResponse },
      },
    },
    async (req) => describeInvitation(deps, req.params.token),
  );

  r.post(
    '/api/invitations/by-token/:token/accept',
    {
      config: { permission: 'public' },
      schema: {
        tags: itags,
        summary: 'Accept an invitation: creates the account and signs in',
        params: tokenParam,
        body: invitationAcceptBody,
        response: { 201: meResponse },
      },
    },
    async (req, reply) => {
      const result = await acceptInvitation(deps, req.params.token, req.body, clientOf(req), req.id);
      setSessionCookie(reply, req, deps, result.session);
      return reply
        .code(201)
        .send(await loadMe(deps.db.kysely, result.orgId, result.userId, result.session.csrfToken));
    },
  );
}
