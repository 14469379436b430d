/** The deal form's values, their checks that need no server, and the request body they make. */

import { minorToDecimal, parseAmountMinor } from './crm-format.ts';
import type { Named } from './crm-pickers.tsx';
import type { Deal, Pipeline, StageKind } from './crm-types.ts';

export const DEAL_FIELDS = [
  'name',
  'accountId',
  'ownerId',
  'amountMinor',
  'stageId',
  'probability',
  'expectedCloseDate',
  'closeReason',
  'closedOn',
  'splits',
] as const;
export type DealField = (typeof DEAL_FIELDS)[number];

export interface SplitRow {
  key: number;
  person: Named | null;
  percent: string;
}

export interface DealValues {
  name: string;
  account: Named | null;
  owner: Named | null;
  /** Decimal text in the deal's currency, e.g. "1234.50". */
  amount: string;
  currency: string;
  pipelineId: string | null;
  stageId: string | null;
  /** Empty: the stage's probability. */
  probability: string;
  expectedCloseDate: string;
  closeReason: string;
  closedOn: string;
  /** The won/lost date as loaded: only a changed date is sent (sending it moves the close to that day's start). */
  closedOnLoaded: string;
  split: boolean;
  splits: SplitRow[];
}

/** YYYY-MM-DD of an instant in a time zone. */
export function dayInZone(iso: string, timeZone: string): string {
  return new Intl.DateTimeFormat('en-CA', {
    timeZone,
    year: 'numeric',
    month: '2-digit',
    day: '2-digit',
  }).format(new Date(iso));
}

let nextKey = 1;
export function splitRow(person: Named | null = null, percent = ''): SplitRow {
  nextKey += 1;
  return { key: nextKey, person, percent };
}

/** The form's starting values: a new deal (optionally on an account, owned by me) or an existing one. */
export function dealValues(
  deal: Deal | null,
  options: { me: Named; currency: string; account?: Named | null; pipelines: Pipeline[]; timeZone: string },
): DealValues {
  if (!deal) {
    const pipeline = options.pipelines.find((p) => p.isDefault) ?? options.pipelines[0];
    return {
      name: '',
      account: options.account ?? null,
      owner: options.me,
      amount: '',
      currency: options.currency,
      pipelineId: pipeline?.id ?? null,
      stageId: pipeline?.stages.find((s) => s.kind === 'open')?.id ?? null,
      probability: '',
      expectedCloseDate: '',
      closeReason: '',
      closedOn: '',
      closedOnLoaded: '',
      split: false,
      splits: [splitRow(options.me, '50'), splitRow(null, '50')],
    };
  }
  const closedOn = deal.closedAt ? dayInZone(deal.closedAt, options.timeZone) : '';
  return {
    name: deal.name,
    account: deal.account,
    owner: deal.owner,
    amount: minorToDecimal(deal.amountMinor, deal.currency),
    currency: deal.currency,
    pipelineId: deal.pipelineId,
    stageId: deal.stage.id,
    probability: deal.probabilityOverridden ? String(deal.probability) : '',
    expectedCloseDate: deal.expectedCloseDate ?? '',
    closeReason: deal.closeReason ?? '',
    closedOn,
    closedOnLoaded: closedOn,
    split: deal.splits.length > 0,
    splits:
      deal.splits.length > 0
        ? deal.splits.map((s) => splitRow({ id: s.userId, name: s.name }, String(s.percent)))
        : [splitRow(deal.owner, '50'), splitRow(null, '50')],
  };
}

function percentOf(text: string): number {
  const t = text.trim().replace(',', '.').replace(/%$/, '');
  return t === '' ? Number.NaN : Number(t);
}

/**
 * The live check of a split: the total in hundredths of a percent (summed as integers so 33.33 +
 * 33.33 + 33.34 is exactly 100) and what is wrong, if anything.
 */
export function splitCheck(rows: readonly SplitRow[]): { total: number; problem: string | null } {
  let hundredths = 0;
  let problem: string | null = null;
  const people = new Set<string>();
  for (const [i, row] of rows.entries()) {
    const percent = percentOf(row.percent);
    const text = row.percent.trim().replace(',', '.').replace(/%$/, '');
    if (!/^\d{1,3}(\.\d{1,2})?$/.test(text) || percent <= 0 || percent > 100)
      problem ??= `Share ${i + 1} must be a percentage above 0 with at most two decimals`;
    else hundredths += Math.round(percent * 100);
    if (!row.person) problem ??= `Choose the rep of share ${i + 1}`;
    else if (people.has(row.person.id)) problem ??= `${row.person.name} appears twice`;
    else people.add(row.person.id);
  }
  const total = hundredths / 100;
  if (rows.length < 2) problem ??= 'A split needs at least two reps';
  if (hundredths !== 10_000) problem ??= `The shares must add up to 100% (now ${total}%)`;
  return { total, problem };
}

/**
 * The body of POST (create) or PATCH (edit) /api/crm/deals, or the field errors found before asking
 * the server. Edits send every field so that clearing one (close date, override, split) clears it.
 */
export function dealBody(
  values: DealValues,
  stageKind: StageKind | undefined,
  mode: 'create' | 'edit',
): { body: Record<string, unknown> } | { errors: Partial<Record<DealField, string>> } {
  const errors: Partial<Record<DealField, string>> = {};
  const amountMinor = parseAmountMinor(values.amount, values.currency);
  if (values.amount.trim() === '') errors.amountMinor = 'Enter the amount';
  else if (amountMinor === null)
    errors.amountMinor = `Enter an amount like ${minorToDecimal(123450, values.currency)} (${values.currency})`;
  if (!values.account) errors.accountId = 'Choose the account';
  if (values.split) {
    const problem = splitCheck(values.splits).problem;
    if (problem) errors.splits = problem;
  }
  if (Object.keys(errors).length > 0) return { errors };
  const edit = mode === 'edit';
  const body: Record<string, unknown> = {
    name: values.name.trim(),
    accountId: values.account?.id,
    amountMinor,
  };
  if (values.owner) body.ownerId = values.owner.id;
  if (mode === 'create') body.currency = values.currency;
  if (values.stageId) body.stageId = values.stageId;
  const probability = values.probability.trim();
  if (probability !== '')
    body.probability = Number.isFinite(Number(probability)) ? Number(probability) : probability;
  else if (edit) body.probability = null;
  if (values.expectedCloseDate) body.expectedCloseDate = values.expectedCloseDate;
  else if (edit) body.expectedCloseDate = null;
  if (stageKind === 'won' || stageKind === 'lost') {
    const reason = values.closeReason.trim();
    if (reason) body.closeReason = reason;
    else if (edit) body.closeReason = null;
    if (values.closedOn && values.closedOn !== values.closedOnLoaded) body.closedOn = values.closedOn;
  }
  if (values.split)
    body.splits = values.splits.map((row) => ({
      userId: row.person?.id,
      percent: percentOf(row.percent),
    }));
  else if (edit) body.splits = [];
  return { body };
}
