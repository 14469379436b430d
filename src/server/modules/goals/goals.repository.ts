import { sql } from 'kysely';
import type { Executor } from '../../db/database.ts';
import type { GoalEventKind, GoalObjectivesTable, GoalProgressStatus, GoalsTable } from '../../db/schema.ts';
import { newId } from '../../lib/ids.ts';

// SQL only. Every query filters by org_id.

const goalColumns = [
  'g.id',
  'g.owner_kind',
  'g.owner_user_id',
  'ou.name as owner_user_name',
  'g.owner_team_id',
  'ot.name as owner_team_name',
  'g.title',
  'g.description',
  'g.metric_key',
  'g.manual_unit',
  'g.done_criterion',
  'g.currency',
  'g.baseline',
  'g.target',
  'g.start_date',
  'g.deadline',
  'g.status',
  'g.awaiting',
  'g.proposed_by',
  'g.agreed_at',
  'g.progress_status',
  'g.progress_reason',
  'g.progress_checked_at',
  'g.supports_kind',
  'g.supports_id',
  'g.created_by',
  'g.created_at',
  'g.updated_at',
] as const;

function goalsQuery(db: Executor, orgId: string) {
  return db
    .selectFrom('goals as g')
    .leftJoin('users as ou', 'ou.id', 'g.owner_user_id')
    .leftJoin('teams as ot', (j) =>
      j.onRef('ot.org_id', '=', 'g.org_id').onRef('ot.id', '=', 'g.owner_team_id'),
    )
    .select(goalColumns)
    .where('g.org_id', '=', orgId);
}

export type GoalRow = Awaited<ReturnType<ReturnType<typeof goalsQuery>['executeTakeFirstOrThrow']>>;

export async function findGoal(db: Executor, orgId: string, goalId: string): Promise<GoalRow | undefined> {
  return goalsQuery(db, orgId).where('g.id', '=', goalId).executeTakeFirst();
}

export interface GoalListFilter {
  /** Owners whose goals may be listed, or null for every user goal of the org. */
  userIds: string[] | null;
  /** Teams whose goals may be listed, or null for every team goal of the org. */
  teamIds: string[] | null;
  ownerUserId?: string | undefined;
  ownerTeamId?: string | undefined;
  status?: string | undefined;
  supportsGoalId?: string | undefined;
  limit: number;
}

export async function listGoals(db: Executor, orgId: string, f: GoalListFilter): Promise<GoalRow[]> {
  let q = goalsQuery(db, orgId);
  const { userIds, teamIds } = f;
  if (userIds !== null || teamIds !== null) {
    q = q.where((eb) => {
      const users =
        userIds === null
          ? eb('g.owner_kind', '=', 'user')
          : userIds.length > 0
            ? eb('g.owner_user_id', 'in', userIds)
            : eb.val(false);
      const teams =
        teamIds === null
          ? eb('g.owner_kind', '=', 'team')
          : teamIds.length > 0
            ? eb('g.owner_team_id', 'in', teamIds)
            : eb.val(false);
      return eb.or([users, teams]);
    });
  }
  if (f.ownerUserId) q = q.where('g.owner_user_id', '=', f.ownerUserId);
  if (f.ownerTeamId) q = q.where('g.owner_team_id', '=', f.ownerTeamId);
  if (f.status) q = q.where('g.status', '=', f.status as GoalsTable['status']);
  if (f.supportsGoalId)
    q = q.where('g.supports_kind', '=', 'goal').where('g.supports_id', '=', f.supportsGoalId);
  return q.orderBy('g.deadline').orderBy('g.id').limit(f.limit).execute();
}

export async function loadCheckpoints(db: Executor, orgId: string, goalIds: string[]) {
  if (goalIds.length === 0) return [];
  return db
    .selectFrom('goal_checkpoints')
    .select(['id', 'goal_id', 'date', 'target'])
    .where('org_id', '=', orgId)
    .where('goal_id', 'in', goalIds)
    .orderBy('date')
    .execute();
}

export async function replaceCheckpoints(
  db: Executor,
  orgId: string,
  goalId: string,
  checkpoints: readonly { date: string; target: number }[],
): Promise<void> {
  await db.deleteFrom('goal_checkpoints').where('org_id', '=', orgId).where('goal_id', '=', goalId).execute();
  if (checkpoints.length === 0) return;
  await db
    .insertInto('goal_checkpoints')
    .values(
      checkpoints.map((c) => ({
        org_id: orgId,
        id: newId(),
        goal_id: goalId,
        date: c.date,
        target: c.target,
      })),
    )
    .execute();
}

export async function insertGoal(db: Executor, row: GoalsTable): Promise<void> {
  await db.insertInto('goals').values(row).execute();
}

export async function updateGoalRow(
  db: Executor,
  orgId: string,
  goalId: string,
  values: Partial<Omit<GoalsTable, 'org_id' | 'id'>>,
): Promise<void> {
  await db.updateTable('goals').set(values).where('org_id', '=', orgId).where('id', '=', goalId).execute();
}

export async function deleteGoalRow(db: Executor, orgId: string, goalId: string): Promise<void> {
  await db.deleteFrom('goals').where('org_id', '=', orgId).where('id', '=', goalId).execute();
}

export async function countChildren(db: Executor, orgId: string, goalId: string): Promise<number> {
  const row = await db
    .selectFrom('goals')
    .select((eb) => eb.fn.countAll<number>().as('n'))
    .where('org_id', '=', orgId)
    .where('supports_kind', '=', 'goal')
    .where('supports_id', '=', goalId)
    .executeTakeFirst();
  return Number(row?.n ?? 0);
}

/** The chain of goals above `goalId` through `supports` (cascade parents), nearest first. */
export async function parentChain(db: Executor, orgId: string, goalId: string, max = 50): Promise<string[]> {
  const chain: string[] = [];
  let current: string | null = goalId;
  while (current && chain.length < max) {
    const row = await db
      .selectFrom('goals')
      .select(['supports_kind', 'supports_id'])
      .where('org_id', '=', orgId)
      .where('id', '=', current)
      .executeTakeFirst();
    if (row?.supports_kind !== 'goal' || !row.supports_id) break;
    chain.push(row.supports_id);
    current = row.supports_id;
    if (current === goalId) break;
  }
  return chain;
}

export async function insertEvent(
  db: Executor,
  e: {
    orgId: string;
    goalId: string;
    at: number;
    actorUserId: string | null;
    kind: GoalEventKind;
    comment?: string | null;
    changes?: Record<string, unknown>;
  },
): Promise<void> {
  await db
    .insertInto('goal_events')
    .values({
      org_id: e.orgId,
      id: newId(),
      goal_id: e.goalId,
      at: e.at,
      actor_user_id: e.actorUserId,
      kind: e.kind,
      comment: e.comment ?? null,
      changes: JSON.stringify(e.changes ?? {}),
    })
    .execute();
}

export async function listEvents(db: Executor, orgId: string, goalId: string) {
  return db
    .selectFrom('goal_events as e')
    .leftJoin('users as u', 'u.id', 'e.actor_user_id')
    .select(['e.id', 'e.at', 'e.actor_user_id', 'u.name as actor_name', 'e.kind', 'e.comment', 'e.changes'])
    .where('e.org_id', '=', orgId)
    .where('e.goal_id', '=', goalId)
    .orderBy('e.at')
    .orderBy('e.id')
    .limit(500)
    .execute();
}

export async function listUpdates(db: Executor, orgId: string, goalId: string) {
  return db
    .selectFrom('goal_progress_updates as p')
    .innerJoin('users as u', 'u.id', 'p.created_by')
    .select(['p.id', 'p.value', 'p.evidence', 'p.evidence_url', 'p.created_by', 'u.name', 'p.created_at'])
    .where('p.org_id', '=', orgId)
    .where('p.goal_id', '=', goalId)
    .orderBy('p.created_at')
    .orderBy('p.id')
    .execute();
}

export async function insertUpdate(
  db: Executor,
  u: {
    orgId: string;
    goalId: string;
    value: number;
    evidence: string;
    evidenceUrl: string | null;
    by: string;
    at: number;
  },
): Promise<string> {
  const id = newId();
  await db
    .insertInto('goal_progress_updates')
    .values({
      org_id: u.orgId,
      id,
      goal_id: u.goalId,
      value: u.value,
      evidence: u.evidence,
      evidence_url: u.evidenceUrl,
      created_by: u.by,
      created_at: u.at,
    })
    .execute();
  return id;
}

/** The latest manual value of each goal at or before `at`. */
export async function latestManualValues(
  db: Executor,
  orgId: string,
  goalIds: string[],
  at: number,
): Promise<Map<string, number>> {
  if (goalIds.length === 0) return new Map();
  const rows = await db
    .selectFrom('goal_progress_updates')
    .select(['goal_id', 'value', 'created_at', 'id'])
    .where('org_id', '=', orgId)
    .where('goal_id', 'in', goalIds)
    .where('created_at', '<=', at)
    .orderBy('created_at')
    .orderBy('id')
    .execute();
  return new Map(rows.map((r) => [r.goal_id, r.value]));
}

/** Direct managers of each team. */
export async function teamManagers(
  db: Executor,
  orgId: string,
  teamIds: string[],
): Promise<Map<string, string[]>> {
  const map = new Map<string, string[]>();
  if (teamIds.length === 0) return map;
  const rows = await db
    .selectFrom('team_managers')
    .select(['team_id', 'user_id'])
    .where('org_id', '=', orgId)
    .where('team_id', 'in', teamIds)
    .execute();
  for (const r of rows) map.set(r.team_id, [...(map.get(r.team_id) ?? []), r.user_id]);
  return map;
}

export async function orgTeams(db: Executor, orgId: string) {
  return db
    .selectFrom('teams')
    .select(['id', 'name', 'parent_team_id'])
    .where('org_id', '=', orgId)
    .execute();
}

export async function teamOfUser(db: Executor, orgId: string, userId: string): Promise<string | null> {
  const row = await db
    .selectFrom('team_members')
    .select('team_id')
    .where('org_id', '=', orgId)
    .where('user_id', '=', userId)
    .executeTakeFirst();
  return row?.team_id ?? null;
}

/** Members (not managers) of the given teams, with when they joined the org. */
export async function membersOfTeams(db: Executor, orgId: string, teamIds: string[]) {
  if (teamIds.length === 0) return [];
  return db
    .selectFrom('team_members as tm')
    .innerJoin('memberships as m', (j) =>
      j.onRef('m.org_id', '=', 'tm.org_id').onRef('m.user_id', '=', 'tm.user_id'),
    )
    .select(['tm.user_id', 'tm.team_id', 'm.created_at as joined_at'])
    .where('tm.org_id', '=', orgId)
    .where('tm.team_id', 'in', teamIds)
    .where('m.active', '=', 1)
    .execute();
}

export async function membershipOf(db: Executor, orgId: string, userId: string) {
  return db
    .selectFrom('memberships')
    .select(['user_id', 'role', 'active', 'created_at'])
    .where('org_id', '=', orgId)
    .where('user_id', '=', userId)
    .executeTakeFirst();
}

/**
 * Σ credit × probability over open deals of `userIds` expected to close on or before `deadline`, in
 * the goal's currency, rounded half-even to whole minor units. Deals without an expected close date
 * are left out: nothing says they close before the deadline.
 */
export async function weightedPipelineBefore(
  db: Executor,
  orgId: string,
  currency: string,
  userIds: string[],
  deadline: string,
): Promise<number> {
  if (userIds.length === 0) return 0;
  const row = await db
    .selectFrom('deal_credits as c')
    .innerJoin('deals as d', (j) => j.onRef('d.org_id', '=', 'c.org_id').onRef('d.id', '=', 'c.deal_id'))
    .innerJoin('stages as st', (j) => j.onRef('st.org_id', '=', 'd.org_id').onRef('st.id', '=', 'd.stage_id'))
    .select(sql<number>`sum(c.credit_minor * coalesce(d.probability_override, st.probability))`.as('x100'))
    .where('c.org_id', '=', orgId)
    .where('c.user_id', 'in', userIds)
    .where('d.status', '=', 'open')
    .where('d.currency', '=', currency)
    .where('d.expected_close_date', 'is not', null)
    .where('d.expected_close_date', '<=', deadline)
    .executeTakeFirst();
  const x = Number(row?.x100 ?? 0) / 100;
  const floor = Math.floor(x);
  if (Math.abs(x - floor - 0.5) < 1e-9) return floor % 2 === 0 ? floor : floor + 1;
  return Math.round(x);
}

export async function setProgressStatus(
  db: Executor,
  orgId: string,
  goalId: string,
  status: GoalProgressStatus | null,
  reason: string | null,
  at: number,
): Promise<void> {
  await db
    .updateTable('goals')
    .set({ progress_status: status, progress_reason: reason, progress_checked_at: at })
    .where('org_id', '=', orgId)
    .where('id', '=', goalId)
    .execute();
}

export async function agreedGoalIds(db: Executor, limit: number) {
  return db
    .selectFrom('goals')
    .select(['org_id', 'id'])
    .where('status', '=', 'agreed')
    .orderBy('org_id')
    .orderBy('id')
    .limit(limit)
    .execute();
}

// ---- objectives -------------------------------------------------------------------------------
export async function listObjectives(db: Executor, orgId: string) {
  return db
    .selectFrom('goal_objectives')
    .select(['id', 'title', 'description', 'active', 'created_at', 'updated_at'])
    .where('org_id', '=', orgId)
    .orderBy('active', 'desc')
    .orderBy('title')
    .execute();
}

export async function findObjective(db: Executor, orgId: string, objectiveId: string) {
  return db
    .selectFrom('goal_objectives')
    .select(['id', 'title', 'description', 'active', 'created_at', 'updated_at'])
    .where('org_id', '=', orgId)
    .where('id', '=', objectiveId)
    .executeTakeFirst();
}

export async function insertObjective(db: Executor, row: GoalObjectivesTable): Promise<void> {
  await db.insertInto('goal_objectives').values(row).execute();
}

export async function updateObjectiveRow(
  db: Executor,
  orgId: string,
  objectiveId: string,
  values: Partial<Pick<GoalObjectivesTable, 'title' | 'description' | 'active' | 'updated_at'>>,
): Promise<void> {
  await db
    .updateTable('goal_objectives')
    .set(values)
    .where('org_id', '=', orgId)
    .where('id', '=', objectiveId)
    .execute();
}

export async function objectiveInUse(db: Executor, orgId: string, objectiveId: string): Promise<boolean> {
  const row = await db
    .selectFrom('goals')
    .select('id')
    .where('org_id', '=', orgId)
    .where('supports_kind', '=', 'objective')
    .where('supports_id', '=', objectiveId)
    .limit(1)
    .executeTakeFirst();
  return row !== undefined;
}

export async function deleteObjectiveRow(db: Executor, orgId: string, objectiveId: string): Promise<void> {
  await db.deleteFrom('goal_objectives').where('org_id', '=', orgId).where('id', '=', objectiveId).execute();
}
