/** Builders of CRM API shapes for the web unit tests. */
import type { Account, Board, Deal, Stage } from './crm-types.ts';

export function account(id: string, overrides: Partial<Account> = {}): Account {
  return {
    id,
    name: `Account ${id}`,
    street: null,
    city: null,
    region: null,
    postalCode: null,
    country: null,
    latitude: null,
    longitude: null,
    territory: null,
    industry: null,
    tier: null,
    status: 'active',
    owner: { id: 'u1', name: 'Rep One' },
    externalSource: null,
    externalId: null,
    lastActivityAt: null,
    nextVisitDue: null,
    canEdit: true,
    createdAt: '2025-01-01T00:00:00.000Z',
    updatedAt: '2025-01-01T00:00:00.000Z',
    ...overrides,
  };
}

export function stage(id: string, kind: Stage['kind'] = 'open', probability = 20): Stage {
  return { id, name: `Stage ${id}`, position: 0, probability, kind };
}

export function deal(id: string, stageId: string, overrides: Partial<Deal> = {}): Deal {
  return {
    id,
    name: `Deal ${id}`,
    account: { id: 'a1', name: 'Account a1' },
    owner: { id: 'u1', name: 'Rep One' },
    amountMinor: 10_000,
    currency: 'USD',
    pipelineId: 'p1',
    stage: { id: stageId, name: `Stage ${stageId}`, kind: 'open' },
    probability: 20,
    probabilityOverridden: false,
    weightedAmountMinor: 2000,
    expectedCloseDate: null,
    status: 'open',
    closedAt: null,
    closeReason: null,
    splits: [],
    canEdit: true,
    createdAt: '2025-01-01T00:00:00.000Z',
    updatedAt: '2025-01-01T00:00:00.000Z',
    ...overrides,
  };
}

export function board(columns: { stage: Stage; deals: Deal[] }[]): Board {
  return {
    pipeline: { id: 'p1', name: 'Sales', isDefault: true, stages: columns.map((c) => c.stage) },
    columns: columns.map((c) => {
      const totals = new Map<string, number>();
      for (const d of c.deals) totals.set(d.currency, (totals.get(d.currency) ?? 0) + d.amountMinor);
      return {
        stage: c.stage,
        count: c.deals.length,
        totals: [...totals].map(([currency, amountMinor]) => ({ currency, amountMinor })),
        deals: c.deals,
      };
    }),
  };
}
