import { Anchor, Badge, Button, Select, Stack, Table, Text, TextInput } from '@mantine/core';
import { IconLayoutKanban, IconPencil, IconPlus } from '@tabler/icons-react';
import { useQuery } from '@tanstack/react-query';
import { useState } from 'react';
import { Link } from 'react-router';
import { PageHeader } from '../../components/page-header.tsx';
import { formatDate } from '../../lib/locale.ts';
import { useSession } from '../../lib/session-context.ts';
import type { PersonRef } from '../../lib/types.ts';
import { pipelinesQuery } from './crm-api.ts';
import { countActive, FilterBar, OwnerFilter, SearchFilter, TeamFilter } from './crm-filters.tsx';
import { formatAmount } from './crm-format.ts';
import {
  CardLine,
  CardList,
  CountText,
  ExportMenu,
  ListCard,
  ListStates,
  ScrollTable,
  useCrmList,
  usePhoneLayout,
} from './crm-list.tsx';
import type { Deal, StageKind } from './crm-types.ts';
import { DealFormModal } from './deal-form-modal.tsx';
import { OfflineBanner } from './offline-banner.tsx';

const SORTS = [
  { value: 'createdAt:desc', label: 'Newest first' },
  { value: 'amount:desc', label: 'Largest amount first' },
  { value: 'expectedCloseDate:asc', label: 'Closing soonest' },
  { value: 'name:asc', label: 'Name A–Z' },
];

export const STATUS_COLORS: Record<StageKind, string> = { open: 'blue', won: 'green', lost: 'gray' };

/** CRM → Deals: the deals I can see, filtered by pipeline, stage, status, owner and close date. */
export function DealsPage() {
  const me = useSession();
  const pipelines = useQuery(pipelinesQuery);
  const [q, setQ] = useState('');
  const [owner, setOwner] = useState<PersonRef | null>(null);
  const [teamId, setTeamId] = useState<string | null>(null);
  const [pipelineId, setPipelineId] = useState<string | null>(null);
  const [stageId, setStageId] = useState<string | null>(null);
  const [editing, setEditing] = useState<Deal | null | 'new'>(null);
  const [status, setStatus] = useState<string | null>(null);
  const [closeFrom, setCloseFrom] = useState('');
  const [closeTo, setCloseTo] = useState('');
  const [sort, setSort] = useState('createdAt:desc');
  const [sortField, dir] = sort.split(':') as [string, string];
  const filters = {
    q,
    ownerId: owner?.id,
    teamId,
    pipelineId,
    stageId,
    status,
    closeFrom,
    closeTo,
    sort: sortField,
    dir,
  };
  const { query, items, total } = useCrmList<Deal>('deals', filters);
  const stageOptions = (pipelines.data ?? [])
    .filter((pipeline) => !pipelineId || pipeline.id === pipelineId)
    .map((pipeline) => ({
      group: pipeline.name,
      items: pipeline.stages.map((stage) => ({ value: stage.id, label: stage.name })),
    }));
  function choosePipeline(id: string | null): void {
    setPipelineId(id);
    // A stage of another pipeline would match nothing.
    const stages = (pipelines.data ?? []).find((p) => p.id === id)?.stages ?? [];
    if (id && stageId && !stages.some((stage) => stage.id === stageId)) setStageId(null);
  }

  return (
    <Stack maw={1200}>
      <DealFormModal
        opened={editing !== null}
        onClose={() => setEditing(null)}
        deal={editing === 'new' ? null : editing}
      />
      <PageHeader
        title="Deals"
        description={<CountText total={total} noun="deals" />}
        actions={
          <>
            <Button onClick={() => setEditing('new')} leftSection={<IconPlus size={16} aria-hidden />}>
              New deal
            </Button>
            <Button
              component={Link}
              to="/crm/board"
              variant="default"
              leftSection={<IconLayoutKanban size={16} aria-hidden />}
            >
              Board
            </Button>
            <ExportMenu entity="deals" filters={filters} />
          </>
        }
      />
      <OfflineBanner updatedAt={query.dataUpdatedAt} error={query.error} />
      <FilterBar
        search={<SearchFilter value={q} onChange={setQ} />}
        active={countActive([owner, teamId, pipelineId, stageId, status, closeFrom, closeTo])}
      >
        <OwnerFilter value={owner} onChange={setOwner} />
        {me.role === 'rep' ? null : <TeamFilter value={teamId} onChange={setTeamId} />}
        <Select
          label="Pipeline"
          placeholder="Any pipeline"
          data={(pipelines.data ?? []).map((pipeline) => ({ value: pipeline.id, label: pipeline.name }))}
          value={pipelineId}
          onChange={choosePipeline}
          clearable
        />
        <Select
          label="Stage"
          placeholder="Any stage"
          data={stageOptions}
          value={stageId}
          onChange={setStageId}
          clearable
        />
        <Select
          label="Status"
          placeholder="Any status"
          data={[
            { value: 'open', label: 'Open' },
            { value: 'won', label: 'Won' },
            { value: 'lost', label: 'Lost' },
          ]}
          value={status}
          onChange={setStatus}
          clearable
        />
        <TextInput
          label="Closing from"
          type="date"
          value={closeFrom}
          onChange={(event) => setCloseFrom(event.currentTarget.value)}
        />
        <TextInput
          label="Closing until"
          type="date"
          value={closeTo}
          onChange={(event) => setCloseTo(event.currentTarget.value)}
        />
        <Select
          label="Sort"
          data={SORTS}
          value={sort}
          onChange={(value) => setSort(value ?? 'createdAt:desc')}
          allowDeselect={false}
        />
      </FilterBar>
      <ListStates query={query} count={items.length} label="deals" empty="No deals match these filters.">
        {() => <DealsTable deals={items} showAccount onEdit={setEditing} />}
      </ListStates>
    </Stack>
  );
}

export function DealsTable({
  deals,
  showAccount,
  onEdit,
}: {
  deals: Deal[];
  showAccount: boolean;
  /** Shows an Edit button on the deals the user may change. */
  onEdit?: (deal: Deal) => void;
}) {
  const phone = usePhoneLayout();
  if (phone)
    return (
      <CardList label="Deals" testId="deals-cards">
        {deals.map((deal) => (
          <ListCard
            key={deal.id}
            title={
              showAccount ? (
                // No page of its own: a deal opens on its account's page.
                <Anchor component={Link} to={`/crm/accounts/${deal.account.id}`} className="card-open">
                  {deal.name}
                </Anchor>
              ) : (
                <Text fw={600}>{deal.name}</Text>
              )
            }
            badge={
              <Badge variant="dot" color={STATUS_COLORS[deal.status]} style={{ flexShrink: 0 }}>
                {deal.stage.name}
              </Badge>
            }
            actions={
              onEdit && deal.canEdit ? (
                <Button
                  size="compact-sm"
                  variant="subtle"
                  leftSection={<IconPencil size={14} aria-hidden />}
                  aria-label={`Edit ${deal.name}`}
                  onClick={() => onEdit(deal)}
                >
                  Edit
                </Button>
              ) : null
            }
          >
            <Text size="sm" fw={500}>
              {formatAmount(deal.amountMinor, deal.currency)}
              <Text span size="sm" c="dimmed">
                {' '}
                · weighted {formatAmount(deal.weightedAmountMinor, deal.currency)} ({deal.probability}%)
              </Text>
            </Text>
            <CardLine>
              {[
                showAccount ? deal.account.name : null,
                deal.owner.name,
                deal.expectedCloseDate
                  ? `closes ${formatDate(`${deal.expectedCloseDate}T00:00:00Z`, 'UTC')}`
                  : null,
              ]
                .filter(Boolean)
                .join(' · ')}
            </CardLine>
          </ListCard>
        ))}
      </CardList>
    );
  return (
    <ScrollTable label="Deals" minWidth={(showAccount ? 860 : 620) + (onEdit ? 80 : 0)}>
      <Table striped verticalSpacing="xs" data-testid="deals-table">
        <Table.Thead>
          <Table.Tr>
            <Table.Th>Deal</Table.Th>
            {showAccount ? <Table.Th>Account</Table.Th> : null}
            <Table.Th>Owner</Table.Th>
            <Table.Th>Stage</Table.Th>
            <Table.Th ta="right">Amount</Table.Th>
            <Table.Th ta="right">Weighted</Table.Th>
            <Table.Th>Expected close</Table.Th>
            {onEdit ? (
              <Table.Th>
                <span className="visually-hidden">Actions</span>
              </Table.Th>
            ) : null}
          </Table.Tr>
        </Table.Thead>
        <Table.Tbody>
          {deals.map((deal) => (
            <Table.Tr key={deal.id}>
              <Table.Td>{deal.name}</Table.Td>
              {showAccount ? (
                <Table.Td>
                  <Anchor component={Link} to={`/crm/accounts/${deal.account.id}`}>
                    {deal.account.name}
                  </Anchor>
                </Table.Td>
              ) : null}
              <Table.Td>{deal.owner.name}</Table.Td>
              <Table.Td>
                <Badge variant="dot" color={STATUS_COLORS[deal.status]}>
                  {deal.stage.name}
                </Badge>
              </Table.Td>
              <Table.Td ta="right">{formatAmount(deal.amountMinor, deal.currency)}</Table.Td>
              <Table.Td ta="right">
                {formatAmount(deal.weightedAmountMinor, deal.currency)} ({deal.probability}%)
              </Table.Td>
              <Table.Td>
                {deal.expectedCloseDate ? formatDate(`${deal.expectedCloseDate}T00:00:00Z`, 'UTC') : '—'}
              </Table.Td>
              {onEdit ? (
                <Table.Td>
                  {deal.canEdit ? (
                    <Button
                      size="compact-sm"
                      variant="subtle"
                      leftSection={<IconPencil size={14} aria-hidden />}
                      aria-label={`Edit ${deal.name}`}
                      onClick={() => onEdit(deal)}
                    >
                      Edit
                    </Button>
                  ) : null}
                </Table.Td>
              ) : null}
            </Table.Tr>
          ))}
        </Table.Tbody>
      </Table>
    </ScrollTable>
  );
}
