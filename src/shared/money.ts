/**
 * Money is integer minor units (cents) plus an ISO 4217 code; arithmetic that divides rounds
 * explicitly, half-to-even (banker's rounding) unless told otherwise, and allocation never loses a
 * minor unit. BigInt keeps intermediate products exact beyond 2^53.
 */

export type Rounding = 'half-even' | 'half-up' | 'down';

/** round(value × numerator ÷ denominator) in integer arithmetic with the given rounding. */
export function mulDiv(
  value: number,
  numerator: number,
  denominator: number,
  rounding: Rounding = 'half-even',
): number {
  if (
    !Number.isSafeInteger(value) ||
    !Number.isSafeInteger(numerator) ||
    !Number.isSafeInteger(denominator)
  ) {
    throw new RangeError('mulDiv takes safe integers');
  }
  if (denominator === 0) throw new RangeError('division by zero');
  let n = BigInt(value) * BigInt(numerator);
  let d = BigInt(denominator);
  if (d < 0n) {
    n = -n;
    d = -d;
  }
  const negative = n < 0n;
  const abs = negative ? -n : n;
  let q = abs / d;
  const r = abs % d;
  if (rounding !== 'down') {
    const twice = r * 2n;
    if (twice > d || (twice === d && (rounding === 'half-up' || q % 2n === 1n))) q += 1n;
  }
  const result = Number(negative ? -q : q);
  if (!Number.isSafeInteger(result)) throw new RangeError('result outside the safe integer range');
  return result;
}

/**
 * Splits `total` in proportion to `weights` so the parts sum exactly to `total`: each part is
 * floored, then the leftover minor units go to the largest remainders (ties to the earlier part).
 */
export function allocate(total: number, weights: number[]): number[] {
  if (weights.length === 0) throw new RangeError('allocate needs at least one weight');
  if (weights.some((w) => !Number.isSafeInteger(w) || w < 0))
    throw new RangeError('weights must be non-negative integers');
  const sum = weights.reduce((a, b) => a + b, 0);
  if (sum === 0) throw new RangeError('weights sum to zero');
  const sign = total < 0 ? -1 : 1;
  const abs = Math.abs(total);
  const parts = weights.map((w) => mulDiv(abs, w, sum, 'down'));
  let left = abs - parts.reduce((a, b) => a + b, 0);
  const order = weights
    .map((w, i) => ({ i, rem: (BigInt(abs) * BigInt(w)) % BigInt(sum) }))
    .sort((a, b) => (a.rem === b.rem ? a.i - b.i : a.rem > b.rem ? -1 : 1));
  for (const { i } of order) {
    if (left === 0) break;
    parts[i]! += 1;
    left -= 1;
  }
  return parts.map((p) => p * sign);
}

/** Formats minor units for display in the given currency and locale. */
export function formatMoney(minor: number, currency: string, locale = 'en-US'): string {
  const digits =
    new Intl.NumberFormat(locale, { style: 'currency', currency }).resolvedOptions().maximumFractionDigits ??
    2;
  return new Intl.NumberFormat(locale, { style: 'currency', currency }).format(minor / 10 ** digits);
}

/** Digits after the decimal point of a currency (USD 2, JPY 0, BHD 3), from ICU; 2 for an unknown code. */
export function currencyDigits(currency: string): number {
  try {
    return (
      new Intl.NumberFormat('en-US', { style: 'currency', currency }).resolvedOptions()
        .maximumFractionDigits ?? 2
    );
  } catch {
    return 2;
  }
}
