import { Alert, Badge, Button, Card, Group, Stack, Table, Text, Title } from '@mantine/core';
import { useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import { useState } from 'react';
import { ConfirmModal } from '../../components/confirm-modal.tsx';
import { apiDelete, apiGet } from '../../lib/api.ts';
import { formatDateTime } from '../../lib/locale.ts';
import { notifyError, notifySuccess } from '../../lib/notify.ts';
import { useSession } from '../../lib/session-context.ts';
import type { Session } from '../../lib/types.ts';

const SESSIONS_KEY = ['me', 'sessions'] as const;

/** "Chrome on Android" from a user-agent string, good enough to recognise one's own devices. */
export function describeUserAgent(userAgent: string | null): string {
  if (!userAgent) return 'Unknown device';
  const browser = /Edg\//.test(userAgent)
    ? 'Edge'
    : /Firefox\//.test(userAgent)
      ? 'Firefox'
      : /Chrom(e|ium)\//.test(userAgent)
        ? 'Chrome'
        : /Safari\//.test(userAgent)
          ? 'Safari'
          : null;
  const os = /Android/.test(userAgent)
    ? 'Android'
    : /iPhone|iPad|iOS/.test(userAgent)
      ? 'iOS'
      : /Windows/.test(userAgent)
        ? 'Windows'
        : /Mac OS X|Macintosh/.test(userAgent)
          ? 'macOS'
          : /Linux/.test(userAgent)
            ? 'Linux'
            : null;
  if (browser && os) return `${browser} on ${os}`;
  return browser ?? os ?? userAgent.slice(0, 60);
}

export function Sessions() {
  const me = useSession();
  const queryClient = useQueryClient();
  const sessions = useQuery({
    queryKey: SESSIONS_KEY,
    queryFn: () => apiGet<{ items: Session[] }>('/api/me/sessions'),
  });
  const [ending, setEnding] = useState<Session | null>(null);
  const [endingOthers, setEndingOthers] = useState(false);

  const end = useMutation({
    mutationFn: (id: string) => apiDelete(`/api/me/sessions/${encodeURIComponent(id)}`),
    onSuccess: async () => {
      setEnding(null);
      notifySuccess('Session signed out');
      await queryClient.invalidateQueries({ queryKey: SESSIONS_KEY });
    },
    onError: (error) => notifyError(error, 'Could not sign out that session'),
  });

  const endOthers = useMutation({
    mutationFn: async (ids: string[]) => {
      for (const id of ids) await apiDelete(`/api/me/sessions/${encodeURIComponent(id)}`);
    },
    onSuccess: async () => {
      setEndingOthers(false);
      notifySuccess('Signed out everywhere else');
      await queryClient.invalidateQueries({ queryKey: SESSIONS_KEY });
    },
    onError: async (error) => {
      notifyError(error, 'Could not sign out every session');
      await queryClient.invalidateQueries({ queryKey: SESSIONS_KEY });
    },
  });

  const items = [...(sessions.data?.items ?? [])].sort(
    (a, b) => Number(b.current) - Number(a.current) || b.lastSeenAt.localeCompare(a.lastSeenAt),
  );
  const others = items.filter((session) => !session.current).map((session) => session.id);

  return (
    <Card withBorder padding="lg">
      <Stack gap="md">
        <Group justify="space-between">
          <Title order={2} size="h4">
            Where you are signed in
          </Title>
          {others.length > 0 ? (
            <Button size="xs" variant="default" onClick={() => setEndingOthers(true)}>
              Sign out everywhere else
            </Button>
          ) : null}
        </Group>
        {sessions.isError ? (
          <Alert color="red" role="alert">
            Could not load your sessions.
          </Alert>
        ) : null}
        {items.length > 0 ? (
          <Table.ScrollContainer type="native" minWidth={520} tabIndex={0} aria-label="Signed-in sessions">
            <Table verticalSpacing="xs" aria-label="Signed-in sessions">
              <Table.Thead>
                <Table.Tr>
                  <Table.Th scope="col">Device</Table.Th>
                  <Table.Th scope="col">Last active</Table.Th>
                  <Table.Th scope="col">Signed in</Table.Th>
                  <Table.Th scope="col">
                    <span className="visually-hidden">Actions</span>
                  </Table.Th>
                </Table.Tr>
              </Table.Thead>
              <Table.Tbody>
                {items.map((session) => (
                  <Table.Tr key={session.id} data-testid="session-row">
                    <Table.Td>
                      <Text size="sm">{describeUserAgent(session.userAgent)}</Text>
                      {session.ip ? (
                        <Text size="xs" c="dimmed">
                          {session.ip}
                        </Text>
                      ) : null}
                    </Table.Td>
                    <Table.Td>{formatDateTime(session.lastSeenAt, me.user.timeZone)}</Table.Td>
                    <Table.Td>{formatDateTime(session.createdAt, me.user.timeZone)}</Table.Td>
                    <Table.Td>
                      {session.current ? (
                        <Badge variant="light">This device</Badge>
                      ) : (
                        <Button
                          size="xs"
                          variant="subtle"
                          color="red"
                          onClick={() => setEnding(session)}
                          aria-label={`Sign out ${describeUserAgent(session.userAgent)}`}
                        >
                          Sign out
                        </Button>
                      )}
                    </Table.Td>
                  </Table.Tr>
                ))}
              </Table.Tbody>
            </Table>
          </Table.ScrollContainer>
        ) : null}
      </Stack>
      <ConfirmModal
        opened={ending !== null}
        title="Sign out that session?"
        confirmLabel="Sign out"
        danger
        loading={end.isPending}
        onClose={() => setEnding(null)}
        onConfirm={() => ending && end.mutate(ending.id)}
      >
        {ending ? `${describeUserAgent(ending.userAgent)} will have to sign in again.` : null}
      </ConfirmModal>
      <ConfirmModal
        opened={endingOthers}
        title="Sign out everywhere else?"
        confirmLabel={`Sign out ${others.length} session${others.length === 1 ? '' : 's'}`}
        danger
        loading={endOthers.isPending}
        onClose={() => setEndingOthers(false)}
        onConfirm={() => endOthers.mutate(others)}
      >
        Every other browser and device signed in as you will have to sign in again. This one stays signed in.
      </ConfirmModal>
    </Card>
  );
}
