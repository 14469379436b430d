import { describe, expect, it } from 'vitest';
import type { MetricSettings } from './metrics-api.ts';
import { changeCount, draftOf, visibilityFieldOf, visibilityPatch } from './visibility-settings-model.ts';

const saved: MetricSettings = {
  defaultVisibility: 'ranks',
  visibility: { revenue_won: 'values', calls: 'none', gone_metric: 'values' },
  ramp: [50],
  activityLeaderboards: true,
  strikeWindowDays: 30,
  orderOutcomes: ['Placed an order'],
  meetingWindowDays: 14,
};
const keys = ['revenue_won', 'calls', 'visits'];

describe('peer visibility form', () => {
  it('starts from the saved settings, metrics without their own setting on "default"', () => {
    expect(draftOf(saved, keys)).toEqual({
      defaultVisibility: 'ranks',
      metrics: { revenue_won: 'values', calls: 'none', visits: 'default' },
    });
  });

  it('sends nothing when nothing changed', () => {
    const patch = visibilityPatch(saved, draftOf(saved, keys));
    expect(patch).toEqual({});
    expect(changeCount(patch)).toBe(0);
  });

  it('sends only the changed default and metrics, null for a metric put back on the default', () => {
    const draft = draftOf(saved, keys);
    draft.defaultVisibility = 'none';
    draft.metrics.calls = 'default';
    draft.metrics.visits = 'values';
    const patch = visibilityPatch(saved, draft);
    expect(patch).toEqual({ defaultVisibility: 'none', visibility: { calls: null, visits: 'values' } });
    expect(changeCount(patch)).toBe(3);
    // A metric set to exactly what the default is still gets (keeps) its own setting.
    draft.metrics.visits = 'default';
    draft.metrics.calls = 'none';
    expect(visibilityPatch(saved, draft)).toEqual({ defaultVisibility: 'none' });
  });

  it('maps server error paths to the default or to a metric', () => {
    expect(visibilityFieldOf('defaultVisibility')).toEqual({ type: 'default' });
    expect(visibilityFieldOf('body.defaultVisibility')).toEqual({ type: 'default' });
    expect(visibilityFieldOf('visibility.calls')).toEqual({ type: 'metric', key: 'calls' });
    expect(visibilityFieldOf('/visibility/calls')).toEqual({ type: 'metric', key: 'calls' });
    expect(visibilityFieldOf('ramp.0')).toBeNull();
    expect(visibilityFieldOf('')).toBeNull();
  });
});
