/** The custom-metric builder's pure parts: form ⇄ definition, the definition in words, error paths → fields. */

export type Source = 'activities' | 'deals' | 'ratio';
export type Aggregate = 'count' | 'sum' | 'average';
export type DealSel = 'won' | 'lost' | 'closed' | 'open' | 'created';

export interface CustomMetricForm {
  key: string;
  name: string;
  description: string;
  source: Source;
  aggregate: Aggregate;
  kinds: string[];
  outcomes: string[];
  verified: 'any' | 'yes' | 'no';
  deals: DealSel;
  stageIds: string[];
  currency: string;
  tiers: string[];
  territories: string[];
  numerator: string;
  denominator: string;
  unit: 'money' | 'count' | 'percent' | 'days' | 'money_per_day' | 'ratio';
  direction: 'higher' | 'lower';
  format: 'money' | 'count' | 'percent' | 'days' | 'number';
}

export type CustomMetricSpec =
  | {
      block: 'activity_count' | 'activity_sum' | 'activity_average';
      field?: 'duration_minutes';
      filters: {
        kinds?: string[];
        outcomes?: string[];
        verified?: boolean;
        tiers?: string[];
        territories?: string[];
      };
    }
  | {
      block: 'deal_count' | 'deal_sum' | 'deal_average';
      field?: 'amount';
      deals: DealSel;
      filters: { stageIds?: string[]; currency?: string; tiers?: string[]; territories?: string[] };
    }
  | { block: 'ratio'; numerator: string; denominator: string };

export interface CustomMetric {
  id: string;
  key: string;
  name: string;
  description: string;
  definition: CustomMetricSpec;
  unit: CustomMetricForm['unit'];
  direction: 'higher' | 'lower';
  format: CustomMetricForm['format'];
  createdAt: string;
  updatedAt: string;
}

/** `GET /api/metrics/vocabulary`: what the org's filters may name (admins). */
export interface MetricVocabulary {
  activityKinds: string[];
  tiers: string[];
  currency: string;
  currencies: string[];
  territories: { items: { value: string; count: number }[]; more: boolean };
  outcomes: { items: { value: string; count: number }[]; more: boolean };
}

/**
 * Options of a closed list (kinds, tiers, currencies): the org's values, then any the form holds that
 * the org no longer has (an older definition still shows them; the server says why they are refused).
 */
export function optionsOf(known: readonly string[], current: readonly string[]): string[] {
  return [...new Set([...known, ...current])];
}

/**
 * Suggestions for a free-text filter (territories, outcomes): the values records have, most used
 * first, without those already chosen. Matched exactly by the server, so they are offered as written.
 */
export function suggestionsOf(
  used: { items: { value: string }[] } | undefined,
  chosen: readonly string[],
): string[] {
  const taken = new Set(chosen);
  return [...new Set((used?.items ?? []).map((i) => i.value))].filter((v) => !taken.has(v));
}

export const EMPTY_FORM: CustomMetricForm = {
  key: '',
  name: '',
  description: '',
  source: 'activities',
  aggregate: 'count',
  kinds: [],
  outcomes: [],
  verified: 'any',
  deals: 'won',
  stageIds: [],
  currency: '',
  tiers: [],
  territories: [],
  numerator: '',
  denominator: '',
  unit: 'count',
  direction: 'higher',
  format: 'count',
};

const nonEmpty = <T>(xs: T[]) => (xs.length ? xs : undefined);

/** The definition the API takes (only the filters that were set). */
export function specOf(f: CustomMetricForm): CustomMetricSpec {
  if (f.source === 'ratio') return { block: 'ratio', numerator: f.numerator, denominator: f.denominator };
  const place = { tiers: nonEmpty(f.tiers), territories: nonEmpty(f.territories) };
  if (f.source === 'activities') {
    const filters = {
      kinds: nonEmpty(f.kinds),
      outcomes: nonEmpty(f.outcomes),
      verified: f.verified === 'any' ? undefined : f.verified === 'yes',
      ...place,
    };
    const clean = Object.fromEntries(Object.entries(filters).filter(([, v]) => v !== undefined));
    const block = `activity_${f.aggregate}` as const;
    return block === 'activity_count'
      ? { block, filters: clean }
      : { block, field: 'duration_minutes', filters: clean };
  }
  const filters = {
    stageIds: nonEmpty(f.stageIds),
    currency: f.currency.trim() ? f.currency.trim().toUpperCase() : undefined,
    ...place,
  };
  const clean = Object.fromEntries(Object.entries(filters).filter(([, v]) => v !== undefined));
  const block = `deal_${f.aggregate}` as const;
  return block === 'deal_count'
    ? { block, deals: f.deals, filters: clean }
    : { block, field: 'amount', deals: f.deals, filters: clean };
}

/** A stored metric back into the form. */
export function formOf(m: CustomMetric): CustomMetricForm {
  const s = m.definition;
  const base = {
    ...EMPTY_FORM,
    key: m.key,
    name: m.name,
    description: m.description,
    unit: m.unit,
    direction: m.direction,
    format: m.format,
  };
  if (s.block === 'ratio')
    return { ...base, source: 'ratio', numerator: s.numerator, denominator: s.denominator };
  const aggregate = s.block.split('_')[1] as Aggregate;
  if (s.block.startsWith('activity_') && !('deals' in s)) {
    const f = s.filters as Extract<CustomMetricSpec, { filters: { kinds?: string[] } }>['filters'];
    return {
      ...base,
      source: 'activities',
      aggregate,
      kinds: f.kinds ?? [],
      outcomes: f.outcomes ?? [],
      verified: f.verified === undefined ? 'any' : f.verified ? 'yes' : 'no',
      tiers: f.tiers ?? [],
      territories: f.territories ?? [],
    };
  }
  const d = s as Extract<CustomMetricSpec, { deals: DealSel }>;
  return {
    ...base,
    source: 'deals',
    aggregate,
    deals: d.deals,
    stageIds: d.filters.stageIds ?? [],
    currency: d.filters.currency ?? '',
    tiers: d.filters.tiers ?? [],
    territories: d.filters.territories ?? [],
  };
}

const DEALS_WORDS: Record<DealSel, string> = {
  won: 'deals won in the period',
  lost: 'deals lost in the period',
  closed: 'deals closed (won or lost) in the period',
  open: 'deals open now',
  created: 'deals created in the period',
};

const list = (xs: string[]) =>
  xs.length <= 1 ? (xs[0] ?? '') : `${xs.slice(0, -1).join(', ')} or ${xs[xs.length - 1]}`;

/** The definition in words, e.g. "Number of visits or calls with a verified check-in, at tier A accounts". */
export function describeSpec(
  spec: CustomMetricSpec,
  names: { metric: (key: string) => string; stage: (id: string) => string },
): string {
  if (spec.block === 'ratio')
    return `${names.metric(spec.numerator)} divided by ${names.metric(spec.denominator)}`;
  const out: string[] = [];
  if (!('deals' in spec)) {
    const f = spec.filters;
    const what = f.kinds?.length ? `${list(f.kinds)} activities` : 'activities';
    out.push(
      spec.block === 'activity_count'
        ? `Number of ${what} in the period`
        : spec.block === 'activity_sum'
          ? `Total minutes of ${what} in the period`
          : `Average minutes of ${what} in the period (those with a duration)`,
    );
    if (f.outcomes?.length) out.push(`with outcome ${list(f.outcomes)}`);
    if (f.verified !== undefined)
      out.push(f.verified ? 'with a verified check-in' : 'without a verified check-in');
    if (f.tiers?.length) out.push(`at tier ${list(f.tiers)} accounts`);
    if (f.territories?.length) out.push(`in ${list(f.territories)}`);
    return `${out.join(', ')}.`;
  }
  const f = spec.filters;
  out.push(
    spec.block === 'deal_count'
      ? `Number of ${DEALS_WORDS[spec.deals]} (a split deal counts the person's share)`
      : spec.block === 'deal_sum'
        ? `Credited amount of ${DEALS_WORDS[spec.deals]}`
        : `Average credited amount of ${DEALS_WORDS[spec.deals]}`,
  );
  if (f.stageIds?.length) out.push(`in stage ${list(f.stageIds.map(names.stage))}`);
  if (f.currency) out.push(`in ${f.currency}`);
  if (f.tiers?.length) out.push(`at tier ${list(f.tiers)} accounts`);
  if (f.territories?.length) out.push(`in ${list(f.territories)}`);
  return `${out.join(', ')}.`;
}

export const FORM_FIELDS = [
  'key',
  'name',
  'description',
  'kinds',
  'outcomes',
  'verified',
  'deals',
  'stageIds',
  'currency',
  'tiers',
  'territories',
  'numerator',
  'denominator',
  'unit',
  'direction',
  'format',
  'source',
] as const;
export type FormField = (typeof FORM_FIELDS)[number];

/** The form field an API error path names: `definition.filters.kinds.0` → kinds, `definition.numerator` → numerator. */
export function fieldOfPath(path: string): FormField | null {
  const parts: string[] = path
    .replace(/^\//, '')
    .split(/[./[\]]+/)
    .filter(Boolean);
  if (parts[0] === 'body') parts.shift();
  if (parts[0] === 'definition') {
    const rest = parts.slice(parts[1] === 'filters' ? 2 : 1);
    const head = rest[0];
    if (head === undefined || head === 'block' || head === 'field') return 'source';
    return (FORM_FIELDS as readonly string[]).includes(head) ? (head as FormField) : null;
  }
  const first = parts[0];
  return (FORM_FIELDS as readonly string[]).includes(first ?? '') ? (first as FormField) : null;
}
