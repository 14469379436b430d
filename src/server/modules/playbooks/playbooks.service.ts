import type { z } from 'zod';
import type { Deps } from '../../context.ts';
import type { Executor } from '../../db/database.ts';
import type { PlaybookVersionsTable, Role } from '../../db/schema.ts';
import { conflict, forbidden, invalidField, notFound } from '../../lib/errors.ts';
import { newId } from '../../lib/ids.ts';
import {
  type Actor,
  canSeeAcknowledgementOf,
  canSeePlaybookAcknowledgements,
  canSeeTeam,
  type Reach,
} from '../../policy/policy.ts';
import { audit } from '../audit/audit.service.ts';
import { loadOrgMetrics, type OrgMetric } from '../metrics/metric-registry.ts';
import { notify } from '../notifications/notifications.service.ts';
import {
  audience,
  findPlaybook,
  insertAcknowledgement,
  insertPlaybook,
  insertVersion,
  latestAcknowledgements,
  listPlaybookRows,
  listVersions,
  myAcknowledgements,
  type PlaybookRow,
  publishDraft,
  replaceDraftTargets,
  touchPlaybook,
  updateDraft,
  type VersionRow,
  versionTargets,
} from './playbooks.repository.ts';
import type {
  acknowledgeBody,
  diffQuery,
  PlaybookDocument,
  playbookCreateBody,
  playbookDraftBody,
  playbookGetQuery,
} from './playbooks.schemas.ts';

/**
 * Role playbooks: per role or team, versioned expectations. A draft may change; publishing freezes
 * it (published versions are never rewritten: history is kept) and asks each member it applies to
 * to acknowledge it. Admins manage every playbook; managers those of teams they manage. Everyone
 * reads role playbooks; team playbooks are read by those who see the team. Others get a 404.
 */

function canManage(actor: Actor, reach: Reach, p: PlaybookRow): boolean {
  if (actor.role === 'admin') return true;
  return (
    actor.role === 'manager' && p.scope_type === 'team' && reach.managedTeamIds.has(p.scope_team_id ?? '')
  );
}

/** Team playbooks: read by those who see the team and by its members' teams below it (it applies to them). */
function canRead(actor: Actor, reach: Reach, p: PlaybookRow, ownAncestors: ReadonlySet<string>): boolean {
  if (canManage(actor, reach, p) || p.scope_type === 'role') return true;
  return canSeeTeam(reach, p.scope_team_id ?? '') || ownAncestors.has(p.scope_team_id ?? '');
}

async function readable(db: Executor, actor: Actor, reach: Reach, id: string): Promise<PlaybookRow> {
  const p = await findPlaybook(db, actor.orgId, id);
  if (!p || !canRead(actor, reach, p, await ownTeamAncestors(db, actor, reach))) throw notFound('Playbook');
  return p;
}

async function manageable(db: Executor, actor: Actor, reach: Reach, id: string): Promise<PlaybookRow> {
  const p = await readable(db, actor, reach, id);
  if (!canManage(actor, reach, p)) throw notFound('Playbook');
  return p;
}

/** The team and every team below it. */
async function teamSubtree(db: Executor, orgId: string, teamId: string): Promise<string[]> {
  const teams = await db
    .selectFrom('teams')
    .select(['id', 'parent_team_id'])
    .where('org_id', '=', orgId)
    .execute();
  const out = new Set([teamId]);
  for (let grew = true; grew; ) {
    grew = false;
    for (const t of teams)
      if (t.parent_team_id && out.has(t.parent_team_id) && !out.has(t.id)) {
        out.add(t.id);
        grew = true;
      }
  }
  return [...out];
}

async function audienceOf(db: Executor, orgId: string, p: PlaybookRow) {
  return p.scope_type === 'role'
    ? audience(db, orgId, { type: 'role', role: p.scope_role as Role })
    : audience(db, orgId, { type: 'team', teamIds: await teamSubtree(db, orgId, p.scope_team_id!) });
}

/** Every metric a document names must be in the org's catalog; the error names the field. */
function checkMetrics(doc: PlaybookDocument, metrics: Map<string, OrgMetric>): void {
  for (const [i, t] of doc.targets.entries())
    if (!metrics.has(t.metric))
      throw invalidField(`document.targets.${i}.metric`, 'is not a metric of the catalog');
  for (const [i, m] of doc.metrics.entries())
    if (!metrics.has(m.metric))
      throw invalidField(`document.metrics.${i}.metric`, 'is not a metric of the catalog');
  const seen = new Set<string>();
  for (const [i, t] of doc.targets.entries()) {
    const key = `${t.metric}|${t.periodKind}`;
    if (seen.has(key)) throw invalidField(`document.targets.${i}`, 'repeats a metric and period kind');
    seen.add(key);
  }
}

function versionValues(doc: PlaybookDocument) {
  return {
    summary: doc.summary,
    responsibilities: JSON.stringify(doc.responsibilities),
    judged_metrics: JSON.stringify(doc.metrics),
  };
}

function targetRows(orgId: string, playbookId: string, version: number, doc: PlaybookDocument) {
  return doc.targets.map((t, position) => ({
    org_id: orgId,
    id: newId(),
    playbook_id: playbookId,
    version,
    position,
    metric_key: t.metric,
    period_kind: t.periodKind,
    amount: t.amount,
  }));
}

interface StoredDoc {
  summary: string;
  responsibilities: string[];
  targets: {
    id: string;
    metric: string;
    periodKind: 'week' | 'month' | 'quarter' | 'year';
    amount: number;
  }[];
  metrics: { metric: string; note: string }[];
}

async function storedDocs(db: Executor, orgId: string, playbookId: string, versions: VersionRow[]) {
  const targets = await versionTargets(
    db,
    orgId,
    playbookId,
    versions.map((v) => v.version),
  );
  return new Map<number, StoredDoc>(
    versions.map((v) => [
      v.version,
      {
        summary: v.summary,
        responsibilities: JSON.parse(v.responsibilities) as string[],
        metrics: JSON.parse(v.judged_metrics) as { metric: string; note: string }[],
        targets: targets
          .filter((t) => t.version === v.version)
          .map((t) => ({
            id: t.id,
            metric: t.metric_key,
            periodKind: t.period_kind,
            amount: Number(t.amount),
          })),
      },
    ]),
  );
}

function metricRef(metrics: Map<string, OrgMetric>, key: string) {
  const m = metrics.get(key);
  return {
    key,
    name: m?.name ?? key,
    definition: m?.definition ?? '(no longer in the catalog)',
    format: m?.format ?? 'number',
  };
}

function documentOut(doc: StoredDoc, metrics: Map<string, OrgMetric>) {
  return {
    summary: doc.summary,
    responsibilities: doc.responsibilities,
    targets: doc.targets.map((t) => ({
      id: t.id,
      metric: metricRef(metrics, t.metric),
      periodKind: t.periodKind,
      amount: t.amount,
    })),
    metrics: doc.metrics.map((m) => ({ metric: metricRef(metrics, m.metric), note: m.note })),
  };
}

function listItem(actor: Actor, reach: Reach, p: PlaybookRow, mine: number | null, inAudience: boolean) {
  return {
    id: p.id,
    name: p.name,
    scope: { type: p.scope_type, role: p.scope_role, teamId: p.scope_team_id },
    currentVersion: p.current_version,
    myAcknowledgedVersion: mine,
    needsAcknowledgement: inAudience && p.current_version !== null && (mine ?? 0) < p.current_version,
    canManage: canManage(actor, reach, p),
    // Whether GET …/acknowledgements answers this actor: also managers of a playbook they cannot
    // edit (a role playbook), so the web app shows them who has not acknowledged.
    canSeeAcknowledgements: canSeePlaybookAcknowledgements(actor),
  };
}

/** Whether the actor is one of the people a playbook applies to (without listing the audience). */
function appliesTo(
  actor: Actor,
  reach: Reach,
  p: PlaybookRow,
  subtreeOfOwn: (teamId: string) => boolean,
): boolean {
  if (p.scope_type === 'role') return p.scope_role === actor.role;
  return reach.ownTeamId !== null && subtreeOfOwn(p.scope_team_id!);
}

async function ownTeamAncestors(db: Executor, actor: Actor, reach: Reach): Promise<Set<string>> {
  if (!reach.ownTeamId) return new Set();
  const teams = await db
    .selectFrom('teams')
    .select(['id', 'parent_team_id'])
    .where('org_id', '=', actor.orgId)
    .execute();
  const parent = new Map(teams.map((t) => [t.id, t.parent_team_id]));
  const out = new Set<string>();
  for (let id: string | null | undefined = reach.ownTeamId; id && !out.has(id); id = parent.get(id))
    out.add(id);
  return out;
}

export async function listPlaybooks(deps: Deps, actor: Actor, reach: Reach) {
  const db = deps.db.kysely;
  const [rows, mine, ancestors] = await Promise.all([
    listPlaybookRows(db, actor.orgId),
    myAcknowledgements(db, actor.orgId, actor.userId),
    ownTeamAncestors(db, actor, reach),
  ]);
  return {
    items: rows
      .filter((p) => canRead(actor, reach, p, ancestors))
      .map((p) =>
        listItem(
          actor,
          reach,
          p,
          mine.get(p.id) ?? null,
          appliesTo(actor, reach, p, (t) => ancestors.has(t)),
        ),
      ),
  };
}

async function playbookOut(db: Executor, actor: Actor, reach: Reach, p: PlaybookRow, version?: number) {
  const [versions, mine, ancestors, metrics] = await Promise.all([
    listVersions(db, actor.orgId, p.id),
    myAcknowledgements(db, actor.orgId, actor.userId),
    ownTeamAncestors(db, actor, reach),
    loadOrgMetrics(db, actor.orgId),
  ]);
  const manage = canManage(actor, reach, p);
  // Drafts are for the people who manage the playbook; everyone else sees published versions only.
  const visible = versions.filter((v) => manage || v.status === 'published');
  const wanted = version ?? p.current_version ?? (manage ? visible.at(-1)?.version : undefined);
  const shownRow = visible.find((v) => v.version === wanted);
  if (version !== undefined && !shownRow) throw invalidField('version', 'is not a version of this playbook');
  const docs = shownRow ? await storedDocs(db, actor.orgId, p.id, [shownRow]) : new Map<number, StoredDoc>();
  return {
    ...listItem(
      actor,
      reach,
      p,
      mine.get(p.id) ?? null,
      appliesTo(actor, reach, p, (t) => ancestors.has(t)),
    ),
    versions: visible.map((v) => ({
      version: v.version,
      status: v.status,
      publishedAt: v.published_at === null ? null : new Date(Number(v.published_at)).toISOString(),
      publishedBy: v.published_by,
    })),
    shown: shownRow
      ? {
          version: shownRow.version,
          status: shownRow.status,
          document: documentOut(docs.get(shownRow.version)!, new Map(metrics.map((m) => [m.key, m]))),
        }
      : null,
  };
}

export async function getPlaybook(
  deps: Deps,
  actor: Actor,
  reach: Reach,
  id: string,
  input: z.infer<typeof playbookGetQuery>,
) {
  const db = deps.db.kysely;
  return playbookOut(db, actor, reach, await readable(db, actor, reach, id), input.version);
}

export async function createPlaybook(
  deps: Deps,
  actor: Actor,
  reach: Reach,
  input: z.infer<typeof playbookCreateBody>,
) {
  return deps.db.kysely.transaction().execute(async (trx) => {
    if (input.scope.type === 'role' && actor.role !== 'admin')
      throw invalidField('scope', 'only an admin writes playbooks for a whole role');
    if (input.scope.type === 'team') {
      const team = await trx
        .selectFrom('teams')
        .select('id')
        .where('org_id', '=', actor.orgId)
        .where('id', '=', input.scope.teamId)
        .executeTakeFirst();
      if (!team || !(reach.all || reach.managedTeamIds.has(team.id)))
        throw invalidField('scope.teamId', 'is not a team whose playbook you write');
    }
    checkMetrics(input.document, new Map((await loadOrgMetrics(trx, actor.orgId)).map((m) => [m.key, m])));
    const now = deps.clock.now();
    const id = newId();
    await insertPlaybook(trx, {
      org_id: actor.orgId,
      id,
      name: input.name,
      scope_type: input.scope.type,
      scope_role: input.scope.type === 'role' ? input.scope.role : null,
      scope_team_id: input.scope.type === 'team' ? input.scope.teamId : null,
      current_version: null,
      created_by: actor.userId,
      created_at: now,
      updated_at: now,
    });
    await insertVersion(trx, draftRow(actor, id, 1, input.document, now));
    await replaceDraftTargets(trx, actor.orgId, id, 1, targetRows(actor.orgId, id, 1, input.document));
    await audit(trx, deps, actor, 'playbook', id, 'create', { name: input.name, scope: input.scope });
    return playbookOut(trx, actor, reach, (await findPlaybook(trx, actor.orgId, id))!);
  });
}

function draftRow(
  actor: Actor,
  playbookId: string,
  version: number,
  doc: PlaybookDocument,
  now: number,
): PlaybookVersionsTable {
  return {
    org_id: actor.orgId,
    playbook_id: playbookId,
    version,
    status: 'draft',
    ...versionValues(doc),
    created_by: actor.userId,
    created_at: now,
    updated_at: now,
    published_by: null,
    published_at: null,
  };
}

/** Writes the draft: rewrites the open draft, or starts the next version after a published one. */
export async function saveDraft(
  deps: Deps,
  actor: Actor,
  reach: Reach,
  id: string,
  input: z.infer<typeof playbookDraftBody>,
) {
  return deps.db.kysely.transaction().execute(async (trx) => {
    const p = await manageable(trx, actor, reach, id);
    checkMetrics(input.document, new Map((await loadOrgMetrics(trx, actor.orgId)).map((m) => [m.key, m])));
    const now = deps.clock.now();
    const last = (await listVersions(trx, actor.orgId, id)).at(-1);
    let version: number;
    if (last?.status === 'draft') {
      version = last.version;
      await updateDraft(trx, actor.orgId, id, version, { ...versionValues(input.document), updated_at: now });
    } else {
      version = (last?.version ?? 0) + 1;
      await insertVersion(trx, draftRow(actor, id, version, input.document, now));
    }
    await replaceDraftTargets(
      trx,
      actor.orgId,
      id,
      version,
      targetRows(actor.orgId, id, version, input.document),
    );
    await touchPlaybook(trx, actor.orgId, id, {
      ...(input.name ? { name: input.name } : {}),
      updated_at: now,
    });
    await audit(trx, deps, actor, 'playbook', id, 'draft', { version, name: input.name ?? p.name });
    return playbookOut(trx, actor, reach, (await findPlaybook(trx, actor.orgId, id))!, version);
  });
}

/** Publishes the draft (frozen from then on) and asks each person it applies to to acknowledge it. */
export async function publishPlaybook(deps: Deps, actor: Actor, reach: Reach, id: string) {
  return deps.db.kysely.transaction().execute(async (trx) => {
    const p = await manageable(trx, actor, reach, id);
    const last = (await listVersions(trx, actor.orgId, id)).at(-1);
    if (last?.status !== 'draft') throw conflict('There is no draft to publish; save a draft first');
    const now = deps.clock.now();
    // Another request may have published it in between: then this one has nothing left to publish.
    if ((await publishDraft(trx, actor.orgId, id, last.version, actor.userId, now)) === 0)
      throw conflict('There is no draft to publish; save a draft first');
    await touchPlaybook(trx, actor.orgId, id, { current_version: last.version, updated_at: now });
    const people = await audienceOf(trx, actor.orgId, p);
    for (const person of people) {
      if (person.id === actor.userId) continue;
      await notify(trx, deps, {
        orgId: actor.orgId,
        userId: person.id,
        category: 'playbook',
        title: `Please read and acknowledge “${p.name}” (version ${last.version})`,
        body:
          last.version > 1 ? 'The playbook changed; see what is new since the version you acknowledged.' : '',
        link: `/playbooks/${id}`,
      });
    }
    await audit(trx, deps, actor, 'playbook', id, 'publish', { version: last.version, asked: people.length });
    return playbookOut(trx, actor, reach, (await findPlaybook(trx, actor.orgId, id))!);
  });
}

export async function acknowledgePlaybook(
  deps: Deps,
  actor: Actor,
  reach: Reach,
  id: string,
  input: z.infer<typeof acknowledgeBody>,
) {
  return deps.db.kysely.transaction().execute(async (trx) => {
    const p = await readable(trx, actor, reach, id);
    const ancestors = await ownTeamAncestors(trx, actor, reach);
    if (!appliesTo(actor, reach, p, (t) => ancestors.has(t)))
      throw invalidField('version', 'this playbook does not apply to you');
    if (p.current_version === null || input.version !== p.current_version)
      throw invalidField('version', `is not the current version (${p.current_version ?? 'none published'})`);
    await insertAcknowledgement(trx, {
      org_id: actor.orgId,
      playbook_id: id,
      user_id: actor.userId,
      version: input.version,
      acknowledged_at: deps.clock.now(),
    });
    await audit(trx, deps, actor, 'playbook', id, 'acknowledge', { version: input.version });
    return playbookOut(trx, actor, reach, p);
  });
}

function diffLists(a: string[], b: string[]) {
  return { added: b.filter((x) => !a.includes(x)), removed: a.filter((x) => !b.includes(x)) };
}

/** What changed between two published versions; by default from the version I acknowledged to the current one. */
export async function playbookDiff(
  deps: Deps,
  actor: Actor,
  reach: Reach,
  id: string,
  input: z.infer<typeof diffQuery>,
) {
  const db = deps.db.kysely;
  const p = await readable(db, actor, reach, id);
  const versions = (await listVersions(db, actor.orgId, id)).filter((v) => v.status === 'published');
  const to = input.to ?? p.current_version;
  if (to === null || to === undefined) throw invalidField('to', 'the playbook has no published version yet');
  const from = input.from ?? (await myAcknowledgements(db, actor.orgId, actor.userId)).get(id) ?? 0;
  const pick = (v: number, path: string) => {
    if (v === 0) return null;
    const row = versions.find((x) => x.version === v);
    if (!row) throw invalidField(path, 'is not a published version of this playbook');
    return row;
  };
  const fromRow = pick(from, 'from');
  const toRow = pick(to, 'to')!;
  const docs = await storedDocs(db, actor.orgId, id, fromRow ? [fromRow, toRow] : [toRow]);
  const empty: StoredDoc = { summary: '', responsibilities: [], targets: [], metrics: [] };
  const a = fromRow ? docs.get(from)! : empty;
  const b = docs.get(to)!;
  const tKey = (t: { metric: string; periodKind: string }) => `${t.metric}|${t.periodKind}`;
  const aTargets = new Map(a.targets.map((t) => [tKey(t), t]));
  const bTargets = new Map(b.targets.map((t) => [tKey(t), t]));
  const plain = (t: StoredDoc['targets'][number]) => ({
    metric: t.metric,
    periodKind: t.periodKind,
    amount: t.amount,
  });
  const aMetrics = new Map(a.metrics.map((m) => [m.metric, m.note]));
  const bMetrics = new Map(b.metrics.map((m) => [m.metric, m.note]));
  return {
    from,
    to,
    summaryChanged: a.summary !== b.summary,
    summary: a.summary !== b.summary ? { from: a.summary, to: b.summary } : null,
    responsibilities: diffLists(a.responsibilities, b.responsibilities),
    targets: {
      added: b.targets.filter((t) => !aTargets.has(tKey(t))).map(plain),
      removed: a.targets.filter((t) => !bTargets.has(tKey(t))).map(plain),
      changed: b.targets.flatMap((t) => {
        const before = aTargets.get(tKey(t));
        return before && before.amount !== t.amount
          ? [{ metric: t.metric, periodKind: t.periodKind, from: before.amount, to: t.amount }]
          : [];
      }),
    },
    metrics: {
      ...diffLists([...aMetrics.keys()], [...bMetrics.keys()]),
      changed: [...bMetrics].flatMap(([metric, note]) => {
        const before = aMetrics.get(metric);
        return before !== undefined && before !== note ? [{ metric, from: before, to: note }] : [];
      }),
    },
  };
}

/**
 * Who has acknowledged the current version, for managers (the people under them) and admins
 * (everyone it applies to); `pending` lists those who have not.
 */
export async function playbookAcknowledgements(deps: Deps, actor: Actor, reach: Reach, id: string) {
  if (!canSeePlaybookAcknowledgements(actor)) throw forbidden();
  const db = deps.db.kysely;
  const p = await readable(db, actor, reach, id);
  const people = (await audienceOf(db, actor.orgId, p)).filter((u) =>
    canSeeAcknowledgementOf(actor, reach, u.id),
  );
  const acks = await latestAcknowledgements(
    db,
    actor.orgId,
    id,
    people.map((u) => u.id),
  );
  const items = people.map((u) => {
    const a = acks.get(u.id);
    return {
      user: u,
      acknowledgedVersion: a?.version ?? null,
      acknowledgedAt: a ? new Date(a.at).toISOString() : null,
      upToDate: p.current_version !== null && a?.version === p.current_version,
    };
  });
  return {
    version: p.current_version,
    items,
    pending: p.current_version === null ? [] : items.filter((i) => !i.upToDate).map((i) => i.user),
  };
}
