import { type Expression, sql } from 'kysely';
import { compiledQuery } from '../../db/compiled-query.ts';
import type { Executor } from '../../db/database.ts';
import type {
  PlaybooksTable,
  PlaybookTargetsTable,
  PlaybookVersionsTable,
  Role,
  TargetPeriodKind,
} from '../../db/schema.ts';

// SQL only. Every query filters by org_id. Published versions are never updated: the only UPDATE
// of playbook_versions and the only DELETE of playbook_targets are restricted to drafts.

const playbookColumns = [
  'id',
  'name',
  'scope_type',
  'scope_role',
  'scope_team_id',
  'current_version',
  'created_at',
] as const;
export type PlaybookRow = Pick<PlaybooksTable, (typeof playbookColumns)[number]>;

export async function findPlaybook(
  db: Executor,
  orgId: string,
  id: string,
): Promise<PlaybookRow | undefined> {
  return db
    .selectFrom('playbooks')
    .select(playbookColumns)
    .where('org_id', '=', orgId)
    .where('id', '=', id)
    .executeTakeFirst();
}

export async function listPlaybookRows(db: Executor, orgId: string): Promise<PlaybookRow[]> {
  return db
    .selectFrom('playbooks')
    .select(playbookColumns)
    .where('org_id', '=', orgId)
    .orderBy('name')
    .execute();
}

export async function insertPlaybook(db: Executor, row: PlaybooksTable): Promise<void> {
  await db.insertInto('playbooks').values(row).execute();
}

export async function touchPlaybook(
  db: Executor,
  orgId: string,
  id: string,
  values: { name?: string; current_version?: number; updated_at: number },
): Promise<void> {
  await db.updateTable('playbooks').set(values).where('org_id', '=', orgId).where('id', '=', id).execute();
}

const versionColumns = [
  'version',
  'status',
  'summary',
  'responsibilities',
  'judged_metrics',
  'published_at',
  'published_by',
] as const;
export type VersionRow = Pick<PlaybookVersionsTable, (typeof versionColumns)[number]>;

export async function listVersions(db: Executor, orgId: string, playbookId: string): Promise<VersionRow[]> {
  return db
    .selectFrom('playbook_versions')
    .select(versionColumns)
    .where('org_id', '=', orgId)
    .where('playbook_id', '=', playbookId)
    .orderBy('version')
    .execute();
}

export async function insertVersion(db: Executor, row: PlaybookVersionsTable): Promise<void> {
  await db.insertInto('playbook_versions').values(row).execute();
}

/** Rewrites a draft; a published version matches nothing and stays as it was. */
export async function updateDraft(
  db: Executor,
  orgId: string,
  playbookId: string,
  version: number,
  values: Pick<PlaybookVersionsTable, 'summary' | 'responsibilities' | 'judged_metrics' | 'updated_at'>,
): Promise<void> {
  await db
    .updateTable('playbook_versions')
    .set(values)
    .where('org_id', '=', orgId)
    .where('playbook_id', '=', playbookId)
    .where('version', '=', version)
    .where('status', '=', 'draft')
    .execute();
}

export async function publishDraft(
  db: Executor,
  orgId: string,
  playbookId: string,
  version: number,
  by: string,
  at: number,
): Promise<number> {
  const result = await db
    .updateTable('playbook_versions')
    .set({ status: 'published', published_by: by, published_at: at, updated_at: at })
    .where('org_id', '=', orgId)
    .where('playbook_id', '=', playbookId)
    .where('version', '=', version)
    .where('status', '=', 'draft')
    .executeTakeFirst();
  return Number(result.numUpdatedRows);
}

export async function versionTargets(
  db: Executor,
  orgId: string,
  playbookId: string,
  versions: number[],
): Promise<PlaybookTargetsTable[]> {
  if (versions.length === 0) return [];
  return db
    .selectFrom('playbook_targets')
    .select(['org_id', 'id', 'playbook_id', 'version', 'position', 'metric_key', 'period_kind', 'amount'])
    .where('org_id', '=', orgId)
    .where('playbook_id', '=', playbookId)
    .where('version', 'in', versions)
    .orderBy('version')
    .orderBy('position')
    .execute();
}

/** Replaces a draft's targets (drafts only: the caller has checked the version is a draft). */
export async function replaceDraftTargets(
  db: Executor,
  orgId: string,
  playbookId: string,
  version: number,
  rows: PlaybookTargetsTable[],
): Promise<void> {
  await db
    .deleteFrom('playbook_targets')
    .where('org_id', '=', orgId)
    .where('playbook_id', '=', playbookId)
    .where('version', '=', version)
    .where((eb) =>
      eb.exists(
        eb
          .selectFrom('playbook_versions as v')
          .select('v.version')
          .whereRef('v.org_id', '=', 'playbook_targets.org_id')
          .whereRef('v.playbook_id', '=', 'playbook_targets.playbook_id')
          .whereRef('v.version', '=', 'playbook_targets.version')
          .where('v.status', '=', 'draft'),
      ),
    )
    .execute();
  if (rows.length) await db.insertInto('playbook_targets').values(rows).execute();
}

/**
 * One target a playbook version sets, by id (goals link to these). Includes the playbook and
 * whether the version is published; undefined when missing or in another org.
 */
export async function findPlaybookTarget(db: Executor, orgId: string, id: string) {
  const row = await db
    .selectFrom('playbook_targets as t')
    .innerJoin('playbooks as p', (j) =>
      j.onRef('p.org_id', '=', 't.org_id').onRef('p.id', '=', 't.playbook_id'),
    )
    .innerJoin('playbook_versions as v', (j) =>
      j
        .onRef('v.org_id', '=', 't.org_id')
        .onRef('v.playbook_id', '=', 't.playbook_id')
        .onRef('v.version', '=', 't.version'),
    )
    .select([
      't.id',
      't.playbook_id',
      'p.name as playbook_name',
      't.version',
      'v.status',
      'p.current_version',
      't.metric_key',
      't.period_kind',
      't.amount',
    ])
    .where('t.org_id', '=', orgId)
    .where('t.id', '=', id)
    .executeTakeFirst();
  if (!row) return undefined;
  return {
    id: row.id,
    playbookId: row.playbook_id,
    playbookName: row.playbook_name,
    version: row.version,
    published: row.status === 'published',
    isCurrent: row.current_version === row.version,
    metricKey: row.metric_key,
    periodKind: row.period_kind,
    amount: Number(row.amount),
  };
}

/** Latest acknowledged version (and when) per user for one playbook. */
export async function latestAcknowledgements(
  db: Executor,
  orgId: string,
  playbookId: string,
  userIds?: string[],
) {
  if (userIds && userIds.length === 0) return new Map<string, { version: number; at: number }>();
  let q = db
    .selectFrom('playbook_acknowledgements')
    .select(['user_id', 'version', 'acknowledged_at'])
    .where('org_id', '=', orgId)
    .where('playbook_id', '=', playbookId);
  if (userIds) q = q.where('user_id', 'in', userIds);
  const rows = await q.execute();
  const out = new Map<string, { version: number; at: number }>();
  for (const r of rows) {
    const prev = out.get(r.user_id);
    if (!prev || r.version > prev.version)
      out.set(r.user_id, { version: r.version, at: Number(r.acknowledged_at) });
  }
  return out;
}

/** Latest acknowledged version of each playbook for one user. */
export async function myAcknowledgements(
  db: Executor,
  orgId: string,
  userId: string,
): Promise<Map<string, number>> {
  const rows = await db
    .selectFrom('playbook_acknowledgements')
    .select(['playbook_id', (eb) => eb.fn.max('version').as('version')])
    .where('org_id', '=', orgId)
    .where('user_id', '=', userId)
    .groupBy('playbook_id')
    .execute();
  return new Map(rows.map((r) => [r.playbook_id, Number(r.version)]));
}

export async function insertAcknowledgement(
  db: Executor,
  row: { org_id: string; playbook_id: string; user_id: string; version: number; acknowledged_at: number },
): Promise<void> {
  await db
    .insertInto('playbook_acknowledgements')
    .values(row)
    .onConflict((oc) => oc.columns(['org_id', 'playbook_id', 'user_id', 'version']).doNothing())
    .execute();
}

/** Active members a playbook applies to: everyone with the role, or the members of the team and its sub-teams. */
export async function audience(
  db: Executor,
  orgId: string,
  scope: { type: 'role'; role: Role } | { type: 'team'; teamIds: string[] },
): Promise<{ id: string; name: string }[]> {
  if (scope.type === 'role') {
    return db
      .selectFrom('memberships as m')
      .innerJoin('users as u', 'u.id', 'm.user_id')
      .select(['u.id', 'u.name'])
      .where('m.org_id', '=', orgId)
      .where('m.active', '=', 1)
      .where('m.role', '=', scope.role)
      .orderBy('u.name')
      .execute();
  }
  if (scope.teamIds.length === 0) return [];
  return db
    .selectFrom('team_members as tm')
    .innerJoin('memberships as m', (j) =>
      j.onRef('m.org_id', '=', 'tm.org_id').onRef('m.user_id', '=', 'tm.user_id'),
    )
    .innerJoin('users as u', 'u.id', 'tm.user_id')
    .select(['u.id', 'u.name'])
    .where('tm.org_id', '=', orgId)
    .where('tm.team_id', 'in', scope.teamIds)
    .where('m.active', '=', 1)
    .orderBy('u.name')
    .execute();
}

/**
 * The targets of every published version of every playbook in the org, each with when its version
 * was published and when it was superseded (the first publication of a later version; null while it
 * is current), and with what the playbook applies to: a role playbook once (`team_id` null), a team
 * playbook once per team of its subtree (`team_id`, `depth` = levels below the playbook's team; the
 * same rule as acknowledgements: the members of the team and of the teams beneath it). Drafts never
 * appear. A period takes the version current at its end (`playbookDefaults`), picked in memory:
 * versions are few, and the statement stays one fixed shape whatever the periods asked — read by
 * every KPI request (cached on SQLite while nothing changed) as the default quotas of the people a
 * playbook applies to (`playbookDefaults` in targets.effective).
 */
const publishedTargetRows = compiledQuery(
  (db: Executor, orgId: string) => publishedTargetsSelect(db, orgId),
  { cached: true },
);

/**
 * `publishedTargetRows`' SELECT, for an org id or for an expression of one (`o.id` of an outer
 * statement, see publishedPlaybookTargetsJson).
 */
function publishedTargetsSelect(db: Executor, orgId: string | Expression<string>) {
  return db
    .withRecursive('sub(playbook_id, team_id, depth)', (qb) =>
      qb
        .selectFrom('playbooks as p')
        .select(['p.id as playbook_id', 'p.scope_team_id as team_id', sql<number>`0`.as('depth')])
        .where('p.org_id', '=', orgId)
        .where('p.scope_type', '=', 'team')
        .where('p.current_version', 'is not', null)
        .unionAll(
          qb
            .selectFrom('sub as s')
            .innerJoin('teams as t', 't.parent_team_id', 's.team_id')
            .select(['s.playbook_id', 't.id as team_id', sql<number>`s.depth + 1`.as('depth')])
            .where('t.org_id', '=', orgId)
            // A cycle in the parent links (never expected) ends here.
            .where('s.depth', '<', sql.lit(64)),
        ),
    )
    .selectFrom('playbooks as p')
    .innerJoin('playbook_versions as v', (j) =>
      j.onRef('v.org_id', '=', 'p.org_id').onRef('v.playbook_id', '=', 'p.id'),
    )
    .innerJoin('playbook_targets as pt', (j) =>
      j
        .onRef('pt.org_id', '=', 'v.org_id')
        .onRef('pt.playbook_id', '=', 'v.playbook_id')
        .onRef('pt.version', '=', 'v.version'),
    )
    .leftJoin('sub', 'sub.playbook_id', 'p.id')
    .select((eb) => [
      'p.id as playbook_id',
      'p.name as playbook_name',
      'p.scope_type',
      'p.scope_role',
      'sub.team_id',
      'sub.depth',
      'v.version',
      'v.published_at',
      // Superseded by the first later version published (versions are published in order).
      eb
        .selectFrom('playbook_versions as later')
        .select((l) => l.fn.min('later.published_at').as('at'))
        .whereRef('later.org_id', '=', 'v.org_id')
        .whereRef('later.playbook_id', '=', 'v.playbook_id')
        .whereRef('later.version', '>', 'v.version')
        .where('later.status', '=', 'published')
        .as('superseded_at'),
      'pt.metric_key',
      'pt.period_kind',
      'pt.amount',
    ])
    .where('p.org_id', '=', orgId)
    .where('v.status', '=', 'published');
}

export type PublishedTargetRow = Awaited<ReturnType<typeof publishedTargetRows>>[number];

/**
 * PostgreSQL: `publishedTargetRows` of the org `o` of an outer statement as one JSON array (a column
 * of `orgForMetrics`, which saves KPI requests a round trip).
 */
export function publishedPlaybookTargetsJson(db: Executor) {
  return sql<
    PublishedTargetRow[]
  >`(select coalesce(json_agg(x), '[]'::json) from (${publishedTargetsSelect(db, sql<string>`o.id`)}) x)`;
}

export interface PublishedPlaybookTarget {
  playbookId: string;
  playbookName: string;
  scope: 'role' | 'team';
  role: Role | null;
  /** A team the playbook applies to (its own or one beneath it); null for a role playbook. */
  teamId: string | null;
  /** Levels from the playbook's team down to `teamId` (0: the playbook's own team). */
  depth: number;
  version: number;
  /** When the version was published (epoch ms). */
  publishedAt: number;
  /** When a later version was first published (epoch ms); null while this version is current. */
  supersededAt: number | null;
  metricKey: string;
  periodKind: TargetPeriodKind;
  amount: number;
}

/** Every published version's targets (see `publishedTargetRows`); one fixed-shape query. */
export async function publishedPlaybookTargets(
  db: Executor,
  orgId: string,
): Promise<PublishedPlaybookTarget[]> {
  return playbookTargetsFrom(await publishedTargetRows(db, orgId));
}

/** The published targets of `publishedTargetRows`' rows (or of `publishedPlaybookTargetsJson`'s). */
export function playbookTargetsFrom(rows: readonly PublishedTargetRow[]): PublishedPlaybookTarget[] {
  return rows
    .filter((r) => r.scope_type === 'role' || r.team_id !== null)
    .map((r) => ({
      playbookId: r.playbook_id,
      playbookName: r.playbook_name,
      scope: r.scope_type,
      role: r.scope_role,
      teamId: r.scope_type === 'team' ? r.team_id : null,
      depth: Number(r.depth ?? 0),
      version: Number(r.version),
      publishedAt: Number(r.published_at ?? 0),
      supersededAt:
        r.superseded_at === null || r.superseded_at === undefined ? null : Number(r.superseded_at),
      metricKey: r.metric_key,
      periodKind: r.period_kind,
      amount: Number(r.amount),
    }));
}
