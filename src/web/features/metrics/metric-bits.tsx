import {
  ActionIcon,
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
import {
  IconArrowDownRight,
  IconArrowUpRight,
  IconChevronLeft,
  IconChevronRight,
  IconChevronsRight,
  IconMinus,
  IconSparkles,
} from '@tabler/icons-react';
import { type ReactNode, useMemo, useRef } from 'react';
import { periodAt, periodFromKey } from '../../../shared/periods.ts';
import { errorMessage } from '../../lib/notify.ts';
import { useSession } from '../../lib/session-context.ts';
import type { LeaderboardRow, PeriodChoice, PeriodKind } from './metrics-api.ts';
import { periodForKind, periodNav, stepPeriodKey } from './period-nav.ts';

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

const MARKS = { current: 'Current', previous: 'Previous' } as const;

/**
 * Period kind plus any period of that kind: ‹ › step one period (not beyond the current one), ⇥
 * goes back to the current period, and the select jumps to any recent one. Keys and labels are the
 * server's, computed here in the org's calendar (`period-nav.ts`); `value.period` stays undefined for
 * the current period. `previous` (the last answer's previous period) pins "current" to the server's
 * clock rather than the device's.
 */
export function PeriodPicker({
  value,
  onChange,
  previous,
}: {
  value: PeriodChoice;
  onChange: (next: PeriodChoice) => void;
  previous?: { key: string; label: string } | undefined;
}) {
  const { timeZone, fiscalYearStartMonth } = useSession().org;
  const cal = useMemo(() => ({ timeZone, fiscalYearStartMonth }), [timeZone, fiscalYearStartMonth]);
  // The current period per kind as the server last named it (the key after its "previous").
  const serverCurrent = useRef(new Map<PeriodKind, string>());
  if (!value.period && previous && periodFromKey(previous.key, cal)?.kind === value.kind) {
    const key = stepPeriodKey(previous.key, 1, cal);
    if (key) serverCurrent.current.set(value.kind, key);
  }
  const currentKey = (kind: PeriodKind) =>
    serverCurrent.current.get(kind) ?? periodAt(kind, Date.now(), cal).key;
  const current = currentKey(value.kind);
  // Some thirty periods with their zone-converted bounds: computed once per choice.
  const nav = useMemo(() => periodNav(value.period, current, cal), [value.period, current, cal]);
  const go = (key: string | null) => {
    if (key) onChange({ kind: value.kind, period: key === nav.current.key ? undefined : key });
  };
  const noun = value.kind;
  return (
    <Group gap="sm" align="flex-end" wrap="wrap" data-testid="period-picker">
      <SegmentedControl
        aria-label="Period kind"
        data={KINDS}
        value={value.kind}
        onChange={(v) => {
          const kind = v as PeriodKind;
          onChange({ kind, period: periodForKind(kind, nav, currentKey(kind), cal) });
        }}
      />
      <Group gap={6} align="flex-end" wrap="nowrap">
        <ActionIcon
          variant="default"
          size="input-sm"
          aria-label={`Previous ${noun}`}
          title={`Previous ${noun}`}
          disabled={!nav.previousKey}
          onClick={() => go(nav.previousKey)}
          data-testid="period-previous"
        >
          <IconChevronLeft size={18} aria-hidden />
        </ActionIcon>
        <Select
          label="Period"
          w={220}
          data={nav.options.map((o) => ({
            value: o.key,
            label: o.mark ? `${o.label} · ${MARKS[o.mark]}` : o.label,
          }))}
          value={nav.selected.key}
          onChange={go}
          allowDeselect={false}
          data-testid="period-select"
        />
        <ActionIcon
          variant="default"
          size="input-sm"
          aria-label={`Next ${noun}`}
          title={`Next ${noun}`}
          disabled={!nav.nextKey}
          onClick={() => go(nav.nextKey)}
          data-testid="period-next"
        >
          <IconChevronRight size={18} aria-hidden />
        </ActionIcon>
        <ActionIcon
          variant="default"
          size="input-sm"
          aria-label={`Current ${noun}`}
          title={`Current ${noun}`}
          disabled={nav.isCurrent}
          onClick={() => onChange({ kind: value.kind })}
          data-testid="period-current"
        >
          <IconChevronsRight size={18} aria-hidden />
        </ActionIcon>
      </Group>
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
