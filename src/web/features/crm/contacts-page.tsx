import { Anchor, Stack, Table } from '@mantine/core';
import { useState } from 'react';
import { Link } from 'react-router';
import { PageHeader } from '../../components/page-header.tsx';
import type { PersonRef } from '../../lib/types.ts';
import { countActive, FilterBar, OwnerFilter, SearchFilter } from './crm-filters.tsx';
import { CountText, ExportMenu, ListStates, ScrollTable, useCrmList } from './crm-list.tsx';
import type { Contact } from './crm-types.ts';

/** CRM → Contacts: people at the accounts I can see. */
export function ContactsPage() {
  const [q, setQ] = useState('');
  const [owner, setOwner] = useState<PersonRef | null>(null);
  const filters = { q, ownerId: owner?.id };
  const { query, items, total } = useCrmList<Contact>('contacts', filters);

  return (
    <Stack maw={1100}>
      <PageHeader
        title="Contacts"
        description={<CountText total={total} noun="contacts" />}
        actions={<ExportMenu entity="contacts" filters={filters} />}
      />
      <FilterBar search={<SearchFilter value={q} onChange={setQ} />} active={countActive([owner])}>
        <OwnerFilter value={owner} onChange={setOwner} />
      </FilterBar>
      <ListStates
        query={query}
        count={items.length}
        label="contacts"
        empty="No contacts match these filters."
      >
        {() => <ContactsTable contacts={items} showAccount />}
      </ListStates>
    </Stack>
  );
}

export function ContactsTable({ contacts, showAccount }: { contacts: Contact[]; showAccount: boolean }) {
  return (
    <ScrollTable label="Contacts" minWidth={showAccount ? 720 : 480}>
      <Table striped verticalSpacing="xs" data-testid="contacts-table">
        <Table.Thead>
          <Table.Tr>
            <Table.Th>Name</Table.Th>
            <Table.Th>Title</Table.Th>
            {showAccount ? <Table.Th>Account</Table.Th> : null}
            <Table.Th>Email</Table.Th>
            <Table.Th>Phone</Table.Th>
          </Table.Tr>
        </Table.Thead>
        <Table.Tbody>
          {contacts.map((contact) => (
            <Table.Tr key={contact.id}>
              <Table.Td>{contact.name}</Table.Td>
              <Table.Td>{contact.title ?? '—'}</Table.Td>
              {showAccount ? (
                <Table.Td>
                  <Anchor component={Link} to={`/crm/accounts/${contact.accountId}`}>
                    {contact.accountName}
                  </Anchor>
                </Table.Td>
              ) : null}
              <Table.Td>
                {contact.email ? <Anchor href={`mailto:${contact.email}`}>{contact.email}</Anchor> : '—'}
              </Table.Td>
              <Table.Td>
                {contact.phone ? (
                  <Anchor href={`tel:${contact.phone.replace(/\s+/g, '')}`}>{contact.phone}</Anchor>
                ) : (
                  '—'
                )}
              </Table.Td>
            </Table.Tr>
          ))}
        </Table.Tbody>
      </Table>
    </ScrollTable>
  );
}
