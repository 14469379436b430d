import { Button, Card, Group, NumberInput, Stack, TagsInput, Text, Title } from '@mantine/core';
import { useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import { type FormEvent, useState } from 'react';
import { ApiError, apiPatch } from '../../lib/api.ts';
import { notifyError, notifySuccess } from '../../lib/notify.ts';
import { QueryStates } from './metric-bits.tsx';
import {
  METRICS_KEY,
  type MetricSettings,
  type MetricSettingsPatch,
  metricSettingsQuery,
} from './metrics-api.ts';
import {
  type StrikeDraft,
  type StrikeErrors,
  strikeDraftOf,
  strikeErrorsOf,
  strikePatch,
} from './strike-settings-model.ts';

/**
 * Admin → Settings: what strike rate counts — the window in days after a visit and the activity
 * outcomes that mean an order was taken. Saving sends only what changed; errors show under their
 * field. The page is admin-only (as the PATCH is), like the cards beside it.
 */
export function StrikeSettingsCard() {
  const settings = useQuery(metricSettingsQuery);
  return (
    <Card withBorder padding="lg" data-testid="strike-settings">
      <Stack gap="md">
        <Stack gap={4}>
          <Title order={2} size="h4">
            Strike rate
          </Title>
          <Text size="sm">
            A visit is a strike when, within the window after it, a deal is won on the same account or an
            activity there — the visit itself or a later one, by anyone — records one of the order outcomes.
          </Text>
        </Stack>
        <QueryStates query={settings} label="the strike-rate settings">
          {() => (
            <StrikeForm
              // A fresh draft once the saved strike settings change — not when another card saves.
              key={JSON.stringify([settings.data?.strikeWindowDays, settings.data?.orderOutcomes])}
              settings={settings.data!}
            />
          )}
        </QueryStates>
      </Stack>
    </Card>
  );
}

function StrikeForm({ settings }: { settings: MetricSettings }) {
  const client = useQueryClient();
  const [draft, setDraft] = useState<StrikeDraft>(() => strikeDraftOf(settings));
  const [errors, setErrors] = useState<StrikeErrors>({});
  const { patch } = strikePatch(settings, draft);
  // A window typed out of range is a change too: saving it shows why it cannot be saved.
  const changed = draft.windowDays !== settings.strikeWindowDays || Object.keys(patch).length > 0;

  const save = useMutation({
    mutationFn: (body: MetricSettingsPatch) => apiPatch<MetricSettings>('/api/metrics/settings', body),
    onSuccess: (next) => {
      setErrors({});
      client.setQueryData(metricSettingsQuery.queryKey, next);
      // Strike rates and the definition shown from now on follow the new window and outcomes.
      void client.invalidateQueries({
        queryKey: METRICS_KEY,
        predicate: (q) => q.queryKey[1] !== 'settings',
      });
      notifySuccess('Strike-rate settings saved');
    },
    onError: (error, sent) => {
      const byField = error instanceof ApiError ? strikeErrorsOf(error.fields, sent) : null;
      if (byField && Object.keys(byField).length > 0) setErrors(byField);
      else {
        setErrors({});
        notifyError(error, 'Could not save the strike-rate settings');
      }
    },
  });

  function handleSubmit(event: FormEvent<HTMLFormElement>): void {
    event.preventDefault();
    const checked = strikePatch(settings, draft);
    setErrors(checked.errors);
    if (Object.keys(checked.errors).length === 0 && Object.keys(checked.patch).length > 0)
      save.mutate(checked.patch);
  }

  return (
    <form onSubmit={handleSubmit} noValidate aria-label="Strike-rate settings">
      <Stack gap="md">
        <NumberInput
          label="Strike window (days)"
          description="Days after a visit, the visit’s own moment included: 1 to 365."
          min={1}
          max={365}
          allowDecimal={false}
          allowNegative={false}
          clampBehavior="none"
          value={draft.windowDays}
          onChange={(windowDays) => setDraft((d) => ({ ...d, windowDays }))}
          error={errors.strikeWindowDays}
          maw={220}
          data-testid="strike-window-input"
        />
        <TagsInput
          label="Order outcomes"
          description="Activity outcomes that mean an order was taken, matched ignoring case and surrounding spaces. Press Enter after each. Empty: only won deals count."
          value={draft.orderOutcomes}
          onChange={(orderOutcomes) => setDraft((d) => ({ ...d, orderOutcomes }))}
          error={errors.orderOutcomes}
          maxTags={50}
          data-testid="order-outcomes-input"
        />
        <Group justify="flex-end">
          <Button type="submit" loading={save.isPending} disabled={!changed} data-testid="strike-save">
            Save strike rate
          </Button>
        </Group>
      </Stack>
    </form>
  );
}
