import { describe, expect, it } from 'vitest';
import {
  type CustomMetric,
  describeSpec,
  EMPTY_FORM,
  fieldOfPath,
  formOf,
  optionsOf,
  specOf,
  suggestionsOf,
} from './custom-metric-form.ts';

const names = {
  metric: (k: string) => ({ visits: 'Visits', won: 'Won' })[k] ?? k,
  stage: (id: string) => `S-${id}`,
};

describe('specOf / formOf', () => {
  it('sends only the filters that were set, and reads them back', () => {
    const form = { ...EMPTY_FORM, key: 'vv', kinds: ['visit'], verified: 'yes' as const, tiers: ['A'] };
    const spec = specOf(form);
    expect(spec).toEqual({
      block: 'activity_count',
      filters: { kinds: ['visit'], verified: true, tiers: ['A'] },
    });
    const metric: CustomMetric = {
      id: '1',
      key: 'vv',
      name: '',
      description: '',
      definition: spec,
      unit: 'count',
      direction: 'higher',
      format: 'count',
      createdAt: '',
      updatedAt: '',
    };
    expect(specOf(formOf(metric))).toEqual(spec);
  });

  it('builds deal sums with their field and ratios of two metrics', () => {
    expect(
      specOf({ ...EMPTY_FORM, source: 'deals', aggregate: 'sum', deals: 'won', currency: 'eur' }),
    ).toEqual({
      block: 'deal_sum',
      field: 'amount',
      deals: 'won',
      filters: { currency: 'EUR' },
    });
    expect(specOf({ ...EMPTY_FORM, source: 'ratio', numerator: 'won', denominator: 'visits' })).toEqual({
      block: 'ratio',
      numerator: 'won',
      denominator: 'visits',
    });
  });
});

describe('describeSpec', () => {
  it('says a definition in words', () => {
    expect(
      describeSpec({ block: 'activity_count', filters: { kinds: ['visit', 'call'], verified: true } }, names),
    ).toBe('Number of visit or call activities in the period, with a verified check-in.');
    expect(describeSpec({ block: 'ratio', numerator: 'won', denominator: 'visits' }, names)).toBe(
      'Won divided by Visits',
    );
    expect(
      describeSpec({ block: 'deal_sum', field: 'amount', deals: 'won', filters: { stageIds: ['x'] } }, names),
    ).toBe('Credited amount of deals won in the period, in stage S-x.');
  });
});

describe('fieldOfPath', () => {
  it('maps the server’s paths to the builder’s fields', () => {
    expect(fieldOfPath('definition.filters.kinds.0')).toBe('kinds');
    expect(fieldOfPath('body.definition.denominator')).toBe('denominator');
    expect(fieldOfPath('definition.filters.sql')).toBeNull();
    expect(fieldOfPath('definition')).toBe('source');
    expect(fieldOfPath('key')).toBe('key');
  });
});

describe('the org’s vocabulary in the builder', () => {
  it('offers the org’s kinds, keeping values an older definition holds', () => {
    expect(optionsOf(['visit', 'call', 'tasting'], [])).toEqual(['visit', 'call', 'tasting']);
    expect(optionsOf(['visit', 'call'], ['call', 'retired_kind'])).toEqual(['visit', 'call', 'retired_kind']);
  });

  it('suggests territories and outcomes in use, most used first, without the chosen ones', () => {
    const used = {
      items: [
        { value: 'South', count: 9 },
        { value: 'North', count: 4 },
        { value: 'north', count: 1 },
      ],
    };
    expect(suggestionsOf(used, [])).toEqual(['South', 'North', 'north']);
    expect(suggestionsOf(used, ['North'])).toEqual(['South', 'north']);
    expect(suggestionsOf(undefined, ['North'])).toEqual([]);
  });

  it('maps the server’s vocabulary refusals to their fields', () => {
    expect(fieldOfPath('definition.filters.territories.1')).toBe('territories');
    expect(fieldOfPath('definition.filters.outcomes.0')).toBe('outcomes');
    expect(fieldOfPath('definition.filters.currency')).toBe('currency');
    expect(fieldOfPath('definition.filters.tiers.0')).toBe('tiers');
  });
});
