import { Button, Group, Modal, SimpleGrid, Stack, TextInput } from '@mantine/core';
import { useMediaQuery } from '@mantine/hooks';
import { useMutation, useQueryClient } from '@tanstack/react-query';
import { type FormEvent, useEffect, useState } from 'react';
import { apiPatch, apiPost } from '../../lib/api.ts';
import { notifySuccess } from '../../lib/notify.ts';
import { useFormErrors } from '../../lib/use-form-errors.ts';
import { CRM_KEY } from './crm-api.ts';
import { AccountSelect, type Named } from './crm-pickers.tsx';
import type { Contact } from './crm-types.ts';

const FIELDS = ['accountId', 'name', 'title', 'email', 'phone'] as const;

interface Values {
  account: Named | null;
  name: string;
  title: string;
  email: string;
  phone: string;
}

/** The request body: text trimmed; on an edit an emptied field is sent as null so it is cleared. */
export function contactBody(values: Values, mode: 'create' | 'edit'): Record<string, unknown> {
  const body: Record<string, unknown> = { name: values.name.trim() };
  if (values.account) body.accountId = values.account.id;
  for (const key of ['title', 'email', 'phone'] as const) {
    const text = values[key].trim();
    if (text) body[key] = text;
    else if (mode === 'edit') body[key] = null;
  }
  return body;
}

function valuesOf(contact: Contact | null, account: Named | null): Values {
  return contact
    ? {
        account: { id: contact.accountId, name: contact.accountName },
        name: contact.name,
        title: contact.title ?? '',
        email: contact.email ?? '',
        phone: contact.phone ?? '',
      }
    : { account, name: '', title: '', email: '', phone: '' };
}

/** "New contact" / "Edit contact", on the account page and the contacts list. */
export function ContactFormModal({
  opened,
  onClose,
  contact = null,
  account = null,
}: {
  opened: boolean;
  onClose: () => void;
  contact?: Contact | null;
  /** A new contact of this account (fixed). */
  account?: Named | null;
}) {
  const queryClient = useQueryClient();
  const phone = useMediaQuery('(max-width: 36em)');
  const [values, setValues] = useState<Values>(() => valuesOf(contact, account));
  const { errors, handleError, setError, clear } = useFormErrors(FIELDS);
  // biome-ignore lint/correctness/useExhaustiveDependencies: start afresh each time the form opens
  useEffect(() => {
    if (opened) {
      setValues(valuesOf(contact, account));
      clear();
    }
  }, [opened, contact?.id]);
  const edit = contact !== null;
  const set = (key: Exclude<keyof Values, 'account'>) => (value: string) =>
    setValues((current) => ({ ...current, [key]: value }));

  const save = useMutation({
    mutationFn: () =>
      edit
        ? apiPatch<Contact>(
            `/api/crm/contacts/${encodeURIComponent(contact.id)}`,
            contactBody(values, 'edit'),
          )
        : apiPost<Contact>('/api/crm/contacts', contactBody(values, 'create')),
    onSuccess: async (saved) => {
      notifySuccess(edit ? `${saved.name} saved` : `${saved.name} added`);
      onClose();
      await queryClient.invalidateQueries({ queryKey: CRM_KEY });
    },
    onError: (error) => handleError(error, edit ? 'Could not save the contact' : 'Could not add the contact'),
  });

  function handleSubmit(event: FormEvent<HTMLFormElement>): void {
    event.preventDefault();
    clear();
    if (!values.account) {
      setError('accountId', 'Choose the account');
      return;
    }
    save.mutate();
  }

  const title = edit ? 'Edit contact' : 'New contact';
  const text = (key: Exclude<keyof Values, 'account'>, label: string, extra: object = {}) => (
    <TextInput
      label={label}
      value={values[key]}
      onChange={(event) => set(key)(event.currentTarget.value)}
      error={errors[key]}
      {...extra}
    />
  );
  return (
    <Modal opened={opened} onClose={onClose} title={title} centered fullScreen={phone}>
      <form onSubmit={handleSubmit} noValidate aria-label={title}>
        <Stack>
          {text('name', 'Name', { required: true, 'data-autofocus': true })}
          {account && !edit ? (
            <TextInput label="Account" value={account.name} readOnly />
          ) : (
            <AccountSelect
              label="Account"
              required
              value={values.account}
              onChange={(value) => setValues((current) => ({ ...current, account: value }))}
              error={errors.accountId}
            />
          )}
          <SimpleGrid cols={{ base: 1, sm: 2 }}>
            {text('title', 'Job title')}
            {text('phone', 'Phone', { type: 'tel', inputMode: 'tel', autoComplete: 'off' })}
          </SimpleGrid>
          {text('email', 'Email', { type: 'email', inputMode: 'email', autoComplete: 'off' })}
          <Group justify="flex-end">
            <Button variant="default" onClick={onClose}>
              Cancel
            </Button>
            <Button type="submit" loading={save.isPending}>
              {edit ? 'Save contact' : 'Add contact'}
            </Button>
          </Group>
        </Stack>
      </form>
    </Modal>
  );
}
