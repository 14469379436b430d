import {
  Alert,
  Button,
  Card,
  Group,
  Modal,
  Select,
  Stack,
  Table,
  Text,
  TextInput,
  Title,
} from '@mantine/core';
import { IconKey, IconPlus } from '@tabler/icons-react';
import { useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import { type FormEvent, useState } from 'react';
import { ConfirmModal } from '../../components/confirm-modal.tsx';
import { CopyField } from '../../components/copy-field.tsx';
import { apiDelete, apiGet, apiPost } from '../../lib/api.ts';
import { formatDate, formatDateTime } from '../../lib/locale.ts';
import { notifyError, notifySuccess } from '../../lib/notify.ts';
import { useSession } from '../../lib/session-context.ts';
import type { ApiToken } from '../../lib/types.ts';
import { useFormErrors } from '../../lib/use-form-errors.ts';

const TOKENS_KEY = ['me', 'tokens'] as const;
const FIELDS = ['name', 'expiresInDays'] as const;
const EXPIRY_OPTIONS = [
  { value: '30', label: '30 days' },
  { value: '90', label: '90 days' },
  { value: '365', label: '1 year' },
  { value: 'never', label: 'Never' },
];

function CreateTokenModal({
  opened,
  onClose,
  onCreated,
}: {
  opened: boolean;
  onClose: () => void;
  onCreated: (secret: string, token: ApiToken) => void;
}) {
  const [name, setName] = useState('');
  const [expiry, setExpiry] = useState('90');
  const { errors, handleError, clear } = useFormErrors(FIELDS);

  const create = useMutation({
    mutationFn: () =>
      apiPost<{ token: ApiToken; secret: string }>('/api/me/tokens', {
        name: name.trim(),
        ...(expiry === 'never' ? {} : { expiresInDays: Number(expiry) }),
      }),
    onSuccess: (result) => {
      setName('');
      setExpiry('90');
      onCreated(result.secret, result.token);
    },
    onError: (error) => handleError(error, 'Could not create the token'),
  });

  function handleSubmit(event: FormEvent<HTMLFormElement>): void {
    event.preventDefault();
    clear();
    create.mutate();
  }

  return (
    <Modal opened={opened} onClose={onClose} title="New API token" centered>
      <form onSubmit={handleSubmit} noValidate aria-label="New API token">
        <Stack>
          <TextInput
            label="Name"
            description="What the token is for, e.g. “CRM sync”"
            required
            value={name}
            onChange={(event) => setName(event.currentTarget.value)}
            error={errors.name}
            data-autofocus
          />
          <Select
            label="Expires after"
            data={EXPIRY_OPTIONS}
            value={expiry}
            onChange={(value) => setExpiry(value ?? expiry)}
            allowDeselect={false}
            error={errors.expiresInDays}
          />
          <Group justify="flex-end">
            <Button variant="default" onClick={onClose}>
              Cancel
            </Button>
            <Button type="submit" loading={create.isPending} disabled={!name.trim()}>
              Create token
            </Button>
          </Group>
        </Stack>
      </form>
    </Modal>
  );
}

export function ApiTokens() {
  const me = useSession();
  const queryClient = useQueryClient();
  const tokens = useQuery({
    queryKey: TOKENS_KEY,
    queryFn: () => apiGet<{ items: ApiToken[] }>('/api/me/tokens'),
  });
  const [creating, setCreating] = useState(false);
  const [secret, setSecret] = useState<{ value: string; name: string } | null>(null);
  const [revoking, setRevoking] = useState<ApiToken | null>(null);

  const revoke = useMutation({
    mutationFn: (id: string) => apiDelete(`/api/me/tokens/${encodeURIComponent(id)}`),
    onSuccess: async () => {
      setRevoking(null);
      notifySuccess('Token revoked');
      await queryClient.invalidateQueries({ queryKey: TOKENS_KEY });
    },
    onError: (error) => notifyError(error, 'Could not revoke the token'),
  });

  const items = tokens.data?.items ?? [];

  return (
    <Card withBorder padding="lg">
      <Stack gap="md">
        <Group justify="space-between">
          <Title order={2} size="h4">
            API tokens
          </Title>
          <Button
            leftSection={<IconPlus size={16} aria-hidden />}
            onClick={() => setCreating(true)}
            size="sm"
          >
            New token
          </Button>
        </Group>
        <Text size="sm" c="dimmed">
          Personal tokens let scripts and integrations call the Outfield API as you. Treat them like
          passwords.
        </Text>
        {tokens.isError ? (
          <Alert color="red" role="alert">
            Could not load your tokens.
          </Alert>
        ) : null}
        {tokens.isSuccess && items.length === 0 ? <Text c="dimmed">You have no API tokens.</Text> : null}
        {items.length > 0 ? (
          <Table.ScrollContainer type="native" minWidth={560} tabIndex={0} aria-label="API tokens">
            <Table striped verticalSpacing="xs" aria-label="API tokens">
              <Table.Thead>
                <Table.Tr>
                  <Table.Th scope="col">Name</Table.Th>
                  <Table.Th scope="col">Prefix</Table.Th>
                  <Table.Th scope="col">Created</Table.Th>
                  <Table.Th scope="col">Last used</Table.Th>
                  <Table.Th scope="col">Expires</Table.Th>
                  <Table.Th scope="col">
                    <span className="visually-hidden">Actions</span>
                  </Table.Th>
                </Table.Tr>
              </Table.Thead>
              <Table.Tbody>
                {items.map((token) => (
                  <Table.Tr key={token.id} data-testid="token-row">
                    <Table.Td>{token.name}</Table.Td>
                    <Table.Td>
                      <Text span ff="monospace" size="sm">
                        {token.prefix}…
                      </Text>
                    </Table.Td>
                    <Table.Td>{formatDate(token.createdAt, me.user.timeZone)}</Table.Td>
                    <Table.Td>
                      {token.lastUsedAt ? formatDateTime(token.lastUsedAt, me.user.timeZone) : 'Never'}
                    </Table.Td>
                    <Table.Td>
                      {token.expiresAt ? formatDate(token.expiresAt, me.user.timeZone) : 'Never'}
                    </Table.Td>
                    <Table.Td>
                      <Button
                        size="xs"
                        variant="subtle"
                        color="red"
                        onClick={() => setRevoking(token)}
                        aria-label={`Revoke token ${token.name}`}
                      >
                        Revoke
                      </Button>
                    </Table.Td>
                  </Table.Tr>
                ))}
              </Table.Tbody>
            </Table>
          </Table.ScrollContainer>
        ) : null}
      </Stack>
      <CreateTokenModal
        opened={creating}
        onClose={() => setCreating(false)}
        onCreated={(value, token) => {
          setCreating(false);
          setSecret({ value, name: token.name });
          void queryClient.invalidateQueries({ queryKey: TOKENS_KEY });
        }}
      />
      <Modal
        opened={secret !== null}
        onClose={() => setSecret(null)}
        title="Copy your new token"
        centered
        closeOnClickOutside={false}
      >
        {secret ? (
          <Stack>
            <Alert color="yellow" icon={<IconKey aria-hidden />} role="status">
              This is the only time the secret of “{secret.name}” is shown. Copy it now and store it somewhere
              safe.
            </Alert>
            <CopyField label="Token secret" value={secret.value} testId="token-secret" />
            <Group justify="flex-end">
              <Button onClick={() => setSecret(null)}>I have copied it</Button>
            </Group>
          </Stack>
        ) : null}
      </Modal>
      <ConfirmModal
        opened={revoking !== null}
        title="Revoke token?"
        confirmLabel="Revoke"
        danger
        loading={revoke.isPending}
        onClose={() => setRevoking(null)}
        onConfirm={() => revoking && revoke.mutate(revoking.id)}
      >
        Anything using “{revoking?.name}” will stop working immediately.
      </ConfirmModal>
    </Card>
  );
}
