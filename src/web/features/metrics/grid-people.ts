/** Who the manager's team grid lists (pure; unit-tested). */

/**
 * The grid lists the team's reps. A manager's own row is left out — they manage the numbers rather
 * than carry them — unless they carry a quota themselves (a target on any of the grid's metrics, or
 * a revenue target behind quota attainment): then they are measured like a rep and listed.
 */
export function gridPeople(
  rows: {
    user: { id: string; name: string };
    view: string;
    target: number | null;
    denominator: number | null;
  }[][],
  metricKeys: string[],
  meId: string,
): Map<string, string> {
  const people = new Map<string, string>();
  let carriesQuota = false;
  rows.forEach((list, i) => {
    for (const r of list) {
      if (r.view !== 'value') continue;
      if (r.user.id === meId) {
        const t = metricKeys[i] === 'quota_attainment' ? r.denominator : r.target;
        if (t !== null) carriesQuota = true;
        continue;
      }
      people.set(r.user.id, r.user.name);
    }
  });
  if (carriesQuota)
    for (const list of rows) {
      const mine = list.find((r) => r.user.id === meId);
      if (mine) people.set(mine.user.id, mine.user.name);
    }
  return people;
}
