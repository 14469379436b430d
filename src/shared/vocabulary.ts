/**
 * The org's own vocabulary for custom-metric filters: helpers shared by the server's check (a
 * territory, outcome or currency no record uses is refused, naming the closest existing values) and
 * the builder's suggestions. The engine matches these values exactly (SQL `in`, case-sensitive on
 * both engines), so "north" is not "North": closeness here ignores case only to rank suggestions.
 */

/** Edit distance (insertions, deletions, substitutions), with an early exit above `limit`. */
export function editDistance(a: string, b: string, limit = Number.POSITIVE_INFINITY): number {
  if (a === b) return 0;
  if (Math.abs(a.length - b.length) > limit) return limit + 1;
  let prev = Array.from({ length: b.length + 1 }, (_, j) => j);
  for (let i = 1; i <= a.length; i++) {
    const row = [i];
    let best = i;
    for (let j = 1; j <= b.length; j++) {
      const cost = a[i - 1] === b[j - 1] ? 0 : 1;
      const v = Math.min(prev[j]! + 1, row[j - 1]! + 1, prev[j - 1]! + cost);
      row.push(v);
      if (v < best) best = v;
    }
    if (best > limit) return limit + 1;
    prev = row;
  }
  return prev[b.length]!;
}

/**
 * How far a typed value is from a candidate, ignoring case: the edit distance to the whole text, or
 * (one more) to one of its words or to its start, so "Nroth" is near "North Side" rather than
 * near a short unrelated "Downtown".
 */
function closeness(v: string, l: string): number {
  const parts = [...l.split(/[\s_\-/]+/).filter(Boolean), l.slice(0, v.length)];
  return Math.min(editDistance(v, l), ...parts.map((p) => editDistance(v, p) + 1));
}

/**
 * The `max` candidates closest to `value`, closest first: the same text in another case, then
 * those that start with or contain it (or it them), then by closeness (edit distance to the text,
 * a word of it or its start, ignoring case); ties keep the candidates' order (the most used first
 * when they come so). Never `value` itself.
 */
export function closestValues(value: string, candidates: readonly string[], max = 5): string[] {
  const v = value.toLowerCase();
  const scored = candidates
    .filter((c) => c !== value)
    .map((c, index) => {
      const l = c.toLowerCase();
      const rank =
        l === v ? 0 : l.startsWith(v) || v.startsWith(l) ? 1 : l.includes(v) || v.includes(l) ? 2 : 3;
      return { c, index, rank, distance: closeness(v, l) };
    });
  scored.sort((x, y) => x.rank - y.rank || x.distance - y.distance || x.index - y.index);
  return [...new Set(scored.map((s) => s.c))].slice(0, max);
}

/**
 * Why an open-vocabulary value is refused, e.g. `no account has the territory "Nroth"; closest
 * existing: North, North Side`. `existing` are the values records use (closest first, at most a
 * few); `more` says whether there are others beyond them.
 */
export function unusedValueMessage(
  value: string,
  o: { records: string; noun: string; existing: readonly string[]; more: boolean },
): string {
  const head = `no ${o.records} has the ${o.noun} "${value}"`;
  if (o.existing.length === 0) return `${head} (no ${o.records} has any ${o.noun} yet)`;
  return `${head}; closest existing: ${o.existing.join(', ')}${o.more ? ', …' : ''}`;
}
