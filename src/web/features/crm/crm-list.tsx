import { Alert, Button, Center, Group, Loader, Menu, Paper, Stack, Text } from '@mantine/core';
import { useMediaQuery } from '@mantine/hooks';
import { IconDownload } from '@tabler/icons-react';
import { keepPreviousData, useInfiniteQuery } from '@tanstack/react-query';
import type { ReactNode } from 'react';
import { errorMessage } from '../../lib/notify.ts';
import { CRM_KEY, exportUrl, type Filters, fetchCrmPage, type ListEntity, PAGE_SIZE } from './crm-api.ts';
import { formatCount } from './crm-format.ts';
import type { ListCount } from './crm-types.ts';

/** One CRM list with its filters: cursor pages ("load more") and the capped total of the first page. */
export function useCrmList<T>(entity: ListEntity, filters: Filters, pageSize = PAGE_SIZE) {
  const query = useInfiniteQuery({
    queryKey: [...CRM_KEY, entity, 'list', filters, pageSize],
    queryFn: ({ pageParam }) => fetchCrmPage<T>(entity, filters, pageParam, pageSize),
    initialPageParam: null as string | null,
    getNextPageParam: (last) => last.nextCursor,
    placeholderData: keepPreviousData,
  });
  const items = query.data?.pages.flatMap((page) => page.items) ?? [];
  const total = query.data?.pages[0]?.total ?? null;
  return { query, items, total };
}

/** "CSV" and "JSON" downloads of the list with the filters on screen. */
export function ExportMenu({ entity, filters }: { entity: ListEntity; filters: Filters }) {
  return (
    <Menu position="bottom-end" withinPortal>
      <Menu.Target>
        <Button
          variant="default"
          leftSection={<IconDownload size={16} aria-hidden />}
          data-testid="export-menu"
        >
          Export
        </Button>
      </Menu.Target>
      <Menu.Dropdown>
        <Menu.Label>Current filters</Menu.Label>
        <Menu.Item component="a" href={exportUrl(entity, filters, 'csv')} download data-testid="export-csv">
          CSV (spreadsheet)
        </Menu.Item>
        <Menu.Item component="a" href={exportUrl(entity, filters, 'json')} download data-testid="export-json">
          JSON
        </Menu.Item>
      </Menu.Dropdown>
    </Menu>
  );
}

export function CountText({ total, noun }: { total: ListCount | null; noun: string }) {
  if (!total) return null;
  return (
    <Text size="sm" c="dimmed" data-testid="list-count" aria-live="polite">
      {formatCount(total)} {noun}
    </Text>
  );
}

/**
 * Loading, error and empty states around a list body, and the "load more" button under it.
 * `children` renders the rows and is only called when there are some.
 */
export function ListStates({
  query,
  count,
  empty,
  label,
  children,
}: {
  query: {
    isPending: boolean;
    isError: boolean;
    fetchStatus?: string;
    error: unknown;
    hasNextPage: boolean;
    isFetchingNextPage: boolean;
    fetchNextPage: () => Promise<unknown>;
    refetch: () => Promise<unknown>;
  };
  count: number;
  empty: ReactNode;
  label: string;
  children: () => ReactNode;
}) {
  if (query.isPending && query.fetchStatus === 'paused')
    return (
      <Text c="dimmed" py="md" data-testid="list-offline">
        Offline: these {label} were not loaded on this device before.
      </Text>
    );
  if (query.isPending)
    return (
      <Center py="xl" role="status">
        <Loader aria-label={`Loading ${label}`} />
      </Center>
    );
  // With data kept from before (offline, or a failed refresh), the rows stay and the banner explains.
  if (query.isError && count === 0)
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
  if (count === 0)
    return (
      <Text c="dimmed" py="md" data-testid="list-empty">
        {empty}
      </Text>
    );
  return (
    <Stack gap="sm">
      {children()}
      {query.hasNextPage ? (
        <Group>
          <Button
            variant="default"
            loading={query.isFetchingNextPage}
            onClick={() => void query.fetchNextPage()}
            data-testid="load-more"
          >
            Load more
          </Button>
        </Group>
      ) : null}
    </Stack>
  );
}

/**
 * A table that scrolls sideways on narrow screens. The scrolling box takes keyboard focus (arrow
 * keys scroll it) and is named, since its rows may hold nothing focusable.
 */
export function ScrollTable({
  label,
  minWidth,
  children,
}: {
  label: string;
  minWidth: number;
  children: ReactNode;
}) {
  return (
    // biome-ignore lint/a11y/noNoninteractiveTabindex: a scrollable region must be reachable by keyboard (WCAG 2.1.1)
    <section aria-label={label} tabIndex={0} style={{ overflowX: 'auto' }}>
      <div style={{ minWidth }}>{children}</div>
    </section>
  );
}

/** Under Mantine's `sm` breakpoint (phones) lists show cards; wider screens keep the tables. */
export function usePhoneLayout(): boolean {
  return useMediaQuery('(max-width: 47.99em)') ?? false;
}

/** A list of cards (phones): same rows, same order, same "load more" as the table it replaces. */
export function CardList({
  label,
  testId,
  children,
}: {
  label: string;
  testId: string;
  children: ReactNode;
}) {
  return (
    <Stack
      component="ul"
      gap="xs"
      aria-label={label}
      data-testid={testId}
      style={{ listStyle: 'none', padding: 0, margin: 0 }}
    >
      {children}
    </Stack>
  );
}

/**
 * One card: the title (a link or button made to cover the whole card, so a tap anywhere opens it —
 * give it the `card-open` class), a badge at its right, a few lines of what matters, actions below.
 * Links and buttons inside the lines or actions stay tappable on their own (`card-above`).
 */
export function ListCard({
  title,
  badge,
  children,
  actions,
}: {
  title: ReactNode;
  badge?: ReactNode;
  children?: ReactNode;
  actions?: ReactNode;
}) {
  return (
    <Paper component="li" withBorder radius="md" p="sm" pos="relative" data-testid="list-card">
      <Group justify="space-between" wrap="nowrap" align="flex-start" gap="xs">
        <div style={{ minWidth: 0, overflowWrap: 'anywhere' }}>{title}</div>
        {badge}
      </Group>
      {children ? (
        <Stack gap={2} mt={4}>
          {children}
        </Stack>
      ) : null}
      {actions ? (
        <Group mt="xs" gap="xs" className="card-above">
          {actions}
        </Group>
      ) : null}
    </Paper>
  );
}

/** A dimmed line of a card ("Owner: Ari Rep"). */
export function CardLine({ children, testId }: { children: ReactNode; testId?: string }) {
  return (
    <Text size="sm" c="dimmed" data-testid={testId} style={{ overflowWrap: 'anywhere' }}>
      {children}
    </Text>
  );
}
