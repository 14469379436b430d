import { Anchor, Button, Stack, Table, Text } from '@mantine/core';
import { IconPencil, IconPlus } from '@tabler/icons-react';
import { useState } from 'react';
import { Link } from 'react-router';
import { PageHeader } from '../../components/page-header.tsx';
import type { PersonRef } from '../../lib/types.ts';
import { ContactFormModal } from './contact-form-modal.tsx';
import { countActive, FilterBar, OwnerFilter, SearchFilter } from './crm-filters.tsx';
import {
  CardLine,
  CardList,
  CountText,
  ExportMenu,
  ListCard,
  ListStates,
  ScrollTable,
  useCrmList,
  usePhoneLayout,
} from './crm-list.tsx';
import type { Contact } from './crm-types.ts';
import { OfflineBanner } from './offline-banner.tsx';

/** CRM → Contacts: people at the accounts I can see. */
export function ContactsPage() {
  const [q, setQ] = useState('');
  const [owner, setOwner] = useState<PersonRef | null>(null);
  const filters = { q, ownerId: owner?.id };
  const { query, items, total } = useCrmList<Contact>('contacts', filters);
  const [editing, setEditing] = useState<Contact | null | 'new'>(null);

  return (
    <Stack maw={1100}>
      <ContactFormModal
        opened={editing !== null}
        onClose={() => setEditing(null)}
        contact={editing === 'new' ? null : editing}
      />
      <PageHeader
        title="Contacts"
        description={<CountText total={total} noun="contacts" />}
        actions={
          <>
            <Button onClick={() => setEditing('new')} leftSection={<IconPlus size={16} aria-hidden />}>
              New contact
            </Button>
            <ExportMenu entity="contacts" filters={filters} />
          </>
        }
      />
      <OfflineBanner updatedAt={query.dataUpdatedAt} error={query.error} />
      <FilterBar search={<SearchFilter value={q} onChange={setQ} />} active={countActive([owner])}>
        <OwnerFilter value={owner} onChange={setOwner} />
      </FilterBar>
      <ListStates
        query={query}
        count={items.length}
        label="contacts"
        empty="No contacts match these filters."
      >
        {() => <ContactsTable contacts={items} showAccount onEdit={setEditing} />}
      </ListStates>
    </Stack>
  );
}

export function ContactsTable({
  contacts,
  showAccount,
  onEdit,
}: {
  contacts: Contact[];
  showAccount: boolean;
  /** Shows an Edit button on the contacts the user may change. */
  onEdit?: (contact: Contact) => void;
}) {
  const phone = usePhoneLayout();
  if (phone)
    return (
      <CardList label="Contacts" testId="contacts-cards">
        {contacts.map((contact) => (
          <ListCard
            key={contact.id}
            title={
              showAccount ? (
                // No page of its own: a contact opens on its account's page.
                <Anchor component={Link} to={`/crm/accounts/${contact.accountId}`} className="card-open">
                  {contact.name}
                </Anchor>
              ) : (
                <Text fw={600}>{contact.name}</Text>
              )
            }
            actions={
              contact.email || contact.phone || (onEdit && contact.canEdit) ? (
                <>
                  {contact.phone ? (
                    <Anchor href={`tel:${contact.phone.replace(/\s+/g, '')}`} size="sm">
                      {contact.phone}
                    </Anchor>
                  ) : null}
                  {contact.email ? (
                    <Anchor href={`mailto:${contact.email}`} size="sm">
                      {contact.email}
                    </Anchor>
                  ) : null}
                  {onEdit && contact.canEdit ? (
                    <Button
                      size="compact-sm"
                      variant="subtle"
                      leftSection={<IconPencil size={14} aria-hidden />}
                      aria-label={`Edit ${contact.name}`}
                      onClick={() => onEdit(contact)}
                    >
                      Edit
                    </Button>
                  ) : null}
                </>
              ) : null
            }
          >
            {contact.title || showAccount ? (
              <CardLine>
                {[contact.title, showAccount ? contact.accountName : null].filter(Boolean).join(' · ')}
              </CardLine>
            ) : null}
          </ListCard>
        ))}
      </CardList>
    );
  return (
    <ScrollTable label="Contacts" minWidth={(showAccount ? 720 : 480) + (onEdit ? 80 : 0)}>
      <Table striped verticalSpacing="xs" data-testid="contacts-table">
        <Table.Thead>
          <Table.Tr>
            <Table.Th>Name</Table.Th>
            <Table.Th>Title</Table.Th>
            {showAccount ? <Table.Th>Account</Table.Th> : null}
            <Table.Th>Email</Table.Th>
            <Table.Th>Phone</Table.Th>
            {onEdit ? (
              <Table.Th>
                <span className="visually-hidden">Actions</span>
              </Table.Th>
            ) : null}
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
              {onEdit ? (
                <Table.Td>
                  {contact.canEdit ? (
                    <Button
                      size="compact-sm"
                      variant="subtle"
                      leftSection={<IconPencil size={14} aria-hidden />}
                      aria-label={`Edit ${contact.name}`}
                      onClick={() => onEdit(contact)}
                    >
                      Edit
                    </Button>
                  ) : null}
                </Table.Td>
              ) : null}
            </Table.Tr>
          ))}
        </Table.Tbody>
      </Table>
    </ScrollTable>
  );
}
