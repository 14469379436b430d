import {
  Alert,
  Autocomplete,
  Button,
  Code,
  Group,
  Modal,
  SimpleGrid,
  Stack,
  Table,
  Text,
  TextInput,
  UnstyledButton,
} from '@mantine/core';
import { keepPreviousData, useInfiniteQuery } from '@tanstack/react-query';
import { useState } from 'react';
import { PageHeader } from '../components/page-header.tsx';
import { UserPicker } from '../features/users/user-picker.tsx';
import { apiGet } from '../lib/api.ts';
import { dayStartInZone, formatDateTime } from '../lib/locale.ts';
import { useSession } from '../lib/session-context.ts';
import type { AuditEntry, Page, PersonRef } from '../lib/types.ts';

const ENTITY_TYPES = ['org', 'user', 'team', 'invitation', 'api_token'];
const ACTIONS = [
  'create',
  'update',
  'delete',
  'deactivate',
  'reactivate',
  'set_managers',
  'accept',
  'revoke',
];

function valueText(value: unknown): string {
  if (value === null || value === undefined) return '—';
  if (typeof value === 'string') return value;
  return JSON.stringify(value);
}

/**
 * One line for the table: `[before, after]` pairs read as "name: Acme → Acme Corp", other values as
 * "key: value". The full JSON is one click away.
 */
export function summaryPreview(summary: Record<string, unknown>): string {
  const parts = Object.entries(summary ?? {}).map(([key, value]) => {
    if (Array.isArray(value) && value.length === 2)
      return `${key}: ${valueText(value[0])} → ${valueText(value[1])}`;
    return `${key}: ${valueText(value)}`;
  });
  const text = parts.join(', ') || '—';
  return text.length > 90 ? `${text.slice(0, 89)}…` : text;
}

function shortId(id: string): string {
  return id.length > 13 ? `${id.slice(0, 8)}…${id.slice(-4)}` : id;
}

export function AuditPage() {
  const me = useSession();
  const [entityType, setEntityType] = useState('');
  const [action, setAction] = useState('');
  const [actor, setActor] = useState<PersonRef | null>(null);
  const [from, setFrom] = useState('');
  const [to, setTo] = useState('');
  const [selected, setSelected] = useState<AuditEntry | null>(null);

  const filters = {
    entityType: entityType.trim() || undefined,
    action: action.trim() || undefined,
    actorId: actor?.id,
    from: dayStartInZone(from, me.user.timeZone),
    to: dayStartInZone(to, me.user.timeZone, 1),
  };

  const audit = useInfiniteQuery({
    queryKey: ['audit', filters],
    queryFn: ({ pageParam }) =>
      apiGet<Page<AuditEntry>>('/api/audit', { ...filters, cursor: pageParam, limit: 50 }),
    initialPageParam: null as string | null,
    getNextPageParam: (last) => last.nextCursor,
    placeholderData: keepPreviousData,
  });
  const rows = audit.data?.pages.flatMap((page) => page.items) ?? [];
  const hasFilters = Boolean(entityType || action || actor || from || to);

  function resetFilters(): void {
    setEntityType('');
    setAction('');
    setActor(null);
    setFrom('');
    setTo('');
  }

  return (
    <>
      <PageHeader title="Audit log" description="Every change made in your organisation, newest first." />
      <Stack>
        <SimpleGrid cols={{ base: 1, xs: 2, md: 5 }} spacing="sm">
          <Autocomplete label="Entity type" data={ENTITY_TYPES} value={entityType} onChange={setEntityType} />
          <Autocomplete label="Action" data={ACTIONS} value={action} onChange={setAction} />
          <UserPicker label="Actor" placeholder="Anyone" value={actor} onChange={setActor} />
          <TextInput
            label="From"
            type="date"
            value={from}
            max={to || undefined}
            onChange={(event) => setFrom(event.currentTarget.value)}
          />
          <TextInput
            label="To"
            type="date"
            value={to}
            min={from || undefined}
            onChange={(event) => setTo(event.currentTarget.value)}
          />
        </SimpleGrid>
        {hasFilters ? (
          <Group>
            <Button variant="subtle" size="xs" onClick={resetFilters}>
              Clear filters
            </Button>
          </Group>
        ) : null}
        {audit.isError ? (
          <Alert color="red" role="alert">
            Could not load the audit log.
          </Alert>
        ) : null}
        <Table.ScrollContainer minWidth={760}>
          <Table striped verticalSpacing="xs" aria-label="Audit log" aria-busy={audit.isFetching}>
            <Table.Thead>
              <Table.Tr>
                <Table.Th scope="col">When</Table.Th>
                <Table.Th scope="col">Actor</Table.Th>
                <Table.Th scope="col">Action</Table.Th>
                <Table.Th scope="col">Entity</Table.Th>
                <Table.Th scope="col">Summary</Table.Th>
              </Table.Tr>
            </Table.Thead>
            <Table.Tbody>
              {rows.map((entry) => (
                <Table.Tr key={entry.id} data-testid="audit-row">
                  <Table.Td style={{ whiteSpace: 'nowrap' }}>
                    {formatDateTime(entry.at, me.user.timeZone)}
                  </Table.Td>
                  <Table.Td style={{ whiteSpace: 'nowrap' }}>{entry.actor?.name ?? 'System'}</Table.Td>
                  <Table.Td>
                    <Code>{entry.action}</Code>
                  </Table.Td>
                  <Table.Td style={{ whiteSpace: 'nowrap' }}>
                    <Text size="sm">{entry.entityType}</Text>
                    <Text size="xs" c="dimmed" ff="monospace" title={entry.entityId}>
                      {shortId(entry.entityId)}
                    </Text>
                  </Table.Td>
                  <Table.Td maw={420}>
                    <UnstyledButton
                      onClick={() => setSelected(entry)}
                      aria-label={`Details of ${entry.action} ${entry.entityType} at ${formatDateTime(entry.at, me.user.timeZone)}`}
                      w="100%"
                    >
                      <Text
                        size="sm"
                        c="blue.9"
                        td="underline"
                        lineClamp={2}
                        style={{ wordBreak: 'break-word' }}
                      >
                        {summaryPreview(entry.summary)}
                      </Text>
                    </UnstyledButton>
                  </Table.Td>
                </Table.Tr>
              ))}
              {audit.isSuccess && rows.length === 0 ? (
                <Table.Tr>
                  <Table.Td colSpan={5}>
                    <Text c="dimmed" ta="center" py="md">
                      No entries match these filters.
                    </Text>
                  </Table.Td>
                </Table.Tr>
              ) : null}
            </Table.Tbody>
          </Table>
        </Table.ScrollContainer>
        <Group justify="center">
          {audit.hasNextPage ? (
            <Button
              variant="default"
              onClick={() => void audit.fetchNextPage()}
              loading={audit.isFetchingNextPage}
            >
              Load more
            </Button>
          ) : null}
          {audit.isPending ? <Text c="dimmed">Loading…</Text> : null}
        </Group>
      </Stack>
      <Modal
        opened={selected !== null}
        onClose={() => setSelected(null)}
        title="Audit entry"
        size="lg"
        centered
      >
        {selected ? (
          <Stack gap="xs">
            <Text size="sm">
              <strong>When:</strong> {formatDateTime(selected.at, me.user.timeZone)}
            </Text>
            <Text size="sm">
              <strong>Actor:</strong> {selected.actor?.name ?? 'System'}
            </Text>
            <Text size="sm">
              <strong>Change:</strong> {selected.action} {selected.entityType}{' '}
              <Code>{selected.entityId}</Code>
            </Text>
            <Text size="sm">
              <strong>Request:</strong> {selected.requestId ? <Code>{selected.requestId}</Code> : '—'}
            </Text>
            <Code block>{JSON.stringify(selected.summary, null, 2)}</Code>
          </Stack>
        ) : null}
      </Modal>
    </>
  );
}
