import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { builtinMetrics } from '../../../shared/metrics-catalog.ts';
import type { PublishedPlaybookTarget } from '../playbooks/playbooks.repository.ts';
import {
  playbookDefaults,
  playbookDefaultsOf,
  rampedAmount,
  rampPercent,
  rolledTeamTargets,
  rolledUserTargets,
  subPeriods,
  targetSpan,
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
    // A target with decimals (a 27.5 % rate) ramps to 2 decimals, half to even.
    expect(rampedAmount(27.5, 50)).toBe(13.75);
    expect(rampedAmount(27.5, 25)).toBe(6.88);
    expect(rampedAmount(2.5, 10)).toBe(0.25);
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
        'demos',
        'emails',
        'meetings',
        'open_pipeline',
        'pipeline_velocity',
        'revenue_won',
        'tasks',
        'visits',
        'weighted_pipeline',
      ].sort(),
    );
  });

  it('adds over periods only what accumulates over time (not point-in-time pipeline)', () => {
    const periods = builtinMetrics.filter((m) => targetSumsOf(builtin(m.key)).periods).map((m) => m.key);
    expect(periods.sort()).toEqual(
      [
        'activities',
        'calls',
        'deals_won',
        'demos',
        'emails',
        'meetings',
        'revenue_won',
        'tasks',
        'visits',
      ].sort(),
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

describe('a quarter or a year from its months', () => {
  const row = (subject: string, kind: string, start: string, amount: number) => ({
    id: `${subject}-${kind}-${start}`,
    subject_id: subject,
    amount,
    period_kind: kind,
    period_start: start,
  });
  // Fiscal year starting in February: FY2027 = Feb 2026 – Jan 2027, Q1 = Feb–Apr 2026.
  const q1 = { kind: 'quarter' as const, startDate: '2026-02-01' };
  const fy = { kind: 'year' as const, startDate: '2026-02-01' };

  it('finds the months of a fiscal quarter and the quarters of a fiscal year, across calendar years', () => {
    expect(subPeriods('quarter', '2026-11-01')).toEqual({
      kind: 'month',
      starts: ['2026-11-01', '2026-12-01', '2027-01-01'],
    });
    expect(subPeriods('year', '2026-02-01')).toEqual({
      kind: 'quarter',
      starts: ['2026-02-01', '2026-05-01', '2026-08-01', '2026-11-01'],
    });
    expect(subPeriods('month', '2026-02-01')).toBeNull();
    expect(subPeriods('week', '2026-02-02')).toBeNull();
    expect(targetSpan('year', '2026-02-01')).toEqual({
      kinds: ['year', 'quarter', 'month'],
      endDate: '2027-02-01',
    });
  });

  it('sums the months of a quarter; a month without a target counts 0', () => {
    const rows = [
      row('u1', 'month', '2026-02-01', 1_000_000),
      row('u1', 'month', '2026-03-01', 1_000_000),
      row('u1', 'month', '2026-04-01', 1_000_000),
      row('u2', 'month', '2026-02-01', 500_000),
      row('u2', 'month', '2026-04-01', 700_000),
      // Outside the quarter: ignored.
      row('u2', 'month', '2026-05-01', 9_999),
      row('u3', 'month', '2026-01-01', 9_999),
    ];
    const out = rolledUserTargets(rows, new Map(), [], 'UTC', q1, true);
    expect(out.get('u1')).toMatchObject({
      targetId: null,
      effective: 3_000_000,
      source: 'months',
      parts: { withTarget: 3, of: 3 },
    });
    expect(out.get('u2')).toMatchObject({ effective: 1_200_000, parts: { withTarget: 2, of: 3 } });
    expect(out.has('u3')).toBe(false);
  });

  it('lets a quarter target set directly win over its months', () => {
    const rows = [
      row('u1', 'quarter', '2026-02-01', 2_500_000),
      row('u1', 'month', '2026-02-01', 1_000_000),
      row('u1', 'month', '2026-03-01', 1_000_000),
    ];
    const out = rolledUserTargets(rows, new Map(), [], 'UTC', q1, true);
    expect(out.get('u1')).toMatchObject({ effective: 2_500_000, source: 'set', parts: null });
  });

  it('never sums a rate: without its own target the quarter has none', () => {
    const rows = [row('u1', 'month', '2026-02-01', 30), row('u1', 'month', '2026-03-01', 30)];
    expect(rolledUserTargets(rows, new Map(), [], 'UTC', q1, false).size).toBe(0);
    const own = rolledUserTargets(
      [...rows, row('u1', 'quarter', '2026-02-01', 32.5)],
      new Map(),
      [],
      'UTC',
      q1,
      false,
    );
    expect(own.get('u1')).toMatchObject({ effective: 32.5, source: 'set' });
  });

  it('ramps each month for its own month of tenure before summing', () => {
    // Joined 10 Feb 2026 (Chicago): Feb is month 1 (25 %), Mar month 1 still (tenure counted from
    // the 10th), Apr month 2 (50 %). Quarter start (1 Feb) alone would have ramped everything at 25 %.
    const joined = new Map([['u1', Date.parse('2026-02-10T15:00:00Z')]]);
    const rows = [
      row('u1', 'month', '2026-02-01', 1_000_000),
      row('u1', 'month', '2026-03-01', 1_000_000),
      row('u1', 'month', '2026-04-01', 1_000_000),
    ];
    const out = rolledUserTargets(rows, joined, [25, 50, 75], 'America/Chicago', q1, true);
    expect(out.get('u1')).toMatchObject({ amount: 3_000_000, effective: 250_000 + 250_000 + 500_000 });
  });

  it('sums a year from its quarters, each set or from its months, in the fiscal calendar', () => {
    const rows = [
      // Q1 (Feb–Apr) from months; Q2 (May–Jul) set directly, its months ignored; Q3 none; Q4 one month.
      row('u1', 'month', '2026-02-01', 100),
      row('u1', 'month', '2026-03-01', 100),
      row('u1', 'quarter', '2026-05-01', 1_000),
      row('u1', 'month', '2026-05-01', 7),
      row('u1', 'month', '2027-01-01', 50),
      // Months only: the year says so.
      row('u2', 'month', '2026-02-01', 10),
      row('u2', 'month', '2027-01-01', 20),
    ];
    const out = rolledUserTargets(rows, new Map(), [], 'UTC', fy, true);
    expect(out.get('u1')).toMatchObject({
      effective: 200 + 1_000 + 50,
      source: 'quarters',
      parts: { withTarget: 3, of: 4 },
    });
    expect(out.get('u2')).toMatchObject({
      effective: 30,
      source: 'months',
      parts: { withTarget: 2, of: 12 },
    });
    const own = rolledUserTargets(
      [...rows, row('u1', 'year', '2026-02-01', 5)],
      new Map(),
      [],
      'UTC',
      fy,
      true,
    );
    expect(own.get('u1')).toMatchObject({ effective: 5, source: 'set' });
  });

  it('gives a team its own months first, else the sum of its people’s quarters', () => {
    const users =
      (teamRowsFor: typeof rows) => (kind: 'week' | 'month' | 'quarter' | 'year', start: string) =>
        rolledUserTargets(teamRowsFor, new Map(), [], 'UTC', { kind, startDate: start }, true);
    const rows = [
      row('u1', 'month', '2026-02-01', 100),
      row('u1', 'month', '2026-03-01', 100),
      row('u2', 'quarter', '2026-02-01', 300),
      row('u4', 'month', '2026-04-01', 40),
    ];
    const sums = { people: true, periods: true };
    const out = rolledTeamTargets(teams, members, [], users(rows), q1, sums);
    expect(out.get('a')).toMatchObject({ source: 'sum', effective: 500 });
    expect(out.get('b')).toMatchObject({ source: 'sum', effective: 40 });
    expect(out.get('region')).toMatchObject({ source: 'sum', effective: 540 });

    // Team a's own monthly targets: its quarter is their sum (a month without one counts its people's).
    const teamRows = [row('a', 'month', '2026-02-01', 1_000), row('a', 'month', '2026-03-01', 1_000)];
    const own = rolledTeamTargets(teams, members, teamRows, users(rows), q1, sums);
    expect(own.get('a')).toMatchObject({ source: 'months', effective: 2_000, sum: 500 });
    expect(own.get('region')).toMatchObject({ source: 'sum', effective: 2_040 });

    // A quarter set on the team wins; a rate adds up neither way.
    const set = rolledTeamTargets(
      teams,
      members,
      [...teamRows, row('a', 'quarter', '2026-02-01', 7)],
      users(rows),
      q1,
      sums,
    );
    expect(set.get('a')).toMatchObject({ source: 'direct', effective: 7 });
    const rate = rolledTeamTargets(teams, members, teamRows, users(rows), q1, {
      people: false,
      periods: false,
    });
    expect(rate.get('a')).toMatchObject({ source: 'none', effective: null });
  });
});

describe('the playbook that applies to a person', () => {
  const pt = (over: Partial<PublishedPlaybookTarget>): PublishedPlaybookTarget => ({
    playbookId: 'pb-role',
    playbookName: 'Field rep',
    scope: 'role',
    role: 'rep',
    teamId: null,
    depth: 0,
    version: 1,
    publishedAt: 1,
    supersededAt: null,
    metricKey: 'visits',
    periodKind: 'week',
    amount: 40,
    ...over,
  });
  const people = new Map([
    ['rep-a', { role: 'rep' as const, teamId: 'team-a' }],
    ['rep-b', { role: 'rep' as const, teamId: 'team-b' }],
    ['rep-none', { role: 'rep' as const, teamId: null }],
    ['manager', { role: 'manager' as const, teamId: 'team-a' }],
  ]);

  it("gives a role playbook's target of the metric and period kind to everyone with the role", () => {
    const got = playbookDefaults([pt({})], people, 'visits', 'week');
    expect([...got.keys()].sort()).toEqual(['rep-a', 'rep-b', 'rep-none']);
    expect(got.get('rep-a')).toEqual({ playbookId: 'pb-role', playbookName: 'Field rep', amount: 40 });
    expect(playbookDefaults([pt({})], people, 'visits', 'month').size).toBe(0);
    expect(playbookDefaults([pt({})], people, 'calls', 'week').size).toBe(0);
  });

  it('prefers a team playbook, the nearest team first, over a role playbook', () => {
    const rows = [
      pt({}),
      // The parent team's playbook reaches team-a one level down and the parent's own members.
      pt({
        playbookId: 'pb-parent',
        playbookName: 'Region',
        scope: 'team',
        role: null,
        teamId: 'team-a',
        depth: 1,
        amount: 30,
      }),
      pt({
        playbookId: 'pb-a',
        playbookName: 'Team A',
        scope: 'team',
        role: null,
        teamId: 'team-a',
        depth: 0,
        amount: 25,
      }),
      pt({
        playbookId: 'pb-parent',
        playbookName: 'Region',
        scope: 'team',
        role: null,
        teamId: 'team-b',
        depth: 1,
        amount: 30,
      }),
    ];
    const got = playbookDefaults(rows, people, 'visits', 'week');
    expect(got.get('rep-a')?.playbookId).toBe('pb-a');
    expect(got.get('rep-b')?.playbookId).toBe('pb-parent');
    expect(got.get('rep-none')?.playbookId).toBe('pb-role');
    // A team playbook applies to every member of the team, whatever their role.
    expect(got.get('manager')?.amount).toBe(25);
    // Whatever order the rows come in.
    expect(playbookDefaults([...rows].reverse(), people, 'visits', 'week').get('rep-a')?.playbookId).toBe(
      'pb-a',
    );
  });

  it('between two playbooks of the same reach, takes the latest published', () => {
    const rows = [
      pt({ playbookId: 'pb-old', publishedAt: 10, amount: 1 }),
      pt({ playbookId: 'pb-new', publishedAt: 20, amount: 2 }),
    ];
    expect(playbookDefaults(rows, people, 'visits', 'week').get('rep-a')?.amount).toBe(2);
    expect(playbookDefaults([...rows].reverse(), people, 'visits', 'week').get('rep-a')?.amount).toBe(2);
  });

  it('fills in only where no target is set or summed, ramped for the period', () => {
    const defaults = new Map([
      ['u1', { playbookId: 'pb', playbookName: 'Field rep', amount: 40 }],
      ['u2', { playbookId: 'pb', playbookName: 'Field rep', amount: 40 }],
    ]);
    // u2 joined on 2026-03-10: March is their first month of tenure (ramp 50 %).
    const starts = new Map([
      ['u1', Date.UTC(2025, 0, 1)],
      ['u2', Date.UTC(2026, 2, 10, 12)],
    ]);
    const rows = [
      { id: 't1', subject_id: 'u1', amount: 12, period_kind: 'week', period_start: '2026-03-16' },
    ];
    const week = { kind: 'week' as const, startDate: '2026-03-16' };
    const got = rolledUserTargets(rows, starts, [50], 'UTC', week, true, defaults);
    expect(got.get('u1')).toMatchObject({ source: 'set', effective: 12, targetId: 't1' });
    expect(got.get('u1')?.playbook).toBeUndefined();
    expect(got.get('u2')).toEqual({
      targetId: null,
      amount: 40,
      rampPercent: 50,
      effective: 20,
      tenureMonth: 1,
      source: 'playbook',
      parts: null,
      playbook: { id: 'pb', name: 'Field rep' },
    });
    // A quarter summed from set months wins over the playbook's quarterly target.
    const q = { kind: 'quarter' as const, startDate: '2026-01-01' };
    const months = [
      { id: 'm1', subject_id: 'u1', amount: 5, period_kind: 'month', period_start: '2026-02-01' },
    ];
    const rolled = rolledUserTargets(months, starts, [], 'UTC', q, true, defaults);
    expect(rolled.get('u1')).toMatchObject({ source: 'months', effective: 5 });
    expect(rolled.get('u2')).toMatchObject({ source: 'playbook', effective: 40 });
  });
});

describe('playbook monthly targets add up into quarters and years (decision 008)', () => {
  const row = (subject: string, kind: string, start: string, amount: number) => ({
    id: `${subject}-${kind}-${start}`,
    subject_id: subject,
    amount,
    period_kind: kind,
    period_start: start,
  });
  const pb = (
    periodKind: PublishedPlaybookTarget['periodKind'],
    amount: number,
    over: Partial<PublishedPlaybookTarget> = {},
  ): PublishedPlaybookTarget => ({
    playbookId: 'pb',
    playbookName: 'Field rep',
    scope: 'role',
    role: 'rep',
    teamId: null,
    depth: 0,
    version: 1,
    publishedAt: 1,
    supersededAt: null,
    metricKey: 'revenue_won',
    periodKind,
    amount,
    ...over,
  });
  const people = new Map([
    ['u1', { role: 'rep' as const, teamId: null }],
    ['u2', { role: 'rep' as const, teamId: null }],
  ]);
  const q = { kind: 'quarter' as const, startDate: '2026-01-01' };
  const year = { kind: 'year' as const, startDate: '2026-01-01' };
  const defaults = (rows: PublishedPlaybookTarget[], metric = 'revenue_won') =>
    playbookDefaultsOf(rows, people, metric);

  it("sums the playbook's monthly targets into a quarter when nothing is set", () => {
    const got = rolledUserTargets([], new Map(), [], 'UTC', q, true, defaults([pb('month', 1_000)]));
    expect(got.get('u1')).toEqual({
      targetId: null,
      amount: 3_000,
      rampPercent: 100,
      effective: 3_000,
      // No membership start known: long-standing.
      tenureMonth: expect.any(Number),
      source: 'months',
      parts: { withTarget: 3, of: 3, fromPlaybook: 3 },
      playbook: { id: 'pb', name: 'Field rep' },
    });
  });

  it('fills the months without a set target from the playbook once one month is set', () => {
    const rows = [row('u1', 'month', '2026-02-01', 5_000)];
    const got = rolledUserTargets(rows, new Map(), [], 'UTC', q, true, defaults([pb('month', 1_000)]));
    expect(got.get('u1')).toMatchObject({
      effective: 5_000 + 1_000 + 1_000,
      source: 'months',
      parts: { withTarget: 3, of: 3, fromPlaybook: 2 },
      playbook: { id: 'pb', name: 'Field rep' },
    });
    // A set month wins over a playbook quarter too: the quarter is the sum of its months.
    const withQuarter = rolledUserTargets(
      rows,
      new Map(),
      [],
      'UTC',
      q,
      true,
      defaults([pb('month', 1_000), pb('quarter', 9_999)]),
    );
    expect(withQuarter.get('u1')).toMatchObject({ effective: 7_000, source: 'months' });
    // Without a monthly playbook target, the other months count 0.
    const noMonths = rolledUserTargets(rows, new Map(), [], 'UTC', q, true, defaults([pb('quarter', 9_999)]));
    expect(noMonths.get('u1')).toMatchObject({
      effective: 5_000,
      parts: { withTarget: 1, of: 3, fromPlaybook: 0 },
    });
  });

  it("takes the playbook's quarterly target over its months when no month is set", () => {
    const got = rolledUserTargets(
      [row('u2', 'month', '2026-01-01', 10)],
      new Map(),
      [],
      'UTC',
      q,
      true,
      defaults([pb('month', 1_000), pb('quarter', 2_500)]),
    );
    expect(got.get('u1')).toMatchObject({ effective: 2_500, source: 'playbook', parts: null });
    // u2 has a month set: their quarter is its months, the playbook filling the others.
    expect(got.get('u2')).toMatchObject({ effective: 2_010, source: 'months' });
  });

  it('never sums a rate: a quarter is set or the playbook quarter', () => {
    const rate = (kind: PublishedPlaybookTarget['periodKind'], amount: number) =>
      pb(kind, amount, { metricKey: 'win_rate' });
    const months = defaults([rate('month', 30)], 'win_rate');
    expect(rolledUserTargets([], new Map(), [], 'UTC', q, false, months).size).toBe(0);
    const setMonth = [row('u1', 'month', '2026-01-01', 35)];
    expect(rolledUserTargets(setMonth, new Map(), [], 'UTC', q, false, months).size).toBe(0);
    const quarter = defaults([rate('month', 30), rate('quarter', 32.5)], 'win_rate');
    expect(rolledUserTargets(setMonth, new Map(), [], 'UTC', q, false, quarter).get('u1')).toMatchObject({
      effective: 32.5,
      source: 'playbook',
    });
  });

  it('ramps each playbook month for its own month of tenure', () => {
    // Joined 10 Jan 2026: January is month 1 (25 %), February still month 1, March month 2 (50 %).
    const joined = new Map([['u1', Date.UTC(2026, 0, 10, 12)]]);
    const got = rolledUserTargets([], joined, [25, 50], 'UTC', q, true, defaults([pb('month', 1_000)]));
    expect(got.get('u1')).toMatchObject({ amount: 3_000, effective: 250 + 250 + 500, source: 'months' });
    // With one month set, the set month and the playbook months are each ramped for their month.
    const mixed = rolledUserTargets(
      [row('u1', 'month', '2026-03-01', 2_000)],
      joined,
      [25, 50],
      'UTC',
      q,
      true,
      defaults([pb('month', 1_000)]),
    );
    expect(mixed.get('u1')).toMatchObject({ effective: 250 + 250 + 1_000 });
  });

  it('builds a year from quarters built from months', () => {
    // u1: one month set in Q2; the playbook gives months only. Every quarter comes from months.
    const got = rolledUserTargets(
      [row('u1', 'month', '2026-05-01', 4_000)],
      new Map(),
      [],
      'UTC',
      year,
      true,
      defaults([pb('month', 1_000)]),
    );
    expect(got.get('u1')).toMatchObject({
      effective: 11 * 1_000 + 4_000,
      source: 'months',
      parts: { withTarget: 12, of: 12, fromPlaybook: 11 },
    });
    expect(got.get('u2')).toMatchObject({
      effective: 12_000,
      source: 'months',
      parts: { withTarget: 12, of: 12, fromPlaybook: 12 },
    });
    // A playbook quarter fills the quarters with nothing set; a set month keeps its quarter's months.
    const mixed = rolledUserTargets(
      [row('u1', 'month', '2026-05-01', 4_000)],
      new Map(),
      [],
      'UTC',
      year,
      true,
      defaults([pb('month', 1_000), pb('quarter', 2_500)]),
    );
    expect(mixed.get('u1')).toMatchObject({
      effective: 3 * 2_500 + 6_000,
      source: 'quarters',
      parts: { withTarget: 4, of: 4, fromPlaybook: 3 },
    });
    // Nothing set: the playbook's yearly target wins over its quarters.
    const yearly = rolledUserTargets(
      [],
      new Map(),
      [],
      'UTC',
      year,
      true,
      defaults([pb('month', 1_000), pb('year', 20_000)]),
    );
    expect(yearly.get('u2')).toMatchObject({ effective: 20_000, source: 'playbook' });
  });

  it("sums the people's playbook-derived quarters into a team's default", () => {
    const teams = [{ id: 't', parent_team_id: null }];
    const members = [
      { team_id: 't', user_id: 'u1' },
      { team_id: 't', user_id: 'u2' },
    ];
    const rows = [row('u1', 'month', '2026-01-01', 5_000)];
    const users = (kind: 'week' | 'month' | 'quarter' | 'year', startDate: string) =>
      rolledUserTargets(
        rows,
        new Map(),
        [],
        'UTC',
        { kind, startDate },
        true,
        defaults([pb('month', 1_000)]),
      );
    const out = rolledTeamTargets(teams, members, [], users, q, { people: true, periods: true });
    expect(out.get('t')).toMatchObject({ source: 'sum', effective: 7_000 + 3_000 });
  });
});

describe('the playbook version that applies to a period: the one current at its end', () => {
  // A role playbook for reps: v1 (published 10 February 2026) sets 20 visits a month and 50 a
  // quarter; v2 (published 15 April 2026) sets 40 a month and 100 a quarter.
  const v1At = Date.parse('2026-02-10T15:00:00Z');
  const v2At = Date.parse('2026-04-15T15:00:00Z');
  const pb = (
    version: number,
    periodKind: PublishedPlaybookTarget['periodKind'],
    amount: number,
  ): PublishedPlaybookTarget => ({
    playbookId: 'pb',
    playbookName: 'Field rep',
    scope: 'role',
    role: 'rep',
    teamId: null,
    depth: 0,
    version,
    publishedAt: version === 1 ? v1At : v2At,
    supersededAt: version === 1 ? v2At : null,
    metricKey: 'visits',
    periodKind,
    amount,
  });
  const monthly = [pb(1, 'month', 20), pb(2, 'month', 40)];
  const people = new Map([['u1', { role: 'rep' as const, teamId: null }]]);
  const at = (rows: PublishedPlaybookTarget[], kind: 'month' | 'quarter' | 'year', startDate: string) =>
    rolledUserTargets(
      [],
      new Map(),
      [],
      'America/Chicago',
      { kind, startDate },
      true,
      playbookDefaultsOf(rows, people, 'visits'),
    ).get('u1');

  it('leaves a month that ended before a later version at the earlier version’s amount', () => {
    expect(at(monthly, 'month', '2026-03-01')).toMatchObject({ effective: 20, source: 'playbook' });
    // April had not ended when v2 was published: v2.
    expect(at(monthly, 'month', '2026-04-01')).toMatchObject({ effective: 40, source: 'playbook' });
    expect(at(monthly, 'month', '2026-07-01')?.effective).toBe(40);
    // Without a period end: the version current now.
    expect(playbookDefaults(monthly, people, 'visits', 'month').get('u1')?.amount).toBe(40);
  });

  it('gives nothing to a month that ended before the first publication', () => {
    expect(at(monthly, 'month', '2026-01-01')).toBeUndefined();
    expect(at(monthly, 'month', '2025-06-01')).toBeUndefined();
    // February had not ended when v1 was published.
    expect(at(monthly, 'month', '2026-02-01')?.effective).toBe(20);
  });

  it('judges the end in the org’s zone, the end instant itself being too late', () => {
    // January 2026 ends at 2026-02-01T06:00Z in Chicago.
    const publishedAt = (ms: number) => [{ ...pb(1, 'month', 20), publishedAt: ms, supersededAt: null }];
    expect(at(publishedAt(Date.parse('2026-02-01T05:59:59.999Z')), 'month', '2026-01-01')?.effective).toBe(
      20,
    );
    expect(at(publishedAt(Date.parse('2026-02-01T06:00:00Z')), 'month', '2026-01-01')).toBeUndefined();
  });

  it('sums a quarter from playbook months, each month by the version current at that month’s end', () => {
    // Q1: January none (before v1), February and March v1.
    expect(at(monthly, 'quarter', '2026-01-01')).toMatchObject({
      effective: 20 + 20,
      source: 'months',
      parts: { withTarget: 2, of: 3, fromPlaybook: 2 },
    });
    // Q2: April (ended after v2), May and June all v2 — although the quarter began under v1.
    expect(at(monthly, 'quarter', '2026-04-01')?.effective).toBe(3 * 40);
    // A year: its quarters, each from its months.
    expect(at(monthly, 'year', '2026-01-01')?.effective).toBe(40 + 3 * 120);
  });

  it('takes a quarter’s own playbook target from the version current at the quarter’s end', () => {
    const rows = [...monthly, pb(1, 'quarter', 50), pb(2, 'quarter', 100)];
    expect(at(rows, 'quarter', '2026-01-01')).toMatchObject({ effective: 50, source: 'playbook' });
    expect(at(rows, 'quarter', '2026-04-01')).toMatchObject({ effective: 100, source: 'playbook' });
    // Q4 2025 ended before v1: nothing from the playbook, not even from its months.
    expect(at(rows, 'quarter', '2025-10-01')).toBeUndefined();
  });
});
