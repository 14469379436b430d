import { Badge, Card, Group, SimpleGrid, Stack, Text, Title } from '@mantine/core';
import { usePageTitle } from '../components/page-header.tsx';
import { VisitPanel } from '../features/crm/visit-panel.tsx';
import { monthName, ROLE_LABELS } from '../lib/locale.ts';
import { useSession } from '../lib/session-context.ts';

function greeting(timeZone: string): string {
  let hour = new Date().getHours();
  try {
    hour = Number(
      new Intl.DateTimeFormat('en-GB', { hour: 'numeric', hourCycle: 'h23', timeZone }).format(new Date()),
    );
  } catch {
    // Unknown zone: the browser's own hour is close enough for a greeting.
  }
  if (hour < 12) return 'Good morning';
  if (hour < 18) return 'Good afternoon';
  return 'Good evening';
}

export function HomePage() {
  const me = useSession();
  usePageTitle('Home');
  const firstName = me.user.name.split(/\s+/)[0] ?? me.user.name;

  return (
    <Stack gap="lg" maw={960}>
      <Card withBorder padding="lg" radius="md" data-testid="welcome-card">
        <Stack gap="sm">
          <Title order={1} size="h2">
            {greeting(me.user.timeZone)}, {firstName}
          </Title>
          <Group gap="xs">
            <Badge variant="light" size="lg" data-testid="welcome-role">
              {ROLE_LABELS[me.role]}
            </Badge>
            <Text c="dimmed">at {me.org.name}</Text>
          </Group>
          <Text>
            Signed in as <strong>{me.user.name}</strong> ({me.user.email}).
          </Text>
        </Stack>
      </Card>
      <VisitPanel />
      <SimpleGrid cols={{ base: 1, sm: 2 }} spacing="lg">
        <Card withBorder padding="lg" radius="md">
          <Title order={2} size="h4" mb="sm">
            Your teams
          </Title>
          {me.teams.length === 0 ? (
            <Text c="dimmed">You are not on a team yet.</Text>
          ) : (
            <Stack gap={6} component="ul" p={0} m={0} style={{ listStyle: 'none' }}>
              {me.teams.map((team) => (
                <Group key={team.id} component="li" gap="xs" justify="space-between">
                  <Text>{team.name}</Text>
                  <Badge variant="outline" color={team.relation === 'manager' ? 'blue' : 'gray'}>
                    {team.relation === 'manager' ? 'Manager' : 'Member'}
                  </Badge>
                </Group>
              ))}
            </Stack>
          )}
        </Card>
        <Card withBorder padding="lg" radius="md" data-testid="org-card">
          <Title order={2} size="h4" mb="sm">
            {me.org.name}
          </Title>
          <Stack gap={4}>
            <Text size="sm">
              <Text span fw={600}>
                Currency:
              </Text>{' '}
              {me.org.currency}
            </Text>
            <Text size="sm">
              <Text span fw={600}>
                Time zone:
              </Text>{' '}
              {me.org.timeZone}
            </Text>
            <Text size="sm">
              <Text span fw={600}>
                Fiscal year starts:
              </Text>{' '}
              {monthName(me.org.fiscalYearStartMonth)}
            </Text>
          </Stack>
        </Card>
      </SimpleGrid>
    </Stack>
  );
}
