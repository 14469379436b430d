import { describe, expect, it } from 'vitest';
import { gridPeople } from './grid-people.ts';
import type { Grid, GridCell, Metric } from './metrics-api.ts';

const metric = (key: string) => ({ key }) as Metric;
const cell = (target: number | null = null, denominator?: number): GridCell => ({
  view: 'value',
  rank: 1,
  value: 1,
  target,
  ...(denominator !== undefined ? { numerator: 0, denominator } : {}),
});
/** A grid of `ids` (named by their upper case) with, per metric key, one cell per person. */
const grid = (
  ids: string[],
  metrics: Record<string, (GridCell | null)[]>,
): Pick<Grid, 'people' | 'metrics'> => ({
  people: ids.map((id) => ({ id, name: id.toUpperCase() })),
  metrics: Object.entries(metrics).map(([key, cells]) => ({
    metric: metric(key),
    visibility: 'values',
    cells,
  })),
});

describe('gridPeople', () => {
  it('lists the reps and leaves out the manager who carries no quota', () => {
    const people = gridPeople(
      grid(['a', 'b', 'me'], { visits: [cell(), cell(), cell()], revenue_won: [cell(), null, cell()] }),
      'me',
    );
    expect([...people]).toEqual([
      ['a', 'A'],
      ['b', 'B'],
    ]);
  });

  it('lists the manager who carries a quota of their own (or a revenue target behind attainment)', () => {
    expect(gridPeople(grid(['a', 'me'], { visits: [cell(), cell(10)] }), 'me').has('me')).toBe(true);
    expect(
      gridPeople(grid(['a', 'me'], { quota_attainment: [cell(), cell(null, 5_000)] }), 'me').has('me'),
    ).toBe(true);
    // A denominator on another metric (a win rate's deals closed) is no quota.
    expect(gridPeople(grid(['a', 'me'], { win_rate: [cell(), cell(null, 3)] }), 'me').has('me')).toBe(false);
  });

  it('never lists peers shown by rank only or not shown at all', () => {
    const people = gridPeople(
      grid(['a', 'x', 'y'], {
        visits: [cell(), { view: 'rank', rank: 2 }, null],
        deals_won: [cell(), null, null],
      }),
      'me',
    );
    expect([...people.keys()]).toEqual(['a']);
  });
});
