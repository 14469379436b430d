import { Select, TextInput } from '@mantine/core';
import { useDebouncedValue } from '@mantine/hooks';
import { IconSearch } from '@tabler/icons-react';
import { useQuery } from '@tanstack/react-query';
import { useEffect, useState } from 'react';
import type { PersonRef } from '../../lib/types.ts';
import { teamsQuery } from '../teams/teams-api.ts';
import { UserPicker } from '../users/user-picker.tsx';

/** A search box that reports its text after the user pauses typing. */
export function SearchFilter({
  label = 'Search',
  value,
  onChange,
}: {
  label?: string;
  value: string;
  onChange: (value: string) => void;
}) {
  const [text, setText] = useState(value);
  const [debounced] = useDebouncedValue(text, 300);
  useEffect(() => {
    if (debounced !== value) onChange(debounced);
  }, [debounced, value, onChange]);
  return (
    <TextInput
      label={label}
      placeholder="Name…"
      leftSection={<IconSearch size={16} aria-hidden />}
      value={text}
      onChange={(event) => setText(event.currentTarget.value)}
      type="search"
    />
  );
}

export function OwnerFilter({
  value,
  onChange,
}: {
  value: PersonRef | null;
  onChange: (value: PersonRef | null) => void;
}) {
  return <UserPicker label="Owner" placeholder="Anyone" value={value} onChange={onChange} />;
}

export function TeamFilter({
  value,
  onChange,
}: {
  value: string | null;
  onChange: (value: string | null) => void;
}) {
  const teams = useQuery(teamsQuery);
  return (
    <Select
      label="Team"
      placeholder="Any team"
      data={(teams.data ?? []).map((team) => ({ value: team.id, label: team.name }))}
      value={value}
      onChange={onChange}
      clearable
      searchable
    />
  );
}
