import type { z } from 'zod';
import type { Deps } from '../../context.ts';
import type { Executor } from '../../db/database.ts';
import { invalidField, notFound } from '../../lib/errors.ts';
import { newId } from '../../lib/ids.ts';
import { type Actor, assertRole, canSeeTeam, type Reach } from '../../policy/policy.ts';
import { audit, diff } from '../audit/audit.service.ts';
import { findTeam } from './identity.repository.ts';
import {
  type TeamResponse,
  type teamCreateBody,
  type teamManagersBody,
  type teamUpdateBody,
  toTeamResponse,
} from './identity.schemas.ts';

/** Loads teams with their managers and members in three queries, whatever the number of teams. */
async function loadTeams(db: Executor, orgId: string, teamIds?: string[]): Promise<TeamResponse[]> {
  let tq = db.selectFrom('teams').select(['id', 'name', 'parent_team_id']).where('org_id', '=', orgId);
  if (teamIds) {
    if (teamIds.length === 0) return [];
    tq = tq.where('id', 'in', teamIds);
  }
  const teams = await tq.orderBy('name').execute();
  if (teams.length === 0) return [];
  const ids = teams.map((t) => t.id);
  const [managers, members] = await Promise.all([
    db
      .selectFrom('team_managers as tg')
      .innerJoin('users as u', 'u.id', 'tg.user_id')
      .select(['tg.team_id', 'u.id', 'u.name'])
      .where('tg.org_id', '=', orgId)
      .where('tg.team_id', 'in', ids)
      .orderBy('u.name')
      .execute(),
    db
      .selectFrom('team_members as tm')
      .innerJoin('users as u', 'u.id', 'tm.user_id')
      .select(['tm.team_id', 'u.id', 'u.name'])
      .where('tm.org_id', '=', orgId)
      .where('tm.team_id', 'in', ids)
      .orderBy('u.name')
      .execute(),
  ]);
  return teams.map((t) =>
    toTeamResponse(
      t,
      managers.filter((m) => m.team_id === t.id).map(({ id, name }) => ({ id, name })),
      members.filter((m) => m.team_id === t.id).map(({ id, name }) => ({ id, name })),
    ),
  );
}

export async function listTeams(deps: Deps, actor: Actor, reach: Reach) {
  const visible = reach.all
    ? undefined
    : [...reach.managedTeamIds, ...(reach.ownTeamId ? [reach.ownTeamId] : [])];
  return { items: await loadTeams(deps.db.kysely, actor.orgId, visible) };
}

export async function getTeam(deps: Deps, actor: Actor, reach: Reach, teamId: string): Promise<TeamResponse> {
  if (!canSeeTeam(reach, teamId)) throw notFound('Team');
  const [team] = await loadTeams(deps.db.kysely, actor.orgId, [teamId]);
  if (!team) throw notFound('Team');
  return team;
}

/** Refuses a parent that is the team itself or one of its descendants (a cycle). */
async function assertParent(
  db: Executor,
  orgId: string,
  teamId: string | null,
  parentId: string | null | undefined,
): Promise<void> {
  if (!parentId) return;
  if (!(await findTeam(db, orgId, parentId)))
    throw invalidField('parentTeamId', 'is not a team of this organization');
  if (teamId === null) return;
  const teams = await db
    .selectFrom('teams')
    .select(['id', 'parent_team_id'])
    .where('org_id', '=', orgId)
    .execute();
  const parentOf = new Map(teams.map((t) => [t.id, t.parent_team_id]));
  let cursor: string | null | undefined = parentId;
  while (cursor) {
    if (cursor === teamId) throw invalidField('parentTeamId', 'would put the team beneath itself');
    cursor = parentOf.get(cursor);
  }
}

export async function createTeam(
  deps: Deps,
  actor: Actor,
  input: z.infer<typeof teamCreateBody>,
): Promise<TeamResponse> {
  assertRole(actor, 'admin');
  return deps.db.kysely.transaction().execute(async (trx) => {
    await assertParent(trx, actor.orgId, null, input.parentTeamId);
    const now = deps.clock.now();
    const id = newId();
    await trx
      .insertInto('teams')
      .values({
        org_id: actor.orgId,
        id,
        name: input.name,
        parent_team_id: input.parentTeamId ?? null,
        created_at: now,
        updated_at: now,
      })
      .execute();
    await audit(trx, deps, actor, 'team', id, 'create', {
      name: input.name,
      parentTeamId: input.parentTeamId ?? null,
    });
    return (await loadTeams(trx, actor.orgId, [id]))[0]!;
  });
}

export async function updateTeam(
  deps: Deps,
  actor: Actor,
  teamId: string,
  input: z.infer<typeof teamUpdateBody>,
): Promise<TeamResponse> {
  assertRole(actor, 'admin');
  return deps.db.kysely.transaction().execute(async (trx) => {
    const before = await findTeam(trx, actor.orgId, teamId);
    if (!before) throw notFound('Team');
    await assertParent(trx, actor.orgId, teamId, input.parentTeamId);
    await trx
      .updateTable('teams')
      .set({
        name: input.name ?? before.name,
        parent_team_id: input.parentTeamId === undefined ? before.parent_team_id : input.parentTeamId,
        updated_at: deps.clock.now(),
      })
      .where('org_id', '=', actor.orgId)
      .where('id', '=', teamId)
      .execute();
    await audit(
      trx,
      deps,
      actor,
      'team',
      teamId,
      'update',
      diff({ name: before.name, parentTeamId: before.parent_team_id }, input),
    );
    return (await loadTeams(trx, actor.orgId, [teamId]))[0]!;
  });
}

/** Deleting a team moves its sub-teams up to its parent and leaves its members without a team. */
export async function deleteTeam(deps: Deps, actor: Actor, teamId: string): Promise<void> {
  assertRole(actor, 'admin');
  await deps.db.kysely.transaction().execute(async (trx) => {
    const before = await findTeam(trx, actor.orgId, teamId);
    if (!before) throw notFound('Team');
    await trx
      .updateTable('teams')
      .set({ parent_team_id: before.parent_team_id })
      .where('org_id', '=', actor.orgId)
      .where('parent_team_id', '=', teamId)
      .execute();
    await trx
      .deleteFrom('team_members')
      .where('org_id', '=', actor.orgId)
      .where('team_id', '=', teamId)
      .execute();
    await trx
      .deleteFrom('team_managers')
      .where('org_id', '=', actor.orgId)
      .where('team_id', '=', teamId)
      .execute();
    await trx.deleteFrom('teams').where('org_id', '=', actor.orgId).where('id', '=', teamId).execute();
    await audit(trx, deps, actor, 'team', teamId, 'delete', { name: before.name });
  });
}

/** Replaces the managers of a team; each must be an active manager or admin of the org. */
export async function setTeamManagers(
  deps: Deps,
  actor: Actor,
  teamId: string,
  input: z.infer<typeof teamManagersBody>,
): Promise<TeamResponse> {
  assertRole(actor, 'admin');
  const userIds = [...new Set(input.userIds)];
  return deps.db.kysely.transaction().execute(async (trx) => {
    const before = await loadTeams(trx, actor.orgId, [teamId]);
    if (before.length === 0) throw notFound('Team');
    if (userIds.length > 0) {
      const eligible = await trx
        .selectFrom('memberships')
        .select('user_id')
        .where('org_id', '=', actor.orgId)
        .where('user_id', 'in', userIds)
        .where('role', 'in', ['manager', 'admin'])
        .where('active', '=', 1)
        .execute();
      const ok = new Set(eligible.map((e) => e.user_id));
      const bad = userIds.findIndex((id) => !ok.has(id));
      if (bad >= 0)
        throw invalidField(`userIds.${bad}`, 'is not an active manager or admin of this organization');
    }
    await trx
      .deleteFrom('team_managers')
      .where('org_id', '=', actor.orgId)
      .where('team_id', '=', teamId)
      .execute();
    if (userIds.length > 0) {
      await trx
        .insertInto('team_managers')
        .values(userIds.map((user_id) => ({ org_id: actor.orgId, team_id: teamId, user_id })))
        .execute();
    }
    await audit(trx, deps, actor, 'team', teamId, 'set_managers', {
      before: before[0]!.managers.map((m) => m.id),
      after: userIds,
    });
    return (await loadTeams(trx, actor.orgId, [teamId]))[0]!;
  });
}
