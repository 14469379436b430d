import { type Expression, sql } from 'kysely';
import { jsonArrayFrom } from 'kysely/helpers/postgres';
import { compiledQuery } from '../db/compiled-query.ts';
import type { Executor } from '../db/database.ts';
import type { SessionPrefetch } from '../modules/identity/session-prefetch.ts';
import type { Actor, Reach } from './policy.ts';

/**
 * Loads an actor's reach in one statement (one round trip on PostgreSQL): the teams the actor
 * manages and, through a recursive CTE, every team beneath them; the actor's own team; and the
 * members and managers of all those teams, with their names (lists of people in reach — the KPI
 * team grid — need no query of their own for them). `union` (not `union all`) in the descent stops at a team
 * already reached, so even a cycle in the parent links ends. WITH RECURSIVE reads the same on
 * SQLite and PostgreSQL.
 */
function reachQuery(db: Executor, orgId: string | Expression<string>, userId: string | Expression<string>) {
  return db
    .withRecursive('managed(team_id)', (qb) =>
      qb
        .selectFrom('team_managers')
        .select('team_id')
        .where('org_id', '=', orgId)
        .where('user_id', '=', userId)
        .union(
          qb
            .selectFrom('teams as t')
            .innerJoin('managed as mt', 'mt.team_id', 't.parent_team_id')
            .select('t.id as team_id')
            .where('t.org_id', '=', orgId),
        ),
    )
    .with('own(team_id)', (qb) =>
      qb
        .selectFrom('team_members')
        .select('team_id')
        .where('org_id', '=', orgId)
        .where('user_id', '=', userId)
        .limit(1),
    )
    .with('reached(team_id)', (qb) =>
      qb.selectFrom('managed').select('team_id').union(qb.selectFrom('own').select('team_id')),
    )
    .selectFrom('managed')
    .select([
      sql<'managed' | 'own' | 'person'>`'managed'`.as('kind'),
      'team_id',
      sql<string | null>`cast(null as text)`.as('user_id'),
      sql<string | null>`cast(null as text)`.as('user_name'),
    ])
    .unionAll((eb) =>
      eb
        .selectFrom('own')
        .select([
          sql<'own'>`'own'`.as('kind'),
          'team_id',
          sql<null>`cast(null as text)`.as('user_id'),
          sql<null>`cast(null as text)`.as('user_name'),
        ]),
    )
    .unionAll((eb) =>
      eb
        .selectFrom('team_members as tm')
        .innerJoin('users as u', 'u.id', 'tm.user_id')
        .select([sql<'person'>`'person'`.as('kind'), 'tm.team_id', 'tm.user_id', 'u.name as user_name'])
        .where('tm.org_id', '=', orgId)
        .where('tm.team_id', 'in', eb.selectFrom('reached').select('reached.team_id')),
    )
    .unionAll((eb) =>
      eb
        .selectFrom('team_managers as tg')
        .innerJoin('users as u', 'u.id', 'tg.user_id')
        .select([sql<'person'>`'person'`.as('kind'), 'tg.team_id', 'tg.user_id', 'u.name as user_name'])
        .where('tg.org_id', '=', orgId)
        .where('tg.team_id', 'in', eb.selectFrom('reached').select('reached.team_id')),
    );
}

// Every request that checks record access loads the reach: a fixed-shape compiled query (SQLite:
// synchronous, from the coherent read cache while nothing changed — see compiledQuery).
const reachRows = compiledQuery(
  (db: Executor, orgId: string, userId: string) => reachQuery(db, orgId, userId),
  { cached: true },
);

export type ReachRow = Awaited<ReturnType<typeof reachRows>>[number];

/**
 * PostgreSQL: the reach rows of the org and user an outer statement names (the session's, for
 * routes that have their reach come with the session: see `kpiPrefetch`), as one JSON array.
 */
export function reachRowsJson(db: Executor, orgId: Expression<string>, userId: Expression<string>) {
  return jsonArrayFrom(reachQuery(db, orgId, userId));
}

/**
 * Routes that need the actor's reach but nothing else of the org: on PostgreSQL it comes with the
 * session statement (route config `prefetch`), one round trip less. See `kpiPrefetch` for KPI values.
 */
export const reachPrefetch: SessionPrefetch<ReachRow[]> = {
  select: (db, orgId, userId) => reachRowsJson(db, orgId, userId),
  keep: (actor, rows) => ({ reach: reachFromRows(rows, actor) }),
};

export async function loadReach(db: Executor, actor: Actor): Promise<Reach> {
  return reachFromRows(await reachRows(db, actor.orgId, actor.userId), actor);
}

/** The actor's reach from its rows (`reachRows`, or `reachRowsJson`'s array). */
export function reachFromRows(rows: readonly ReachRow[], actor: Pick<Actor, 'role' | 'userId'>): Reach {
  const managedTeamIds = new Set<string>();
  let ownTeamId: string | null = null;
  for (const row of rows) {
    if (row.kind === 'managed') managedTeamIds.add(row.team_id);
    else if (row.kind === 'own') ownTeamId = row.team_id;
  }
  const reportUserIds = new Set<string>();
  const teammateUserIds = new Set<string>();
  const names = new Map<string, string>();
  for (const row of rows) {
    if (row.kind !== 'person' || row.user_id === null) continue;
    if (row.user_name !== null) names.set(row.user_id, row.user_name);
    if (row.user_id === actor.userId) continue;
    if (managedTeamIds.has(row.team_id)) reportUserIds.add(row.user_id);
    if (row.team_id === ownTeamId) teammateUserIds.add(row.user_id);
  }
  return { all: actor.role === 'admin', managedTeamIds, ownTeamId, reportUserIds, teammateUserIds, names };
}
