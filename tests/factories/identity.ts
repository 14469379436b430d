import type { Db } from '../../src/server/db/database.ts';
import type { Role } from '../../src/server/db/schema.ts';
import type { Clock } from '../../src/server/lib/clock.ts';
import { newId } from '../../src/server/lib/ids.ts';
import { hashPassword } from '../../src/server/lib/secrets.ts';
import { createOrgWithAdmin } from '../../src/server/modules/identity/auth.service.ts';
import { insertUserInOrg } from '../../src/server/modules/identity/users.service.ts';

export const PASSWORD = 'correct-horse-battery';
let passwordHash: Promise<string> | undefined;
/** Hashing is deliberately slow; factories share one hash of PASSWORD. */
function sharedHash(): Promise<string> {
  passwordHash ??= hashPassword(PASSWORD);
  return passwordHash;
}

let seq = 0;
function unique(prefix: string): string {
  seq += 1;
  return `${prefix}${seq}-${Math.random().toString(36).slice(2, 7)}`;
}

export interface OrgFixture {
  orgId: string;
  admin: UserFixture;
}
export interface UserFixture {
  id: string;
  email: string;
  role: Role;
}

export async function makeOrg(db: Db, clock: Clock, name = unique('Org ')): Promise<OrgFixture> {
  const email = `${unique('admin')}@example.test`;
  const created = await db.kysely.transaction().execute(async (trx) =>
    createOrgWithAdmin(
      trx,
      { clock },
      {
        orgName: name,
        currency: 'USD',
        timeZone: 'America/Chicago',
        fiscalYearStartMonth: 1,
        adminName: `Admin of ${name}`,
        adminEmail: email,
        passwordHash: await sharedHash(),
      },
      null,
    ),
  );
  return { orgId: created.orgId, admin: { id: created.userId, email, role: 'admin' } };
}

export async function makeUser(
  db: Db,
  clock: Clock,
  org: OrgFixture,
  role: Role,
  options: { teamId?: string | null; name?: string } = {},
): Promise<UserFixture> {
  const email = `${unique(role)}@example.test`;
  const passwordHashValue = await sharedHash();
  const user = await db.kysely.transaction().execute((trx) =>
    insertUserInOrg(
      trx,
      { clock },
      { orgId: org.orgId, userId: org.admin.id, requestId: null },
      {
        email,
        name: options.name ?? unique(`${role} `),
        role,
        passwordHash: passwordHashValue,
        teamId: options.teamId ?? null,
      },
    ),
  );
  return { id: user.id, email, role };
}

export async function makeTeam(
  db: Db,
  clock: Clock,
  org: OrgFixture,
  options: { name?: string; parentTeamId?: string | null; managerIds?: string[] } = {},
): Promise<string> {
  const id = newId();
  const now = clock.now();
  await db.kysely
    .insertInto('teams')
    .values({
      org_id: org.orgId,
      id,
      name: options.name ?? unique('Team '),
      parent_team_id: options.parentTeamId ?? null,
      created_at: now,
      updated_at: now,
    })
    .execute();
  for (const userId of options.managerIds ?? []) {
    await db.kysely
      .insertInto('team_managers')
      .values({ org_id: org.orgId, team_id: id, user_id: userId })
      .execute();
  }
  return id;
}

/**
 * A small org chart used across suites: a director over two teams, each with a manager and two reps,
 * plus a second org with its own admin, manager and rep.
 */
export async function makeWorld(db: Db, clock: Clock) {
  const org = await makeOrg(db, clock, 'Northwind Test');
  const director = await makeUser(db, clock, org, 'manager', { name: 'Dana Director' });
  const region = await makeTeam(db, clock, org, { name: 'Region', managerIds: [director.id] });
  const managerA = await makeUser(db, clock, org, 'manager', { name: 'Alex Manager' });
  const managerB = await makeUser(db, clock, org, 'manager', { name: 'Blair Manager' });
  const teamA = await makeTeam(db, clock, org, {
    name: 'Team A',
    parentTeamId: region,
    managerIds: [managerA.id],
  });
  const teamB = await makeTeam(db, clock, org, {
    name: 'Team B',
    parentTeamId: region,
    managerIds: [managerB.id],
  });
  const repA1 = await makeUser(db, clock, org, 'rep', { teamId: teamA, name: 'Ari Rep' });
  const repA2 = await makeUser(db, clock, org, 'rep', { teamId: teamA, name: 'Avery Rep' });
  const repB1 = await makeUser(db, clock, org, 'rep', { teamId: teamB, name: 'Bo Rep' });
  const other = await makeOrg(db, clock, 'Contoso Test');
  const otherManager = await makeUser(db, clock, other, 'manager');
  const otherTeam = await makeTeam(db, clock, other, { managerIds: [otherManager.id] });
  const otherRep = await makeUser(db, clock, other, 'rep', { teamId: otherTeam });
  return {
    org,
    director,
    region,
    managerA,
    managerB,
    teamA,
    teamB,
    repA1,
    repA2,
    repB1,
    other,
    otherManager,
    otherTeam,
    otherRep,
  };
}
