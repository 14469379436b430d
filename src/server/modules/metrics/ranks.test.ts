import { describe, expect, it } from 'vitest';
import { ranksOf } from './metrics.service.ts';

const values = (entries: [string, number | null][]) => new Map(entries.map(([u, value]) => [u, { value }]));

describe('ranksOf', () => {
  const v = values([
    ['a', 5],
    ['b', 9],
    ['c', 5],
    ['d', null],
    ['e', 1],
    ['f', 9],
  ]);
  const people = ['a', 'b', 'c', 'd', 'e', 'f', 'g'];

  it('gives competition ranks (1, 1, 3, 3, 5) by the direction, none without a value', () => {
    expect(Object.fromEntries(ranksOf(people, v, 'higher'))).toEqual({ b: 1, f: 1, a: 3, c: 3, e: 5 });
    expect(Object.fromEntries(ranksOf(people, v, 'lower'))).toEqual({ e: 1, a: 2, c: 2, b: 4, f: 4 });
  });

  it('ranks only the people asked about', () => {
    expect(Object.fromEntries(ranksOf(['c', 'e'], v, 'higher'))).toEqual({ c: 1, e: 2 });
    expect(ranksOf([], v, 'higher').size).toBe(0);
  });
});
