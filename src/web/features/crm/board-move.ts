/** Pure moves on the deal board, used for the optimistic update before the server answers. */
import type { Board, Deal, MoneyTotal } from './crm-types.ts';

function addTotal(totals: readonly MoneyTotal[], currency: string, delta: number): MoneyTotal[] {
  const next = totals.map((t) =>
    t.currency === currency ? { ...t, amountMinor: t.amountMinor + delta } : t,
  );
  if (!next.some((t) => t.currency === currency)) next.push({ currency, amountMinor: delta });
  return next.filter((t) => t.amountMinor !== 0);
}

/** The column (stage id) a deal sits in, or null when it is not on the board. */
export function findDealColumn(board: Board, dealId: string): string | null {
  for (const column of board.columns) {
    if (column.deals.some((deal) => deal.id === dealId)) return column.stage.id;
  }
  return null;
}

/**
 * The board after moving `dealId` to the stage `toStageId`: the card leaves its column and goes to
 * the top of the target, counts and per-currency totals follow, and the deal takes the stage's
 * name, kind and (unless overridden) probability. Returns the same board when nothing moves
 * (unknown deal or stage, or the same column), so callers can skip the request.
 */
export function moveDealOnBoard(board: Board, dealId: string, toStageId: string): Board {
  const fromStageId = findDealColumn(board, dealId);
  const target = board.columns.find((column) => column.stage.id === toStageId);
  if (fromStageId === null || !target || fromStageId === toStageId) return board;
  const source = board.columns.find((column) => column.stage.id === fromStageId);
  const deal = source?.deals.find((d) => d.id === dealId);
  if (!source || !deal) return board;
  const stage = target.stage;
  const moved: Deal = {
    ...deal,
    stage: { id: stage.id, name: stage.name, kind: stage.kind },
    status: stage.kind,
    probability: deal.probabilityOverridden ? deal.probability : stage.probability,
  };
  return {
    ...board,
    columns: board.columns.map((column) => {
      if (column.stage.id === fromStageId) {
        return {
          ...column,
          count: Math.max(0, column.count - 1),
          totals: addTotal(column.totals, deal.currency, -deal.amountMinor),
          deals: column.deals.filter((d) => d.id !== dealId),
        };
      }
      if (column.stage.id === toStageId) {
        return {
          ...column,
          count: column.count + 1,
          totals: addTotal(column.totals, deal.currency, deal.amountMinor),
          deals: [moved, ...column.deals],
        };
      }
      return column;
    }),
  };
}
