import dayjs from 'dayjs';
import timezone from 'dayjs/plugin/timezone.js';
import utc from 'dayjs/plugin/utc.js';

dayjs.extend(utc);
dayjs.extend(timezone);

/** The UTC instant (epoch ms) at which a calendar date starts in a time zone. */
export function startOfDayInZone(date: string, timeZone: string): number {
  return dayjs.tz(`${date}T00:00:00`, timeZone).valueOf();
}

/** The calendar date (YYYY-MM-DD) of an instant in a time zone. */
export function dateInZone(instant: number, timeZone: string): string {
  return dayjs(instant).tz(timeZone).format('YYYY-MM-DD');
}
