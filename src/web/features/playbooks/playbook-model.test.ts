import { describe, expect, it } from 'vitest';
import { diffWords, documentOf, editorOf, editorPath } from './playbook-model.ts';

const money = (k: string) => (k === 'revenue_won' ? 'money' : 'count');

describe('documentOf / editorOf', () => {
  it('sends money in minor units, drops blank responsibilities, and reads back', () => {
    const r = documentOf(
      {
        summary: 'Field rep',
        responsibilities: ['Visit A accounts monthly', ' '],
        targets: [{ metric: 'revenue_won', periodKind: 'month', amount: '12,500' }],
        metrics: [{ metric: 'visits', note: 'weekly' }],
      },
      money,
      'USD',
    );
    expect(r).toEqual({
      ok: true,
      doc: {
        summary: 'Field rep',
        responsibilities: ['Visit A accounts monthly'],
        targets: [{ metric: 'revenue_won', periodKind: 'month', amount: 1_250_000 }],
        metrics: [{ metric: 'visits', note: 'weekly' }],
      },
    });
    const back = editorOf(
      {
        summary: 'Field rep',
        responsibilities: ['Visit'],
        targets: [
          {
            id: 't',
            metric: { key: 'revenue_won', name: 'Revenue won', definition: '', format: 'money' },
            periodKind: 'month',
            amount: 1_250_000,
          },
        ],
        metrics: [],
      },
      'USD',
    );
    expect(back.targets[0]!.amount).toBe('12500');
  });

  it('names the target amount that cannot be read', () => {
    const r = documentOf(
      {
        summary: '',
        responsibilities: [],
        targets: [{ metric: 'visits', periodKind: 'week', amount: '2.5' }],
        metrics: [],
      },
      money,
      'USD',
    );
    expect(r).toEqual({ ok: false, errors: { 'targets.0.amount': 'Must be a whole number for a count' } });
  });
});

describe('editorPath / diffWords', () => {
  it('maps API paths to editor paths', () => {
    expect(editorPath('body.document.targets.0.metric')).toBe('targets.0.metric');
    expect(editorPath('document.responsibilities.2')).toBe('responsibilities.2');
    expect(editorPath('name')).toBe('name');
  });

  it('says what changed', () => {
    const words = diffWords(
      {
        from: 1,
        to: 2,
        summaryChanged: true,
        summary: { from: 'Sell more', to: 'Sell more, visit often' },
        responsibilities: { added: ['Log every visit'], removed: [] },
        targets: {
          added: [],
          removed: [],
          changed: [{ metric: 'visits', periodKind: 'week', from: 10, to: 12 }],
        },
        metrics: { added: ['win_rate'], removed: [], changed: [] },
      },
      (m) => ({ visits: 'Visits', win_rate: 'Win rate' })[m] ?? m,
      (_m, v) => String(v),
    );
    expect(words).toEqual([
      'Summary changed from “Sell more” to “Sell more, visit often”',
      'New responsibility: Log every visit',
      'Target changed: Visits per week from 10 to 12',
      'Now judged by: Win rate',
    ]);
  });
});
