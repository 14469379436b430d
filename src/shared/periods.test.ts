import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  elapsedFraction,
  nextPeriod,
  periodAt,
  periodFromKey,
  periodKinds,
  periodOfDate,
  previousPeriod,
  samePeriodLastYear,
} from './periods.ts';

const chicagoCalendarYear = { timeZone: 'America/Chicago', fiscalYearStartMonth: 1 };
const chicagoFebFiscal = { timeZone: 'America/Chicago', fiscalYearStartMonth: 2 };

describe('periods', () => {
  it('names ISO weeks, months, fiscal quarters and fiscal years', () => {
    expect(periodOfDate('week', '2026-03-11', chicagoCalendarYear)).toMatchObject({
      key: '2026-W11',
      startDate: '2026-03-09',
      endDate: '2026-03-16',
    });
    expect(periodOfDate('week', '2027-01-01', chicagoCalendarYear)).toMatchObject({
      key: '2026-W53',
      startDate: '2026-12-28',
    });
    expect(periodOfDate('month', '2026-02-28', chicagoCalendarYear)).toMatchObject({
      key: '2026-02',
      startDate: '2026-02-01',
      endDate: '2026-03-01',
    });
    expect(periodOfDate('quarter', '2026-05-15', chicagoCalendarYear)).toMatchObject({
      key: 'FY2026-Q2',
      startDate: '2026-04-01',
      endDate: '2026-07-01',
    });
    expect(periodOfDate('quarter', '2026-01-15', chicagoFebFiscal)).toMatchObject({
      key: 'FY2026-Q4',
      startDate: '2025-11-01',
      endDate: '2026-02-01',
    });
    expect(periodOfDate('quarter', '2026-02-01', chicagoFebFiscal)).toMatchObject({
      key: 'FY2027-Q1',
      startDate: '2026-02-01',
      endDate: '2026-05-01',
    });
    expect(periodOfDate('year', '2026-07-04', chicagoFebFiscal)).toMatchObject({
      key: 'FY2027',
      startDate: '2026-02-01',
      endDate: '2027-02-01',
    });
  });

  it('puts bounds at local midnight, across a daylight-saving change', () => {
    const march = periodOfDate('month', '2026-03-20', chicagoCalendarYear);
    expect(new Date(march.start).toISOString()).toBe('2026-03-01T06:00:00.000Z');
    expect(new Date(march.end).toISOString()).toBe('2026-04-01T05:00:00.000Z');
    // 23:30 local on 31 March is still March, although it is already April in UTC.
    expect(periodAt('month', Date.UTC(2026, 3, 1, 4, 30), chicagoCalendarYear).key).toBe('2026-03');
  });

  it('steps to the previous and next period and to the same period last year', () => {
    const q = periodOfDate('quarter', '2026-02-10', chicagoFebFiscal);
    expect(previousPeriod(q, chicagoFebFiscal).key).toBe('FY2026-Q4');
    expect(nextPeriod(q, chicagoFebFiscal).key).toBe('FY2027-Q2');
    expect(samePeriodLastYear(q, chicagoFebFiscal).key).toBe('FY2026-Q1');
    expect(
      samePeriodLastYear(periodOfDate('week', '2026-03-11', chicagoCalendarYear), chicagoCalendarYear).key,
    ).toBe('2025-W11');
  });

  it('parses every key it produces back to the same period', () => {
    const date = fc
      .date({ min: new Date('2000-01-01'), max: new Date('2099-12-31'), noInvalidDate: true })
      .map((d) => d.toISOString().slice(0, 10));
    fc.assert(
      fc.property(
        date,
        fc.constantFrom(...periodKinds),
        fc.integer({ min: 1, max: 12 }),
        (d, kind, start) => {
          const cal = { timeZone: 'Europe/Berlin', fiscalYearStartMonth: start };
          const p = periodOfDate(kind, d, cal);
          expect(periodFromKey(p.key, cal)).toEqual(p);
          expect(p.startDate <= d && d < p.endDate).toBe(true);
          // Consecutive periods tile time without gaps or overlaps.
          expect(nextPeriod(p, cal).start).toBe(p.end);
          expect(previousPeriod(p, cal).end).toBe(p.start);
        },
      ),
    );
  });

  it('measures the elapsed part of a period', () => {
    const p = periodOfDate('week', '2026-03-11', { timeZone: 'UTC', fiscalYearStartMonth: 1 });
    expect(elapsedFraction(p, p.start - 1)).toBe(0);
    expect(elapsedFraction(p, p.start + (p.end - p.start) / 2)).toBe(0.5);
    expect(elapsedFraction(p, p.end + 1)).toBe(1);
  });
});

describe('period keys outside the supported years', () => {
  it('are not periods (the API answers 400 naming the period, never 500)', () => {
    const cal = { timeZone: 'UTC', fiscalYearStartMonth: 1 };
    for (const key of ['9999-12', 'FY9999', 'FY9999-Q4', '9999-W01', '0000-01', '1970-01', '3000-01']) {
      expect(periodFromKey(key, cal), key).toBeNull();
    }
    expect(periodFromKey('2999-12', cal)?.key).toBe('2999-12');
    expect(periodFromKey('1971-01', cal)?.key).toBe('1971-01');
  });
});
