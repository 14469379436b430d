import {
  ActionIcon,
  Button,
  Card,
  Group,
  NumberInput,
  SegmentedControl,
  Select,
  SimpleGrid,
  Stack,
  Text,
  Textarea,
  TextInput,
} from '@mantine/core';
import { useDebouncedValue } from '@mantine/hooks';
import { IconPlus, IconTrash } from '@tabler/icons-react';
import { useQuery } from '@tanstack/react-query';
import { useState } from 'react';
import { builtinMetrics, metricInfo } from '../../../shared/metrics-catalog.ts';
import { type SmartDraft, smartCheck } from '../../../shared/smart-check.ts';
import { useSession } from '../../lib/session-context.ts';
import type { PersonRef } from '../../lib/types.ts';
import { useFormErrors } from '../../lib/use-form-errors.ts';
import { UserPicker } from '../users/user-picker.tsx';
import {
  fetchGoalSettings,
  fetchGoals,
  fetchObjectives,
  fetchPlaybookTargets,
  GOALS_KEY,
  type Goal,
  type GoalInput,
  isMoney,
  type SupportKind,
  serverSmartCheck,
} from './goals-api.ts';
import { SmartPanel } from './smart-panel.tsx';

const FIELDS = [
  'title',
  'description',
  'metricKey',
  'manualUnit',
  'doneCriterion',
  'baseline',
  'target',
  'startDate',
  'deadline',
  'checkpoints',
  'supports',
  'ownerUserId',
  'ownerTeamId',
  'currency',
] as const;

interface FormState {
  ownerMode: 'me' | 'person' | 'team';
  person: PersonRef | null;
  teamId: string | null;
  title: string;
  description: string;
  measure: 'metric' | 'manual';
  metricKey: string | null;
  manualUnit: string;
  doneCriterion: string;
  baseline: number | '';
  target: number | '';
  startDate: string;
  deadline: string;
  checkpoints: { key: number; date: string; target: number | '' }[];
  supports: string | null;
}

let checkpointKey = 0;

/** Today in a time zone, as YYYY-MM-DD. */
export function todayIn(timeZone: string): string {
  return new Intl.DateTimeFormat('en-CA', {
    timeZone,
    year: 'numeric',
    month: '2-digit',
    day: '2-digit',
  }).format(new Date());
}

function initialState(goal: Goal | undefined, today: string): FormState {
  const money = isMoney(goal?.metric?.unit);
  const shown = (v: number) => (money ? v / 100 : v);
  return {
    ownerMode: goal?.owner.kind === 'team' ? 'team' : 'me',
    person: null,
    teamId: goal?.owner.team?.id ?? null,
    title: goal?.title ?? '',
    description: goal?.description ?? '',
    measure: goal && !goal.metric ? 'manual' : 'metric',
    metricKey: goal?.metric?.key ?? null,
    manualUnit: goal?.manualUnit ?? '',
    doneCriterion: goal?.doneCriterion ?? '',
    baseline: goal ? shown(goal.baseline) : '',
    target: goal ? shown(goal.target) : '',
    startDate: goal?.startDate ?? today,
    deadline: goal?.deadline ?? '',
    checkpoints: (goal?.checkpoints ?? []).map((c) => ({
      key: ++checkpointKey,
      date: c.date,
      target: shown(c.target),
    })),
    supports: goal?.supports ? `${goal.supports.kind}:${goal.supports.id}` : null,
  };
}

function toInput(s: FormState, meId: string): GoalInput {
  const info = s.measure === 'metric' && s.metricKey ? metricInfo(s.metricKey) : undefined;
  const scale = isMoney(info?.unit) ? 100 : 1;
  const num = (v: number | '') => (v === '' ? Number.NaN : Math.round(v * scale * 1e6) / 1e6);
  const [kind, id] = s.supports ? (s.supports.split(':') as [SupportKind, string]) : [null, null];
  return {
    ownerKind: s.ownerMode === 'team' ? 'team' : 'user',
    ownerUserId: s.ownerMode === 'person' ? s.person?.id : s.ownerMode === 'me' ? meId : undefined,
    ownerTeamId: s.ownerMode === 'team' ? (s.teamId ?? undefined) : undefined,
    title: s.title,
    description: s.description,
    metricKey: s.measure === 'metric' ? s.metricKey : null,
    manualUnit: s.measure === 'manual' ? s.manualUnit || null : null,
    doneCriterion: s.measure === 'manual' ? s.doneCriterion || null : null,
    baseline: num(s.baseline),
    target: num(s.target),
    startDate: s.startDate,
    deadline: s.deadline,
    checkpoints: s.checkpoints.map((c) => ({ date: c.date, target: num(c.target) })),
    supports: kind && id ? { kind, id } : null,
  };
}

/**
 * The goal editor. The SMART check runs here on every keystroke with the shared function; a moment
 * after typing stops, the server runs it again with the owner's history, which replaces the local
 * verdicts for the same draft.
 */
export function GoalForm({
  goal,
  submitLabel,
  onSubmit,
}: {
  goal?: Goal;
  submitLabel: string;
  onSubmit: (input: GoalInput) => Promise<unknown>;
}) {
  const me = useSession();
  const today = todayIn(me.org.timeZone);
  const [s, setS] = useState<FormState>(() => initialState(goal, today));
  const set = <K extends keyof FormState>(key: K, value: FormState[K]) =>
    setS((cur) => ({ ...cur, [key]: value }));
  const { errors, handleError, clear } = useFormErrors(FIELDS);
  const [saving, setSaving] = useState(false);

  const settings = useQuery({ queryKey: [...GOALS_KEY, 'settings'], queryFn: fetchGoalSettings });
  const objectives = useQuery({ queryKey: ['objectives'], queryFn: fetchObjectives });
  const goals = useQuery({ queryKey: GOALS_KEY, queryFn: fetchGoals });
  const playbookTargets = useQuery({ queryKey: ['playbooks', 'targets'], queryFn: fetchPlaybookTargets });

  const input = toInput(s, me.user.id);
  const supportOptions = [
    {
      group: 'Org objectives',
      items: (objectives.data?.items ?? [])
        .filter((o) => o.active || `objective:${o.id}` === s.supports)
        .map((o) => ({ value: `objective:${o.id}`, label: o.title })),
    },
    {
      group: 'Playbook targets',
      items: (playbookTargets.data ?? []).map((t) => ({ value: `playbook_target:${t.id}`, label: t.label })),
    },
    {
      group: 'Team goals',
      items: (goals.data?.items ?? [])
        .filter((g) => g.owner.kind === 'team' && g.id !== goal?.id)
        .map((g) => ({ value: `goal:${g.id}`, label: g.title })),
    },
  ];
  const linkTitle = supportOptions.flatMap((g) => g.items).find((o) => o.value === s.supports)?.label;
  const draft: SmartDraft = {
    title: input.title,
    ownerKind: input.ownerKind ?? 'user',
    metricKey: input.metricKey,
    manualUnit: input.manualUnit ?? null,
    doneCriterion: input.doneCriterion ?? null,
    baseline: Number.isFinite(input.baseline) ? input.baseline : null,
    target: Number.isFinite(input.target) ? input.target : null,
    startDate: input.startDate || null,
    deadline: input.deadline || null,
    checkpoints: input.checkpoints,
    supports: input.supports,
  };
  const local = smartCheck(draft, {
    today,
    horizonDays: settings.data?.horizonDays ?? 400,
    achievableFactor: settings.data?.achievableFactor ?? 1.5,
    currency: me.org.currency,
    link: linkTitle ? { title: linkTitle, active: true } : null,
  });
  const [debounced] = useDebouncedValue(draft, 500);
  const remote = useQuery({
    queryKey: [...GOALS_KEY, 'smart', input.ownerKind, input.ownerUserId, input.ownerTeamId, debounced],
    queryFn: () =>
      serverSmartCheck({
        ownerUserId: input.ownerUserId,
        ownerTeamId: input.ownerTeamId,
        ...debounced,
      } as Partial<GoalInput>),
    enabled: debounced.title.length > 0,
    retry: false,
  });
  const fresh = JSON.stringify(debounced) === JSON.stringify(draft) && remote.data;
  const smart = fresh ? remote.data! : local;

  const info = s.metricKey ? metricInfo(s.metricKey) : undefined;
  const unitLabel =
    s.measure === 'manual'
      ? s.manualUnit || 'units'
      : isMoney(info?.unit)
        ? me.org.currency
        : (info?.unit ?? '');
  const managerTeams = me.teams.filter((t) => t.relation === 'manager');

  async function submit(event: React.FormEvent) {
    event.preventDefault();
    clear();
    setSaving(true);
    try {
      await onSubmit(input);
    } catch (error) {
      handleError(error, 'The goal was not saved');
    } finally {
      setSaving(false);
    }
  }

  return (
    <form onSubmit={submit} noValidate>
      <SimpleGrid cols={{ base: 1, md: 2 }} spacing="lg">
        <Stack gap="sm">
          {!goal && me.role !== 'rep' ? (
            <>
              <SegmentedControl
                aria-label="Whose goal"
                value={s.ownerMode}
                onChange={(v) => set('ownerMode', v as FormState['ownerMode'])}
                data={[
                  { value: 'me', label: 'Mine' },
                  { value: 'person', label: 'Someone I manage' },
                  { value: 'team', label: 'A team' },
                ]}
              />
              {s.ownerMode === 'person' ? (
                <UserPicker label="Owner" value={s.person} onChange={(p) => set('person', p)} />
              ) : null}
              {s.ownerMode === 'team' ? (
                <Select
                  label="Team"
                  data={managerTeams.map((t) => ({ value: t.id, label: t.name }))}
                  value={s.teamId}
                  onChange={(v) => set('teamId', v)}
                  error={errors.ownerTeamId}
                />
              ) : null}
            </>
          ) : null}
          <TextInput
            label="Title"
            description="What will be achieved, for whom and where"
            value={s.title}
            onChange={(e) => set('title', e.currentTarget.value)}
            error={errors.title}
            required
            data-testid="goal-title"
          />
          <Textarea
            label="Description"
            autosize
            minRows={2}
            value={s.description}
            onChange={(e) => set('description', e.currentTarget.value)}
            error={errors.description}
          />
          <SegmentedControl
            aria-label="Measured by"
            value={s.measure}
            onChange={(v) => set('measure', v as FormState['measure'])}
            data={[
              { value: 'metric', label: 'A metric' },
              { value: 'manual', label: 'A manual measure' },
            ]}
          />
          {s.measure === 'metric' ? (
            <Select
              label="Metric"
              data={builtinMetrics.map((m) => ({ value: m.key, label: m.name }))}
              value={s.metricKey}
              onChange={(v) => set('metricKey', v)}
              description={info?.definition}
              error={errors.metricKey ?? errors.currency}
              searchable
              data-testid="goal-metric"
            />
          ) : (
            <>
              <TextInput
                label="Unit"
                description="What you count, e.g. modules"
                value={s.manualUnit}
                onChange={(e) => set('manualUnit', e.currentTarget.value)}
                error={errors.manualUnit}
              />
              <TextInput
                label="Done when"
                value={s.doneCriterion}
                onChange={(e) => set('doneCriterion', e.currentTarget.value)}
                error={errors.doneCriterion}
              />
            </>
          )}
          <Group grow>
            <NumberInput
              label={`Baseline (${unitLabel})`}
              value={s.baseline}
              onChange={(v) => set('baseline', typeof v === 'number' ? v : '')}
              error={errors.baseline}
              data-testid="goal-baseline"
            />
            <NumberInput
              label={`Target (${unitLabel})`}
              value={s.target}
              onChange={(v) => set('target', typeof v === 'number' ? v : '')}
              error={errors.target}
              data-testid="goal-target"
            />
          </Group>
          <Group grow>
            <TextInput
              label="Start"
              type="date"
              value={s.startDate}
              onChange={(e) => set('startDate', e.currentTarget.value)}
              error={errors.startDate}
              data-testid="goal-start"
            />
            <TextInput
              label="Deadline"
              type="date"
              value={s.deadline}
              onChange={(e) => set('deadline', e.currentTarget.value)}
              error={errors.deadline}
              data-testid="goal-deadline"
            />
          </Group>
          <Stack gap={4}>
            <Text size="sm" fw={500}>
              Checkpoints
            </Text>
            {s.checkpoints.map((c, i) => (
              <Group key={c.key} gap="xs" align="flex-end" wrap="nowrap">
                <TextInput
                  label={`Checkpoint ${i + 1} date`}
                  type="date"
                  value={c.date}
                  onChange={(e) => {
                    const date = e.currentTarget.value;
                    set(
                      'checkpoints',
                      s.checkpoints.map((x, j) => (j === i ? { ...x, date } : x)),
                    );
                  }}
                  data-testid={`checkpoint-date-${i}`}
                />
                <NumberInput
                  label={`Target by then (${unitLabel})`}
                  value={c.target}
                  onChange={(v) =>
                    set(
                      'checkpoints',
                      s.checkpoints.map((x, j) =>
                        j === i ? { ...x, target: typeof v === 'number' ? v : '' } : x,
                      ),
                    )
                  }
                  data-testid={`checkpoint-target-${i}`}
                />
                <ActionIcon
                  variant="subtle"
                  color="red"
                  aria-label={`Remove checkpoint ${i + 1}`}
                  onClick={() =>
                    set(
                      'checkpoints',
                      s.checkpoints.filter((_, j) => j !== i),
                    )
                  }
                >
                  <IconTrash size={16} />
                </ActionIcon>
              </Group>
            ))}
            {errors.checkpoints ? (
              <Text size="sm" c="red">
                {errors.checkpoints}
              </Text>
            ) : null}
            <Button
              variant="subtle"
              leftSection={<IconPlus size={16} />}
              onClick={() =>
                set('checkpoints', [...s.checkpoints, { key: ++checkpointKey, date: '', target: '' }])
              }
              w="fit-content"
            >
              Add a checkpoint
            </Button>
          </Stack>
          <Select
            label="Supports"
            description="The org objective or team goal this goal serves"
            data={supportOptions}
            value={s.supports}
            onChange={(v) => set('supports', v)}
            error={errors.supports}
            clearable
            data-testid="goal-supports"
          />
          <Button type="submit" loading={saving} w="fit-content" data-testid="goal-save">
            {submitLabel}
          </Button>
        </Stack>
        <Card withBorder padding="md" radius="md" h="fit-content">
          <SmartPanel result={smart} />
        </Card>
      </SimpleGrid>
    </form>
  );
}
