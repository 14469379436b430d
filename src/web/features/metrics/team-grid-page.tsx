import { Anchor, Badge, Group, Stack, Table, Text, UnstyledButton } from '@mantine/core';
import { IconArrowDown, IconArrowUp, IconSelector } from '@tabler/icons-react';
import { useQuery } from '@tanstack/react-query';
import { useState } from 'react';
import { Link, useSearchParams } from 'react-router';
import { PageHeader } from '../../components/page-header.tsx';
import { useSession } from '../../lib/session-context.ts';
import { teamsQuery } from '../teams/teams-api.ts';
import { gridPeople } from './grid-people.ts';
import { HowComputedDrawer, type NumberRef } from './how-computed.tsx';
import { PeriodPicker, QueryStates } from './metric-bits.tsx';
import {
  formatMetric,
  judge,
  KEY_METRICS,
  type PaceStatus,
  STATUS_COLOR,
  STATUS_LABEL,
  STATUS_TINT,
  targetBasisText,
} from './metric-format.ts';
import { gridQuery, type PeriodChoice } from './metrics-api.ts';

interface Cell {
  value: number | null;
  target: number | null;
  targetText: string | null;
  status: PaceStatus;
  text: string;
}

/** KPIs → Team grid: each rep × the team's key KPIs, coloured against pace, sortable, every cell drills down. */
export function TeamGridPage() {
  const [choice, setChoice] = useState<PeriodChoice>({ kind: 'month' });
  const [sort, setSort] = useState<{ key: string; desc: boolean }>({ key: 'name', desc: false });
  const [drill, setDrill] = useState<NumberRef | null>(null);
  const me = useSession();
  const [params] = useSearchParams();
  const team = params.get('team') ?? undefined;
  const teams = useQuery({ ...teamsQuery, enabled: Boolean(team) });
  // One request for every KPI of the grid (the server shares the org, scope and names between them).
  const combined = useQuery(gridQuery(KEY_METRICS, choice, 'reach', team));
  const grid = combined.data;

  return (
    <Stack maw={1400}>
      <PageHeader
        title="Team grid"
        description={
          grid
            ? `${grid.period.label} · ${Math.round(grid.period.elapsed * 100)} % elapsed · colours compare each number with the target's pace so far`
            : 'Each rep against the team’s key KPIs'
        }
      />
      {team ? (
        <Group gap="xs" data-testid="grid-team-filter">
          <Text size="sm">
            Showing {teams.data?.find((t) => t.id === team)?.name ?? 'one team'} and the teams beneath it.
          </Text>
          <Anchor component={Link} to="/kpis/team" size="sm">
            Show everyone I manage
          </Anchor>
        </Group>
      ) : null}
      <PeriodPicker value={choice} onChange={setChoice} previous={grid?.previousPeriod} />
      <QueryStates query={combined} label="the team grid">
        {() => {
          if (!grid) return null;
          const { currency, period, metrics: loaded } = grid;
          const people = gridPeople(grid, me.user.id);
          if (people.size === 0)
            return (
              <Text c="dimmed" data-testid="grid-empty">
                Nobody reports to you yet.
              </Text>
            );
          const cells = new Map<string, Map<string, Cell>>();
          for (const d of loaded) {
            // A custom metric over deals of one currency is in that currency.
            const money = d.metric.currency ?? currency;
            d.cells.forEach((r, i) => {
              if (r?.view !== 'value') return;
              const id = grid.people[i]?.id;
              if (id === undefined) return;
              const pace = judge(
                d.metric,
                { ...r, numerator: r.numerator ?? null, denominator: r.denominator ?? null },
                period.elapsed,
              );
              const row = cells.get(id) ?? new Map<string, Cell>();
              row.set(d.metric.key, {
                value: r.value,
                target: pace.target,
                targetText:
                  pace.target === null
                    ? null
                    : `${pace.targetFormat === d.metric.format ? 'of' : 'of revenue target'} ${formatMetric(pace.target, pace.targetFormat, money)}${
                        pace.targetFormat === d.metric.format && targetBasisText(r.targetBasis ?? null)
                          ? ` (${targetBasisText(r.targetBasis ?? null)})`
                          : ''
                      }`,
                status: pace.status,
                text: formatMetric(r.value, d.metric.format, money),
              });
              cells.set(id, row);
            });
          }
          const rows = [...people].sort(([a, an], [b, bn]) => {
            let cmp: number;
            if (sort.key === 'name') cmp = an.localeCompare(bn);
            else {
              const va = cells.get(a)?.get(sort.key)?.value ?? Number.NEGATIVE_INFINITY;
              const vb = cells.get(b)?.get(sort.key)?.value ?? Number.NEGATIVE_INFINITY;
              cmp = va - vb || an.localeCompare(bn);
            }
            return sort.desc ? -cmp : cmp;
          });
          const header = (key: string, label: string) => {
            const active = sort.key === key;
            const Icon = active ? (sort.desc ? IconArrowDown : IconArrowUp) : IconSelector;
            return (
              <Table.Th key={key} aria-sort={active ? (sort.desc ? 'descending' : 'ascending') : 'none'}>
                <UnstyledButton
                  onClick={() => setSort({ key, desc: active ? !sort.desc : key !== 'name' })}
                  data-testid={`sort-${key}`}
                >
                  <Group gap={4} wrap="nowrap">
                    <Text fw={700} size="sm">
                      {label}
                    </Text>
                    <Icon size={14} aria-hidden />
                  </Group>
                </UnstyledButton>
              </Table.Th>
            );
          };
          return (
            <>
              <Group gap="xs">
                {(['ahead', 'on_track', 'behind', 'no_target'] as const).map((s) => (
                  <Badge key={s} color={STATUS_COLOR[s]} variant="filled" autoContrast>
                    {STATUS_LABEL[s]}
                  </Badge>
                ))}
              </Group>
              <Table.ScrollContainer minWidth={900} tabIndex={0} aria-label="Team grid">
                <Table withTableBorder data-testid="team-grid">
                  <Table.Thead>
                    <Table.Tr>
                      {header('name', 'Rep')}
                      {loaded.map((d) => header(d.metric.key, d.metric.name))}
                    </Table.Tr>
                  </Table.Thead>
                  <Table.Tbody>
                    {rows.map(([id, name]) => (
                      <Table.Tr key={id} data-testid="grid-row">
                        <Table.Td>{name}</Table.Td>
                        {loaded.map((d) => {
                          const c = cells.get(id)?.get(d.metric.key);
                          if (!c) return <Table.Td key={d.metric.key}>—</Table.Td>;
                          return (
                            <Table.Td key={d.metric.key} bg={STATUS_TINT[c.status]}>
                              <UnstyledButton
                                onClick={() =>
                                  setDrill({ metric: d.metric.key, period: period.key, user: id })
                                }
                                aria-label={`${name}, ${d.metric.name}: ${c.text} (${STATUS_LABEL[c.status]}). How was this computed?`}
                                data-testid={`cell-${d.metric.key}`}
                                style={{ textDecoration: 'underline dotted', textUnderlineOffset: 3 }}
                              >
                                <Text size="sm" fw={600}>
                                  {c.text}
                                </Text>
                              </UnstyledButton>
                              {c.targetText !== null ? <Text size="xs">{c.targetText}</Text> : null}
                            </Table.Td>
                          );
                        })}
                      </Table.Tr>
                    ))}
                  </Table.Tbody>
                </Table>
              </Table.ScrollContainer>
            </>
          );
        }}
      </QueryStates>
      <HowComputedDrawer target={drill} onClose={() => setDrill(null)} />
    </Stack>
  );
}
