import { Select } from '@mantine/core';
import { useDebouncedValue } from '@mantine/hooks';
import { keepPreviousData, useQuery } from '@tanstack/react-query';
import { type ReactNode, useState } from 'react';
import { fetchUsersPage, USERS_KEY } from '../users/users-api.ts';
import { CRM_KEY, fetchCrmPage } from './crm-api.ts';
import type { Account } from './crm-types.ts';

export interface Named {
  id: string;
  name: string;
}

interface PickerProps {
  label: string;
  value: Named | null;
  onChange: (value: Named | null) => void;
  error?: ReactNode;
  required?: boolean;
  placeholder?: string;
  disabled?: boolean;
  clearable?: boolean;
  'data-testid'?: string;
}

/** A searchable select that asks the server as the user types (large orgs never load everyone). */
function ServerSelect({
  search,
  setSearch,
  found,
  fetching,
  value,
  onChange,
  clearable = false,
  ...rest
}: PickerProps & {
  search: string;
  setSearch: (value: string) => void;
  found: Named[];
  fetching: boolean;
}) {
  const options = new Map<string, string>();
  if (value) options.set(value.id, value.name);
  for (const item of found) options.set(item.id, item.name);
  return (
    <Select
      {...rest}
      data={[...options].map(([id, name]) => ({ value: id, label: name }))}
      value={value?.id ?? null}
      onChange={(id, option) => onChange(id && option ? { id, name: option.label } : null)}
      searchable
      clearable={clearable}
      searchValue={search}
      onSearchChange={setSearch}
      filter={({ options: items }) => items}
      nothingFoundMessage={fetching ? 'Searching…' : 'Nothing found'}
    />
  );
}

/** A person of the org (owner, split member). The server decides who may be given records. */
export function PersonSelect(props: PickerProps) {
  const [search, setSearch] = useState('');
  const [q] = useDebouncedValue(search, 250);
  const typed = props.value && search === props.value.name ? '' : q;
  const users = useQuery({
    queryKey: [...USERS_KEY, 'picker', typed],
    queryFn: () => fetchUsersPage({ q: typed }, null, 20),
    placeholderData: keepPreviousData,
  });
  return (
    <ServerSelect
      {...props}
      search={search}
      setSearch={setSearch}
      found={users.data?.items ?? []}
      fetching={users.isFetching}
    />
  );
}

/** An account the user can see, searched by name. */
export function AccountSelect(props: PickerProps) {
  const [search, setSearch] = useState('');
  const [q] = useDebouncedValue(search, 250);
  const typed = props.value && search === props.value.name ? '' : q;
  const accounts = useQuery({
    queryKey: [...CRM_KEY, 'accounts', 'picker', typed],
    queryFn: () => fetchCrmPage<Account>('accounts', { q: typed }, null, 20),
    placeholderData: keepPreviousData,
  });
  return (
    <ServerSelect
      {...props}
      search={search}
      setSearch={setSearch}
      found={accounts.data?.items ?? []}
      fetching={accounts.isFetching}
    />
  );
}
