import {
  Alert,
  Anchor,
  Button,
  Card,
  Checkbox,
  FileInput,
  Group,
  MultiSelect,
  SegmentedControl,
  Select,
  SimpleGrid,
  Stack,
  Table,
  Text,
  Textarea,
  TextInput,
  Title,
} from '@mantine/core';
import { IconAlertTriangle } from '@tabler/icons-react';
import { useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import { useEffect, useMemo, useState } from 'react';
import { nextPeriod, type PeriodKind, periodAt, previousPeriod } from '../../../shared/periods.ts';
import { PageHeader } from '../../components/page-header.tsx';
import { ApiError, apiGet } from '../../lib/api.ts';
import { notifyError, notifySuccess } from '../../lib/notify.ts';
import { useSession } from '../../lib/session-context.ts';
import { QueryStates } from '../metrics/metric-bits.tsx';
import { formatMetric } from '../metrics/metric-format.ts';
import { catalogQuery, METRICS_KEY, type MetricFormat } from '../metrics/metrics-api.ts';
import { subtreeIds, teamOptions, teamsQuery } from '../teams/teams-api.ts';
import {
  amountText,
  changedCells,
  csvProblems,
  type EditedCell,
  metricCurrency,
  parseAmount,
  parseRamp,
  teamDefaultText,
  teamSourceText,
  userCellNote,
} from './target-grid-model.ts';
import { type CsvProblem, gridQuery, importCsv, putGrid, saveRamp, TARGETS_KEY } from './targets-api.ts';

const DEFAULT_METRICS = ['revenue_won', 'deals_won', 'visits'];

/**
 * KPIs → Targets (managers for their teams, admins for all): a team × metric grid for one period
 * (reps' targets with their ramp, the team's own target or the sum beneath it), CSV bulk entry with
 * every refused row listed, the admin confirmation for ended periods, and the ramp for new reps.
 */
export function TargetsPage() {
  const me = useSession();
  const { timeZone, fiscalYearStartMonth } = me.org;
  const [kind, setKind] = useState<PeriodKind>('month');
  const periods = useMemo(() => {
    const cal = { timeZone, fiscalYearStartMonth };
    const now = periodAt(kind, Date.now(), cal);
    const list = [previousPeriod(previousPeriod(now, cal), cal), previousPeriod(now, cal), now];
    for (let i = 0; i < 3; i++) list.push(nextPeriod(list[list.length - 1]!, cal));
    return { list, current: now.key };
  }, [kind, timeZone, fiscalYearStartMonth]);
  const [period, setPeriod] = useState<string | null>(null);
  const periodKey = period && periods.list.some((p) => p.key === period) ? period : periods.current;
  const teams = useQuery(teamsQuery);
  const [teamId, setTeamId] = useState<string | null>(null);
  const catalog = useQuery(catalogQuery);
  const [metrics, setMetrics] = useState<string[]>(DEFAULT_METRICS);
  // Admins: every team; managers: the teams they manage and every team beneath them.
  const all = teams.data ?? [];
  const reachable = new Set<string>();
  for (const t of all)
    if (me.role === 'admin' || t.managers.some((m) => m.id === me.user.id))
      for (const id of subtreeIds(all, t.id)) reachable.add(id);
  const editable = all.filter((t) => reachable.has(t.id));
  const team = teamId ?? editable[0]?.id ?? null;

  return (
    <Stack maw={1400}>
      <PageHeader
        title="Targets"
        description="Quotas per rep and team for each period. Money in major units of the metric’s currency (your org’s unless the metric names another); a rep’s target is scaled by the ramp in their first months."
      />
      <Group gap="sm" align="flex-end" wrap="wrap">
        <SegmentedControl
          aria-label="Period kind"
          data={[
            { value: 'week', label: 'Week' },
            { value: 'month', label: 'Month' },
            { value: 'quarter', label: 'Quarter' },
            { value: 'year', label: 'Year' },
          ]}
          value={kind}
          onChange={(v) => {
            setKind(v as PeriodKind);
            setPeriod(null);
          }}
        />
        <Select
          label="Period"
          w={200}
          data={periods.list.map((p) => ({
            value: p.key,
            label: p.key === periods.current ? `${p.label} (current)` : p.label,
          }))}
          value={periodKey}
          onChange={(v) => v && setPeriod(v)}
          allowDeselect={false}
        />
        <Select
          label="Team"
          w={240}
          data={teamOptions(editable)}
          value={team}
          onChange={(v) => v && setTeamId(v)}
          allowDeselect={false}
          searchable
          nothingFoundMessage="No team"
        />
        <MultiSelect
          label="Metrics"
          miw={260}
          maw={520}
          data={(catalog.data?.items ?? []).map((m) => ({ value: m.key, label: m.name }))}
          value={metrics}
          onChange={(v) => v.length && setMetrics(v)}
          searchable
        />
      </Group>
      {team ? (
        <GridEditor teamId={team} period={periodKey} metrics={metrics} onTeam={setTeamId} />
      ) : (
        <Text c="dimmed">{teams.isPending ? 'Loading teams…' : 'You do not manage a team yet.'}</Text>
      )}
      <SimpleGrid cols={{ base: 1, md: me.role === 'admin' ? 2 : 1 }}>
        <CsvUpload admin={me.role === 'admin'} />
        {me.role === 'admin' ? <RampSettings /> : null}
      </SimpleGrid>
    </Stack>
  );
}

type Key = string; // `${type}|${id}|${metric}`

function GridEditor({
  teamId,
  period,
  metrics,
  onTeam,
}: {
  teamId: string;
  period: string;
  metrics: string[];
  onTeam: (id: string) => void;
}) {
  const me = useSession();
  const client = useQueryClient();
  const query = useQuery(gridQuery(teamId, period, metrics));
  const [draft, setDraft] = useState<Map<Key, string>>(new Map());
  const [cellErrors, setCellErrors] = useState<Map<Key, string>>(new Map());
  const [confirm, setConfirm] = useState(false);
  const [problem, setProblem] = useState<string | null>(null);
  // A new grid (team, period, metrics) starts a new edit.
  // biome-ignore lint/correctness/useExhaustiveDependencies: reset when the grid changes
  useEffect(() => {
    setDraft(new Map());
    setCellErrors(new Map());
    setConfirm(false);
    setProblem(null);
  }, [teamId, period, metrics.join(',')]);

  const save = useMutation({
    mutationFn: (cells: Parameters<typeof putGrid>[1]) => putGrid(period, cells, confirm),
    onSuccess: async (summary) => {
      setDraft(new Map());
      setProblem(null);
      await client.invalidateQueries({ queryKey: TARGETS_KEY });
      await client.invalidateQueries({ queryKey: METRICS_KEY });
      notifySuccess(
        `Targets saved: ${summary.created} added, ${summary.updated} changed, ${summary.deleted} removed`,
      );
    },
    onError: (error, cells) => {
      if (error instanceof ApiError && error.fields.length) {
        const next = new Map<Key, string>();
        const rest: string[] = [];
        for (const f of error.fields) {
          const m = /^(?:body\.)?cells\.(\d+)\.(\w+)$/.exec(f.path);
          const cell = m ? cells[Number(m[1])] : undefined;
          if (cell) next.set(`${cell.subjectType}|${cell.subjectId}|${cell.metric}`, f.message);
          else
            rest.push(
              f.path === 'period' || f.path === 'confirmClosedPeriod' ? f.message : `${f.path}: ${f.message}`,
            );
        }
        setCellErrors(next);
        setProblem(rest.length ? rest.join(' · ') : null);
        return;
      }
      notifyError(error, 'Could not save the targets');
    },
  });

  return (
    <QueryStates query={query} label="the target grid">
      {() => {
        const g = query.data!;
        const fmtOf = (key: string) =>
          (g.metrics.find((m) => m.key === key)?.format ?? 'count') as MetricFormat;
        // Each metric's money in its own currency (a custom metric over deals of one currency).
        const currencyOf = (metric: string) => metricCurrency(g, metric);
        const show = (v: number | null, metric: string) => formatMetric(v, fmtOf(metric), currencyOf(metric));
        const edited: EditedCell[] = [];
        const invalid = new Map<Key, string>();
        const input = (
          type: 'user' | 'team',
          id: string,
          metric: string,
          stored: number | null,
          label: string,
        ) => {
          const key = `${type}|${id}|${metric}`;
          const text = draft.get(key) ?? amountText(stored, fmtOf(metric), currencyOf(metric));
          const parsed = parseAmount(text, fmtOf(metric), currencyOf(metric));
          if (parsed.ok)
            edited.push({ subjectType: type, subjectId: id, metric, amount: parsed.value, before: stored });
          else invalid.set(key, parsed.reason);
          return (
            <TextInput
              size="xs"
              w={130}
              aria-label={label}
              inputMode={fmtOf(metric) === 'count' ? 'numeric' : 'decimal'}
              value={text}
              placeholder="—"
              onChange={(e) => {
                const value = e.currentTarget.value;
                setDraft((d) => new Map(d).set(key, value));
                setCellErrors((errs) => {
                  const n = new Map(errs);
                  n.delete(key);
                  return n;
                });
              }}
              error={invalid.get(key) ?? cellErrors.get(key)}
              data-testid={`target-${type}-${metric}`}
            />
          );
        };
        const rows = g.rows.map((r) => (
          <Table.Tr key={r.user.id} data-testid="target-row">
            <Table.Td>
              <Text size="sm" fw={500}>
                {r.user.name}
              </Text>
              {r.rampPercent < 100 ? (
                <Text size="xs" c="dimmed">
                  Month {r.tenureMonth} · ramp {r.rampPercent} %
                </Text>
              ) : null}
            </Table.Td>
            {g.metrics.map((m) => {
              const c = r.cells.find((x) => x.metric === m.key)!;
              return (
                <Table.Td key={m.key}>
                  {input('user', r.user.id, m.key, c.amount, `${r.user.name}, ${m.name} target`)}
                  {userCellNote(c, (v) => show(v, m.key)) ? (
                    <Text size="xs" c="dimmed">
                      {userCellNote(c, (v) => show(v, m.key))}
                    </Text>
                  ) : null}
                </Table.Td>
              );
            })}
          </Table.Tr>
        ));
        const changes = changedCells(edited);
        const needsConfirm = g.period.closed && me.role === 'admin';
        return (
          <Stack gap="sm">
            {g.period.closed ? (
              <Alert
                variant="outline"
                color="dark.7"
                icon={<IconAlertTriangle aria-hidden />}
                title={`${g.period.label} has ended`}
                data-testid="closed-period"
              >
                {me.role === 'admin'
                  ? 'Changing the targets of an ended period rewrites how it is judged. Confirm below to save.'
                  : 'Only an admin can change the targets of an ended period.'}
              </Alert>
            ) : null}
            <Table.ScrollContainer minWidth={600} tabIndex={0} aria-label={`Targets of ${g.team.name}`}>
              <Table withTableBorder data-testid="target-grid">
                <Table.Thead>
                  <Table.Tr>
                    <Table.Th>{g.team.name}</Table.Th>
                    {g.metrics.map((m) => (
                      <Table.Th key={m.key}>{m.name}</Table.Th>
                    ))}
                  </Table.Tr>
                </Table.Thead>
                <Table.Tbody>
                  {rows.length === 0 ? (
                    <Table.Tr>
                      <Table.Td colSpan={g.metrics.length + 1}>
                        <Text c="dimmed" size="sm">
                          No members in this team.
                        </Text>
                      </Table.Td>
                    </Table.Tr>
                  ) : (
                    rows
                  )}
                  <Table.Tr data-testid="target-team-row">
                    <Table.Td>
                      <Text size="sm" fw={700}>
                        Team target
                      </Text>
                      <Text size="xs" c="dimmed">
                        Blank: the sum of members and sub-teams (money and counts)
                      </Text>
                    </Table.Td>
                    {g.metrics.map((m) => {
                      const c = g.teamRow.cells.find((x) => x.metric === m.key)!;
                      return (
                        <Table.Td key={m.key}>
                          {input('team', g.team.id, m.key, c.direct, `${g.team.name}, ${m.name} team target`)}
                          <Text size="xs" c="dimmed">
                            {teamDefaultText(c, m.sums.people, (v) => show(v, m.key))}
                          </Text>
                        </Table.Td>
                      );
                    })}
                  </Table.Tr>
                  {g.subTeams.map((s) => (
                    <Table.Tr key={s.team.id}>
                      <Table.Td>
                        <Anchor component="button" type="button" size="sm" onClick={() => onTeam(s.team.id)}>
                          └ {s.team.name}
                        </Anchor>
                      </Table.Td>
                      {g.metrics.map((m) => {
                        const c = s.cells.find((x) => x.metric === m.key)!;
                        return (
                          <Table.Td key={m.key}>
                            <Text size="sm">{show(c.effective, m.key)}</Text>
                            <Text size="xs" c="dimmed">
                              {teamSourceText(c.source)}
                            </Text>
                          </Table.Td>
                        );
                      })}
                    </Table.Tr>
                  ))}
                </Table.Tbody>
              </Table>
            </Table.ScrollContainer>
            {needsConfirm ? (
              <Checkbox
                label={`I confirm changing the targets of ${g.period.label}, which has ended`}
                checked={confirm}
                onChange={(e) => setConfirm(e.currentTarget.checked)}
                data-testid="confirm-closed"
              />
            ) : null}
            {problem ? (
              <Alert color="red" role="alert" title="Nothing was saved">
                {problem}
              </Alert>
            ) : null}
            <Group>
              <Button
                onClick={() => save.mutate(changes)}
                disabled={
                  changes.length === 0 || invalid.size > 0 || (g.period.closed && me.role !== 'admin')
                }
                loading={save.isPending}
                data-testid="save-targets"
              >
                Save{' '}
                {changes.length ? `${changes.length} change${changes.length === 1 ? '' : 's'}` : 'targets'}
              </Button>
              {changes.length ? (
                <Button variant="default" onClick={() => setDraft(new Map())}>
                  Discard
                </Button>
              ) : null}
            </Group>
          </Stack>
        );
      }}
    </QueryStates>
  );
}

function CsvUpload({ admin }: { admin: boolean }) {
  const client = useQueryClient();
  const [file, setFile] = useState<File | null>(null);
  const [text, setText] = useState('');
  const [confirm, setConfirm] = useState(false);
  const [problems, setProblems] = useState<CsvProblem[]>([]);
  const [error, setError] = useState<string | null>(null);
  const [result, setResult] = useState<string | null>(null);
  const run = useMutation({
    mutationFn: async (dryRun: boolean) =>
      importCsv(file ? await file.text() : text, { dryRun, confirmClosedPeriods: confirm }),
    onSuccess: async (r) => {
      setProblems([]);
      setError(null);
      if (r.dryRun) setResult(`All ${r.rows} rows are valid. Nothing was stored yet.`);
      else {
        setResult(`Stored: ${r.created} added, ${r.updated} changed, ${r.unchanged} unchanged.`);
        await client.invalidateQueries({ queryKey: TARGETS_KEY });
        await client.invalidateQueries({ queryKey: METRICS_KEY });
      }
    },
    onError: (e) => {
      setResult(null);
      const rows = e instanceof ApiError ? csvProblems(e.details) : [];
      setProblems(rows);
      setError(
        e instanceof ApiError ? (rows.length ? e.message : (e.fields[0]?.message ?? e.message)) : String(e),
      );
    },
  });
  const has = Boolean(file) || text.trim() !== '';
  return (
    <Card withBorder padding="md" data-testid="targets-csv">
      <Title order={2} size="h4">
        Upload targets (CSV)
      </Title>
      <Text size="sm" c="dimmed" mb="sm">
        Columns: email or team, metric, period, amount — e.g.{' '}
        <code>ari@example.com,revenue_won,2026-03,12500</code>. Every row is checked; one bad row stores
        nothing.
      </Text>
      <Stack gap="sm">
        <FileInput
          label="CSV file"
          accept=".csv,text/csv"
          value={file}
          onChange={setFile}
          clearable
          data-testid="targets-csv-file"
        />
        <Textarea
          label="…or paste the rows"
          autosize
          minRows={3}
          value={text}
          onChange={(e) => setText(e.currentTarget.value)}
          disabled={Boolean(file)}
          data-testid="targets-csv-text"
        />
        {admin ? (
          <Checkbox
            label="Also change periods that have ended (I confirm)"
            checked={confirm}
            onChange={(e) => setConfirm(e.currentTarget.checked)}
          />
        ) : null}
        <Group>
          <Button
            variant="default"
            disabled={!has}
            loading={run.isPending && run.variables}
            onClick={() => run.mutate(true)}
          >
            Check only
          </Button>
          <Button
            disabled={!has}
            loading={run.isPending && !run.variables}
            onClick={() => run.mutate(false)}
            data-testid="targets-csv-upload"
          >
            Upload
          </Button>
        </Group>
        {result ? (
          <Alert color="teal" data-testid="targets-csv-result">
            {result}
          </Alert>
        ) : null}
        {error ? (
          <Alert color="red" role="alert" title="Nothing was stored" data-testid="targets-csv-error">
            {error}
          </Alert>
        ) : null}
        {problems.length ? (
          <Table.ScrollContainer minWidth={360} tabIndex={0} aria-label="Problems in the CSV">
            <Table striped data-testid="targets-csv-problems">
              <Table.Thead>
                <Table.Tr>
                  <Table.Th>Row</Table.Th>
                  <Table.Th>Column</Table.Th>
                  <Table.Th>Reason</Table.Th>
                </Table.Tr>
              </Table.Thead>
              <Table.Tbody>
                {problems.map((p) => (
                  <Table.Tr key={`${p.row}-${p.column}-${p.reason}`}>
                    <Table.Td>{p.row}</Table.Td>
                    <Table.Td>{p.column ?? '—'}</Table.Td>
                    <Table.Td>{p.reason}</Table.Td>
                  </Table.Tr>
                ))}
              </Table.Tbody>
            </Table>
          </Table.ScrollContainer>
        ) : null}
      </Stack>
    </Card>
  );
}

function RampSettings() {
  const client = useQueryClient();
  const settings = useQuery({
    queryKey: [...METRICS_KEY, 'settings'],
    queryFn: () => apiGet<{ ramp: number[] }>('/api/metrics/settings'),
  });
  const [text, setText] = useState<string | null>(null);
  const [error, setError] = useState<string | null>(null);
  const value = text ?? (settings.data ? settings.data.ramp.join(', ') : '');
  const save = useMutation({
    mutationFn: (ramp: number[]) => saveRamp(ramp),
    onSuccess: async () => {
      setText(null);
      await client.invalidateQueries({ queryKey: METRICS_KEY });
      await client.invalidateQueries({ queryKey: TARGETS_KEY });
      notifySuccess('Ramp saved');
    },
    onError: (e) => {
      if (e instanceof ApiError && e.fields.length) setError(e.fields.map((f) => f.message).join(' · '));
      else notifyError(e, 'Could not save the ramp');
    },
  });
  return (
    <Card withBorder padding="md" data-testid="ramp-settings">
      <Title order={2} size="h4">
        Ramp for new reps
      </Title>
      <Text size="sm" c="dimmed" mb="sm">
        Percent of the full target a rep carries in their 1st, 2nd, … month (from the day they joined). After
        the list, 100 %.
      </Text>
      <Stack gap="sm">
        <TextInput
          label="Percent per month"
          placeholder="e.g. 25, 50, 75"
          value={value}
          onChange={(e) => {
            setText(e.currentTarget.value);
            setError(null);
          }}
          error={error}
        />
        <Group>
          <Button
            variant="default"
            disabled={text === null}
            loading={save.isPending}
            onClick={() => {
              const parsed = parseRamp(value);
              if (!parsed.ok) setError(parsed.reason);
              else save.mutate(parsed.value);
            }}
          >
            Save ramp
          </Button>
        </Group>
      </Stack>
    </Card>
  );
}
