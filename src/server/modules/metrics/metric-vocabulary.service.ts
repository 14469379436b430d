import { z } from 'zod';
import type { CustomMetricSpec } from '../../../shared/custom-metrics.ts';
import { closestValues, unusedValueMessage } from '../../../shared/vocabulary.ts';
import type { Deps } from '../../context.ts';
import type { Executor } from '../../db/database.ts';
import { invalidField, notFound } from '../../lib/errors.ts';
import { type Actor, assertRole } from '../../policy/policy.ts';
import { builtinActivityKinds, tierSchema } from '../crm/crm.schemas.ts';
import { loadCrmSettings } from '../crm/crm-settings.service.ts';
import { findOrg } from '../identity/identity.repository.ts';
import { type OpenVocabulary, topValues, usedValues } from './metric-vocabulary.repository.ts';

/**
 * The vocabulary custom-metric filters may use. Closed: activity kinds (built-in + the org's
 * `crm.activityKinds`), stages (the org's pipelines), tiers (A/B/C). Open (free text on records):
 * territories (accounts), outcomes (activities) and currencies (deals; the org currency always) —
 * a value no record of the org has would make an always-zero metric, so it is refused. Values are
 * compared exactly, as the engine matches them (SQL `in`: case-sensitive on both engines).
 */

/** The longest value a filter can name (the `label` of src/shared/custom-metrics.ts). */
const FILTER_VALUE_MAX = 60;
/** How many of the most used values are read to find the closest ones to a refused value. */
const SUGGESTION_POOL = 500;
const SUGGESTIONS = 5;

const words: Record<OpenVocabulary, { records: string; noun: string }> = {
  territory: { records: 'account', noun: 'territory' },
  outcome: { records: 'activity', noun: 'outcome' },
  currency: { records: 'deal', noun: 'currency' },
};

/** The open-vocabulary values a definition names, by field, with their paths. */
export function openValuesOf(spec: CustomMetricSpec): {
  field: OpenVocabulary;
  path: string;
  value: string;
}[] {
  const out: { field: OpenVocabulary; path: string; value: string }[] = [];
  if (spec.block === 'ratio') return out;
  const f = spec.filters;
  for (const [i, v] of (f.territories ?? []).entries())
    out.push({ field: 'territory', path: `filters.territories.${i}`, value: v });
  if ('outcomes' in f)
    for (const [i, v] of (f.outcomes ?? []).entries())
      out.push({ field: 'outcome', path: `filters.outcomes.${i}`, value: v });
  if ('currency' in f && f.currency !== undefined)
    out.push({ field: 'currency', path: 'filters.currency', value: f.currency });
  return out;
}

/**
 * Which of the open-vocabulary values the given definitions name some record of the org has:
 * one query per field for all of them (the org currency counts as used).
 */
export async function usedOpenValues(
  db: Executor,
  orgId: string,
  orgCurrency: string,
  specs: readonly CustomMetricSpec[],
): Promise<Record<OpenVocabulary, Set<string>>> {
  const wanted: Record<OpenVocabulary, string[]> = { territory: [], outcome: [], currency: [] };
  for (const s of specs) for (const v of openValuesOf(s)) wanted[v.field].push(v.value);
  const [territory, outcome, currency] = await Promise.all([
    usedValues(db, orgId, 'territory', wanted.territory),
    usedValues(db, orgId, 'outcome', wanted.outcome),
    usedValues(db, orgId, 'currency', wanted.currency),
  ]);
  currency.add(orgCurrency);
  return { territory, outcome, currency };
}

/** Why a definition whose open-vocabulary filters match no record is always zero; null if it is not. */
export function unusedFilterReason(
  spec: CustomMetricSpec,
  used: Record<OpenVocabulary, Set<string>>,
): string | null {
  const values = openValuesOf(spec);
  for (const field of ['territory', 'outcome', 'currency'] as const) {
    const mine = values.filter((v) => v.field === field);
    if (mine.length > 0 && !mine.some((v) => used[field].has(v.value))) {
      const { records, noun } = words[field];
      return mine.length === 1
        ? `no ${records} has the ${noun} "${mine[0]!.value}"`
        : `no ${records} has any of the ${noun} values ${mine.map((v) => `"${v.value}"`).join(', ')}`;
    }
  }
  return null;
}

/**
 * Refuses the first open-vocabulary value of `spec` that no record of the org has, naming its path
 * (`definition.filters.territories.0`) and the closest values records do have.
 */
export async function assertOpenValuesUsed(
  db: Executor,
  orgId: string,
  spec: CustomMetricSpec,
  used: Record<OpenVocabulary, Set<string>>,
  base = 'definition',
): Promise<void> {
  const missing = openValuesOf(spec).find((v) => !used[v.field].has(v.value));
  if (!missing) return;
  const [pool, near] = await Promise.all([
    topValues(db, orgId, missing.field, { limit: SUGGESTION_POOL, maxLength: FILTER_VALUE_MAX }),
    // Rare values that contain it (another case, a longer name) are candidates too.
    topValues(db, orgId, missing.field, {
      limit: SUGGESTIONS,
      maxLength: FILTER_VALUE_MAX,
      q: missing.value,
    }),
  ]);
  const candidates = [...new Set([...pool, ...near].map((v) => v.value))];
  const existing = closestValues(missing.value, candidates, SUGGESTIONS);
  throw invalidField(
    `${base}.${missing.path}`,
    unusedValueMessage(missing.value, {
      ...words[missing.field],
      existing,
      more: candidates.filter((c) => c !== missing.value).length > existing.length,
    }),
  );
}

export const vocabularyQuery = z
  .object({
    q: z
      .string()
      .trim()
      .max(FILTER_VALUE_MAX)
      .optional()
      .describe('Only territories and outcomes containing this text (any case)'),
    limit: z.coerce
      .number()
      .int()
      .min(1)
      .max(200)
      .default(100)
      .describe('At most this many territories and outcomes each'),
  })
  .strict();

const usedList = z.object({
  items: z.array(z.object({ value: z.string(), count: z.number().int() })),
  more: z.boolean().describe('More values exist than listed (narrow with q)'),
});

export const vocabularyResponse = z.object({
  activityKinds: z.array(z.string()).describe('Built-in kinds, then the org’s own (CRM settings)'),
  tiers: z.array(tierSchema),
  currency: z.string().describe('The org currency (deal filters default to it)'),
  currencies: z.array(z.string()).describe('The org currency, then those deals use, most used first'),
  territories: usedList.describe('Territories accounts have, most used first (count = accounts)'),
  outcomes: usedList.describe('Outcomes activities have, most used first (count = activities)'),
});

/**
 * What the custom-metric builder may offer: the closed vocabularies and the open ones in use
 * (bounded; most used first). Stages come from the pipelines (`GET /api/crm/pipelines`). Admins
 * only, like the builder.
 */
export async function loadMetricVocabulary(
  deps: Deps,
  actor: Actor,
  query: z.infer<typeof vocabularyQuery>,
): Promise<z.infer<typeof vocabularyResponse>> {
  assertRole(actor, 'admin');
  const db = deps.db.kysely;
  const orgId = actor.orgId;
  const open = (field: OpenVocabulary) =>
    topValues(db, orgId, field, { limit: query.limit + 1, maxLength: FILTER_VALUE_MAX, q: query.q });
  const [org, crm, territories, outcomes, currencies] = await Promise.all([
    findOrg(db, orgId),
    loadCrmSettings(db, orgId),
    open('territory'),
    open('outcome'),
    topValues(db, orgId, 'currency', { limit: 50, maxLength: 3 }),
  ]);
  if (!org) throw notFound('Organization');
  const page = (rows: { value: string; count: number }[]) => ({
    items: rows.slice(0, query.limit),
    more: rows.length > query.limit,
  });
  return {
    activityKinds: [...new Set([...builtinActivityKinds, ...crm.activityKinds])],
    tiers: [...tierSchema.options],
    currency: org.currency,
    currencies: [...new Set([org.currency, ...currencies.map((c) => c.value)])],
    territories: page(territories),
    outcomes: page(outcomes),
  };
}
