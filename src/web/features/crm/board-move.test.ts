import { describe, expect, it } from 'vitest';
import { findDealColumn, moveDealOnBoard } from './board-move.ts';
import { board, deal, stage } from './crm-fixtures.test-util.ts';

const start = () =>
  board([
    { stage: stage('s1', 'open', 10), deals: [deal('d1', 's1'), deal('d2', 's1', { currency: 'EUR' })] },
    { stage: stage('s2', 'open', 60), deals: [deal('d3', 's2', { amountMinor: 5000 })] },
    { stage: stage('won', 'won', 100), deals: [] },
  ]);

describe('moveDealOnBoard', () => {
  it('moves the card to the top of the target column with counts and totals following', () => {
    const next = moveDealOnBoard(start(), 'd1', 's2');
    const [s1, s2] = next.columns;
    expect(s1?.deals.map((d) => d.id)).toEqual(['d2']);
    expect(s1?.count).toBe(1);
    expect(s1?.totals).toEqual([{ currency: 'EUR', amountMinor: 10_000 }]);
    expect(s2?.deals.map((d) => d.id)).toEqual(['d1', 'd3']);
    expect(s2?.count).toBe(2);
    expect(s2?.totals).toEqual([{ currency: 'USD', amountMinor: 15_000 }]);
    expect(findDealColumn(next, 'd1')).toBe('s2');
  });

  it('gives the moved deal the stage, its kind and its default probability', () => {
    const next = moveDealOnBoard(start(), 'd1', 'won');
    const moved = next.columns[2]?.deals[0];
    expect(moved?.stage).toEqual({ id: 'won', name: 'Stage won', kind: 'won' });
    expect(moved?.status).toBe('won');
    expect(moved?.probability).toBe(100);
    expect(next.columns[2]?.totals).toEqual([{ currency: 'USD', amountMinor: 10_000 }]);
  });

  it('keeps an overridden probability when the stage changes', () => {
    const b = board([
      { stage: stage('s1'), deals: [deal('d1', 's1', { probability: 35, probabilityOverridden: true })] },
      { stage: stage('s2', 'open', 70), deals: [] },
    ]);
    expect(moveDealOnBoard(b, 'd1', 's2').columns[1]?.deals[0]?.probability).toBe(35);
  });

  it('returns the very same board when nothing moves', () => {
    const b = start();
    expect(moveDealOnBoard(b, 'd1', 's1')).toBe(b);
    expect(moveDealOnBoard(b, 'missing', 's2')).toBe(b);
    expect(moveDealOnBoard(b, 'd1', 'no-such-stage')).toBe(b);
  });

  it('leaves the original board untouched so a failed request can roll back to it', () => {
    const b = start();
    const before = JSON.stringify(b);
    moveDealOnBoard(b, 'd1', 's2');
    expect(JSON.stringify(b)).toBe(before);
  });
});
