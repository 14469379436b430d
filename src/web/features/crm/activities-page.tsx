import { Anchor, Group, Select, Stack, Table, Text, TextInput } from '@mantine/core';
import { useQuery } from '@tanstack/react-query';
import { useState } from 'react';
import { Link } from 'react-router';
import { PageHeader } from '../../components/page-header.tsx';
import { dayStartInZone, formatDateTime } from '../../lib/locale.ts';
import { useSession } from '../../lib/session-context.ts';
import type { PersonRef } from '../../lib/types.ts';
import { KindBadge, VerifiedBadge, visitCheck } from './activity-bits.tsx';
import { crmSettingsQuery } from './crm-api.ts';
import { countActive, FilterBar, OwnerFilter, SearchFilter, TeamFilter } from './crm-filters.tsx';
import { capitalize } from './crm-format.ts';
import {
  CardLine,
  CardList,
  CountText,
  ExportMenu,
  ListCard,
  ListStates,
  useCrmList,
  usePhoneLayout,
} from './crm-list.tsx';
import type { Activity } from './crm-types.ts';
import { OfflineBanner } from './offline-banner.tsx';

const BUILTIN_KINDS = ['visit', 'call', 'email', 'meeting', 'demo', 'task'];

/** CRM → Activities: visits, calls and the rest, newest first; visits show verified or not. */
export function ActivitiesPage() {
  const me = useSession();
  const settings = useQuery(crmSettingsQuery);
  const [q, setQ] = useState('');
  const [owner, setOwner] = useState<PersonRef | null>(null);
  const [teamId, setTeamId] = useState<string | null>(null);
  const [kind, setKind] = useState<string | null>(null);
  const [verified, setVerified] = useState<string | null>(null);
  const [fromDay, setFromDay] = useState('');
  const [toDay, setToDay] = useState('');
  const zone = me.org.timeZone;
  // Days are days of the org's calendar: "to" includes the whole of its last day.
  const filters = {
    q,
    ownerId: owner?.id,
    teamId,
    kind,
    verified,
    from: dayStartInZone(fromDay, zone),
    to: dayStartInZone(toDay, zone, 1),
  };
  const { query, items, total } = useCrmList<Activity>('activities', filters);
  const phone = usePhoneLayout();
  const kinds = [...BUILTIN_KINDS, ...(settings.data?.activityKinds ?? [])].map((k) => ({
    value: k,
    label: capitalize(k),
  }));

  return (
    <Stack maw={1200}>
      <PageHeader
        title="Activities"
        description={<CountText total={total} noun="activities" />}
        actions={<ExportMenu entity="activities" filters={filters} />}
      />
      <OfflineBanner updatedAt={query.dataUpdatedAt} error={query.error} />
      <FilterBar
        search={<SearchFilter label="Search subjects" value={q} onChange={setQ} />}
        active={countActive([owner, teamId, kind, verified, fromDay, toDay])}
      >
        <OwnerFilter value={owner} onChange={setOwner} />
        {me.role === 'rep' ? null : <TeamFilter value={teamId} onChange={setTeamId} />}
        <Select label="Kind" placeholder="Any kind" data={kinds} value={kind} onChange={setKind} clearable />
        <Select
          label="Verified"
          placeholder="Any"
          data={[
            { value: 'true', label: 'Verified visits' },
            { value: 'false', label: 'Unverified visits' },
          ]}
          value={verified}
          onChange={setVerified}
          clearable
        />
        <TextInput
          label="From"
          type="date"
          value={fromDay}
          onChange={(e) => setFromDay(e.currentTarget.value)}
        />
        <TextInput
          label="Until"
          type="date"
          value={toDay}
          onChange={(e) => setToDay(e.currentTarget.value)}
        />
      </FilterBar>
      <Text size="xs" c="dimmed">
        Dates and times in {zone}.
      </Text>
      <ListStates
        query={query}
        count={items.length}
        label="activities"
        empty="No activities match these filters."
      >
        {() =>
          phone ? (
            <CardList label="Activities" testId="activities-cards">
              {items.map((activity) => (
                <ListCard
                  key={activity.id}
                  title={
                    activity.account ? (
                      <Anchor
                        component={Link}
                        to={`/crm/accounts/${activity.account.id}`}
                        className="card-open"
                      >
                        {activity.subject}
                      </Anchor>
                    ) : (
                      <Text fw={600}>{activity.subject}</Text>
                    )
                  }
                  badge={
                    <Group gap={4} wrap="nowrap" style={{ flexShrink: 0 }}>
                      <KindBadge kind={activity.kind} />
                      {activity.kind === 'visit' ? <VerifiedBadge {...visitCheck(activity)} /> : null}
                    </Group>
                  }
                >
                  <CardLine>
                    {[formatDateTime(activity.occurredAt, zone), activity.account?.name, activity.owner.name]
                      .filter(Boolean)
                      .join(' · ')}
                  </CardLine>
                  {activity.outcome ? (
                    <Text size="sm" lineClamp={2}>
                      {activity.outcome}
                    </Text>
                  ) : null}
                </ListCard>
              ))}
            </CardList>
          ) : (
            <Table.ScrollContainer minWidth={860}>
              <Table striped verticalSpacing="xs" data-testid="activities-table">
                <Table.Thead>
                  <Table.Tr>
                    <Table.Th>When</Table.Th>
                    <Table.Th>Kind</Table.Th>
                    <Table.Th>Subject</Table.Th>
                    <Table.Th>Account</Table.Th>
                    <Table.Th>Owner</Table.Th>
                    <Table.Th>Check-in</Table.Th>
                  </Table.Tr>
                </Table.Thead>
                <Table.Tbody>
                  {items.map((activity) => (
                    <Table.Tr key={activity.id}>
                      <Table.Td>{formatDateTime(activity.occurredAt, zone)}</Table.Td>
                      <Table.Td>
                        <KindBadge kind={activity.kind} />
                      </Table.Td>
                      <Table.Td>
                        <Text size="sm">{activity.subject}</Text>
                        {activity.outcome ? (
                          <Text size="xs" c="dimmed" lineClamp={2}>
                            {activity.outcome}
                          </Text>
                        ) : null}
                      </Table.Td>
                      <Table.Td>
                        {activity.account ? (
                          <Anchor component={Link} to={`/crm/accounts/${activity.account.id}`}>
                            {activity.account.name}
                          </Anchor>
                        ) : (
                          '—'
                        )}
                      </Table.Td>
                      <Table.Td>{activity.owner.name}</Table.Td>
                      <Table.Td>
                        <Group gap={4}>
                          <VerifiedBadge {...visitCheck(activity)} />
                        </Group>
                      </Table.Td>
                    </Table.Tr>
                  ))}
                </Table.Tbody>
              </Table>
            </Table.ScrollContainer>
          )
        }
      </ListStates>
    </Stack>
  );
}
