import { Badge, Group, SegmentedControl, Select, Stack, Table, Text } from '@mantine/core';
import { useQuery } from '@tanstack/react-query';
import { useState } from 'react';
import { PageHeader } from '../../components/page-header.tsx';
import { HowComputedDrawer, type NumberRef } from './how-computed.tsx';
import { DrillNumber, Movement, PeriodPicker, QueryStates } from './metric-bits.tsx';
import { formatMetric } from './metric-format.ts';
import { catalogQuery, leaderboardQuery, type PeriodChoice } from './metrics-api.ts';

/**
 * KPIs → Leaderboard: any metric, period and scope; peers shown by rank only carry no numbers. Every
 * value whose records the viewer may read (the row's `records`: their own, their reports', anyone's
 * for an admin) opens "How was this computed?"; a peer's value the org merely shares does not.
 */
export function LeaderboardPage() {
  const [metric, setMetric] = useState('revenue_won');
  const [scope, setScope] = useState<'team' | 'org'>('team');
  const [choice, setChoice] = useState<PeriodChoice>({ kind: 'month' });
  const [drill, setDrill] = useState<NumberRef | null>(null);
  const catalog = useQuery(catalogQuery);
  const query = useQuery(leaderboardQuery(metric, choice, scope));
  return (
    <Stack maw={1000}>
      <PageHeader
        title="Leaderboard"
        description={query.data ? `${query.data.metric.name} · ${query.data.period.label}` : undefined}
      />
      <Group gap="sm" align="flex-end" wrap="wrap">
        <Select
          label="Metric"
          w={260}
          searchable
          data={(catalog.data?.items ?? [{ key: 'revenue_won', name: 'Revenue won' }]).map((m) => ({
            value: m.key,
            label: m.name,
          }))}
          value={metric}
          onChange={(v) => v && setMetric(v)}
          allowDeselect={false}
        />
        <SegmentedControl
          aria-label="Scope"
          data={[
            { value: 'team', label: 'My team' },
            { value: 'org', label: 'Organization' },
          ]}
          value={scope}
          onChange={(v) => setScope(v as 'team' | 'org')}
        />
      </Group>
      <PeriodPicker value={choice} onChange={setChoice} previous={query.data?.previousPeriod} />
      <QueryStates query={query} label="the leaderboard">
        {() => {
          const d = query.data!;
          return (
            <Stack gap="sm">
              <Text size="sm" c="dimmed" data-testid="metric-definition">
                {d.metric.definition}
                {d.visibility === 'ranks' ? ' Peers are shown by rank only in this organization.' : ''}
              </Text>
              {d.rows.length === 0 ? (
                <Text c="dimmed" data-testid="leaderboard-empty">
                  Nobody to rank for this period.
                </Text>
              ) : (
                <Table.ScrollContainer minWidth={520} tabIndex={0} aria-label="Leaderboard">
                  <Table striped data-testid="leaderboard">
                    <Table.Thead>
                      <Table.Tr>
                        <Table.Th>Rank</Table.Th>
                        <Table.Th>Person</Table.Th>
                        <Table.Th>{d.metric.name}</Table.Th>
                        <Table.Th>Since {d.previousPeriod.label}</Table.Th>
                      </Table.Tr>
                    </Table.Thead>
                    <Table.Tbody>
                      {d.rows.map((r) => {
                        const text = formatMetric(r.value, d.metric.format, d.currency);
                        return (
                          <Table.Tr
                            key={r.user.id}
                            data-testid="leaderboard-row"
                            data-me={r.me ? 'true' : undefined}
                            fw={r.me ? 700 : undefined}
                          >
                            <Table.Td>{r.rank === null ? '—' : `#${r.rank}`}</Table.Td>
                            <Table.Td>
                              {r.user.name}
                              {r.me ? (
                                <Badge ml="xs" size="sm" variant="filled" color="blue.8">
                                  me
                                </Badge>
                              ) : null}
                            </Table.Td>
                            <Table.Td>
                              {r.view === 'rank' ? (
                                <Text size="sm" c="gray.8">
                                  Rank only
                                </Text>
                              ) : r.records ? (
                                <DrillNumber
                                  label={
                                    r.me
                                      ? `How was my ${d.metric.name} (${text}) computed?`
                                      : `How was ${r.user.name}’s ${d.metric.name} (${text}) computed?`
                                  }
                                  onOpen={() =>
                                    setDrill({ metric: d.metric.key, period: d.period.key, user: r.user.id })
                                  }
                                  testId={r.me ? 'my-leaderboard-value' : 'leaderboard-value'}
                                >
                                  {text}
                                </DrillNumber>
                              ) : (
                                text
                              )}
                            </Table.Td>
                            <Table.Td>
                              <Movement row={r} />
                            </Table.Td>
                          </Table.Tr>
                        );
                      })}
                    </Table.Tbody>
                  </Table>
                </Table.ScrollContainer>
              )}
            </Stack>
          );
        }}
      </QueryStates>
      <HowComputedDrawer target={drill} onClose={() => setDrill(null)} />
    </Stack>
  );
}
