import {
  Alert,
  Badge,
  Button,
  Card,
  Group,
  Radio,
  Select,
  SimpleGrid,
  Stack,
  Text,
  Title,
} from '@mantine/core';
import { IconInfoCircle } from '@tabler/icons-react';
import { useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import { type FormEvent, useState } from 'react';
import { ApiError, apiPatch } from '../../lib/api.ts';
import { notifyError, notifySuccess } from '../../lib/notify.ts';
import { QueryStates } from './metric-bits.tsx';
import {
  catalogQuery,
  METRICS_KEY,
  type Metric,
  type MetricSettings,
  type MetricSettingsPatch,
  metricSettingsQuery,
  type PeerVisibility,
} from './metrics-api.ts';
import {
  changeCount,
  draftOf,
  type MetricChoice,
  VISIBILITIES,
  VISIBILITY_WORDS,
  type VisibilityDraft,
  visibilityFieldOf,
  visibilityPatch,
} from './visibility-settings-model.ts';

/**
 * Admin → Settings: what reps see of their peers' numbers, as a default and per metric of the
 * catalog (built-in and custom). Saving sends only what changed. The page is admin-only (as the
 * PATCH is); the card itself assumes an admin, like the leaderboard switch beside it.
 */
export function VisibilitySettingsCard() {
  const settings = useQuery(metricSettingsQuery);
  const catalog = useQuery(catalogQuery);
  const both = {
    isPending: settings.isPending || catalog.isPending,
    isError: settings.isError || catalog.isError,
    error: settings.error ?? catalog.error,
    refetch: () => Promise.all([settings.refetch(), catalog.refetch()]),
  };
  return (
    <Card withBorder padding="lg" data-testid="visibility-settings">
      <Stack gap="md">
        <Stack gap={4}>
          <Title order={2} size="h4" id="peer-visibility-title">
            Peer visibility
          </Title>
          <Text size="sm">
            What reps see of their peers’ numbers — teammates and people in other teams — on dashboards,
            leaderboards and the records behind a number.
          </Text>
        </Stack>
        <Alert variant="light" color="blue" icon={<IconInfoCircle aria-hidden />} p="sm">
          <Text size="sm">
            Managers always see the numbers of the reps under them, and admins everyone’s, whatever you choose
            here. What a manager sees about a rep, that rep sees too: everyone sees their own numbers in full.
          </Text>
        </Alert>
        <QueryStates query={both} label="the visibility settings">
          {() => (
            <VisibilityForm
              // A new form (fresh draft) once the saved visibility or the catalog change — not when
              // the leaderboard switch beside it saves.
              key={JSON.stringify([
                settings.data?.defaultVisibility,
                settings.data?.visibility,
                catalog.data?.items.map((m) => m.key),
              ])}
              settings={settings.data!}
              metrics={catalog.data!.items}
            />
          )}
        </QueryStates>
      </Stack>
    </Card>
  );
}

interface FieldErrors {
  defaultVisibility?: string;
  metrics: Record<string, string>;
}

const NO_ERRORS: FieldErrors = { metrics: {} };

function sentence(message: string): string {
  return message ? `${message[0]!.toUpperCase()}${message.slice(1)}` : message;
}

function VisibilityForm({ settings, metrics }: { settings: MetricSettings; metrics: Metric[] }) {
  const client = useQueryClient();
  const [draft, setDraft] = useState<VisibilityDraft>(() =>
    draftOf(
      settings,
      metrics.map((m) => m.key),
    ),
  );
  const [errors, setErrors] = useState<FieldErrors>(NO_ERRORS);
  const patch = visibilityPatch(settings, draft);
  const changes = changeCount(patch);

  const save = useMutation({
    mutationFn: (body: MetricSettingsPatch) => apiPatch<MetricSettings>('/api/metrics/settings', body),
    onSuccess: (next) => {
      setErrors(NO_ERRORS);
      client.setQueryData(metricSettingsQuery.queryKey, next);
      // Values, grids and leaderboards shown from now on follow the new settings.
      void client.invalidateQueries({
        queryKey: METRICS_KEY,
        predicate: (q) => q.queryKey[1] !== 'settings' && q.queryKey[1] !== 'catalog',
      });
      notifySuccess('Peer visibility saved');
    },
    onError: (error) => {
      if (!(error instanceof ApiError) || error.fields.length === 0) {
        setErrors(NO_ERRORS);
        notifyError(error, 'Could not save peer visibility');
        return;
      }
      const next: FieldErrors = { metrics: {} };
      const rest: string[] = [];
      for (const f of error.fields) {
        const field = visibilityFieldOf(f.path);
        if (field?.type === 'default' && !next.defaultVisibility)
          next.defaultVisibility = sentence(f.message);
        else if (field?.type === 'metric' && field.key in draft.metrics && !next.metrics[field.key])
          next.metrics[field.key] = sentence(f.message);
        else rest.push(f.path ? `${f.path}: ${f.message}` : f.message);
      }
      setErrors(next);
      if (rest.length > 0) notifyError(new Error(rest.join(' · ')), 'Could not save peer visibility');
    },
  });

  function submit(event: FormEvent<HTMLFormElement>): void {
    event.preventDefault();
    if (changes > 0) save.mutate(patch);
  }

  function setMetric(key: string, choice: MetricChoice): void {
    setDraft((d) => ({ ...d, metrics: { ...d.metrics, [key]: choice } }));
    setErrors((e) => {
      if (!(key in e.metrics)) return e;
      const { [key]: _cleared, ...rest } = e.metrics;
      return { ...e, metrics: rest };
    });
  }

  const defaultWords = VISIBILITY_WORDS[draft.defaultVisibility].label;
  const options = [
    { value: 'default', label: `Default (${defaultWords})` },
    ...VISIBILITIES.map((v) => ({ value: v, label: VISIBILITY_WORDS[v].label })),
  ];

  return (
    <form onSubmit={submit} noValidate aria-labelledby="peer-visibility-title">
      <Stack gap="lg">
        <Radio.Group
          label="Default for every metric"
          description="Applies to each metric left on “Default” below, and to custom metrics added later."
          value={draft.defaultVisibility}
          onChange={(value) => {
            setDraft((d) => ({ ...d, defaultVisibility: value as PeerVisibility }));
            setErrors((e) => ({ ...e, defaultVisibility: undefined }));
          }}
          error={errors.defaultVisibility}
          data-testid="visibility-default"
        >
          <Stack gap="sm" mt="xs">
            {VISIBILITIES.map((v) => (
              <Radio
                key={v}
                value={v}
                label={VISIBILITY_WORDS[v].label}
                description={VISIBILITY_WORDS[v].explanation}
                data-testid={`visibility-default-${v}`}
              />
            ))}
          </Stack>
        </Radio.Group>

        <Stack gap="xs">
          <Title order={3} size="h5">
            Per metric
          </Title>
          <Text size="sm" c="dimmed">
            Choose “Default” to follow the setting above, or give a metric its own.
          </Text>
          <SimpleGrid cols={{ base: 1, sm: 2 }} spacing="md" verticalSpacing="sm">
            {metrics.map((m) => {
              const choice = draft.metrics[m.key] ?? 'default';
              const saved = settings.visibility[m.key] ?? 'default';
              return (
                <Select
                  key={m.key}
                  label={
                    <Group gap={6} wrap="nowrap" component="span">
                      <span>{m.name}</span>
                      {m.custom ? (
                        <Badge size="xs" variant="outline" color="gray.8" component="span">
                          Custom
                        </Badge>
                      ) : null}
                      {choice !== saved ? (
                        <Badge size="xs" variant="filled" color="orange.9" component="span">
                          Changed
                        </Badge>
                      ) : null}
                    </Group>
                  }
                  data={options}
                  value={choice}
                  onChange={(value) => value && setMetric(m.key, value as MetricChoice)}
                  allowDeselect={false}
                  error={errors.metrics[m.key]}
                  data-testid={`visibility-metric-${m.key}`}
                />
              );
            })}
          </SimpleGrid>
        </Stack>

        <Group justify="flex-end" gap="sm">
          <Button
            variant="default"
            disabled={changes === 0 || save.isPending}
            onClick={() => {
              setDraft(
                draftOf(
                  settings,
                  metrics.map((m) => m.key),
                ),
              );
              setErrors(NO_ERRORS);
            }}
          >
            Discard
          </Button>
          <Button
            type="submit"
            loading={save.isPending}
            disabled={changes === 0}
            data-testid="save-visibility"
          >
            {changes === 0 ? 'No changes' : changes === 1 ? 'Save 1 change' : `Save ${changes} changes`}
          </Button>
        </Group>
      </Stack>
    </form>
  );
}
