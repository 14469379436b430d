import { Alert, Badge, Button, Group, Stack, Text } from '@mantine/core';
import { useMediaQuery } from '@mantine/hooks';
import { IconAlertTriangle, IconCloudOff, IconRefresh } from '@tabler/icons-react';
import { useState } from 'react';
import { ConfirmModal } from '../../components/confirm-modal.tsx';
import { notifyError } from '../../lib/notify.ts';
import { type OutboxEntry, opActivityId } from './outbox.ts';
import { discardOutboxEntry, retryOutboxEntry, useOutbox } from './outbox-sync.ts';

/** Queued ops grouped by the entry (activity) they write, in queue order. */
export interface OutboxGroup {
  activityId: string;
  label: string;
  entries: OutboxEntry[];
  conflict: OutboxEntry | null;
}

export function groupOutbox(entries: readonly OutboxEntry[]): OutboxGroup[] {
  const groups = new Map<string, OutboxGroup>();
  for (const entry of entries) {
    const activityId = opActivityId(entry.op);
    let group = groups.get(activityId);
    if (!group) {
      group = { activityId, label: entry.label, entries: [], conflict: null };
      groups.set(activityId, group);
    }
    group.entries.push(entry);
    if (entry.status === 'conflict' && !group.conflict) group.conflict = entry;
  }
  return [...groups.values()];
}

/**
 * In the header: offline, and how many entries wait to be synced or were refused (nothing when all is
 * sent). On a phone only an icon and the count fit next to the menus; the full sentence is the
 * badge's accessible name and tooltip everywhere.
 */
export function SyncStatusBadge() {
  const { online, entries } = useOutbox();
  const phone = useMediaQuery('(max-width: 47.99em)') ?? false;
  const groups = groupOutbox(entries);
  const conflicts = groups.filter((g) => g.conflict).length;
  const waiting = groups.length - conflicts;
  if (online && groups.length === 0) return null;
  const description = [
    online ? null : 'Offline',
    waiting ? `${waiting} ${waiting === 1 ? 'entry' : 'entries'} waiting to sync` : null,
    conflicts ? `${conflicts} not saved (conflict)` : null,
  ]
    .filter(Boolean)
    .join(', ');
  const count = conflicts || waiting;
  const text = phone
    ? count
      ? String(count)
      : ''
    : conflicts
      ? `${conflicts} conflict${conflicts === 1 ? '' : 's'}`
      : online
        ? `${waiting} to sync`
        : waiting
          ? `Offline · ${waiting}`
          : 'Offline';
  const Icon = conflicts ? IconAlertTriangle : online ? IconRefresh : IconCloudOff;
  return (
    <Badge
      color={conflicts ? 'red' : online ? 'blue' : 'gray'}
      variant="light"
      leftSection={<Icon size={12} aria-hidden />}
      data-testid="sync-status"
      role="status"
      style={{ flexShrink: 0 }}
      aria-label={description}
      title={description}
    >
      {text}
    </Badge>
  );
}

/**
 * The entries logged on this phone that the server has not stored yet: "waiting to sync", or a
 * conflict with the server's answer and Retry / Discard (discarding asks first).
 */
export function OutboxList() {
  const { entries, online, syncing } = useOutbox();
  const [discarding, setDiscarding] = useState<OutboxEntry | null>(null);
  const [busy, setBusy] = useState(false);
  const groups = groupOutbox(entries);
  if (groups.length === 0) return null;

  async function run(action: () => Promise<void>, title: string): Promise<void> {
    setBusy(true);
    try {
      await action();
    } catch (error) {
      notifyError(error, title);
    } finally {
      setBusy(false);
    }
  }

  return (
    <Stack gap={6} data-testid="outbox">
      <Text size="xs" c="dimmed">
        {online
          ? syncing
            ? 'Syncing entries logged on this phone…'
            : 'Entries logged on this phone'
          : 'Offline: entries are kept on this phone and sent when the connection returns'}
      </Text>
      <Stack gap={6} component="ul" p={0} m={0} style={{ listStyle: 'none' }}>
        {groups.map((group) =>
          group.conflict ? (
            <Alert
              key={group.activityId}
              component="li"
              color="red"
              variant="light"
              title={`Not saved: ${group.label}`}
              data-testid="outbox-conflict"
            >
              <Stack gap="xs">
                <Text size="sm">The server answered: {group.conflict.lastError?.message ?? 'refused'}</Text>
                <Group gap="xs">
                  <Button
                    size="compact-sm"
                    variant="light"
                    leftSection={<IconRefresh size={14} aria-hidden />}
                    disabled={busy}
                    onClick={() => {
                      const entry = group.conflict;
                      if (entry) void run(() => retryOutboxEntry(entry), 'Could not retry');
                    }}
                  >
                    Retry
                  </Button>
                  <Button
                    size="compact-sm"
                    variant="subtle"
                    color="red"
                    disabled={busy}
                    onClick={() => setDiscarding(group.conflict)}
                  >
                    Discard
                  </Button>
                </Group>
              </Stack>
            </Alert>
          ) : (
            <Group
              key={group.activityId}
              component="li"
              justify="space-between"
              wrap="nowrap"
              gap="xs"
              data-testid="outbox-pending"
            >
              <Text size="sm" truncate>
                {group.label}
              </Text>
              <Badge color="gray" variant="outline" style={{ flexShrink: 0 }}>
                Waiting to sync
              </Badge>
            </Group>
          ),
        )}
      </Stack>
      <ConfirmModal
        opened={discarding !== null}
        title="Discard this entry?"
        confirmLabel="Discard"
        danger
        loading={busy}
        onClose={() => setDiscarding(null)}
        onConfirm={() => {
          const entry = discarding;
          if (!entry) return;
          void run(() => discardOutboxEntry(entry), 'Could not discard').then(() => setDiscarding(null));
        }}
      >
        “{discarding?.label}” was never stored by the server. Discarding deletes it from this phone for good.
      </ConfirmModal>
    </Stack>
  );
}
