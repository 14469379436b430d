import { describe, expect, it } from 'vitest';
import { summaryPreview } from './audit.tsx';

describe('summaryPreview', () => {
  it('reads before/after pairs as a change and other values as they are', () => {
    expect(summaryPreview({ name: ['Acme', 'Acme Corp'], active: true, teamId: null })).toBe(
      'name: Acme → Acme Corp, active: true, teamId: —',
    );
  });

  it('shortens long summaries and shows a dash for an empty one', () => {
    expect(summaryPreview({ note: 'x'.repeat(200) })).toHaveLength(90);
    expect(summaryPreview({})).toBe('—');
  });
});
