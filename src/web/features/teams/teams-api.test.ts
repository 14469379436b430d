import { describe, expect, it } from 'vitest';
import type { Team } from '../../lib/types.ts';
import { buildTeamTree, flattenTree, subtreeIds, teamOptions } from './teams-api.ts';

function team(id: string, name: string, parentTeamId: string | null = null): Team {
  return { id, name, parentTeamId, managers: [], members: [] };
}

const teams = [
  team('w', 'West', 'sales'),
  team('sales', 'Sales'),
  team('e', 'East', 'sales'),
  team('ops', 'Ops'),
  team('w1', 'West One', 'w'),
];

describe('buildTeamTree', () => {
  it('nests teams under their parents with siblings sorted by name', () => {
    const tree = buildTeamTree(teams);
    expect(tree.map((node) => node.team.name)).toEqual(['Ops', 'Sales']);
    const sales = tree[1];
    expect(sales?.children.map((node) => node.team.name)).toEqual(['East', 'West']);
    expect(sales?.children[1]?.children.map((node) => [node.team.name, node.depth])).toEqual([
      ['West One', 2],
    ]);
  });

  it('shows a team whose parent is missing as a top-level team instead of dropping it', () => {
    const tree = buildTeamTree([team('orphan', 'Orphan', 'gone')]);
    expect(tree.map((node) => node.team.id)).toEqual(['orphan']);
  });

  it('still lists every team when parents form a cycle', () => {
    const tree = buildTeamTree([team('a', 'A', 'b'), team('b', 'B', 'a')]);
    expect(
      flattenTree(tree)
        .map((node) => node.team.id)
        .sort(),
    ).toEqual(['a', 'b']);
  });
});

describe('subtreeIds', () => {
  it('holds a team and every team below it, so none of them can become its parent', () => {
    expect([...subtreeIds(teams, 'sales')].sort()).toEqual(['e', 'sales', 'w', 'w1']);
    expect([...subtreeIds(teams, 'ops')]).toEqual(['ops']);
  });
});

describe('teamOptions', () => {
  it('labels each team with its path and leaves out excluded teams', () => {
    expect(teamOptions(teams, new Set(['ops']))).toEqual([
      { value: 'sales', label: 'Sales' },
      { value: 'e', label: 'Sales › East' },
      { value: 'w', label: 'Sales › West' },
      { value: 'w1', label: 'Sales › West › West One' },
    ]);
  });
});
