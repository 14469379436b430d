import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  forecastAt,
  type GoalStatus,
  goalProgress,
  type ProgressGoal,
  paceAt,
  progressShare,
  statusRank,
} from './goal-progress.ts';

const DAY = 86_400_000;
const start = Date.UTC(2026, 0, 5);
const end = start + 90 * DAY;
const visits: ProgressGoal = { mode: 'cumulative', baseline: 10, target: 90, start, end, checkpoints: [] };

describe('pace', () => {
  it('runs in a straight line from zero to the target for a cumulative goal', () => {
    expect(paceAt(visits, start)).toBe(0);
    expect(paceAt(visits, start + 45 * DAY)).toBe(45);
    expect(paceAt(visits, end)).toBe(90);
    expect(paceAt(visits, end + DAY)).toBe(90);
  });

  it('runs from the baseline for a level or manual goal', () => {
    const rate: ProgressGoal = { ...visits, mode: 'level', baseline: 20, target: 40 };
    expect(paceAt(rate, start + 45 * DAY)).toBe(30);
  });

  it('passes through the checkpoints', () => {
    const g: ProgressGoal = { ...visits, checkpoints: [{ at: start + 30 * DAY, target: 60 }] };
    expect(paceAt(g, start + 15 * DAY)).toBe(30);
    expect(paceAt(g, start + 30 * DAY)).toBe(60);
    expect(paceAt(g, start + 60 * DAY)).toBe(75);
  });
});

describe('forecast and status', () => {
  it('forecasts the run rate, plus pipeline for cumulative goals', () => {
    const now = start + 30 * DAY;
    expect(forecastAt(visits, { actual: 20, now })).toBeCloseTo(60, 9);
    expect(forecastAt(visits, { actual: 20, now, pipelineBeforeDeadline: 15 })).toBeCloseTo(75, 9);
    expect(forecastAt({ ...visits, mode: 'level', baseline: 20, target: 40 }, { actual: 25, now })).toBe(25);
  });

  it.each<[string, number, number, GoalStatus, string]>([
    ['on pace', 30, 30, 'on_track', '33% of the way with 33% of the time gone: on pace (33%).'],
    [
      'behind pace but forecast reaching the target thanks to pipeline',
      20,
      40,
      'on_track',
      'Behind pace (22% vs 33%), but the forecast reaches the target (111%).',
    ],
    [
      'a little behind',
      25,
      0,
      'at_risk',
      'Behind pace (28% vs 33%); the forecast reaches 83% of the target.',
    ],
    [
      'far behind',
      10,
      0,
      'off_track',
      'Well behind pace (11% vs 33%); the forecast reaches only 33% of the target.',
    ],
    ['reached early', 95, 0, 'achieved', 'Target reached early, with 67% of the time left.'],
  ])('is %s', (_name, actual, pipeline, status, reason) => {
    const view = goalProgress(visits, { actual, now: start + 30 * DAY, pipelineBeforeDeadline: pipeline });
    expect(view.status).toBe(status);
    expect(view.reason).toBe(reason);
  });

  it('is achieved or missed after the deadline', () => {
    expect(goalProgress(visits, { actual: 90, now: end }).status).toBe('achieved');
    const missed = goalProgress(visits, { actual: 45, now: end + DAY });
    expect(missed.status).toBe('missed');
    expect(missed.reason).toBe('The deadline passed at 50% of the way to the target.');
  });

  it('treats lower-is-better level goals by their direction', () => {
    const cycle: ProgressGoal = { ...visits, mode: 'level', baseline: 40, target: 30 };
    expect(progressShare(cycle, 35)).toBe(0.5);
    expect(goalProgress(cycle, { actual: 29, now: end }).status).toBe('achieved');
    expect(goalProgress(cycle, { actual: 41, now: end }).status).toBe('missed');
  });
});

const goalArb = fc
  .record({
    mode: fc.constantFrom<ProgressGoal['mode']>('cumulative', 'level', 'manual'),
    baseline: fc.integer({ min: 0, max: 1000 }),
    delta: fc.integer({ min: -500, max: 1000 }).filter((d) => d !== 0),
    days: fc.integer({ min: 1, max: 400 }),
    checkpoints: fc.array(
      fc.record({
        at: fc.double({ min: 0.01, max: 0.99, noNaN: true }),
        target: fc.integer({ min: 0, max: 2000 }),
      }),
      {
        maxLength: 3,
      },
    ),
  })
  .map(({ mode, baseline, delta, days, checkpoints }): ProgressGoal => {
    const target = Math.max(mode === 'cumulative' ? 1 : 0, baseline + delta);
    const goalEnd = start + days * DAY;
    return {
      mode,
      baseline,
      target: target === baseline ? baseline + 1 : target,
      start,
      end: goalEnd,
      checkpoints: checkpoints.map((c) => ({
        at: Math.round(start + c.at * (goalEnd - start)),
        target: c.target,
      })),
    };
  });

describe('properties', () => {
  it('never lowers the status when progress rises, for a fixed date', () => {
    // For each random goal, date and pipeline, sweep the actual across the whole path (a fine grid
    // of shares of the way to the target plus random ones) and check the statuses never step down.
    const grid = Array.from({ length: 171 }, (_, i) => -0.3 + i * 0.01);
    fc.assert(
      fc.property(
        goalArb,
        fc.double({ min: -0.2, max: 1.3, noNaN: true }),
        fc.array(fc.double({ min: -0.5, max: 1.6, noNaN: true }), { maxLength: 20 }),
        fc.integer({ min: 0, max: 2000 }),
        (goal, when, extra, pipeline) => {
          const now = Math.round(goal.start + when * (goal.end - goal.start));
          const from = goal.mode === 'cumulative' ? 0 : goal.baseline;
          const actuals = [...grid, ...extra]
            .map((s) => from + s * (goal.target - from))
            .sort((x, y) => progressShare(goal, x) - progressShare(goal, y));
          let previous = -1;
          for (const actual of actuals) {
            const rank =
              statusRank[goalProgress(goal, { actual, now, pipelineBeforeDeadline: pipeline }).status];
            expect(rank).toBeGreaterThanOrEqual(previous);
            previous = rank;
          }
        },
      ),
      { numRuns: 1000 },
    );
  });

  it('keeps the pace between the origin and the path’s extremes and ends at the target', () => {
    fc.assert(
      fc.property(goalArb, fc.double({ min: 0, max: 1, noNaN: true }), (goal, when) => {
        const values = [
          goal.mode === 'cumulative' ? 0 : goal.baseline,
          goal.target,
          ...goal.checkpoints.map((c) => c.target),
        ];
        const pace = paceAt(goal, goal.start + when * (goal.end - goal.start));
        expect(pace).toBeGreaterThanOrEqual(Math.min(...values) - 1e-9);
        expect(pace).toBeLessThanOrEqual(Math.max(...values) + 1e-9);
        expect(paceAt(goal, goal.end)).toBe(goal.target);
      }),
    );
  });
});
