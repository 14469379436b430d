import { describe, expect, it } from 'vitest';
import { formatMetric } from '../metrics/metric-format.ts';
import {
  amountText,
  changedCells,
  csvProblems,
  metricCurrency,
  parseAmount,
  parseRamp,
  teamDefaultText,
  teamSourceText,
  userCellNote,
} from './target-grid-model.ts';

describe('amounts', () => {
  it('reads money in major units into minor units and back', () => {
    expect(parseAmount('1,250.5', 'money', 'USD')).toEqual({ ok: true, value: 125_050 });
    expect(parseAmount('1250.555', 'money', 'USD')).toEqual({ ok: false, reason: 'At most 2 decimals' });
    expect(parseAmount('1000', 'money', 'JPY')).toEqual({ ok: true, value: 1000 });
    expect(amountText(125_050, 'money', 'USD')).toBe('1250.5');
    expect(amountText(100_000, 'money', 'USD')).toBe('1000');
  });

  it('takes whole numbers for counts, and blank as "remove"', () => {
    expect(parseAmount('40', 'count', 'USD')).toEqual({ ok: true, value: 40 });
    expect(parseAmount('4.5', 'count', 'USD').ok).toBe(false);
    expect(parseAmount('-3', 'count', 'USD').ok).toBe(false);
    expect(parseAmount(' ', 'count', 'USD')).toEqual({ ok: true, value: null });
    expect(parseAmount('4.5', 'count', 'USD')).toEqual({
      ok: false,
      reason: 'Must be a whole number for a count',
    });
  });

  it('takes up to 2 decimals for percents, days and plain numbers', () => {
    expect(parseAmount('27.5', 'percent', 'USD')).toEqual({ ok: true, value: 27.5 });
    expect(parseAmount('27.5 %', 'percent', 'USD')).toEqual({ ok: true, value: 27.5 });
    expect(parseAmount('2.25', 'number', 'USD')).toEqual({ ok: true, value: 2.25 });
    expect(parseAmount('12.5', 'days', 'USD')).toEqual({ ok: true, value: 12.5 });
    expect(parseAmount('27.555', 'percent', 'USD')).toEqual({
      ok: false,
      reason: 'Must have at most 2 decimals',
    });
    expect(parseAmount('-1', 'percent', 'USD')).toEqual({ ok: false, reason: 'Must not be negative' });
    expect(amountText(27.5, 'percent', 'USD')).toBe('27.5');
  });
});

describe('changedCells', () => {
  it('sends only what changed, with null to remove', () => {
    const cells = [
      { subjectType: 'user' as const, subjectId: 'a', metric: 'visits', amount: 40, before: 40 },
      { subjectType: 'user' as const, subjectId: 'b', metric: 'visits', amount: 30, before: null },
      { subjectType: 'team' as const, subjectId: 't', metric: 'visits', amount: null, before: 100 },
    ];
    expect(changedCells(cells)).toEqual([
      { subjectType: 'user', subjectId: 'b', metric: 'visits', amount: 30 },
      { subjectType: 'team', subjectId: 't', metric: 'visits', amount: null },
    ]);
  });
});

describe('csvProblems / parseRamp', () => {
  it('reads row problems from error details and ignores anything else', () => {
    expect(csvProblems({ rows: [{ row: 3, column: 'amount', reason: 'is required' }, { nope: 1 }] })).toEqual(
      [{ row: 3, column: 'amount', reason: 'is required' }],
    );
    expect(csvProblems(null)).toEqual([]);
  });

  it('reads a ramp list', () => {
    expect(parseRamp('25, 50 75%')).toEqual({ ok: true, value: [25, 50, 75] });
    expect(parseRamp('25, 150')).toEqual({ ok: false, reason: '"150" is not a percent from 0 to 100' });
    expect(parseRamp('')).toEqual({ ok: true, value: [] });
  });
});

describe('team defaults', () => {
  const show = (v: number | null) => (v === null ? '—' : `${v} %`);
  it('shows the sum beneath for money and counts, and no sum for a rate', () => {
    expect(teamDefaultText({ sum: 90 }, true, show)).toBe('Sum beneath 90 %');
    expect(teamDefaultText({ sum: null }, false, show)).toBe(
      'A rate does not add up: blank means no team target',
    );
    expect(teamDefaultText({ sum: 90 }, false, show)).not.toMatch(/90/);
    expect(teamDefaultText({ sum: 50, source: 'months', effective: 60 }, true, show)).toBe(
      'Blank: sum of the team’s monthly targets 60 % · sum beneath 50 %',
    );
  });

  it('names how a sub-team target was obtained', () => {
    expect(teamSourceText('direct')).toBe('set on the team');
    expect(teamSourceText('sum')).toBe('sum of its people');
    expect(teamSourceText('none')).toBe('no target');
    expect(teamSourceText('months')).toBe('sum of the team’s monthly targets');
  });
});

describe('userCellNote', () => {
  const show = (v: number | null) => String(v);
  it('shows the ramped amount, or the sum a blank quarter or year cell stands for', () => {
    expect(userCellNote({ amount: 100, effective: 50, source: 'set' }, show)).toBe('After ramp 50');
    expect(userCellNote({ amount: 100, effective: 100, source: 'set' }, show)).toBeNull();
    expect(userCellNote({ amount: null, effective: 300, source: 'months' }, show)).toBe(
      'Sum of monthly targets 300',
    );
    expect(userCellNote({ amount: null, effective: 900, source: 'quarters' }, show)).toBe(
      'Sum of quarterly targets 900',
    );
    expect(userCellNote({ amount: null, effective: null, source: null }, show)).toBeNull();
    expect(
      userCellNote(
        { amount: null, effective: 20, source: 'playbook', playbook: { id: 'p', name: 'Field rep' } },
        show,
      ),
    ).toBe('Blank: 20 from the Field rep playbook');
    expect(
      userCellNote(
        {
          amount: null,
          effective: 300,
          source: 'months',
          playbook: { id: 'p', name: 'Field rep' },
          parts: { withTarget: 3, of: 3, fromPlaybook: 2 },
        },
        show,
      ),
    ).toBe('Blank: 300, sum of monthly targets; 1 set, 2 from the Field rep playbook');
  });
});

describe('a metric in another currency than the org’s', () => {
  const grid = {
    currency: 'USD',
    metrics: [
      { key: 'jpy_revenue', currency: 'JPY' },
      { key: 'eur_revenue', currency: 'EUR' },
      { key: 'revenue_won', currency: 'USD' },
      { key: 'old_answer' },
    ],
  };

  it('types and shows each metric’s money in its own currency, never 100× off', () => {
    expect(metricCurrency(grid, 'jpy_revenue')).toBe('JPY');
    expect(metricCurrency(grid, 'eur_revenue')).toBe('EUR');
    // An answer without the metric's currency, or an unknown metric: the grid's.
    expect(metricCurrency(grid, 'old_answer')).toBe('USD');
    expect(metricCurrency(grid, 'nope')).toBe('USD');
    const yen = metricCurrency(grid, 'jpy_revenue');
    expect(parseAmount('500,000', 'money', yen)).toEqual({ ok: true, value: 500_000 });
    expect(parseAmount('500000.5', 'money', yen)).toEqual({ ok: false, reason: 'At most 0 decimals' });
    expect(amountText(500_000, 'money', yen)).toBe('500000');
    expect(formatMetric(500_000, 'money', yen)).toBe('¥500,000');
    const euro = metricCurrency(grid, 'eur_revenue');
    expect(parseAmount('1250.50', 'money', euro)).toEqual({ ok: true, value: 125_050 });
    expect(formatMetric(125_050, 'money', euro)).toBe('€1,250.50');
  });
});
