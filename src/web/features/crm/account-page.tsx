import {
  Alert,
  Anchor,
  Badge,
  Button,
  Card,
  Center,
  Grid,
  Group,
  Loader,
  Stack,
  Text,
  Timeline,
  Title,
} from '@mantine/core';
import { useDisclosure } from '@mantine/hooks';
import { IconArrowLeft, IconPencil, IconPhoneCall, IconPlus, IconRoute } from '@tabler/icons-react';
import { useQuery } from '@tanstack/react-query';
import { type ReactNode, useState } from 'react';
import { Link, useParams } from 'react-router';
import { usePageTitle } from '../../components/page-header.tsx';
import { formatDate, formatDateTime } from '../../lib/locale.ts';
import { errorMessage } from '../../lib/notify.ts';
import { useSession } from '../../lib/session-context.ts';
import { AccountFormModal } from './account-form-modal.tsx';
import { AccountMap } from './account-map.tsx';
import { KindBadge, VerifiedBadge, visitCheck } from './activity-bits.tsx';
import { ContactFormModal } from './contact-form-modal.tsx';
import { ContactsTable } from './contacts-page.tsx';
import { accountQuery } from './crm-api.ts';
import { formatAddress, formatCount } from './crm-format.ts';
import { ListStates, useCrmList } from './crm-list.tsx';
import type { Account, Activity, Contact, Deal } from './crm-types.ts';
import { DealFormModal } from './deal-form-modal.tsx';
import { DealsTable } from './deals-page.tsx';
import { LogActivityModal } from './log-activity-modal.tsx';
import { NotesPanel } from './notes-panel.tsx';
import { OfflineBanner, useOnline } from './offline-banner.tsx';

/** One account: its details and location, contacts, deals, a timeline of activities and notes. */
export function AccountPage() {
  const { id = '' } = useParams();
  const account = useQuery(accountQuery(id));
  usePageTitle(account.data?.name ?? 'Account');

  if (account.isPending && account.fetchStatus === 'paused')
    return (
      <Stack maw={640}>
        <Title order={1} size="h2">
          Account
        </Title>
        <Alert color="yellow" title="Offline" role="status" data-testid="account-offline-missing">
          This account was not opened on this device before, so it cannot be shown until the connection
          returns.
        </Alert>
        <Anchor component={Link} to="/crm/accounts">
          Back to accounts
        </Anchor>
      </Stack>
    );
  if (account.isPending)
    return (
      <Center py="xl" role="status">
        <Loader aria-label="Loading the account" />
      </Center>
    );
  if (account.isError && !account.data)
    return (
      <Stack maw={640}>
        <Title order={1} size="h2">
          Account
        </Title>
        <Alert color="red" title="Could not load this account" role="alert">
          {errorMessage(account.error)}
        </Alert>
        <Anchor component={Link} to="/crm/accounts">
          Back to accounts
        </Anchor>
      </Stack>
    );
  return (
    <Stack maw={1200} gap="md">
      <OfflineBanner updatedAt={account.dataUpdatedAt} error={account.error} />
      <AccountView account={account.data} />
    </Stack>
  );
}

function Section({
  title,
  children,
  testId,
  action,
}: {
  title: string;
  children: ReactNode;
  testId: string;
  action?: ReactNode;
}) {
  return (
    <Card withBorder radius="md" padding="md" component="section" aria-label={title} data-testid={testId}>
      <Group justify="space-between" mb="sm">
        <Title order={2} size="h4">
          {title}
        </Title>
        {action}
      </Group>
      {children}
    </Card>
  );
}

function AccountView({ account }: { account: Account }) {
  const me = useSession();
  const address = formatAddress(account);
  const contacts = useCrmList<Contact>('contacts', { accountId: account.id });
  const deals = useCrmList<Deal>('deals', { accountId: account.id });
  const activities = useCrmList<Activity>('activities', { accountId: account.id }, 20);
  const [logOpened, { open: openLog, close: closeLog }] = useDisclosure(false);
  const [editOpened, { open: openEdit, close: closeEdit }] = useDisclosure(false);
  const [contact, setContact] = useState<Contact | null | 'new'>(null);
  const [deal, setDeal] = useState<Deal | null | 'new'>(null);
  const ref = { id: account.id, name: account.name };
  // Offline the page is read-only, except "Log activity", which goes through the outbox.
  const online = useOnline();

  return (
    <Stack maw={1200} gap="md">
      <LogActivityModal opened={logOpened} onClose={closeLog} accountId={account.id} />
      {account.canEdit ? (
        <AccountFormModal opened={editOpened} onClose={closeEdit} account={account} />
      ) : null}
      <ContactFormModal
        opened={contact !== null}
        onClose={() => setContact(null)}
        contact={contact === 'new' ? null : contact}
        account={ref}
      />
      <DealFormModal
        opened={deal !== null}
        onClose={() => setDeal(null)}
        deal={deal === 'new' ? null : deal}
        account={ref}
      />
      <Anchor component={Link} to="/crm/accounts" size="sm">
        <Group gap={4} component="span">
          <IconArrowLeft size={14} aria-hidden /> Accounts
        </Group>
      </Anchor>
      <Group justify="space-between" align="flex-start">
        <Stack gap={4}>
          <Title order={1} size="h2">
            {account.name}
          </Title>
          <Group gap="xs">
            <Badge variant="light">{account.status}</Badge>
            {account.tier ? <Badge variant="outline">Tier {account.tier}</Badge> : null}
            {account.territory ? (
              <Badge variant="outline" color="gray">
                {account.territory}
              </Badge>
            ) : null}
            <Text size="sm" c="dimmed">
              Owner: {account.owner.name}
            </Text>
          </Group>
          {address ? <Text size="sm">{address}</Text> : null}
          {account.industry ? (
            <Text size="sm" c="dimmed">
              {account.industry}
            </Text>
          ) : null}
        </Stack>
        <Stack gap={2} align="flex-end">
          {account.canEdit ? (
            <Button
              size="compact-sm"
              variant="default"
              leftSection={<IconPencil size={14} aria-hidden />}
              onClick={openEdit}
              disabled={!online}
            >
              Edit account
            </Button>
          ) : null}
          <Text size="sm">Last activity: {formatDateTime(account.lastActivityAt, me.org.timeZone)}</Text>
          <Text size="sm">Next visit due: {formatDate(account.nextVisitDue, me.org.timeZone)}</Text>
          {account.externalSource ? (
            <Text size="xs" c="dimmed">
              {account.externalSource}: {account.externalId}
            </Text>
          ) : null}
        </Stack>
      </Group>
      <Grid gap="md">
        <Grid.Col span={{ base: 12, md: 5 }}>
          <Stack gap="md">
            <Section title="Location" testId="account-location">
              {account.latitude !== null && account.longitude !== null ? (
                <AccountMap lat={account.latitude} lng={account.longitude} label={account.name} />
              ) : (
                <Text c="dimmed">No location on this account, so visits cannot be verified.</Text>
              )}
            </Section>
            <Section title="Notes" testId="account-notes">
              <NotesPanel entityType="account" entityId={account.id} />
            </Section>
          </Stack>
        </Grid.Col>
        <Grid.Col span={{ base: 12, md: 7 }}>
          <Stack gap="md">
            <Section
              title={`Contacts${contacts.total ? ` (${formatCount(contacts.total)})` : ''}`}
              testId="account-contacts"
              action={
                account.canEdit ? (
                  <Button
                    size="compact-sm"
                    variant="light"
                    onClick={() => setContact('new')}
                    disabled={!online}
                    leftSection={<IconPlus size={14} aria-hidden />}
                  >
                    Add contact
                  </Button>
                ) : undefined
              }
            >
              <ListStates
                query={contacts.query}
                count={contacts.items.length}
                label="contacts"
                empty="No contacts yet."
              >
                {() => (
                  <ContactsTable
                    contacts={contacts.items}
                    showAccount={false}
                    onEdit={online ? setContact : undefined}
                  />
                )}
              </ListStates>
            </Section>
            <Section
              title={`Deals${deals.total ? ` (${formatCount(deals.total)})` : ''}`}
              testId="account-deals"
              action={
                <Button
                  size="compact-sm"
                  variant="light"
                  onClick={() => setDeal('new')}
                  disabled={!online}
                  leftSection={<IconPlus size={14} aria-hidden />}
                >
                  New deal
                </Button>
              }
            >
              <ListStates query={deals.query} count={deals.items.length} label="deals" empty="No deals yet.">
                {() => (
                  <DealsTable deals={deals.items} showAccount={false} onEdit={online ? setDeal : undefined} />
                )}
              </ListStates>
            </Section>
            <Section
              title="Timeline"
              testId="account-timeline"
              action={
                <Button
                  size="compact-sm"
                  variant="light"
                  onClick={openLog}
                  leftSection={<IconPlus size={14} aria-hidden />}
                >
                  Log activity
                </Button>
              }
            >
              <ListStates
                query={activities.query}
                count={activities.items.length}
                label="activities"
                empty="No activities yet."
              >
                {() => <ActivityTimeline activities={activities.items} timeZone={me.org.timeZone} />}
              </ListStates>
            </Section>
          </Stack>
        </Grid.Col>
      </Grid>
    </Stack>
  );
}

function ActivityTimeline({ activities, timeZone }: { activities: Activity[]; timeZone: string }) {
  return (
    <Timeline bulletSize={22} lineWidth={2}>
      {activities.map((activity) => (
        <Timeline.Item
          key={activity.id}
          bullet={
            activity.kind === 'visit' ? (
              <IconRoute size={12} aria-hidden />
            ) : (
              <IconPhoneCall size={12} aria-hidden />
            )
          }
          title={
            <Group gap={6} wrap="wrap">
              <Text size="sm" fw={600}>
                {activity.subject}
              </Text>
              <KindBadge kind={activity.kind} />
              <VerifiedBadge {...visitCheck(activity)} />
            </Group>
          }
          data-testid="timeline-item"
        >
          <Text size="xs" c="dimmed">
            {formatDateTime(activity.occurredAt, timeZone)} · {activity.owner.name}
            {activity.durationMinutes !== null ? ` · ${activity.durationMinutes} min` : ''}
          </Text>
          {activity.outcome ? <Text size="sm">{activity.outcome}</Text> : null}
        </Timeline.Item>
      ))}
    </Timeline>
  );
}
