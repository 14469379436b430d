/**
 * Navigation between reporting periods for the KPI screens' period picker: stepping a period key
 * back or forth, the list of recent periods to choose from, and what a change of kind keeps. Keys
 * and labels are the server's (`src/shared/periods.ts`, computed in the org's time zone and fiscal
 * calendar), so the picker can name any period before the server answers.
 */
import {
  type Calendar,
  nextPeriod,
  type Period,
  type PeriodKind,
  periodFromKey,
  periodOfDate,
  previousPeriod,
} from '../../../shared/periods.ts';

/** How many periods the picker's list offers, newest (the current one) first. */
export const PERIOD_CHOICES: Record<PeriodKind, number> = { week: 26, month: 24, quarter: 12, year: 8 };

/**
 * The key `steps` periods after `key` (before it when negative), of the same kind; null when `key`
 * is not a period key or the result falls outside the years the server accepts.
 */
export function stepPeriodKey(key: string, steps: number, cal: Calendar): string | null {
  let p = periodFromKey(key, cal);
  if (!p || !Number.isInteger(steps)) return null;
  for (let i = 0; i < Math.abs(steps); i++) {
    p = steps < 0 ? previousPeriod(p, cal) : nextPeriod(p, cal);
    if (!periodFromKey(p.key, cal)) return null;
  }
  return p.key;
}

export interface PeriodNav {
  /** The period shown. */
  selected: Period;
  current: Period;
  isCurrent: boolean;
  /** The period before the selected one; null at the calendar's start. */
  previousKey: string | null;
  /** The period after the selected one; null when the selected one is the current one (or later). */
  nextKey: string | null;
  /** Newest first: the current period and the ones before it, plus the selected one if older. */
  options: { key: string; label: string; mark: 'current' | 'previous' | null }[];
}

/**
 * Where the picker stands: `selectedKey` (undefined: the current period) among the periods of
 * `currentKey`'s kind. A selected key of another kind, or not a key, counts as the current period.
 */
export function periodNav(
  selectedKey: string | undefined,
  currentKey: string,
  cal: Calendar,
  count: number = PERIOD_CHOICES[periodFromKey(currentKey, cal)?.kind ?? 'month'],
): PeriodNav {
  const current = periodFromKey(currentKey, cal);
  if (!current) throw new Error(`not a period key: ${currentKey}`);
  const asked = selectedKey === undefined ? null : periodFromKey(selectedKey, cal);
  const selected = asked && asked.kind === current.kind ? asked : current;
  const isCurrent = selected.key === current.key;
  const options: PeriodNav['options'] = [];
  let p: Period | null = current;
  for (let i = 0; i < count && p; i++) {
    options.push({ key: p.key, label: p.label, mark: i === 0 ? 'current' : i === 1 ? 'previous' : null });
    const before = previousPeriod(p, cal);
    p = periodFromKey(before.key, cal) ? before : null;
  }
  if (!options.some((o) => o.key === selected.key))
    options.push({ key: selected.key, label: selected.label, mark: null });
  return {
    selected,
    current,
    isCurrent,
    previousKey: stepPeriodKey(selected.key, -1, cal),
    nextKey: selected.start >= current.start ? null : stepPeriodKey(selected.key, 1, cal),
    options,
  };
}

/**
 * The period of another kind a change of kind lands on: from the current period the current one of
 * the new kind (undefined); from a past period the one of the new kind that contains its first day
 * (a past March as a quarter is that March's quarter), undefined when that is the current one.
 */
export function periodForKind(
  kind: PeriodKind,
  nav: Pick<PeriodNav, 'selected' | 'isCurrent'>,
  currentKeyOfKind: string,
  cal: Calendar,
): string | undefined {
  if (nav.isCurrent) return undefined;
  const landed = periodFromKey(periodOfDate(kind, nav.selected.startDate, cal).key, cal);
  const current = periodFromKey(currentKeyOfKind, cal);
  if (!landed || !current || landed.start >= current.start) return undefined;
  return landed.key;
}
