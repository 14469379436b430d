import { LineChart } from '@mantine/charts';
import {
  Alert,
  Button,
  Card,
  Group,
  Loader,
  Modal,
  NumberInput,
  SimpleGrid,
  Stack,
  Table,
  Text,
  Textarea,
  TextInput,
  Timeline,
  Title,
} from '@mantine/core';
import { useQuery, useQueryClient } from '@tanstack/react-query';
import { useState } from 'react';
import { Link, useParams } from 'react-router';
import { formatMoneyMinor, formatNumber } from '../../shared/smart-check.ts';
import { PageHeader } from '../components/page-header.tsx';
import { GoalForm } from '../features/goals/goal-form.tsx';
import {
  addProgress,
  fetchGoal,
  fetchSeries,
  GOALS_KEY,
  type GoalAction,
  type GoalDetail,
  goalAction,
  isMoney,
  PROGRESS_LABELS,
  updateGoal,
} from '../features/goals/goals-api.ts';
import { SmartPanel } from '../features/goals/smart-panel.tsx';
import { formatDateTime } from '../lib/locale.ts';
import { errorMessage, notifyError, notifySuccess } from '../lib/notify.ts';
import { GoalStatusBadges } from './goals.tsx';

const EVENT_LABELS: Record<string, string> = {
  created: 'created the goal',
  updated: 'changed the goal',
  proposed: 'proposed it',
  agreed: 'agreed',
  changes_requested: 'asked for changes',
  comment: 'commented',
  progress: 'recorded progress',
  status: 'status changed',
};

function valueText(goal: GoalDetail, v: number): string {
  if (isMoney(goal.metric?.unit)) return `${goal.currency ?? ''} ${formatMoneyMinor(Math.round(v))}`.trim();
  if (goal.metric?.unit === 'percent') return `${formatNumber(v, 1)}%`;
  return `${formatNumber(v, 1)}${goal.manualUnit ? ` ${goal.manualUnit}` : ''}`;
}

function ProgressCard({ goal }: { goal: GoalDetail }) {
  const series = useQuery({
    queryKey: [...GOALS_KEY, goal.id, 'series'],
    queryFn: () => fetchSeries(goal.id),
  });
  const p = goal.progressNow;
  const scale = isMoney(goal.metric?.unit) ? 100 : 1;
  const data = (series.data?.points ?? []).map((pt) => ({
    // The server spaces the points evenly over the goal (plus today and the checkpoints).
    date: pt.date,
    Actual: pt.actual === null ? null : pt.actual / scale,
    Pace: pt.pace / scale,
    Forecast: pt.forecast === null ? null : pt.forecast / scale,
  }));
  return (
    <Card withBorder padding="md" radius="md" data-testid="progress-card">
      <Title order={2} size="h4" mb="xs">
        Progress
      </Title>
      <SimpleGrid cols={{ base: 2, sm: 4 }} mb="sm">
        <div>
          <Text size="xs" c="dimmed">
            Actual
          </Text>
          <Text fw={600} data-testid="progress-actual">
            {valueText(goal, p.actual)}
          </Text>
        </div>
        <div>
          <Text size="xs" c="dimmed">
            Pace today
          </Text>
          <Text fw={600}>{valueText(goal, p.pace)}</Text>
        </div>
        <div>
          <Text size="xs" c="dimmed">
            Forecast at the deadline
          </Text>
          <Text fw={600}>{valueText(goal, p.forecast)}</Text>
        </div>
        <div>
          <Text size="xs" c="dimmed">
            Target
          </Text>
          <Text fw={600}>{valueText(goal, goal.target)}</Text>
        </div>
      </SimpleGrid>
      <Text size="sm" mb="sm" data-testid="progress-reason">
        <strong>{PROGRESS_LABELS[p.status].label}:</strong> {p.reason}
      </Text>
      {series.isPending ? <Loader size="sm" /> : null}
      {data.length > 0 ? (
        <div data-testid="progress-chart" role="img" aria-label="Progress chart: actual, pace and forecast">
          <LineChart
            h={260}
            data={data}
            dataKey="date"
            withLegend
            connectNulls={false}
            series={[
              { name: 'Actual', color: 'blue.6' },
              { name: 'Pace', color: 'gray.6', strokeDasharray: '5 5' },
              { name: 'Forecast', color: 'orange.6', strokeDasharray: '2 4' },
            ]}
          />
        </div>
      ) : null}
    </Card>
  );
}

function ManualProgress({ goal, onDone }: { goal: GoalDetail; onDone: () => void }) {
  const [value, setValue] = useState<number | ''>('');
  const [evidence, setEvidence] = useState('');
  const [busy, setBusy] = useState(false);
  return (
    <Card withBorder padding="md" radius="md">
      <Title order={2} size="h4" mb="xs">
        Record progress
      </Title>
      <Group align="flex-end" wrap="wrap">
        <NumberInput
          label={`Reached so far (${goal.manualUnit})`}
          value={value}
          onChange={(v) => setValue(typeof v === 'number' ? v : '')}
        />
        <TextInput
          label="Evidence"
          placeholder="What was done, a link"
          value={evidence}
          onChange={(e) => setEvidence(e.currentTarget.value)}
          style={{ flex: 1 }}
        />
        <Button
          loading={busy}
          disabled={value === '' || evidence.trim() === ''}
          onClick={async () => {
            setBusy(true);
            try {
              await addProgress(goal.id, Number(value), evidence.trim());
              setValue('');
              setEvidence('');
              onDone();
            } catch (error) {
              notifyError(error, 'Progress was not recorded');
            } finally {
              setBusy(false);
            }
          }}
        >
          Record
        </Button>
      </Group>
      {goal.updates.length > 0 ? (
        <Stack gap={2} mt="sm">
          {goal.updates.map((u) => (
            <Text key={u.id} size="sm">
              {formatDateTime(u.at)} · {u.by.name}: {formatNumber(u.value)} — {u.evidence}
            </Text>
          ))}
        </Stack>
      ) : null}
    </Card>
  );
}

function Thread({ goal, onDone }: { goal: GoalDetail; onDone: () => void }) {
  const [comment, setComment] = useState('');
  const [busy, setBusy] = useState(false);
  return (
    <Card withBorder padding="md" radius="md" data-testid="goal-thread">
      <Title order={2} size="h4" mb="sm">
        Agreement and history
      </Title>
      <Timeline bulletSize={14} lineWidth={2}>
        {goal.events.map((e) => (
          <Timeline.Item
            key={e.id}
            title={`${e.actor?.name ?? 'Outfield'} ${EVENT_LABELS[e.kind] ?? e.kind}`}
            data-testid={`event-${e.kind}`}
          >
            {e.comment ? <Text size="sm">{e.comment}</Text> : null}
            {e.kind === 'updated' ? (
              <Text size="xs" c="dimmed">
                {Object.keys(e.changes).join(', ')}
              </Text>
            ) : null}
            <Text size="xs" c="dimmed">
              {formatDateTime(e.at)}
            </Text>
          </Timeline.Item>
        ))}
      </Timeline>
      {goal.permissions.edit ? (
        <Group mt="sm" align="flex-end">
          <Textarea
            label="Comment"
            autosize
            minRows={1}
            value={comment}
            onChange={(e) => setComment(e.currentTarget.value)}
            style={{ flex: 1 }}
          />
          <Button
            variant="default"
            loading={busy}
            disabled={!comment.trim()}
            onClick={async () => {
              setBusy(true);
              try {
                await goalAction(goal.id, 'comments', comment.trim());
                setComment('');
                onDone();
              } catch (error) {
                notifyError(error);
              } finally {
                setBusy(false);
              }
            }}
          >
            Comment
          </Button>
        </Group>
      ) : null}
    </Card>
  );
}

export function GoalDetailPage() {
  const { id = '' } = useParams();
  const client = useQueryClient();
  const goal = useQuery({ queryKey: [...GOALS_KEY, id], queryFn: () => fetchGoal(id) });
  const [editing, setEditing] = useState(false);
  const [asking, setAsking] = useState(false);
  const [changeComment, setChangeComment] = useState('');
  const [busy, setBusy] = useState<GoalAction | null>(null);
  const refresh = () => client.invalidateQueries({ queryKey: GOALS_KEY });

  if (goal.isPending) return <Loader />;
  if (goal.isError) return <Alert color="red">{errorMessage(goal.error)}</Alert>;
  const g = goal.data;

  async function act(action: GoalAction, comment?: string, done = 'Saved') {
    setBusy(action);
    try {
      await goalAction(g.id, action, comment);
      notifySuccess(done);
      await refresh();
      return true;
    } catch (error) {
      notifyError(error);
      return false;
    } finally {
      setBusy(null);
    }
  }

  return (
    <>
      <PageHeader
        title={g.title}
        description={
          <>
            {g.owner.kind === 'team' ? `Team ${g.owner.team?.name}` : g.owner.user?.name} ·{' '}
            {g.metric?.name ?? `${g.manualUnit} (done when ${g.doneCriterion})`} · {g.startDate} →{' '}
            {g.deadline}
          </>
        }
        actions={
          <>
            <GoalStatusBadges goal={g} />
            {g.permissions.edit ? (
              <Button variant="default" onClick={() => setEditing(true)} data-testid="goal-edit">
                Edit
              </Button>
            ) : null}
            {g.permissions.propose ? (
              <Button
                loading={busy === 'propose'}
                onClick={() => act('propose', undefined, 'Proposed')}
                data-testid="goal-propose"
              >
                Propose
              </Button>
            ) : null}
            {g.permissions.decide ? (
              <>
                <Button variant="default" onClick={() => setAsking(true)} data-testid="goal-request-changes">
                  Ask for changes
                </Button>
                <Button
                  color="teal"
                  loading={busy === 'agree'}
                  disabled={g.smart.blocking}
                  onClick={() => act('agree', undefined, 'Agreed')}
                  data-testid="goal-agree"
                >
                  Agree
                </Button>
              </>
            ) : null}
          </>
        }
      />
      <Stack gap="lg" maw={1100}>
        {g.description ? <Text>{g.description}</Text> : null}
        {g.status === 'proposed' && g.awaiting ? (
          <Alert color="blue" data-testid="awaiting">
            {g.permissions.decide
              ? 'This goal waits for your agreement or your request for changes.'
              : `This goal waits for the ${g.awaiting === 'manager' ? 'manager' : 'owner'}.`}
          </Alert>
        ) : null}
        <SimpleGrid cols={{ base: 1, md: 2 }} spacing="lg">
          <ProgressCard goal={g} />
          <Card withBorder padding="md" radius="md">
            <SmartPanel result={g.smart} />
          </Card>
        </SimpleGrid>
        {!g.metric && g.permissions.edit ? <ManualProgress goal={g} onDone={refresh} /> : null}
        {g.children.length > 0 ? (
          <Card withBorder padding="md" radius="md">
            <Title order={2} size="h4" mb="xs">
              Goals beneath
              {g.rollup ? ` · together ${valueText(g, g.rollup.actual)} of ${valueText(g, g.target)}` : ''}
            </Title>
            <Table>
              <Table.Tbody>
                {g.children.map((c) => (
                  <Table.Tr key={c.id}>
                    <Table.Td>
                      <Text component={Link} to={`/goals/${c.id}`} size="sm">
                        {c.owner.user?.name ?? c.owner.team?.name}: {c.title}
                      </Text>
                    </Table.Td>
                    <Table.Td>{valueText(g, c.actual)}</Table.Td>
                    <Table.Td>
                      <GoalStatusBadges goal={c} />
                    </Table.Td>
                  </Table.Tr>
                ))}
              </Table.Tbody>
            </Table>
          </Card>
        ) : null}
        <Thread goal={g} onDone={refresh} />
      </Stack>
      <Modal opened={editing} onClose={() => setEditing(false)} title="Edit goal" size="xl">
        <GoalForm
          goal={g}
          submitLabel="Save changes"
          onSubmit={async (input) => {
            const { ownerKind: _k, ownerUserId: _u, ownerTeamId: _t, ...changes } = input;
            await updateGoal(g.id, changes);
            await refresh();
            setEditing(false);
          }}
        />
      </Modal>
      <Modal opened={asking} onClose={() => setAsking(false)} title="Ask for changes">
        <Stack>
          <Textarea
            label="What should change, and why"
            autosize
            minRows={3}
            value={changeComment}
            onChange={(e) => setChangeComment(e.currentTarget.value)}
            data-testid="change-comment"
          />
          <Button
            disabled={!changeComment.trim()}
            loading={busy === 'request-changes'}
            onClick={async () => {
              if (await act('request-changes', changeComment.trim(), 'Changes requested')) {
                setAsking(false);
                setChangeComment('');
              }
            }}
            data-testid="send-change-request"
          >
            Send
          </Button>
        </Stack>
      </Modal>
    </>
  );
}
