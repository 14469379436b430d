import { Alert, Button, Group, Modal, Select, Stack, TextInput } from '@mantine/core';
import { IconCheck } from '@tabler/icons-react';
import { useMutation, useQueryClient } from '@tanstack/react-query';
import { type FormEvent, useState } from 'react';
import { CopyField } from '../../components/copy-field.tsx';
import { apiPost } from '../../lib/api.ts';
import { type Option, ROLE_OPTIONS } from '../../lib/locale.ts';
import type { Invitation, Role } from '../../lib/types.ts';
import { useFormErrors } from '../../lib/use-form-errors.ts';
import { INVITATIONS_KEY } from './users-api.ts';

const FIELDS = ['email', 'role', 'teamId'] as const;

/** The invitation URL as the browser should open it (the server may answer with a path or a full URL). */
export function absoluteInviteUrl(url: string): string {
  try {
    return new URL(url, window.location.origin).toString();
  } catch {
    return url;
  }
}

export function InviteModal({
  opened,
  onClose,
  teamOptions,
}: {
  opened: boolean;
  onClose: () => void;
  teamOptions: Option[];
}) {
  const queryClient = useQueryClient();
  const [email, setEmail] = useState('');
  const [role, setRole] = useState<Role>('rep');
  const [teamId, setTeamId] = useState<string | null>(null);
  const [sent, setSent] = useState<{ email: string; url: string } | null>(null);
  const { errors, handleError, clear } = useFormErrors(FIELDS);

  const invite = useMutation({
    mutationFn: () =>
      apiPost<{ invitation: Invitation; url: string }>('/api/invitations', {
        email: email.trim(),
        role,
        ...(teamId ? { teamId } : {}),
      }),
    onSuccess: async (result) => {
      setSent({ email: result.invitation.email, url: absoluteInviteUrl(result.url) });
      await queryClient.invalidateQueries({ queryKey: INVITATIONS_KEY });
    },
    onError: (error) => handleError(error, 'Could not create the invitation'),
  });

  function close(): void {
    setEmail('');
    setRole('rep');
    setTeamId(null);
    setSent(null);
    clear();
    onClose();
  }

  function handleSubmit(event: FormEvent<HTMLFormElement>): void {
    event.preventDefault();
    clear();
    invite.mutate();
  }

  return (
    <Modal opened={opened} onClose={close} title="Invite someone" centered>
      {sent ? (
        <Stack>
          <Alert color="blue" icon={<IconCheck aria-hidden />} role="status">
            Invitation created for {sent.email}. Send them this link; it works once.
          </Alert>
          <CopyField label="Invitation link" value={sent.url} testId="invite-url" />
          <Group justify="flex-end">
            <Button variant="default" onClick={() => setSent(null)}>
              Invite another
            </Button>
            <Button onClick={close}>Done</Button>
          </Group>
        </Stack>
      ) : (
        <form onSubmit={handleSubmit} noValidate aria-label="Invite someone">
          <Stack>
            <TextInput
              label="Email"
              type="email"
              required
              value={email}
              onChange={(event) => setEmail(event.currentTarget.value)}
              error={errors.email}
              data-autofocus
            />
            <Select
              label="Role"
              data={ROLE_OPTIONS}
              value={role}
              onChange={(value) => setRole((value as Role | null) ?? role)}
              allowDeselect={false}
              error={errors.role}
            />
            <Select
              label="Team"
              placeholder="No team"
              data={teamOptions}
              value={teamId}
              onChange={setTeamId}
              clearable
              searchable
              error={errors.teamId}
            />
            <Group justify="flex-end">
              <Button variant="default" onClick={close}>
                Cancel
              </Button>
              <Button type="submit" loading={invite.isPending} disabled={!email.trim()}>
                Create invitation
              </Button>
            </Group>
          </Stack>
        </form>
      )}
    </Modal>
  );
}
