import type { z } from 'zod';
import { metricInfo } from '../../../shared/metrics-catalog.ts';
import {
  type SmartContext,
  type SmartDraft,
  type SmartResult,
  smartCheck,
} from '../../../shared/smart-check.ts';
import { dateInZone } from '../../../shared/time.ts';
import type { Deps } from '../../context.ts';
import type { Executor } from '../../db/database.ts';
import type { GoalParty, GoalsTable } from '../../db/schema.ts';
import {
  AppError,
  conflict,
  type FieldProblem,
  forbidden,
  invalidField,
  notFound,
} from '../../lib/errors.ts';
import { newId } from '../../lib/ids.ts';
import {
  type Actor,
  canReadGoal,
  canWriteOwned,
  type GoalOwner,
  type GoalSide,
  goalNeedsApproval,
  goalSides,
  type Reach,
  readableOwnerIds,
  teamsAbove,
} from '../../policy/policy.ts';
import { insertAudit } from '../audit/audit.repository.ts';
import { audit, diff } from '../audit/audit.service.ts';
import { findOrg } from '../identity/identity.repository.ts';
import { notify } from '../notifications/notifications.service.ts';
import { findPlaybookTarget } from '../playbooks/playbooks.repository.ts';
import { emitEvent } from '../webhooks/webhooks.service.ts';
import { computeProgress, type OrgContext, progressSeries, smartData } from './goals.progress.ts';
import {
  countChildren,
  deleteGoalRow,
  findGoal,
  findObjective,
  type GoalRow,
  insertEvent,
  insertGoal,
  insertUpdate,
  listEvents,
  listGoals,
  listUpdates,
  loadCheckpoints,
  membershipOf,
  orgTeams,
  parentChain,
  replaceCheckpoints,
  setProgressStatus,
  teamManagers,
  teamOfUser,
  updateGoalRow,
} from './goals.repository.ts';
import {
  type GoalCreateInput,
  type GoalResponse,
  type GoalSettings,
  type GoalUpdateInput,
  type goalListQuery,
  goalSettingsSchema,
  type optionalCommentBody,
  type progressUpdateBody,
  type smartCheckBody,
} from './goals.schemas.ts';

// ---- org context and settings -------------------------------------------------------------------

export async function loadOrgContext(db: Executor, orgId: string): Promise<OrgContext> {
  const org = await findOrg(db, orgId);
  if (!org) throw notFound('Organization');
  const doc = JSON.parse(org.settings) as { goals?: unknown };
  const parsed = goalSettingsSchema.safeParse(doc.goals ?? {});
  return {
    id: org.id,
    currency: org.currency,
    timeZone: org.time_zone,
    settings: parsed.success ? parsed.data : goalSettingsSchema.parse({}),
  };
}

export async function getGoalSettings(deps: Deps, actor: Actor): Promise<GoalSettings> {
  return (await loadOrgContext(deps.db.kysely, actor.orgId)).settings;
}

export async function updateGoalSettings(
  deps: Deps,
  actor: Actor,
  input: Partial<GoalSettings>,
): Promise<GoalSettings> {
  return deps.db.kysely.transaction().execute(async (trx) => {
    const org = await findOrg(trx, actor.orgId);
    if (!org) throw notFound('Organization');
    const doc = JSON.parse(org.settings) as Record<string, unknown>;
    const before = (await loadOrgContext(trx, actor.orgId)).settings;
    const next = goalSettingsSchema.parse({ ...before, ...input });
    await trx
      .updateTable('orgs')
      .set({ settings: JSON.stringify({ ...doc, goals: next }), updated_at: deps.clock.now() })
      .where('id', '=', actor.orgId)
      .execute();
    await audit(trx, deps, actor, 'goal_settings', actor.orgId, 'update', diff(before, input));
    return next;
  });
}

// ---- access ---------------------------------------------------------------------------------------

interface Access {
  row: GoalRow;
  owner: GoalOwner;
  sides: Set<GoalSide>;
}

function ownerOf(
  row: Pick<GoalRow, 'owner_kind' | 'owner_user_id' | 'owner_team_id'>,
  managers: Map<string, string[]>,
): GoalOwner {
  return {
    kind: row.owner_kind,
    userId: row.owner_user_id,
    teamId: row.owner_team_id,
    teamManagerIds: row.owner_team_id ? (managers.get(row.owner_team_id) ?? []) : [],
  };
}

/** Teams above the actor's, loaded only when a team goal is in question. */
async function above(
  db: Executor,
  actor: Actor,
  reach: Reach,
  row?: Pick<GoalRow, 'owner_kind'> | null,
): Promise<Set<string>> {
  if (reach.all || (row && row.owner_kind !== 'team')) return new Set();
  return teamsAbove(reach, await orgTeams(db, actor.orgId));
}

/** Loads a goal the actor may read; anything else (missing, other org, out of reach) is the same 404. */
async function readableGoal(db: Executor, actor: Actor, reach: Reach, goalId: string): Promise<Access> {
  const row = await findGoal(db, actor.orgId, goalId);
  if (!row) throw notFound('Goal');
  const managers = await teamManagers(db, actor.orgId, row.owner_team_id ? [row.owner_team_id] : []);
  const owner = ownerOf(row, managers);
  if (!canReadGoal(actor, reach, owner, await above(db, actor, reach, row))) throw notFound('Goal');
  return { row, owner, sides: goalSides(actor, reach, owner) };
}

async function writableGoal(db: Executor, actor: Actor, reach: Reach, goalId: string): Promise<Access> {
  const access = await readableGoal(db, actor, reach, goalId);
  if (access.sides.size === 0) throw forbidden('Only the goal’s owner and their managers can change it');
  return access;
}

/** The side an actor speaks for when they propose: the owner's unless they only manage the goal. */
function proposingSide(sides: Set<GoalSide>): GoalSide {
  return sides.has('owner') ? 'owner' : 'manager';
}

function otherSide(side: GoalSide): GoalParty {
  return side === 'owner' ? 'manager' : 'owner';
}

/** Who stands on one side of a goal, for notifications. */
async function partyUserIds(db: Executor, orgId: string, row: GoalRow, side: GoalSide): Promise<string[]> {
  if (row.owner_kind === 'user') {
    if (side === 'owner') return [row.owner_user_id!];
    const team = await teamOfUser(db, orgId, row.owner_user_id!);
    if (team)
      return ((await teamManagers(db, orgId, [team])).get(team) ?? []).filter((u) => u !== row.owner_user_id);
    // A manager's own goal: the managers of the teams above the teams they manage.
    const managed = await db
      .selectFrom('team_managers')
      .select('team_id')
      .where('org_id', '=', orgId)
      .where('user_id', '=', row.owner_user_id!)
      .execute();
    const teams = await orgTeams(db, orgId);
    const parents = [
      ...new Set(
        managed.flatMap((m) => {
          const parent = teams.find((t) => t.id === m.team_id)?.parent_team_id;
          return parent ? [parent] : [];
        }),
      ),
    ];
    const byTeam = await teamManagers(db, orgId, parents);
    return [...new Set(parents.flatMap((p) => byTeam.get(p) ?? []))].filter((u) => u !== row.owner_user_id);
  }
  if (side === 'owner')
    return (await teamManagers(db, orgId, [row.owner_team_id!])).get(row.owner_team_id!) ?? [];
  const teams = await orgTeams(db, orgId);
  const parent = teams.find((t) => t.id === row.owner_team_id)?.parent_team_id;
  if (!parent) return [];
  return (await teamManagers(db, orgId, [parent])).get(parent) ?? [];
}

// ---- responses -----------------------------------------------------------------------------------

const iso = (ms: number) => new Date(ms).toISOString();

function toGoalResponse(
  row: GoalRow,
  checkpoints: { id: string; goal_id: string; date: string; target: number }[],
  sides: Set<GoalSide>,
): GoalResponse {
  const info = row.metric_key ? metricInfo(row.metric_key) : undefined;
  const canEdit = sides.size > 0;
  return {
    id: row.id,
    owner: {
      kind: row.owner_kind,
      user: row.owner_user_id ? { id: row.owner_user_id, name: row.owner_user_name ?? '' } : null,
      team: row.owner_team_id ? { id: row.owner_team_id, name: row.owner_team_name ?? '' } : null,
    },
    title: row.title,
    description: row.description,
    metric: info ? { key: info.key, name: info.name, unit: info.unit, direction: info.direction } : null,
    manualUnit: row.manual_unit,
    doneCriterion: row.done_criterion,
    currency: row.currency,
    baseline: row.baseline,
    target: row.target,
    startDate: row.start_date,
    deadline: row.deadline,
    checkpoints: checkpoints
      .filter((c) => c.goal_id === row.id)
      .map((c) => ({ id: c.id, date: c.date, target: c.target })),
    status: row.status,
    awaiting: row.awaiting,
    agreedAt: row.agreed_at === null ? null : iso(row.agreed_at),
    progressStatus: row.progress_status,
    progressReason: row.progress_reason,
    supports: row.supports_kind && row.supports_id ? { kind: row.supports_kind, id: row.supports_id } : null,
    permissions: {
      edit: canEdit,
      propose: canEdit && (row.status === 'draft' || row.status === 'changes_requested'),
      decide: row.status === 'proposed' && row.awaiting !== null && sides.has(row.awaiting),
    },
    createdAt: iso(row.created_at),
    updatedAt: iso(row.updated_at),
  };
}

// ---- validation ----------------------------------------------------------------------------------

/** The stored shape a create or an update would produce. */
type GoalDraftRow = Pick<
  GoalsTable,
  | 'owner_kind'
  | 'owner_user_id'
  | 'owner_team_id'
  | 'title'
  | 'description'
  | 'metric_key'
  | 'manual_unit'
  | 'done_criterion'
  | 'currency'
  | 'baseline'
  | 'target'
  | 'start_date'
  | 'deadline'
  | 'supports_kind'
  | 'supports_id'
>;

function fail(problems: FieldProblem[]): never {
  const [first] = problems;
  throw new AppError(400, 'validation_failed', `${first!.path}: ${first!.message}`, { fields: problems });
}

/** Bad input the SMART check would only warn about but that no goal may have: refused, naming the field. */
function shapeProblems(
  d: GoalDraftRow,
  checkpoints: readonly { date: string; target: number }[],
  org: OrgContext,
  currencyGiven: string | undefined,
): FieldProblem[] {
  const problems: FieldProblem[] = [];
  const info = d.metric_key ? metricInfo(d.metric_key) : undefined;
  if (d.deadline < d.start_date)
    problems.push({ path: 'deadline', message: `must be on or after the start date (${d.start_date})` });
  if (d.target === d.baseline) problems.push({ path: 'target', message: 'must differ from the baseline' });
  if (!info) {
    if (!d.manual_unit)
      problems.push({
        path: 'manualUnit',
        message: 'is required for a manual measure (or give a metricKey)',
      });
    if (!d.done_criterion)
      problems.push({
        path: 'doneCriterion',
        message: 'is required for a manual measure (or give a metricKey)',
      });
  }
  if (info?.unit === 'money') {
    if (!Number.isInteger(d.baseline))
      problems.push({ path: 'baseline', message: 'must be whole minor units (cents) for a money metric' });
    if (!Number.isInteger(d.target))
      problems.push({ path: 'target', message: 'must be whole minor units (cents) for a money metric' });
  }
  if (currencyGiven !== undefined) {
    if (info?.unit !== 'money' && info?.unit !== 'money_per_day')
      problems.push({ path: 'currency', message: 'only applies to money metrics' });
    else if (currencyGiven !== org.currency)
      problems.push({
        path: 'currency',
        message: `must be the org currency (${org.currency}): metrics are computed in it`,
      });
  }
  checkpoints.forEach((c, i) => {
    if (c.date < d.start_date || c.date >= d.deadline)
      problems.push({
        path: `checkpoints.${i}.date`,
        message: `must lie between the start (${d.start_date}) and the day before the deadline (${d.deadline})`,
      });
  });
  return problems;
}

/** Checks `supports`: an objective of the org, or a team goal the actor can see that does not lead back here. */
async function supportProblems(
  db: Executor,
  actor: Actor,
  reach: Reach,
  goalId: string | null,
  kind: GoalsTable['supports_kind'],
  supportsId: string | null,
): Promise<FieldProblem[]> {
  if (!kind || !supportsId) return [];
  if (kind === 'objective') {
    const objective = await findObjective(db, actor.orgId, supportsId);
    return objective ? [] : [{ path: 'supports.id', message: 'is not an objective of the org' }];
  }
  if (kind === 'playbook_target') {
    const target = await findPlaybookTarget(db, actor.orgId, supportsId);
    return target?.published
      ? []
      : [{ path: 'supports.id', message: 'is not a target of a published playbook of the org' }];
  }
  const parent = await findGoal(db, actor.orgId, supportsId);
  const managers = await teamManagers(db, actor.orgId, parent?.owner_team_id ? [parent.owner_team_id] : []);
  if (
    parent?.owner_kind !== 'team' ||
    !canReadGoal(actor, reach, ownerOf(parent, managers), await above(db, actor, reach, parent))
  )
    return [{ path: 'supports.id', message: 'is not a team goal you can see' }];
  if (goalId && (supportsId === goalId || (await parentChain(db, actor.orgId, supportsId)).includes(goalId)))
    return [{ path: 'supports.id', message: 'would make a cycle: that goal already sits beneath this one' }];
  return [];
}

// ---- SMART -------------------------------------------------------------------------------------

async function linkFor(
  db: Executor,
  orgId: string,
  kind: GoalsTable['supports_kind'],
  id: string | null,
  today: string,
): Promise<SmartContext['link']> {
  if (!kind || !id) return null;
  if (kind === 'objective') {
    const o = await findObjective(db, orgId, id);
    return o ? { title: o.title, active: o.active === 1 } : null;
  }
  if (kind === 'playbook_target') {
    const t = await findPlaybookTarget(db, orgId, id);
    // Active while it belongs to the playbook's current published version.
    return t?.published
      ? { title: `${t.playbookName} v${t.version}: ${t.metricKey} per ${t.periodKind}`, active: t.isCurrent }
      : null;
  }
  const g = await findGoal(db, orgId, id);
  return g ? { title: g.title, active: g.deadline >= today } : null;
}

async function runSmart(
  db: Executor,
  org: OrgContext,
  d: GoalDraftRow,
  checkpoints: readonly { date: string; target: number }[],
  now: number,
): Promise<SmartResult> {
  const today = dateInZone(now, org.timeZone);
  const draft: SmartDraft = {
    title: d.title,
    ownerKind: d.owner_kind,
    metricKey: d.metric_key,
    manualUnit: d.manual_unit,
    doneCriterion: d.done_criterion,
    baseline: d.baseline,
    target: d.target,
    startDate: d.start_date,
    deadline: d.deadline,
    checkpoints,
    supports: d.supports_kind && d.supports_id ? { kind: d.supports_kind, id: d.supports_id } : null,
  };
  const data = await smartData(db, org, d, now);
  return smartCheck(draft, {
    today,
    horizonDays: org.settings.horizonDays,
    achievableFactor: org.settings.achievableFactor,
    currency: org.currency,
    ...data,
    link: await linkFor(db, org.id, d.supports_kind, d.supports_id, today),
  });
}

/** The SMART check of an unsaved draft, with the owner's history: what the editor shows as you type. */
export async function smartCheckDraft(
  deps: Deps,
  actor: Actor,
  reach: Reach,
  input: z.infer<typeof smartCheckBody>,
): Promise<SmartResult> {
  const db = deps.db.kysely;
  const org = await loadOrgContext(db, actor.orgId);
  const now = deps.clock.now();
  const ownerUserId = input.ownerKind === 'user' ? (input.ownerUserId ?? actor.userId) : null;
  const ownerTeamId = input.ownerKind === 'team' ? (input.ownerTeamId ?? null) : null;
  // History only for owners the actor may see; anyone else is checked without it.
  const visible =
    (ownerUserId !== null && canWriteOwned(actor, reach, ownerUserId)) ||
    (ownerTeamId !== null &&
      (reach.all || reach.managedTeamIds.has(ownerTeamId) || reach.ownTeamId === ownerTeamId));
  const today = dateInZone(now, org.timeZone);
  const draft: SmartDraft = {
    title: input.title,
    ownerKind: input.ownerKind,
    metricKey: input.metricKey ?? null,
    manualUnit: input.manualUnit ?? null,
    doneCriterion: input.doneCriterion ?? null,
    baseline: input.baseline ?? null,
    target: input.target ?? null,
    startDate: input.startDate ?? null,
    deadline: input.deadline ?? null,
    checkpoints: input.checkpoints ?? [],
    supports: input.supports ?? null,
  };
  const metric = draft.metricKey && metricInfo(draft.metricKey) ? draft.metricKey : null;
  const data =
    visible && metric && draft.startDate && draft.deadline
      ? await smartData(
          db,
          org,
          {
            owner_kind: input.ownerKind,
            owner_user_id: ownerUserId,
            owner_team_id: ownerTeamId,
            metric_key: metric,
            baseline: draft.baseline ?? 0,
            target: draft.target ?? 0,
            start_date: draft.startDate,
            deadline: draft.deadline,
            currency: null,
          },
          now,
        )
      : {};
  let link: SmartContext['link'] = null;
  if (input.supports) {
    const problems = await supportProblems(db, actor, reach, null, input.supports.kind, input.supports.id);
    if (problems.length === 0)
      link = await linkFor(db, org.id, input.supports.kind, input.supports.id, today);
  }
  return smartCheck(draft, {
    today,
    horizonDays: org.settings.horizonDays,
    achievableFactor: org.settings.achievableFactor,
    currency: org.currency,
    ...data,
    link,
  });
}

// ---- reads ---------------------------------------------------------------------------------------

export async function listGoalsForActor(
  deps: Deps,
  actor: Actor,
  reach: Reach,
  input: z.infer<typeof goalListQuery>,
) {
  const db = deps.db.kysely;
  const userIds = readableOwnerIds(actor, reach);
  const teamIds = reach.all
    ? null
    : [
        ...reach.managedTeamIds,
        ...(reach.ownTeamId ? [reach.ownTeamId] : []),
        ...(await above(db, actor, reach)),
      ];
  const rows = await listGoals(db, actor.orgId, {
    userIds,
    teamIds,
    ownerUserId: input.ownerUserId,
    ownerTeamId: input.ownerTeamId,
    status: input.status,
    limit: input.limit,
  });
  const [checkpoints, managers] = await Promise.all([
    loadCheckpoints(
      db,
      actor.orgId,
      rows.map((r) => r.id),
    ),
    teamManagers(db, actor.orgId, [
      ...new Set(rows.flatMap((r) => (r.owner_team_id ? [r.owner_team_id] : []))),
    ]),
  ]);
  return {
    items: rows.map((r) => toGoalResponse(r, checkpoints, goalSides(actor, reach, ownerOf(r, managers)))),
  };
}

export async function getGoalDetail(deps: Deps, actor: Actor, reach: Reach, goalId: string) {
  const db = deps.db.kysely;
  const { row, sides } = await readableGoal(db, actor, reach, goalId);
  const org = await loadOrgContext(db, actor.orgId);
  const now = deps.clock.now();
  const checkpoints = await loadCheckpoints(db, actor.orgId, [row.id]);
  const [smart, progress, events, updates, childRows] = await Promise.all([
    runSmart(db, org, row, checkpoints, now),
    computeProgress(db, org, row, checkpoints, now),
    listEvents(db, actor.orgId, row.id),
    listUpdates(db, actor.orgId, row.id),
    listGoals(db, actor.orgId, { userIds: null, teamIds: null, supportsGoalId: row.id, limit: 500 }),
  ]);
  // Children the actor can read, each with its progress; additive children of the same metric sum up.
  const childManagers = await teamManagers(db, actor.orgId, [
    ...new Set(childRows.flatMap((r) => (r.owner_team_id ? [r.owner_team_id] : []))),
  ]);
  const childCheckpoints = await loadCheckpoints(
    db,
    actor.orgId,
    childRows.map((r) => r.id),
  );
  const aboveTeams = await above(db, actor, reach);
  const children = [];
  for (const child of childRows) {
    const owner = ownerOf(child, childManagers);
    if (!canReadGoal(actor, reach, owner, aboveTeams)) continue;
    const cps = childCheckpoints.filter((c) => c.goal_id === child.id);
    const p = await computeProgress(db, org, child, cps, now);
    children.push({ ...toGoalResponse(child, cps, goalSides(actor, reach, owner)), actual: p.view.actual });
  }
  const same = children.filter((c) => c.metric?.key === row.metric_key && row.metric_key !== null);
  const rollup =
    progress.mode === 'cumulative' && same.length > 0
      ? { actual: same.reduce((s, c) => s + c.actual, 0), count: same.length }
      : null;
  return {
    ...toGoalResponse(row, checkpoints, sides),
    smart,
    progressNow: {
      mode: progress.mode,
      ...progress.view,
      pipelineBeforeDeadline: progress.pipelineBeforeDeadline,
      computedAt: iso(now),
    },
    children,
    rollup,
    events: events.map((e) => ({
      id: e.id,
      at: iso(e.at),
      actor: e.actor_user_id ? { id: e.actor_user_id, name: e.actor_name ?? '' } : null,
      kind: e.kind,
      comment: e.comment,
      changes: JSON.parse(e.changes) as Record<string, unknown>,
    })),
    updates: updates.map((u) => ({
      id: u.id,
      value: u.value,
      evidence: u.evidence,
      evidenceUrl: u.evidence_url,
      by: { id: u.created_by, name: u.name },
      at: iso(u.created_at),
    })),
  };
}

export async function getGoalSeries(deps: Deps, actor: Actor, reach: Reach, goalId: string) {
  const db = deps.db.kysely;
  const { row } = await readableGoal(db, actor, reach, goalId);
  const org = await loadOrgContext(db, actor.orgId);
  const checkpoints = await loadCheckpoints(db, actor.orgId, [row.id]);
  return progressSeries(db, org, row, checkpoints, deps.clock.now());
}

async function reload(db: Executor, actor: Actor, reach: Reach, goalId: string) {
  const { row, sides } = await readableGoal(db, actor, reach, goalId);
  return toGoalResponse(row, await loadCheckpoints(db, actor.orgId, [row.id]), sides);
}

// ---- writes --------------------------------------------------------------------------------------

export async function createGoal(deps: Deps, actor: Actor, reach: Reach, input: GoalCreateInput) {
  const db = deps.db.kysely;
  const org = await loadOrgContext(db, actor.orgId);
  let ownerUserId: string | null = null;
  let ownerTeamId: string | null = null;
  if (input.ownerKind === 'user') {
    ownerUserId = input.ownerUserId ?? actor.userId;
    const member = await membershipOf(db, actor.orgId, ownerUserId);
    // Reps set their own goals; managers those of people under them; admins anyone's.
    if (member?.active !== 1 || !canWriteOwned(actor, reach, ownerUserId))
      throw invalidField('ownerUserId', 'is not someone you can set goals for');
  } else {
    if (!input.ownerTeamId) throw invalidField('ownerTeamId', 'is required for a team goal');
    ownerTeamId = input.ownerTeamId;
    if (!reach.all && !reach.managedTeamIds.has(ownerTeamId))
      throw invalidField('ownerTeamId', 'is not a team you manage');
    const teams = await orgTeams(db, actor.orgId);
    if (!teams.some((t) => t.id === ownerTeamId))
      throw invalidField('ownerTeamId', 'is not a team you manage');
  }
  const info = input.metricKey ? metricInfo(input.metricKey) : undefined;
  const d: GoalDraftRow = {
    owner_kind: input.ownerKind,
    owner_user_id: ownerUserId,
    owner_team_id: ownerTeamId,
    title: input.title,
    description: input.description ?? '',
    metric_key: input.metricKey ?? null,
    manual_unit: info ? null : (input.manualUnit ?? null),
    done_criterion: info ? null : (input.doneCriterion ?? null),
    currency: info?.unit === 'money' || info?.unit === 'money_per_day' ? org.currency : null,
    baseline: input.baseline,
    target: input.target,
    start_date: input.startDate,
    deadline: input.deadline,
    supports_kind: input.supports?.kind ?? null,
    supports_id: input.supports?.id ?? null,
  };
  const checkpoints = input.checkpoints ?? [];
  const problems = [
    ...shapeProblems(d, checkpoints, org, input.currency),
    ...(await supportProblems(db, actor, reach, null, d.supports_kind, d.supports_id)),
  ];
  if (problems.length > 0) fail(problems);
  const id = newId();
  await db.transaction().execute(async (trx) => {
    const now = deps.clock.now();
    await insertGoal(trx, {
      org_id: actor.orgId,
      id,
      ...d,
      status: 'draft',
      awaiting: null,
      proposed_by: null,
      agreed_at: null,
      progress_status: null,
      progress_reason: null,
      progress_checked_at: null,
      created_by: actor.userId,
      created_at: now,
      updated_at: now,
    });
    await replaceCheckpoints(trx, actor.orgId, id, checkpoints);
    await insertEvent(trx, {
      orgId: actor.orgId,
      goalId: id,
      at: now,
      actorUserId: actor.userId,
      kind: 'created',
    });
    await audit(trx, deps, actor, 'goal', id, 'create', {
      title: d.title,
      ownerKind: d.owner_kind,
      ownerId: ownerUserId ?? ownerTeamId,
      metricKey: d.metric_key,
    });
  });
  return reload(db, actor, reach, id);
}

export async function updateGoal(
  deps: Deps,
  actor: Actor,
  reach: Reach,
  goalId: string,
  input: GoalUpdateInput,
) {
  const db = deps.db.kysely;
  const org = await loadOrgContext(db, actor.orgId);
  return db.transaction().execute(async (trx) => {
    const { row } = await writableGoal(trx, actor, reach, goalId);
    const metricKey = input.metricKey !== undefined ? input.metricKey : row.metric_key;
    const info = metricKey ? metricInfo(metricKey) : undefined;
    const next: GoalDraftRow = {
      owner_kind: row.owner_kind,
      owner_user_id: row.owner_user_id,
      owner_team_id: row.owner_team_id,
      title: input.title ?? row.title,
      description: input.description ?? row.description,
      metric_key: metricKey,
      manual_unit: info ? null : input.manualUnit !== undefined ? input.manualUnit : row.manual_unit,
      done_criterion: info
        ? null
        : input.doneCriterion !== undefined
          ? input.doneCriterion
          : row.done_criterion,
      currency:
        info?.unit === 'money' || info?.unit === 'money_per_day' ? (row.currency ?? org.currency) : null,
      baseline: input.baseline ?? row.baseline,
      target: input.target ?? row.target,
      start_date: input.startDate ?? row.start_date,
      deadline: input.deadline ?? row.deadline,
      supports_kind: input.supports !== undefined ? (input.supports?.kind ?? null) : row.supports_kind,
      supports_id: input.supports !== undefined ? (input.supports?.id ?? null) : row.supports_id,
    };
    const before = await loadCheckpoints(trx, actor.orgId, [goalId]);
    const checkpoints = input.checkpoints ?? before.map((c) => ({ date: c.date, target: c.target }));
    const problems = [
      ...shapeProblems(next, checkpoints, org, input.currency),
      ...(input.supports !== undefined
        ? await supportProblems(trx, actor, reach, goalId, next.supports_kind, next.supports_id)
        : []),
    ];
    if (problems.length > 0) fail(problems);
    const changes = diff(row as unknown as Record<string, unknown>, next);
    const sortedBefore = before.map((c) => ({ date: c.date, target: c.target }));
    const sameCheckpoints =
      JSON.stringify(sortedBefore) ===
      JSON.stringify([...checkpoints].sort((a, b) => a.date.localeCompare(b.date)).map((c) => ({ ...c })));
    if (input.checkpoints !== undefined && !sameCheckpoints) {
      changes.checkpoints = [sortedBefore, checkpoints];
      await replaceCheckpoints(trx, actor.orgId, goalId, checkpoints);
    }
    // Saving the same values again changes nothing: no event, and an agreement stays agreed.
    if (Object.keys(changes).length === 0) return reload(trx, actor, reach, goalId);
    // Changing a proposed or agreed goal reopens it: both sides must agree on the new version.
    const status = row.status === 'proposed' || row.status === 'agreed' ? 'draft' : row.status;
    const now = deps.clock.now();
    await updateGoalRow(trx, actor.orgId, goalId, {
      ...next,
      status,
      awaiting: status === row.status ? row.awaiting : null,
      agreed_at: null,
      progress_status: null,
      progress_reason: null,
      updated_at: now,
    });
    if (status !== row.status) changes.status = [row.status, status];
    await insertEvent(trx, {
      orgId: actor.orgId,
      goalId,
      at: now,
      actorUserId: actor.userId,
      kind: 'updated',
      changes,
    });
    await audit(trx, deps, actor, 'goal', goalId, 'update', changes);
    return reload(trx, actor, reach, goalId);
  });
}

export async function deleteGoal(deps: Deps, actor: Actor, reach: Reach, goalId: string): Promise<void> {
  await deps.db.kysely.transaction().execute(async (trx) => {
    const { row } = await writableGoal(trx, actor, reach, goalId);
    if (row.status === 'agreed')
      throw conflict('An agreed goal cannot be deleted; change it and agree again instead');
    if ((await countChildren(trx, actor.orgId, goalId)) > 0)
      throw conflict('Goals sit beneath this one; move or delete them first');
    await deleteGoalRow(trx, actor.orgId, goalId);
    await audit(trx, deps, actor, 'goal', goalId, 'delete', { title: row.title, status: row.status });
  });
}

async function assertSmartPasses(db: Executor, org: OrgContext, row: GoalRow, now: number): Promise<void> {
  const checkpoints = await loadCheckpoints(db, org.id, [row.id]);
  const smart = await runSmart(db, org, row, checkpoints, now);
  if (smart.blocking) {
    const failing = smart.items.filter((i) => i.verdict === 'fail');
    throw conflict(`The SMART check fails: ${failing.map((i) => `${i.letter}: ${i.message}`).join(' ')}`, {
      smart,
    });
  }
}

async function markAgreed(
  trx: Executor,
  deps: Deps,
  actor: Actor,
  org: OrgContext,
  row: GoalRow,
  comment: string | null,
): Promise<void> {
  const now = deps.clock.now();
  await assertSmartPasses(trx, org, row, now);
  await updateGoalRow(trx, actor.orgId, row.id, {
    status: 'agreed',
    awaiting: null,
    agreed_at: now,
    updated_at: now,
  });
  await insertEvent(trx, {
    orgId: actor.orgId,
    goalId: row.id,
    at: now,
    actorUserId: actor.userId,
    kind: 'agreed',
    comment,
  });
  const agreed = await findGoal(trx, actor.orgId, row.id);
  await refreshStatus(trx, deps, org, agreed!, now);
}

export async function proposeGoal(
  deps: Deps,
  actor: Actor,
  reach: Reach,
  goalId: string,
  input: z.infer<typeof optionalCommentBody>,
) {
  const db = deps.db.kysely;
  const org = await loadOrgContext(db, actor.orgId);
  return db.transaction().execute(async (trx) => {
    const { row, owner, sides } = await writableGoal(trx, actor, reach, goalId);
    if (row.status !== 'draft' && row.status !== 'changes_requested')
      throw conflict(
        `The goal is ${row.status.replace('_', ' ')}; only a draft or a goal with changes requested can be proposed`,
      );
    const side = proposingSide(sides);
    const now = deps.clock.now();
    const comment = input.comment ?? null;
    if (!goalNeedsApproval(actor, reach, owner)) {
      await markAgreed(trx, deps, actor, org, row, comment);
      await audit(trx, deps, actor, 'goal', goalId, 'agree', { withoutApproval: true });
      return reload(trx, actor, reach, goalId);
    }
    const awaiting = otherSide(side);
    await updateGoalRow(trx, actor.orgId, goalId, {
      status: 'proposed',
      awaiting,
      proposed_by: actor.userId,
      updated_at: now,
    });
    await insertEvent(trx, {
      orgId: actor.orgId,
      goalId,
      at: now,
      actorUserId: actor.userId,
      kind: 'proposed',
      comment,
    });
    for (const userId of await partyUserIds(trx, actor.orgId, row, awaiting)) {
      if (userId === actor.userId) continue;
      await notify(trx, deps, {
        orgId: actor.orgId,
        userId,
        category: 'approval',
        title: `Goal proposed: ${row.title}`,
        body: comment ?? 'A goal waits for your agreement or your request for changes.',
        link: `/goals/${goalId}`,
      });
    }
    await audit(trx, deps, actor, 'goal', goalId, 'propose', { awaiting });
    return reload(trx, actor, reach, goalId);
  });
}

async function decidable(trx: Executor, actor: Actor, reach: Reach, goalId: string): Promise<Access> {
  const access = await writableGoal(trx, actor, reach, goalId);
  if (access.row.status !== 'proposed' || access.row.awaiting === null)
    throw conflict('The goal is not waiting for a decision');
  if (!access.sides.has(access.row.awaiting))
    throw forbidden(
      access.row.awaiting === 'manager'
        ? 'This proposal waits for a manager of the goal’s owner'
        : 'This proposal waits for the goal’s owner',
    );
  return access;
}

async function tellProposer(
  trx: Executor,
  deps: Deps,
  actor: Actor,
  row: GoalRow,
  title: string,
  body: string,
) {
  if (!row.proposed_by || row.proposed_by === actor.userId) return;
  await notify(trx, deps, {
    orgId: actor.orgId,
    userId: row.proposed_by,
    category: 'approval',
    title,
    body,
    link: `/goals/${row.id}`,
  });
}

export async function agreeGoal(
  deps: Deps,
  actor: Actor,
  reach: Reach,
  goalId: string,
  input: z.infer<typeof optionalCommentBody>,
) {
  const db = deps.db.kysely;
  const org = await loadOrgContext(db, actor.orgId);
  return db.transaction().execute(async (trx) => {
    const { row } = await decidable(trx, actor, reach, goalId);
    await markAgreed(trx, deps, actor, org, row, input.comment ?? null);
    await tellProposer(
      trx,
      deps,
      actor,
      row,
      `Goal agreed: ${row.title}`,
      input.comment ?? 'Your proposal was agreed.',
    );
    await audit(trx, deps, actor, 'goal', goalId, 'agree', {});
    return reload(trx, actor, reach, goalId);
  });
}

export async function requestGoalChanges(
  deps: Deps,
  actor: Actor,
  reach: Reach,
  goalId: string,
  input: { comment: string },
) {
  return deps.db.kysely.transaction().execute(async (trx) => {
    const { row } = await decidable(trx, actor, reach, goalId);
    const now = deps.clock.now();
    // The goal now waits for the proposer's side to revise it.
    const awaiting = otherSide(row.awaiting!);
    await updateGoalRow(trx, actor.orgId, goalId, { status: 'changes_requested', awaiting, updated_at: now });
    await insertEvent(trx, {
      orgId: actor.orgId,
      goalId,
      at: now,
      actorUserId: actor.userId,
      kind: 'changes_requested',
      comment: input.comment,
    });
    await tellProposer(trx, deps, actor, row, `Changes requested: ${row.title}`, input.comment);
    await audit(trx, deps, actor, 'goal', goalId, 'request_changes', {});
    return reload(trx, actor, reach, goalId);
  });
}

export async function commentOnGoal(
  deps: Deps,
  actor: Actor,
  reach: Reach,
  goalId: string,
  input: { comment: string },
) {
  return deps.db.kysely.transaction().execute(async (trx) => {
    await writableGoal(trx, actor, reach, goalId);
    await insertEvent(trx, {
      orgId: actor.orgId,
      goalId,
      at: deps.clock.now(),
      actorUserId: actor.userId,
      kind: 'comment',
      comment: input.comment,
    });
    await audit(trx, deps, actor, 'goal', goalId, 'comment', {});
    return reload(trx, actor, reach, goalId);
  });
}

/** Manual measures only: progress of a metric goal comes from data and is never typed in. */
export async function addProgressUpdate(
  deps: Deps,
  actor: Actor,
  reach: Reach,
  goalId: string,
  input: z.infer<typeof progressUpdateBody>,
) {
  const db = deps.db.kysely;
  const org = await loadOrgContext(db, actor.orgId);
  return db.transaction().execute(async (trx) => {
    const { row } = await writableGoal(trx, actor, reach, goalId);
    if (row.metric_key !== null)
      throw invalidField('value', 'progress of a metric goal comes from data; it cannot be typed in');
    const now = deps.clock.now();
    const updateId = await insertUpdate(trx, {
      orgId: actor.orgId,
      goalId,
      value: input.value,
      evidence: input.evidence,
      evidenceUrl: input.evidenceUrl ?? null,
      by: actor.userId,
      at: now,
    });
    await insertEvent(trx, {
      orgId: actor.orgId,
      goalId,
      at: now,
      actorUserId: actor.userId,
      kind: 'progress',
      comment: input.evidence,
      changes: { value: input.value },
    });
    await refreshStatus(trx, deps, org, row, now);
    await audit(trx, deps, actor, 'goal', goalId, 'progress', { updateId, value: input.value });
    return reload(trx, actor, reach, goalId);
  });
}

// ---- status ------------------------------------------------------------------------------------

/**
 * Recomputes an agreed goal's status and, when it changed, stores it with a history event and
 * tells the owner and their managers (in-app; email by their preferences). The first status, set on
 * agreement, is stored without notifying. Returns the new status when it changed.
 */
export async function refreshStatus(
  trx: Executor,
  deps: Pick<Deps, 'clock'>,
  org: OrgContext,
  row: GoalRow,
  now: number,
): Promise<string | null> {
  if (row.status !== 'agreed') return null;
  const checkpoints = await loadCheckpoints(trx, org.id, [row.id]);
  const { view } = await computeProgress(trx, org, row, checkpoints, now);
  if (view.status === row.progress_status) {
    await setProgressStatus(trx, org.id, row.id, view.status, view.reason, now);
    return null;
  }
  await setProgressStatus(trx, org.id, row.id, view.status, view.reason, now);
  await insertEvent(trx, {
    orgId: org.id,
    goalId: row.id,
    at: now,
    // Computed from data, not done by anyone.
    actorUserId: null,
    kind: 'status',
    comment: view.reason,
    changes: { status: [row.progress_status, view.status] },
  });
  if (view.status === 'achieved') {
    // Queued in this transaction: receivers hear of it only if the status is stored.
    await emitEvent(trx, deps, org.id, 'goal.achieved', {
      goal: {
        id: row.id,
        title: row.title,
        ownerKind: row.owner_kind,
        ownerUserId: row.owner_user_id,
        ownerTeamId: row.owner_team_id,
        metricKey: row.metric_key,
        manualUnit: row.manual_unit,
        baseline: row.baseline,
        target: row.target,
        deadline: row.deadline,
        achievedAt: new Date(now).toISOString(),
        reason: view.reason,
      },
    });
  }
  if (row.progress_status !== null) {
    const recipients = new Set([
      ...(await partyUserIds(trx, org.id, row, 'owner')),
      ...(await partyUserIds(trx, org.id, row, 'manager')),
    ]);
    for (const userId of recipients) {
      await notify(trx, deps, {
        orgId: org.id,
        userId,
        category: 'goal_status',
        title: `${row.title}: ${view.status.replace('_', ' ')}`,
        body: view.reason,
        link: `/goals/${row.id}`,
      });
    }
  }
  return view.status;
}

/** Recomputes every agreed goal of one org (the scheduled job, and tests). Returns how many changed. */
export async function refreshOrgGoalStatuses(
  deps: Pick<Deps, 'db' | 'clock'>,
  orgId: string,
): Promise<number> {
  const db = deps.db.kysely;
  const org = await loadOrgContext(db, orgId);
  const rows = await listGoals(db, orgId, { userIds: null, teamIds: null, status: 'agreed', limit: 100_000 });
  let changed = 0;
  for (const row of rows) {
    await db.transaction().execute(async (trx) => {
      const fresh = await findGoal(trx, orgId, row.id);
      if (!fresh) return;
      const now = deps.clock.now();
      const status = await refreshStatus(trx, deps, org, fresh, now);
      if (status) {
        changed += 1;
        // No person acted: the audit row names none.
        await insertAudit(trx, {
          orgId,
          actorUserId: null,
          entityType: 'goal',
          entityId: row.id,
          action: 'status',
          summary: { status },
          requestId: null,
          at: now,
        });
      }
    });
  }
  return changed;
}
