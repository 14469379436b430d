import { describe, expect, it } from 'vitest';
import { minorToDecimal, parseAmountMinor } from './crm-format.ts';
import type { Deal, Pipeline } from './crm-types.ts';
import { type DealValues, dealBody, dealValues, splitCheck, splitRow } from './deal-form.ts';

const me = { id: 'u-me', name: 'Ari Rep' };
const pipelines: Pipeline[] = [
  {
    id: 'p1',
    name: 'Sales',
    isDefault: true,
    stages: [
      { id: 's1', name: 'Prospecting', position: 0, probability: 10, kind: 'open' },
      { id: 's2', name: 'Won', position: 1, probability: 100, kind: 'won' },
      { id: 's3', name: 'Lost', position: 2, probability: 0, kind: 'lost' },
    ],
  },
];

function fresh(change: Partial<DealValues> = {}): DealValues {
  return {
    ...dealValues(null, {
      me,
      currency: 'USD',
      account: { id: 'a1', name: 'Acme' },
      pipelines,
      timeZone: 'UTC',
    }),
    name: ' Anvils ',
    amount: '1,234.50',
    ...change,
  };
}

describe('amounts typed as decimals', () => {
  it('become exact minor units of the currency', () => {
    expect(parseAmountMinor('1,234.50', 'USD')).toBe(123_450);
    expect(parseAmountMinor('1234,5', 'EUR')).toBe(123_450);
    expect(parseAmountMinor('$ 0.07', 'USD')).toBe(7);
    expect(parseAmountMinor('0.29', 'USD')).toBe(29);
    expect(parseAmountMinor('1.005', 'USD')).toBeNull();
    expect(parseAmountMinor('1500', 'JPY')).toBe(1500);
    expect(parseAmountMinor('15.5', 'JPY')).toBeNull();
    expect(parseAmountMinor('1.234', 'BHD')).toBe(1234);
    expect(parseAmountMinor('-5', 'USD')).toBeNull();
    expect(parseAmountMinor('abc', 'USD')).toBeNull();
    expect(parseAmountMinor('', 'USD')).toBeNull();
  });

  it('show minor units back as the decimal the field holds', () => {
    expect(minorToDecimal(123_450, 'USD')).toBe('1234.50');
    expect(minorToDecimal(7, 'USD')).toBe('0.07');
    expect(minorToDecimal(1500, 'JPY')).toBe('1500');
  });
});

describe('the split check', () => {
  it('adds shares exactly and accepts 100%', () => {
    const rows = [
      splitRow({ id: 'a', name: 'A' }, '33.33'),
      splitRow({ id: 'b', name: 'B' }, '33.33'),
      splitRow({ id: 'c', name: 'C' }, '33.34'),
    ];
    expect(splitCheck(rows)).toEqual({ total: 100, problem: null });
  });

  it('says what is wrong while the user types', () => {
    expect(
      splitCheck([splitRow({ id: 'a', name: 'A' }, '60'), splitRow({ id: 'b', name: 'B' }, '30')]),
    ).toEqual({
      total: 90,
      problem: 'The shares must add up to 100% (now 90%)',
    });
    expect(splitCheck([splitRow({ id: 'a', name: 'A' }, '50'), splitRow(null, '50')]).problem).toBe(
      'Choose the rep of share 2',
    );
    expect(
      splitCheck([splitRow({ id: 'a', name: 'A' }, '50'), splitRow({ id: 'a', name: 'A' }, '50')]).problem,
    ).toBe('A appears twice');
    expect(
      splitCheck([splitRow({ id: 'a', name: 'A' }, '50.001'), splitRow({ id: 'b', name: 'B' }, '49.999')])
        .problem,
    ).toBe('Share 1 must be a percentage above 0 with at most two decimals');
  });
});

describe('the deal body', () => {
  it('creates with the amount in minor units, the org currency and the stage; no empty fields', () => {
    expect(dealBody(fresh(), 'open', 'create')).toEqual({
      body: {
        name: 'Anvils',
        accountId: 'a1',
        amountMinor: 123_450,
        ownerId: 'u-me',
        currency: 'USD',
        stageId: 's1',
      },
    });
  });

  it('refuses an amount with too many decimals before asking the server', () => {
    expect(dealBody(fresh({ amount: '12.345' }), 'open', 'create')).toEqual({
      errors: { amountMinor: 'Enter an amount like 1234.50 (USD)' },
    });
  });

  it('sends the probability override, the split, and a won deal reason and date', () => {
    const values = fresh({
      stageId: 's2',
      probability: '80',
      closeReason: ' Price ',
      closedOn: '2026-01-05',
      split: true,
      splits: [splitRow(me, '60'), splitRow({ id: 'u2', name: 'Bo' }, '40')],
    });
    expect(dealBody(values, 'won', 'create')).toMatchObject({
      body: {
        stageId: 's2',
        probability: 80,
        closeReason: 'Price',
        closedOn: '2026-01-05',
        splits: [
          { userId: 'u-me', percent: 60 },
          { userId: 'u2', percent: 40 },
        ],
      },
    });
    expect(dealBody({ ...values, splits: [splitRow(me, '60')] }, 'won', 'create')).toEqual({
      errors: { splits: 'A split needs at least two reps' },
    });
  });

  it('on an edit clears what was emptied and keeps an unchanged close date off the wire', () => {
    const deal: Deal = {
      id: 'd1',
      name: 'Anvils',
      account: { id: 'a1', name: 'Acme' },
      owner: me,
      amountMinor: 500,
      currency: 'EUR',
      pipelineId: 'p1',
      stage: { id: 's2', name: 'Won', kind: 'won' },
      probability: 90,
      probabilityOverridden: true,
      weightedAmountMinor: 450,
      expectedCloseDate: '2026-02-01',
      status: 'won',
      closedAt: '2026-01-31T23:30:00.000Z',
      closeReason: 'Fit',
      splits: [],
      canEdit: true,
      createdAt: '2026-01-01T00:00:00.000Z',
      updatedAt: '2026-01-01T00:00:00.000Z',
    };
    const values = dealValues(deal, { me, currency: 'USD', pipelines, timeZone: 'Europe/Berlin' });
    expect(values).toMatchObject({
      amount: '5.00',
      currency: 'EUR',
      probability: '90',
      closedOn: '2026-02-01',
    });
    expect(
      dealBody({ ...values, probability: '', expectedCloseDate: '', closeReason: '' }, 'won', 'edit'),
    ).toEqual({
      body: {
        name: 'Anvils',
        accountId: 'a1',
        amountMinor: 500,
        ownerId: 'u-me',
        stageId: 's2',
        probability: null,
        expectedCloseDate: null,
        closeReason: null,
        splits: [],
      },
    });
    expect(dealBody({ ...values, closedOn: '2026-01-20' }, 'won', 'edit')).toMatchObject({
      body: { closedOn: '2026-01-20' },
    });
  });
});
