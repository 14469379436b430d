import { sql } from 'kysely';
import type { z } from 'zod';
import type { Deps } from '../../context.ts';
import type { Executor } from '../../db/database.ts';
import { invalidField, notFound } from '../../lib/errors.ts';
import { newId } from '../../lib/ids.ts';
import { decodeCursor, encodeCursor, pageOf } from '../../lib/pagination.ts';
import { hashPassword } from '../../lib/secrets.ts';
import { type Actor, assertCanSeeUser, assertRole, type Reach } from '../../policy/policy.ts';
import { audit, diff } from '../audit/audit.service.ts';
import { emitEvent } from '../webhooks/webhooks.service.ts';
import {
  deleteSessionsOfUser,
  findTeam,
  findUserByEmail,
  insertMembership,
  insertUser,
  setTeamMembership,
} from './identity.repository.ts';
import {
  toUserResponse,
  type UserCreateInput,
  type UserListRow,
  type UserResponse,
  type UserUpdateInput,
  type userListQuery,
} from './identity.schemas.ts';

function userQuery(db: Executor, orgId: string) {
  return db
    .selectFrom('memberships as m')
    .innerJoin('users as u', 'u.id', 'm.user_id')
    .leftJoin('team_members as tm', (j) =>
      j.onRef('tm.org_id', '=', 'm.org_id').onRef('tm.user_id', '=', 'm.user_id'),
    )
    .leftJoin('teams as t', (j) => j.onRef('t.org_id', '=', 'tm.org_id').onRef('t.id', '=', 'tm.team_id'))
    .select([
      'u.id',
      'u.email',
      'u.name',
      'u.time_zone',
      'm.role',
      'm.active',
      'tm.team_id',
      't.name as team_name',
      'm.created_at',
    ])
    .where('m.org_id', '=', orgId);
}

export async function findUser(
  db: Executor,
  orgId: string,
  userId: string,
): Promise<UserListRow | undefined> {
  return userQuery(db, orgId).where('u.id', '=', userId).executeTakeFirst();
}

/**
 * Lists the people the actor can see (admins: everyone; managers: their teams and below; reps:
 * their team), sorted by name with a keyset cursor.
 */
export async function listUsers(
  deps: Deps,
  actor: Actor,
  reach: Reach,
  input: z.infer<typeof userListQuery>,
) {
  let q = userQuery(deps.db.kysely, actor.orgId);
  if (!reach.all) {
    const visible = [actor.userId, ...reach.reportUserIds, ...reach.teammateUserIds];
    q = q.where('u.id', 'in', visible);
  }
  if (input.q) {
    const like = `%${input.q.toLowerCase().replace(/[\\%_]/g, (c) => `\\${c}`)}%`;
    q = q.where(sql<boolean>`(lower(u.name) like ${like} escape '\\' or u.email like ${like} escape '\\')`);
  }
  if (input.role) q = q.where('m.role', '=', input.role);
  if (input.teamId) q = q.where('tm.team_id', '=', input.teamId);
  if (input.active !== undefined) q = q.where('m.active', '=', input.active ? 1 : 0);
  if (input.cursor) {
    const c = decodeCursor(input.cursor);
    const name = String(c.sortValue);
    q = q.where((eb) =>
      eb.or([eb('u.name', '>', name), eb.and([eb('u.name', '=', name), eb('u.id', '>', c.id)])]),
    );
  }
  const rows = await q
    .orderBy('u.name')
    .orderBy('u.id')
    .limit(input.limit + 1)
    .execute();
  const page = pageOf(rows, input.limit, (r) => encodeCursor(r.name, r.id));
  return { items: page.items.map(toUserResponse), nextCursor: page.nextCursor };
}

export async function getUser(deps: Deps, actor: Actor, reach: Reach, userId: string): Promise<UserResponse> {
  assertCanSeeUser(actor, reach, userId);
  const row = await findUser(deps.db.kysely, actor.orgId, userId);
  if (!row) throw notFound('User');
  return toUserResponse(row);
}

async function assertTeamInOrg(
  db: Executor,
  orgId: string,
  teamId: string | null | undefined,
): Promise<void> {
  if (teamId && !(await findTeam(db, orgId, teamId)))
    throw invalidField('teamId', 'is not a team of this organization');
}

/** Admin creates a user directly with a password (the CLI's `user create` uses this too). */
export async function createUser(deps: Deps, actor: Actor, input: UserCreateInput): Promise<UserResponse> {
  assertRole(actor, 'admin');
  const passwordHash = await hashPassword(input.password);
  return deps.db.kysely.transaction().execute(async (trx) => {
    return insertUserInOrg(trx, deps, actor, { ...input, passwordHash });
  });
}

export async function insertUserInOrg(
  trx: Executor,
  deps: Pick<Deps, 'clock'>,
  actor: { orgId: string; userId: string; requestId: string | null },
  input: {
    email: string;
    name: string;
    role: UserCreateInput['role'];
    passwordHash: string;
    teamId?: string | null | undefined;
    timeZone?: string | undefined;
  },
): Promise<UserResponse> {
  if (await findUserByEmail(trx, input.email)) throw invalidField('email', 'is already in use');
  await assertTeamInOrg(trx, actor.orgId, input.teamId);
  const org = await trx
    .selectFrom('orgs')
    .select('time_zone')
    .where('id', '=', actor.orgId)
    .executeTakeFirstOrThrow();
  const now = deps.clock.now();
  const id = newId();
  await insertUser(trx, {
    id,
    email: input.email,
    name: input.name,
    timeZone: input.timeZone ?? org.time_zone,
    passwordHash: input.passwordHash,
    now,
  });
  await insertMembership(trx, actor.orgId, id, input.role, now);
  if (input.teamId) await setTeamMembership(trx, actor.orgId, id, input.teamId);
  await audit(trx, deps, actor, 'user', id, 'create', {
    email: input.email,
    name: input.name,
    role: input.role,
    teamId: input.teamId ?? null,
  });
  const row = await findUser(trx, actor.orgId, id);
  const created = toUserResponse(row!);
  await emitEvent(trx, deps, actor.orgId, 'user.created', { user: created });
  return created;
}

/**
 * Admin edits a user. Deactivation ends every session of the user in the same transaction; role
 * changes apply from the user's next request because the role is read per request.
 */
export async function updateUser(
  deps: Deps,
  actor: Actor,
  userId: string,
  input: UserUpdateInput,
): Promise<UserResponse> {
  assertRole(actor, 'admin');
  return deps.db.kysely.transaction().execute(async (trx) => {
    const before = await findUser(trx, actor.orgId, userId);
    if (!before) throw notFound('User');
    if (userId === actor.userId && (input.active === false || (input.role && input.role !== 'admin'))) {
      throw invalidField(
        input.active === false ? 'active' : 'role',
        'you cannot remove your own admin access',
      );
    }
    await assertTeamInOrg(trx, actor.orgId, input.teamId);
    const now = deps.clock.now();
    if (input.name !== undefined || input.timeZone !== undefined) {
      await trx
        .updateTable('users')
        .set({
          name: input.name ?? before.name,
          time_zone: input.timeZone ?? before.time_zone,
          updated_at: now,
        })
        .where('id', '=', userId)
        .execute();
    }
    if (input.role !== undefined || input.active !== undefined) {
      await trx
        .updateTable('memberships')
        .set({
          role: input.role ?? before.role,
          active: input.active === undefined ? (before.active === 1 ? 1 : 0) : input.active ? 1 : 0,
          updated_at: now,
        })
        .where('org_id', '=', actor.orgId)
        .where('user_id', '=', userId)
        .execute();
    }
    if (input.active === false) await deleteSessionsOfUser(trx, actor.orgId, userId);
    if (input.teamId !== undefined) await setTeamMembership(trx, actor.orgId, userId, input.teamId);
    const changes = diff(
      {
        name: before.name,
        timeZone: before.time_zone,
        role: before.role,
        active: before.active === 1,
        teamId: before.team_id,
      },
      input,
    );
    const action =
      input.active === false && before.active === 1
        ? 'deactivate'
        : input.active === true && before.active === 0
          ? 'reactivate'
          : 'update';
    await audit(trx, deps, actor, 'user', userId, action, changes);
    const after = toUserResponse((await findUser(trx, actor.orgId, userId))!);
    // Deactivation tells connected systems (webhooks) but notifies no one in the app.
    if (action === 'deactivate') await emitEvent(trx, deps, actor.orgId, 'user.deactivated', { user: after });
    return after;
  });
}
