import { describe, expect, it } from 'vitest';
import { periodOfDate } from '../../../shared/periods.ts';
import {
  dateOfDay,
  dayNumber,
  monthStart,
  monthStarts,
  nextMonthStart,
  ROLLUP_VERSION,
  rollupRange,
} from './rollups.ts';

describe('month arithmetic on day numbers', () => {
  it('finds the first day of a month and of the next, across year ends and leap days', () => {
    expect(dateOfDay(monthStart(dayNumber('2026-03-31')))).toBe('2026-03-01');
    expect(dateOfDay(monthStart(dayNumber('2026-03-01')))).toBe('2026-03-01');
    expect(dateOfDay(nextMonthStart(dayNumber('2026-12-15')))).toBe('2027-01-01');
    expect(dateOfDay(nextMonthStart(dayNumber('2028-02-29')))).toBe('2028-03-01');
    expect(dateOfDay(monthStart(dayNumber('1969-12-31')))).toBe('1969-12-01');
  });

  it('lists the months a run of days touches', () => {
    expect(monthStarts(dayNumber('2025-11-30'), dayNumber('2026-02-01')).map(dateOfDay)).toEqual([
      '2025-11-01',
      '2025-12-01',
      '2026-01-01',
      '2026-02-01',
    ]);
    expect(monthStarts(dayNumber('2026-05-13'), dayNumber('2026-05-13')).map(dateOfDay)).toEqual([
      '2026-05-01',
    ]);
  });
});

describe('which rollup tier answers a period', () => {
  const state = { timeZone: 'America/New_York', version: ROLLUP_VERSION };
  const cal = { timeZone: 'America/New_York', fiscalYearStartMonth: 4 };
  it('months, fiscal quarters and fiscal years are whole months; weeks are not', () => {
    for (const [kind, monthly] of [
      ['month', true],
      ['quarter', true],
      ['year', true],
      ['week', false],
    ] as const) {
      const p = periodOfDate(kind, '2026-03-10', cal);
      expect(rollupRange(state, cal.timeZone, p.start, p.end)?.monthly, kind).toBe(monthly);
    }
  });
  it('a range that starts mid-month, or an older rollup version, is not answered by the monthly tier', () => {
    const march = periodOfDate('month', '2026-03-10', cal);
    const april = periodOfDate('month', '2026-04-10', cal);
    const mid = periodOfDate('week', '2026-03-10', cal);
    expect(rollupRange(state, cal.timeZone, mid.start, april.end)?.monthly).toBe(false);
    expect(rollupRange(state, cal.timeZone, march.start, march.end)).toEqual({
      from: dayNumber('2026-03-01'),
      to: dayNumber('2026-04-01'),
      monthly: true,
    });
    expect(rollupRange({ ...state, version: 1 }, cal.timeZone, march.start, march.end)).toBeNull();
  });
});
