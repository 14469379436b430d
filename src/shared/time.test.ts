import dayjs from 'dayjs';
import timezone from 'dayjs/plugin/timezone.js';
import utc from 'dayjs/plugin/utc.js';
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

  it('names the same local date as dayjs, every 7 minutes through daylight-saving days and their midnights', () => {
    dayjs.extend(utc);
    dayjs.extend(timezone);
    const reference = (instant: number, zone: string) => dayjs(instant).tz(zone).format('YYYY-MM-DD');
    const days: [string, number][] = [
      ['America/New_York', Date.UTC(2026, 2, 8)],
      ['America/New_York', Date.UTC(2026, 10, 1)],
      ['Europe/Berlin', Date.UTC(2026, 2, 29)],
      ['Europe/Berlin', Date.UTC(2026, 9, 25)],
      ['America/Santiago', Date.UTC(2026, 3, 5)],
      ['America/Santiago', Date.UTC(2026, 8, 6)],
      ['Australia/Lord_Howe', Date.UTC(2026, 3, 5)],
      ['Asia/Kolkata', Date.UTC(2026, 0, 1)],
      ['Pacific/Chatham', Date.UTC(2026, 8, 27)],
      ['America/Havana', Date.UTC(2026, 2, 8)],
      ['UTC', Date.UTC(1999, 11, 31)],
    ];
    let checked = 0;
    for (const [zone, day] of days) {
      for (let t = day - 36 * 3_600_000; t < day + 36 * 3_600_000; t += 7 * 60_000) {
        expect(dateInZone(t, zone), `${zone} ${new Date(t).toISOString()}`).toBe(reference(t, zone));
        expect(dateInZone(t - 1, zone)).toBe(reference(t - 1, zone));
        checked++;
      }
    }
    expect(checked).toBeGreaterThan(6000);
    expect(dateInZone(Date.UTC(2026, 2, 8, 4, 59, 59, 999), 'America/New_York')).toBe('2026-03-07');
    expect(dateInZone(Date.UTC(2026, 2, 8, 5), 'America/New_York')).toBe('2026-03-08');
    expect(dateInZone(Date.UTC(2026, 0, 1, 10), 'Pacific/Kiritimati')).toBe('2026-01-02');
    expect(() => dateInZone(0, 'Not/AZone')).toThrow(RangeError);
  });
});
