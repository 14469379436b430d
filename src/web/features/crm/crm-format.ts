/** Display helpers for CRM values: counts, money, distances, addresses. */
import { formatMoney } from '../../../shared/money.ts';
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
