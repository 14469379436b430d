import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { insertActivity, makeAccount, makeDeal } from '../factories/crm.ts';
import { makeUser, makeWorld, PASSWORD } from '../factories/identity.ts';
import { as, createTestApp, type Session, signIn, type TestApp } from '../setup/test-app.ts';
import { createTestDb } from '../setup/test-db.ts';

/**
 * A list page must cost the same number of queries whatever its size: no N+1. Each list is
 * measured at a small and a large size; the counts must be equal.
 */
let t: TestApp;
let w: Awaited<ReturnType<typeof makeWorld>>;
let admin: Session;
let queries = 0;

beforeAll(async () => {
  const tdb = await createTestDb(undefined, () => {
    queries += 1;
  });
  t = await createTestApp({}, tdb);
  w = await makeWorld(t.db, t.clock);
  admin = await signIn(t.app, w.org.admin.email, PASSWORD);
});
afterAll(async () => {
  await t.close();
});

async function countQueries(url: string): Promise<number> {
  // Warm the session touch and the default pipeline first so they don't count.
  await as(t.app, admin)({ method: 'GET', url });
  queries = 0;
  const res = await as(t.app, admin)({ method: 'GET', url });
  expect(res.statusCode).toBe(200);
  return queries;
}

async function grow(n: number): Promise<void> {
  for (let i = 0; i < n; i++) {
    const owner = i % 2 ? w.repA1.id : w.repB1.id;
    const account = await makeAccount(t.db, t.clock, w.org.orgId, owner);
    await makeDeal(t.db, t.clock, w.org.orgId, owner, account, { stage: i % 3 ? 'proposal' : 'prospecting' });
    await t.db.kysely
      .insertInto('contacts')
      .values({
        org_id: w.org.orgId,
        id: `c-${i}-${Math.random()}`,
        account_id: account,
        name: `C ${i}`,
        name_lower: `c ${i}`,
        title: null,
        email: null,
        phone: null,
        external_source: null,
        external_id: null,
        created_at: 1,
        updated_at: 1,
      })
      .execute();
    await insertActivity(t.db, {
      orgId: w.org.orgId,
      id: `x-${i}-${Math.random()}`,
      ownerId: owner,
      kind: 'call',
      subject: `Call ${i}`,
      occurredAt: t.clock.now() - i,
      accountId: account,
      createdAt: 1,
    });
    const rep = await makeUser(t.db, t.clock, w.org, 'rep', { teamId: w.teamA });
    await t.db.kysely
      .insertInto('targets')
      .values({
        org_id: w.org.orgId,
        id: `t-${i}-${Math.random()}`,
        subject_type: 'user',
        subject_id: rep.id,
        metric_key: 'revenue_won',
        period_kind: 'month',
        period_start: '2026-01-01',
        amount: 1000 + i,
        created_by: rep.id,
        created_at: 1,
        updated_at: 1,
      })
      .execute();
    const goalId = `g-${i}-${Math.random()}`;
    await t.db.kysely
      .insertInto('goals')
      .values({
        org_id: w.org.orgId,
        id: goalId,
        owner_kind: i % 3 ? 'user' : 'team',
        owner_user_id: i % 3 ? owner : null,
        owner_team_id: i % 3 ? null : w.teamA,
        title: `Goal ${i}`,
        description: '',
        metric_key: 'visits',
        manual_unit: null,
        done_criterion: null,
        currency: null,
        baseline: 0,
        target: 10 + i,
        start_date: '2026-01-05',
        deadline: '2026-03-31',
        status: 'draft',
        awaiting: null,
        proposed_by: null,
        agreed_at: null,
        progress_status: null,
        progress_reason: null,
        progress_checked_at: null,
        supports_kind: null,
        supports_id: null,
        created_by: owner,
        created_at: 1,
        updated_at: 1,
      })
      .execute();
    await t.db.kysely
      .insertInto('goal_checkpoints')
      .values({ org_id: w.org.orgId, id: `${goalId}-cp`, goal_id: goalId, date: '2026-02-15', target: 5 })
      .execute();
  }
}

describe('list pages make no N+1 queries', () => {
  it('costs the same number of queries for 2 rows as for 40', async () => {
    const urls = [
      '/api/crm/accounts?limit=50',
      '/api/crm/deals?limit=50',
      '/api/crm/contacts?limit=50',
      '/api/crm/activities?limit=50',
      '/api/crm/deals/board',
      '/api/users?limit=50',
      '/api/teams',
      '/api/audit?limit=50',
      '/api/targets',
      '/api/playbooks',
      '/api/metrics/custom',
      '/api/goals?limit=100',
    ];
    // KPI values and the target grid compute per person in grouped aggregates: their cost is fixed too.
    const metricUrls = [
      '/api/metrics/values?metric=revenue_won&scope=org&period=2026-01',
      '/api/metrics/values?metric=quota_attainment&scope=org&period=2026-01',
      '/api/metrics/values?metric=grown_calls&scope=org&period=2026-01',
      `/api/targets/grid?teamId=${w.teamA}&period=2026-01&metrics=revenue_won,visits`,
      '/api/metrics/org?period=2026-01&metrics=revenue_won,quota_attainment,win_rate,grown_calls',
    ];
    const created = await as(
      t.app,
      admin,
    )({
      method: 'POST',
      url: '/api/metrics/custom',
      payload: {
        key: 'grown_calls',
        name: 'Calls per visit',
        description: 'Calls ÷ visits',
        definition: { block: 'ratio', numerator: 'calls', denominator: 'visits' },
        unit: 'ratio',
        direction: 'higher',
        format: 'number',
      },
    });
    expect(created.statusCode).toBe(201);
    await grow(2);
    const small = [];
    for (const u of [...urls, ...metricUrls]) small.push(await countQueries(u));
    await grow(38);
    const large = [];
    for (const u of [...urls, ...metricUrls]) large.push(await countQueries(u));
    expect(large).toEqual(small);
    // And the numbers are small: a list page is a handful of queries.
    for (const n of large.slice(0, urls.length)) expect(n).toBeLessThanOrEqual(12);
    for (const n of large.slice(urls.length)) expect(n).toBeLessThanOrEqual(24);
  });
});
