import { Alert, Card, Loader, SegmentedControl, Stack, Switch, Table, Text, Title } from '@mantine/core';
import { useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import { notifyError } from '../../lib/notify.ts';
import {
  type DigestFrequency,
  fetchPreferences,
  type NotificationPreference,
  PREFERENCES_KEY,
  savePreferences,
} from './notifications-api.ts';

const DIGEST_OPTIONS = [
  { value: 'off', label: 'Off' },
  { value: 'daily', label: 'Daily' },
  { value: 'weekly', label: 'Weekly' },
];

/** Profile section: per category, email at once on/off and the digest frequency. */
export function NotificationPreferences() {
  const queryClient = useQueryClient();
  const query = useQuery({ queryKey: PREFERENCES_KEY, queryFn: fetchPreferences });
  const save = useMutation({
    mutationFn: (item: NotificationPreference) =>
      savePreferences([
        { category: item.category, emailImmediate: item.emailImmediate, digest: item.digest },
      ]),
    onSuccess: (data) => queryClient.setQueryData(PREFERENCES_KEY, data),
    onError: (error) => notifyError(error, 'Could not save the notification setting'),
  });

  return (
    <Card withBorder padding="lg" component="section" aria-labelledby="notification-prefs-title">
      <Stack>
        <div>
          <Title order={2} size="h4" id="notification-prefs-title">
            Notifications
          </Title>
          <Text size="sm" c="dimmed">
            Everything appears under the bell. Choose what also reaches you by email, at once or in a digest
            (sent at 7:00 in your time zone; weekly digests on Mondays).
          </Text>
        </div>
        {query.data && !query.data.emailEnabled ? (
          <Alert color="gray">
            Email is not configured on this server yet; your choices are kept for when it is.
          </Alert>
        ) : null}
        {query.isPending ? <Loader size="sm" aria-label="Loading notification settings" /> : null}
        {query.isError ? <Alert color="red">Could not load notification settings.</Alert> : null}
        {query.data ? (
          <Table.ScrollContainer minWidth={420}>
            <Table verticalSpacing="xs">
              <Table.Thead>
                <Table.Tr>
                  <Table.Th>Category</Table.Th>
                  <Table.Th>Email at once</Table.Th>
                  <Table.Th>Digest</Table.Th>
                </Table.Tr>
              </Table.Thead>
              <Table.Tbody>
                {query.data.items.map((item) => (
                  <Table.Tr key={item.category}>
                    <Table.Td>{item.label}</Table.Td>
                    <Table.Td>
                      <Switch
                        aria-label={`Email at once: ${item.label}`}
                        checked={item.emailImmediate}
                        onChange={(event) =>
                          save.mutate({ ...item, emailImmediate: event.currentTarget.checked })
                        }
                      />
                    </Table.Td>
                    <Table.Td>
                      <SegmentedControl
                        size="xs"
                        aria-label={`Digest: ${item.label}`}
                        data={DIGEST_OPTIONS}
                        value={item.digest}
                        onChange={(value) => save.mutate({ ...item, digest: value as DigestFrequency })}
                      />
                    </Table.Td>
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
