import type { z } from 'zod';
import type { Deps } from '../../context.ts';
import { invalidField, notFound } from '../../lib/errors.ts';
import { newId } from '../../lib/ids.ts';
import { hashPassword, hashSecret, randomSecret } from '../../lib/secrets.ts';
import { type Actor, assertRole } from '../../policy/policy.ts';
import { audit } from '../audit/audit.service.ts';
import { notify } from '../notifications/notifications.service.ts';
import { createSession, type NewSession } from './auth.service.ts';
import { findTeam, findUserByEmail } from './identity.repository.ts';
import { type invitationAcceptBody, type invitationCreateBody, iso, isoOrNull } from './identity.schemas.ts';
import { insertUserInOrg } from './users.service.ts';

function toInvitationResponse(row: {
  id: string;
  email: string;
  role: 'admin' | 'manager' | 'rep';
  team_id: string | null;
  created_at: number;
  expires_at: number;
  accepted_at: number | null;
  revoked_at: number | null;
}) {
  return {
    id: row.id,
    email: row.email,
    role: row.role,
    teamId: row.team_id,
    createdAt: iso(row.created_at),
    expiresAt: iso(row.expires_at),
    acceptedAt: isoOrNull(row.accepted_at),
    revokedAt: isoOrNull(row.revoked_at),
  };
}

export async function listInvitations(deps: Deps, actor: Actor) {
  assertRole(actor, 'admin');
  const rows = await deps.db.kysely
    .selectFrom('invitations')
    .select(['id', 'email', 'role', 'team_id', 'created_at', 'expires_at', 'accepted_at', 'revoked_at'])
    .where('org_id', '=', actor.orgId)
    .orderBy('created_at', 'desc')
    .limit(500)
    .execute();
  return { items: rows.map(toInvitationResponse) };
}

/** Creates an invitation link. Its token is returned once (in the URL) and stored hashed. */
export async function createInvitation(
  deps: Deps,
  actor: Actor,
  input: z.infer<typeof invitationCreateBody>,
  baseUrl: string,
) {
  assertRole(actor, 'admin');
  const token = randomSecret();
  const now = deps.clock.now();
  return deps.db.kysely.transaction().execute(async (trx) => {
    if (await findUserByEmail(trx, input.email))
      throw invalidField('email', 'already has an Outfield account');
    if (input.teamId && !(await findTeam(trx, actor.orgId, input.teamId))) {
      throw invalidField('teamId', 'is not a team of this organization');
    }
    const row = {
      org_id: actor.orgId,
      id: newId(),
      email: input.email,
      role: input.role,
      team_id: input.teamId ?? null,
      token_hash: hashSecret(deps.config.sessionSecret, token),
      created_by: actor.userId,
      created_at: now,
      expires_at: now + input.expiresInDays * 86_400_000,
      accepted_at: null,
      revoked_at: null,
    };
    await trx.insertInto('invitations').values(row).execute();
    await audit(trx, deps, actor, 'invitation', row.id, 'create', {
      email: row.email,
      role: row.role,
      teamId: row.team_id,
    });
    return { invitation: toInvitationResponse(row), url: `${baseUrl.replace(/\/$/, '')}/invite/${token}` };
  });
}

export async function revokeInvitation(deps: Deps, actor: Actor, id: string): Promise<void> {
  assertRole(actor, 'admin');
  await deps.db.kysely.transaction().execute(async (trx) => {
    const result = await trx
      .updateTable('invitations')
      .set({ revoked_at: deps.clock.now() })
      .where('org_id', '=', actor.orgId)
      .where('id', '=', id)
      .where('accepted_at', 'is', null)
      .where('revoked_at', 'is', null)
      .executeTakeFirst();
    if (Number(result.numUpdatedRows) === 0) throw notFound('Invitation');
    await audit(trx, deps, actor, 'invitation', id, 'revoke', {});
  });
}

async function findOpenInvitation(deps: Deps, token: string) {
  const row = await deps.db.kysely
    .selectFrom('invitations as i')
    .innerJoin('orgs as o', 'o.id', 'i.org_id')
    .select([
      'i.org_id',
      'i.id',
      'i.email',
      'i.role',
      'i.team_id',
      'i.expires_at',
      'i.created_by',
      'o.name as org_name',
    ])
    .where('i.token_hash', '=', hashSecret(deps.config.sessionSecret, token))
    .where('i.accepted_at', 'is', null)
    .where('i.revoked_at', 'is', null)
    .executeTakeFirst();
  // Expired, used, revoked and unknown links all answer the same 404.
  if (!row || row.expires_at <= deps.clock.now()) throw notFound('Invitation');
  return row;
}

export async function describeInvitation(deps: Deps, token: string) {
  const row = await findOpenInvitation(deps, token);
  return { email: row.email, role: row.role, orgName: row.org_name, expiresAt: iso(row.expires_at) };
}

/** Accepting creates the user in the inviting org and signs them in; a link works once. */
export async function acceptInvitation(
  deps: Deps,
  token: string,
  input: z.infer<typeof invitationAcceptBody>,
  client: { ip: string | null; userAgent: string | null },
  requestId: string,
): Promise<{ session: NewSession; orgId: string; userId: string }> {
  const inv = await findOpenInvitation(deps, token);
  const passwordHash = await hashPassword(input.password);
  return deps.db.kysely.transaction().execute(async (trx) => {
    const claimed = await trx
      .updateTable('invitations')
      .set({ accepted_at: deps.clock.now() })
      .where('org_id', '=', inv.org_id)
      .where('id', '=', inv.id)
      .where('accepted_at', 'is', null)
      .executeTakeFirst();
    if (Number(claimed.numUpdatedRows) === 0) throw notFound('Invitation');
    const teamStillThere = inv.team_id ? await findTeam(trx, inv.org_id, inv.team_id) : undefined;
    const user = await insertUserInOrg(
      trx,
      deps,
      { orgId: inv.org_id, userId: inv.created_by, requestId },
      {
        email: inv.email,
        name: input.name,
        role: inv.role,
        passwordHash,
        teamId: teamStillThere ? inv.team_id : null,
      },
    );
    await audit(
      trx,
      deps,
      { orgId: inv.org_id, userId: user.id, requestId },
      'invitation',
      inv.id,
      'accept',
      { userId: user.id },
    );
    await notify(trx, deps, {
      orgId: inv.org_id,
      userId: inv.created_by,
      category: 'invitation_accepted',
      title: `${user.name} accepted your invitation`,
      body: `${user.email} joined as ${inv.role}.`,
      link: '/admin/users',
    });
    const session = await createSession(trx, deps, inv.org_id, user.id, client);
    return { session, orgId: inv.org_id, userId: user.id };
  });
}
