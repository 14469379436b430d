import { describe, expect, it } from 'vitest';
import { outreachErrorOf, outreachPatch, WINDOW_ERROR } from './outreach-settings-model.ts';

const saved = { meetingWindowDays: 14 };

describe('meeting-window form', () => {
  it('sends only a changed whole number of days from 1 to 365', () => {
    expect(outreachPatch(saved, 14)).toEqual({ patch: {}, error: null });
    expect(outreachPatch(saved, 7)).toEqual({ patch: { meetingWindowDays: 7 }, error: null });
    expect(outreachPatch(saved, 1)).toEqual({ patch: { meetingWindowDays: 1 }, error: null });
    expect(outreachPatch(saved, 365)).toEqual({ patch: { meetingWindowDays: 365 }, error: null });
  });

  it('refuses an empty, out-of-range or fractional window without a patch', () => {
    for (const bad of ['', 0, 366, 2.5, -3])
      expect(outreachPatch(saved, bad), String(bad)).toEqual({ patch: {}, error: WINDOW_ERROR });
  });

  it('puts the server’s error for the window under the field, and nothing else', () => {
    expect(
      outreachErrorOf([
        { path: '/body/meetingWindowDays', message: 'number must be less than or equal to 365' },
      ]),
    ).toBe('Number must be less than or equal to 365');
    expect(outreachErrorOf([{ path: 'meetingWindowDays', message: '' }])).toBe(WINDOW_ERROR);
    expect(outreachErrorOf([{ path: 'ramp.0', message: 'too big' }])).toBeNull();
    expect(outreachErrorOf([])).toBeNull();
  });
});
