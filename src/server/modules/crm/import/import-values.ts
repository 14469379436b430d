import dayjs from 'dayjs';
import timezone from 'dayjs/plugin/timezone.js';
import utc from 'dayjs/plugin/utc.js';

dayjs.extend(utc);
dayjs.extend(timezone);

/** A cell that cannot be read as the field's type; the message completes "<column>: …". */
export class CellError extends Error {}

/** How many minor digits a currency has (USD 2, JPY 0, BHD 3), from the platform's ICU data. */
export function minorDigits(currency: string): number {
  return (
    new Intl.NumberFormat('en-US', { style: 'currency', currency }).resolvedOptions().maximumFractionDigits ??
    2
  );
}

const AMOUNT = /^(?:\d{1,3}(?:,\d{3})+|\d+)(?:\.(\d+))?$/;

/**
 * Parses an amount as exported by CRMs ("1,234.50", "1234.5", "$1,234", "USD 99") exactly into
 * integer minor units, in string arithmetic (never through a float). More fraction digits than the
 * currency has are refused unless they are zeros, so nothing is silently rounded.
 */
export function parseAmountMinor(text: string, digits: number): number {
  const cleaned = text
    .trim()
    .replace(/^[A-Za-z]{3}\s*/, '')
    .replace(/\s*[A-Za-z]{3}$/, '')
    .replace(/^[$€£¥]\s*/, '')
    .replace(/\s/g, '');
  if (cleaned.startsWith('-')) throw new CellError('must not be negative');
  const m = AMOUNT.exec(cleaned);
  if (!m) throw new CellError(`"${text}" is not an amount like 1,234.50`);
  const [whole, fraction = ''] = cleaned.replace(/,/g, '').split('.') as [string, string?];
  const extra = fraction.slice(digits);
  if (/[^0]/.test(extra)) throw new CellError(`has more than ${digits} decimal places`);
  const minor =
    BigInt(whole) * 10n ** BigInt(digits) + BigInt(fraction.slice(0, digits).padEnd(digits, '0') || '0');
  if (minor > BigInt(Number.MAX_SAFE_INTEGER)) throw new CellError('is too large');
  return Number(minor);
}

/** A decimal number ("41.8781", "-87.6"); thousands separators are refused (coordinates have none). */
export function parseDecimal(text: string): number {
  const t = text.trim();
  if (!/^[+-]?(\d+(\.\d*)?|\.\d+)$/.test(t)) throw new CellError(`"${text}" is not a number`);
  return Number(t);
}

/** A whole number, optionally with a trailing % ("75", "75%", "75.0"). */
export function parseWhole(text: string): number {
  const t = text.trim().replace(/\s*%$/, '');
  if (!/^\d+(\.0+)?$/.test(t)) throw new CellError(`"${text}" is not a whole number`);
  return Number.parseInt(t, 10);
}

function isRealDate(y: number, m: number, d: number): boolean {
  const dt = new Date(Date.UTC(y, m - 1, d));
  return dt.getUTCFullYear() === y && dt.getUTCMonth() === m - 1 && dt.getUTCDate() === d;
}

const pad = (n: number) => String(n).padStart(2, '0');

/**
 * A calendar date from the formats CRM exports use: 2024-03-31, 2024-03-31 14:05 (the date part),
 * 2024-03-31T14:05:00Z, and US 3/31/2024. Returns YYYY-MM-DD.
 */
export function parseDate(text: string): string {
  const t = text.trim();
  let y: number;
  let mo: number;
  let d: number;
  let m = /^(\d{4})-(\d{1,2})-(\d{1,2})(?:[ T].*)?$/.exec(t);
  if (m) {
    y = Number(m[1]);
    mo = Number(m[2]);
    d = Number(m[3]);
  } else {
    m = /^(\d{1,2})\/(\d{1,2})\/(\d{4})(?: .*)?$/.exec(t);
    if (!m) throw new CellError(`"${text}" is not a date like 2024-03-31 or 3/31/2024`);
    mo = Number(m[1]);
    d = Number(m[2]);
    y = Number(m[3]);
  }
  if (!isRealDate(y, mo, d)) throw new CellError(`"${text}" is not a real date`);
  return `${y}-${pad(mo)}-${pad(d)}`;
}

/**
 * An instant: ISO 8601 with an offset is taken as is; a date or local date-time without an offset
 * ("2024-03-31 14:05", "3/31/2024 2:05 PM", "2024-03-31") is read in the org's time zone.
 */
export function parseInstant(text: string, timeZone: string): number {
  const t = text.trim();
  if (/^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}(:\d{2}(\.\d+)?)?(Z|[+-]\d{2}:?\d{2})$/.test(t)) {
    const ms = Date.parse(t);
    if (Number.isNaN(ms)) throw new CellError(`"${text}" is not a valid date-time`);
    return ms;
  }
  const date = parseDate(t);
  const time = /(\d{1,2}):(\d{2})(?::(\d{2}))?\s*([AaPp][Mm])?\s*$/.exec(t.replace(/^\S+/, ''));
  let h = 0;
  let min = 0;
  let s = 0;
  if (time) {
    h = Number(time[1]);
    min = Number(time[2]);
    s = Number(time[3] ?? 0);
    const ampm = time[4]?.toLowerCase();
    if (ampm) {
      if (h < 1 || h > 12) throw new CellError(`"${text}" has an invalid hour`);
      h = (h % 12) + (ampm === 'pm' ? 12 : 0);
    }
    if (h > 23 || min > 59 || s > 59) throw new CellError(`"${text}" has an invalid time`);
  }
  return dayjs.tz(`${date}T${pad(h)}:${pad(min)}:${pad(s)}`, timeZone).valueOf();
}

/** Upper- or mixed-case stage/pipeline/kind names compared loosely: "Closed Won" = "closedwon". */
export function looseKey(text: string): string {
  return text.toLowerCase().replace(/[^a-z0-9]/g, '');
}
