import { compiledQuery } from '../db/compiled-query.ts';
import { type Executor, readRows } from '../db/database.ts';
import type { Actor, Reach } from './policy.ts';

/**
 * Loads an actor's reach in three small queries (teams of the org, the actor's own rows, and the
 * people in the reached teams). Team trees are small (tens to hundreds of teams), so the descent is
 * done in memory rather than with a recursive CTE that would differ between engines.
 */
// Every request that checks record access loads the reach: fixed-shape compiled queries (SQLite:
// synchronous, from the coherent read cache while nothing changed — see compiledQuery).
const orgTeams = compiledQuery(
  (db: Executor, orgId: string) =>
    db.selectFrom('teams').select(['id', 'parent_team_id']).where('org_id', '=', orgId),
  { cached: true },
);
const managedBy = compiledQuery(
  (db: Executor, orgId: string, userId: string) =>
    db
      .selectFrom('team_managers')
      .select('team_id')
      .where('org_id', '=', orgId)
      .where('user_id', '=', userId),
  { cached: true },
);
const memberOf = compiledQuery(
  (db: Executor, orgId: string, userId: string) =>
    db
      .selectFrom('team_members')
      .select('team_id')
      .where('org_id', '=', orgId)
      .where('user_id', '=', userId)
      .limit(1),
  { cached: true },
);

export async function loadReach(db: Executor, actor: Actor): Promise<Reach> {
  const [teams, managed, ownRows] = await Promise.all([
    orgTeams(db, actor.orgId),
    managedBy(db, actor.orgId, actor.userId),
    memberOf(db, actor.orgId, actor.userId),
  ]);
  const own = ownRows[0];

  const children = new Map<string, string[]>();
  for (const team of teams) {
    if (team.parent_team_id === null) continue;
    const list = children.get(team.parent_team_id) ?? [];
    list.push(team.id);
    children.set(team.parent_team_id, list);
  }
  const managedTeamIds = new Set<string>();
  const stack = managed.map((m) => m.team_id);
  while (stack.length > 0) {
    const id = stack.pop()!;
    if (managedTeamIds.has(id)) continue;
    managedTeamIds.add(id);
    stack.push(...(children.get(id) ?? []));
  }

  const ownTeamId = own?.team_id ?? null;
  const reachedTeams = [...managedTeamIds, ...(ownTeamId ? [ownTeamId] : [])];
  const reportUserIds = new Set<string>();
  const teammateUserIds = new Set<string>();
  if (reachedTeams.length > 0) {
    const people = await readRows(
      db,
      db
        .selectFrom('team_members')
        .select(['team_id', 'user_id'])
        .where('org_id', '=', actor.orgId)
        .where('team_id', 'in', reachedTeams)
        .unionAll(
          db
            .selectFrom('team_managers')
            .select(['team_id', 'user_id'])
            .where('org_id', '=', actor.orgId)
            .where('team_id', 'in', reachedTeams),
        ),
      { cached: true },
    );
    for (const person of people) {
      if (person.user_id === actor.userId) continue;
      if (managedTeamIds.has(person.team_id)) reportUserIds.add(person.user_id);
      if (person.team_id === ownTeamId) teammateUserIds.add(person.user_id);
    }
  }
  return { all: actor.role === 'admin', managedTeamIds, ownTeamId, reportUserIds, teammateUserIds };
}
