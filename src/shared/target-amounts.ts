import { currencyDigits } from './money.ts';

/**
 * How precise a target amount may be, by the metric's format (shared by the API, the CSV upload
 * and the web grid): money in whole minor units (cents) and counts in whole numbers; percents,
 * days and plain numbers (ratios such as visits per field day) with up to 2 decimals — a 27.5 %
 * win rate, 2.5 visits per field day.
 */
export function targetDecimals(format: string): 0 | 2 {
  return format === 'money' || format === 'count' ? 0 : 2;
}

/** Largest amount with decimals: its hundredths stay a safe integer (exact sums and ramps). */
export const MAX_DECIMAL_TARGET = Math.floor(Number.MAX_SAFE_INTEGER / 100);

/** Whether `amount` has at most `decimals` decimals (in its shortest decimal form). */
export function hasAtMostDecimals(amount: number, decimals: number): boolean {
  if (Number.isInteger(amount)) return true;
  if (decimals === 0 || Math.abs(amount) > MAX_DECIMAL_TARGET) return false;
  // The shortest decimal form JavaScript gives (what JSON carried): 27.5 → "27.5"; 1e-9 has an exponent.
  const text = String(amount);
  if (!/^-?\d+\.\d+$/.test(text)) return false;
  return text.split('.')[1]!.length <= decimals;
}

/**
 * Why an amount does not fit its metric's format, or null when it does. For money, `currency`
 * (the metric's) is named with its minor unit: 1250.5 for a USD metric is refused as "a whole
 * number of minor units of USD (1/100 USD: 125050 is USD 1,250.50)".
 */
export function targetAmountProblem(amount: number, format: string, currency?: string): string | null {
  const decimals = targetDecimals(format);
  if (hasAtMostDecimals(amount, decimals)) return null;
  if (format === 'money') {
    if (!currency) return 'must be a whole number of minor units (e.g. cents)';
    const digits = currencyDigits(currency);
    if (digits === 0) return `must be a whole number of ${currency} (${currency} has no minor unit)`;
    const scale = 10 ** digits;
    const example = Math.round(amount * scale);
    const major = new Intl.NumberFormat('en-US', {
      minimumFractionDigits: digits,
      maximumFractionDigits: digits,
    }).format(example / scale);
    return `must be a whole number of minor units of ${currency} (1/${scale} ${currency}: ${example} is ${currency} ${major})`;
  }
  if (format === 'count') return 'must be a whole number for a count';
  return `must have at most ${decimals} decimals`;
}

/**
 * Reads a typed or CSV amount of a non-money metric exactly ("27.5", "27.5 %", "1,200"): a whole
 * number for counts, up to 2 decimals otherwise. A reason when it cannot be read.
 */
export function parseTargetNumber(
  text: string,
  format: string,
): { ok: true; value: number } | { ok: false; reason: string } {
  const t = text.trim().replace(/\s*%$/, '').replace(/,/g, '');
  const decimals = targetDecimals(format);
  const m = /^(\d+)(?:\.(\d*))?$/.exec(t);
  if (!m) {
    if (t.startsWith('-')) return { ok: false, reason: 'must not be negative' };
    return { ok: false, reason: decimals === 0 ? 'must be a whole number' : 'must be a number such as 27.5' };
  }
  const fraction = (m[2] ?? '').replace(/0+$/, '');
  if (fraction.length > decimals)
    return {
      ok: false,
      reason:
        decimals === 0 ? 'must be a whole number for a count' : `must have at most ${decimals} decimals`,
    };
  const value = Number(fraction ? `${m[1]}.${fraction}` : m[1]);
  if (value > (fraction ? MAX_DECIMAL_TARGET : Number.MAX_SAFE_INTEGER))
    return { ok: false, reason: 'is too large' };
  return { ok: true, value };
}
