import { describe, expect, it } from 'vitest';
import { parseTargetNumber, targetAmountProblem, targetDecimals } from './target-amounts.ts';

describe('target amount precision', () => {
  it('keeps money and counts whole, allows 2 decimals for percents, days and numbers', () => {
    expect(targetDecimals('money')).toBe(0);
    expect(targetDecimals('count')).toBe(0);
    expect(targetDecimals('percent')).toBe(2);
    expect(targetDecimals('days')).toBe(2);
    expect(targetDecimals('number')).toBe(2);
  });

  it('names what is wrong with an amount of a format', () => {
    expect(targetAmountProblem(27.5, 'percent')).toBeNull();
    expect(targetAmountProblem(27.55, 'percent')).toBeNull();
    expect(targetAmountProblem(0.1 + 0.2, 'percent')).toMatch(/at most 2 decimals/);
    expect(targetAmountProblem(27.555, 'percent')).toMatch(/at most 2 decimals/);
    expect(targetAmountProblem(2.5, 'number')).toBeNull();
    expect(targetAmountProblem(2.5, 'count')).toMatch(/whole number/);
    expect(targetAmountProblem(1250.5, 'money')).toMatch(/minor units/);
    expect(targetAmountProblem(125_050, 'money')).toBeNull();
    expect(targetAmountProblem(1e15 + 0.5, 'percent')).not.toBeNull();
    expect(targetAmountProblem(1e-9, 'percent')).not.toBeNull();
  });

  it("names a money metric's currency and its minor unit, with the amount as it would read", () => {
    expect(targetAmountProblem(1250.5, 'money', 'USD')).toBe(
      'must be a whole number of minor units of USD (1/100 USD: 125050 is USD 1,250.50)',
    );
    expect(targetAmountProblem(500000.5, 'money', 'JPY')).toBe(
      'must be a whole number of JPY (JPY has no minor unit)',
    );
    expect(targetAmountProblem(12.5, 'money', 'BHD')).toBe(
      'must be a whole number of minor units of BHD (1/1000 BHD: 12500 is BHD 12.500)',
    );
    expect(targetAmountProblem(125_050, 'money', 'USD')).toBeNull();
  });

  it('reads typed amounts exactly', () => {
    expect(parseTargetNumber('27.5', 'percent')).toEqual({ ok: true, value: 27.5 });
    expect(parseTargetNumber(' 27.50 % ', 'percent')).toEqual({ ok: true, value: 27.5 });
    expect(parseTargetNumber('2.25', 'number')).toEqual({ ok: true, value: 2.25 });
    expect(parseTargetNumber('1,200', 'count')).toEqual({ ok: true, value: 1200 });
    expect(parseTargetNumber('40.0', 'count')).toEqual({ ok: true, value: 40 });
    expect(parseTargetNumber('2.5', 'count')).toEqual({
      ok: false,
      reason: 'must be a whole number for a count',
    });
    expect(parseTargetNumber('27.555', 'percent')).toEqual({
      ok: false,
      reason: 'must have at most 2 decimals',
    });
    expect(parseTargetNumber('-3', 'days')).toEqual({ ok: false, reason: 'must not be negative' });
    expect(parseTargetNumber('abc', 'percent').ok).toBe(false);
    expect(parseTargetNumber('1e3', 'percent').ok).toBe(false);
  });
});
