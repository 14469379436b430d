import { describe, expect, it } from 'vitest';
import { formatAddress, formatAmount, formatCount, formatDistance, formatTotals } from './crm-format.ts';

describe('CRM formatting', () => {
  it('shows a capped count with a plus', () => {
    expect(formatCount({ value: 1000, capped: true })).toBe('1,000+');
    expect(formatCount({ value: 42, capped: false })).toBe('42');
  });

  it('formats money from integer minor units by the currency digits', () => {
    expect(formatAmount(123_456, 'USD')).toBe('$1,234.56');
    expect(formatAmount(5000, 'JPY')).toBe('¥5,000');
    expect(formatTotals([])).toBe('—');
    expect(
      formatTotals([
        { currency: 'USD', amountMinor: 100 },
        { currency: 'EUR', amountMinor: 250 },
      ]),
    ).toBe('$1.00 · €2.50');
  });

  it('formats distances in metres, then kilometres', () => {
    expect(formatDistance(84.6)).toBe('85 m');
    expect(formatDistance(1234)).toBe('1.2 km');
    expect(formatDistance(14_321)).toBe('14 km');
    expect(formatDistance(Number.NaN)).toBe('—');
  });

  it('joins the address parts that are present', () => {
    expect(
      formatAddress({
        street: '1 Main St',
        city: 'Chicago',
        region: 'IL',
        postalCode: '60601',
        country: null,
      }),
    ).toBe('1 Main St, 60601 Chicago, IL');
  });
});
