import { Card, Stack, Switch, Text, Title } from '@mantine/core';
import { useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import { apiPatch } from '../../lib/api.ts';
import { notifyError, notifySuccess } from '../../lib/notify.ts';
import { METRICS_KEY, type MetricSettings, metricSettingsQuery } from './metrics-api.ts';

/** Admin → Settings: whether leaderboards of activity counts (activities, visits, calls, meetings) are shown. */
export function LeaderboardSettingsCard() {
  const client = useQueryClient();
  const settings = useQuery(metricSettingsQuery);
  const save = useMutation({
    mutationFn: (activityLeaderboards: boolean) =>
      apiPatch<MetricSettings>('/api/metrics/settings', { activityLeaderboards }),
    onSuccess: (next) => {
      client.setQueryData(metricSettingsQuery.queryKey, next);
      void client.invalidateQueries({ queryKey: [...METRICS_KEY, 'leaderboard'] });
      notifySuccess(next.activityLeaderboards ? 'Activity leaderboards on' : 'Activity leaderboards off');
    },
    onError: (error) => notifyError(error, 'Could not change the setting'),
  });
  return (
    <Card withBorder padding="lg">
      <Stack gap="sm">
        <Title order={2} size="h4">
          Leaderboards
        </Title>
        <Switch
          label="Show leaderboards of activity counts"
          description="Activities, visits, calls, meetings and custom activity counts. Many teams find them demotivating for the middle of the pack; the numbers stay on dashboards either way."
          checked={settings.data?.activityLeaderboards ?? true}
          disabled={!settings.data || save.isPending}
          onChange={(event) => save.mutate(event.currentTarget.checked)}
          data-testid="activity-leaderboards-switch"
        />
        {settings.isError ? (
          <Text size="sm" c="red.9" role="alert">
            Could not load the KPI settings.
          </Text>
        ) : null}
      </Stack>
    </Card>
  );
}
