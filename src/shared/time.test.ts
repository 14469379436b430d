import { describe, expect, it } from 'vitest';
import { dateInZone, startOfDayInZone } from './time.ts';

describe('zone-aware days', () => {
  it('starts a day at local midnight, across a daylight-saving change', () => {
    expect(new Date(startOfDayInZone('2026-03-08', 'America/Chicago')).toISOString()).toBe(
      '2026-03-08T06:00:00.000Z',
    );
    expect(new Date(startOfDayInZone('2026-03-09', 'America/Chicago')).toISOString()).toBe(
      '2026-03-09T05:00:00.000Z',
    );
    expect(new Date(startOfDayInZone('2026-07-01', 'Europe/Berlin')).toISOString()).toBe(
      '2026-06-30T22:00:00.000Z',
    );
  });

  it('names the local date of an instant', () => {
    const lateEvening = Date.UTC(2026, 0, 10, 4, 30);
    expect(dateInZone(lateEvening, 'America/Chicago')).toBe('2026-01-09');
    expect(dateInZone(lateEvening, 'Europe/Berlin')).toBe('2026-01-10');
  });
});
