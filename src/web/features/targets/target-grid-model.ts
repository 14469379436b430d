/** Pure helpers of the target grid editor: amounts as typed ⇄ stored, and the cells that changed. */
import { currencyDigits } from '../../../shared/money.ts';
import { parseTargetNumber } from '../../../shared/target-amounts.ts';
import { targetBasisText } from '../metrics/metric-format.ts';
import type { CsvProblem, GridCellWrite, TeamCell } from './targets-api.ts';

/**
 * The currency a metric's targets are typed and shown in: the metric's own (a custom metric over
 * deals of one currency — EUR, or JPY without minor digits — in an org of another currency), else
 * the grid's (the org's).
 */
export function metricCurrency(
  grid: { currency: string; metrics: { key: string; currency?: string }[] },
  key: string,
) {
  return grid.metrics.find((m) => m.key === key)?.currency ?? grid.currency;
}

/** A stored amount as the editor shows it: money in major units ("1250.5"), others as stored ("27.5"). */
export function amountText(stored: number | null, format: string, currency: string): string {
  if (stored === null) return '';
  if (format !== 'money') return String(stored);
  const digits = currencyDigits(currency);
  const text = (stored / 10 ** digits).toFixed(digits);
  // Trailing zeros of the decimals only: a currency without minor units (JPY) has no decimals, and
  // ¥500,000 must not read as "5".
  return digits > 0 ? text.replace(/\.?0+$/, '') : text;
}

/**
 * What the user typed, as the API stores it: '' → null (remove the target); money in major units
 * with at most the currency's decimals → minor units; counts a whole number ≥ 0; percents, days
 * and plain numbers up to 2 decimals (`targetDecimals`).
 * Returns a reason when it cannot be read.
 */
export function parseAmount(
  text: string,
  format: string,
  currency: string,
): { ok: true; value: number | null } | { ok: false; reason: string } {
  const t = text.trim().replace(/[\s,]/g, '');
  if (t === '') return { ok: true, value: null };
  if (format === 'money') {
    const digits = currencyDigits(currency);
    const m = /^(\d+)(?:\.(\d*))?$/.exec(t);
    if (!m) return { ok: false, reason: 'Must be an amount such as 1250.50' };
    const frac = m[2] ?? '';
    if (frac.length > digits) return { ok: false, reason: `At most ${digits} decimals` };
    return { ok: true, value: Number(m[1]) * 10 ** digits + Number(frac.padEnd(digits, '0') || '0') };
  }
  // Counts whole; percents, days and plain numbers up to 2 decimals ("27.5", "27.5 %").
  const parsed = parseTargetNumber(text, format);
  if (!parsed.ok) return { ok: false, reason: sentence(parsed.reason) };
  return { ok: true, value: parsed.value };
}

const sentence = (reason: string) => reason.charAt(0).toUpperCase() + reason.slice(1);

export interface EditedCell extends GridCellWrite {
  /** The stored amount before the edit. */
  before: number | null;
}

/** Only the cells whose amount differs from what is stored. */
export function changedCells(cells: EditedCell[]): GridCellWrite[] {
  return cells
    .filter((c) => c.amount !== c.before)
    .map(({ subjectType, subjectId, metric, amount }) => ({ subjectType, subjectId, metric, amount }));
}

/** Row problems of a refused CSV from the error details (`details.rows`), or none. */
export function csvProblems(details: unknown): CsvProblem[] {
  if (typeof details !== 'object' || details === null || !('rows' in details)) return [];
  const rows = (details as { rows: unknown }).rows;
  if (!Array.isArray(rows)) return [];
  return rows.filter(
    (r): r is CsvProblem =>
      typeof r === 'object' && r !== null && typeof r.row === 'number' && typeof r.reason === 'string',
  );
}

/** "25, 50, 75" → [25, 50, 75]; a reason when a value is not a whole percent 0–100. */
export function parseRamp(text: string): { ok: true; value: number[] } | { ok: false; reason: string } {
  const parts = text
    .split(/[\s,;]+/)
    .map((p) => p.replace(/%$/, ''))
    .filter(Boolean);
  const out: number[] = [];
  for (const p of parts) {
    if (!/^\d+$/.test(p) || Number(p) > 100)
      return { ok: false, reason: `"${p}" is not a percent from 0 to 100` };
    out.push(Number(p));
  }
  return { ok: true, value: out };
}

/**
 * What the team row says under its input: the sum beneath (the team's default when left blank),
 * or — for a rate, which never adds up across people — that only a target set on the team counts.
 */
export function teamDefaultText(
  cell: Pick<TeamCell, 'sum'> & Partial<Pick<TeamCell, 'source' | 'effective'>>,
  addsUp: boolean,
  show: (v: number | null) => string,
): string {
  if (!addsUp) return 'A rate does not add up: blank means no team target';
  if (cell.source === 'months' || cell.source === 'quarters')
    return `Blank: ${teamSourceText(cell.source)} ${show(cell.effective ?? null)} · sum beneath ${show(cell.sum)}`;
  return `Sum beneath ${show(cell.sum)}`;
}

/** How a sub-team's target was obtained, in words. */
export function teamSourceText(source: TeamCell['source']): string {
  switch (source) {
    case 'direct':
      return 'set on the team';
    case 'months':
      return 'sum of the team’s monthly targets';
    case 'quarters':
      return 'sum of the team’s quarterly targets';
    case 'sum':
      return 'sum of its people';
    case 'none':
      return 'no target';
    default: {
      const never: never = source;
      return String(never);
    }
  }
}

/**
 * Under a rep's cell: after ramp when the stored target is ramped, or — for a quarter or year cell
 * left blank — the sum of the months' / quarters' targets that applies instead, or — for a cell
 * left blank — the target of the person's playbook that applies instead (after ramp).
 */
export function userCellNote(
  cell: {
    amount: number | null;
    effective: number | null;
    source: 'set' | 'months' | 'quarters' | 'playbook' | null;
    playbook?: { id: string; name: string } | null;
    parts?: { withTarget: number; of: number; fromPlaybook?: number } | null;
  },
  show: (v: number | null) => string,
): string | null {
  if (cell.effective === null) return null;
  if (cell.source === 'playbook') {
    const basis = targetBasisText({
      source: 'playbook',
      withTarget: null,
      of: null,
      playbook: cell.playbook ?? null,
    });
    return `Blank: ${show(cell.effective)} ${basis}`;
  }
  if ((cell.source === 'months' || cell.source === 'quarters') && (cell.parts?.fromPlaybook ?? 0) > 0) {
    // Some parts take the playbook's target: say how many ("1 set, 2 from the Field rep playbook").
    const basis = targetBasisText({
      source: cell.source,
      withTarget: cell.parts!.withTarget,
      of: cell.parts!.of,
      fromPlaybook: cell.parts!.fromPlaybook ?? 0,
      playbook: cell.playbook ?? null,
    });
    return `Blank: ${show(cell.effective)}, ${basis}`;
  }
  if (cell.source === 'months') return `Sum of monthly targets ${show(cell.effective)}`;
  if (cell.source === 'quarters') return `Sum of quarterly targets ${show(cell.effective)}`;
  return cell.effective !== cell.amount ? `After ramp ${show(cell.effective)}` : null;
}
