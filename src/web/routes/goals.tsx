import { Alert, Badge, Button, Card, Group, Loader, Stack, Text } from '@mantine/core';
import { IconPlus } from '@tabler/icons-react';
import { useQuery, useQueryClient } from '@tanstack/react-query';
import { Link, useNavigate } from 'react-router';
import { PageHeader } from '../components/page-header.tsx';
import { GoalForm } from '../features/goals/goal-form.tsx';
import {
  createGoal,
  fetchGoals,
  GOALS_KEY,
  type Goal,
  PROGRESS_LABELS,
  STATUS_LABELS,
} from '../features/goals/goals-api.ts';
import { errorMessage } from '../lib/notify.ts';

export function GoalStatusBadges({ goal }: { goal: Goal }) {
  return (
    <Group gap={6}>
      <Badge variant="light" color={goal.status === 'agreed' ? 'blue' : 'gray'} data-testid="goal-status">
        {STATUS_LABELS[goal.status]}
        {goal.status === 'proposed' && goal.awaiting ? ` · waits for the ${goal.awaiting}` : ''}
      </Badge>
      {goal.progressStatus ? (
        <Badge
          color={PROGRESS_LABELS[goal.progressStatus].color}
          autoContrast
          data-testid="goal-progress-status"
        >
          {PROGRESS_LABELS[goal.progressStatus].label}
        </Badge>
      ) : null}
    </Group>
  );
}

function GoalCard({ goal, beneath }: { goal: Goal; beneath: Goal[] }) {
  return (
    <Card withBorder padding="md" radius="md" data-testid="goal-card">
      <Stack gap={6}>
        <Group justify="space-between" wrap="wrap" gap="xs">
          <Text component={Link} to={`/goals/${goal.id}`} fw={600} c="blue">
            {goal.title}
          </Text>
          <GoalStatusBadges goal={goal} />
        </Group>
        <Text size="sm" c="dimmed">
          {goal.owner.kind === 'team' ? `Team ${goal.owner.team?.name}` : goal.owner.user?.name} ·{' '}
          {goal.metric?.name ?? goal.manualUnit} · {goal.startDate} → {goal.deadline}
        </Text>
        {beneath.length > 0 ? (
          <Stack gap={4} pl="md" style={{ borderLeft: '2px solid var(--mantine-color-gray-3)' }}>
            {beneath.map((c) => (
              <Group key={c.id} justify="space-between" gap="xs">
                <Text component={Link} to={`/goals/${c.id}`} size="sm">
                  {c.owner.user?.name ?? c.owner.team?.name}: {c.title}
                </Text>
                <GoalStatusBadges goal={c} />
              </Group>
            ))}
          </Stack>
        ) : null}
      </Stack>
    </Card>
  );
}

/** My goals, my team's, and those of everyone under me; team goals show the goals beneath them. */
export function GoalsPage() {
  const goals = useQuery({ queryKey: GOALS_KEY, queryFn: fetchGoals });
  const items = goals.data?.items ?? [];
  const ids = new Set(items.map((g) => g.id));
  const below = (g: Goal) => items.filter((c) => c.supports?.kind === 'goal' && c.supports.id === g.id);
  // Top level: goals whose parent is not in the list.
  const top = items.filter((g) => !(g.supports?.kind === 'goal' && ids.has(g.supports.id)));
  return (
    <>
      <PageHeader
        title="Goals"
        description="SMART goals, agreed both ways, with progress computed from your data."
        actions={
          <Button
            component={Link}
            to="/goals/new"
            leftSection={<IconPlus size={16} />}
            data-testid="new-goal"
          >
            New goal
          </Button>
        }
      />
      {goals.isPending ? <Loader /> : null}
      {goals.isError ? <Alert color="red">{errorMessage(goals.error)}</Alert> : null}
      {goals.data && items.length === 0 ? <Text c="dimmed">No goals yet. Start with a new goal.</Text> : null}
      <Stack gap="sm" maw={960}>
        {top.map((g) => (
          <GoalCard key={g.id} goal={g} beneath={below(g)} />
        ))}
      </Stack>
    </>
  );
}

export function NewGoalPage() {
  const navigate = useNavigate();
  const client = useQueryClient();
  return (
    <>
      <PageHeader
        title="New goal"
        description="Saved as a draft; propose it when the SMART check is happy."
      />
      <GoalForm
        submitLabel="Save draft"
        onSubmit={async (input) => {
          const goal = await createGoal(input);
          await client.invalidateQueries({ queryKey: GOALS_KEY });
          navigate(`/goals/${goal.id}`);
        }}
      />
    </>
  );
}
