import { Button, Group, Modal, Select, SimpleGrid, Stack, TextInput } from '@mantine/core';
import { useMediaQuery } from '@mantine/hooks';
import { useMutation, useQueryClient } from '@tanstack/react-query';
import { type FormEvent, useEffect, useState } from 'react';
import { useNavigate } from 'react-router';
import { apiPatch, apiPost } from '../../lib/api.ts';
import { notifySuccess } from '../../lib/notify.ts';
import { useFormErrors } from '../../lib/use-form-errors.ts';
import { ACCOUNTS_KEY, CRM_KEY } from './crm-api.ts';
import { type Named, PersonSelect } from './crm-pickers.tsx';
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
  'externalSource',
  'externalId',
  'ownerId',
] as const;
type Field = (typeof FIELDS)[number];
type TextField = Exclude<Field, 'tier' | 'status' | 'ownerId'>;
export type AccountValues = Record<TextField, string> & {
  tier: string | null;
  status: string;
  owner?: Named | null;
};
type Values = AccountValues;

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
  externalSource: '',
  externalId: '',
  owner: null,
};

function valuesOf(account: Account | null): Values {
  if (!account) return EMPTY;
  const text = (v: string | null) => v ?? '';
  return {
    name: account.name,
    street: text(account.street),
    city: text(account.city),
    region: text(account.region),
    postalCode: text(account.postalCode),
    country: text(account.country),
    latitude: account.latitude === null ? '' : String(account.latitude),
    longitude: account.longitude === null ? '' : String(account.longitude),
    territory: text(account.territory),
    industry: text(account.industry),
    tier: account.tier,
    status: account.status,
    externalSource: text(account.externalSource),
    externalId: text(account.externalId),
    owner: account.owner,
  };
}

/**
 * The request body: blank text left out (on an edit: sent as null, which clears it), coordinates as
 * numbers (the server checks their range). A coordinate that is not a number is sent as typed, so the
 * server names that field in its error instead of the value silently becoming null.
 */
export function accountBody(values: Values, mode: 'create' | 'edit' = 'create'): Record<string, unknown> {
  const body: Record<string, unknown> = {};
  for (const [key, value] of Object.entries(values)) {
    if (key === 'owner') continue;
    if (value === null || (typeof value === 'string' && value.trim() === '')) {
      if (mode === 'edit' && key !== 'name' && key !== 'status') body[key] = null;
      continue;
    }
    if (typeof value !== 'string') continue;
    const text = value.trim();
    if (key === 'latitude' || key === 'longitude') {
      const number = Number(text.replace(',', '.'));
      body[key] = Number.isFinite(number) ? number : text;
    } else body[key] = text;
  }
  if (values.owner) body.ownerId = values.owner.id;
  return body;
}

/** "New account" / "Edit account": the server validates every field and its errors show under the field. */
export function AccountFormModal({
  opened,
  onClose,
  account = null,
}: {
  opened: boolean;
  onClose: () => void;
  /** The account to edit; without one the form creates an account. */
  account?: Account | null;
}) {
  const queryClient = useQueryClient();
  const navigate = useNavigate();
  const phone = useMediaQuery('(max-width: 36em)');
  const [values, setValues] = useState<Values>(() => valuesOf(account));
  const { errors, handleError, clear } = useFormErrors(FIELDS);
  const edit = account !== null;
  // biome-ignore lint/correctness/useExhaustiveDependencies: start afresh each time the form opens
  useEffect(() => {
    if (opened) {
      setValues(valuesOf(account));
      clear();
    }
  }, [opened, account?.id]);
  const set = (field: keyof Values) => (value: string | null) =>
    setValues((current) => ({ ...current, [field]: value ?? (field === 'tier' ? null : '') }));

  const save = useMutation({
    mutationFn: () =>
      edit
        ? apiPatch<Account>(
            `/api/crm/accounts/${encodeURIComponent(account.id)}`,
            accountBody(values, 'edit'),
          )
        : apiPost<Account>('/api/crm/accounts', accountBody(values)),
    onSuccess: async (saved) => {
      notifySuccess(edit ? `${saved.name} saved` : `${saved.name} created`);
      setValues(EMPTY);
      clear();
      onClose();
      if (edit) {
        queryClient.setQueryData([...ACCOUNTS_KEY, 'one', saved.id], saved);
        await queryClient.invalidateQueries({ queryKey: CRM_KEY });
        return;
      }
      await queryClient.invalidateQueries({ queryKey: ACCOUNTS_KEY });
      await navigate(`/crm/accounts/${saved.id}`);
    },
    onError: (error) =>
      handleError(error, edit ? 'Could not save the account' : 'Could not create the account'),
  });

  function handleSubmit(event: FormEvent<HTMLFormElement>): void {
    event.preventDefault();
    clear();
    save.mutate();
  }

  const text = (field: TextField, label: string, extra: object = {}) => (
    <TextInput
      label={label}
      value={values[field]}
      onChange={(event) => set(field)(event.currentTarget.value)}
      error={errors[field]}
      {...extra}
    />
  );

  return (
    <Modal
      opened={opened}
      onClose={onClose}
      title={edit ? 'Edit account' : 'New account'}
      size="lg"
      centered
      fullScreen={phone}
    >
      <form onSubmit={handleSubmit} noValidate aria-label={edit ? 'Edit account' : 'New account'}>
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
            <PersonSelect
              label="Owner"
              placeholder={edit ? undefined : 'Me'}
              value={values.owner ?? null}
              onChange={(owner) => setValues((current) => ({ ...current, owner }))}
              error={errors.ownerId}
              clearable={!edit}
            />
            {text('externalSource', 'External system', { placeholder: 'salesforce' })}
            {text('externalId', 'External id')}
          </SimpleGrid>
          <Group justify="flex-end">
            <Button variant="default" onClick={onClose}>
              Cancel
            </Button>
            <Button type="submit" loading={save.isPending}>
              {edit ? 'Save account' : 'Create account'}
            </Button>
          </Group>
        </Stack>
      </form>
    </Modal>
  );
}
