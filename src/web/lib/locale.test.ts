import { describe, expect, it } from 'vitest';
import { dayStartInZone, monthName } from './locale.ts';

describe('dayStartInZone', () => {
  it('gives the instant a calendar day starts in the user’s zone', () => {
    expect(dayStartInZone('2026-03-10', 'Europe/Oslo')).toBe('2026-03-09T23:00:00.000Z');
    expect(dayStartInZone('2026-03-10', 'America/Chicago')).toBe('2026-03-10T05:00:00.000Z');
  });

  it('gives the exclusive end of a day as the start of the next one, across a DST change', () => {
    // Europe/Oslo moves to summer time on 2026-03-29.
    expect(dayStartInZone('2026-03-28', 'Europe/Oslo', 1)).toBe('2026-03-28T23:00:00.000Z');
    expect(dayStartInZone('2026-03-29', 'Europe/Oslo', 1)).toBe('2026-03-29T22:00:00.000Z');
  });

  it('ignores an empty or malformed day', () => {
    expect(dayStartInZone('', 'UTC')).toBeUndefined();
    expect(dayStartInZone('10/03/2026', 'UTC')).toBeUndefined();
  });
});

describe('monthName', () => {
  it('names months from 1 to 12', () => {
    expect(monthName(1)).toBe('January');
    expect(monthName(12)).toBe('December');
  });
});
