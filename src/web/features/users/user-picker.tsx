import { Select } from '@mantine/core';
import { useDebouncedValue } from '@mantine/hooks';
import { keepPreviousData, useQuery } from '@tanstack/react-query';
import { useState } from 'react';
import type { PersonRef } from '../../lib/types.ts';
import { fetchUsersPage, USERS_KEY } from './users-api.ts';

/** A searchable single-user select that asks the server as the admin types (works for large orgs). */
export function UserPicker({
  label,
  placeholder,
  value,
  onChange,
}: {
  label: string;
  placeholder?: string;
  value: PersonRef | null;
  onChange: (value: PersonRef | null) => void;
}) {
  const [search, setSearch] = useState('');
  const [q] = useDebouncedValue(search, 250);
  const typed = value && search === value.name ? '' : q;
  const users = useQuery({
    queryKey: [...USERS_KEY, 'picker', typed],
    queryFn: () => fetchUsersPage({ q: typed }, null, 20),
    placeholderData: keepPreviousData,
  });

  const options = new Map<string, string>();
  if (value) options.set(value.id, value.name);
  for (const user of users.data?.items ?? []) options.set(user.id, user.name);

  return (
    <Select
      label={label}
      placeholder={placeholder}
      data={[...options].map(([id, name]) => ({ value: id, label: name }))}
      value={value?.id ?? null}
      onChange={(id, option) => onChange(id && option ? { id, name: option.label } : null)}
      searchable
      clearable
      searchValue={search}
      onSearchChange={setSearch}
      filter={({ options: items }) => items}
      nothingFoundMessage={users.isFetching ? 'Searching…' : 'Nobody found'}
    />
  );
}
