import { Alert, Badge, Button, Grid, Group, Select, Stack, Table, Text, TextInput } from '@mantine/core';
import { useDebouncedValue } from '@mantine/hooks';
import { IconSearch } from '@tabler/icons-react';
import { useInfiniteQuery, useMutation, useQueryClient } from '@tanstack/react-query';
import { useState } from 'react';
import { ConfirmModal } from '../../components/confirm-modal.tsx';
import { apiPatch } from '../../lib/api.ts';
import { type Option, ROLE_LABELS, ROLE_OPTIONS } from '../../lib/locale.ts';
import { notifyError, notifySuccess } from '../../lib/notify.ts';
import { useSession } from '../../lib/session-context.ts';
import type { Role, User } from '../../lib/types.ts';
import { TEAMS_KEY } from '../teams/teams-api.ts';
import { EditUserModal } from './edit-user-modal.tsx';
import { fetchUsersPage, USERS_KEY, type UserFilters } from './users-api.ts';

const STATUS_OPTIONS: Option[] = [
  { value: 'true', label: 'Active' },
  { value: 'false', label: 'Deactivated' },
  { value: 'any', label: 'Everyone' },
];

export function UsersPanel({ teamOptions }: { teamOptions: Option[] }) {
  const me = useSession();
  const queryClient = useQueryClient();
  const [search, setSearch] = useState('');
  const [q] = useDebouncedValue(search, 300);
  const [role, setRole] = useState<Role | null>(null);
  const [teamId, setTeamId] = useState<string | null>(null);
  const [status, setStatus] = useState('true');
  const [editing, setEditing] = useState<User | null>(null);
  const [toggling, setToggling] = useState<User | null>(null);

  const filters: UserFilters = {
    q: q.trim(),
    role,
    teamId,
    active: status === 'any' ? null : (status as 'true' | 'false'),
  };

  const users = useInfiniteQuery({
    queryKey: [...USERS_KEY, filters],
    queryFn: ({ pageParam }) => fetchUsersPage(filters, pageParam),
    initialPageParam: null as string | null,
    getNextPageParam: (last) => last.nextCursor,
  });

  const setActive = useMutation({
    mutationFn: (user: User) =>
      apiPatch<User>(`/api/users/${encodeURIComponent(user.id)}`, { active: !user.active }),
    onSuccess: async (updated) => {
      setToggling(null);
      notifySuccess(`${updated.name} ${updated.active ? 'reactivated' : 'deactivated'}`);
      await Promise.all([
        queryClient.invalidateQueries({ queryKey: USERS_KEY }),
        queryClient.invalidateQueries({ queryKey: TEAMS_KEY }),
      ]);
    },
    onError: (error) => notifyError(error, 'Could not change the user'),
  });

  const rows = users.data?.pages.flatMap((page) => page.items) ?? [];

  return (
    <Stack>
      <Grid gap="sm">
        <Grid.Col span={{ base: 12, md: 3 }}>
          <TextInput
            label="Search"
            placeholder="Name or email"
            leftSection={<IconSearch size={16} aria-hidden />}
            value={search}
            onChange={(event) => setSearch(event.currentTarget.value)}
            type="search"
          />
        </Grid.Col>
        <Grid.Col span={{ base: 4, md: 3 }}>
          <Select
            label="Role"
            placeholder="All roles"
            data={ROLE_OPTIONS}
            value={role}
            onChange={(value) => setRole(value as Role | null)}
            clearable
          />
        </Grid.Col>
        <Grid.Col span={{ base: 4, md: 3 }}>
          <Select
            label="Team"
            placeholder="All teams"
            data={teamOptions}
            value={teamId}
            onChange={setTeamId}
            clearable
            searchable
          />
        </Grid.Col>
        <Grid.Col span={{ base: 4, md: 3 }}>
          <Select
            label="Status"
            data={STATUS_OPTIONS}
            value={status}
            onChange={(value) => setStatus(value ?? 'true')}
            allowDeselect={false}
          />
        </Grid.Col>
      </Grid>
      {users.isError ? (
        <Alert color="red" role="alert">
          Could not load users.
        </Alert>
      ) : null}
      <Table.ScrollContainer minWidth={720}>
        <Table striped highlightOnHover verticalSpacing="xs" aria-label="Users" aria-busy={users.isFetching}>
          <Table.Thead>
            <Table.Tr>
              <Table.Th scope="col">Name</Table.Th>
              <Table.Th scope="col">Role</Table.Th>
              <Table.Th scope="col">Team</Table.Th>
              <Table.Th scope="col">Time zone</Table.Th>
              <Table.Th scope="col">Status</Table.Th>
              <Table.Th scope="col">
                <span className="visually-hidden">Actions</span>
              </Table.Th>
            </Table.Tr>
          </Table.Thead>
          <Table.Tbody>
            {rows.map((user) => (
              <Table.Tr key={user.id} data-testid="user-row">
                <Table.Td>
                  <Text size="sm" fw={500}>
                    {user.name}
                  </Text>
                  <Text size="xs" c="dimmed">
                    {user.email}
                  </Text>
                </Table.Td>
                <Table.Td>{ROLE_LABELS[user.role] ?? user.role}</Table.Td>
                <Table.Td>{user.teamName ?? '—'}</Table.Td>
                <Table.Td>{user.timeZone}</Table.Td>
                <Table.Td>
                  <Badge variant="light" color={user.active ? 'blue' : 'gray'}>
                    {user.active ? 'Active' : 'Deactivated'}
                  </Badge>
                </Table.Td>
                <Table.Td>
                  <Group gap={4} wrap="nowrap" justify="flex-end">
                    <Button
                      size="xs"
                      variant="subtle"
                      onClick={() => setEditing(user)}
                      aria-label={`Edit ${user.name}`}
                    >
                      Edit
                    </Button>
                    {user.id === me.user.id ? null : (
                      <Button
                        size="xs"
                        variant="subtle"
                        color={user.active ? 'red' : 'blue'}
                        onClick={() => setToggling(user)}
                        aria-label={`${user.active ? 'Deactivate' : 'Reactivate'} ${user.name}`}
                      >
                        {user.active ? 'Deactivate' : 'Reactivate'}
                      </Button>
                    )}
                  </Group>
                </Table.Td>
              </Table.Tr>
            ))}
            {users.isSuccess && rows.length === 0 ? (
              <Table.Tr>
                <Table.Td colSpan={6}>
                  <Text c="dimmed" ta="center" py="md">
                    No users match these filters.
                  </Text>
                </Table.Td>
              </Table.Tr>
            ) : null}
          </Table.Tbody>
        </Table>
      </Table.ScrollContainer>
      <Group justify="center">
        {users.hasNextPage ? (
          <Button
            variant="default"
            onClick={() => void users.fetchNextPage()}
            loading={users.isFetchingNextPage}
          >
            Load more
          </Button>
        ) : null}
        {users.isPending ? <Text c="dimmed">Loading users…</Text> : null}
      </Group>
      <EditUserModal user={editing} onClose={() => setEditing(null)} teamOptions={teamOptions} />
      <ConfirmModal
        opened={toggling !== null}
        title={toggling?.active ? 'Deactivate user?' : 'Reactivate user?'}
        confirmLabel={toggling?.active ? 'Deactivate' : 'Reactivate'}
        danger={toggling?.active ?? false}
        loading={setActive.isPending}
        onClose={() => setToggling(null)}
        onConfirm={() => toggling && setActive.mutate(toggling)}
      >
        {toggling?.active
          ? `${toggling.name} will be signed out and unable to sign in. Their data stays.`
          : `${toggling?.name ?? 'This user'} will be able to sign in again.`}
      </ConfirmModal>
    </Stack>
  );
}
