import type { z } from 'zod';
import type { Deps } from '../../context.ts';
import { notFound } from '../../lib/errors.ts';
import { newId } from '../../lib/ids.ts';
import { hashPassword, hashSecret, randomSecret } from '../../lib/secrets.ts';
import type { Actor } from '../../policy/policy.ts';
import { audit, diff } from '../audit/audit.service.ts';
import { deleteSession, listSessions } from './auth.repository.ts';
import { API_TOKEN_PREFIX, assertPassword } from './auth.service.ts';
import { findProfile } from './identity.repository.ts';
import {
  iso,
  isoOrNull,
  type meUpdateBody,
  type passwordBody,
  type tokenCreateBody,
} from './identity.schemas.ts';

export async function updateMe(deps: Deps, actor: Actor, input: z.infer<typeof meUpdateBody>): Promise<void> {
  await deps.db.kysely.transaction().execute(async (trx) => {
    const before = await findProfile(trx, actor.orgId, actor.userId);
    if (!before) throw notFound('User');
    const now = deps.clock.now();
    await trx
      .updateTable('users')
      .set({
        name: input.name ?? before.name,
        time_zone: input.timeZone ?? before.time_zone,
        updated_at: now,
      })
      .where('id', '=', actor.userId)
      .execute();
    await audit(
      trx,
      deps,
      actor,
      'user',
      actor.userId,
      'update',
      diff({ name: before.name, timeZone: before.time_zone }, input),
    );
  });
}

/** Changing the password signs out every other session of the user. */
export async function changePassword(
  deps: Deps,
  actor: Actor,
  input: z.infer<typeof passwordBody>,
): Promise<void> {
  await assertPassword(deps.db.kysely, actor.userId, input.currentPassword);
  const passwordHash = await hashPassword(input.newPassword);
  await deps.db.kysely.transaction().execute(async (trx) => {
    await trx
      .updateTable('users')
      .set({ password_hash: passwordHash, updated_at: deps.clock.now() })
      .where('id', '=', actor.userId)
      .execute();
    let q = trx.deleteFrom('sessions').where('org_id', '=', actor.orgId).where('user_id', '=', actor.userId);
    if (actor.sessionId) q = q.where('id', '!=', actor.sessionId);
    await q.execute();
    await audit(trx, deps, actor, 'user', actor.userId, 'password_change', {});
  });
}

function toTokenResponse(row: {
  id: string;
  name: string;
  prefix: string;
  created_at: number;
  last_used_at: number | null;
  expires_at: number | null;
}) {
  return {
    id: row.id,
    name: row.name,
    prefix: row.prefix,
    createdAt: iso(row.created_at),
    lastUsedAt: isoOrNull(row.last_used_at),
    expiresAt: isoOrNull(row.expires_at),
  };
}

export async function listTokens(deps: Deps, actor: Actor) {
  const rows = await deps.db.kysely
    .selectFrom('api_tokens')
    .select(['id', 'name', 'prefix', 'created_at', 'last_used_at', 'expires_at'])
    .where('org_id', '=', actor.orgId)
    .where('user_id', '=', actor.userId)
    .where('revoked_at', 'is', null)
    .orderBy('created_at', 'desc')
    .execute();
  return { items: rows.map(toTokenResponse) };
}

/** Creates a personal API token. The secret is returned once and stored only as a keyed hash. */
export async function createToken(deps: Deps, actor: Actor, input: z.infer<typeof tokenCreateBody>) {
  const secret = `${API_TOKEN_PREFIX}${randomSecret()}`;
  const now = deps.clock.now();
  const row = {
    org_id: actor.orgId,
    id: newId(),
    user_id: actor.userId,
    name: input.name,
    prefix: secret.slice(0, API_TOKEN_PREFIX.length + 6),
    token_hash: hashSecret(deps.config.sessionSecret, secret),
    created_at: now,
    last_used_at: null,
    expires_at: input.expiresInDays ? now + input.expiresInDays * 86_400_000 : null,
    revoked_at: null,
  };
  await deps.db.kysely.transaction().execute(async (trx) => {
    await trx.insertInto('api_tokens').values(row).execute();
    await audit(trx, deps, actor, 'api_token', row.id, 'create', { name: row.name, prefix: row.prefix });
  });
  return { token: toTokenResponse(row), secret };
}

export async function revokeToken(deps: Deps, actor: Actor, tokenId: string): Promise<void> {
  await deps.db.kysely.transaction().execute(async (trx) => {
    const result = await trx
      .updateTable('api_tokens')
      .set({ revoked_at: deps.clock.now() })
      .where('org_id', '=', actor.orgId)
      .where('user_id', '=', actor.userId)
      .where('id', '=', tokenId)
      .where('revoked_at', 'is', null)
      .executeTakeFirst();
    if (Number(result.numUpdatedRows) === 0) throw notFound('Token');
    await audit(trx, deps, actor, 'api_token', tokenId, 'revoke', {});
  });
}

/** Sessions still usable: not past their absolute expiry and not idle longer than the idle limit. */
async function liveSessions(deps: Deps, actor: Actor) {
  const now = deps.clock.now();
  const rows = await listSessions(deps.db.kysely, actor.orgId, actor.userId, now);
  return rows.filter((r) => now - r.last_seen_at < deps.config.sessionIdleMs);
}

export async function listMySessions(deps: Deps, actor: Actor) {
  const rows = await liveSessions(deps, actor);
  return {
    items: rows.map((r) => ({
      // The stored id is a hash of the cookie: safe to show, useless to replay.
      id: r.id,
      current: r.id === actor.sessionId,
      createdAt: iso(r.created_at),
      lastSeenAt: iso(r.last_seen_at),
      expiresAt: iso(r.expires_at),
      ip: r.ip,
      userAgent: r.user_agent,
    })),
  };
}

export async function revokeMySession(deps: Deps, actor: Actor, sessionId: string): Promise<void> {
  const rows = await liveSessions(deps, actor);
  if (!rows.some((r) => r.id === sessionId)) throw notFound('Session');
  await deleteSession(deps.db.kysely, sessionId);
}
