import {
  Alert,
  Badge,
  Button,
  Card,
  Group,
  Loader,
  NumberInput,
  Stack,
  Switch,
  Text,
  TextInput,
  Title,
} from '@mantine/core';
import { useQuery, useQueryClient } from '@tanstack/react-query';
import { type FormEvent, useState } from 'react';
import { PageHeader } from '../components/page-header.tsx';
import {
  fetchGoalSettings,
  fetchObjectives,
  GOALS_KEY,
  type GoalSettings,
  type Objective,
} from '../features/goals/goals-api.ts';
import { apiDelete, apiPatch, apiPost } from '../lib/api.ts';
import { errorMessage, notifyError, notifySuccess } from '../lib/notify.ts';
import { useFormErrors } from '../lib/use-form-errors.ts';

const OBJECTIVES_KEY = ['objectives'] as const;

function SettingsCard({ settings }: { settings: GoalSettings }) {
  const client = useQueryClient();
  const [horizon, setHorizon] = useState<number | ''>(settings.horizonDays);
  const [factor, setFactor] = useState<number | ''>(settings.achievableFactor);
  const { errors, handleError } = useFormErrors(['horizonDays', 'achievableFactor'] as const);
  async function save(event: FormEvent) {
    event.preventDefault();
    try {
      await apiPatch<GoalSettings>('/api/goals/settings', { horizonDays: horizon, achievableFactor: factor });
      await client.invalidateQueries({ queryKey: GOALS_KEY });
      notifySuccess('Goal settings saved');
    } catch (error) {
      handleError(error, 'Could not save the goal settings');
    }
  }
  return (
    <Card withBorder padding="md" radius="md" component="form" onSubmit={save}>
      <Title order={2} size="h4" mb="xs">
        SMART check settings
      </Title>
      <Group align="flex-end" wrap="wrap">
        <NumberInput
          label="Goal horizon (days)"
          description="No deadline further away than this"
          min={7}
          max={1100}
          value={horizon}
          onChange={(v) => setHorizon(typeof v === 'number' ? v : '')}
          error={errors.horizonDays}
        />
        <NumberInput
          label="Achievable factor"
          description="A target above the best ever × this fails"
          min={1}
          max={10}
          step={0.1}
          decimalScale={2}
          value={factor}
          onChange={(v) => setFactor(typeof v === 'number' ? v : '')}
          error={errors.achievableFactor}
        />
        <Button type="submit">Save</Button>
      </Group>
    </Card>
  );
}

function ObjectiveRow({ objective, onChange }: { objective: Objective; onChange: () => void }) {
  return (
    <Group justify="space-between" wrap="wrap" gap="xs" data-testid="objective-row">
      <Stack gap={0}>
        <Text fw={500}>{objective.title}</Text>
        {objective.description ? (
          <Text size="sm" c="dimmed">
            {objective.description}
          </Text>
        ) : null}
      </Stack>
      <Group gap="xs">
        {objective.active ? null : <Badge color="gray">Inactive</Badge>}
        <Switch
          label="Active"
          checked={objective.active}
          onChange={async (event) => {
            try {
              await apiPatch(`/api/objectives/${objective.id}`, { active: event.currentTarget.checked });
              onChange();
            } catch (error) {
              notifyError(error);
            }
          }}
        />
        <Button
          variant="subtle"
          color="red"
          size="xs"
          onClick={async () => {
            try {
              await apiDelete(`/api/objectives/${objective.id}`);
              onChange();
            } catch (error) {
              notifyError(error, 'Not deleted');
            }
          }}
        >
          Delete
        </Button>
      </Group>
    </Group>
  );
}

/** Admins keep the org objectives goals support, and the SMART check's org settings. */
export function ObjectivesPage() {
  const client = useQueryClient();
  const objectives = useQuery({ queryKey: OBJECTIVES_KEY, queryFn: fetchObjectives });
  const settings = useQuery({ queryKey: [...GOALS_KEY, 'settings'], queryFn: fetchGoalSettings });
  const [title, setTitle] = useState('');
  const [description, setDescription] = useState('');
  const { errors, handleError, clear } = useFormErrors(['title', 'description'] as const);
  const refresh = () => client.invalidateQueries({ queryKey: OBJECTIVES_KEY });

  async function create(event: FormEvent) {
    event.preventDefault();
    clear();
    try {
      await apiPost('/api/objectives', { title, description });
      setTitle('');
      setDescription('');
      await refresh();
    } catch (error) {
      handleError(error, 'The objective was not created');
    }
  }

  return (
    <>
      <PageHeader
        title="Objectives"
        description="What the organisation aims for; goals say which one they support."
      />
      <Stack maw={900} gap="lg">
        {settings.data ? <SettingsCard settings={settings.data} /> : <Loader size="sm" />}
        <Card withBorder padding="md" radius="md" component="form" onSubmit={create}>
          <Group align="flex-end" wrap="wrap">
            <TextInput
              label="New objective"
              value={title}
              onChange={(e) => setTitle(e.currentTarget.value)}
              error={errors.title}
              style={{ flex: 1 }}
            />
            <TextInput
              label="Description"
              value={description}
              onChange={(e) => setDescription(e.currentTarget.value)}
              error={errors.description}
              style={{ flex: 2 }}
            />
            <Button type="submit" disabled={!title.trim()}>
              Add
            </Button>
          </Group>
        </Card>
        {objectives.isError ? <Alert color="red">{errorMessage(objectives.error)}</Alert> : null}
        <Stack gap="sm">
          {(objectives.data?.items ?? []).map((o) => (
            <Card key={o.id} withBorder padding="sm" radius="md">
              <ObjectiveRow objective={o} onChange={refresh} />
            </Card>
          ))}
        </Stack>
      </Stack>
    </>
  );
}
