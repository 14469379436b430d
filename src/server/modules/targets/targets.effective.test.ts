import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  rampedAmount,
  rampPercent,
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

describe('team targets', () => {
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
    const out = teamTargetsFrom(teams, members, new Map(), users);
    expect(out.get('a')).toMatchObject({ source: 'sum', effective: 150 });
    expect(out.get('b1')).toMatchObject({ source: 'sum', effective: 20 });
    expect(out.get('b')).toMatchObject({ source: 'sum', effective: 20 });
    expect(out.get('region')).toMatchObject({ source: 'sum', effective: 170 });
  });

  it('lets a direct team target win, and feeds it upwards', () => {
    const out = teamTargetsFrom(teams, members, new Map([['a', { id: 'ta', amount: 500 }]]), users);
    expect(out.get('a')).toMatchObject({ source: 'direct', direct: 500, sum: 150, effective: 500 });
    expect(out.get('region')!.effective).toBe(520);
  });

  it('has no target where nobody below has one', () => {
    const out = teamTargetsFrom(teams, members, new Map(), new Map());
    expect(out.get('region')).toMatchObject({ source: 'none', effective: null, sum: null });
  });
});
