import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { makeAccount, makeDeal } from '../../../../tests/factories/crm.ts';
import { makeWorld, PASSWORD } from '../../../../tests/factories/identity.ts';
import { as, createTestApp, signIn, type TestApp } from '../../../../tests/setup/test-app.ts';

let t: TestApp;
let w: Awaited<ReturnType<typeof makeWorld>>;
beforeAll(async () => {
  t = await createTestApp();
  w = await makeWorld(t.db, t.clock);
  const account = await makeAccount(t.db, t.clock, w.org.orgId, w.repA1.id);
  await makeDeal(t.db, t.clock, w.org.orgId, w.repA1.id, account, { stage: 'won', amountMinor: 12_345 });
  const other = await makeAccount(t.db, t.clock, w.org.orgId, w.repA2.id);
  await makeDeal(t.db, t.clock, w.org.orgId, w.repA2.id, other, { stage: 'won', amountMinor: 500 });
});
afterAll(async () => {
  await t.close();
});

describe('metrics API', () => {
  it('lists the catalog with definitions', async () => {
    const s = await signIn(t.app, w.repA1.email, PASSWORD);
    const res = (await as(t.app, s)({ method: 'GET', url: '/api/metrics/catalog' })).json();
    expect(res.items.find((m: { key: string }) => m.key === 'win_rate').definition).toContain('won');
  });

  it('gives a rep their own value for the current period, with comparisons', async () => {
    const s = await signIn(t.app, w.repA1.email, PASSWORD);
    const res = (
      await as(t.app, s)({ method: 'GET', url: '/api/metrics/values?metric=revenue_won&kind=month' })
    ).json();
    expect(res.period.key).toBe('2026-01');
    expect(res.rows).toEqual([
      {
        user: { id: w.repA1.id, name: 'Ari Rep' },
        view: 'value',
        rank: 1,
        value: 12_345,
        numerator: null,
        denominator: null,
        previous: 0,
        lastYear: 0,
        target: null,
        targetBasis: null,
      },
    ]);
  });

  it("never gives a rep a teammate's value, even when asking for their reach", async () => {
    const s = await signIn(t.app, w.repA1.email, PASSWORD);
    const res = await as(
      t.app,
      s,
    )({ method: 'GET', url: '/api/metrics/values?metric=revenue_won&scope=reach' });
    expect(res.json().rows.map((r: { user: { id: string } }) => r.user.id)).toEqual([w.repA1.id]);
    expect(res.body).not.toContain(w.repA2.id);
  });

  it('gives a manager everyone on their team', async () => {
    const s = await signIn(t.app, w.managerA.email, PASSWORD);
    const res = (
      await as(
        t.app,
        s,
      )({ method: 'GET', url: '/api/metrics/values?metric=revenue_won&scope=reach&period=2026-01' })
    ).json();
    const byUser = Object.fromEntries(
      res.rows.map((r: { user: { id: string }; value: number }) => [r.user.id, r.value]),
    );
    expect(byUser[w.repA1.id]).toBe(12_345);
    expect(byUser[w.repA2.id]).toBe(500);
    expect(byUser[w.repB1.id]).toBeUndefined();
  });

  it('answers the team grid in one request: each person once, per metric what values gives, without history', async () => {
    const keys = ['revenue_won', 'quota_attainment', 'deals_won', 'win_rate', 'visits', 'activities'];
    for (const email of [w.managerA.email, w.repA1.email]) {
      const s = await signIn(t.app, email, PASSWORD);
      const res = await as(
        t.app,
        s,
      )({
        method: 'GET',
        url: `/api/metrics/grid?metrics=${keys.join(',')}&period=2026-01&scope=reach`,
      });
      expect(res.statusCode, res.body).toBe(200);
      const grid = res.json() as {
        people: { id: string; name: string }[];
        metrics: { metric: { key: string }; cells: (Record<string, unknown> | null)[] }[];
        [k: string]: unknown;
      };
      expect(grid.metrics.map((m) => m.metric.key)).toEqual(keys);
      // Each person once.
      expect(new Set(grid.people.map((p) => p.id)).size).toBe(grid.people.length);
      let valued = 0;
      for (const item of grid.metrics) {
        const one = (
          await as(
            t.app,
            s,
          )({
            method: 'GET',
            url: `/api/metrics/values?metric=${item.metric.key}&period=2026-01&scope=reach`,
          })
        ).json();
        expect(grid.period).toEqual(one.period);
        expect(grid.previousPeriod).toEqual(one.previousPeriod);
        expect(grid.currency).toBe(one.currency);
        expect({ metric: item.metric, visibility: (item as { visibility?: string }).visibility }).toEqual({
          metric: one.metric,
          visibility: one.visibility,
        });
        expect(item.cells).toHaveLength(grid.people.length);
        // The same people, in the same order (by name), as values lists; null where values leaves one out.
        const rowOf = new Map(one.rows.map((r: { user: { id: string } }) => [r.user.id, r]));
        expect(grid.people.filter((p) => rowOf.has(p.id))).toEqual(
          one.rows.map((r: { user: unknown }) => r.user),
        );
        grid.people.forEach((person, i) => {
          const row = rowOf.get(person.id) as Record<string, unknown> | undefined;
          const cell = item.cells[i];
          if (!row) {
            expect(cell, `${email} ${item.metric.key} ${person.name}`).toBeNull();
            return;
          }
          const expected =
            row.view === 'value'
              ? {
                  view: 'value',
                  rank: row.rank,
                  value: row.value,
                  target: row.target,
                  targetBasis: row.targetBasis,
                  ...(row.numerator !== null ? { numerator: row.numerator } : {}),
                  ...(row.denominator !== null ? { denominator: row.denominator } : {}),
                }
              : { view: 'rank', rank: row.rank };
          if (row.view === 'value' && row.value !== null) valued += 1;
          expect(cell, `${email} ${item.metric.key} ${person.name}`).toEqual(expected);
        });
      }
      expect(valued, 'the grid compares real numbers').toBeGreaterThan(0);
    }
    // The rep's grid holds only the rep: no teammate's number rides along in a multi-metric answer.
    const rep = await signIn(t.app, w.repA1.email, PASSWORD);
    const mine = await as(
      t.app,
      rep,
    )({ method: 'GET', url: '/api/metrics/grid?metrics=revenue_won,visits&scope=reach' });
    expect(mine.body).not.toContain(w.repA2.id);
    // Bad input names the field and the metric.
    const bad = await as(t.app, rep)({ method: 'GET', url: '/api/metrics/grid?metrics=visits,happiness' });
    expect(bad.statusCode).toBe(400);
    expect(bad.json().error.details.fields[0].path).toBe('metrics');
    expect(bad.json().error.message).toContain('happiness');
    const none = await as(t.app, rep)({ method: 'GET', url: '/api/metrics/grid?metrics=,' });
    expect(none.statusCode).toBe(400);
  });

  it('names an unknown metric or period', async () => {
    const s = await signIn(t.app, w.repA1.email, PASSWORD);
    const bad = await as(t.app, s)({ method: 'GET', url: '/api/metrics/values?metric=happiness' });
    expect(bad.statusCode).toBe(400);
    expect(bad.json().error.details.fields[0].path).toBe('metric');
    const badPeriod = await as(
      t.app,
      s,
    )({ method: 'GET', url: '/api/metrics/values?metric=visits&period=2026-13' });
    expect(badPeriod.statusCode).toBe(400);
    expect(badPeriod.json().error.details.fields[0].path).toBe('period');
    // Years far out answered 500 once (the previous period fell off the calendar).
    for (const url of [
      '/api/metrics/values?metric=visits&period=9999-12',
      '/api/metrics/values?metric=visits&period=FY9999',
      '/api/metrics/leaderboard?metric=visits&period=9999-W52',
      '/api/metrics/org?period=FY9999-Q4',
    ]) {
      const res = await as(t.app, s)({ method: 'GET', url });
      expect(res.statusCode, url).toBeLessThan(500);
    }
  });
});
