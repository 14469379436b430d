import { describe, expect, it } from 'vitest';
import { gridPeople } from './grid-people.ts';

const row = (id: string, target: number | null = null, denominator: number | null = null) => ({
  user: { id, name: id.toUpperCase() },
  view: 'value',
  target,
  denominator,
});

describe('gridPeople', () => {
  it('lists the reps and leaves out the manager who carries no quota', () => {
    const people = gridPeople(
      [
        [row('me'), row('a'), row('b')],
        [row('me'), row('a')],
      ],
      ['visits', 'revenue_won'],
      'me',
    );
    expect([...people.keys()]).toEqual(['a', 'b']);
  });

  it('lists the manager who carries a quota of their own (or a revenue target behind attainment)', () => {
    expect(gridPeople([[row('me', 10), row('a')]], ['visits'], 'me').has('me')).toBe(true);
    expect(gridPeople([[row('me', null, 5_000), row('a')]], ['quota_attainment'], 'me').has('me')).toBe(true);
    // A denominator on another metric (a win rate's deals closed) is no quota.
    expect(gridPeople([[row('me', null, 3), row('a')]], ['win_rate'], 'me').has('me')).toBe(false);
  });

  it('never lists peers shown by rank only', () => {
    expect(gridPeople([[{ ...row('x'), view: 'rank' }, row('a')]], ['visits'], 'me').has('x')).toBe(false);
  });
});
