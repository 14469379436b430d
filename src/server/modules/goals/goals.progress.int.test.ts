import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { insertActivity, makeAccount, makeDeal } from '../../../../tests/factories/crm.ts';
import {
  makeOrg,
  makeTeam,
  makeUser,
  type OrgFixture,
  type UserFixture,
} from '../../../../tests/factories/identity.ts';
import { createTestApp, type TestApp } from '../../../../tests/setup/test-app.ts';
import { startOfDayInZone } from '../../../shared/time.ts';
import type { Clock } from '../../lib/clock.ts';
import { newId } from '../../lib/ids.ts';
import { computeProgress, type GoalShape } from './goals.progress.ts';
import { loadOrgContext } from './goals.service.ts';

/**
 * Property: a goal's progress equals the metric computed by hand from the raw rows, for random
 * histories of activities and deals, for a person and for a team, at a random moment.
 */
let t: TestApp;
let org: OrgFixture;
const DAY = 86_400_000;
const ZONE = 'America/Chicago';
const START = '2026-01-05';
const DEADLINE = '2026-03-31';
const windowStart = startOfDayInZone(START, ZONE);
const windowEnd = startOfDayInZone('2026-04-01', ZONE);

type Event =
  | { type: 'activity'; kind: 'visit' | 'call' | 'meeting'; owner: number; at: number }
  | { type: 'deal'; status: 'won' | 'lost' | 'open'; owner: number; at: number; amount: number };

// Anywhere around the window, with extra weight on both edges where off-by-one mistakes live.
const at = fc.oneof(
  fc.integer({ min: windowStart - 20 * DAY, max: windowEnd + 10 * DAY }),
  fc.integer({ min: windowStart - 2 * DAY, max: windowStart + 2 * DAY }),
  fc.integer({ min: windowEnd - 2 * DAY, max: windowEnd + 2 * DAY }),
);
const owner = fc.integer({ min: 0, max: 2 });
const eventArb: fc.Arbitrary<Event> = fc.oneof(
  fc.record({
    type: fc.constant('activity' as const),
    kind: fc.constantFrom('visit' as const, 'call' as const, 'meeting' as const),
    owner,
    at,
  }),
  fc.record({
    type: fc.constant('deal' as const),
    status: fc.constantFrom('won' as const, 'lost' as const, 'open' as const),
    owner,
    at,
    amount: fc.integer({ min: 1, max: 5_000_000 }),
  }),
);

beforeAll(async () => {
  t = await createTestApp();
  org = await makeOrg(t.db, t.clock);
});
afterAll(async () => {
  await t.close();
});

function goal(
  kind: 'user' | 'team',
  ownerId: string,
  metricKey: string,
  target: number,
): GoalShape & { id: string } {
  return {
    id: newId(),
    owner_kind: kind,
    owner_user_id: kind === 'user' ? ownerId : null,
    owner_team_id: kind === 'team' ? ownerId : null,
    metric_key: metricKey,
    baseline: 1,
    target,
    start_date: START,
    deadline: DEADLINE,
    currency: 'USD',
  };
}

describe('progress from data', () => {
  it('equals the metric computed by hand from random activity and deal histories', async () => {
    const orgCtx = await loadOrgContext(t.db.kysely, org.orgId);
    await fc.assert(
      fc.asyncProperty(
        fc.array(eventArb, { maxLength: 25 }),
        fc.oneof(
          fc.integer({ min: windowStart - 2 * DAY, max: windowEnd + 5 * DAY }),
          fc.integer({ min: windowEnd, max: windowEnd + 5 * DAY }),
        ),
        async (events, now) => {
          // Fresh people per run: a team of three reps, one of whom owns the rep goals.
          const team = await makeTeam(t.db, t.clock, org);
          const reps: UserFixture[] = [];
          for (let i = 0; i < 3; i++) reps.push(await makeUser(t.db, t.clock, org, 'rep', { teamId: team }));
          const account = await makeAccount(t.db, t.clock, org.orgId, reps[0]!.id);
          for (const e of events) {
            const ownerId = reps[e.owner]!.id;
            if (e.type === 'activity')
              await insertActivity(t.db, {
                orgId: org.orgId,
                ownerId,
                kind: e.kind,
                occurredAt: e.at,
                verified: null,
              });
            else {
              const clockAt: Clock = { now: () => e.at };
              await makeDeal(t.db, clockAt, org.orgId, ownerId, account, {
                amountMinor: e.amount,
                stage: e.status === 'open' ? 'proposal' : e.status,
              });
            }
          }
          const to = Math.min(now, windowEnd);
          const inWindow = (x: number) => x >= windowStart && x < to;
          const mine = (e: Event, all: boolean) => all || e.owner === 0;
          for (const all of [false, true]) {
            const g = (key: string, target: number) =>
              all ? goal('team', team, key, target) : goal('user', reps[0]!.id, key, target);
            const picked = events.filter((e) => mine(e, all) && inWindow(e.at));
            const visits = picked.filter((e) => e.type === 'activity' && e.kind === 'visit').length;
            const revenue = picked
              .filter((e) => e.type === 'deal' && e.status === 'won')
              .reduce((s, e) => s + (e.type === 'deal' ? e.amount : 0), 0);
            const won = picked.filter((e) => e.type === 'deal' && e.status === 'won').length;
            const lost = picked.filter((e) => e.type === 'deal' && e.status === 'lost').length;
            const started = now > windowStart;

            const v = await computeProgress(t.db.kysely, orgCtx, g('visits', 50), [], now);
            expect(v.view.actual).toBe(started ? visits : 0);
            const r = await computeProgress(t.db.kysely, orgCtx, g('revenue_won', 10_000_000), [], now);
            expect(r.view.actual).toBe(started ? revenue : 0);
            const w = await computeProgress(t.db.kysely, orgCtx, g('win_rate', 60), [], now);
            // A rate with nothing closed yet stands at the baseline.
            expect(w.view.actual).toBeCloseTo(started && won + lost > 0 ? (won / (won + lost)) * 100 : 1, 9);
          }
        },
      ),
      { numRuns: 15 },
    );
  });
});
