import { sql } from 'kysely';
import type { Executor } from '../../db/database.ts';
import type { Role } from '../../db/schema.ts';

// SQL only. Every tenant query filters by org_id.

export async function countOrgs(db: Executor): Promise<number> {
  const row = await db
    .selectFrom('orgs')
    .select((eb) => eb.fn.countAll<number>().as('n'))
    .executeTakeFirstOrThrow();
  return Number(row.n);
}

export async function findOrg(db: Executor, orgId: string) {
  return db
    .selectFrom('orgs')
    .select(['id', 'name', 'currency', 'time_zone', 'fiscal_year_start_month', 'settings'])
    .where('id', '=', orgId)
    .executeTakeFirst();
}

/** A user with their (single) membership, for sign-in. */
export async function findLoginByEmail(db: Executor, email: string) {
  return db
    .selectFrom('users as u')
    .innerJoin('memberships as m', 'm.user_id', 'u.id')
    .select(['u.id', 'u.password_hash', 'm.org_id', 'm.role', 'm.active'])
    .where('u.email', '=', email)
    .executeTakeFirst();
}

export async function findUserCredentials(db: Executor, userId: string) {
  return db.selectFrom('users').select(['id', 'password_hash']).where('id', '=', userId).executeTakeFirst();
}

export async function findActiveMembership(db: Executor, orgId: string, userId: string) {
  return db
    .selectFrom('memberships')
    .select(['role'])
    .where('org_id', '=', orgId)
    .where('user_id', '=', userId)
    .where('active', '=', 1)
    .executeTakeFirst();
}

export async function findProfile(db: Executor, orgId: string, userId: string) {
  return db
    .selectFrom('users as u')
    .innerJoin('memberships as m', (j) => j.onRef('m.user_id', '=', 'u.id').on('m.org_id', '=', orgId))
    .select(['u.id', 'u.email', 'u.name', 'u.time_zone', 'm.role'])
    .where('u.id', '=', userId)
    .executeTakeFirst();
}

export async function listTeamsOfUser(db: Executor, orgId: string, userId: string) {
  return db
    .selectFrom('team_members as tm')
    .innerJoin('teams as t', (j) => j.onRef('t.id', '=', 'tm.team_id').onRef('t.org_id', '=', 'tm.org_id'))
    .select(['t.id', 't.name', sql<'member' | 'manager'>`'member'`.as('relation')])
    .where('tm.org_id', '=', orgId)
    .where('tm.user_id', '=', userId)
    .unionAll(
      db
        .selectFrom('team_managers as tg')
        .innerJoin('teams as t', (j) =>
          j.onRef('t.id', '=', 'tg.team_id').onRef('t.org_id', '=', 'tg.org_id'),
        )
        .select(['t.id', 't.name', sql<'member' | 'manager'>`'manager'`.as('relation')])
        .where('tg.org_id', '=', orgId)
        .where('tg.user_id', '=', userId),
    )
    .execute();
}

export async function findUserByEmail(db: Executor, email: string) {
  return db.selectFrom('users').select(['id']).where('email', '=', email).executeTakeFirst();
}

export async function insertUser(
  db: Executor,
  user: { id: string; email: string; name: string; timeZone: string; passwordHash: string; now: number },
): Promise<void> {
  await db
    .insertInto('users')
    .values({
      id: user.id,
      email: user.email,
      name: user.name,
      time_zone: user.timeZone,
      password_hash: user.passwordHash,
      created_at: user.now,
      updated_at: user.now,
    })
    .execute();
}

export async function insertMembership(
  db: Executor,
  orgId: string,
  userId: string,
  role: Role,
  now: number,
): Promise<void> {
  await db
    .insertInto('memberships')
    .values({ org_id: orgId, user_id: userId, role, active: 1, created_at: now, updated_at: now })
    .execute();
}

export async function setTeamMembership(
  db: Executor,
  orgId: string,
  userId: string,
  teamId: string | null,
): Promise<void> {
  await db.deleteFrom('team_members').where('org_id', '=', orgId).where('user_id', '=', userId).execute();
  if (teamId !== null) {
    await db.insertInto('team_members').values({ org_id: orgId, team_id: teamId, user_id: userId }).execute();
  }
}

export async function findTeam(db: Executor, orgId: string, teamId: string) {
  return db
    .selectFrom('teams')
    .select(['id', 'name', 'parent_team_id'])
    .where('org_id', '=', orgId)
    .where('id', '=', teamId)
    .executeTakeFirst();
}

export async function deleteSessionsOfUser(db: Executor, orgId: string, userId: string): Promise<void> {
  await db.deleteFrom('sessions').where('org_id', '=', orgId).where('user_id', '=', userId).execute();
}
