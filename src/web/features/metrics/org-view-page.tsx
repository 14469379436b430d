import { BarChart } from '@mantine/charts';
import { Anchor, Badge, Card, Drawer, Group, Stack, Table, Text, Title, UnstyledButton } from '@mantine/core';
import { useMediaQuery } from '@mantine/hooks';
import { useQuery } from '@tanstack/react-query';
import { useState } from 'react';
import { Link } from 'react-router';
import { PageHeader } from '../../components/page-header.tsx';
import { HowComputedDrawer, type NumberRef } from './how-computed.tsx';
import { PeriodPicker, QueryStates } from './metric-bits.tsx';
import {
  formatMetric,
  judge,
  type PaceStatus,
  STATUS_COLOR,
  STATUS_LABEL,
  STATUS_TINT,
} from './metric-format.ts';
import { type OrgTeam, type OrgView, orgViewQuery, type PeriodChoice } from './metrics-api.ts';

/** Bar fill per status (chart colours readable on white). */
const BAR_COLOR: Record<PaceStatus, string> = {
  ahead: 'teal.7',
  on_track: 'yellow.6',
  behind: 'red.7',
  no_target: 'gray.5',
};

interface Breakdown {
  team: OrgTeam;
  metric: string;
}

/**
 * KPIs → Org view (admins, and managers of teams — directors see the teams beneath theirs): every
 * team nested under its parent × the key KPIs against the team's effective target, coloured
 * against pace; a bar per team of revenue attainment; a team's name opens its team grid, a team's
 * number its people's numbers, and any person's number the records behind it.
 */
export function OrgViewPage() {
  const [choice, setChoice] = useState<PeriodChoice>({ kind: 'month' });
  const [breakdown, setBreakdown] = useState<Breakdown | null>(null);
  const [drill, setDrill] = useState<NumberRef | null>(null);
  const query = useQuery(orgViewQuery(choice));
  const d = query.data;
  return (
    <Stack maw={1400}>
      <PageHeader
        title="Org view"
        description={
          d
            ? `${d.period.label} · ${Math.round(d.period.elapsed * 100)} % elapsed · each team counts its members and its sub-teams`
            : 'Every team against its targets'
        }
      />
      <PeriodPicker value={choice} onChange={setChoice} previous={d?.previousPeriod} />
      <QueryStates query={query} label="the org view">
        {() => {
          const v = query.data!;
          if (v.teams.length === 0)
            return (
              <Text c="dimmed" data-testid="org-empty">
                No teams yet. Create teams under Administration → Teams.
              </Text>
            );
          return (
            <>
              <AttainmentChart view={v} />
              <Group gap="xs">
                {(['ahead', 'on_track', 'behind', 'no_target'] as const).map((s) => (
                  <Badge key={s} color={STATUS_COLOR[s]} variant="filled" autoContrast>
                    {STATUS_LABEL[s]}
                  </Badge>
                ))}
              </Group>
              <OrgTable view={v} onOpen={(team, metric) => setBreakdown({ team, metric })} />
            </>
          );
        }}
      </QueryStates>
      {d && breakdown ? (
        <BreakdownDrawer
          view={d}
          breakdown={breakdown}
          onClose={() => setBreakdown(null)}
          onDrill={setDrill}
        />
      ) : null}
      <HowComputedDrawer target={drill} onClose={() => setDrill(null)} />
    </Stack>
  );
}

function teamJudge(view: OrgView, team: OrgTeam, metricKey: string) {
  const metric = view.metrics.find((m) => m.key === metricKey)!;
  const cell = team.cells.find((c) => c.metric === metricKey)!;
  return { metric, cell, pace: judge(metric, cell, view.period.elapsed) };
}

/** Revenue attainment per team (won ÷ the team's revenue target), coloured against pace. */
function AttainmentChart({ view }: { view: OrgView }) {
  const hasQuota = view.metrics.some((m) => m.key === 'quota_attainment');
  if (!hasQuota) return null;
  const rows = view.teams.map((t) => {
    const { cell, pace } = teamJudge(view, t, 'quota_attainment');
    return {
      team: `${'· '.repeat(t.depth)}${t.name}`,
      // No bar (and no "0 %") for a team without a revenue target: nothing to divide by.
      Attainment: cell.value === null ? null : Math.round(cell.value),
      color: BAR_COLOR[pace.status],
      hasTarget: cell.denominator !== null,
    };
  });
  const pace = Math.round(view.period.elapsed * 100);
  const summary = rows
    .map(
      (r) =>
        `${r.team.replace(/^(· )+/, '')}: ${r.Attainment !== null ? `${r.Attainment} %` : r.hasTarget ? '—' : 'no revenue target'}`,
    )
    .join('; ');
  return (
    <Card withBorder padding="md" data-testid="org-chart">
      <Title order={2} size="h4">
        Revenue attainment by team
      </Title>
      <Text size="sm" c="dimmed" mb="sm">
        Revenue won ÷ the team’s revenue target; the line is where pace stands now ({pace} %).
      </Text>
      <figure style={{ margin: 0 }} aria-label={`Revenue attainment by team. ${summary}`}>
        <BarChart
          h={Math.max(160, rows.length * 44)}
          data={rows}
          dataKey="team"
          orientation="vertical"
          series={[{ name: 'Attainment', color: 'blue.7' }]}
          valueFormatter={(value) => (value === null || value === undefined ? '—' : `${value} %`)}
          referenceLines={[{ x: pace, color: 'gray.7', label: 'Pace' }]}
          yAxisProps={{ width: 120 }}
          xAxisProps={{ domain: [0, (max: number) => Math.max(100, Math.ceil((max * 1.15) / 10) * 10)] }}
          withBarValueLabel
        />
      </figure>
      <Text size="xs" c="dimmed" mt="xs" data-testid="org-chart-summary">
        {summary}
      </Text>
    </Card>
  );
}

function OrgTable({ view, onOpen }: { view: OrgView; onOpen: (team: OrgTeam, metric: string) => void }) {
  return (
    <Table.ScrollContainer minWidth={900} tabIndex={0} aria-label="Teams and their KPIs">
      <Table withTableBorder data-testid="org-table">
        <Table.Thead>
          <Table.Tr>
            <Table.Th>Team</Table.Th>
            {view.metrics.map((m) => (
              <Table.Th key={m.key}>{m.name}</Table.Th>
            ))}
          </Table.Tr>
        </Table.Thead>
        <Table.Tbody>
          {view.teams.map((t) => (
            <Table.Tr key={t.id} data-testid="org-row" data-team={t.name}>
              <Table.Td>
                <Stack gap={0} pl={t.depth * 20}>
                  <Anchor component={Link} to={`/kpis/team?team=${t.id}`} fw={t.depth === 0 ? 700 : 500}>
                    {t.depth > 0 ? '└ ' : ''}
                    {t.name}
                  </Anchor>
                  <Text size="xs" c="dimmed">
                    {t.people} {t.people === 1 ? 'person' : 'people'}
                  </Text>
                </Stack>
              </Table.Td>
              {view.metrics.map((m) => {
                const { cell, pace } = teamJudge(view, t, m.key);
                const text = formatMetric(cell.value, m.format, m.currency ?? view.currency);
                return (
                  <Table.Td key={m.key} bg={STATUS_TINT[pace.status]}>
                    <UnstyledButton
                      onClick={() => onOpen(t, m.key)}
                      aria-label={`${t.name}, ${m.name}: ${text} (${STATUS_LABEL[pace.status]}). Who makes this number?`}
                      data-testid={`org-cell-${m.key}`}
                      style={{ textDecoration: 'underline dotted', textUnderlineOffset: 3 }}
                    >
                      <Text size="sm" fw={600}>
                        {text}
                      </Text>
                    </UnstyledButton>
                    {pace.target !== null ? (
                      <Text size="xs">
                        {pace.targetFormat === m.format ? 'of' : 'of revenue target'}{' '}
                        {formatMetric(pace.target, pace.targetFormat, view.currency)}
                      </Text>
                    ) : m.aggregation === 'none' ? (
                      <Text size="xs">not additive</Text>
                    ) : null}
                  </Table.Td>
                );
              })}
            </Table.Tr>
          ))}
        </Table.Tbody>
      </Table>
    </Table.ScrollContainer>
  );
}

/** A team's number broken down into its people's (members of the team and the teams beneath). */
function BreakdownDrawer({
  view,
  breakdown,
  onClose,
  onDrill,
}: {
  view: OrgView;
  breakdown: Breakdown;
  onClose: () => void;
  onDrill: (n: NumberRef) => void;
}) {
  const phone = useMediaQuery('(max-width: 47.99em)') ?? false;
  const { team, metric: key } = breakdown;
  const { metric, cell, pace } = teamJudge(view, team, key);
  const under = new Set<string>([team.id]);
  for (const t of view.teams) if (t.parentId && under.has(t.parentId)) under.add(t.id);
  const teamName = new Map(view.teams.map((t) => [t.id, t.name]));
  const people = view.people.filter((p) => under.has(p.teamId));
  const fmt = (v: number | null) => formatMetric(v, metric.format, metric.currency ?? view.currency);
  const how: Record<string, string> = {
    sum: 'The team’s number is the sum of its people’s.',
    ratio:
      'The team’s number is the sum of its people’s numerators divided by the sum of their denominators.',
    quota: 'Revenue won by the team’s people divided by the team’s revenue target.',
    coverage: 'Open pipeline of the team’s people divided by what remains of the team’s revenue target.',
    none: 'This metric does not add up across people; see each person’s number.',
  };
  return (
    <Drawer
      opened
      onClose={onClose}
      position="right"
      size={phone ? '100%' : 'lg'}
      closeButtonProps={{ 'aria-label': 'Close' }}
      title={
        <Title order={2} size="h4">
          {team.name} · {metric.name}
        </Title>
      }
    >
      <Stack gap="sm" data-testid="org-breakdown">
        <Text size="xl" fw={700}>
          {fmt(cell.value)}
        </Text>
        <Text size="sm">
          {pace.target !== null
            ? `${pace.targetLabel} ${formatMetric(pace.target, pace.targetFormat, view.currency)} · ${STATUS_LABEL[pace.status]}`
            : 'No target for this team'}
        </Text>
        <Text size="sm" c="dimmed">
          {how[metric.aggregation]} {metric.definition}
        </Text>
        <Anchor component={Link} to={`/kpis/team?team=${team.id}`} size="sm">
          Open the team grid for {team.name}
        </Anchor>
        {people.length === 0 ? (
          <Text c="dimmed">Nobody in this team yet.</Text>
        ) : (
          <Table striped aria-label={`${metric.name} per person`}>
            <Table.Thead>
              <Table.Tr>
                <Table.Th>Person</Table.Th>
                <Table.Th>Team</Table.Th>
                <Table.Th>{metric.name}</Table.Th>
              </Table.Tr>
            </Table.Thead>
            <Table.Tbody>
              {people.map((p) => {
                const c = p.cells.find((x) => x.metric === key)!;
                return (
                  <Table.Tr key={p.user.id} data-testid="breakdown-row">
                    <Table.Td>{p.user.name}</Table.Td>
                    <Table.Td>{teamName.get(p.teamId)}</Table.Td>
                    <Table.Td>
                      <UnstyledButton
                        onClick={() => onDrill({ metric: key, period: view.period.key, user: p.user.id })}
                        aria-label={`${p.user.name}, ${metric.name}: ${fmt(c.value)}. How was this computed?`}
                        data-testid="breakdown-value"
                        style={{ textDecoration: 'underline dotted', textUnderlineOffset: 3 }}
                      >
                        {fmt(c.value)}
                      </UnstyledButton>
                    </Table.Td>
                  </Table.Tr>
                );
              })}
            </Table.Tbody>
          </Table>
        )}
      </Stack>
    </Drawer>
  );
}
