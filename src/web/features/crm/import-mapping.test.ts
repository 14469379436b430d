import { describe, expect, it } from 'vitest';
import { importProgress, suggestMapping } from './import-mapping.ts';

describe('suggestMapping', () => {
  it('maps headers that name a field, ignoring case, spaces and punctuation', () => {
    expect(
      suggestMapping(['Name', 'Postal code', 'Favourite colour'], ['name', 'postalCode', 'city']),
    ).toEqual({
      Name: 'name',
      'Postal code': 'postalCode',
      'Favourite colour': null,
    });
  });

  it('maps a field once, leaving a second header for it unmapped', () => {
    expect(suggestMapping(['name', 'NAME'], ['name'])).toEqual({ name: 'name', NAME: null });
  });
});

describe('importProgress', () => {
  it('is the floored share of processed rows, and 100 when done', () => {
    expect(importProgress({ state: 'running', processedRows: 1, totalRows: 3 })).toBe(33);
    expect(importProgress({ state: 'queued', processedRows: 0, totalRows: 0 })).toBe(0);
    expect(importProgress({ state: 'done', processedRows: 2, totalRows: 3 })).toBe(100);
  });
});
