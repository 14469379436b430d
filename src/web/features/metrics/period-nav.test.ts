import { describe, expect, it } from 'vitest';
import { periodFromKey } from '../../../shared/periods.ts';
import { PERIOD_CHOICES, periodForKind, periodNav, stepPeriodKey } from './period-nav.ts';

const calendarYear = { timeZone: 'America/Chicago', fiscalYearStartMonth: 1 };
const febFiscal = { timeZone: 'America/Chicago', fiscalYearStartMonth: 2 };
const aprilFiscal = { timeZone: 'Europe/London', fiscalYearStartMonth: 4 };

describe('stepPeriodKey', () => {
  it('steps months back and forth across a year', () => {
    expect(stepPeriodKey('2026-03', -2, calendarYear)).toBe('2026-01');
    expect(stepPeriodKey('2026-01', -1, calendarYear)).toBe('2025-12');
    expect(stepPeriodKey('2025-12', 1, calendarYear)).toBe('2026-01');
    expect(stepPeriodKey('2026-03', -12, calendarYear)).toBe('2025-03');
    expect(stepPeriodKey('2026-03', 0, calendarYear)).toBe('2026-03');
  });

  it('steps fiscal quarters across the fiscal year, and across a calendar year inside a quarter', () => {
    expect(stepPeriodKey('FY2026-Q1', -1, calendarYear)).toBe('FY2025-Q4');
    expect(stepPeriodKey('FY2025-Q4', 1, calendarYear)).toBe('FY2026-Q1');
    // February start: FY2026 Q4 is November 2025 to January 2026.
    expect(stepPeriodKey('FY2027-Q1', -1, febFiscal)).toBe('FY2026-Q4');
    expect(periodFromKey('FY2026-Q4', febFiscal)).toMatchObject({
      startDate: '2025-11-01',
      endDate: '2026-02-01',
    });
    expect(stepPeriodKey('FY2026-Q4', -1, febFiscal)).toBe('FY2026-Q3');
    // April start: FY2027 Q1 is April to June 2026; two back is FY2026 Q3 (October to December 2025).
    expect(stepPeriodKey('FY2027-Q1', -2, aprilFiscal)).toBe('FY2026-Q3');
    expect(periodFromKey('FY2026-Q3', aprilFiscal)).toMatchObject({ startDate: '2025-10-01' });
    expect(stepPeriodKey('FY2026-Q4', 1, aprilFiscal)).toBe('FY2027-Q1');
    expect(stepPeriodKey('FY2027-Q2', -4, aprilFiscal)).toBe('FY2026-Q2');
  });

  it('steps ISO weeks through a week 53 and a week 1 that starts in December', () => {
    // 2026 has 53 ISO weeks; week 1 of 2027 starts on Monday 4 January 2027.
    expect(stepPeriodKey('2027-W01', -1, calendarYear)).toBe('2026-W53');
    expect(stepPeriodKey('2026-W53', 1, calendarYear)).toBe('2027-W01');
    expect(stepPeriodKey('2026-W52', 1, calendarYear)).toBe('2026-W53');
    // 2025 has 52: its last week is followed by 2026's week 1, which starts on 29 December 2025.
    expect(stepPeriodKey('2025-W52', 1, calendarYear)).toBe('2026-W01');
    expect(periodFromKey('2026-W01', calendarYear)).toMatchObject({ startDate: '2025-12-29' });
    expect(stepPeriodKey('2021-W01', -1, calendarYear)).toBe('2020-W53');
    expect(stepPeriodKey('2026-W11', -2, calendarYear)).toBe('2026-W09');
  });

  it('steps fiscal years named after the year they end in', () => {
    expect(stepPeriodKey('FY2027', -1, febFiscal)).toBe('FY2026');
    expect(periodFromKey('FY2026', febFiscal)).toMatchObject({
      startDate: '2025-02-01',
      endDate: '2026-02-01',
    });
    expect(stepPeriodKey('FY2026', 2, aprilFiscal)).toBe('FY2028');
    expect(stepPeriodKey('FY2026', -1, calendarYear)).toBe('FY2025');
  });

  it('answers null for a non-key and beyond the years the server accepts', () => {
    expect(stepPeriodKey('March', -1, calendarYear)).toBeNull();
    expect(stepPeriodKey('2026-13', -1, calendarYear)).toBeNull();
    expect(stepPeriodKey('1971-01', -1, calendarYear)).toBeNull();
    expect(stepPeriodKey('1971-02', -1, calendarYear)).toBe('1971-01');
  });
});

describe('periodNav', () => {
  it('stands on the current period: no next, the previous one, recent periods newest first', () => {
    const nav = periodNav(undefined, '2026-11', calendarYear);
    expect(nav).toMatchObject({ isCurrent: true, previousKey: '2026-10', nextKey: null });
    expect(nav.selected.label).toBe('Nov 2026');
    expect(nav.options).toHaveLength(PERIOD_CHOICES.month);
    expect(nav.options.slice(0, 3)).toEqual([
      { key: '2026-11', label: 'Nov 2026', mark: 'current' },
      { key: '2026-10', label: 'Oct 2026', mark: 'previous' },
      { key: '2026-09', label: 'Sep 2026', mark: null },
    ]);
    expect(nav.options.at(-1)?.key).toBe('2024-12');
  });

  it('stands on a past period with both neighbours, and lists it when older than the list', () => {
    const nav = periodNav('FY2026-Q2', 'FY2027-Q1', febFiscal);
    expect(nav).toMatchObject({ isCurrent: false, previousKey: 'FY2026-Q1', nextKey: 'FY2026-Q3' });
    expect(nav.selected.label).toBe('Q2 FY2026');
    const old = periodNav('2019-03', '2026-11', calendarYear);
    expect(old.options.at(-1)).toEqual({ key: '2019-03', label: 'Mar 2019', mark: null });
    expect(old.nextKey).toBe('2019-04');
    // The period just before the current one steps forward to it.
    expect(periodNav('2026-W47', '2026-W48', calendarYear).nextKey).toBe('2026-W48');
  });

  it('treats a key of another kind, or a future one, as the current period or stops there', () => {
    expect(periodNav('2026-03', 'FY2026-Q4', calendarYear)).toMatchObject({ isCurrent: true });
    expect(periodNav('2027-02', '2026-11', calendarYear).nextKey).toBeNull();
  });
});

describe('periodForKind', () => {
  it('keeps the current period current, and a past period’s place in time', () => {
    const now = periodNav(undefined, '2026-11', calendarYear);
    expect(periodForKind('quarter', now, 'FY2026-Q4', calendarYear)).toBeUndefined();
    const march = periodNav('2025-03', '2026-11', calendarYear);
    expect(periodForKind('quarter', march, 'FY2026-Q4', calendarYear)).toBe('FY2025-Q1');
    // With a February start, March 2025 is in the fiscal year ending January 2026.
    expect(periodForKind('year', march, 'FY2027', febFiscal)).toBe('FY2026');
    expect(periodForKind('week', march, '2026-W48', calendarYear)).toBe('2025-W09');
    // A past week whose month is the current month lands on the current month.
    const week = periodNav('2026-W45', '2026-W48', calendarYear);
    expect(periodForKind('month', week, '2026-11', calendarYear)).toBeUndefined();
  });
});
