import { Button, Group, Modal, Select, SimpleGrid, Stack, TextInput } from '@mantine/core';
import { useMutation, useQueryClient } from '@tanstack/react-query';
import { type FormEvent, useState } from 'react';
import { useNavigate } from 'react-router';
import { apiPost } from '../../lib/api.ts';
import { notifySuccess } from '../../lib/notify.ts';
import { useFormErrors } from '../../lib/use-form-errors.ts';
import { ACCOUNTS_KEY } from './crm-api.ts';
import type { Account } from './crm-types.ts';

const FIELDS = [
  'name',
  'street',
  'city',
  'region',
  'postalCode',
  'country',
  'latitude',
  'longitude',
  'territory',
  'industry',
  'tier',
  'status',
] as const;
type Field = (typeof FIELDS)[number];
type Values = Record<Exclude<Field, 'tier' | 'status'>, string> & { tier: string | null; status: string };

const EMPTY: Values = {
  name: '',
  street: '',
  city: '',
  region: '',
  postalCode: '',
  country: '',
  latitude: '',
  longitude: '',
  territory: '',
  industry: '',
  tier: null,
  status: 'active',
};

/**
 * The request body: blank text left out, coordinates as numbers (the server checks their range). A
 * coordinate that is not a number is sent as typed, so the server names that field in its error
 * instead of the value silently becoming null.
 */
export function accountBody(values: Values): Record<string, unknown> {
  const body: Record<string, unknown> = {};
  for (const [key, value] of Object.entries(values)) {
    if (value === null || value.trim() === '') continue;
    const text = value.trim();
    if (key === 'latitude' || key === 'longitude') {
      const number = Number(text.replace(',', '.'));
      body[key] = Number.isFinite(number) ? number : text;
    } else body[key] = text;
  }
  return body;
}

/** "New account": the server validates every field and its errors show under the field. */
export function AccountFormModal({ opened, onClose }: { opened: boolean; onClose: () => void }) {
  const queryClient = useQueryClient();
  const navigate = useNavigate();
  const [values, setValues] = useState<Values>(EMPTY);
  const { errors, handleError, clear } = useFormErrors(FIELDS);
  const set = (field: keyof Values) => (value: string | null) =>
    setValues((current) => ({ ...current, [field]: value ?? (field === 'tier' ? null : '') }));

  const create = useMutation({
    mutationFn: () => apiPost<Account>('/api/crm/accounts', accountBody(values)),
    onSuccess: async (account) => {
      notifySuccess(`${account.name} created`);
      setValues(EMPTY);
      clear();
      onClose();
      await queryClient.invalidateQueries({ queryKey: ACCOUNTS_KEY });
      await navigate(`/crm/accounts/${account.id}`);
    },
    onError: (error) => handleError(error, 'Could not create the account'),
  });

  function handleSubmit(event: FormEvent<HTMLFormElement>): void {
    event.preventDefault();
    clear();
    create.mutate();
  }

  const text = (field: Exclude<Field, 'tier' | 'status'>, label: string, extra: object = {}) => (
    <TextInput
      label={label}
      value={values[field]}
      onChange={(event) => set(field)(event.currentTarget.value)}
      error={errors[field]}
      {...extra}
    />
  );

  return (
    <Modal opened={opened} onClose={onClose} title="New account" size="lg" centered>
      <form onSubmit={handleSubmit} noValidate aria-label="New account">
        <Stack>
          {text('name', 'Name', { required: true, 'data-autofocus': true })}
          <SimpleGrid cols={{ base: 1, sm: 2 }}>
            {text('street', 'Street')}
            {text('city', 'City')}
            {text('region', 'Region / state')}
            {text('postalCode', 'Postal code')}
            {text('country', 'Country')}
            {text('industry', 'Industry')}
            {text('latitude', 'Latitude', { inputMode: 'decimal', placeholder: '41.8781' })}
            {text('longitude', 'Longitude', { inputMode: 'decimal', placeholder: '-87.6298' })}
            {text('territory', 'Territory')}
            <Select
              label="Tier"
              data={['A', 'B', 'C']}
              value={values.tier}
              onChange={set('tier')}
              error={errors.tier}
              clearable
            />
            <Select
              label="Status"
              data={[
                { value: 'active', label: 'Active' },
                { value: 'prospect', label: 'Prospect' },
                { value: 'inactive', label: 'Inactive' },
              ]}
              value={values.status}
              onChange={(value) => set('status')(value ?? 'active')}
              error={errors.status}
              allowDeselect={false}
            />
          </SimpleGrid>
          <Group justify="flex-end">
            <Button variant="default" onClick={onClose}>
              Cancel
            </Button>
            <Button type="submit" loading={create.isPending}>
              Create account
            </Button>
          </Group>
        </Stack>
      </form>
    </Modal>
  );
}
