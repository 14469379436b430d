import { Button, Card, Group, NumberInput, Stack, Text, Title } from '@mantine/core';
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
import { outreachErrorOf, outreachPatch } from './outreach-settings-model.ts';

/**
 * Admin → Settings: what "meetings from outreach" counts — the days after a call or email in which
 * a meeting on the same account converts it. Saving sends only a change; errors show under the field.
 */
export function OutreachSettingsCard() {
  const settings = useQuery(metricSettingsQuery);
  return (
    <Card withBorder padding="lg" data-testid="outreach-settings">
      <Stack gap="md">
        <Stack gap={4}>
          <Title order={2} size="h4">
            Meetings from outreach
          </Title>
          <Text size="sm">
            A call or email converts when a meeting on the same account — by anyone — follows it within the
            window. Calls and emails without an account never convert.
          </Text>
        </Stack>
        <QueryStates query={settings} label="the outreach settings">
          {() => (
            <OutreachForm
              // A fresh draft once the saved window changes — not when another card saves.
              key={settings.data?.meetingWindowDays}
              settings={settings.data!}
            />
          )}
        </QueryStates>
      </Stack>
    </Card>
  );
}

function OutreachForm({ settings }: { settings: MetricSettings }) {
  const client = useQueryClient();
  const [windowDays, setWindowDays] = useState<number | string>(settings.meetingWindowDays);
  const [error, setError] = useState<string | null>(null);
  // A window typed out of range is a change too: saving it shows why it cannot be saved.
  const changed = windowDays !== settings.meetingWindowDays;

  const save = useMutation({
    mutationFn: (body: MetricSettingsPatch) => apiPatch<MetricSettings>('/api/metrics/settings', body),
    onSuccess: (next) => {
      setError(null);
      client.setQueryData(metricSettingsQuery.queryKey, next);
      // Values and the definition shown from now on follow the new window.
      void client.invalidateQueries({
        queryKey: METRICS_KEY,
        predicate: (q) => q.queryKey[1] !== 'settings',
      });
      notifySuccess('Outreach settings saved');
    },
    onError: (err) => {
      const byField = err instanceof ApiError ? outreachErrorOf(err.fields) : null;
      setError(byField);
      if (!byField) notifyError(err, 'Could not save the outreach settings');
    },
  });

  function handleSubmit(event: FormEvent<HTMLFormElement>): void {
    event.preventDefault();
    const checked = outreachPatch(settings, windowDays);
    setError(checked.error);
    if (!checked.error && Object.keys(checked.patch).length > 0) save.mutate(checked.patch);
  }

  return (
    <form onSubmit={handleSubmit} noValidate aria-label="Meetings-from-outreach settings">
      <Stack gap="md">
        <NumberInput
          label="Meeting window (days)"
          description="Days after a call or email, its own moment included: 1 to 365."
          min={1}
          max={365}
          allowDecimal={false}
          allowNegative={false}
          clampBehavior="none"
          value={windowDays}
          onChange={setWindowDays}
          error={error}
          maw={220}
          data-testid="meeting-window-input"
        />
        <Group justify="flex-end">
          <Button type="submit" loading={save.isPending} disabled={!changed} data-testid="outreach-save">
            Save outreach window
          </Button>
        </Group>
      </Stack>
    </form>
  );
}
