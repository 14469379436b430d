import {
  Alert,
  Badge,
  Button,
  Card,
  Checkbox,
  Code,
  Group,
  Loader,
  Modal,
  Stack,
  Switch,
  Table,
  Text,
  TextInput,
  Title,
} from '@mantine/core';
import { IconPlus } from '@tabler/icons-react';
import { useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import { type FormEvent, useState } from 'react';
import { ConfirmModal } from '../../components/confirm-modal.tsx';
import { CopyField } from '../../components/copy-field.tsx';
import { PageHeader } from '../../components/page-header.tsx';
import { formatDateTime } from '../../lib/locale.ts';
import { notifyError, notifySuccess } from '../../lib/notify.ts';
import { useFormErrors } from '../../lib/use-form-errors.ts';
import {
  createWebhook,
  deleteWebhook,
  fetchDeliveries,
  fetchWebhooks,
  rotateWebhookSecret,
  sendTestEvent,
  updateWebhook,
  WEBHOOK_EVENTS,
  WEBHOOKS_KEY,
  type Webhook,
} from './admin-ops-api.ts';

const FIELDS = ['url', 'events', 'description'] as const;

function CreateWebhookModal({
  opened,
  onClose,
  onCreated,
}: {
  opened: boolean;
  onClose: () => void;
  onCreated: (secret: string) => void;
}) {
  const [url, setUrl] = useState('');
  const [description, setDescription] = useState('');
  const [events, setEvents] = useState<string[]>(['user.created']);
  const { errors, handleError, clear } = useFormErrors(FIELDS);
  const create = useMutation({
    mutationFn: () => createWebhook({ url: url.trim(), events, description: description.trim() }),
    onSuccess: (result) => {
      setUrl('');
      setDescription('');
      onCreated(result.secret);
    },
    onError: (error) => handleError(error, 'Could not add the endpoint'),
  });
  function handleSubmit(event: FormEvent<HTMLFormElement>): void {
    event.preventDefault();
    clear();
    create.mutate();
  }
  return (
    <Modal opened={opened} onClose={onClose} title="New webhook endpoint" centered>
      <form onSubmit={handleSubmit} noValidate aria-label="New webhook endpoint">
        <Stack>
          <TextInput
            label="URL"
            description="https:// address that receives signed POST requests"
            required
            value={url}
            onChange={(e) => setUrl(e.currentTarget.value)}
            error={errors.url}
            data-autofocus
          />
          <TextInput
            label="Description"
            value={description}
            onChange={(e) => setDescription(e.currentTarget.value)}
            error={errors.description}
          />
          <Checkbox.Group label="Events" value={events} onChange={setEvents} error={errors.events} required>
            <Stack gap={6} mt={6}>
              {WEBHOOK_EVENTS.map((e) => (
                <Checkbox key={e} value={e} label={e} />
              ))}
            </Stack>
          </Checkbox.Group>
          <Group justify="flex-end">
            <Button variant="default" onClick={onClose}>
              Cancel
            </Button>
            <Button type="submit" loading={create.isPending}>
              Add endpoint
            </Button>
          </Group>
        </Stack>
      </form>
    </Modal>
  );
}

function DeliveryLog({ endpoint }: { endpoint: Webhook }) {
  const query = useQuery({
    queryKey: [...WEBHOOKS_KEY, endpoint.id, 'deliveries'],
    queryFn: () => fetchDeliveries(endpoint.id, null),
    refetchInterval: 15_000,
  });
  if (query.isPending) return <Loader size="sm" aria-label="Loading deliveries" />;
  if (query.isError) return <Alert color="red">Could not load the delivery log.</Alert>;
  if (query.data.items.length === 0) return <Text c="dimmed">No deliveries yet.</Text>;
  return (
    <Table.ScrollContainer minWidth={640}>
      <Table verticalSpacing={4} fz="sm">
        <Table.Thead>
          <Table.Tr>
            <Table.Th>Event</Table.Th>
            <Table.Th>Status</Table.Th>
            <Table.Th>Attempts</Table.Th>
            <Table.Th>Response</Table.Th>
            <Table.Th>Last attempt</Table.Th>
          </Table.Tr>
        </Table.Thead>
        <Table.Tbody>
          {query.data.items.map((d) => (
            <Table.Tr key={d.id}>
              <Table.Td>
                <Code>{d.eventType}</Code>
              </Table.Td>
              <Table.Td miw={110}>
                <Badge
                  variant="light"
                  color={
                    d.status === 'succeeded'
                      ? 'green'
                      : d.status === 'failed'
                        ? 'red'
                        : d.status === 'pending'
                          ? 'blue'
                          : 'gray'
                  }
                >
                  {d.status}
                </Badge>
              </Table.Td>
              <Table.Td>
                {d.attemptLog.length === 0 ? (
                  d.attempts
                ) : (
                  <Stack gap={0} aria-label={`Attempts of ${d.eventType}`}>
                    {d.attemptLog.map((a) => (
                      <Text key={a.attempt} size="xs" c={a.error ? 'red' : undefined}>
                        #{a.attempt} · {a.responseStatus ?? 'no answer'}
                        {a.durationMs !== null ? ` · ${a.durationMs} ms` : ''} ·{' '}
                        {formatDateTime(a.attemptedAt)}
                      </Text>
                    ))}
                  </Stack>
                )}
              </Table.Td>
              <Table.Td maw={280}>
                <Text size="xs" lineClamp={2}>
                  {d.responseStatus !== null ? `${d.responseStatus} ` : ''}
                  {d.error ?? d.responseSnippet ?? ''}
                  {d.durationMs !== null ? ` (${d.durationMs} ms)` : ''}
                </Text>
              </Table.Td>
              <Table.Td>{formatDateTime(d.lastAttemptAt ?? d.createdAt)}</Table.Td>
            </Table.Tr>
          ))}
        </Table.Tbody>
      </Table>
    </Table.ScrollContainer>
  );
}

function EndpointCard({ endpoint, onSecret }: { endpoint: Webhook; onSecret: (secret: string) => void }) {
  const queryClient = useQueryClient();
  const [confirmDelete, setConfirmDelete] = useState(false);
  const [showLog, setShowLog] = useState(false);
  const invalidate = () => queryClient.invalidateQueries({ queryKey: WEBHOOKS_KEY });
  const toggle = useMutation({
    mutationFn: (active: boolean) => updateWebhook(endpoint.id, { active }),
    onSuccess: invalidate,
    onError: (e) => notifyError(e, 'Could not change the endpoint'),
  });
  const remove = useMutation({
    mutationFn: () => deleteWebhook(endpoint.id),
    onSuccess: invalidate,
    onError: (e) => notifyError(e, 'Could not delete the endpoint'),
  });
  const rotate = useMutation({
    mutationFn: () => rotateWebhookSecret(endpoint.id),
    onSuccess: async (r) => {
      onSecret(r.secret);
      await invalidate();
    },
    onError: (e) => notifyError(e, 'Could not rotate the secret'),
  });
  const test = useMutation({
    mutationFn: () => sendTestEvent(endpoint.id),
    onSuccess: async () => {
      notifySuccess('Test event queued');
      setShowLog(true);
      await invalidate();
    },
    onError: (e) => notifyError(e, 'Could not send a test event'),
  });
  return (
    <Card withBorder padding="md">
      <Stack gap="xs">
        <Group justify="space-between" wrap="wrap">
          <Stack gap={2} miw={0}>
            <Text fw={600} style={{ wordBreak: 'break-all' }}>
              {endpoint.url}
            </Text>
            {endpoint.description ? (
              <Text size="sm" c="dimmed">
                {endpoint.description}
              </Text>
            ) : null}
          </Stack>
          <Switch
            label={endpoint.active ? 'Active' : 'Paused'}
            checked={endpoint.active}
            onChange={(e) => toggle.mutate(e.currentTarget.checked)}
          />
        </Group>
        <Group gap={4}>
          {endpoint.events.map((e) => (
            <Badge key={e} variant="outline" size="sm">
              {e}
            </Badge>
          ))}
        </Group>
        <Text size="xs" c="dimmed">
          Secret {endpoint.secretHint} · added {formatDateTime(endpoint.createdAt)}
        </Text>
        <Group gap="xs">
          <Button size="xs" variant="light" onClick={() => test.mutate()} loading={test.isPending}>
            Send test event
          </Button>
          <Button size="xs" variant="default" onClick={() => setShowLog((s) => !s)}>
            {showLog ? 'Hide deliveries' : 'Deliveries'}
          </Button>
          <Button size="xs" variant="default" onClick={() => rotate.mutate()} loading={rotate.isPending}>
            Rotate secret
          </Button>
          <Button size="xs" color="red" variant="subtle" onClick={() => setConfirmDelete(true)}>
            Delete
          </Button>
        </Group>
        {showLog ? <DeliveryLog endpoint={endpoint} /> : null}
      </Stack>
      <ConfirmModal
        opened={confirmDelete}
        title="Delete webhook endpoint?"
        confirmLabel="Delete"
        danger
        loading={remove.isPending}
        onConfirm={() => remove.mutate()}
        onClose={() => setConfirmDelete(false)}
      >
        Deliveries to {endpoint.url} stop at once, including retries still waiting.
      </ConfirmModal>
    </Card>
  );
}

/** Administration → Webhooks: endpoints, their signing secrets (shown once) and delivery logs. */
export function WebhooksPage() {
  const [creating, setCreating] = useState(false);
  const [secret, setSecret] = useState<string | null>(null);
  const queryClient = useQueryClient();
  const query = useQuery({ queryKey: WEBHOOKS_KEY, queryFn: fetchWebhooks });
  return (
    <Stack maw={1000}>
      <PageHeader
        title="Webhooks"
        description="Send Outfield events to your other systems. Requests are signed the Standard Webhooks way and retried when the receiver fails."
        actions={
          <Button leftSection={<IconPlus size={16} aria-hidden />} onClick={() => setCreating(true)}>
            New endpoint
          </Button>
        }
      />
      {secret ? (
        <Alert
          color="blue"
          title="Copy the signing secret now"
          withCloseButton
          closeButtonLabel="Dismiss the signing secret"
          onClose={() => setSecret(null)}
        >
          <Stack gap="xs">
            <Text size="sm">
              It is shown only once. Verify each request's webhook-signature header with it.
            </Text>
            <CopyField label="Signing secret" value={secret} testId="webhook-secret" />
          </Stack>
        </Alert>
      ) : null}
      {query.isPending ? <Loader aria-label="Loading webhooks" /> : null}
      {query.isError ? <Alert color="red">Could not load webhooks.</Alert> : null}
      {query.data && query.data.items.length === 0 ? (
        <Card withBorder padding="lg">
          <Title order={2} size="h5">
            No endpoints yet
          </Title>
          <Text c="dimmed" size="sm">
            Add one to receive events such as user.created as they happen.
          </Text>
        </Card>
      ) : null}
      {query.data?.items.map((endpoint) => (
        <EndpointCard key={endpoint.id} endpoint={endpoint} onSecret={setSecret} />
      ))}
      <CreateWebhookModal
        opened={creating}
        onClose={() => setCreating(false)}
        onCreated={async (s) => {
          setCreating(false);
          setSecret(s);
          await queryClient.invalidateQueries({ queryKey: WEBHOOKS_KEY });
        }}
      />
    </Stack>
  );
}
