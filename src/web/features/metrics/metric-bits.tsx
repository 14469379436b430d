import {
  Alert,
  Button,
  Center,
  Group,
  Loader,
  SegmentedControl,
  Select,
  Stack,
  Text,
  UnstyledButton,
} from '@mantine/core';
import { IconArrowDownRight, IconArrowUpRight, IconMinus, IconSparkles } from '@tabler/icons-react';
import type { ReactNode } from 'react';
import { errorMessage } from '../../lib/notify.ts';
import type { LeaderboardRow, PeriodChoice, PeriodKind } from './metrics-api.ts';

/** Loading / error states for one query (the empty state is the caller's). */
export function QueryStates({
  query,
  label,
  children,
}: {
  query: { isPending: boolean; isError: boolean; error: unknown; refetch: () => Promise<unknown> };
  label: string;
  children: () => ReactNode;
}) {
  if (query.isPending)
    return (
      <Center py="md" role="status">
        <Loader size="sm" aria-label={`Loading ${label}`} />
      </Center>
    );
  if (query.isError)
    return (
      <Alert color="red" title={`Could not load ${label}`} role="alert">
        <Stack gap="xs" align="flex-start">
          <Text size="sm">{errorMessage(query.error)}</Text>
          <Button size="xs" variant="default" onClick={() => void query.refetch()}>
            Try again
          </Button>
        </Stack>
      </Alert>
    );
  return <>{children()}</>;
}

const KINDS: { value: PeriodKind; label: string }[] = [
  { value: 'week', label: 'Week' },
  { value: 'month', label: 'Month' },
  { value: 'quarter', label: 'Quarter' },
  { value: 'year', label: 'Year' },
];

/** Period kind plus "this one" or "the previous one" (its key comes from the last answer). */
export function PeriodPicker({
  value,
  onChange,
  previous,
}: {
  value: PeriodChoice;
  onChange: (next: PeriodChoice) => void;
  previous?: { key: string; label: string } | undefined;
}) {
  const options = [{ value: 'current', label: 'Current period' }];
  if (value.period) options.push({ value: value.period, label: value.period });
  else if (previous) options.push({ value: previous.key, label: `Previous (${previous.label})` });
  return (
    <Group gap="sm" align="flex-end" wrap="wrap">
      <SegmentedControl
        aria-label="Period kind"
        data={KINDS}
        value={value.kind}
        onChange={(kind) => onChange({ kind: kind as PeriodKind })}
      />
      <Select
        label="Period"
        w={200}
        data={options}
        value={value.period ?? 'current'}
        onChange={(v) => onChange({ kind: value.kind, period: !v || v === 'current' ? undefined : v })}
        allowDeselect={false}
      />
    </Group>
  );
}

/** ↑ / ↓ / = / new since the previous period, with words for screen readers. */
export function Movement({ row }: { row: Pick<LeaderboardRow, 'movement' | 'previousRank'> }) {
  switch (row.movement) {
    case 'up':
      return (
        <Group gap={4} c="teal.9" wrap="nowrap">
          <IconArrowUpRight size={18} aria-hidden />
          <Text size="sm">Up from #{row.previousRank}</Text>
        </Group>
      );
    case 'down':
      return (
        <Group gap={4} c="red.9" wrap="nowrap">
          <IconArrowDownRight size={18} aria-hidden />
          <Text size="sm">Down from #{row.previousRank}</Text>
        </Group>
      );
    case 'same':
      return (
        <Group gap={4} c="gray.8" wrap="nowrap">
          <IconMinus size={18} aria-hidden />
          <Text size="sm">Same</Text>
        </Group>
      );
    case 'new':
      return (
        <Group gap={4} c="blue.9" wrap="nowrap">
          <IconSparkles size={18} aria-hidden />
          <Text size="sm">New</Text>
        </Group>
      );
    default:
      return <Text size="sm">—</Text>;
  }
}

/** A number that opens "how was this computed" when clicked. */
export function DrillNumber({
  children,
  label,
  onOpen,
  testId,
}: {
  children: ReactNode;
  label: string;
  onOpen: () => void;
  testId?: string;
}) {
  return (
    <UnstyledButton
      onClick={onOpen}
      aria-label={label}
      data-testid={testId}
      style={{ textDecoration: 'underline dotted', textUnderlineOffset: 3 }}
    >
      {children}
    </UnstyledButton>
  );
}
