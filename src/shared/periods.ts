import { dateInZone, startOfDayInZone } from './time.ts';

/**
 * Reporting periods in an org's time zone and fiscal calendar. Weeks are ISO weeks (Monday to
 * Sunday); months are calendar months; quarters and years follow the fiscal year, which starts on
 * the first day of `fiscalYearStartMonth` and is named after the calendar year in which it ends
 * (a fiscal year starting February 2026 is FY2027; with a January start, FY2026 is calendar 2026).
 * Bounds are half-open: [start, end).
 */
export type PeriodKind = 'week' | 'month' | 'quarter' | 'year';
export const periodKinds: readonly PeriodKind[] = ['week', 'month', 'quarter', 'year'];

export interface Calendar {
  timeZone: string;
  fiscalYearStartMonth: number;
}

export interface Period {
  kind: PeriodKind;
  /** Stable identifier, e.g. 2026-W10, 2026-03, FY2026-Q2, FY2026. */
  key: string;
  label: string;
  /** First local date of the period (YYYY-MM-DD). */
  startDate: string;
  /** First local date after the period (exclusive). */
  endDate: string;
  /** UTC instants of the bounds (epoch ms), start inclusive, end exclusive. */
  start: number;
  end: number;
}

interface Ymd {
  y: number;
  m: number;
  d: number;
}

function parse(date: string): Ymd {
  const [y, m, d] = date.split('-').map(Number) as [number, number, number];
  return { y, m, d };
}

function fmt({ y, m, d }: Ymd): string {
  return `${String(y).padStart(4, '0')}-${String(m).padStart(2, '0')}-${String(d).padStart(2, '0')}`;
}

/** Calendar arithmetic on plain dates (no time zones involved). */
function addDays(date: string, days: number): string {
  const { y, m, d } = parse(date);
  const t = new Date(Date.UTC(y, m - 1, d + days));
  return fmt({ y: t.getUTCFullYear(), m: t.getUTCMonth() + 1, d: t.getUTCDate() });
}

function addMonths(ym: { y: number; m: number }, months: number): { y: number; m: number } {
  const index = ym.y * 12 + (ym.m - 1) + months;
  return { y: Math.floor(index / 12), m: (index % 12) + 1 };
}

function isoWeek(date: string): { year: number; week: number; monday: string } {
  const { y, m, d } = parse(date);
  const t = new Date(Date.UTC(y, m - 1, d));
  const weekday = (t.getUTCDay() + 6) % 7; // Monday = 0
  const monday = addDays(date, -weekday);
  const thursday = new Date(Date.UTC(y, m - 1, d - weekday + 3));
  const year = thursday.getUTCFullYear();
  const jan4 = new Date(Date.UTC(year, 0, 4));
  const week1Monday = Date.UTC(year, 0, 4 - ((jan4.getUTCDay() + 6) % 7));
  const week =
    Math.round(
      (Date.UTC(thursday.getUTCFullYear(), thursday.getUTCMonth(), thursday.getUTCDate() - 3) - week1Monday) /
        604_800_000,
    ) + 1;
  return { year, week, monday };
}

function fiscalYearOf(ym: { y: number; m: number }, startMonth: number): { fy: number; startY: number } {
  const startY = ym.m >= startMonth ? ym.y : ym.y - 1;
  return { fy: startMonth === 1 ? startY : startY + 1, startY };
}

function build(
  kind: PeriodKind,
  key: string,
  label: string,
  startDate: string,
  endDate: string,
  cal: Calendar,
): Period {
  return {
    kind,
    key,
    label,
    startDate,
    endDate,
    start: startOfDayInZone(startDate, cal.timeZone),
    end: startOfDayInZone(endDate, cal.timeZone),
  };
}

const monthNames = ['Jan', 'Feb', 'Mar', 'Apr', 'May', 'Jun', 'Jul', 'Aug', 'Sep', 'Oct', 'Nov', 'Dec'];

/** The period of `kind` containing the local date `date`. */
export function periodOfDate(kind: PeriodKind, date: string, cal: Calendar): Period {
  const { y, m } = parse(date);
  switch (kind) {
    case 'week': {
      const w = isoWeek(date);
      const key = `${w.year}-W${String(w.week).padStart(2, '0')}`;
      return build(kind, key, `Week ${w.week}, ${w.year}`, w.monday, addDays(w.monday, 7), cal);
    }
    case 'month': {
      const next = addMonths({ y, m }, 1);
      return build(
        kind,
        `${y}-${String(m).padStart(2, '0')}`,
        `${monthNames[m - 1]} ${y}`,
        fmt({ y, m, d: 1 }),
        fmt({ ...next, d: 1 }),
        cal,
      );
    }
    case 'quarter': {
      const { fy, startY } = fiscalYearOf({ y, m }, cal.fiscalYearStartMonth);
      const monthsIn = (y - startY) * 12 + (m - cal.fiscalYearStartMonth);
      const q = Math.floor(monthsIn / 3) + 1;
      const first = addMonths({ y: startY, m: cal.fiscalYearStartMonth }, (q - 1) * 3);
      const after = addMonths(first, 3);
      return build(
        kind,
        `FY${fy}-Q${q}`,
        `Q${q} FY${fy}`,
        fmt({ ...first, d: 1 }),
        fmt({ ...after, d: 1 }),
        cal,
      );
    }
    case 'year': {
      const { fy, startY } = fiscalYearOf({ y, m }, cal.fiscalYearStartMonth);
      const first = { y: startY, m: cal.fiscalYearStartMonth };
      const after = addMonths(first, 12);
      return build(kind, `FY${fy}`, `FY${fy}`, fmt({ ...first, d: 1 }), fmt({ ...after, d: 1 }), cal);
    }
    default: {
      const never: never = kind;
      throw new Error(`unknown period kind ${String(never)}`);
    }
  }
}

/** The period of `kind` containing an instant, in the calendar's zone. */
export function periodAt(kind: PeriodKind, instant: number, cal: Calendar): Period {
  return periodOfDate(kind, dateInZone(instant, cal.timeZone), cal);
}

/** The period just before. */
export function previousPeriod(p: Period, cal: Calendar): Period {
  return periodOfDate(p.kind, addDays(p.startDate, -1), cal);
}

/** The period just after. */
export function nextPeriod(p: Period, cal: Calendar): Period {
  return periodOfDate(p.kind, p.endDate, cal);
}

/** The same period one year earlier (for weeks: the same ISO week number of the previous year, or the nearest). */
export function samePeriodLastYear(p: Period, cal: Calendar): Period {
  if (p.kind === 'week') return periodOfDate('week', addDays(p.startDate, -364), cal);
  const { y, m, d } = parse(p.startDate);
  return periodOfDate(p.kind, fmt({ y: y - 1, m, d }), cal);
}

/** Parses a period key produced by `periodOfDate` back into the period. */
/** Period keys name years in this range (their previous and last-year periods stay inside the calendar). */
export const PERIOD_YEARS = { min: 1971, max: 2999 } as const;

export function periodFromKey(key: string, cal: Calendar): Period | null {
  const year4 = /\d{4}/.exec(key);
  if (year4 && (Number(year4[0]) < PERIOD_YEARS.min || Number(year4[0]) > PERIOD_YEARS.max)) return null;
  let match = /^(\d{4})-W(\d{2})$/.exec(key);
  if (match) {
    const year = Number(match[1]);
    const week = Number(match[2]);
    const jan4 = new Date(Date.UTC(year, 0, 4));
    const monday = new Date(Date.UTC(year, 0, 4 - ((jan4.getUTCDay() + 6) % 7) + (week - 1) * 7));
    const p = periodOfDate(
      'week',
      fmt({ y: monday.getUTCFullYear(), m: monday.getUTCMonth() + 1, d: monday.getUTCDate() }),
      cal,
    );
    return p.key === key ? p : null;
  }
  match = /^(\d{4})-(\d{2})$/.exec(key);
  if (match) {
    const m = Number(match[2]);
    return m >= 1 && m <= 12 ? periodOfDate('month', `${match[1]}-${match[2]}-01`, cal) : null;
  }
  match = /^FY(\d{4})(?:-Q([1-4]))?$/.exec(key);
  if (match) {
    const fy = Number(match[1]);
    const startY = cal.fiscalYearStartMonth === 1 ? fy : fy - 1;
    const first = { y: startY, m: cal.fiscalYearStartMonth };
    if (!match[2]) return periodOfDate('year', fmt({ ...first, d: 1 }), cal);
    const q = addMonths(first, (Number(match[2]) - 1) * 3);
    return periodOfDate('quarter', fmt({ ...q, d: 1 }), cal);
  }
  return null;
}

/** How much of the period has passed at `now`, from 0 to 1 (by time, not by working days). */
export function elapsedFraction(p: Period, now: number): number {
  if (now <= p.start) return 0;
  if (now >= p.end) return 1;
  return (now - p.start) / (p.end - p.start);
}
