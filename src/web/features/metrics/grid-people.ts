/** Who the manager's team grid lists (pure; unit-tested). */

import type { Grid } from './metrics-api.ts';

/**
 * The grid lists the team's reps: everyone with a number (not a rank alone) on some metric. A
 * manager's own row is left out — they manage the numbers rather than carry them — unless they
 * carry a quota themselves (a target on any of the grid's metrics, or a revenue target behind quota
 * attainment): then they are measured like a rep and listed. Returns id → name, in the answer's order.
 */
export function gridPeople(grid: Pick<Grid, 'people' | 'metrics'>, meId: string): Map<string, string> {
  const people = new Map<string, string>();
  let carriesQuota = false;
  grid.people.forEach((person, i) => {
    for (const { metric, cells } of grid.metrics) {
      const cell = cells[i];
      if (cell?.view !== 'value') continue;
      if (person.id !== meId) {
        people.set(person.id, person.name);
        continue;
      }
      const target = metric.key === 'quota_attainment' ? (cell.denominator ?? null) : cell.target;
      if (target !== null) carriesQuota = true;
    }
  });
  if (carriesQuota) {
    const me = grid.people.find((p) => p.id === meId);
    if (me) people.set(me.id, me.name);
  }
  return people;
}
