import { sql } from 'kysely';
import { compiledQuery } from '../../db/compiled-query.ts';
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

/**
 * Everything GET /api/me shows, in one statement: the user, their membership and org, and one row
 * per team they belong to or manage (a single row with null team columns when none). One round
 * trip and one pool connection on PostgreSQL; the relation filters sit inside the union so both
 * engines use the (org_id, user_id) keys. Precompiled: it runs on every page load of the web app.
 */
/**
 * The signed-in user's profile, org and role with one row per team they belong to or manage (or
 * one row with a null team). Two flat index lookups joined by UNION ALL: every row carries the
 * profile, and nothing is materialised (this runs on every /api/me).
 */
export const findMeRows = compiledQuery(
  (db: Executor, orgId: string, userId: string) => {
    const profile = [
      'u.id',
      'u.email',
      'u.name',
      'u.time_zone',
      'm.role',
      'o.id as org_id',
      'o.name as org_name',
      'o.currency as org_currency',
      'o.time_zone as org_time_zone',
      'o.fiscal_year_start_month as org_fiscal_year_start_month',
      't.id as team_id',
      't.name as team_name',
    ] as const;
    return db
      .selectFrom('users as u')
      .innerJoin('memberships as m', (j) => j.onRef('m.user_id', '=', 'u.id').on('m.org_id', '=', orgId))
      .innerJoin('orgs as o', 'o.id', 'm.org_id')
      .leftJoin('team_members as tm', (j) =>
        j.onRef('tm.org_id', '=', 'm.org_id').onRef('tm.user_id', '=', 'u.id'),
      )
      .leftJoin('teams as t', (j) => j.onRef('t.org_id', '=', 'tm.org_id').onRef('t.id', '=', 'tm.team_id'))
      .select([...profile, sql<'member' | 'manager'>`'member'`.as('relation')])
      .where('u.id', '=', userId)
      .unionAll(
        db
          .selectFrom('team_managers as g')
          .innerJoin('teams as t', (j) =>
            j.onRef('t.org_id', '=', 'g.org_id').onRef('t.id', '=', 'g.team_id'),
          )
          .innerJoin('users as u', 'u.id', 'g.user_id')
          .innerJoin('memberships as m', (j) =>
            j.onRef('m.org_id', '=', 'g.org_id').onRef('m.user_id', '=', 'g.user_id'),
          )
          .innerJoin('orgs as o', 'o.id', 'g.org_id')
          .select([...profile, sql<'member' | 'manager'>`'manager'`.as('relation')])
          .where('g.org_id', '=', orgId)
          .where('g.user_id', '=', userId),
      );
  },
  { cached: true },
);

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
