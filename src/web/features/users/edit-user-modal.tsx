import { Button, Group, Modal, Select, Stack, Text, TextInput } from '@mantine/core';
import { useMutation, useQueryClient } from '@tanstack/react-query';
import { type FormEvent, useState } from 'react';
import { apiPatch } from '../../lib/api.ts';
import { type Option, ROLE_OPTIONS, timeZoneOptions } from '../../lib/locale.ts';
import { notifySuccess } from '../../lib/notify.ts';
import { ME_KEY } from '../../lib/session.ts';
import type { Role, User } from '../../lib/types.ts';
import { useFormErrors } from '../../lib/use-form-errors.ts';
import { TEAMS_KEY } from '../teams/teams-api.ts';
import { USERS_KEY } from './users-api.ts';

const FIELDS = ['name', 'role', 'timeZone', 'teamId'] as const;

interface UserPatch {
  name?: string;
  role?: Role;
  timeZone?: string;
  teamId?: string | null;
}

function EditUserForm({
  user,
  onClose,
  teamOptions,
}: {
  user: User;
  onClose: () => void;
  teamOptions: Option[];
}) {
  const queryClient = useQueryClient();
  const [name, setName] = useState(user.name);
  const [role, setRole] = useState<Role>(user.role);
  const [timeZone, setTimeZone] = useState(user.timeZone);
  const [teamId, setTeamId] = useState<string | null>(user.teamId);
  const { errors, handleError, clear } = useFormErrors(FIELDS);

  const patch: UserPatch = {};
  if (name.trim() !== user.name) patch.name = name.trim();
  if (role !== user.role) patch.role = role;
  if (timeZone !== user.timeZone) patch.timeZone = timeZone;
  if (teamId !== user.teamId) patch.teamId = teamId;
  const dirty = Object.keys(patch).length > 0;

  const save = useMutation({
    mutationFn: () => apiPatch<User>(`/api/users/${encodeURIComponent(user.id)}`, patch),
    onSuccess: async (updated) => {
      notifySuccess(`${updated.name} updated`);
      onClose();
      await Promise.all([
        queryClient.invalidateQueries({ queryKey: USERS_KEY }),
        queryClient.invalidateQueries({ queryKey: TEAMS_KEY }),
        queryClient.invalidateQueries({ queryKey: ME_KEY }),
      ]);
    },
    onError: (error) => handleError(error, 'Could not save the user'),
  });

  function handleSubmit(event: FormEvent<HTMLFormElement>): void {
    event.preventDefault();
    clear();
    if (dirty) save.mutate();
  }

  return (
    <form onSubmit={handleSubmit} noValidate aria-label={`Edit ${user.name}`}>
      <Stack>
        <Text size="sm" c="dimmed">
          {user.email}
        </Text>
        <TextInput
          label="Name"
          required
          value={name}
          onChange={(event) => setName(event.currentTarget.value)}
          error={errors.name}
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
        <Select
          label="Time zone"
          data={timeZoneOptions(timeZone)}
          value={timeZone}
          onChange={(value) => setTimeZone(value ?? timeZone)}
          searchable
          allowDeselect={false}
          error={errors.timeZone}
        />
        <Group justify="flex-end">
          <Button variant="default" onClick={onClose}>
            Cancel
          </Button>
          <Button type="submit" loading={save.isPending} disabled={!dirty || !name.trim()}>
            Save
          </Button>
        </Group>
      </Stack>
    </form>
  );
}

export function EditUserModal({
  user,
  onClose,
  teamOptions,
}: {
  user: User | null;
  onClose: () => void;
  teamOptions: Option[];
}) {
  return (
    <Modal opened={user !== null} onClose={onClose} title={user ? `Edit ${user.name}` : 'Edit user'} centered>
      {user ? <EditUserForm key={user.id} user={user} onClose={onClose} teamOptions={teamOptions} /> : null}
    </Modal>
  );
}
