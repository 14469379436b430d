import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { makeAccount, makeDeal } from '../../../../tests/factories/crm.ts';
import { makeWorld, PASSWORD } from '../../../../tests/factories/identity.ts';
import { createPrefetchPair, type PlainApp } from '../../../../tests/setup/prefetch-pair.ts';
import { type Session, signIn, type TestApp } from '../../../../tests/setup/test-app.ts';
import { testEngine } from '../../../../tests/setup/test-db.ts';
import { hashSecret } from '../../lib/secrets.ts';
import type { Actor } from '../../policy/policy.ts';
import { loadReach, reachFromRows } from '../../policy/reach.ts';
import { findSessionWithMembershipAnd } from '../identity/auth.repository.ts';
import { kpiPrefetch, readOrgForMetrics } from './metrics.service.ts';

/**
 * PostgreSQL: KPI routes have the actor's reach and the org's row come with the session statement
 * (`kpiPrefetch`). Checked against the same app without it on the same database: the same answers,
 * fewer statements, and nothing of a session that is over.
 */
const KPIS = 'revenue_won,quota_attainment,deals_won,win_rate,visits,activities';
/** Each KPI route with the statements it saves: reach and org (kpiPrefetch), or the reach alone. */
const ROUTES: [url: string, saved: number][] = [
  [`/api/metrics/grid?metrics=${KPIS}&period=2026-01&kind=month&scope=reach`, 2],
  ['/api/metrics/values?metric=revenue_won&period=2026-01&scope=reach', 2],
  ['/api/metrics/leaderboard?metric=deals_won&period=2026-01&scope=org', 2],
  ['/api/metrics/org?period=2026-01', 1],
  ['/api/metrics/trend?metric=revenue_won&period=2026-01&count=3', 1],
];

describe.runIf(testEngine() === 'postgres')(
  'KPI routes on PostgreSQL: reach and org with the session',
  () => {
    let pair: Awaited<ReturnType<typeof createPrefetchPair>>;
    let t: TestApp;
    let plain: PlainApp;
    let w: Awaited<ReturnType<typeof makeWorld>>;
    const sessions: Record<string, Session> = {};

    beforeAll(async () => {
      pair = await createPrefetchPair();
      ({ t, plain } = pair);
      w = await makeWorld(t.db, t.clock);
      const account = await makeAccount(t.db, t.clock, w.org.orgId, w.repA1.id);
      await makeDeal(t.db, t.clock, w.org.orgId, w.repA1.id, account, { stage: 'won', amountMinor: 12_345 });
      await makeDeal(t.db, t.clock, w.org.orgId, w.repB1.id, account, { stage: 'won', amountMinor: 900 });
      for (const [name, email] of [
        ['admin', w.org.admin.email],
        ['director', w.director.email],
        ['managerA', w.managerA.email],
        ['repA1', w.repA1.email],
      ] as const) {
        sessions[name] = await signIn(t.app, email, PASSWORD);
      }
      // A custom metric and a published playbook target: the org's row carries both as JSON.
      const admin = sessions.admin!;
      const headers = { cookie: admin.cookie, 'x-csrf-token': admin.csrfToken };
      const custom = await t.app.inject({
        method: 'POST',
        url: '/api/metrics/custom',
        headers,
        payload: {
          key: 'big_wins',
          name: 'Big wins',
          description: 'Won deals',
          definition: { block: 'deal_count', deals: 'won' },
          unit: 'count',
          direction: 'higher',
          format: 'count',
        },
      });
      expect(custom.statusCode, custom.body).toBe(201);
      const playbook = await t.app.inject({
        method: 'POST',
        url: '/api/playbooks',
        headers,
        payload: {
          name: 'Field rep',
          scope: { type: 'role', role: 'rep' },
          document: {
            summary: 'What a field rep owns.',
            responsibilities: ['Visit every A account monthly'],
            targets: [{ metric: 'revenue_won', periodKind: 'month', amount: 50_000 }],
            metrics: [{ metric: 'revenue_won', note: '' }],
          },
        },
      });
      expect(playbook.statusCode, playbook.body).toBe(201);
      const published = await t.app.inject({
        method: 'POST',
        url: `/api/playbooks/${playbook.json().id}/publish`,
        headers,
      });
      expect(published.statusCode, published.body).toBe(200);
    });
    afterAll(async () => {
      await pair?.close();
    });

    /** One GET as the session, with the statements it ran. */
    const get: (typeof pair)['get'] = (...args) => pair.get(...args);

    it('answers every KPI route exactly as without it, in the statements it saves fewer', async () => {
      const routes: [string, number][] = [
        ...ROUTES,
        [`/api/metrics/records?metric=revenue_won&period=2026-01&user=${w.repA1.id}`, 1],
      ];
      let answered = 0;
      for (const name of ['admin', 'director', 'managerA', 'repA1']) {
        for (const [url, saved] of routes) {
          const session = sessions[name]!;
          const without = await get(plain, session, url);
          const withIt = await get(t.app, session, url);
          expect(withIt.status, `${name} ${url}: ${withIt.body}`).toBe(without.status);
          expect(JSON.parse(withIt.body), `${name} ${url}`).toEqual(JSON.parse(without.body));
          if (without.status !== 200) continue;
          answered++;
          expect(withIt.ran.length, `${name} ${url}`).toBe(without.ran.length - saved);
          // The reach (a recursive descent of the org chart) is read once: in the session statement.
          const recursive = withIt.ran.filter((s) => s.includes('with recursive "managed"'));
          expect(recursive, `${name} ${url}`).toHaveLength(1);
          expect(recursive[0]).toContain('"sessions" as "s"');
          if (saved === 2) expect(withIt.ran.filter((s) => s.includes('"orgs" as "o"'))).toEqual(recursive);
        }
      }
      // Every route answered someone (a rep's org view is refused alike with and without).
      expect(answered).toBeGreaterThanOrEqual(routes.length * 3);
      const grid = await get(t.app, sessions.director!, ROUTES[0]![0]);
      expect(grid.body).toContain(w.repB1.id);
    });

    it("computes the actor's reach and the org's row exactly as the reads do", async () => {
      for (const name of ['admin', 'director', 'managerA', 'repA1']) {
        const session = sessions[name]!;
        const token = decodeURIComponent(session.cookie.slice(session.cookie.indexOf('=') + 1));
        const row = await findSessionWithMembershipAnd(
          t.db.kysely,
          hashSecret(t.config.sessionSecret, token),
          kpiPrefetch,
        );
        expect(row?.user_id).toBe(session.userId);
        const actor: Actor = {
          userId: row!.user_id,
          orgId: row!.org_id,
          role: row!.role,
          sessionId: row!.id,
          tokenId: null,
          requestId: 'test',
        };
        expect(reachFromRows(row!.prefetched.reach, actor)).toEqual(await loadReach(t.db.kysely, actor));
        const org = await readOrgForMetrics(t.db.kysely, actor.orgId);
        expect(row!.prefetched.org).toEqual(org);
        expect(org?.custom_metrics?.map((m) => m.key)).toEqual(['big_wins']);
        expect(org?.playbook_targets?.map((p) => p.metric_key)).toEqual(['revenue_won']);
      }
    });

    it('does the same for API tokens, and keeps nothing of a revoked one', async () => {
      const director = sessions.director!;
      const created = await t.app.inject({
        method: 'POST',
        url: '/api/me/tokens',
        headers: { cookie: director.cookie, 'x-csrf-token': director.csrfToken },
        payload: { name: 'BI export' },
      });
      expect(created.statusCode, created.body).toBe(201);
      const bearer = { bearer: created.json().secret as string };
      for (const [url, saved] of ROUTES) {
        await get(t.app, bearer, url); // the token's first use is written (last used)
        const without = await get(plain, bearer, url);
        const withIt = await get(t.app, bearer, url);
        expect(withIt.status, `${url}: ${withIt.body}`).toBe(200);
        expect(JSON.parse(withIt.body), url).toEqual(JSON.parse(without.body));
        expect(withIt.ran.length, url).toBe(without.ran.length - saved);
        expect(withIt.ran.filter((s) => s.includes('with recursive "managed"'))[0]).toContain(
          '"api_tokens" as "t"',
        );
      }
      const revoked = await t.app.inject({
        method: 'DELETE',
        url: `/api/me/tokens/${created.json().token.id}`,
        headers: { cookie: director.cookie, 'x-csrf-token': director.csrfToken },
      });
      expect(revoked.statusCode).toBe(204);
      const refused = await get(t.app, bearer, ROUTES[0]![0]);
      expect(refused.status).toBe(401);
      expect(refused.body).not.toContain(w.repB1.id);
    });

    it('keeps nothing of a session that is over: a deactivated member and an idle session answer 401', async () => {
      const gridUrl = ROUTES[0]![0];
      const rep = await signIn(t.app, w.repA2.email, PASSWORD);
      expect((await get(t.app, rep, gridUrl)).status).toBe(200);
      await t.db.kysely
        .updateTable('memberships')
        .set({ active: 0 })
        .where('org_id', '=', w.org.orgId)
        .where('user_id', '=', w.repA2.id)
        .execute();
      const deactivated = await get(t.app, rep, gridUrl);
      expect(deactivated.status).toBe(401);
      expect(deactivated.body).not.toContain(w.repA2.id);

      // Due a touch (over a minute since last seen): still answered, the same as without, and touched.
      const director = sessions.director!;
      t.clock.advance(2 * 60_000);
      const touched = await get(t.app, director, gridUrl);
      expect(touched.status).toBe(200);
      expect(touched.ran.some((s) => s.startsWith('update "sessions"'))).toBe(true);
      expect(JSON.parse(touched.body)).toEqual(JSON.parse((await get(plain, director, gridUrl)).body));

      // Idle past the limit: 401, and the session is gone.
      t.clock.advance(t.config.sessionIdleMs + 1);
      const idle = await get(t.app, director, gridUrl);
      expect(idle.status).toBe(401);
      expect(idle.ran.some((s) => s.startsWith('delete from "sessions"'))).toBe(true);
      expect((await get(plain, director, gridUrl)).status).toBe(401);
    });
  },
);
