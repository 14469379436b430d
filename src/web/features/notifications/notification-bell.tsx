import {
  ActionIcon,
  Badge,
  Button,
  Group,
  Indicator,
  Popover,
  ScrollArea,
  Stack,
  Text,
  UnstyledButton,
} from '@mantine/core';
import { IconBell } from '@tabler/icons-react';
import { useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import { useState } from 'react';
import { useNavigate } from 'react-router';
import { formatDateTime } from '../../lib/locale.ts';
import { notifyError } from '../../lib/notify.ts';
import {
  type AppNotification,
  fetchNotifications,
  markAllNotificationsRead,
  markNotificationRead,
  NOTIFICATIONS_KEY,
} from './notifications-api.ts';

// Polling keeps the count fresh without a socket; a minute is plenty for what notifications carry.
const REFRESH_MS = 60_000;

/** The header bell: unread count, the latest notifications, mark read, and links to the thing. */
export function NotificationBell() {
  const [opened, setOpened] = useState(false);
  const queryClient = useQueryClient();
  const navigate = useNavigate();
  const query = useQuery({
    queryKey: NOTIFICATIONS_KEY,
    queryFn: () => fetchNotifications(null, 20),
    refetchInterval: REFRESH_MS,
  });
  const invalidate = () => queryClient.invalidateQueries({ queryKey: NOTIFICATIONS_KEY });
  const markOne = useMutation({
    mutationFn: markNotificationRead,
    onSuccess: invalidate,
    onError: (e) => notifyError(e),
  });
  const markAll = useMutation({
    mutationFn: markAllNotificationsRead,
    onSuccess: invalidate,
    onError: (e) => notifyError(e, 'Could not mark notifications read'),
  });
  const unread = query.data?.unreadCount ?? 0;

  async function open(n: AppNotification): Promise<void> {
    if (!n.read) markOne.mutate(n.id);
    if (n.link) {
      setOpened(false);
      await navigate(n.link);
    }
  }

  return (
    <Popover opened={opened} onChange={setOpened} position="bottom-end" width={340} shadow="md" withinPortal>
      {/* The popover target is the button itself: wrapped around the Indicator's div, Popover put
          aria-haspopup/aria-expanded on an element that may not carry them (axe: critical). */}
      <Indicator
        label={unread > 99 ? '99+' : unread}
        size={16}
        disabled={unread === 0}
        color="red"
        offset={4}
      >
        <Popover.Target>
          <ActionIcon
            variant="subtle"
            size="lg"
            aria-label={unread ? `Notifications, ${unread} unread` : 'Notifications'}
            onClick={() => setOpened((o) => !o)}
            data-testid="notification-bell"
          >
            <IconBell size={20} aria-hidden />
          </ActionIcon>
        </Popover.Target>
      </Indicator>
      <Popover.Dropdown p="xs">
        <Group justify="space-between" px="xs" pb="xs">
          <Text fw={600}>Notifications</Text>
          <Button
            size="compact-xs"
            variant="subtle"
            disabled={unread === 0}
            loading={markAll.isPending}
            onClick={() => markAll.mutate()}
          >
            Mark all read
          </Button>
        </Group>
        <ScrollArea.Autosize mah={420}>
          {query.isError ? (
            <Text c="red" size="sm" px="xs">
              Could not load notifications.
            </Text>
          ) : query.data && query.data.items.length === 0 ? (
            <Text c="dimmed" size="sm" px="xs" py="md" ta="center">
              Nothing new. Updates about goals, feedback, check-ins and reviews appear here.
            </Text>
          ) : (
            <Stack gap={2} component="ul" m={0} p={0} style={{ listStyle: 'none' }}>
              {(query.data?.items ?? []).map((n) => (
                <li key={n.id}>
                  <UnstyledButton
                    onClick={() => void open(n)}
                    w="100%"
                    p="xs"
                    style={{
                      borderRadius: 6,
                      background: n.read ? undefined : 'var(--mantine-color-blue-light)',
                    }}
                    aria-label={`${n.read ? '' : 'Unread: '}${n.title}`}
                  >
                    <Group justify="space-between" wrap="nowrap" align="flex-start" gap="xs">
                      <Text size="sm" fw={n.read ? 400 : 600}>
                        {n.title}
                      </Text>
                      {n.read ? null : (
                        <Badge size="xs" variant="filled" aria-hidden>
                          new
                        </Badge>
                      )}
                    </Group>
                    {n.body ? (
                      <Text size="xs" c="dimmed" lineClamp={2}>
                        {n.body}
                      </Text>
                    ) : null}
                    <Text size="xs" c="dimmed">
                      {formatDateTime(n.createdAt)}
                    </Text>
                  </UnstyledButton>
                </li>
              ))}
            </Stack>
          )}
        </ScrollArea.Autosize>
      </Popover.Dropdown>
    </Popover>
  );
}
