/** Lists and formatters for time zones, currencies, months and dates, all from the browser's Intl. */
import dayjs from 'dayjs';
import timezone from 'dayjs/plugin/timezone';
import utc from 'dayjs/plugin/utc';

dayjs.extend(utc);
dayjs.extend(timezone);

export interface Option {
  value: string;
  label: string;
}

export function browserTimeZone(): string {
  try {
    return Intl.DateTimeFormat().resolvedOptions().timeZone || 'UTC';
  } catch {
    return 'UTC';
  }
}

let timeZoneCache: string[] | null = null;

export function timeZones(): string[] {
  if (!timeZoneCache) {
    let zones: string[] = [];
    try {
      zones = Intl.supportedValuesOf('timeZone');
    } catch {
      zones = [];
    }
    timeZoneCache = Array.from(new Set(['UTC', ...zones])).sort();
  }
  return timeZoneCache;
}

/** Time-zone options for a Select, always including `current` so an unusual stored value still shows. */
export function timeZoneOptions(current?: string | null): string[] {
  const zones = timeZones();
  return current && !zones.includes(current) ? [current, ...zones] : zones;
}

let currencyCache: Option[] | null = null;

export function currencyOptions(current?: string | null): Option[] {
  if (!currencyCache) {
    let codes: string[] = [];
    try {
      codes = Intl.supportedValuesOf('currency');
    } catch {
      codes = ['USD', 'EUR', 'GBP'];
    }
    let names: Intl.DisplayNames | null = null;
    try {
      names = new Intl.DisplayNames(['en'], { type: 'currency' });
    } catch {
      names = null;
    }
    currencyCache = codes.map((code) => {
      const name = names?.of(code);
      return { value: code, label: name && name !== code ? `${code} — ${name}` : code };
    });
  }
  if (current && !currencyCache.some((option) => option.value === current)) {
    return [{ value: current, label: current }, ...currencyCache];
  }
  return currencyCache;
}

export const MONTHS = [
  'January',
  'February',
  'March',
  'April',
  'May',
  'June',
  'July',
  'August',
  'September',
  'October',
  'November',
  'December',
] as const;

export const MONTH_OPTIONS: Option[] = MONTHS.map((name, index) => ({
  value: String(index + 1),
  label: name,
}));

export function monthName(month: number): string {
  return MONTHS[month - 1] ?? String(month);
}

/** Formats an ISO instant as a date and time in the given IANA zone (the viewer's by default). */
export function formatDateTime(iso: string | null | undefined, timeZone?: string): string {
  if (!iso) return '—';
  const date = new Date(iso);
  if (Number.isNaN(date.getTime())) return iso;
  try {
    return new Intl.DateTimeFormat(undefined, { dateStyle: 'medium', timeStyle: 'short', timeZone }).format(
      date,
    );
  } catch {
    return date.toLocaleString();
  }
}

export function formatDate(iso: string | null | undefined, timeZone?: string): string {
  if (!iso) return '—';
  const date = new Date(iso);
  if (Number.isNaN(date.getTime())) return iso;
  try {
    return new Intl.DateTimeFormat(undefined, { dateStyle: 'medium', timeZone }).format(date);
  } catch {
    return date.toLocaleDateString();
  }
}

export const ROLE_LABELS = { admin: 'Admin', manager: 'Manager', rep: 'Rep' } as const;

export const ROLE_OPTIONS: Option[] = [
  { value: 'rep', label: 'Rep' },
  { value: 'manager', label: 'Manager' },
  { value: 'admin', label: 'Admin' },
];

/**
 * The instant a calendar day (`yyyy-mm-dd`, as a date input gives it) starts in `timeZone`, plus
 * `addDays` days: `(day, tz, 1)` is the exclusive end of that day. Undefined for an empty or bad day.
 */
export function dayStartInZone(day: string, timeZone: string, addDays = 0): string | undefined {
  if (!/^\d{4}-\d{2}-\d{2}$/.test(day)) return undefined;
  try {
    // Shift the calendar date first, then find its midnight in the zone: adding days to a zoned
    // instant would keep the old UTC offset across a daylight-saving change.
    const date = dayjs(day).add(addDays, 'day').format('YYYY-MM-DD');
    const start = dayjs.tz(date, timeZone);
    return start.isValid() ? start.toISOString() : undefined;
  } catch {
    return undefined;
  }
}
