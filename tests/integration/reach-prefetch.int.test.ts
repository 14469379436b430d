import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { makeAccount, makeDeal } from '../factories/crm.ts';
import { makeWorld, PASSWORD } from '../factories/identity.ts';
import { createPrefetchPair, type PlainApp } from '../setup/prefetch-pair.ts';
import { type Session, signIn, type TestApp } from '../setup/test-app.ts';
import { testEngine } from '../setup/test-db.ts';

/**
 * Routes that read the actor's reach have it come with the session on PostgreSQL (`reachPrefetch`,
 * decision 004): the same answers as the same app without prefetching, one statement fewer.
 */
const modules = join(import.meta.dirname, '../../src/server/modules');

function routeFiles(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((e) =>
    e.isDirectory()
      ? routeFiles(join(dir, e.name))
      : e.name.endsWith('.routes.ts')
        ? [join(dir, e.name)]
        : [],
  );
}

describe('reach with the session', () => {
  it('is asked for by every route whose handler reads the reach', () => {
    const missing: string[] = [];
    let reading = 0;
    for (const file of routeFiles(modules)) {
      const source = readFileSync(file, 'utf8');
      // One chunk per route registration (r.get(…), r.post(…), …).
      for (const chunk of source.split(/\n\s*r\.(?:get|post|patch|put|delete)\(/).slice(1)) {
        if (!chunk.includes('req.reach()')) continue;
        reading++;
        if (!/prefetch: (reachPrefetch|kpiPrefetch)|config: read(Kpi|Reach),/.test(chunk)) {
          missing.push(`${file.slice(modules.length + 1)}: ${chunk.trim().split('\n')[0]}`);
        }
      }
    }
    expect(reading).toBeGreaterThan(50);
    expect(missing).toEqual([]);
  });

  describe.runIf(testEngine() === 'postgres')('on PostgreSQL', () => {
    let pair: Awaited<ReturnType<typeof createPrefetchPair>>;
    let t: TestApp;
    let plain: PlainApp;
    let w: Awaited<ReturnType<typeof makeWorld>>;
    const sessions: Session[] = [];

    beforeAll(async () => {
      pair = await createPrefetchPair();
      ({ t, plain } = pair);
      w = await makeWorld(t.db, t.clock);
      const account = await makeAccount(t.db, t.clock, w.org.orgId, w.repA1.id);
      await makeDeal(t.db, t.clock, w.org.orgId, w.repA1.id, account, { stage: 'won', amountMinor: 1_000 });
      for (const email of [w.org.admin.email, w.director.email, w.managerA.email, w.repA1.email]) {
        sessions.push(await signIn(t.app, email, PASSWORD));
      }
    });
    afterAll(async () => {
      await pair?.close();
    });

    const get: (typeof pair)['get'] = (...args) => pair.get(...args);

    it('answers the lists of every module as without it, in one statement fewer', async () => {
      const urls = [
        '/api/crm/accounts',
        '/api/crm/contacts',
        '/api/crm/deals',
        '/api/crm/deals/board',
        '/api/crm/activities',
        '/api/goals',
        '/api/users',
        '/api/teams',
        '/api/playbooks',
        `/api/crm/accounts/${(await t.db.kysely.selectFrom('accounts').select('id').executeTakeFirstOrThrow()).id}`,
      ];
      let answered = 0;
      for (const session of sessions) {
        for (const url of urls) {
          const without = await get(plain, session, url);
          const withIt = await get(t.app, session, url);
          expect(withIt.status, `${url}: ${withIt.body}`).toBe(without.status);
          expect(JSON.parse(withIt.body), url).toEqual(JSON.parse(without.body));
          if (without.status !== 200) continue;
          answered++;
          expect(withIt.ran.length, url).toBe(without.ran.length - 1);
          const reach = withIt.ran.filter((s) => s.includes('with recursive "managed"'));
          expect(reach, url).toHaveLength(1);
          expect(reach[0]).toContain('"sessions" as "s"');
        }
      }
      expect(answered).toBeGreaterThanOrEqual(urls.length * 3);
    });
  });
});
