import { Button, Group, Modal, Select, Stack, TextInput } from '@mantine/core';
import { useMutation, useQueryClient } from '@tanstack/react-query';
import { type FormEvent, useState } from 'react';
import { apiPatch, apiPost } from '../../lib/api.ts';
import { notifySuccess } from '../../lib/notify.ts';
import { ME_KEY } from '../../lib/session.ts';
import type { Team } from '../../lib/types.ts';
import { useFormErrors } from '../../lib/use-form-errors.ts';
import { USERS_KEY } from '../users/users-api.ts';
import { subtreeIds, TEAMS_KEY, teamOptions } from './teams-api.ts';

const FIELDS = ['name', 'parentTeamId'] as const;

function TeamForm({
  team,
  teams,
  onClose,
}: {
  team: Team | null;
  teams: readonly Team[];
  onClose: () => void;
}) {
  const queryClient = useQueryClient();
  const [name, setName] = useState(team?.name ?? '');
  const [parentTeamId, setParentTeamId] = useState<string | null>(team?.parentTeamId ?? null);
  const { errors, handleError, clear } = useFormErrors(FIELDS);
  const parentOptions = teamOptions(teams, team ? subtreeIds(teams, team.id) : new Set());

  const save = useMutation({
    mutationFn: () => {
      if (!team) {
        return apiPost<Team>('/api/teams', { name: name.trim(), ...(parentTeamId ? { parentTeamId } : {}) });
      }
      const patch: { name?: string; parentTeamId?: string | null } = {};
      if (name.trim() !== team.name) patch.name = name.trim();
      if (parentTeamId !== team.parentTeamId) patch.parentTeamId = parentTeamId;
      return apiPatch<Team>(`/api/teams/${encodeURIComponent(team.id)}`, patch);
    },
    onSuccess: async (saved) => {
      notifySuccess(team ? `Team ${saved.name} saved` : `Team ${saved.name} created`);
      onClose();
      await Promise.all([
        queryClient.invalidateQueries({ queryKey: TEAMS_KEY }),
        queryClient.invalidateQueries({ queryKey: USERS_KEY }),
        queryClient.invalidateQueries({ queryKey: ME_KEY }),
      ]);
    },
    onError: (error) => handleError(error, 'Could not save the team'),
  });

  const dirty = !team || name.trim() !== team.name || parentTeamId !== team.parentTeamId;

  function handleSubmit(event: FormEvent<HTMLFormElement>): void {
    event.preventDefault();
    clear();
    if (dirty) save.mutate();
  }

  return (
    <form onSubmit={handleSubmit} noValidate aria-label={team ? `Edit team ${team.name}` : 'New team'}>
      <Stack>
        <TextInput
          label="Team name"
          required
          value={name}
          onChange={(event) => setName(event.currentTarget.value)}
          error={errors.name}
          data-autofocus
        />
        <Select
          label="Parent team"
          placeholder="None (top level)"
          data={parentOptions}
          value={parentTeamId}
          onChange={setParentTeamId}
          clearable
          searchable
          error={errors.parentTeamId}
        />
        <Group justify="flex-end">
          <Button variant="default" onClick={onClose}>
            Cancel
          </Button>
          <Button type="submit" loading={save.isPending} disabled={!name.trim() || !dirty}>
            {team ? 'Save' : 'Create team'}
          </Button>
        </Group>
      </Stack>
    </form>
  );
}

/** Creates a team (`team` null) or renames/moves an existing one. */
export function TeamFormModal({
  opened,
  team,
  teams,
  onClose,
}: {
  opened: boolean;
  team: Team | null;
  teams: readonly Team[];
  onClose: () => void;
}) {
  return (
    <Modal opened={opened} onClose={onClose} title={team ? `Edit ${team.name}` : 'New team'} centered>
      {opened ? <TeamForm key={team?.id ?? 'new'} team={team} teams={teams} onClose={onClose} /> : null}
    </Modal>
  );
}
