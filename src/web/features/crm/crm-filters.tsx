import { Box, Button, Collapse, Group, Select, SimpleGrid, Stack, TextInput } from '@mantine/core';
import { useDebouncedValue, useDisclosure, useId, useMediaQuery } from '@mantine/hooks';
import { IconAdjustmentsHorizontal, IconSearch } from '@tabler/icons-react';
import { useQuery } from '@tanstack/react-query';
import { type ReactNode, useEffect, useState } from 'react';
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

/**
 * The filters of a list: in a grid on wider screens; on a phone the search box stays and the other
 * filters fold behind a "Filters" button that counts the active ones.
 */
export function FilterBar({
  search,
  active,
  children,
}: {
  search: ReactNode;
  active: number;
  children: ReactNode;
}) {
  const phone = useMediaQuery('(max-width: 47.99em)') ?? false;
  const [opened, { toggle }] = useDisclosure(false);
  const id = useId();
  if (!phone)
    return (
      <SimpleGrid cols={{ base: 1, xs: 2, md: 4 }} spacing="sm">
        {search}
        {children}
      </SimpleGrid>
    );
  return (
    <Stack gap="xs">
      <Group wrap="nowrap" align="flex-end" gap="xs">
        <Box style={{ flex: 1 }}>{search}</Box>
        <Button
          variant="default"
          onClick={toggle}
          aria-expanded={opened}
          aria-controls={id}
          leftSection={<IconAdjustmentsHorizontal size={16} aria-hidden />}
        >
          Filters{active > 0 ? ` (${active})` : ''}
        </Button>
      </Group>
      <Collapse expanded={opened} id={id}>
        <Stack gap="xs">{children}</Stack>
      </Collapse>
    </Stack>
  );
}

/** How many of the given filter values are set (for the phone's "Filters (n)" button). */
export function countActive(values: readonly unknown[]): number {
  return values.filter((value) => value !== undefined && value !== null && value !== '').length;
}
