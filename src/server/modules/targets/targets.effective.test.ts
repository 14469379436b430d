import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { builtinMetrics } from '../../../shared/metrics-catalog.ts';
import {
  rampedAmount,
  rampPercent,
  targetSumsOf,
  teamTargetsFrom,
  tenureMonthIndex,
  userTargetsFrom,
} from './targets.effective.ts';

describe('tenure and ramp', () => {
  it('counts whole months of tenure from the join date', () => {
    expect(tenureMonthIndex('2026-01-15', '2026-01-15')).toBe(0);
    expect(tenureMonthIndex('2026-01-15', '2026-02-01')).toBe(0);
    expect(tenureMonthIndex('2026-01-15', '2026-02-15')).toBe(1);
    expect(tenureMonthIndex('2026-01-31', '2026-03-01')).toBe(1);
    expect(tenureMonthIndex('2025-11-10', '2026-04-01')).toBe(4);
    // A period that starts before the rep joined counts as the first month.
    expect(tenureMonthIndex('2026-03-10', '2026-01-01')).toBe(0);
  });

  it('applies the percent of the month of tenure, then 100 %', () => {
    const ramp = [25, 50, 75];
    expect(rampPercent(ramp, '2026-01-15', '2026-02-01')).toBe(25);
    expect(rampPercent(ramp, '2026-01-15', '2026-03-01')).toBe(50);
    expect(rampPercent(ramp, '2026-01-15', '2026-04-01')).toBe(75);
    expect(rampPercent(ramp, '2026-01-15', '2026-05-01')).toBe(100);
    expect(rampPercent([], '2026-01-15', '2026-02-01')).toBe(100);
  });

  it('rounds a ramped amount half to even, exactly', () => {
    expect(rampedAmount(1_000_002, 25)).toBe(250_000);
    expect(rampedAmount(1_000_006, 25)).toBe(250_002);
    expect(rampedAmount(3, 50)).toBe(2);
    expect(rampedAmount(Number.MAX_SAFE_INTEGER, 100)).toBe(Number.MAX_SAFE_INTEGER);
  });

  it('never ramps above the full target nor below zero', () => {
    fc.assert(
      fc.property(fc.integer({ min: 0, max: 1e12 }), fc.integer({ min: 0, max: 100 }), (amount, pct) => {
        const r = rampedAmount(amount, pct);
        return r >= 0 && r <= amount && Number.isSafeInteger(r);
      }),
    );
  });
});

const teams = [
  { id: 'region', parent_team_id: null },
  { id: 'a', parent_team_id: 'region' },
  { id: 'b', parent_team_id: 'region' },
  { id: 'b1', parent_team_id: 'b' },
];
const members = [
  { team_id: 'a', user_id: 'u1' },
  { team_id: 'a', user_id: 'u2' },
  { team_id: 'b1', user_id: 'u3' },
  { team_id: 'b', user_id: 'u4' },
];
describe('team targets', () => {
  const users = userTargetsFrom(
    [
      { id: 't1', subject_id: 'u1', amount: 100 },
      { id: 't2', subject_id: 'u2', amount: 50 },
      { id: 't3', subject_id: 'u3', amount: 40 },
    ],
    new Map([['u3', Date.parse('2026-01-20T18:00:00Z')]]),
    [50],
    'America/Chicago',
    '2026-02-01',
  );

  it('sums members and sub-teams bottom-up, with ramped member targets', () => {
    const out = teamTargetsFrom(teams, members, new Map(), users, true);
    expect(out.get('a')).toMatchObject({ source: 'sum', effective: 150 });
    expect(out.get('b1')).toMatchObject({ source: 'sum', effective: 20 });
    expect(out.get('b')).toMatchObject({ source: 'sum', effective: 20 });
    expect(out.get('region')).toMatchObject({ source: 'sum', effective: 170 });
  });

  it('lets a direct team target win, and feeds it upwards', () => {
    const out = teamTargetsFrom(teams, members, new Map([['a', { id: 'ta', amount: 500 }]]), users, true);
    expect(out.get('a')).toMatchObject({ source: 'direct', direct: 500, sum: 150, effective: 500 });
    expect(out.get('region')!.effective).toBe(520);
  });

  it('has no target where nobody below has one', () => {
    const out = teamTargetsFrom(teams, members, new Map(), new Map(), true);
    expect(out.get('region')).toMatchObject({ source: 'none', effective: null, sum: null });
  });
});

describe('which targets add up', () => {
  const builtin = (key: string) => {
    const m = builtinMetrics.find((b) => b.key === key)!;
    return { key, spec: null, snapshot: m.snapshot ?? false };
  };

  it('adds money and counts across people, rates never', () => {
    const people = builtinMetrics.filter((m) => targetSumsOf(builtin(m.key)).people).map((m) => m.key);
    expect(people.sort()).toEqual(
      [
        'activities',
        'calls',
        'deals_won',
        'meetings',
        'open_pipeline',
        'pipeline_velocity',
        'revenue_won',
        'visits',
        'weighted_pipeline',
      ].sort(),
    );
  });

  it('adds over periods only what accumulates over time (not point-in-time pipeline)', () => {
    const periods = builtinMetrics.filter((m) => targetSumsOf(builtin(m.key)).periods).map((m) => m.key);
    expect(periods.sort()).toEqual(
      ['activities', 'calls', 'deals_won', 'meetings', 'revenue_won', 'visits'].sort(),
    );
  });

  it('adds custom counts and sums, never custom averages or ratios', () => {
    const count = { block: 'activity_count', kinds: ['visit'] } as never;
    const avg = { block: 'deal_average', deals: 'won', field: 'amount' } as never;
    const ratio = { block: 'ratio', numerator: 'a', denominator: 'b' } as never;
    expect(targetSumsOf({ key: 'c', spec: count, snapshot: false })).toEqual({ people: true, periods: true });
    expect(targetSumsOf({ key: 'c', spec: avg, snapshot: false })).toEqual({ people: false, periods: false });
    expect(targetSumsOf({ key: 'c', spec: ratio, snapshot: false })).toEqual({
      people: false,
      periods: false,
    });
  });

  it('gives a team no default for a rate: three 30 % win-rate targets are not 90 %', () => {
    const rates = userTargetsFrom(
      [
        { id: 't1', subject_id: 'u1', amount: 30 },
        { id: 't2', subject_id: 'u2', amount: 30 },
        { id: 't3', subject_id: 'u3', amount: 30 },
      ],
      new Map(),
      [],
      'UTC',
      '2026-02-01',
    );
    const out = teamTargetsFrom(teams, members, new Map(), rates, false);
    expect(out.get('a')).toMatchObject({ source: 'none', sum: null, effective: null });
    expect(out.get('region')).toMatchObject({ source: 'none', sum: null, effective: null });
    // Set on a team, it applies to that team only — never summed into the region.
    const direct = teamTargetsFrom(teams, members, new Map([['a', { id: 'ta', amount: 35 }]]), rates, false);
    expect(direct.get('a')).toMatchObject({ source: 'direct', effective: 35, sum: null });
    expect(direct.get('region')).toMatchObject({ source: 'none', effective: null });
  });
});
