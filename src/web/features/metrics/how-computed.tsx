import { Alert, Badge, Button, Center, Drawer, List, Loader, Stack, Table, Text, Title } from '@mantine/core';
import { useMediaQuery } from '@mantine/hooks';
import { useInfiniteQuery, useQuery } from '@tanstack/react-query';
import { Link } from 'react-router';
import type { MetricFormat } from '../../../shared/metrics-catalog.ts';
import { formatDate, formatDateTime } from '../../lib/locale.ts';
import { errorMessage } from '../../lib/notify.ts';
import { useSession } from '../../lib/session-context.ts';
import { capitalize, formatAmount } from '../crm/crm-format.ts';
import { dealCycleText, formatMetric, partFormats } from './metric-format.ts';
import {
  catalogQuery,
  fetchRecords,
  METRICS_KEY,
  type Metric,
  type RecordRole,
  type Records,
} from './metrics-api.ts';

export interface NumberRef {
  metric: string;
  period: string;
  user: string;
  /** Shown in the title while loading. */
  label?: string;
}

/** A custom ratio's two metrics' formats from the catalog; null when not a ratio or not loaded. */
function operandFormats(
  items: readonly Metric[] | undefined,
  operands: Records['operands'],
): readonly [MetricFormat, MetricFormat] | null {
  if (!operands || !items) return null;
  const num = items.find((m) => m.key === operands.numerator);
  const den = items.find((m) => m.key === operands.denominator);
  return num && den ? [num.format, den.format] : null;
}

const ROLE_LABEL: Record<RecordRole, string> = {
  counted: 'Counted',
  both: 'Numerator and denominator',
  numerator: 'Numerator',
  denominator: 'Denominator only',
};

/**
 * "How was this computed": the metric's definition, the period and its bounds, the filters in
 * words and the records behind the number (paged), in a drawer opened from any number.
 */
export function HowComputedDrawer({ target, onClose }: { target: NumberRef | null; onClose: () => void }) {
  // On a phone the drawer takes the whole width (a fixed "xl" would run off a 390 px screen).
  const phone = useMediaQuery('(max-width: 47.99em)') ?? false;
  return (
    <Drawer
      opened={target !== null}
      onClose={onClose}
      position="right"
      size={phone ? '100%' : 'xl'}
      closeButtonProps={{ 'aria-label': 'Close' }}
      title={
        <Title order={2} size="h4">
          How was this computed?
        </Title>
      }
    >
      {target ? <HowComputed target={target} /> : null}
    </Drawer>
  );
}

function HowComputed({ target }: { target: NumberRef }) {
  const me = useSession();
  const zone = me.org.timeZone;
  // The catalog (cached) gives a custom ratio's two metrics' formats.
  const catalog = useQuery(catalogQuery);
  const query = useInfiniteQuery({
    queryKey: [...METRICS_KEY, 'records', target.metric, target.period, target.user],
    queryFn: ({ pageParam }) => fetchRecords(target, pageParam),
    initialPageParam: null as string | null,
    getNextPageParam: (last: Records) => last.nextCursor,
  });
  if (query.isPending)
    return (
      <Center py="xl" role="status">
        <Loader aria-label="Loading the records" />
      </Center>
    );
  if (query.isError)
    return (
      <Alert color="red" title="Could not load the records" role="alert">
        {errorMessage(query.error)}
      </Alert>
    );
  const first = query.data.pages[0]!;
  const items = query.data.pages.flatMap((p) => p.items);
  const ratio = first.numerator !== null && first.denominator !== null;
  const parts = partFormats(first.metric, operandFormats(catalog.data?.items, first.operands));
  return (
    <Stack gap="md" data-testid="how-computed">
      <Stack gap={2}>
        <Text fw={700} size="lg">
          {first.metric.name} · {first.user.name}
        </Text>
        <Text size="xl" fw={700} data-testid="how-value">
          {formatMetric(first.value, first.metric.format, first.currency)}
        </Text>
        {ratio ? (
          <Text size="sm" c="dimmed">
            {formatMetric(first.numerator, parts[0], first.currency)} ÷{' '}
            {formatMetric(first.denominator, parts[1], first.currency)}
          </Text>
        ) : null}
      </Stack>
      <div>
        <Text fw={600}>Definition</Text>
        <Text size="sm">{first.metric.definition}</Text>
      </div>
      <div>
        <Text fw={600}>Period</Text>
        <Text size="sm">
          {first.period.label}: {formatDateTime(first.period.start, zone)} to{' '}
          {formatDateTime(first.period.end, zone)} (end excluded, {zone})
        </Text>
      </div>
      <div>
        <Text fw={600}>Filters</Text>
        {first.filters.length ? (
          <List size="sm">
            {first.filters.map((f) => (
              <List.Item key={f}>{f}</List.Item>
            ))}
          </List>
        ) : (
          <Text size="sm" c="dimmed">
            {first.operands
              ? `A ratio of ${first.operands.numerator} ÷ ${first.operands.denominator}: open each of them for its records.`
              : 'None'}
          </Text>
        )}
      </div>
      <div>
        <Text fw={600}>Records ({first.total.toLocaleString('en-US')})</Text>
        {items.length === 0 ? (
          <Text size="sm" c="dimmed" data-testid="records-empty">
            No records behind this number in the period.
          </Text>
        ) : (
          <Table.ScrollContainer minWidth={520} tabIndex={0} aria-label="Records behind the number">
            <Table striped data-testid="records-table">
              <Table.Thead>
                {first.source === null ? (
                  <Table.Tr>
                    <Table.Th>Record</Table.Th>
                    <Table.Th>Account</Table.Th>
                    <Table.Th>Amount</Table.Th>
                    <Table.Th>Date</Table.Th>
                    <Table.Th>Counts as</Table.Th>
                  </Table.Tr>
                ) : first.source === 'deals' ? (
                  <Table.Tr>
                    <Table.Th>Deal</Table.Th>
                    <Table.Th>Account</Table.Th>
                    <Table.Th>Stage</Table.Th>
                    <Table.Th>Credited</Table.Th>
                    <Table.Th>Date</Table.Th>
                    <Table.Th>Counts as</Table.Th>
                  </Table.Tr>
                ) : (
                  <Table.Tr>
                    <Table.Th>Activity</Table.Th>
                    <Table.Th>Account</Table.Th>
                    <Table.Th>When</Table.Th>
                    <Table.Th>Counts as</Table.Th>
                  </Table.Tr>
                )}
              </Table.Thead>
              <Table.Tbody>
                {items.map((r) =>
                  r.type === 'deal' ? (
                    <Table.Tr key={r.id} data-testid="record-row">
                      <Table.Td>{first.source === null ? `Deal: ${r.name}` : r.name}</Table.Td>
                      <Table.Td>
                        <Anchorish id={r.account.id} name={r.account.name} />
                      </Table.Td>
                      {first.source === null ? null : <Table.Td>{r.stage}</Table.Td>}
                      <Table.Td>
                        {formatAmount(r.creditMinor, r.currency)}
                        {r.shareBp < 10_000
                          ? ` (${r.shareBp / 100} % of ${formatAmount(r.amountMinor, r.currency)})`
                          : ''}
                      </Table.Td>
                      <Table.Td>
                        {formatDate(r.closedAt ?? r.createdAt, zone)}
                        {first.metric.key === 'sales_cycle_days' ? (
                          <Text size="xs" c="dimmed" data-testid="record-cycle">
                            {dealCycleText(r.createdAt, r.closedAt)}
                          </Text>
                        ) : null}
                      </Table.Td>
                      <Table.Td>
                        <RoleBadge role={r.role} />
                      </Table.Td>
                    </Table.Tr>
                  ) : (
                    <Table.Tr key={r.id} data-testid="record-row">
                      <Table.Td>
                        {capitalize(r.kind)}: {r.subject}
                      </Table.Td>
                      <Table.Td>
                        {r.account ? <Anchorish id={r.account.id} name={r.account.name} /> : '—'}
                      </Table.Td>
                      {first.source === null ? <Table.Td>—</Table.Td> : null}
                      <Table.Td>{formatDateTime(r.occurredAt, zone)}</Table.Td>
                      <Table.Td>
                        <RoleBadge role={r.role} />
                      </Table.Td>
                    </Table.Tr>
                  ),
                )}
              </Table.Tbody>
            </Table>
          </Table.ScrollContainer>
        )}
        {query.hasNextPage ? (
          <Button
            variant="default"
            mt="sm"
            loading={query.isFetchingNextPage}
            onClick={() => void query.fetchNextPage()}
          >
            Load more
          </Button>
        ) : null}
      </div>
    </Stack>
  );
}

function Anchorish({ id, name }: { id: string; name: string }) {
  return <Link to={`/crm/accounts/${id}`}>{name}</Link>;
}

function RoleBadge({ role }: { role: RecordRole }) {
  return (
    <Badge variant="filled" autoContrast color={role === 'denominator' ? 'gray.7' : 'blue.8'}>
      {ROLE_LABEL[role]}
    </Badge>
  );
}
