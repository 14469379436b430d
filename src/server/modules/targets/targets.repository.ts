import { shapedQuery } from '../../db/compiled-query.ts';
import { type Executor, trySyncRead } from '../../db/database.ts';
import type { Role, TargetPeriodKind, TargetSubject, TargetsTable } from '../../db/schema.ts';

// SQL only. Every query filters by org_id; lookups for many subjects are one `in (…)` query.

export const targetColumns = [
  'id',
  'subject_type',
  'subject_id',
  'metric_key',
  'period_kind',
  'period_start',
  'amount',
  'created_at',
  'updated_at',
] as const;
export type TargetRow = Pick<TargetsTable, (typeof targetColumns)[number]>;

export interface PeriodRef {
  kind: TargetPeriodKind;
  startDate: string;
}

export async function findTarget(db: Executor, orgId: string, id: string): Promise<TargetRow | undefined> {
  return db
    .selectFrom('targets')
    .select(targetColumns)
    .where('org_id', '=', orgId)
    .where('id', '=', id)
    .executeTakeFirst();
}

/**
 * The query of `targetsFor`, compiled once per shape: `t<i>` / `s<i>` are the i-th subject group's
 * type and ids, `keys` the metric keys (when filtered by metric).
 */
const targetsForQuery = shapedQuery(
  (db: Executor, a: Record<string, unknown>, shape: { groups: number; byMetric: boolean; span: boolean }) => {
    let q = db
      .selectFrom('targets')
      .select(targetColumns)
      .where('org_id', '=', a.orgId as string);
    q = shape.span
      ? q
          .where('period_kind', 'in', a.kinds as TargetPeriodKind[])
          .where('period_start', '>=', a.start as string)
          .where('period_start', '<', a.end as string)
      : q.where('period_kind', '=', a.kind as TargetPeriodKind).where('period_start', '=', a.start as string);
    q = q.where((eb) =>
      eb.or(
        Array.from({ length: shape.groups }, (_, i) =>
          eb.and([
            eb('subject_type', '=', a[`t${i}`] as TargetSubject),
            eb('subject_id', 'in', a[`s${i}`] as string[]),
          ]),
        ),
      ),
    );
    if (shape.byMetric) q = q.where('metric_key', 'in', a.keys as string[]);
    return q;
  },
  (shape) => `${shape.groups}|${shape.byMetric}|${shape.span}`,
);

/**
 * Targets of one period for the given subjects and metrics (any of them empty → none). `cached`:
 * on SQLite the rows may come from the connection's coherent read cache (see `trySyncRead`), frozen.
 * `within`: instead, the targets of the given kinds starting inside [period start, `endDate`) — a
 * quarter with its months, a year with its quarters and months (see `targetSpan`).
 */
export async function targetsFor(
  db: Executor,
  orgId: string,
  period: PeriodRef,
  subjects: { type: TargetSubject; ids: string[] }[],
  metricKeys: string[] | null,
  options: { cached?: boolean; within?: { kinds: TargetPeriodKind[]; endDate: string } } = {},
): Promise<TargetRow[]> {
  const wanted = subjects.filter((s) => s.ids.length > 0);
  if (wanted.length === 0 || (metricKeys && metricKeys.length === 0)) return [];
  const { within } = options;
  const args: Record<string, unknown> = within
    ? { orgId, kinds: within.kinds, start: period.startDate, end: within.endDate }
    : { orgId, kind: period.kind, start: period.startDate };
  wanted.forEach((s, i) => {
    args[`t${i}`] = s.type;
    args[`s${i}`] = s.ids;
  });
  if (metricKeys) args.keys = metricKeys;
  const query = targetsForQuery(db, args, {
    groups: wanted.length,
    byMetric: metricKeys !== null,
    span: within !== undefined,
  });
  const rows =
    db.getExecutor().plugins.length === 0 ? trySyncRead(db, query.sql, query.parameters, options) : undefined;
  return (rows ?? (await db.executeQuery(query)).rows) as TargetRow[];
}

export interface TargetListFilter {
  subjectType?: TargetSubject;
  subjectIds: string[] | null;
  teamIds: string[] | null;
  metricKey?: string;
  period?: PeriodRef;
  limit: number;
}

/** Targets visible through the filter, newest period first. `null` subject lists mean "any". */
export async function listTargets(db: Executor, orgId: string, f: TargetListFilter): Promise<TargetRow[]> {
  let q = db.selectFrom('targets').select(targetColumns).where('org_id', '=', orgId);
  if (f.subjectType) q = q.where('subject_type', '=', f.subjectType);
  if (f.subjectIds !== null || f.teamIds !== null) {
    const users = f.subjectIds ?? [];
    const teams = f.teamIds ?? [];
    q = q.where((eb) =>
      eb.or([
        ...(users.length ? [eb.and([eb('subject_type', '=', 'user'), eb('subject_id', 'in', users)])] : []),
        ...(teams.length ? [eb.and([eb('subject_type', '=', 'team'), eb('subject_id', 'in', teams)])] : []),
        ...(users.length === 0 && teams.length === 0 ? [eb.lit(false)] : []),
      ]),
    );
  }
  if (f.metricKey) q = q.where('metric_key', '=', f.metricKey);
  if (f.period) q = q.where('period_kind', '=', f.period.kind).where('period_start', '=', f.period.startDate);
  return q.orderBy('period_start', 'desc').orderBy('metric_key').orderBy('id').limit(f.limit).execute();
}

export interface TargetWrite {
  subjectType: TargetSubject;
  subjectId: string;
  metricKey: string;
  period: PeriodRef;
  amount: number | null;
}

/**
 * Applies many target writes (insert, change, or remove when amount is null) in the caller's
 * transaction. Existing rows are read in one query; returns what happened to each.
 */
export async function applyTargetWrites(
  db: Executor,
  orgId: string,
  writes: TargetWrite[],
  meta: { userId: string; now: number; newId: () => string },
): Promise<{ created: number; updated: number; deleted: number; unchanged: number; ids: (string | null)[] }> {
  const result = { created: 0, updated: 0, deleted: 0, unchanged: 0, ids: [] as (string | null)[] };
  if (writes.length === 0) return result;
  const periods = new Map<string, PeriodRef>();
  for (const w of writes) periods.set(`${w.period.kind}|${w.period.startDate}`, w.period);
  const existing = await db
    .selectFrom('targets')
    .select(['id', 'subject_type', 'subject_id', 'metric_key', 'period_kind', 'period_start', 'amount'])
    .where('org_id', '=', orgId)
    .where('metric_key', 'in', [...new Set(writes.map((w) => w.metricKey))])
    .where('subject_id', 'in', [...new Set(writes.map((w) => w.subjectId))])
    .where((eb) =>
      eb.or(
        [...periods.values()].map((p) =>
          eb.and([eb('period_kind', '=', p.kind), eb('period_start', '=', p.startDate)]),
        ),
      ),
    )
    .execute();
  const keyOf = (t: string, s: string, m: string, k: string, d: string) => `${t}|${s}|${m}|${k}|${d}`;
  const byKey = new Map(
    existing.map((e) => [
      keyOf(e.subject_type, e.subject_id, e.metric_key, e.period_kind, e.period_start),
      e,
    ]),
  );
  for (const w of writes) {
    const key = keyOf(w.subjectType, w.subjectId, w.metricKey, w.period.kind, w.period.startDate);
    const row = byKey.get(key);
    const amount = w.amount;
    if (amount === null) {
      if (row) {
        await db.deleteFrom('targets').where('org_id', '=', orgId).where('id', '=', row.id).execute();
        byKey.delete(key);
        result.deleted += 1;
      } else result.unchanged += 1;
      result.ids.push(null);
    } else if (row) {
      if (Number(row.amount) !== amount) {
        await db
          .updateTable('targets')
          .set({ amount, updated_at: meta.now })
          .where('org_id', '=', orgId)
          .where('id', '=', row.id)
          .execute();
        row.amount = amount;
        result.updated += 1;
      } else result.unchanged += 1;
      result.ids.push(row.id);
    } else {
      const id = meta.newId();
      await db
        .insertInto('targets')
        .values({
          org_id: orgId,
          id,
          subject_type: w.subjectType,
          subject_id: w.subjectId,
          metric_key: w.metricKey,
          period_kind: w.period.kind,
          period_start: w.period.startDate,
          amount,
          created_by: meta.userId,
          created_at: meta.now,
          updated_at: meta.now,
        })
        // Two writers racing on the same cell: the later amount wins instead of a unique-key error.
        .onConflict((oc) =>
          oc
            .columns(['org_id', 'metric_key', 'period_kind', 'period_start', 'subject_type', 'subject_id'])
            .doUpdateSet({ amount, updated_at: meta.now }),
        )
        .execute();
      byKey.set(key, {
        id,
        subject_type: w.subjectType,
        subject_id: w.subjectId,
        metric_key: w.metricKey,
        period_kind: w.period.kind,
        period_start: w.period.startDate,
        amount,
      });
      result.created += 1;
      result.ids.push(id);
    }
  }
  return result;
}

export async function deleteTargetRow(db: Executor, orgId: string, id: string): Promise<void> {
  await db.deleteFrom('targets').where('org_id', '=', orgId).where('id', '=', id).execute();
}

/** Membership start (created_at) of each user, for tenure and ramp. */
export async function membershipStarts(
  db: Executor,
  orgId: string,
  userIds: string[],
): Promise<Map<string, number>> {
  if (userIds.length === 0) return new Map();
  const rows = await db
    .selectFrom('memberships')
    .select(['user_id', 'created_at'])
    .where('org_id', '=', orgId)
    .where('user_id', 'in', userIds)
    .execute();
  return new Map(rows.map((r) => [r.user_id, Number(r.created_at)]));
}

export interface TargetPerson {
  /** Membership start (created_at), for tenure and ramp. */
  start: number;
  role: Role;
  /** The person's team (one at most), for the team playbooks that apply to them. */
  teamId: string | null;
}

/**
 * Membership start, role and team of each user: the ramp and which playbooks apply (a playbook's
 * targets are the default quotas of its people). One query whatever the number of users.
 */
export async function targetPeople(
  db: Executor,
  orgId: string,
  userIds: string[],
): Promise<Map<string, TargetPerson>> {
  if (userIds.length === 0) return new Map();
  const rows = await db
    .selectFrom('memberships as m')
    .leftJoin('team_members as tm', (j) =>
      j.onRef('tm.org_id', '=', 'm.org_id').onRef('tm.user_id', '=', 'm.user_id'),
    )
    .select(['m.user_id', 'm.created_at', 'm.role', 'tm.team_id'])
    .where('m.org_id', '=', orgId)
    .where('m.user_id', 'in', userIds)
    .execute();
  return new Map(
    rows.map((r) => [r.user_id, { start: Number(r.created_at), role: r.role, teamId: r.team_id ?? null }]),
  );
}

/** The org's teams (for the tree) and the members of the given teams. */
export async function teamTree(db: Executor, orgId: string) {
  return db
    .selectFrom('teams')
    .select(['id', 'name', 'parent_team_id'])
    .where('org_id', '=', orgId)
    .orderBy('name')
    .execute();
}

export async function membersOfTeams(db: Executor, orgId: string, teamIds: string[]) {
  if (teamIds.length === 0) return [];
  return db
    .selectFrom('team_members as tm')
    .innerJoin('users as u', 'u.id', 'tm.user_id')
    .innerJoin('memberships as m', (j) =>
      j.onRef('m.org_id', '=', 'tm.org_id').onRef('m.user_id', '=', 'tm.user_id'),
    )
    .select(['tm.team_id', 'tm.user_id', 'u.name', 'm.created_at', 'm.active', 'm.role'])
    .where('tm.org_id', '=', orgId)
    .where('tm.team_id', 'in', teamIds)
    .orderBy('u.name')
    .execute();
}
