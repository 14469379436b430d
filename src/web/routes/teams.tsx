import { Alert, Button, Text } from '@mantine/core';
import { IconPlus } from '@tabler/icons-react';
import { useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import { useState } from 'react';
import { ConfirmModal } from '../components/confirm-modal.tsx';
import { FullPageLoader } from '../components/full-page-state.tsx';
import { PageHeader } from '../components/page-header.tsx';
import { ManagersModal } from '../features/teams/managers-modal.tsx';
import { TeamFormModal } from '../features/teams/team-form-modal.tsx';
import { TeamList } from '../features/teams/team-tree.tsx';
import { buildTeamTree, TEAMS_KEY, teamsQuery } from '../features/teams/teams-api.ts';
import { USERS_KEY } from '../features/users/users-api.ts';
import { apiDelete } from '../lib/api.ts';
import { errorMessage, notifyError, notifySuccess } from '../lib/notify.ts';
import { ME_KEY } from '../lib/session.ts';
import type { Team } from '../lib/types.ts';

export function TeamsPage() {
  const queryClient = useQueryClient();
  const teams = useQuery(teamsQuery);
  const [form, setForm] = useState<{ team: Team | null } | null>(null);
  const [managing, setManaging] = useState<Team | null>(null);
  const [deleting, setDeleting] = useState<Team | null>(null);

  const remove = useMutation({
    mutationFn: (team: Team) => apiDelete(`/api/teams/${encodeURIComponent(team.id)}`),
    onSuccess: async (_result, team) => {
      setDeleting(null);
      notifySuccess(`Team ${team.name} deleted`);
      await Promise.all([
        queryClient.invalidateQueries({ queryKey: TEAMS_KEY }),
        queryClient.invalidateQueries({ queryKey: USERS_KEY }),
        queryClient.invalidateQueries({ queryKey: ME_KEY }),
      ]);
    },
    onError: (error) => notifyError(error, 'Could not delete the team'),
  });

  const list = teams.data ?? [];
  const tree = buildTeamTree(list);
  const deletingChildren = deleting ? list.filter((team) => team.parentTeamId === deleting.id).length : 0;

  return (
    <>
      <PageHeader
        title="Teams"
        description="How your organisation is arranged, who manages each team and who is on it."
        actions={
          <Button leftSection={<IconPlus size={16} aria-hidden />} onClick={() => setForm({ team: null })}>
            New team
          </Button>
        }
      />
      {teams.isPending ? <FullPageLoader /> : null}
      {teams.isError ? (
        <Alert color="red" role="alert" title="Could not load teams">
          {errorMessage(teams.error)}
        </Alert>
      ) : null}
      {teams.isSuccess && list.length === 0 ? (
        <Text c="dimmed">No teams yet. Create the first one to group your reps under a manager.</Text>
      ) : null}
      {tree.length > 0 ? (
        <TeamList
          nodes={tree}
          actions={{
            onEdit: (team) => setForm({ team }),
            onManagers: setManaging,
            onDelete: setDeleting,
          }}
        />
      ) : null}
      <TeamFormModal
        opened={form !== null}
        team={form?.team ?? null}
        teams={list}
        onClose={() => setForm(null)}
      />
      <ManagersModal team={managing} onClose={() => setManaging(null)} />
      <ConfirmModal
        opened={deleting !== null}
        title="Delete team?"
        confirmLabel="Delete team"
        danger
        loading={remove.isPending}
        onClose={() => setDeleting(null)}
        onConfirm={() => deleting && remove.mutate(deleting)}
      >
        {deleting
          ? `“${deleting.name}” will be deleted.${
              deleting.members.length > 0
                ? ` Its ${deleting.members.length} member(s) will have no team.`
                : ''
            }${deletingChildren > 0 ? ` It has ${deletingChildren} sub-team(s).` : ''}`
          : null}
      </ConfirmModal>
    </>
  );
}
