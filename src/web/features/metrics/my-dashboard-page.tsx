import { LineChart } from '@mantine/charts';
import { Badge, Card, Group, Progress, Select, SimpleGrid, Stack, Text, Title } from '@mantine/core';
import { useQuery } from '@tanstack/react-query';
import { useState } from 'react';
import { PageHeader } from '../../components/page-header.tsx';
import { useSession } from '../../lib/session-context.ts';
import { effectiveTargetsQuery } from '../targets/targets-api.ts';
import { HowComputedDrawer, type NumberRef } from './how-computed.tsx';
import { DrillNumber, Movement, PeriodPicker, QueryStates } from './metric-bits.tsx';
import {
  compactMetric,
  dashboardMetrics,
  formatMetric,
  isCumulative,
  judge,
  KEY_METRICS,
  STATUS_COLOR,
  STATUS_LABEL,
  shortPeriodLabels,
  targetBasisText,
} from './metric-format.ts';
import { catalogQuery, leaderboardQuery, type PeriodChoice, trendQuery, valuesQuery } from './metrics-api.ts';

const DEFAULT_TREND = 'revenue_won';

/**
 * KPIs → My numbers: own numbers vs target with pace — the key KPIs and every other metric the rep
 * has an effective target for in the period (set, summed from months, or from their playbook: what
 * they are measured on) —, the trend of any of them, and where I stand in my team.
 */
export function MyDashboardPage() {
  const me = useSession();
  const [choice, setChoice] = useState<PeriodChoice>({ kind: 'month' });
  const [drill, setDrill] = useState<NumberRef | null>(null);
  const [trendPick, setTrendPick] = useState<string>(DEFAULT_TREND);
  const first = useQuery(valuesQuery(KEY_METRICS[0], choice, 'me'));
  // The period's key comes with the first card's answer (the current period is the server's to say).
  const periodKey = first.data?.period.key;
  const targets = useQuery({
    ...effectiveTargetsQuery(me.user.id, periodKey ?? ''),
    enabled: periodKey !== undefined,
  });
  const catalog = useQuery(catalogQuery);
  const metrics = dashboardMetrics(
    KEY_METRICS,
    targets.data?.items.map((t) => t.metric) ?? [],
    catalog.data?.items.map((m) => m.key),
  );
  // A picked metric that this period no longer shows falls back to revenue (kept while loading).
  const trendMetric = targets.isSuccess && !metrics.includes(trendPick) ? DEFAULT_TREND : trendPick;
  const names = new Map(catalog.data?.items.map((m) => [m.key, m.name]));
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
        {metrics.map((key) => (
          <KpiCard key={key} metric={key} choice={choice} onDrill={setDrill} />
        ))}
      </SimpleGrid>
      <SimpleGrid cols={{ base: 1, md: 2 }}>
        <TrendCard
          choice={choice}
          metric={trendMetric}
          options={metrics.map((key) => ({ value: key, label: names.get(key) ?? key }))}
          onPick={setTrendPick}
        />
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
          // How the target was obtained, its ramp in the metric's own format (the currency of the answer).
          const basisText = targetBasisText(row?.targetBasis ?? null, (v) => fmt(v));
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
                    {pace.targetFormat === d.metric.format && basisText ? ` (${basisText})` : ''}
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
                <Group gap={6} wrap="wrap">
                  {[
                    { p: d.previousPeriod, v: row?.previous ?? null, id: 'previous' },
                    { p: d.lastYearPeriod, v: row?.lastYear ?? null, id: 'last-year' },
                  ].map(({ p, v, id }, i) => (
                    <Group key={id} gap={6} wrap="nowrap">
                      {i > 0 ? (
                        <Text size="sm" c="dimmed" aria-hidden>
                          ·
                        </Text>
                      ) : null}
                      {/* Past numbers show how they were computed too: the records of that period. */}
                      <DrillNumber
                        label={`How was ${d.metric.name} in ${p.label} (${fmt(v)}) computed?`}
                        onOpen={() => onDrill({ metric, period: p.key, user: me.user.id })}
                        testId={`kpi-${id}-${metric}`}
                      >
                        <Text size="sm" c="dimmed">
                          {p.label}: {fmt(v)}
                        </Text>
                      </DrillNumber>
                    </Group>
                  ))}
                </Group>
              )}
            </Stack>
          );
        }}
      </QueryStates>
    </Card>
  );
}

function TrendCard({
  choice,
  metric,
  options,
  onPick,
}: {
  choice: PeriodChoice;
  metric: string;
  options: { value: string; label: string }[];
  onPick: (metric: string) => void;
}) {
  const query = useQuery(trendQuery(metric, choice));
  const name = query.data?.metric.name ?? options.find((o) => o.value === metric)?.label ?? metric;
  return (
    <Card withBorder padding="md" data-testid="trend-card">
      <Title order={2} size="h4" mb="sm" data-testid="trend-title">
        {name}, last 6 periods
      </Title>
      <Select
        label="Trend of"
        data={options}
        value={metric}
        onChange={(v) => v && onPick(v)}
        allowDeselect={false}
        searchable={options.length > 8}
        mb="sm"
        data-testid="trend-metric"
      />
      <QueryStates query={query} label="the trend">
        {() => {
          const d = query.data!;
          // Sums count nothing as 0; a rate with nothing to divide by is a gap, not a zero.
          const cumulative = isCumulative(d.metric);
          const data = d.points.map((p) => ({
            period: p.label,
            value: p.value ?? (cumulative ? 0 : undefined),
            target: p.target ?? undefined,
          }));
          const ticks = shortPeriodLabels(data.map((p) => p.period));
          if (d.points.every((p) => !p.value && p.target === null))
            return (
              <Text c="dimmed" size="sm">
                {d.metric.key === 'revenue_won'
                  ? 'Nothing won in these periods yet.'
                  : `No ${d.metric.name.toLowerCase()} in these periods yet.`}
              </Text>
            );
          return (
            <LineChart
              h={220}
              data={data}
              dataKey="period"
              series={[
                {
                  name: 'value',
                  label: d.metric.key === 'revenue_won' ? 'Won' : d.metric.name,
                  color: 'blue.7',
                },
                { name: 'target', label: 'Target', color: 'gray.6', strokeDasharray: '5 5' },
              ]}
              valueFormatter={(v) => formatMetric(v, d.metric.format, d.currency)}
              yAxisProps={{
                width: 68,
                tickFormatter: (v: number) => compactMetric(v, d.metric.format, d.currency),
              }}
              // Every period named under the chart, the year only where it changes.
              xAxisProps={{
                interval: 0,
                padding: { left: 16, right: 16 },
                tickFormatter: (_v: string, i: number) => ticks[i] ?? '',
              }}
              withLegend
              // A gap where a rate had nothing to divide by (or a period had no target), not a joined line.
              connectNulls={false}
              aria-label={`${d.metric.name} per period, with target`}
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
          // With peers shown nothing, the list holds only me: "#1 of 1" would say nothing true.
          if (d.visibility === 'none' && d.rows.every((r) => r.me))
            return (
              <Text c="dimmed" size="sm" data-testid="standing-not-shared">
                This organization does not share peers' {d.metric.name.toLowerCase()}, so there is no standing
                to show.
              </Text>
            );
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
