import { Button, Group, Modal, PasswordInput, Select, SimpleGrid, Stack, TextInput } from '@mantine/core';
import { useMutation, useQueryClient } from '@tanstack/react-query';
import { type FormEvent, useState } from 'react';
import { apiPost } from '../../lib/api.ts';
import { type Option, ROLE_OPTIONS, timeZoneOptions } from '../../lib/locale.ts';
import { notifySuccess } from '../../lib/notify.ts';
import { useSession } from '../../lib/session-context.ts';
import { PASSWORD_MIN_LENGTH, passwordProblem } from '../../lib/setup.ts';
import type { Role, User } from '../../lib/types.ts';
import { useFormErrors } from '../../lib/use-form-errors.ts';
import { TEAMS_KEY } from '../teams/teams-api.ts';
import { USERS_KEY } from './users-api.ts';

const FIELDS = ['name', 'email', 'role', 'password', 'teamId', 'timeZone'] as const;

export function CreateUserModal({
  opened,
  onClose,
  teamOptions,
}: {
  opened: boolean;
  onClose: () => void;
  teamOptions: Option[];
}) {
  const me = useSession();
  const queryClient = useQueryClient();
  const [name, setName] = useState('');
  const [email, setEmail] = useState('');
  const [role, setRole] = useState<Role>('rep');
  const [password, setPassword] = useState('');
  const [teamId, setTeamId] = useState<string | null>(null);
  const [timeZone, setTimeZone] = useState(me.org.timeZone);
  const { errors, handleError, setError, clear } = useFormErrors(FIELDS);

  function reset(): void {
    setName('');
    setEmail('');
    setRole('rep');
    setPassword('');
    setTeamId(null);
    setTimeZone(me.org.timeZone);
    clear();
  }

  const create = useMutation({
    mutationFn: () =>
      apiPost<User>('/api/users', {
        name: name.trim(),
        email: email.trim(),
        role,
        password,
        timeZone,
        ...(teamId ? { teamId } : {}),
      }),
    onSuccess: async (user) => {
      notifySuccess(`${user.name} can now sign in`);
      reset();
      onClose();
      await queryClient.invalidateQueries({ queryKey: USERS_KEY });
      await queryClient.invalidateQueries({ queryKey: TEAMS_KEY });
    },
    onError: (error) => handleError(error, 'Could not create the user'),
  });

  function handleSubmit(event: FormEvent<HTMLFormElement>): void {
    event.preventDefault();
    clear();
    const problem = passwordProblem(password);
    if (problem) {
      setError('password', problem);
      return;
    }
    create.mutate();
  }

  return (
    <Modal opened={opened} onClose={onClose} title="New user" size="lg" centered>
      <form onSubmit={handleSubmit} noValidate aria-label="New user">
        <Stack>
          <SimpleGrid cols={{ base: 1, sm: 2 }}>
            <TextInput
              label="Name"
              required
              value={name}
              onChange={(event) => setName(event.currentTarget.value)}
              error={errors.name}
              data-autofocus
            />
            <TextInput
              label="Email"
              type="email"
              required
              value={email}
              onChange={(event) => setEmail(event.currentTarget.value)}
              error={errors.email}
            />
            <Select
              label="Role"
              data={ROLE_OPTIONS}
              value={role}
              onChange={(value) => setRole((value as Role | null) ?? role)}
              allowDeselect={false}
              required
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
            <PasswordInput
              label="Initial password"
              description={`At least ${PASSWORD_MIN_LENGTH} characters; share it privately`}
              required
              value={password}
              onChange={(event) => setPassword(event.currentTarget.value)}
              error={errors.password}
              autoComplete="new-password"
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
          </SimpleGrid>
          <Group justify="flex-end">
            <Button variant="default" onClick={onClose}>
              Cancel
            </Button>
            <Button type="submit" loading={create.isPending} disabled={!name.trim() || !email.trim()}>
              Create user
            </Button>
          </Group>
        </Stack>
      </form>
    </Modal>
  );
}
