import { parse as parseCsv } from 'csv-parse/sync';
import type { z } from 'zod';
import { type Calendar, type Period, periodFromKey, periodOfDate } from '../../../shared/periods.ts';
import { parseTargetNumber, targetAmountProblem } from '../../../shared/target-amounts.ts';
import type { Deps } from '../../context.ts';
import type { Executor } from '../../db/database.ts';
import type { TargetSubject } from '../../db/schema.ts';
import { AppError, conflict, invalidField, notFound } from '../../lib/errors.ts';
import { newId } from '../../lib/ids.ts';
import { type Actor, canReadTargetsOf, canSetTargetFor, type Reach } from '../../policy/policy.ts';
import { audit } from '../audit/audit.service.ts';
import { CellError, minorDigits, parseAmountMinor } from '../crm/import/import-values.ts';
import { findOrg } from '../identity/identity.repository.ts';
import { loadOrgMetrics, metricsByKey, type OrgMetric } from '../metrics/metric-registry.ts';
import { loadMetricSettings } from '../metrics/metric-settings.service.ts';
import { publishedPlaybookTargets } from '../playbooks/playbooks.repository.ts';
import {
  effectiveTargetsLoader,
  playbookDefaultsOf,
  rolledTeamTargets,
  rolledUserTargets,
  targetSpan,
  targetSumsOf,
  type UserTarget,
  userTargetBasis,
  userTargetsFrom,
} from './targets.effective.ts';
import {
  applyTargetWrites,
  deleteTargetRow,
  findTarget,
  listTargets,
  membershipStarts,
  membersOfTeams,
  type TargetRow,
  type TargetWrite,
  targetsFor,
  teamTree,
} from './targets.repository.ts';
import type {
  effectiveTargetsQuery,
  gridPutBody,
  gridQuery,
  importBody,
  targetCreateBody,
  targetListQuery,
  targetUpdateBody,
} from './targets.schemas.ts';

interface OrgCtx {
  id: string;
  currency: string;
  timeZone: string;
  cal: Calendar;
  now: number;
}

async function orgCtx(deps: Deps, db: Executor, orgId: string): Promise<OrgCtx> {
  const org = await findOrg(db, orgId);
  if (!org) throw notFound('Organization');
  return {
    id: org.id,
    currency: org.currency,
    timeZone: org.time_zone,
    cal: { timeZone: org.time_zone, fiscalYearStartMonth: org.fiscal_year_start_month },
    now: deps.clock.now(),
  };
}

function parsePeriod(key: string, cal: Calendar, path: string): Period {
  const p = periodFromKey(key, cal);
  if (!p) throw invalidField(path, 'is not a period key such as 2026-W11, 2026-03, FY2026-Q2 or FY2026');
  return p;
}

function periodOut(p: Period, now: number) {
  return {
    key: p.key,
    label: p.label,
    kind: p.kind,
    startDate: p.startDate,
    endDate: p.endDate,
    closed: p.end <= now,
  };
}

/** Targets of an ended period change only when an admin confirms; the message says which applies. */
function closedPeriodProblem(actor: Actor, p: Period, now: number, confirmed: boolean): string | null {
  if (p.end > now) return null;
  if (actor.role !== 'admin') return `${p.label} has ended; only an admin can change its targets`;
  return confirmed ? null : `${p.label} has ended; confirm (confirmClosedPeriod) to change its targets`;
}

const notSettable = 'is not a person or team whose targets you set';

/** Active org members and org teams among the ids, in two queries. */
async function existingSubjects(db: Executor, orgId: string, userIds: string[], teamIds: string[]) {
  const [users, teams] = await Promise.all([
    userIds.length
      ? db
          .selectFrom('memberships as m')
          .innerJoin('users as u', 'u.id', 'm.user_id')
          .select(['m.user_id as id', 'u.name', 'u.email'])
          .where('m.org_id', '=', orgId)
          .where('m.active', '=', 1)
          .where('m.user_id', 'in', userIds)
          .execute()
      : Promise.resolve([]),
    teamIds.length
      ? db
          .selectFrom('teams')
          .select(['id', 'name'])
          .where('org_id', '=', orgId)
          .where('id', 'in', teamIds)
          .execute()
      : Promise.resolve([]),
  ]);
  return {
    users: new Map(users.map((u) => [u.id, u.name])),
    teams: new Map(teams.map((t) => [t.id, t.name])),
  };
}

/** Responses for target rows: names and effective (ramped) amounts in a fixed number of queries. */
async function toResponses(db: Executor, org: OrgCtx, rows: TargetRow[]) {
  const userIds = [...new Set(rows.filter((r) => r.subject_type === 'user').map((r) => r.subject_id))];
  const teamIds = [...new Set(rows.filter((r) => r.subject_type === 'team').map((r) => r.subject_id))];
  const [names, starts, settings] = await Promise.all([
    existingSubjectNames(db, org.id, userIds, teamIds),
    membershipStarts(db, org.id, userIds),
    loadMetricSettings(db, org.id),
  ]);
  return rows.map((r) => {
    const period = periodOfDate(r.period_kind, r.period_start, org.cal);
    const ramped =
      r.subject_type === 'user'
        ? userTargetsFrom([r], starts, settings.ramp, org.timeZone, r.period_start).get(r.subject_id)
        : undefined;
    return {
      id: r.id,
      subjectType: r.subject_type,
      subject: {
        id: r.subject_id,
        name: (r.subject_type === 'user' ? names.users : names.teams).get(r.subject_id) ?? '—',
      },
      metric: r.metric_key,
      period: periodOut(period, org.now),
      amount: Number(r.amount),
      effectiveAmount: ramped?.effective ?? Number(r.amount),
      rampPercent: ramped?.rampPercent ?? 100,
      createdAt: new Date(Number(r.created_at)).toISOString(),
      updatedAt: new Date(Number(r.updated_at)).toISOString(),
    };
  });
}

async function existingSubjectNames(db: Executor, orgId: string, userIds: string[], teamIds: string[]) {
  const [users, teams] = await Promise.all([
    userIds.length
      ? db.selectFrom('users').select(['id', 'name']).where('id', 'in', userIds).execute()
      : Promise.resolve([]),
    teamIds.length
      ? db
          .selectFrom('teams')
          .select(['id', 'name'])
          .where('org_id', '=', orgId)
          .where('id', 'in', teamIds)
          .execute()
      : Promise.resolve([]),
  ]);
  return {
    users: new Map(users.map((u) => [u.id, u.name])),
    teams: new Map(teams.map((t) => [t.id, t.name])),
  };
}

/** A target the actor may read, or the same 404 a missing one gives. */
async function readableTarget(db: Executor, actor: Actor, reach: Reach, id: string): Promise<TargetRow> {
  const row = await findTarget(db, actor.orgId, id);
  if (!row || !canReadTargetsOf(actor, reach, { type: row.subject_type, id: row.subject_id }))
    throw notFound('Target');
  return row;
}

export async function getTarget(deps: Deps, actor: Actor, reach: Reach, id: string) {
  const db = deps.db.kysely;
  const row = await readableTarget(db, actor, reach, id);
  const [out] = await toResponses(db, await orgCtx(deps, db, actor.orgId), [row]);
  return out!;
}

/** Targets the actor may read: their own, their reports' and managed teams' (admins: all). */
export async function listTargetsFor(
  deps: Deps,
  actor: Actor,
  reach: Reach,
  input: z.infer<typeof targetListQuery>,
) {
  const db = deps.db.kysely;
  const org = await orgCtx(deps, db, actor.orgId);
  const period = input.period ? parsePeriod(input.period, org.cal, 'period') : undefined;
  let subjectIds: string[] | null = null;
  let teamIds: string[] | null = null;
  if (input.userId || input.teamId) {
    subjectIds =
      input.userId && canReadTargetsOf(actor, reach, { type: 'user', id: input.userId })
        ? [input.userId]
        : [];
    teamIds =
      input.teamId && canReadTargetsOf(actor, reach, { type: 'team', id: input.teamId })
        ? [input.teamId]
        : [];
  } else if (!reach.all) {
    subjectIds = [actor.userId, ...reach.reportUserIds];
    teamIds = [...reach.managedTeamIds, ...(reach.ownTeamId ? [reach.ownTeamId] : [])];
  }
  const rows = await listTargets(db, actor.orgId, {
    subjectIds,
    teamIds,
    metricKey: input.metric,
    period: period ? { kind: period.kind, startDate: period.startDate } : undefined,
    limit: input.limit,
  });
  return { items: await toResponses(db, org, rows) };
}

/**
 * Every metric a person has an effective target for in a period — set, summed from months /
 * quarters, or from their playbook (decision 008) — with the effective amount and how it was
 * obtained: what the rep dashboard shows a card for. Readable by whoever may read that person's
 * targets (`canReadTargetsOf`); anyone else, like a person of another org or none, gets a 404.
 * Costs what one KPI request's targets cost: one query for every metric's targets of the period,
 * the published playbook targets once, the person's membership once.
 */
export async function effectiveTargetsFor(
  deps: Deps,
  actor: Actor,
  reach: Reach,
  input: z.infer<typeof effectiveTargetsQuery>,
) {
  const db = deps.db.kysely;
  const org = await orgCtx(deps, db, actor.orgId);
  const period = parsePeriod(input.period, org.cal, 'period');
  const userId = input.userId ?? actor.userId;
  const [subjects, metrics, settings] = await Promise.all([
    existingSubjects(db, actor.orgId, [userId], []),
    loadOrgMetrics(db, actor.orgId),
    loadMetricSettings(db, actor.orgId),
  ]);
  const name = subjects.users.get(userId);
  if (name === undefined || !canReadTargetsOf(actor, reach, { type: 'user', id: userId }))
    throw notFound('User');
  const byKey = metricsByKey(metrics);
  const keys = metrics.map((m) => m.key);
  const targetsOf = effectiveTargetsLoader(
    db,
    { id: org.id, timeZone: org.timeZone },
    [userId],
    keys,
    settings.ramp,
    (key) => {
      const m = byKey.get(key);
      return m ? targetSumsOf(m).periods : false;
    },
  );
  const ref = { kind: period.kind, startDate: period.startDate };
  const got = await Promise.all(keys.map(async (k) => [k, (await targetsOf(k, ref)).get(userId)] as const));
  return {
    user: { id: userId, name },
    period: periodOut(period, org.now),
    items: got.flatMap(([metric, t]) =>
      t
        ? [
            {
              metric,
              amount: t.effective,
              basis: userTargetBasis(t),
            },
          ]
        : [],
    ),
  };
}

interface CellInput {
  subjectType: TargetSubject;
  subjectId: string;
  metric: string;
  amount: number | null;
}

/**
 * Checks cells against the org (known metric, existing subject in reach, open period) and returns
 * them as writes, or throws a 400 naming the first bad cell's field.
 */
async function checkCells(
  db: Executor,
  actor: Actor,
  reach: Reach,
  metrics: Map<string, OrgMetric>,
  cells: CellInput[],
  path: (i: number, field: string) => string,
  period: Period,
  /** The org's currency: money targets of metrics without a currency of their own are in it. */
  currency: string,
): Promise<TargetWrite[]> {
  const subjects = await existingSubjects(
    db,
    actor.orgId,
    cells.filter((c) => c.subjectType === 'user').map((c) => c.subjectId),
    cells.filter((c) => c.subjectType === 'team').map((c) => c.subjectId),
  );
  const seen = new Set<string>();
  return cells.map((c, i) => {
    const metric = metrics.get(c.metric);
    if (!metric) throw invalidField(path(i, 'metric'), 'is not a metric of the catalog');
    const precision =
      c.amount === null ? null : targetAmountProblem(c.amount, metric.format, metric.currency ?? currency);
    if (precision) throw invalidField(path(i, 'amount'), precision);
    const exists = (c.subjectType === 'user' ? subjects.users : subjects.teams).has(c.subjectId);
    if (!exists || !canSetTargetFor(actor, reach, { type: c.subjectType, id: c.subjectId }))
      throw invalidField(path(i, 'subjectId'), notSettable);
    const key = `${c.subjectType}|${c.subjectId}|${c.metric}`;
    if (seen.has(key)) throw invalidField(path(i, 'subjectId'), 'appears twice for the same metric');
    seen.add(key);
    return {
      subjectType: c.subjectType,
      subjectId: c.subjectId,
      metricKey: c.metric,
      period: { kind: period.kind, startDate: period.startDate },
      amount: c.amount,
    };
  });
}

export async function createTarget(
  deps: Deps,
  actor: Actor,
  reach: Reach,
  input: z.infer<typeof targetCreateBody>,
) {
  return deps.db.kysely.transaction().execute(async (trx) => {
    const org = await orgCtx(deps, trx, actor.orgId);
    const period = parsePeriod(input.period, org.cal, 'period');
    const metrics = metricsByKey(await loadOrgMetrics(trx, actor.orgId));
    const [write] = await checkCells(trx, actor, reach, metrics, [input], (_i, f) => f, period, org.currency);
    const closed = closedPeriodProblem(actor, period, org.now, input.confirmClosedPeriod);
    if (closed) throw invalidField('period', closed);
    const existing = await targetsFor(
      trx,
      actor.orgId,
      period,
      [{ type: input.subjectType, ids: [input.subjectId] }],
      [input.metric],
    );
    if (existing[0])
      throw conflict('A target for this person or team, metric and period exists', { id: existing[0].id });
    const result = await applyTargetWrites(trx, actor.orgId, [write!], {
      userId: actor.userId,
      now: org.now,
      newId,
    });
    // Read back by its natural key: a racing writer may own the row (and its id) by now.
    const [row] = await targetsFor(
      trx,
      actor.orgId,
      period,
      [{ type: input.subjectType, ids: [input.subjectId] }],
      [input.metric],
    );
    const id = row?.id ?? result.ids[0]!;
    await audit(trx, deps, actor, 'target', id, 'create', {
      subject: `${input.subjectType}:${input.subjectId}`,
      metric: input.metric,
      period: period.key,
      amount: input.amount,
    });
    return (await toResponses(trx, org, [row!]))[0]!;
  });
}

export async function updateTarget(
  deps: Deps,
  actor: Actor,
  reach: Reach,
  id: string,
  input: z.infer<typeof targetUpdateBody>,
) {
  return deps.db.kysely.transaction().execute(async (trx) => {
    const row = await readableTarget(trx, actor, reach, id);
    if (!canSetTargetFor(actor, reach, { type: row.subject_type, id: row.subject_id }))
      throw notFound('Target');
    const org = await orgCtx(deps, trx, actor.orgId);
    const period = periodOfDate(row.period_kind, row.period_start, org.cal);
    const closed = closedPeriodProblem(actor, period, org.now, input.confirmClosedPeriod);
    if (closed) throw invalidField('confirmClosedPeriod', closed);
    const metric = metricsByKey(await loadOrgMetrics(trx, actor.orgId)).get(row.metric_key);
    const precision = targetAmountProblem(
      input.amount,
      metric?.format ?? 'count',
      metric?.currency ?? org.currency,
    );
    if (precision) throw invalidField('amount', precision);
    await trx
      .updateTable('targets')
      .set({ amount: input.amount, updated_at: org.now })
      .where('org_id', '=', actor.orgId)
      .where('id', '=', id)
      .execute();
    await audit(trx, deps, actor, 'target', id, 'update', { amount: [Number(row.amount), input.amount] });
    return (await toResponses(trx, org, [(await findTarget(trx, actor.orgId, id))!]))[0]!;
  });
}

export async function deleteTarget(
  deps: Deps,
  actor: Actor,
  reach: Reach,
  id: string,
  confirmClosedPeriod: boolean,
): Promise<void> {
  await deps.db.kysely.transaction().execute(async (trx) => {
    const row = await readableTarget(trx, actor, reach, id);
    if (!canSetTargetFor(actor, reach, { type: row.subject_type, id: row.subject_id }))
      throw notFound('Target');
    const org = await orgCtx(deps, trx, actor.orgId);
    const closed = closedPeriodProblem(
      actor,
      periodOfDate(row.period_kind, row.period_start, org.cal),
      org.now,
      confirmClosedPeriod,
    );
    if (closed) throw invalidField('confirmClosedPeriod', closed);
    await deleteTargetRow(trx, actor.orgId, id);
    await audit(trx, deps, actor, 'target', id, 'delete', {
      subject: `${row.subject_type}:${row.subject_id}`,
      metric: row.metric_key,
      period: row.period_start,
      amount: Number(row.amount),
    });
  });
}

/**
 * The target grid of a team for a period: each member × metric (stored and effective after ramp),
 * the team's own target (direct, or the sum of members and sub-teams), and each direct sub-team.
 * A fixed number of queries whatever the team size.
 */
export async function targetGrid(deps: Deps, actor: Actor, reach: Reach, input: z.infer<typeof gridQuery>) {
  const db = deps.db.kysely;
  // The grid is a manager's tool: teams they manage (and below), or any team for admins.
  if (!(reach.all || reach.managedTeamIds.has(input.teamId))) throw notFound('Team');
  const org = await orgCtx(deps, db, actor.orgId);
  const period = parsePeriod(input.period, org.cal, 'period');
  const teams = await teamTree(db, actor.orgId);
  const team = teams.find((t) => t.id === input.teamId);
  if (!team) throw notFound('Team');
  // The team and every team below it.
  const subtree = new Set<string>([team.id]);
  for (let grew = true; grew; ) {
    grew = false;
    for (const t of teams)
      if (t.parent_team_id && subtree.has(t.parent_team_id) && !subtree.has(t.id)) {
        subtree.add(t.id);
        grew = true;
      }
  }
  const treeTeams = teams.filter((t) => subtree.has(t.id));
  const [members, orgMetrics, settings, playbooks] = await Promise.all([
    membersOfTeams(db, actor.orgId, [...subtree]),
    loadOrgMetrics(db, actor.orgId),
    loadMetricSettings(db, actor.orgId),
    // A person without a target of their own has their playbook's (and it counts in team sums).
    publishedPlaybookTargets(db, actor.orgId),
  ]);
  const metrics = metricsByKey(orgMetrics);
  const userIds = members.map((m) => m.user_id);
  const ref = { kind: period.kind, startDate: period.startDate };
  let metricKeys: string[];
  if (input.metrics) {
    metricKeys = [
      ...new Set(
        input.metrics
          .split(',')
          .map((k) => k.trim())
          .filter(Boolean),
      ),
    ];
    const unknown = metricKeys.find((k) => !metrics.has(k));
    if (unknown) throw invalidField('metrics', `"${unknown}" is not a metric of the catalog`);
    if (metricKeys.length > 30) throw invalidField('metrics', 'at most 30 metrics');
  } else metricKeys = [];
  // The period's targets with, for a quarter or a year, those of its months (and quarters): a
  // period without its own target of a cumulative metric shows the sum of them.
  const within = targetSpan(period.kind, period.startDate);
  const spanRows = await targetsFor(
    db,
    actor.orgId,
    ref,
    [
      { type: 'user', ids: userIds },
      { type: 'team', ids: [...subtree] },
    ],
    metricKeys.length ? metricKeys : null,
    within ? { within } : {},
  );
  const rows = spanRows.filter((r) => r.period_kind === period.kind && r.period_start === period.startDate);
  if (metricKeys.length === 0) {
    metricKeys = [...new Set(rows.map((r) => r.metric_key))].sort();
    if (metricKeys.length === 0) metricKeys = ['revenue_won'];
  }
  const starts = new Map(members.map((m) => [m.user_id, Number(m.created_at)]));
  const people = new Map(members.map((m) => [m.user_id, { role: m.role, teamId: m.team_id }]));
  const perMetric = new Map(
    metricKeys.map((key) => {
      const mine = spanRows.filter((r) => r.metric_key === key);
      const sums = targetSumsOf(metrics.get(key)!);
      const userRows = mine.filter((r) => r.subject_type === 'user');
      const defaultsOf = playbookDefaultsOf(playbooks, people, key);
      const usersAt = new Map<string, Map<string, UserTarget>>();
      const usersOf = (kind: typeof period.kind, startDate: string) => {
        const k = `${kind}|${startDate}`;
        let got = usersAt.get(k);
        if (!got) {
          got = rolledUserTargets(
            userRows,
            starts,
            settings.ramp,
            org.timeZone,
            { kind, startDate },
            sums.periods,
            defaultsOf,
          );
          usersAt.set(k, got);
        }
        return got;
      };
      const teamRows = mine.filter((r) => r.subject_type === 'team');
      return [
        key,
        {
          users: usersOf(period.kind, period.startDate),
          teams: rolledTeamTargets(treeTeams, members, teamRows, usersOf, ref, sums),
        },
      ] as const;
    }),
  );
  const teamCells = (teamId: string) =>
    metricKeys.map((metric) => {
      const t = perMetric.get(metric)!.teams.get(teamId)!;
      return { metric, ...t };
    });
  const direct = members.filter((m) => m.team_id === team.id && m.active === 1);
  const rampFor = (userId: string): { rampPercent: number; tenureMonth: number } => {
    const probe = userTargetsFrom(
      [{ id: '', subject_id: userId, amount: 0 }],
      starts,
      settings.ramp,
      org.timeZone,
      period.startDate,
    ).get(userId)!;
    // Read with the membership starts: the month of tenure is known.
    return { rampPercent: probe.rampPercent ?? 100, tenureMonth: probe.tenureMonth ?? 1 };
  };
  return {
    team: { id: team.id, name: team.name },
    period: periodOut(period, org.now),
    currency: org.currency,
    metrics: metricKeys.map((k) => ({
      key: k,
      name: metrics.get(k)!.name,
      format: metrics.get(k)!.format,
      // A custom metric over deals of one currency has its money (and targets) in it.
      currency: metrics.get(k)!.currency ?? org.currency,
      sums: targetSumsOf(metrics.get(k)!),
    })),
    rows: direct.map((m) => ({
      user: { id: m.user_id, name: m.name },
      ...rampFor(m.user_id),
      cells: metricKeys.map((metric) => {
        const t = perMetric.get(metric)!.users.get(m.user_id);
        const set = t?.source === 'set';
        return {
          metric,
          targetId: set ? t.targetId : null,
          amount: set ? t.amount : null,
          effective: t?.effective ?? null,
          source: t?.source ?? null,
          parts: t?.parts ?? null,
          playbook: t?.playbook ?? null,
        };
      }),
    })),
    teamRow: { cells: teamCells(team.id) },
    subTeams: treeTeams
      .filter((t) => t.parent_team_id === team.id)
      .map((t) => ({ team: { id: t.id, name: t.name }, cells: teamCells(t.id) })),
  };
}

/** Sets many grid cells at once: all or nothing, one transaction, one audit row. */
export async function putTargetGrid(
  deps: Deps,
  actor: Actor,
  reach: Reach,
  input: z.infer<typeof gridPutBody>,
) {
  return deps.db.kysely.transaction().execute(async (trx) => {
    const org = await orgCtx(deps, trx, actor.orgId);
    const period = parsePeriod(input.period, org.cal, 'period');
    const closed = closedPeriodProblem(actor, period, org.now, input.confirmClosedPeriod);
    if (closed) throw invalidField('period', closed);
    const metrics = metricsByKey(await loadOrgMetrics(trx, actor.orgId));
    const writes = await checkCells(
      trx,
      actor,
      reach,
      metrics,
      input.cells,
      (i, f) => `cells.${i}.${f}`,
      period,
      org.currency,
    );
    const result = await applyTargetWrites(trx, actor.orgId, writes, {
      userId: actor.userId,
      now: org.now,
      newId,
    });
    await audit(trx, deps, actor, 'target', `grid:${period.key}`, 'bulk_update', {
      period: period.key,
      cells: input.cells.length,
      created: result.created,
      updated: result.updated,
      deleted: result.deleted,
    });
    const { ids: _ids, ...summary } = result;
    return summary;
  });
}

export interface CsvProblem {
  row: number;
  column: string | null;
  reason: string;
}

const csvColumns = ['email', 'team', 'metric', 'period', 'amount'] as const;

/**
 * A CSV money amount in major units of the metric's currency (a custom metric over deals of one
 * currency, else the org's) → minor units: JPY has no minor digits, so "500000" is ¥500,000, never
 * 100× off. An amount naming another currency ("USD 100" for a EUR metric) is refused rather than
 * read as if it were in the metric's.
 */
function moneyAmount(text: string, currency: string): number {
  const code = /^([A-Za-z]{3})\s*[\d.,]|[\d.,]\s*([A-Za-z]{3})$/.exec(text.trim());
  const named = (code?.[1] ?? code?.[2])?.toUpperCase();
  if (named && named !== currency)
    throw new CellError(`is in ${named}; this metric's targets are in ${currency}`);
  try {
    return parseAmountMinor(text, minorDigits(currency));
  } catch (error) {
    if (error instanceof CellError) throw new CellError(`${error.message} (amounts in ${currency})`);
    throw error;
  }
}

/**
 * Bulk entry by CSV (email or team, metric, period, amount). Every row is checked first; one bad
 * row stores nothing and the answer lists every problem with its row (as a spreadsheet numbers it,
 * the header being row 1), column and reason. Money amounts are in major units ("1,250.50").
 */
export async function importTargetsCsv(
  deps: Deps,
  actor: Actor,
  reach: Reach,
  input: z.infer<typeof importBody>,
) {
  let records: string[][];
  try {
    records = parseCsv(input.csv, {
      bom: true,
      skip_empty_lines: true,
      relax_column_count: true,
      trim: true,
    });
  } catch (error) {
    throw invalidField('csv', `is not readable CSV: ${(error as Error).message}`);
  }
  const header = (records[0] ?? []).map((h) => h.toLowerCase());
  const col = new Map(header.map((h, i) => [h, i]));
  const missing = ['metric', 'period', 'amount'].filter((c) => !col.has(c));
  if (!col.has('email') && !col.has('team')) missing.unshift('email or team');
  if (missing.length)
    throw invalidField('csv', `the header lacks ${missing.join(', ')} (columns: ${csvColumns.join(', ')})`);
  if (records.length < 2) throw invalidField('csv', 'has no data rows');
  if (records.length > 5001) throw invalidField('csv', 'has more than 5,000 data rows; split it');

  return deps.db.kysely.transaction().execute(async (trx) => {
    const org = await orgCtx(deps, trx, actor.orgId);
    const metrics = metricsByKey(await loadOrgMetrics(trx, actor.orgId));
    const cell = (r: string[], name: string) => (col.has(name) ? (r[col.get(name)!] ?? '').trim() : '');
    const emails = records
      .slice(1)
      .map((r) => cell(r, 'email').toLowerCase())
      .filter(Boolean);
    const teamRefs = records
      .slice(1)
      .map((r) => cell(r, 'team'))
      .filter(Boolean);
    const [people, teams] = await Promise.all([
      emails.length
        ? trx
            .selectFrom('users as u')
            .innerJoin('memberships as m', 'm.user_id', 'u.id')
            .select(['u.id', 'u.email'])
            .where('m.org_id', '=', actor.orgId)
            .where('m.active', '=', 1)
            .where('u.email', 'in', [...new Set(emails)])
            .execute()
        : Promise.resolve([]),
      teamRefs.length ? teamTree(trx, actor.orgId) : Promise.resolve([]),
    ]);
    const byEmail = new Map(people.map((p) => [p.email.toLowerCase(), p.id]));
    const problems: CsvProblem[] = [];
    const writes: TargetWrite[] = [];
    const seen = new Map<string, number>();
    records.slice(1).forEach((r, index) => {
      const row = index + 2;
      const add = (column: string | null, reason: string) => problems.push({ row, column, reason });
      const email = cell(r, 'email');
      const teamRef = cell(r, 'team');
      let subject: { type: TargetSubject; id: string } | null = null;
      if (email && teamRef) add('team', 'give either an email or a team, not both');
      else if (email) {
        const id = byEmail.get(email.toLowerCase());
        if (!id || !canSetTargetFor(actor, reach, { type: 'user', id }))
          add('email', `"${email}" ${notSettable}`);
        else subject = { type: 'user', id };
      } else if (teamRef) {
        const matches = teams.filter(
          (t) => t.id === teamRef || t.name.toLowerCase() === teamRef.toLowerCase(),
        );
        if (matches.length > 1) add('team', `"${teamRef}" names several teams; use the team id`);
        else if (!matches[0] || !canSetTargetFor(actor, reach, { type: 'team', id: matches[0].id }))
          add('team', `"${teamRef}" ${notSettable}`);
        else subject = { type: 'team', id: matches[0].id };
      } else add(col.has('email') ? 'email' : 'team', 'is required');
      const metricKey = cell(r, 'metric');
      const metric = metrics.get(metricKey);
      if (!metric) add('metric', metricKey ? `"${metricKey}" is not a metric of the catalog` : 'is required');
      const periodKey = cell(r, 'period');
      const period = periodKey ? periodFromKey(periodKey, org.cal) : null;
      if (!period)
        add(
          'period',
          periodKey ? `"${periodKey}" is not a period key such as 2026-03 or FY2026-Q2` : 'is required',
        );
      else {
        const closed = closedPeriodProblem(actor, period, org.now, input.confirmClosedPeriods);
        if (closed) add('period', closed);
      }
      const amountText = cell(r, 'amount');
      let amount: number | null = null;
      try {
        if (!amountText) throw new CellError('is required');
        if (metric?.format === 'money') amount = moneyAmount(amountText, metric.currency ?? org.currency);
        else {
          // Counts whole; percents, days and numbers with up to 2 decimals ("27.5", "27.5%").
          const parsed = parseTargetNumber(amountText, metric?.format ?? 'count');
          if (!parsed.ok) throw new CellError(`"${amountText}" ${parsed.reason}`);
          amount = parsed.value;
        }
      } catch (error) {
        if (!(error instanceof CellError)) throw error;
        add('amount', error.message);
      }
      if (subject && metric && period && amount !== null) {
        const key = `${subject.type}|${subject.id}|${metric.key}|${period.kind}|${period.startDate}`;
        const first = seen.get(key);
        if (first !== undefined) add(null, `repeats row ${first} (same person or team, metric and period)`);
        else {
          seen.set(key, row);
          writes.push({
            subjectType: subject.type,
            subjectId: subject.id,
            metricKey: metric.key,
            period: { kind: period.kind, startDate: period.startDate },
            amount,
          });
        }
      }
    });
    if (problems.length > 0) {
      throw new AppError(400, 'validation_failed', `${problems.length} row problem(s); nothing was stored`, {
        fields: [
          {
            path: 'csv',
            message: `row ${problems[0]!.row}, ${problems[0]!.column ?? 'row'}: ${problems[0]!.reason}`,
          },
        ],
        rows: problems.slice(0, 500),
      });
    }
    if (input.dryRun) {
      return { created: 0, updated: 0, deleted: 0, unchanged: 0, rows: writes.length, dryRun: true };
    }
    const result = await applyTargetWrites(trx, actor.orgId, writes, {
      userId: actor.userId,
      now: org.now,
      newId,
    });
    await audit(trx, deps, actor, 'target', `csv:${newId()}`, 'import', {
      rows: writes.length,
      created: result.created,
      updated: result.updated,
    });
    const { ids: _ids, ...summary } = result;
    return { ...summary, rows: writes.length, dryRun: false };
  });
}
