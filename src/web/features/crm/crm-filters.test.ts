import { describe, expect, it } from 'vitest';
import { countActive } from './crm-filters.tsx';

describe('countActive', () => {
  it('counts the filters that hold a value, ignoring empty text, null and undefined', () => {
    expect(countActive([undefined, null, '', 'A', { id: 'u1' }, 'false'])).toBe(3);
    expect(countActive([])).toBe(0);
  });
});
