import {
  DndContext,
  type DragEndEvent,
  KeyboardSensor,
  PointerSensor,
  useDraggable,
  useDroppable,
  useSensor,
  useSensors,
} from '@dnd-kit/core';
import {
  ActionIcon,
  Alert,
  Badge,
  Box,
  Button,
  Center,
  Group,
  Loader,
  Menu,
  Paper,
  ScrollArea,
  Select,
  Stack,
  Text,
} from '@mantine/core';
import { IconArrowsMove, IconDotsVertical, IconGripVertical, IconList } from '@tabler/icons-react';
import { useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import { useState } from 'react';
import { Link } from 'react-router';
import { PageHeader } from '../../components/page-header.tsx';
import { errorMessage, notifyError } from '../../lib/notify.ts';
import { findDealColumn, moveDealOnBoard } from './board-move.ts';
import { BOARD_KEY, boardQuery, DEALS_KEY, moveDealStage, pipelinesQuery } from './crm-api.ts';
import { formatAmount, formatTotals } from './crm-format.ts';
import type { Board, BoardColumn, Deal, Stage } from './crm-types.ts';
import { STATUS_COLORS } from './deals-page.tsx';

interface MoveVars {
  dealId: string;
  stageId: string;
}

/**
 * Moves a deal on the board at once and then through the API; a refused move puts the card back
 * (the board as it was before) and says why.
 */
function useMoveDeal(queryKey: readonly unknown[]) {
  const queryClient = useQueryClient();
  return useMutation({
    mutationFn: ({ dealId, stageId }: MoveVars) => moveDealStage(dealId, stageId),
    onMutate: async ({ dealId, stageId }: MoveVars) => {
      await queryClient.cancelQueries({ queryKey });
      const previous = queryClient.getQueryData<Board>(queryKey);
      if (previous) queryClient.setQueryData<Board>(queryKey, moveDealOnBoard(previous, dealId, stageId));
      return { previous };
    },
    onError: (error, _vars, context) => {
      if (context?.previous) queryClient.setQueryData(queryKey, context.previous);
      notifyError(error, 'Could not move the deal');
    },
    onSettled: async () => {
      await queryClient.invalidateQueries({ queryKey: BOARD_KEY });
      await queryClient.invalidateQueries({ queryKey: DEALS_KEY });
    },
  });
}

/** CRM → Deal board: the deals of a pipeline by stage; drag a card (or use its menu) to move it. */
export function DealBoardPage() {
  const pipelines = useQuery(pipelinesQuery);
  const [pipelineId, setPipelineId] = useState<string | null>(null);
  const options = boardQuery(pipelineId);
  const board = useQuery(options);
  const move = useMoveDeal(options.queryKey);
  const sensors = useSensors(
    // Pointer events cover mouse, pen and touch (the handle sets touch-action: none).
    useSensor(PointerSensor, { activationConstraint: { distance: 6 } }),
    useSensor(KeyboardSensor),
  );

  function requestMove(dealId: string, stageId: string): void {
    if (!board.data || findDealColumn(board.data, dealId) === stageId) return;
    move.mutate({ dealId, stageId });
  }

  function onDragEnd(event: DragEndEvent): void {
    if (event.over) requestMove(String(event.active.id), String(event.over.id));
  }

  const stageName = (id: string | number | undefined) =>
    board.data?.columns.find((c) => c.stage.id === String(id))?.stage.name ?? 'no stage';
  const dealName = (id: string | number) =>
    board.data?.columns.flatMap((c) => c.deals).find((d) => d.id === String(id))?.name ?? 'the deal';

  return (
    <Stack>
      <PageHeader
        title="Deal board"
        description="Drag a card to another stage, or use its menu to move it."
        actions={
          <Button
            component={Link}
            to="/crm/deals"
            variant="default"
            leftSection={<IconList size={16} aria-hidden />}
          >
            List
          </Button>
        }
      />
      {(pipelines.data?.length ?? 0) > 1 ? (
        <Select
          label="Pipeline"
          maw={320}
          data={(pipelines.data ?? []).map((p) => ({ value: p.id, label: p.name }))}
          value={pipelineId ?? board.data?.pipeline.id ?? null}
          onChange={setPipelineId}
          allowDeselect={false}
        />
      ) : null}
      {board.isPending ? (
        <Center py="xl" role="status">
          <Loader aria-label="Loading the deal board" />
        </Center>
      ) : null}
      {board.isError ? (
        <Alert color="red" title="Could not load the deal board" role="alert">
          {errorMessage(board.error)}
        </Alert>
      ) : null}
      {board.data ? (
        <DndContext
          sensors={sensors}
          onDragEnd={onDragEnd}
          accessibility={{
            announcements: {
              onDragStart: ({ active }) => `Picked up ${dealName(active.id)}.`,
              onDragOver: ({ active, over }) => `${dealName(active.id)} is over ${stageName(over?.id)}.`,
              onDragEnd: ({ active, over }) =>
                over ? `${dealName(active.id)} moved to ${stageName(over.id)}.` : 'Move cancelled.',
              onDragCancel: ({ active }) => `Moving ${dealName(active.id)} cancelled.`,
            },
          }}
        >
          <ScrollArea type="auto" offsetScrollbars>
            <Group align="flex-start" wrap="nowrap" gap="sm" pb="sm" data-testid="deal-board">
              {board.data.columns.map((column) => (
                <StageColumn
                  key={column.stage.id}
                  column={column}
                  stages={board.data.pipeline.stages}
                  onMove={requestMove}
                />
              ))}
            </Group>
          </ScrollArea>
        </DndContext>
      ) : null}
    </Stack>
  );
}

function StageColumn({
  column,
  stages,
  onMove,
}: {
  column: BoardColumn;
  stages: Stage[];
  onMove: (dealId: string, stageId: string) => void;
}) {
  const { setNodeRef, isOver } = useDroppable({ id: column.stage.id });
  const headingId = `stage-${column.stage.id}`;
  return (
    <Paper
      ref={setNodeRef}
      component="section"
      aria-labelledby={headingId}
      withBorder
      radius="md"
      p="xs"
      w={272}
      miw={272}
      bg={isOver ? 'blue.0' : 'gray.0'}
      data-testid={`board-column-${column.stage.id}`}
      style={{ minHeight: 320 }}
    >
      <Stack gap={4} mb="xs">
        <Group justify="space-between" wrap="nowrap">
          <Text id={headingId} fw={700} size="sm" component="h2" m={0}>
            {column.stage.name}
          </Text>
          <Badge variant="dot" color={STATUS_COLORS[column.stage.kind]} data-testid="column-count">
            {column.count}
          </Badge>
        </Group>
        <Text size="xs" c="dimmed">
          {formatTotals(column.totals)} · {column.stage.probability}%
        </Text>
      </Stack>
      <Stack gap="xs" component="ul" p={0} m={0} style={{ listStyle: 'none' }}>
        {column.deals.map((deal) => (
          <DealCard key={deal.id} deal={deal} stages={stages} onMove={onMove} />
        ))}
      </Stack>
      {column.deals.length === 0 ? (
        <Text size="xs" c="dimmed" ta="center" py="md">
          No deals
        </Text>
      ) : null}
      {column.count > column.deals.length ? (
        <Text size="xs" c="dimmed" ta="center" pt="xs">
          Showing the newest {column.deals.length} of {column.count}
        </Text>
      ) : null}
    </Paper>
  );
}

function DealCard({
  deal,
  stages,
  onMove,
}: {
  deal: Deal;
  stages: Stage[];
  onMove: (dealId: string, stageId: string) => void;
}) {
  const { attributes, listeners, setNodeRef, setActivatorNodeRef, transform, isDragging } = useDraggable({
    id: deal.id,
    disabled: !deal.canEdit,
  });
  const style = transform
    ? {
        transform: `translate3d(${transform.x}px, ${transform.y}px, 0)`,
        zIndex: 10,
        position: 'relative' as const,
      }
    : undefined;
  return (
    <Box
      component="li"
      ref={setNodeRef}
      style={style}
      data-testid={`deal-card-${deal.id}`}
      data-deal-name={deal.name}
    >
      <Paper withBorder radius="sm" p="xs" shadow={isDragging ? 'md' : undefined} bg="white">
        <Group gap={4} wrap="nowrap" align="flex-start">
          {deal.canEdit ? (
            <ActionIcon
              ref={setActivatorNodeRef}
              variant="subtle"
              color="gray"
              size="sm"
              aria-label={`Drag ${deal.name}`}
              style={{ cursor: 'grab', touchAction: 'none' }}
              data-testid="drag-handle"
              {...attributes}
              {...listeners}
            >
              <IconGripVertical size={14} aria-hidden />
            </ActionIcon>
          ) : null}
          <Stack gap={2} style={{ flex: 1, minWidth: 0 }}>
            <Text size="sm" fw={600} truncate>
              {deal.name}
            </Text>
            <Text size="xs" c="dimmed" truncate>
              <Link to={`/crm/accounts/${deal.account.id}`} style={{ color: 'inherit' }}>
                {deal.account.name}
              </Link>
            </Text>
            <Group gap={6} justify="space-between" wrap="nowrap">
              <Text size="xs" fw={500}>
                {formatAmount(deal.amountMinor, deal.currency)}
              </Text>
              <Text size="xs" c="dimmed" truncate>
                {deal.owner.name}
              </Text>
            </Group>
          </Stack>
          {deal.canEdit ? (
            <Menu position="bottom-end" withinPortal>
              <Menu.Target>
                <ActionIcon
                  variant="subtle"
                  color="gray"
                  size="sm"
                  aria-label={`Move ${deal.name} to another stage`}
                >
                  <IconDotsVertical size={14} aria-hidden />
                </ActionIcon>
              </Menu.Target>
              <Menu.Dropdown>
                <Menu.Label>Move to stage</Menu.Label>
                {stages
                  .filter((stage) => stage.id !== deal.stage.id)
                  .map((stage) => (
                    <Menu.Item
                      key={stage.id}
                      leftSection={<IconArrowsMove size={14} aria-hidden />}
                      onClick={() => onMove(deal.id, stage.id)}
                    >
                      {stage.name}
                    </Menu.Item>
                  ))}
              </Menu.Dropdown>
            </Menu>
          ) : null}
        </Group>
      </Paper>
    </Box>
  );
}
