import type { z } from 'zod';
import type { Deps } from '../../context.ts';
import { compiledQuery } from '../../db/compiled-query.ts';
import type { Executor } from '../../db/database.ts';
import type { StageKind } from '../../db/schema.ts';
import { notFound } from '../../lib/errors.ts';
import { type Actor, assertRole } from '../../policy/policy.ts';
import { audit, diff } from '../audit/audit.service.ts';
import { type CrmSettings, crmSettingsSchema, type crmSettingsUpdate } from './crm.schemas.ts';

interface OrgSettingsDoc {
  crm?: unknown;
  [key: string]: unknown;
}

// Read on every CRM request: compiled once, and on SQLite run straight on the prepared statement.
const selectSettings = compiledQuery((db: Executor, orgId: string) =>
  db.selectFrom('orgs').select('settings').where('id', '=', orgId),
);

async function readSettingsRaw(db: Executor, orgId: string): Promise<string> {
  const [row] = await selectSettings(db, orgId);
  if (!row) throw notFound('Organization');
  return row.settings;
}

async function readSettingsDoc(db: Executor, orgId: string): Promise<OrgSettingsDoc> {
  return JSON.parse(await readSettingsRaw(db, orgId)) as OrgSettingsDoc;
}

/**
 * The last settings parsed per org, by the exact stored text: the database stays the truth (it is
 * read on every call, so a change made by another instance shows at once); only the JSON and zod
 * parsing of an unchanged text is skipped. Bounded so that many orgs cannot grow it without end.
 */
const parsed = new Map<string, { raw: string; settings: Readonly<CrmSettings> }>();
const PARSED_MAX = 1000;

function parseCrmSettings(raw: string): CrmSettings {
  const doc = JSON.parse(raw) as OrgSettingsDoc;
  const result = crmSettingsSchema.safeParse(doc.crm ?? {});
  return result.success ? result.data : crmSettingsSchema.parse({});
}

/** The org's CRM settings with defaults filled in (visit radius 150 m, tier cadences, …). */
export async function loadCrmSettings(db: Executor, orgId: string): Promise<CrmSettings> {
  return crmSettingsFromStored(orgId, await readSettingsRaw(db, orgId));
}

/**
 * The CRM settings from the org's stored settings text (`orgs.settings`), when a statement read it
 * along with its own rows (the account list's page); null means the org row is missing.
 */
export function crmSettingsFromStored(orgId: string, raw: string | null): CrmSettings {
  if (raw === null) throw notFound('Organization');
  const hit = parsed.get(orgId);
  if (hit && hit.raw === raw) return hit.settings;
  // Shared between requests, so nobody may change it in place.
  const settings = parseCrmSettings(raw);
  Object.freeze(settings.tierCadenceDays);
  Object.freeze(settings.activityKinds);
  Object.freeze(settings);
  if (parsed.size >= PARSED_MAX) parsed.clear();
  parsed.set(orgId, { raw, settings });
  return settings;
}

/**
 * `teamRead` of `readableOwnerIds`: whether a rep reads their teammates' accounts
 * (`repsReadTeamAccounts`). Only a rep's lists depend on it, so for anyone else the settings are
 * not read at all (one query less per list request).
 */
export async function accountTeamRead(db: Executor, actor: Actor): Promise<boolean> {
  if (actor.role !== 'rep') return false;
  return (await loadCrmSettings(db, actor.orgId)).repsReadTeamAccounts;
}

export async function updateCrmSettings(
  deps: Deps,
  actor: Actor,
  input: z.infer<typeof crmSettingsUpdate>,
): Promise<CrmSettings> {
  assertRole(actor, 'admin');
  return deps.db.kysely.transaction().execute(async (trx) => {
    const doc = await readSettingsDoc(trx, actor.orgId);
    const before = await loadCrmSettings(trx, actor.orgId);
    const next = crmSettingsSchema.parse({ ...before, ...input });
    await trx
      .updateTable('orgs')
      .set({ settings: JSON.stringify({ ...doc, crm: next }), updated_at: deps.clock.now() })
      .where('id', '=', actor.orgId)
      .execute();
    await audit(
      trx,
      deps,
      actor,
      'crm_settings',
      actor.orgId,
      'update',
      diff(before as unknown as Record<string, unknown>, input),
    );
    return next;
  });
}

const defaultStages: { key: string; name: string; probability: number; kind: StageKind }[] = [
  { key: 'prospecting', name: 'Prospecting', probability: 10, kind: 'open' },
  { key: 'qualification', name: 'Qualification', probability: 25, kind: 'open' },
  { key: 'proposal', name: 'Proposal', probability: 50, kind: 'open' },
  { key: 'negotiation', name: 'Negotiation', probability: 75, kind: 'open' },
  { key: 'won', name: 'Closed won', probability: 100, kind: 'won' },
  { key: 'lost', name: 'Closed lost', probability: 0, kind: 'lost' },
];

export function defaultPipelineId(orgId: string): string {
  return `${orgId}:default`;
}

/**
 * Every org has a default pipeline. It is created on first use with deterministic ids, so two
 * requests racing to create it insert it once (the second insert is ignored).
 */
export async function ensureDefaultPipeline(db: Executor, orgId: string, now: number): Promise<void> {
  const existing = await db
    .selectFrom('pipelines')
    .select('id')
    .where('org_id', '=', orgId)
    .limit(1)
    .executeTakeFirst();
  if (existing) return;
  const pipelineId = defaultPipelineId(orgId);
  await db
    .insertInto('pipelines')
    .values({ org_id: orgId, id: pipelineId, name: 'Sales', is_default: 1, created_at: now })
    .onConflict((oc) => oc.columns(['org_id', 'id']).doNothing())
    .execute();
  await db
    .insertInto('stages')
    .values(
      defaultStages.map((s, i) => ({
        org_id: orgId,
        id: `${pipelineId}:${s.key}`,
        pipeline_id: pipelineId,
        name: s.name,
        position: i,
        probability: s.probability,
        kind: s.kind,
      })),
    )
    .onConflict((oc) => oc.columns(['org_id', 'id']).doNothing())
    .execute();
}
