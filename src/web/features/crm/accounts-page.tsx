import { Anchor, Badge, Button, Select, Stack, Table, TextInput } from '@mantine/core';
import { useDebouncedValue, useDisclosure } from '@mantine/hooks';
import { IconPlus, IconUpload } from '@tabler/icons-react';
import { useState } from 'react';
import { Link } from 'react-router';
import { PageHeader } from '../../components/page-header.tsx';
import { formatDate } from '../../lib/locale.ts';
import { useSession } from '../../lib/session-context.ts';
import type { PersonRef } from '../../lib/types.ts';
import { AccountFormModal } from './account-form-modal.tsx';
import { countActive, FilterBar, OwnerFilter, SearchFilter, TeamFilter } from './crm-filters.tsx';
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
import type { Account } from './crm-types.ts';
import { OfflineBanner } from './offline-banner.tsx';

const SORTS = [
  { value: 'name:asc', label: 'Name A–Z' },
  { value: 'name:desc', label: 'Name Z–A' },
  { value: 'lastActivityAt:desc', label: 'Recent activity first' },
  { value: 'lastActivityAt:asc', label: 'Least recent activity first' },
  { value: 'createdAt:desc', label: 'Newest first' },
];

/** CRM → Accounts: the accounts I can see, filtered and sorted, with export. */
export function AccountsPage() {
  const me = useSession();
  const [q, setQ] = useState('');
  const [owner, setOwner] = useState<PersonRef | null>(null);
  const [teamId, setTeamId] = useState<string | null>(null);
  const [territoryText, setTerritoryText] = useState('');
  const [territory] = useDebouncedValue(territoryText.trim(), 300);
  const [tier, setTier] = useState<string | null>(null);
  const [status, setStatus] = useState<string | null>(null);
  const [sort, setSort] = useState('name:asc');
  const [sortField, dir] = sort.split(':') as [string, string];
  const filters = {
    q,
    ownerId: owner?.id,
    teamId,
    territory,
    tier,
    status,
    sort: sortField,
    dir,
  };
  const { query, items, total } = useCrmList<Account>('accounts', filters);
  const [formOpened, { open: openForm, close: closeForm }] = useDisclosure(false);
  const phone = usePhoneLayout();

  return (
    <Stack maw={1200}>
      <PageHeader
        title="Accounts"
        description={<CountText total={total} noun="accounts" />}
        actions={
          <>
            <Button leftSection={<IconPlus size={16} aria-hidden />} onClick={openForm}>
              New account
            </Button>
            <Button
              component={Link}
              to="/crm/import"
              variant="default"
              leftSection={<IconUpload size={16} aria-hidden />}
            >
              Import
            </Button>
            <ExportMenu entity="accounts" filters={filters} />
          </>
        }
      />
      <AccountFormModal opened={formOpened} onClose={closeForm} />
      <OfflineBanner updatedAt={query.dataUpdatedAt} error={query.error} />
      <FilterBar
        search={<SearchFilter value={q} onChange={setQ} />}
        active={countActive([owner, teamId, territory, tier, status])}
      >
        <OwnerFilter value={owner} onChange={setOwner} />
        {me.role === 'rep' ? null : <TeamFilter value={teamId} onChange={setTeamId} />}
        <TextInput
          label="Territory"
          placeholder="Any territory"
          value={territoryText}
          onChange={(event) => setTerritoryText(event.currentTarget.value)}
        />
        <Select
          label="Tier"
          placeholder="Any tier"
          data={['A', 'B', 'C']}
          value={tier}
          onChange={setTier}
          clearable
        />
        <Select
          label="Status"
          placeholder="Any status"
          data={[
            { value: 'active', label: 'Active' },
            { value: 'prospect', label: 'Prospect' },
            { value: 'inactive', label: 'Inactive' },
          ]}
          value={status}
          onChange={setStatus}
          clearable
        />
        <Select
          label="Sort"
          data={SORTS}
          value={sort}
          onChange={(value) => setSort(value ?? 'name:asc')}
          allowDeselect={false}
        />
      </FilterBar>
      <ListStates
        query={query}
        count={items.length}
        label="accounts"
        empty="No accounts match these filters."
      >
        {() =>
          phone ? (
            <CardList label="Accounts" testId="accounts-cards">
              {items.map((account) => (
                <ListCard
                  key={account.id}
                  title={
                    <>
                      <Anchor component={Link} to={`/crm/accounts/${account.id}`} className="card-open">
                        {account.name}
                      </Anchor>
                      {account.status === 'active' ? null : (
                        <Badge ml="xs" size="xs" variant="outline" color="gray">
                          {account.status}
                        </Badge>
                      )}
                    </>
                  }
                  badge={
                    account.tier ? (
                      <Badge variant="light" size="sm" style={{ flexShrink: 0 }}>
                        Tier {account.tier}
                      </Badge>
                    ) : null
                  }
                >
                  <CardLine>
                    {account.owner.name}
                    {account.city ? ` · ${account.city}` : ''}
                    {account.territory ? ` · ${account.territory}` : ''}
                  </CardLine>
                  <CardLine>
                    {account.lastActivityAt
                      ? `Last activity ${formatDate(account.lastActivityAt, me.org.timeZone)}`
                      : 'No activity yet'}
                    {account.nextVisitDue
                      ? ` · next visit due ${formatDate(account.nextVisitDue, me.org.timeZone)}`
                      : ''}
                  </CardLine>
                </ListCard>
              ))}
            </CardList>
          ) : (
            <Table.ScrollContainer minWidth={760}>
              <Table striped highlightOnHover verticalSpacing="xs" data-testid="accounts-table">
                <Table.Thead>
                  <Table.Tr>
                    <Table.Th>Name</Table.Th>
                    <Table.Th>Owner</Table.Th>
                    <Table.Th>Territory</Table.Th>
                    <Table.Th>Tier</Table.Th>
                    <Table.Th>City</Table.Th>
                    <Table.Th>Last activity</Table.Th>
                    <Table.Th>Next visit due</Table.Th>
                  </Table.Tr>
                </Table.Thead>
                <Table.Tbody>
                  {items.map((account) => (
                    <Table.Tr key={account.id}>
                      <Table.Td>
                        <Anchor component={Link} to={`/crm/accounts/${account.id}`}>
                          {account.name}
                        </Anchor>
                        {account.status === 'active' ? null : (
                          <Badge ml="xs" size="xs" variant="outline" color="gray">
                            {account.status}
                          </Badge>
                        )}
                      </Table.Td>
                      <Table.Td>{account.owner.name}</Table.Td>
                      <Table.Td>{account.territory ?? '—'}</Table.Td>
                      <Table.Td>{account.tier ?? '—'}</Table.Td>
                      <Table.Td>{account.city ?? '—'}</Table.Td>
                      <Table.Td>{formatDate(account.lastActivityAt, me.org.timeZone)}</Table.Td>
                      <Table.Td>{formatDate(account.nextVisitDue, me.org.timeZone)}</Table.Td>
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
