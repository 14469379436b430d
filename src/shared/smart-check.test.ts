import { describe, expect, it } from 'vitest';
import {
  type SmartContext,
  type SmartDraft,
  type SmartLetter,
  smartCheck,
  type Verdict,
} from './smart-check.ts';

// A good goal and its context; each case changes a little of one or the other.
const draft: SmartDraft = {
  title: 'Log 60 visits to A-tier accounts in the North territory',
  ownerKind: 'user',
  metricKey: 'visits',
  manualUnit: null,
  doneCriterion: null,
  baseline: 40,
  target: 60,
  startDate: '2026-01-05',
  deadline: '2026-03-31', // 86 days
  checkpoints: [{ date: '2026-02-15', target: 30 }],
  supports: { kind: 'objective', id: 'obj-1' },
};
// Scaled to 86 days (× 86/30): 51.6, 57.33, 63.07, 71.67, 54.47, 60.2 → p90 67.37, best 71.67.
const ctx: SmartContext = {
  today: '2026-01-05',
  horizonDays: 365,
  achievableFactor: 1.5,
  currency: 'USD',
  history: { periodDays: 30, values: [18, 20, 22, 25, 19, 21] },
  teamHistory: { periodDays: 30, values: [10, 30, 40] },
  revenue: null,
  link: { title: 'Grow the North', active: true },
};

const revenueDraft: Partial<SmartDraft> = {
  title: 'Win USD 30,000 of new business in the North territory',
  metricKey: 'revenue_won',
  baseline: 0,
  target: 3_000_000,
  startDate: '2026-01-05',
  deadline: '2026-02-03', // 30 days
  checkpoints: [],
};
const revenueHistory: Partial<SmartContext> = {
  history: { periodDays: 30, values: [2_000_000, 2_500_000, 3_500_000, 3_000_000] },
};

const manual: Partial<SmartDraft> = {
  title: 'Complete the negotiation certification course',
  metricKey: null,
  manualUnit: 'modules',
  doneCriterion: 'the certificate is uploaded',
  baseline: 0,
  target: 6,
};

type Case = [string, Partial<SmartDraft>, Partial<SmartContext>, SmartLetter, Verdict, string];

const cases: Case[] = [
  // ---- Specific --------------------------------------------------------------------------------
  ['a good title passes', {}, {}, 'S', 'pass', 'Says what (Visits) and for whom (its owner).'],
  [
    'a team goal names the team',
    { ownerKind: 'team' },
    {},
    'S',
    'pass',
    'Says what (Visits) and for whom (the team).',
  ],
  [
    'a manual outcome counts as what',
    manual,
    {},
    'S',
    'pass',
    'Says what (modules) and for whom (its owner).',
  ],
  [
    'an empty title fails',
    { title: '   ' },
    {},
    'S',
    'fail',
    'Give the goal a title that says what will be achieved and for whom.',
  ],
  [
    '"Do better" fails as vague',
    { title: 'Do better' },
    {},
    'S',
    'fail',
    '"Do better" is too vague on its own: say what will change and by how much, e.g. "Win 12 new accounts in the North territory".',
  ],
  [
    '"Improve sales" fails as vague',
    { title: 'Improve sales' },
    {},
    'S',
    'fail',
    '"Improve sales" is too vague on its own: say what will change and by how much, e.g. "Win 12 new accounts in the North territory".',
  ],
  [
    'vague words with stop words still fail',
    { title: 'Try to get my numbers up!' },
    {},
    'S',
    'fail',
    '"Try to get my numbers up!" is too vague on its own: say what will change and by how much, e.g. "Win 12 new accounts in the North territory".',
  ],
  [
    'a title without a metric or outcome warns',
    { title: 'Visit every A-tier account twice', metricKey: null },
    {},
    'S',
    'warn',
    'The goal names no metric or concrete outcome: pick a catalog metric or describe the outcome as a manual measure.',
  ],
  [
    'a short title warns',
    { title: 'More visits' },
    {},
    'S',
    'warn',
    '"More visits" is short: add what, where or for whom, e.g. "Win 12 new accounts in the North territory".',
  ],
  // ---- Measurable ------------------------------------------------------------------------------
  ['a metric and target pass', {}, {}, 'M', 'pass', 'Measured by Visits: from 40 visits to 60 visits.'],
  [
    'money is shown in major units with the currency',
    revenueDraft,
    {},
    'M',
    'pass',
    'Measured by Revenue won: from USD 0.00 to USD 30,000.00.',
  ],
  [
    'a manual measure with a done-criterion passes',
    manual,
    {},
    'M',
    'pass',
    'Measured by hand in modules: from 0 modules to 6 modules, done when the certificate is uploaded.',
  ],
  [
    'no metric and no manual measure fails',
    { metricKey: null },
    {},
    'M',
    'fail',
    'Choose a catalog metric, or a manual measure with a unit and a done-criterion, so progress can be measured.',
  ],
  [
    'an unknown metric fails',
    { metricKey: 'happiness' },
    {},
    'M',
    'fail',
    '"happiness" is not a metric of the catalog: pick one from the list.',
  ],
  [
    'a manual measure without a done-criterion fails',
    { ...manual, doneCriterion: ' ' },
    {},
    'M',
    'fail',
    'Say what "done" looks like for the manual measure (modules): add a done-criterion.',
  ],
  [
    'a missing target fails',
    { target: null },
    {},
    'M',
    'fail',
    'Set a numeric target so progress can be measured against it.',
  ],
  [
    'a missing baseline fails',
    { baseline: null },
    {},
    'M',
    'fail',
    'Set the baseline (where the owner starts) so progress has a starting point.',
  ],
  [
    'a target equal to the baseline fails',
    { target: 40 },
    {},
    'M',
    'fail',
    'The target equals the baseline (40 visits): set a target that differs from where the owner starts.',
  ],
  [
    'a percentage above 100 fails',
    { metricKey: 'win_rate', baseline: 30, target: 120 },
    {},
    'M',
    'fail',
    'Win rate is a percentage: set a target between 0 and 100.',
  ],
  ['a negative target fails', { baseline: 5, target: -3 }, {}, 'M', 'fail', 'Set a target of zero or more.'],
  [
    'a rate moving the wrong way warns',
    { metricKey: 'win_rate', baseline: 30, target: 25 },
    {},
    'M',
    'warn',
    'Win rate is better when higher, but the target (25%) is below the baseline (30%): check the direction.',
  ],
  [
    'a cycle length moving up warns',
    { metricKey: 'sales_cycle_days', baseline: 30, target: 40 },
    {},
    'M',
    'warn',
    'Sales cycle length is better when lower, but the target (40 days) is above the baseline (30 days): check the direction.',
  ],
  // ---- Achievable ------------------------------------------------------------------------------
  [
    'a target within history passes',
    {},
    {},
    'A',
    'pass',
    "The target (60 visits) is within the owner's past results (90th percentile 67.37 visits for 86 days).",
  ],
  [
    'above the 90th percentile warns',
    { target: 70 },
    {},
    'A',
    'warn',
    "The target (70 visits) is beyond the owner's 90th percentile (67.37 visits for 86 days): a stretch, so check it is realistic.",
  ],
  [
    'beyond the best ever × factor fails',
    { target: 110 },
    {},
    'A',
    'fail',
    "The target (110 visits) is more than 1.5× beyond the owner's best ever (71.67 visits for 86 days): make it smaller or split it into steps.",
  ],
  [
    'the factor is configurable',
    { target: 80 },
    { achievableFactor: 1.1 },
    'A',
    'fail',
    "The target (80 visits) is more than 1.1× beyond the owner's best ever (71.67 visits for 86 days): make it smaller or split it into steps.",
  ],
  [
    'no own history falls back to the team and says so',
    { target: 60 },
    { history: null },
    'A',
    'pass',
    "There is no history of the owner for this metric yet, so this compares with the team: The target (60 visits) is within the team's past results (90th percentile 108.93 visits for 86 days).",
  ],
  [
    'the team fallback can warn too',
    { target: 110 },
    { history: { periodDays: 30, values: [] } },
    'A',
    'warn',
    "There is no history of the owner for this metric yet, so this compares with the team: The target (110 visits) is beyond the team's 90th percentile (108.93 visits for 86 days): a stretch, so check it is realistic.",
  ],
  [
    'the team fallback can fail',
    { target: 200 },
    { history: null },
    'A',
    'fail',
    "There is no history of the owner for this metric yet, so this compares with the team: The target (200 visits) is more than 1.5× beyond the team's best ever (114.67 visits for 86 days): make it smaller or split it into steps.",
  ],
  [
    'no history at all warns',
    {},
    { history: null, teamHistory: null },
    'A',
    'warn',
    "There is no history for Visits yet, neither the owner's nor the team's: agree the target with the manager.",
  ],
  [
    'rates are not scaled by the goal length',
    { metricKey: 'win_rate', baseline: 30, target: 45 },
    { history: { periodDays: 30, values: [30, 35, 40] } },
    'A',
    'warn',
    "The target (45%) is beyond the owner's 90th percentile (39%): a stretch, so check it is realistic.",
  ],
  [
    'for lower-is-better metrics a much lower target fails',
    { metricKey: 'sales_cycle_days', baseline: 30, target: 10 },
    { history: { periodDays: 30, values: [30, 25, 20] } },
    'A',
    'fail',
    "The target (10 days) is more than 1.5× beyond the owner's best ever (20 days): make it smaller or split it into steps.",
  ],
  [
    'revenue with thin weighted pipeline warns on coverage',
    revenueDraft,
    { ...revenueHistory, revenue: { weightedPipelineMinor: 4_500_000, winRate: 0.25 } },
    'A',
    'warn',
    'Weighted open pipeline closing before the deadline (USD 45,000.00) covers the target 1.5×, below the 4× a win rate of 25% needs: add pipeline or lower the target.',
  ],
  [
    'revenue with enough pipeline passes',
    revenueDraft,
    { ...revenueHistory, revenue: { weightedPipelineMinor: 12_000_000, winRate: 0.25 } },
    'A',
    'pass',
    "The target (USD 30,000.00) is within the owner's past results (90th percentile USD 33,500.00 for 30 days).",
  ],
  [
    'a manual measure passes with advice',
    manual,
    {},
    'A',
    'pass',
    'A manual measure has no data history: agree together that it is within reach.',
  ],
  [
    'no metric yet warns',
    { metricKey: null },
    {},
    'A',
    'warn',
    'Choose a metric and a target first: achievability is judged against past results.',
  ],
  [
    'no dates yet warns',
    { deadline: null },
    {},
    'A',
    'warn',
    'Set the start and the deadline first: the target is compared with past results of the same length.',
  ],
  // ---- Relevant --------------------------------------------------------------------------------
  ['a linked objective passes', {}, {}, 'R', 'pass', 'It supports the org objective "Grow the North".'],
  [
    'a linked team goal passes',
    { supports: { kind: 'goal', id: 'g-1' } },
    { link: { title: 'North team: 600 visits', active: true } },
    'R',
    'pass',
    'It supports the team goal "North team: 600 visits".',
  ],
  [
    'no link warns',
    { supports: null },
    {},
    'R',
    'warn',
    'The goal is not linked to anything: link it to a team goal, a playbook target or an org objective so it is clear why it matters.',
  ],
  [
    'an inactive link warns',
    {},
    { link: { title: 'Old push', active: false } },
    'R',
    'warn',
    'It supports the org objective "Old push", which is no longer active: link a current one.',
  ],
  [
    'a link that was not found fails',
    { supports: { kind: 'goal', id: 'nope' } },
    { link: null },
    'R',
    'fail',
    'The team goal it supports was not found: link an existing one.',
  ],
  [
    'a playbook target that was not found fails',
    { supports: { kind: 'playbook_target', id: 'nope' } },
    { link: null },
    'R',
    'fail',
    'The playbook target it supports was not found: link an existing one.',
  ],
  // ---- Time-bound ------------------------------------------------------------------------------
  [
    'a dated goal with a checkpoint passes',
    {},
    {},
    'T',
    'pass',
    'Runs 86 days, from 2026-01-05 to 2026-03-31, with 1 checkpoint.',
  ],
  [
    'a month-long goal needs no checkpoint',
    { deadline: '2026-02-04', checkpoints: [] },
    {},
    'T',
    'pass',
    'Runs 31 days, from 2026-01-05 to 2026-02-04, with no checkpoint needed.',
  ],
  [
    'no deadline fails',
    { deadline: null },
    {},
    'T',
    'fail',
    'Set a deadline (a date) so the goal is time-bound.',
  ],
  [
    'an impossible date fails',
    { deadline: '2026-02-30' },
    {},
    'T',
    'fail',
    'Set a deadline (a date) so the goal is time-bound.',
  ],
  [
    'no start fails',
    { startDate: null },
    {},
    'T',
    'fail',
    'Set a start date so progress can be measured from it.',
  ],
  [
    'a deadline before the start fails',
    { startDate: '2026-02-01', deadline: '2026-01-20' },
    {},
    'T',
    'fail',
    'The deadline (2026-01-20) is before the start (2026-02-01): move it after the start.',
  ],
  [
    'a deadline today fails',
    { startDate: '2025-12-01', deadline: '2026-01-05' },
    {},
    'T',
    'fail',
    'The deadline (2026-01-05) is not in the future: pick a date after 2026-01-05.',
  ],
  [
    'a deadline beyond the horizon fails',
    { deadline: '2026-08-01' },
    { horizonDays: 180 },
    'T',
    'fail',
    "The deadline (2026-08-01) is beyond the org's goal horizon of 180 days (2026-07-04): pick an earlier date or split the goal.",
  ],
  [
    'a long goal without a checkpoint fails',
    { checkpoints: [] },
    {},
    'T',
    'fail',
    'The goal runs 86 days with no checkpoint: add at least one intermediate target so progress can be checked along the way.',
  ],
  [
    'a checkpoint outside the dates fails',
    { checkpoints: [{ date: '2026-04-10', target: 50 }] },
    {},
    'T',
    'fail',
    'The checkpoint on 2026-04-10 is not between the start (2026-01-05) and the deadline (2026-03-31): move it inside.',
  ],
  [
    'a deadline days away warns',
    { startDate: '2026-01-01', deadline: '2026-01-08', checkpoints: [] },
    {},
    'T',
    'warn',
    'Only 3 days remain until the deadline (2026-01-08): make sure that is enough time.',
  ],
  [
    'a deadline tomorrow warns in the singular',
    { startDate: '2026-01-01', deadline: '2026-01-06', checkpoints: [] },
    {},
    'T',
    'warn',
    'Only 1 day remains until the deadline (2026-01-06): make sure that is enough time.',
  ],
];

describe('SMART check', () => {
  it.each(cases)('%s', (_name, draftPatch, ctxPatch, letter, verdict, message) => {
    const result = smartCheck({ ...draft, ...draftPatch }, { ...ctx, ...ctxPatch });
    const item = result.items.find((i) => i.letter === letter);
    expect(item).toEqual({ letter, verdict, message });
  });

  it('covers every verdict of every letter with at least 40 cases', () => {
    expect(cases.length).toBeGreaterThanOrEqual(40);
    for (const letter of ['S', 'M', 'A', 'R', 'T'] as const)
      for (const verdict of ['pass', 'warn', 'fail'] as const)
        expect(
          cases.some((c) => c[3] === letter && c[4] === verdict),
          `${letter} ${verdict}`,
        ).toBe(true);
  });

  it('answers the letters in S, M, A, R, T order and blocks only on a failure', () => {
    const good = smartCheck(draft, ctx);
    expect(good.items.map((i) => i.letter)).toEqual(['S', 'M', 'A', 'R', 'T']);
    expect(good.blocking).toBe(false);
    const warned = smartCheck({ ...draft, supports: null }, ctx);
    expect(warned.blocking).toBe(false);
    expect(smartCheck({ ...draft, title: 'Do better' }, ctx).blocking).toBe(true);
  });

  it('gives the same answer for the same input (deterministic)', () => {
    expect(smartCheck(draft, ctx)).toEqual(smartCheck(structuredClone(draft), structuredClone(ctx)));
  });
});
