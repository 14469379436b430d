import { Alert, Button, Group, Modal, MultiSelect, Stack, Text } from '@mantine/core';
import { useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import { type FormEvent, useState } from 'react';
import { apiPut } from '../../lib/api.ts';
import { notifySuccess } from '../../lib/notify.ts';
import { ME_KEY } from '../../lib/session.ts';
import type { Team } from '../../lib/types.ts';
import { useFormErrors } from '../../lib/use-form-errors.ts';
import { fetchAllUsers, USERS_KEY } from '../users/users-api.ts';
import { TEAMS_KEY } from './teams-api.ts';

const FIELDS = ['userIds'] as const;

function ManagersForm({ team, onClose }: { team: Team; onClose: () => void }) {
  const queryClient = useQueryClient();
  const candidates = useQuery({
    queryKey: [...USERS_KEY, 'manager-candidates'],
    queryFn: () => fetchAllUsers(['manager', 'admin']),
  });
  const [userIds, setUserIds] = useState<string[]>(team.managers.map((manager) => manager.id));
  const { errors, handleError, clear } = useFormErrors(FIELDS);

  const options = new Map<string, string>();
  for (const user of candidates.data ?? []) options.set(user.id, `${user.name} (${user.role})`);
  // Current managers stay selectable even if they are no longer a manager or admin.
  for (const manager of team.managers) if (!options.has(manager.id)) options.set(manager.id, manager.name);

  const save = useMutation({
    mutationFn: () => apiPut<Team>(`/api/teams/${encodeURIComponent(team.id)}/managers`, { userIds }),
    onSuccess: async () => {
      notifySuccess(`Managers of ${team.name} saved`);
      onClose();
      await Promise.all([
        queryClient.invalidateQueries({ queryKey: TEAMS_KEY }),
        queryClient.invalidateQueries({ queryKey: ME_KEY }),
      ]);
    },
    onError: (error) => handleError(error, 'Could not save the managers'),
  });

  function handleSubmit(event: FormEvent<HTMLFormElement>): void {
    event.preventDefault();
    clear();
    save.mutate();
  }

  return (
    <form onSubmit={handleSubmit} noValidate aria-label={`Managers of ${team.name}`}>
      <Stack>
        <Text size="sm" c="dimmed">
          Managers see the team's numbers and run its check-ins. Only managers and admins can be chosen.
        </Text>
        {candidates.isError ? (
          <Alert color="red" role="alert">
            Could not load the list of managers.
          </Alert>
        ) : null}
        <MultiSelect
          label="Managers"
          placeholder={userIds.length === 0 ? 'Pick managers' : undefined}
          data={[...options].map(([value, label]) => ({ value, label }))}
          value={userIds}
          onChange={setUserIds}
          searchable
          clearable
          nothingFoundMessage={candidates.isPending ? 'Loading…' : 'Nobody found'}
          error={errors.userIds}
          data-autofocus
        />
        <Group justify="flex-end">
          <Button variant="default" onClick={onClose}>
            Cancel
          </Button>
          <Button type="submit" loading={save.isPending}>
            Save managers
          </Button>
        </Group>
      </Stack>
    </form>
  );
}

export function ManagersModal({ team, onClose }: { team: Team | null; onClose: () => void }) {
  return (
    <Modal
      opened={team !== null}
      onClose={onClose}
      title={team ? `Managers of ${team.name}` : 'Managers'}
      centered
    >
      {team ? <ManagersForm key={team.id} team={team} onClose={onClose} /> : null}
    </Modal>
  );
}
