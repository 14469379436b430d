import { Alert, Badge, Button, Group, SegmentedControl, Stack, Table, Text } from '@mantine/core';
import { useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import { useState } from 'react';
import { ConfirmModal } from '../../components/confirm-modal.tsx';
import { apiDelete, apiGet } from '../../lib/api.ts';
import { formatDateTime, ROLE_LABELS } from '../../lib/locale.ts';
import { notifyError, notifySuccess } from '../../lib/notify.ts';
import { useSession } from '../../lib/session-context.ts';
import type { Invitation, Team } from '../../lib/types.ts';
import { INVITATIONS_KEY } from './users-api.ts';

export type InvitationStatus = 'pending' | 'accepted' | 'revoked' | 'expired';

export function invitationStatus(invitation: Invitation, now = Date.now()): InvitationStatus {
  if (invitation.acceptedAt) return 'accepted';
  if (invitation.revokedAt) return 'revoked';
  if (Date.parse(invitation.expiresAt) <= now) return 'expired';
  return 'pending';
}

const STATUS_COLORS: Record<InvitationStatus, string> = {
  pending: 'blue',
  accepted: 'green',
  revoked: 'gray',
  expired: 'orange',
};

export const invitationsQuery = {
  queryKey: INVITATIONS_KEY,
  queryFn: () => apiGet<{ items: Invitation[] }>('/api/invitations'),
};

export function InvitationsPanel({ teams }: { teams: readonly Team[] }) {
  const me = useSession();
  const queryClient = useQueryClient();
  const invitations = useQuery(invitationsQuery);
  const [show, setShow] = useState<'pending' | 'all'>('pending');
  const [revoking, setRevoking] = useState<Invitation | null>(null);
  const teamNames = new Map(teams.map((team) => [team.id, team.name]));

  const revoke = useMutation({
    mutationFn: (id: string) => apiDelete(`/api/invitations/${encodeURIComponent(id)}`),
    onSuccess: async () => {
      setRevoking(null);
      notifySuccess('Invitation revoked');
      await queryClient.invalidateQueries({ queryKey: INVITATIONS_KEY });
    },
    onError: (error) => notifyError(error, 'Could not revoke the invitation'),
  });

  const all = [...(invitations.data?.items ?? [])].sort((a, b) => b.createdAt.localeCompare(a.createdAt));
  const rows = show === 'pending' ? all.filter((item) => invitationStatus(item) === 'pending') : all;

  return (
    <Stack>
      <Group justify="space-between">
        <SegmentedControl
          value={show}
          onChange={(value) => setShow(value === 'all' ? 'all' : 'pending')}
          data={[
            { value: 'pending', label: 'Pending' },
            { value: 'all', label: 'All' },
          ]}
          aria-label="Which invitations to show"
        />
      </Group>
      {invitations.isError ? (
        <Alert color="red" role="alert">
          Could not load the invitations.
        </Alert>
      ) : null}
      {invitations.isSuccess && rows.length === 0 ? (
        <Text c="dimmed">{show === 'pending' ? 'No pending invitations.' : 'No invitations yet.'}</Text>
      ) : null}
      {rows.length > 0 ? (
        <Table.ScrollContainer minWidth={640}>
          <Table striped verticalSpacing="xs" aria-label="Invitations">
            <Table.Thead>
              <Table.Tr>
                <Table.Th scope="col">Email</Table.Th>
                <Table.Th scope="col">Role</Table.Th>
                <Table.Th scope="col">Team</Table.Th>
                <Table.Th scope="col">Status</Table.Th>
                <Table.Th scope="col">Expires</Table.Th>
                <Table.Th scope="col">
                  <span className="visually-hidden">Actions</span>
                </Table.Th>
              </Table.Tr>
            </Table.Thead>
            <Table.Tbody>
              {rows.map((invitation) => {
                const status = invitationStatus(invitation);
                return (
                  <Table.Tr key={invitation.id} data-testid="invitation-row">
                    <Table.Td>{invitation.email}</Table.Td>
                    <Table.Td>{ROLE_LABELS[invitation.role] ?? invitation.role}</Table.Td>
                    <Table.Td>{invitation.teamId ? (teamNames.get(invitation.teamId) ?? '—') : '—'}</Table.Td>
                    <Table.Td>
                      <Badge variant="light" color={STATUS_COLORS[status]}>
                        {status}
                      </Badge>
                    </Table.Td>
                    <Table.Td>{formatDateTime(invitation.expiresAt, me.user.timeZone)}</Table.Td>
                    <Table.Td>
                      {status === 'pending' ? (
                        <Button
                          size="xs"
                          variant="subtle"
                          color="red"
                          onClick={() => setRevoking(invitation)}
                          aria-label={`Revoke invitation for ${invitation.email}`}
                        >
                          Revoke
                        </Button>
                      ) : null}
                    </Table.Td>
                  </Table.Tr>
                );
              })}
            </Table.Tbody>
          </Table>
        </Table.ScrollContainer>
      ) : null}
      <ConfirmModal
        opened={revoking !== null}
        title="Revoke invitation?"
        confirmLabel="Revoke"
        danger
        loading={revoke.isPending}
        onClose={() => setRevoking(null)}
        onConfirm={() => revoking && revoke.mutate(revoking.id)}
      >
        The link sent to {revoking?.email} will stop working.
      </ConfirmModal>
    </Stack>
  );
}
