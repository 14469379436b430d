import { Badge, Button, Tabs } from '@mantine/core';
import { IconMailPlus, IconUserPlus } from '@tabler/icons-react';
import { useQuery } from '@tanstack/react-query';
import { useState } from 'react';
import { PageHeader } from '../components/page-header.tsx';
import { teamOptions, teamsQuery } from '../features/teams/teams-api.ts';
import { CreateUserModal } from '../features/users/create-user-modal.tsx';
import {
  InvitationsPanel,
  invitationStatus,
  invitationsQuery,
} from '../features/users/invitations-panel.tsx';
import { InviteModal } from '../features/users/invite-modal.tsx';
import { UsersPanel } from '../features/users/users-panel.tsx';

export function UsersPage() {
  const teams = useQuery(teamsQuery);
  const invitations = useQuery(invitationsQuery);
  const [tab, setTab] = useState<string | null>('people');
  const [creating, setCreating] = useState(false);
  const [inviting, setInviting] = useState(false);
  const options = teamOptions(teams.data ?? []);
  const pending = (invitations.data?.items ?? []).filter(
    (item) => invitationStatus(item) === 'pending',
  ).length;

  return (
    <>
      <PageHeader
        title="Users"
        description="Everyone in your organisation, their roles and teams."
        actions={
          <>
            <Button
              variant="default"
              leftSection={<IconMailPlus size={16} aria-hidden />}
              onClick={() => setInviting(true)}
            >
              Invite
            </Button>
            <Button leftSection={<IconUserPlus size={16} aria-hidden />} onClick={() => setCreating(true)}>
              New user
            </Button>
          </>
        }
      />
      <Tabs value={tab} onChange={setTab} keepMounted={false}>
        <Tabs.List mb="md">
          <Tabs.Tab value="people">People</Tabs.Tab>
          <Tabs.Tab
            value="invitations"
            rightSection={
              pending > 0 ? (
                <Badge size="sm" variant="light" circle aria-label={`${pending} pending`}>
                  {pending}
                </Badge>
              ) : null
            }
          >
            Invitations
          </Tabs.Tab>
        </Tabs.List>
        <Tabs.Panel value="people">
          <UsersPanel teamOptions={options} />
        </Tabs.Panel>
        <Tabs.Panel value="invitations">
          <InvitationsPanel teams={teams.data ?? []} />
        </Tabs.Panel>
      </Tabs>
      <CreateUserModal opened={creating} onClose={() => setCreating(false)} teamOptions={options} />
      <InviteModal opened={inviting} onClose={() => setInviting(false)} teamOptions={options} />
    </>
  );
}
