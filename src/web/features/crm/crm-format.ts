/** Display helpers for CRM values: counts, money, distances, addresses. */
import { currencyDigits, formatMoney } from '../../../shared/money.ts';
import type { Account, ListCount, MoneyTotal } from './crm-types.ts';

/** "1,234" or, when the server stopped counting at its cap, "1,000+". */
export function formatCount(count: ListCount): string {
  const value = count.value.toLocaleString('en-US');
  return count.capped ? `${value}+` : value;
}

/** Money from integer minor units; an unknown currency code falls back to "123.45 XYZ". */
export function formatAmount(minor: number, currency: string): string {
  try {
    return formatMoney(minor, currency);
  } catch {
    return `${(minor / 100).toFixed(2)} ${currency}`;
  }
}

/** Several per-currency totals joined, e.g. "$1,200.00 · €300.00"; "—" when empty. */
export function formatTotals(totals: readonly MoneyTotal[]): string {
  if (totals.length === 0) return '—';
  return totals.map((t) => formatAmount(t.amountMinor, t.currency)).join(' · ');
}

/** "85 m" under a kilometre, "1.2 km" under ten, "14 km" beyond. */
export function formatDistance(meters: number): string {
  if (!Number.isFinite(meters) || meters < 0) return '—';
  if (meters < 1000) return `${Math.round(meters)} m`;
  if (meters < 10_000) return `${(meters / 1000).toFixed(1)} km`;
  return `${Math.round(meters / 1000)} km`;
}

export function formatAddress(
  account: Pick<Account, 'street' | 'city' | 'region' | 'postalCode' | 'country'>,
): string {
  const cityLine = [account.postalCode, account.city].filter(Boolean).join(' ');
  return [account.street, cityLine, account.region, account.country].filter(Boolean).join(', ');
}

/** "41.87810, -87.62980" (five decimals ≈ 1 m). */
export function formatCoordinates(lat: number, lng: number): string {
  return `${lat.toFixed(5)}, ${lng.toFixed(5)}`;
}

export function capitalize(text: string): string {
  return text ? `${text[0]?.toUpperCase() ?? ''}${text.slice(1)}` : text;
}

/**
 * A decimal amount as typed ("1,234.50", "1234,5", "$ 99") → integer minor units of the currency,
 * exactly (string arithmetic, never a float product); null when it is not an amount or has more
 * decimals than the currency. A comma with one or two digits after it and no dot is a decimal comma;
 * any other comma groups thousands.
 */
export function parseAmountMinor(text: string, currency: string): number | null {
  const digits = currencyDigits(currency);
  let t = text.replace(/[\s\u00a0$€£¥]/g, '');
  if (t === '') return null;
  if (!t.includes('.') && /^\d+,\d{1,2}$/.test(t)) t = t.replace(',', '.');
  else t = t.replace(/,(?=\d{3}(\D|$))/g, '');
  const match = /^(\d+)(?:\.(\d*))?$/.exec(t);
  if (!match) return null;
  const whole = match[1] ?? '0';
  const fraction = match[2] ?? '';
  if (fraction.length > digits) return null;
  const minor = Number(whole + fraction.padEnd(digits, '0'));
  return Number.isSafeInteger(minor) ? minor : null;
}

/** Minor units → the plain decimal text an amount field shows ("123450" USD → "1234.50"). */
export function minorToDecimal(minor: number, currency: string): string {
  const digits = currencyDigits(currency);
  if (digits === 0) return String(minor);
  const text = String(Math.abs(minor)).padStart(digits + 1, '0');
  return `${minor < 0 ? '-' : ''}${text.slice(0, -digits)}.${text.slice(-digits)}`;
}
