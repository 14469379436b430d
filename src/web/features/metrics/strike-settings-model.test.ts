import { describe, expect, it } from 'vitest';
import { cleanOutcomes, strikeDraftOf, strikeErrorsOf, strikePatch } from './strike-settings-model.ts';

const saved = { strikeWindowDays: 30, orderOutcomes: ['Placed an order'] };

describe('strike-rate settings form model', () => {
  it('sends nothing when nothing changed', () => {
    expect(strikePatch(saved, strikeDraftOf(saved))).toEqual({ patch: {}, errors: {} });
    // Re-typed with spaces and another case of an existing outcome: still nothing.
    expect(
      strikePatch(saved, { windowDays: 30, orderOutcomes: [' Placed an order ', 'placed AN order'] }),
    ).toEqual({
      patch: {},
      errors: {},
    });
  });

  it('sends only what changed', () => {
    expect(strikePatch(saved, { windowDays: 14, orderOutcomes: ['Placed an order'] }).patch).toEqual({
      strikeWindowDays: 14,
    });
    expect(
      strikePatch(saved, { windowDays: 30, orderOutcomes: ['Placed an order', 'Signed'] }).patch,
    ).toEqual({
      orderOutcomes: ['Placed an order', 'Signed'],
    });
    expect(strikePatch(saved, { windowDays: 30, orderOutcomes: [] }).patch).toEqual({ orderOutcomes: [] });
  });

  it('refuses a window that is empty, fractional or out of 1–365 without sending anything', () => {
    for (const windowDays of ['', 0, 366, 2.5]) {
      const r = strikePatch(saved, { windowDays, orderOutcomes: ['Other'] });
      expect(r.patch).toEqual({});
      expect(r.errors.strikeWindowDays).toMatch(/1 to 365/);
    }
  });

  it('cleans outcomes like the server: trimmed, no blanks, no case repeats, first spelling kept', () => {
    expect(cleanOutcomes(['  A ', '', 'a', 'B', ' b'])).toEqual(['A', 'B']);
  });

  it('puts server errors under their fields, naming the outcome', () => {
    expect(
      strikeErrorsOf([{ path: 'orderOutcomes.1', message: 'too long' }], { orderOutcomes: ['A', 'Bee'] }),
    ).toEqual({ orderOutcomes: 'Order outcome 2 (“Bee”): too long' });
    expect(strikeErrorsOf([{ path: 'body.strikeWindowDays', message: 'too big' }], {})).toEqual({
      strikeWindowDays: 'Too big',
    });
    expect(strikeErrorsOf([{ path: 'visibility.x', message: 'no' }], {})).toBeNull();
  });
});
