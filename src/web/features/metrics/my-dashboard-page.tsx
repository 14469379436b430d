import { LineChart } from '@mantine/charts';
import { Badge, Card, Group, Progress, SimpleGrid, Stack, Text, Title } from '@mantine/core';
import { useQuery } from '@tanstack/react-query';
import { useState } from 'react';
import { PageHeader } from '../../components/page-header.tsx';
import { useSession } from '../../lib/session-context.ts';
import { HowComputedDrawer, type NumberRef } from './how-computed.tsx';
import { DrillNumber, Movement, PeriodPicker, QueryStates } from './metric-bits.tsx';
import {
  compactMoney,
  formatMetric,
  judge,
  KEY_METRICS,
  STATUS_COLOR,
  STATUS_LABEL,
  shortPeriodLabels,
} from './metric-format.ts';
import { leaderboardQuery, type PeriodChoice, trendQuery, valuesQuery } from './metrics-api.ts';

/** KPIs → My numbers: own numbers vs target with pace, a trend, and where I stand in my team. */
export function MyDashboardPage() {
  const [choice, setChoice] = useState<PeriodChoice>({ kind: 'month' });
  const [drill, setDrill] = useState<NumberRef | null>(null);
  const first = useQuery(valuesQuery(KEY_METRICS[0], choice, 'me'));
  return (
    <Stack maw={1200}>
      <PageHeader
        title="My numbers"
        description={
          first.data
            ? `${first.data.period.label} · ${Math.round(first.data.period.elapsed * 100)} % of the period elapsed`
            : undefined
        }
      />
      <PeriodPicker value={choice} onChange={setChoice} previous={first.data?.previousPeriod} />
      <SimpleGrid cols={{ base: 1, sm: 2, lg: 3 }}>
        {KEY_METRICS.map((key) => (
          <KpiCard key={key} metric={key} choice={choice} onDrill={setDrill} />
        ))}
      </SimpleGrid>
      <SimpleGrid cols={{ base: 1, md: 2 }}>
        <TrendCard choice={choice} />
        <StandingCard choice={choice} />
      </SimpleGrid>
      <HowComputedDrawer target={drill} onClose={() => setDrill(null)} />
    </Stack>
  );
}

function KpiCard({
  metric,
  choice,
  onDrill,
}: {
  metric: string;
  choice: PeriodChoice;
  onDrill: (n: NumberRef) => void;
}) {
  const me = useSession();
  const query = useQuery(valuesQuery(metric, choice, 'me'));
  return (
    <Card withBorder padding="md" data-testid={`kpi-${metric}`}>
      <QueryStates query={query} label={metric}>
        {() => {
          const d = query.data!;
          const row = d.rows.find((r) => r.user.id === me.user.id);
          const value = row?.value ?? null;
          const pace = judge(
            d.metric,
            {
              value,
              target: row?.target ?? null,
              numerator: row?.numerator ?? null,
              denominator: row?.denominator ?? null,
            },
            d.period.elapsed,
          );
          const target = pace.target;
          const fmt = (v: number | null) => formatMetric(v, d.metric.format, d.currency);
          const fmtTarget = (v: number | null) => formatMetric(v, pace.targetFormat, d.currency);
          return (
            <Stack gap={6}>
              <Group justify="space-between" wrap="nowrap" align="flex-start">
                <Text fw={600}>{d.metric.name}</Text>
                {/* The status is never cut short: the metric's name wraps instead. */}
                <Badge
                  color={STATUS_COLOR[pace.status]}
                  variant="filled"
                  autoContrast
                  style={{ flexShrink: 0, overflow: 'visible' }}
                >
                  {STATUS_LABEL[pace.status]}
                </Badge>
              </Group>
              <DrillNumber
                label={`How was ${d.metric.name} (${fmt(value)}) computed?`}
                onOpen={() => onDrill({ metric, period: d.period.key, user: me.user.id })}
                testId={`kpi-value-${metric}`}
              >
                <Text size="xl" fw={700}>
                  {fmt(value)}
                </Text>
              </DrillNumber>
              {target !== null ? (
                <>
                  <Progress
                    value={pace.progress ?? 0}
                    color={STATUS_COLOR[pace.status]}
                    aria-label={
                      pace.targetFormat === d.metric.format
                        ? `${d.metric.name}: ${fmt(value)} of ${fmtTarget(target)} target`
                        : `${d.metric.name}: ${fmt(value)} of the ${fmtTarget(target)} revenue target`
                    }
                  />
                  <Text size="sm" c="dimmed" data-testid={`kpi-target-${metric}`}>
                    {pace.targetLabel} {fmtTarget(target)}
                    {pace.targetFormat !== d.metric.format && row?.numerator !== null
                      ? ` · won ${fmtTarget(row?.numerator ?? null)}`
                      : ''}
                    {pace.expected !== null && pace.expected !== target
                      ? ` · pace so far ${fmtTarget(pace.expected)}`
                      : ''}
                  </Text>
                </>
              ) : (
                <Text size="sm" c="dimmed">
                  {metric === 'quota_attainment'
                    ? 'No revenue target for this period'
                    : 'No target for this period'}
                </Text>
              )}
              {d.metric.snapshot ? null : (
                <Text size="sm" c="dimmed">
                  {d.previousPeriod.label}: {fmt(row?.previous ?? null)} · {d.lastYearPeriod.label}:{' '}
                  {fmt(row?.lastYear ?? null)}
                </Text>
              )}
            </Stack>
          );
        }}
      </QueryStates>
    </Card>
  );
}

function TrendCard({ choice }: { choice: PeriodChoice }) {
  const query = useQuery(trendQuery('revenue_won', choice));
  return (
    <Card withBorder padding="md" data-testid="trend-card">
      <Title order={2} size="h4" mb="sm">
        Revenue won, last 6 periods
      </Title>
      <QueryStates query={query} label="the trend">
        {() => {
          const d = query.data!;
          const data = d.points.map((p) => ({
            period: p.label,
            Won: p.value ?? 0,
            Target: p.target ?? undefined,
          }));
          const ticks = shortPeriodLabels(data.map((p) => p.period));
          if (d.points.every((p) => !p.value))
            return (
              <Text c="dimmed" size="sm">
                Nothing won in these periods yet.
              </Text>
            );
          return (
            <LineChart
              h={220}
              data={data}
              dataKey="period"
              series={[
                { name: 'Won', color: 'blue.7' },
                { name: 'Target', color: 'gray.6', strokeDasharray: '5 5' },
              ]}
              valueFormatter={(v) => formatMetric(v, 'money', d.currency)}
              yAxisProps={{ width: 68, tickFormatter: (v: number) => compactMoney(v, d.currency) }}
              // Every period named under the chart, the year only where it changes.
              xAxisProps={{
                interval: 0,
                padding: { left: 16, right: 16 },
                tickFormatter: (_v: string, i: number) => ticks[i] ?? '',
              }}
              withLegend
              connectNulls
              aria-label="Revenue won per period, with target"
            />
          );
        }}
      </QueryStates>
    </Card>
  );
}

function StandingCard({ choice }: { choice: PeriodChoice }) {
  const query = useQuery(leaderboardQuery('revenue_won', choice, 'team'));
  return (
    <Card withBorder padding="md" data-testid="standing-card">
      <Title order={2} size="h4" mb="sm">
        Where I stand
      </Title>
      <QueryStates query={query} label="the standings">
        {() => {
          const d = query.data!;
          const mine = d.rows.find((r) => r.me);
          if (!mine || mine.rank === null)
            return (
              <Text c="dimmed" size="sm">
                No ranking for this period yet.
              </Text>
            );
          return (
            <Stack gap="xs">
              <Text size="xl" fw={700}>
                #{mine.rank} of {d.rows.length}
              </Text>
              <Text size="sm" c="dimmed">
                {d.metric.name} in my team, {d.period.label}
              </Text>
              <Movement row={mine} />
            </Stack>
          );
        }}
      </QueryStates>
    </Card>
  );
}
