import { describe, expect, it } from 'vitest';
import { closestValues, editDistance, unusedValueMessage } from './vocabulary.ts';

describe('editDistance', () => {
  it('counts insertions, deletions and substitutions', () => {
    expect(editDistance('north', 'north')).toBe(0);
    expect(editDistance('nroth', 'north')).toBe(2);
    expect(editDistance('', 'abc')).toBe(3);
    expect(editDistance('kitten', 'sitting')).toBe(3);
  });

  it('stops early once the distance is above the limit', () => {
    expect(editDistance('aaaaaaaa', 'bbbbbbbb', 2)).toBe(3);
    expect(editDistance('a', 'abcdef', 2)).toBe(3);
  });
});

describe('closestValues', () => {
  const territories = ['South', 'Lakefront', 'North Side', 'North', 'West Suburbs'];

  it('puts a typo’s intended value first', () => {
    expect(closestValues('Nroth', territories, 2)).toEqual(['North', 'South']);
    expect(closestValues('Lakefrnt', territories, 1)).toEqual(['Lakefront']);
  });

  it('ranks values by their words too, so a typo is nearer a longer name than a short unrelated one', () => {
    const demo = ['Downtown', 'North Side', 'South Side', 'West Suburbs', 'North Shore', 'Lakefront'];
    expect(closestValues('Nroth', demo, 3)).toEqual(['North Side', 'North Shore', 'South Side']);
    expect(closestValues('Lakefrnt', demo, 1)).toEqual(['Lakefront']);
    expect(closestValues('Shore', demo, 1)).toEqual(['North Shore']);
  });

  it('ranks the same text in another case first, then values that start with it', () => {
    expect(closestValues('north', territories, 3)).toEqual(['North', 'North Side', 'South']);
  });

  it('never suggests the value itself, and keeps the candidates’ order on ties', () => {
    expect(closestValues('North', ['North', 'Nort', 'Norths'], 5)).toEqual(['Nort', 'Norths']);
    expect(closestValues('x', [], 5)).toEqual([]);
  });
});

describe('unusedValueMessage', () => {
  it('says no record uses the value and lists the closest existing ones', () => {
    expect(
      unusedValueMessage('Nroth', {
        records: 'account',
        noun: 'territory',
        existing: ['North', 'South'],
        more: true,
      }),
    ).toBe('no account has the territory "Nroth"; closest existing: North, South, …');
    expect(
      unusedValueMessage('order', { records: 'activity', noun: 'outcome', existing: [], more: false }),
    ).toBe('no activity has the outcome "order" (no activity has any outcome yet)');
  });
});
