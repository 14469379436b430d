import { describe, expect, it } from 'vitest';
import type { MetricFormat } from '../../../shared/metrics-catalog.ts';
import {
  compactMetric,
  compactMoney,
  dashboardMetrics,
  dealCycleText,
  formatMetric,
  judge,
  paceStatus,
  partFormats,
  shortPeriodLabels,
  targetBasisText,
} from './metric-format.ts';

const revenue = { format: 'money', snapshot: false, unit: 'money', direction: 'higher' } as const;
const winRate = { format: 'percent', snapshot: false, unit: 'percent', direction: 'higher' } as const;
const cycle = { format: 'days', snapshot: false, unit: 'days', direction: 'lower' } as const;

describe('paceStatus', () => {
  it('judges cumulative metrics against the elapsed part of the target', () => {
    // Half-way through the period, 5,000 of a 10,000 target is exactly on pace.
    expect(paceStatus(revenue, 5_000, 10_000, 0.5)).toEqual({ status: 'ahead', expected: 5_000 });
    expect(paceStatus(revenue, 4_600, 10_000, 0.5).status).toBe('on_track');
    expect(paceStatus(revenue, 4_000, 10_000, 0.5).status).toBe('behind');
  });

  it('judges rates against the whole target, and inverts lower-is-better metrics', () => {
    expect(paceStatus(winRate, 30, 40, 0.1)).toEqual({ status: 'behind', expected: 40 });
    expect(paceStatus(cycle, 20, 30, 0.5).status).toBe('ahead');
    expect(paceStatus(cycle, 40, 30, 0.5).status).toBe('behind');
  });

  it('has no status without a target or a value', () => {
    expect(paceStatus(revenue, 100, null, 0.5).status).toBe('no_target');
    expect(paceStatus(winRate, null, 50, 0.5).status).toBe('no_target');
  });
});

describe('formatMetric', () => {
  it('shows "—" for a missing or non-finite value, never NaN', () => {
    expect(formatMetric(null, 'percent', 'USD')).toBe('—');
    expect(formatMetric(Number.NaN, 'count', 'USD')).toBe('—');
    expect(formatMetric(Number.POSITIVE_INFINITY, 'number', 'USD')).toBe('—');
  });

  it('formats money from minor units, percents and days', () => {
    expect(formatMetric(123_456, 'money', 'USD')).toBe('$1,234.56');
    expect(formatMetric(66.666, 'percent', 'USD')).toBe('66.7 %');
    expect(formatMetric(12.25, 'days', 'USD')).toBe('12.3 d');
  });
});

describe('judge', () => {
  const quota = {
    key: 'quota_attainment',
    format: 'percent',
    snapshot: false,
    unit: 'percent',
    direction: 'higher',
  } as const;
  it('judges quota attainment against the revenue target it is computed from', () => {
    const j = judge(quota, { value: 45, target: null, numerator: 4_500, denominator: 10_000 }, 0.5);
    expect(j).toMatchObject({ status: 'on_track', target: 10_000, targetFormat: 'money', expected: 5_000 });
    expect(j.targetLabel).toBe('Revenue target');
    expect(j.progress).toBe(45);
    expect(judge(quota, { value: null, target: null, numerator: 10, denominator: null }, 0.5).status).toBe(
      'no_target',
    );
  });
  it('judges other metrics against their own target', () => {
    const j = judge(
      { key: 'revenue_won', ...revenue },
      { value: 2_000, target: 10_000, numerator: null, denominator: null },
      0.5,
    );
    expect(j).toMatchObject({ status: 'behind', target: 10_000, progress: 20, targetLabel: 'Target' });
  });
});

describe('compactMoney', () => {
  it('shortens minor units for an axis', () => {
    expect(compactMoney(1_234_500, 'USD')).toBe('$12.3K');
    expect(compactMoney(50_000, 'USD')).toBe('$500');
  });
});

describe('shortPeriodLabels', () => {
  it('leaves a year out where the period before shows the same one', () => {
    expect(shortPeriodLabels(['Oct 2026', 'Nov 2026', 'Dec 2026', 'Jan 2027', 'Feb 2027'])).toEqual([
      'Oct 2026',
      'Nov',
      'Dec',
      'Jan 2027',
      'Feb',
    ]);
    expect(shortPeriodLabels(['Q4 FY2026', 'Q1 FY2027', 'Q2 FY2027'])).toEqual([
      'Q4 FY2026',
      'Q1 FY2027',
      'Q2',
    ]);
    expect(shortPeriodLabels(['Week 52, 2026', 'Week 1, 2027', 'Week 2, 2027'])).toEqual([
      'W52 2026',
      'W1 2027',
      'W2',
    ]);
    expect(shortPeriodLabels(['FY2025', 'FY2026'])).toEqual(['FY2025', 'FY2026']);
    expect(shortPeriodLabels([])).toEqual([]);
  });
});

describe('dashboardMetrics', () => {
  const keys = ['revenue_won', 'visits'] as const;
  it('adds every targeted metric after the key KPIs, each once, in catalog order', () => {
    const catalog = ['revenue_won', 'deals_won', 'visits', 'calls', 'meetings', 'verified_visits'];
    expect(
      dashboardMetrics(keys, ['verified_visits', 'visits', 'meetings', 'calls', 'meetings'], catalog),
    ).toEqual(['revenue_won', 'visits', 'calls', 'meetings', 'verified_visits']);
  });
  it('shows only the key KPIs without targets, and keeps metrics the catalog lacks (not loaded yet)', () => {
    expect(dashboardMetrics(keys, [])).toEqual(['revenue_won', 'visits']);
    expect(dashboardMetrics(keys, ['b_custom', 'a_custom'], ['a_custom'])).toEqual([
      'revenue_won',
      'visits',
      'a_custom',
      'b_custom',
    ]);
  });
});

describe('compactMetric', () => {
  it('labels an axis in the metric’s own format', () => {
    expect(compactMetric(1_250_000, 'money', 'USD')).toBe('$12.5K');
    expect(compactMetric(1_500, 'count', 'USD')).toBe('1.5K');
    expect(compactMetric(42.25, 'percent', 'USD')).toBe('42.3 %');
    expect(compactMetric(12, 'days', 'USD')).toBe('12 d');
  });
});

describe('dealCycleText', () => {
  it('gives a won deal its days from creation, or says why it is left out', () => {
    expect(dealCycleText('2026-03-01T15:00:00Z', '2026-03-21T15:00:00Z')).toBe('20 days from creation');
    expect(dealCycleText('2026-03-01T15:00:00Z', '2026-03-02T15:00:00Z')).toBe('1 day from creation');
    expect(dealCycleText('2026-03-01T15:00:00Z', '2026-03-01T15:00:00Z')).toBe('0 days from creation');
    expect(dealCycleText('2026-03-01T15:00:00Z', '2026-03-03T03:00:00Z')).toBe('1.5 days from creation');
    expect(dealCycleText('2026-03-10T15:00:00Z', '2026-03-01T06:00:00Z')).toMatch(/unknown.*left out/);
    expect(dealCycleText(null, '2026-03-01T06:00:00Z')).toBeNull();
  });
});

describe('targetBasisText', () => {
  it('says when a target is the sum of shorter periods, and how many had one', () => {
    expect(targetBasisText(null)).toBeNull();
    expect(targetBasisText({ source: 'set', withTarget: null, of: null })).toBeNull();
    expect(targetBasisText({ source: 'months', withTarget: 3, of: 3 })).toBe('sum of monthly targets');
    expect(targetBasisText({ source: 'months', withTarget: 2, of: 3 })).toBe(
      'sum of monthly targets; 2 of 3 months set',
    );
    expect(targetBasisText({ source: 'quarters', withTarget: 4, of: 4 })).toBe('sum of quarterly targets');
    expect(
      targetBasisText({
        source: 'playbook',
        withTarget: null,
        of: null,
        playbook: { id: 'p', name: 'Field rep' },
      }),
    ).toBe('from the Field rep playbook');
    // A name that already says "playbook" is not doubled.
    expect(
      targetBasisText({
        source: 'playbook',
        withTarget: null,
        of: null,
        playbook: { id: 'p', name: 'Rep playbook' },
      }),
    ).toBe('from the Rep playbook');
    expect(targetBasisText({ source: 'playbook', withTarget: null, of: null, playbook: null })).toBe(
      'from the playbook',
    );
  });

  it('says how many of the summed months are set and how many come from the playbook', () => {
    const pb = { id: 'p', name: 'Field rep' };
    expect(targetBasisText({ source: 'months', withTarget: 3, of: 3, fromPlaybook: 2, playbook: pb })).toBe(
      'sum of monthly targets; 1 set, 2 from the Field rep playbook',
    );
    expect(targetBasisText({ source: 'months', withTarget: 3, of: 3, fromPlaybook: 3, playbook: pb })).toBe(
      'sum of monthly targets from the Field rep playbook',
    );
    expect(
      targetBasisText({ source: 'quarters', withTarget: 3, of: 4, fromPlaybook: 1, playbook: null }),
    ).toBe('sum of quarterly targets; 2 set, 1 from playbooks, 1 without');
    // Older answers without the count read as before.
    expect(targetBasisText({ source: 'months', withTarget: 2, of: 3, fromPlaybook: 0 })).toBe(
      'sum of monthly targets; 2 of 3 months set',
    );
  });

  it('shows the ramp behind a ramped target, as the manager’s grid does', () => {
    const money = (v: number) => formatMetric(v, 'money', 'USD');
    const set = { source: 'set' as const, withTarget: null, of: null, fromPlaybook: null, playbook: null };
    // A rep in month 2 of a 50 % ramp: the full target and the percent.
    expect(targetBasisText({ ...set, fullAmount: 1_000_000, rampPercent: 50, tenureMonth: 2 }, money)).toBe(
      '50 % of $10,000.00, month 2 of ramp',
    );
    // Not ramped: nothing to add to a set target.
    expect(
      targetBasisText({ ...set, fullAmount: 1_000_000, rampPercent: 100, tenureMonth: 14 }, money),
    ).toBeNull();
    // From the playbook.
    const pb = { id: 'p', name: 'Field rep' };
    expect(
      targetBasisText({
        ...set,
        source: 'playbook',
        playbook: pb,
        fullAmount: 40,
        rampPercent: 50,
        tenureMonth: 1,
      }),
    ).toBe('50 % of 40 from the Field rep playbook, month 1 of ramp');
    expect(
      targetBasisText({
        ...set,
        source: 'playbook',
        playbook: pb,
        fullAmount: 40,
        rampPercent: 100,
        tenureMonth: 9,
      }),
    ).toBe('from the Field rep playbook');
    // A sum whose months were all ramped alike, and one whose months were ramped differently.
    const months = { source: 'months' as const, withTarget: 3, of: 3, fromPlaybook: 0, playbook: null };
    expect(
      targetBasisText({ ...months, fullAmount: 3_000_000, rampPercent: 50, tenureMonth: 1 }, money),
    ).toBe('sum of monthly targets; 50 % of $30,000.00, month 1 of ramp');
    expect(
      targetBasisText(
        {
          ...months,
          fromPlaybook: 3,
          playbook: pb,
          fullAmount: 3_000_000,
          rampPercent: null,
          tenureMonth: 1,
        },
        money,
      ),
    ).toBe('sum of monthly targets from the Field rep playbook; $30,000.00 before ramp');
    expect(
      targetBasisText({ ...months, fullAmount: 3_000_000, rampPercent: 100, tenureMonth: 7 }, money),
    ).toBe('sum of monthly targets');
    // A currency with no minor digits is formatted in its own unit.
    expect(
      targetBasisText({ ...set, fullAmount: 500_000, rampPercent: 25, tenureMonth: 1 }, (v) =>
        formatMetric(v, 'money', 'JPY'),
      ),
    ).toMatch(/^25 % of ¥500,000, month 1 of ramp$/);
  });
});

describe('partFormats', () => {
  const m = (key: string, format: MetricFormat, custom = false) => ({ key, format, custom });
  it('gives built-in ratios their parts: money ÷ money, money ÷ deals, days ÷ deals, counts', () => {
    expect(partFormats(m('quota_attainment', 'percent'))).toEqual(['money', 'money']);
    expect(partFormats(m('avg_deal_size', 'money'))).toEqual(['money', 'count']);
    expect(partFormats(m('sales_cycle_days', 'days'))).toEqual(['days', 'count']);
    expect(partFormats(m('win_rate', 'percent'))).toEqual(['count', 'count']);
    expect(partFormats(m('visits_per_field_day', 'number'))).toEqual(['count', 'count']);
  });
  it('gives a custom ratio its metrics’ formats, and a custom average a sum ÷ a count', () => {
    expect(partFormats(m('quota_attainment', 'percent', true))).toEqual(['count', 'count']);
    expect(partFormats(m('rev_per_visit', 'money', true), ['money', 'count'])).toEqual(['money', 'count']);
    expect(partFormats(m('avg_order', 'money', true))).toEqual(['money', 'count']);
  });
});
