import { queryOptions } from '@tanstack/react-query';
import { apiGet } from '../../lib/api.ts';
import type { Option } from '../../lib/locale.ts';
import type { Team } from '../../lib/types.ts';

export const TEAMS_KEY = ['teams'] as const;

export const teamsQuery = queryOptions({
  queryKey: TEAMS_KEY,
  queryFn: () => apiGet<{ items: Team[] }>('/api/teams'),
  select: (data) => data.items,
});

export interface TeamNode {
  team: Team;
  depth: number;
  children: TeamNode[];
}

/**
 * Arranges teams into a forest by `parentTeamId`, siblings sorted by name. A team whose parent is
 * missing (or that sits in a cycle) is shown as a root rather than dropped.
 */
export function buildTeamTree(teams: readonly Team[]): TeamNode[] {
  const byId = new Map(teams.map((team) => [team.id, team]));
  const childrenOf = new Map<string | null, Team[]>();
  for (const team of teams) {
    const parent = team.parentTeamId && byId.has(team.parentTeamId) ? team.parentTeamId : null;
    const list = childrenOf.get(parent) ?? [];
    list.push(team);
    childrenOf.set(parent, list);
  }
  const seen = new Set<string>();
  function build(parent: string | null, depth: number): TeamNode[] {
    const list = [...(childrenOf.get(parent) ?? [])].sort((a, b) => a.name.localeCompare(b.name));
    const nodes: TeamNode[] = [];
    for (const team of list) {
      if (seen.has(team.id)) continue;
      seen.add(team.id);
      nodes.push({ team, depth, children: build(team.id, depth + 1) });
    }
    return nodes;
  }
  const roots = build(null, 0);
  // Teams caught in a parent cycle never hang below a root; surface them at the top level.
  for (const team of teams) {
    if (!seen.has(team.id)) {
      seen.add(team.id);
      roots.push({ team, depth: 0, children: build(team.id, 1) });
    }
  }
  return roots;
}

export function flattenTree(nodes: readonly TeamNode[]): TeamNode[] {
  return nodes.flatMap((node) => [node, ...flattenTree(node.children)]);
}

/** The ids of a team and everything below it (a team cannot be moved under any of these). */
export function subtreeIds(teams: readonly Team[], rootId: string): Set<string> {
  const ids = new Set<string>([rootId]);
  let grew = true;
  while (grew) {
    grew = false;
    for (const team of teams) {
      if (team.parentTeamId && ids.has(team.parentTeamId) && !ids.has(team.id)) {
        ids.add(team.id);
        grew = true;
      }
    }
  }
  return ids;
}

/** Select options for teams in tree order, labelled with their path ("Sales › West"). */
export function teamOptions(teams: readonly Team[], exclude: ReadonlySet<string> = new Set()): Option[] {
  const byId = new Map(teams.map((team) => [team.id, team]));
  function pathOf(team: Team): string {
    const names = [team.name];
    const visited = new Set([team.id]);
    let parent = team.parentTeamId ? byId.get(team.parentTeamId) : undefined;
    while (parent && !visited.has(parent.id)) {
      names.unshift(parent.name);
      visited.add(parent.id);
      parent = parent.parentTeamId ? byId.get(parent.parentTeamId) : undefined;
    }
    return names.join(' › ');
  }
  return flattenTree(buildTeamTree(teams))
    .filter((node) => !exclude.has(node.team.id))
    .map((node) => ({ value: node.team.id, label: pathOf(node.team) }));
}
