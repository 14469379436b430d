import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { allocate, currencyDigits, formatMoney, mulDiv } from './money.ts';

describe('mulDiv', () => {
  it('rounds half to even by default', () => {
    expect(mulDiv(5, 1, 2)).toBe(2);
    expect(mulDiv(15, 1, 2)).toBe(8);
    expect(mulDiv(25, 1, 10)).toBe(2);
    expect(mulDiv(35, 1, 10)).toBe(4);
    expect(mulDiv(-5, 1, 2)).toBe(-2);
    expect(mulDiv(5, 1, 2, 'half-up')).toBe(3);
    expect(mulDiv(19, 1, 10, 'down')).toBe(1);
  });

  it('refuses a result beyond the safe integer range instead of rounding it', () => {
    expect(() => mulDiv(9_000_000_000_000_000, 2, 1)).toThrow(RangeError);
    expect(() => mulDiv(1, 1, 0)).toThrow(RangeError);
  });

  it('stays exact where floating point would not', () => {
    expect(mulDiv(9_007_199_254_740_991, 1, 1)).toBe(9_007_199_254_740_991);
    expect(mulDiv(1_000_000_000_000, 333_333, 1_000_000)).toBe(333_333_000_000);
  });

  it('never differs from the true quotient by more than half a unit', () => {
    fc.assert(
      fc.property(
        // |v| × n stays below 2^53 so the result is representable (mulDiv refuses anything larger).
        fc.integer({ min: -1e11, max: 1e11 }),
        fc.integer({ min: 0, max: 10_000 }),
        fc.integer({ min: 1, max: 10_000 }),
        (v, n, d) => {
          const r = mulDiv(v, n, d);
          // Checked in BigInt: v × n can pass 2^53, where float arithmetic would blur the bound.
          const diff = BigInt(r) * BigInt(d) - BigInt(v) * BigInt(n);
          expect((diff < 0n ? -diff : diff) * 2n <= BigInt(d)).toBe(true);
        },
      ),
    );
  });
});

describe('allocate', () => {
  it('splits without losing a cent', () => {
    expect(allocate(100, [1, 1, 1])).toEqual([34, 33, 33]);
    expect(allocate(-100, [1, 1, 1])).toEqual([-34, -33, -33]);
    expect(allocate(5, [5000, 5000])).toEqual([3, 2]);
  });

  it('always sums to the total and stays within one unit of the exact share', () => {
    fc.assert(
      fc.property(
        fc.integer({ min: -1e9, max: 1e9 }),
        fc.array(fc.integer({ min: 0, max: 10_000 }), { minLength: 1, maxLength: 10 }),
        (total, weights) => {
          fc.pre(weights.some((w) => w > 0));
          const parts = allocate(total, weights);
          expect(parts.reduce((a, b) => a + b, 0)).toBe(total);
          const sum = weights.reduce((a, b) => a + b, 0);
          parts.forEach((p, i) => {
            // |p × sum − total × w| < sum, in exact integers.
            const gap = BigInt(p) * BigInt(sum) - BigInt(total) * BigInt(weights[i]!);
            expect((gap < 0n ? -gap : gap) < BigInt(sum)).toBe(true);
          });
        },
      ),
    );
  });
});

describe('formatMoney', () => {
  it("uses the currency's minor unit", () => {
    expect(formatMoney(123456, 'USD')).toBe('$1,234.56');
    expect(formatMoney(1234, 'JPY')).toBe('¥1,234');
  });
});

describe('currencyDigits', () => {
  it("gives a currency's minor digits from ICU, and 2 for a code it does not know", () => {
    expect(currencyDigits('USD')).toBe(2);
    expect(currencyDigits('JPY')).toBe(0);
    expect(currencyDigits('BHD')).toBe(3);
    expect(currencyDigits('not a code')).toBe(2);
  });
});
