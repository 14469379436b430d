import { Alert, Anchor, Badge, Card, Group, SimpleGrid, Stack, Text, Title } from '@mantine/core';
import { useQuery } from '@tanstack/react-query';
import { Link } from 'react-router';
import { FullPageLoader } from '../components/full-page-state.tsx';
import { PageHeader } from '../components/page-header.tsx';
import { buildTeamTree, flattenTree, subtreeIds, teamsQuery } from '../features/teams/teams-api.ts';
import { errorMessage } from '../lib/notify.ts';
import { useSession } from '../lib/session-context.ts';
import type { Team } from '../lib/types.ts';

/** The teams a manager is responsible for: the ones they manage and every team below those. */
export function managedTeams(teams: readonly Team[], userId: string, managedIds: readonly string[]): Team[] {
  const roots = teams.filter(
    (team) => managedIds.includes(team.id) || team.managers.some((manager) => manager.id === userId),
  );
  const ids = new Set<string>();
  for (const root of roots) for (const id of subtreeIds(teams, root.id)) ids.add(id);
  return flattenTree(buildTeamTree(teams))
    .map((node) => node.team)
    .filter((team) => ids.has(team.id));
}

export function TeamPage() {
  const me = useSession();
  const teams = useQuery(teamsQuery);
  const managedIds = me.teams.filter((team) => team.relation === 'manager').map((team) => team.id);
  const mine = managedTeams(teams.data ?? [], me.user.id, managedIds);

  return (
    <>
      <PageHeader
        title="Team"
        description="The people you look after. Numbers, goals and check-ins arrive here soon."
      />
      {teams.isPending ? <FullPageLoader /> : null}
      {teams.isError ? (
        <Alert color="red" role="alert" title="Could not load your teams">
          {errorMessage(teams.error)}
        </Alert>
      ) : null}
      {teams.isSuccess && mine.length === 0 ? (
        <Stack gap="xs">
          <Text>You do not manage a team yet.</Text>
          {me.role === 'admin' ? (
            <Anchor component={Link} to="/admin/teams">
              Set up teams and their managers
            </Anchor>
          ) : (
            <Text c="dimmed">An admin can make you the manager of a team.</Text>
          )}
        </Stack>
      ) : null}
      <SimpleGrid cols={{ base: 1, md: 2 }} spacing="lg">
        {mine.map((team) => (
          <Card key={team.id} withBorder padding="lg" data-testid="managed-team">
            <Group justify="space-between" mb="sm">
              <Title order={2} size="h4">
                {team.name}
              </Title>
              <Badge variant="light">
                {team.members.length} {team.members.length === 1 ? 'member' : 'members'}
              </Badge>
            </Group>
            {team.managers.length > 0 ? (
              <Text size="sm" c="dimmed" mb="xs">
                Managed by {team.managers.map((manager) => manager.name).join(', ')}
              </Text>
            ) : null}
            {team.members.length === 0 ? (
              <Text c="dimmed">Nobody on this team yet.</Text>
            ) : (
              <Stack
                component="ul"
                gap={4}
                p={0}
                m={0}
                style={{ listStyle: 'none' }}
                aria-label={`Members of ${team.name}`}
              >
                {team.members.map((member) => (
                  <Text component="li" key={member.id}>
                    {member.name}
                  </Text>
                ))}
              </Stack>
            )}
          </Card>
        ))}
      </SimpleGrid>
    </>
  );
}
