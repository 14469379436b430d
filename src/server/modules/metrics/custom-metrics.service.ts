import { z } from 'zod';
import {
  type CustomMetricSpec,
  customMetricSpec,
  metricFormats,
  metricUnits,
} from '../../../shared/custom-metrics.ts';
import type { Deps } from '../../context.ts';
import type { Executor } from '../../db/database.ts';
import { invalidField, notFound } from '../../lib/errors.ts';
import { newId } from '../../lib/ids.ts';
import { type Actor, assertRole } from '../../policy/policy.ts';
import { audit } from '../audit/audit.service.ts';
import { builtinActivityKinds } from '../crm/crm.schemas.ts';
import { loadCrmSettings } from '../crm/crm-settings.service.ts';
import { findOrg } from '../identity/identity.repository.ts';
import {
  type CustomMetricRow,
  deleteCustomMetricRow,
  findCustomMetricRow,
  insertCustomMetric,
  listCustomMetricRows,
  updateCustomMetricRow,
} from './custom-metrics.repository.ts';
import { isBuiltinKey, loadOrgMetrics, type OrgMetric } from './metric-registry.ts';
import { loadMetricSettings, metricKeySchema } from './metric-settings.service.ts';
import { assertOpenValuesUsed, unusedFilterReason, usedOpenValues } from './metric-vocabulary.service.ts';

export const customMetricBody = z
  .object({
    key: metricKeySchema.describe('Stable key used in targets, goals and the values API'),
    name: z.string().trim().min(1).max(80),
    description: z.string().trim().min(1).max(500).describe('The definition shown next to every value'),
    definition: customMetricSpec,
    unit: z.enum(metricUnits),
    direction: z.enum(['higher', 'lower']),
    format: z.enum(metricFormats).describe('percent multiplies a ratio by 100'),
  })
  .strict();
export const customMetricUpdateBody = customMetricBody.omit({ key: true }).partial().strict();

export const customMetricResponse = z.object({
  id: z.string(),
  key: z.string(),
  name: z.string(),
  description: z.string(),
  definition: customMetricSpec,
  unit: z.enum(metricUnits),
  direction: z.enum(['higher', 'lower']),
  format: z.enum(metricFormats),
  createdAt: z.string(),
  updatedAt: z.string(),
});

export function toCustomMetricResponse(r: CustomMetricRow): z.infer<typeof customMetricResponse> {
  return {
    id: r.id,
    key: r.key,
    name: r.name,
    description: r.description,
    definition: customMetricSpec.parse(JSON.parse(r.spec)),
    unit: r.unit as z.infer<typeof customMetricResponse>['unit'],
    direction: r.direction,
    format: r.format as z.infer<typeof customMetricResponse>['format'],
    createdAt: new Date(Number(r.created_at)).toISOString(),
    updatedAt: new Date(Number(r.updated_at)).toISOString(),
  };
}

interface Analysis {
  /** The currency of a money value; null when the value is not money. */
  currency: string | null;
  /** Why the value is always zero; null when it may not be. */
  alwaysZero: string | null;
}

/** At most this many allowed stages are listed in a refusal (a pipeline-heavy org has many). */
const STAGES_LISTED = 20;

/**
 * Checks a definition against the org: known activity kinds and stages (closed vocabularies, the
 * allowed values listed), territories / outcomes / currencies some record of the org has (open
 * vocabularies, exact match as the engine filters; the closest existing values listed), metric
 * keys; no ratio cycle (through the other custom metrics as they will be after this save); no
 * always-zero denominator (also one whose filters name only values no record has); no ratio of
 * amounts in two currencies. Throws a 400 naming the field and saying why.
 */
async function validateDefinition(
  db: Executor,
  orgId: string,
  key: string,
  spec: CustomMetricSpec,
  format: (typeof metricFormats)[number],
): Promise<void> {
  const [org, crm, stages, metrics] = await Promise.all([
    findOrg(db, orgId),
    loadCrmSettings(db, orgId),
    db
      .selectFrom('stages')
      .select(['id', 'name', 'kind'])
      .where('org_id', '=', orgId)
      .orderBy('pipeline_id')
      .orderBy('position')
      .execute(),
    loadOrgMetrics(db, orgId),
  ]);
  if (!org) throw notFound('Organization');
  const kinds: string[] = [...builtinActivityKinds, ...crm.activityKinds];
  const stageKind = new Map(stages.map((s) => [s.id, s.kind]));
  const byKey = new Map<string, OrgMetric | { key: string; spec: CustomMetricSpec }>(
    metrics.map((m) => [m.key, m]),
  );
  byKey.set(key, { key, spec });
  const base = 'definition';

  // Field checks on this definition.
  switch (spec.block) {
    case 'activity_count':
    case 'activity_sum':
    case 'activity_average':
      for (const [i, kind] of (spec.filters.kinds ?? []).entries())
        if (!kinds.includes(kind))
          throw invalidField(
            `${base}.filters.kinds.${i}`,
            `"${kind}" is not an activity kind of this org (allowed: ${kinds.join(', ')})`,
          );
      break;
    case 'deal_count':
    case 'deal_sum':
    case 'deal_average':
      for (const [i, id] of (spec.filters.stageIds ?? []).entries())
        if (!stageKind.has(id)) {
          const listed = stages.slice(0, STAGES_LISTED).map((s) => `${s.id} (${s.name})`);
          const more = stages.length > STAGES_LISTED ? ', …' : '';
          throw invalidField(
            `${base}.filters.stageIds.${i}`,
            stages.length
              ? `"${id}" is not a stage of this org (allowed: ${listed.join(', ')}${more})`
              : `"${id}" is not a stage of this org (it has no stages yet)`,
          );
        }
      break;
    case 'ratio':
      for (const side of ['numerator', 'denominator'] as const) {
        const ref = spec[side];
        if (ref === key) throw invalidField(`${base}.${side}`, 'refers to the metric itself');
        if (!byKey.has(ref)) throw invalidField(`${base}.${side}`, `"${ref}" is not a metric of the catalog`);
      }
      break;
    default: {
      const never: never = spec;
      throw new Error(`unknown block ${String(never)}`);
    }
  }

  // Open vocabularies: the values of this definition and of the custom metrics its ratio reaches
  // (one query per vocabulary for all of them).
  const reached: CustomMetricSpec[] = [];
  const seen = new Set<string>();
  const reach = (k: string) => {
    const s = seen.has(k) ? undefined : byKey.get(k)?.spec;
    seen.add(k);
    if (!s) return;
    reached.push(s);
    if (s.block === 'ratio') {
      reach(s.numerator);
      reach(s.denominator);
    }
  };
  reach(key);
  const used = await usedOpenValues(db, orgId, org.currency, reached);
  await assertOpenValuesUsed(db, orgId, spec, used, base);

  // Cycles: follow ratio operands from this metric through the catalog as it will be.
  const visiting = new Set<string>();
  const visit = (k: string, trail: string[]) => {
    const m = byKey.get(k);
    if (m?.spec?.block !== 'ratio') return;
    if (visiting.has(k)) throw invalidField(`${base}`, `makes a cycle: ${[...trail, k].join(' → ')}`);
    visiting.add(k);
    visit(m.spec.numerator, [...trail, k]);
    visit(m.spec.denominator, [...trail, k]);
    visiting.delete(k);
  };
  visit(key, []);

  const analyse = (k: string): Analysis => {
    const m = byKey.get(k);
    if (!m?.spec) {
      const info = m as OrgMetric | undefined;
      return {
        currency: info && (info.unit === 'money' || info.unit === 'money_per_day') ? org.currency : null,
        alwaysZero: null,
      };
    }
    return analyseSpec(m.spec);
  };
  const analyseSpec = (s: CustomMetricSpec): Analysis => {
    switch (s.block) {
      case 'activity_count':
      case 'activity_sum':
      case 'activity_average': {
        // Only visits carry a verification flag.
        const unverifiable =
          s.filters.verified !== undefined &&
          s.filters.kinds !== undefined &&
          !s.filters.kinds.includes('visit');
        return {
          currency: null,
          alwaysZero: unverifiable
            ? 'only visits carry a check-in, and it counts no visits'
            : unusedFilterReason(s, used),
        };
      }
      case 'deal_count':
      case 'deal_sum':
      case 'deal_average': {
        const fits: Record<typeof s.deals, (kind: string) => boolean> = {
          won: (kind) => kind === 'won',
          lost: (kind) => kind === 'lost',
          closed: (kind) => kind !== 'open',
          open: (kind) => kind === 'open',
          created: () => true,
        };
        const noStage =
          s.filters.stageIds !== undefined &&
          !s.filters.stageIds.some((id) => fits[s.deals](stageKind.get(id) ?? ''));
        return {
          currency: s.block === 'deal_count' ? null : (s.filters.currency ?? org.currency),
          alwaysZero: noStage ? `none of its stages can hold ${s.deals} deals` : unusedFilterReason(s, used),
        };
      }
      case 'ratio': {
        const n = analyse(s.numerator);
        const d = analyse(s.denominator);
        return { currency: n.currency && !d.currency ? n.currency : null, alwaysZero: n.alwaysZero };
      }
      default: {
        const never: never = s;
        throw new Error(`unknown block ${String(never)}`);
      }
    }
  };

  if (spec.block === 'ratio') {
    const n = analyse(spec.numerator);
    const d = analyse(spec.denominator);
    if (d.alwaysZero)
      throw invalidField(
        `${base}.denominator`,
        `"${spec.denominator}" is always zero (its filters can never match: ${d.alwaysZero}), so the ratio could never be computed`,
      );
    if (n.currency && d.currency && n.currency !== d.currency)
      throw invalidField(`${base}.denominator`, `mixes currencies: ${n.currency} ÷ ${d.currency}`);
  }
  // Amounts of money are shown as money, and only they are.
  const money = analyseSpec(spec).currency !== null;
  if (money && format !== 'money')
    throw invalidField('format', 'must be money: the definition yields an amount');
  if (!money && format === 'money')
    throw invalidField('format', 'is money, but the definition yields no amount');
}

/** Whether any other custom metric's ratio uses `key`. */
function usersOf(rows: CustomMetricRow[], key: string): string[] {
  return rows
    .filter((r) => {
      const spec = customMetricSpec.parse(JSON.parse(r.spec));
      return spec.block === 'ratio' && (spec.numerator === key || spec.denominator === key);
    })
    .map((r) => r.key);
}

export async function listCustomMetrics(deps: Deps, actor: Actor) {
  return { items: (await listCustomMetricRows(deps.db.kysely, actor.orgId)).map(toCustomMetricResponse) };
}

export async function getCustomMetric(deps: Deps, actor: Actor, id: string) {
  const row = await findCustomMetricRow(deps.db.kysely, actor.orgId, id);
  if (!row) throw notFound('Custom metric');
  return toCustomMetricResponse(row);
}

export async function createCustomMetric(deps: Deps, actor: Actor, input: z.infer<typeof customMetricBody>) {
  assertRole(actor, 'admin');
  return deps.db.kysely.transaction().execute(async (trx) => {
    if (isBuiltinKey(input.key)) throw invalidField('key', 'is the key of a built-in metric');
    const existing = await listCustomMetricRows(trx, actor.orgId);
    if (existing.some((r) => r.key === input.key))
      throw invalidField('key', 'is already used by another custom metric');
    await validateDefinition(trx, actor.orgId, input.key, input.definition, input.format);
    const now = deps.clock.now();
    const id = newId();
    await insertCustomMetric(trx, {
      org_id: actor.orgId,
      id,
      key: input.key,
      name: input.name,
      description: input.description,
      spec: JSON.stringify(input.definition),
      unit: input.unit,
      direction: input.direction,
      format: input.format,
      created_by: actor.userId,
      created_at: now,
      updated_at: now,
    });
    await audit(trx, deps, actor, 'custom_metric', id, 'create', {
      key: input.key,
      definition: input.definition,
    });
    return toCustomMetricResponse((await findCustomMetricRow(trx, actor.orgId, id))!);
  });
}

export async function updateCustomMetric(
  deps: Deps,
  actor: Actor,
  id: string,
  input: z.infer<typeof customMetricUpdateBody>,
) {
  assertRole(actor, 'admin');
  return deps.db.kysely.transaction().execute(async (trx) => {
    const row = await findCustomMetricRow(trx, actor.orgId, id);
    if (!row) throw notFound('Custom metric');
    if (input.definition || input.format) {
      const stored = toCustomMetricResponse(row);
      await validateDefinition(
        trx,
        actor.orgId,
        row.key,
        input.definition ?? stored.definition,
        input.format ?? stored.format,
      );
    }
    await updateCustomMetricRow(trx, actor.orgId, id, {
      ...(input.name !== undefined ? { name: input.name } : {}),
      ...(input.description !== undefined ? { description: input.description } : {}),
      ...(input.definition !== undefined ? { spec: JSON.stringify(input.definition) } : {}),
      ...(input.unit !== undefined ? { unit: input.unit } : {}),
      ...(input.direction !== undefined ? { direction: input.direction } : {}),
      ...(input.format !== undefined ? { format: input.format } : {}),
      updated_at: deps.clock.now(),
    });
    await audit(trx, deps, actor, 'custom_metric', id, 'update', {
      key: row.key,
      changed: Object.keys(input),
    });
    return toCustomMetricResponse((await findCustomMetricRow(trx, actor.orgId, id))!);
  });
}

/** Removes a custom metric that no other metric's ratio uses; its targets and visibility setting go with it. */
export async function deleteCustomMetric(deps: Deps, actor: Actor, id: string): Promise<void> {
  assertRole(actor, 'admin');
  await deps.db.kysely.transaction().execute(async (trx) => {
    const row = await findCustomMetricRow(trx, actor.orgId, id);
    if (!row) throw notFound('Custom metric');
    const users = usersOf(await listCustomMetricRows(trx, actor.orgId), row.key);
    if (users.length) throw invalidField('id', `is used by ${users.join(', ')}; change those first`);
    await trx
      .deleteFrom('targets')
      .where('org_id', '=', actor.orgId)
      .where('metric_key', '=', row.key)
      .execute();
    await deleteCustomMetricRow(trx, actor.orgId, id);
    const settings = await loadMetricSettings(trx, actor.orgId);
    if (settings.visibility[row.key]) {
      const doc = JSON.parse(
        (
          await trx
            .selectFrom('orgs')
            .select('settings')
            .where('id', '=', actor.orgId)
            .executeTakeFirstOrThrow()
        ).settings,
      ) as Record<string, unknown>;
      delete settings.visibility[row.key];
      await trx
        .updateTable('orgs')
        .set({ settings: JSON.stringify({ ...doc, metrics: settings }) })
        .where('id', '=', actor.orgId)
        .execute();
    }
    await audit(trx, deps, actor, 'custom_metric', id, 'delete', { key: row.key });
  });
}
