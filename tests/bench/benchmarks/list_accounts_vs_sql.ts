import { buildApp } from '../../../src/server/app.ts';
import { loadEnv } from '../../../src/server/env.ts';
import { SESSION_COOKIE } from '../../../src/server/modules/identity/auth.routes.ts';
import { configFromEnv } from '../../../src/server/start.ts';
import type { BenchContext, Benchmark } from '../lib/benchmark.ts';
import { median } from '../lib/stats.ts';

const WARMUP = 30;
const ITERATIONS = 200;

/**
 * A manager's account list page (50 rows, tier filter, sorted by last activity, owner name and last
 * activity per row, capped total) through the whole HTTP app in-process, against the same two
 * queries hand-written on the raw driver. Time per page in ms; ratio = ours / bare SQL.
 */
export const benchmark: Benchmark = {
  name: 'list_accounts_vs_sql',
  target: 1.5,
  description:
    "manager's account list page of 50 (filters, owner name, last activity) via the API vs hand-written SQL",
  async run(ctx: BenchContext) {
    const seeded = await ctx.seededDb();
    const db = seeded.db;
    const config = await configFromEnv(db, loadEnv({ DATABASE_URL: seeded.url }));
    const app = await buildApp({ db, config });
    ctx.defer(() => app.close());
    await app.ready();

    // A team manager (not a director): their reach is one team of reps.
    const manager = await db.kysely
      .selectFrom('team_managers as tm')
      .innerJoin('teams as t', (j) => j.onRef('t.org_id', '=', 'tm.org_id').onRef('t.id', '=', 'tm.team_id'))
      .innerJoin('users as u', 'u.id', 'tm.user_id')
      .select(['u.email', 'tm.team_id'])
      .where('tm.org_id', '=', seeded.orgId)
      .where('t.parent_team_id', 'is not', null)
      .orderBy('t.id')
      .executeTakeFirstOrThrow();
    const login = await app.inject({
      method: 'POST',
      url: '/api/auth/login',
      payload: { email: manager.email, password: seeded.password },
    });
    if (login.statusCode !== 200) throw new Error(`sign-in failed: ${login.statusCode} ${login.body}`);
    const cookie = `${SESSION_COOKIE}=${login.cookies.find((c) => c.name === SESSION_COOKIE)!.value}`;
    const owners = (
      await db.kysely
        .selectFrom('team_members')
        .select('user_id')
        .where('org_id', '=', seeded.orgId)
        .where('team_id', '=', manager.team_id)
        .execute()
    ).map((r) => r.user_id);
    const url = '/api/crm/accounts?tier=A&sort=lastActivityAt&dir=desc&limit=50';

    const ours = async () => {
      const res = await app.inject({ method: 'GET', url, headers: { cookie } });
      if (res.statusCode !== 200) throw new Error(`list answered ${res.statusCode}: ${res.body}`);
      return (res.json() as { items: unknown[] }).items.length;
    };

    // The same page by hand: one keyset page query with the owner name, one capped count.
    const ownersIn = owners.map((_, i) => (db.engine === 'sqlite' ? '?' : `$${i + 2}`)).join(', ');
    const pageSql = `select a.id, a.name, a.city, a.latitude, a.longitude, a.territory, a.tier, a.status, a.owner_id, u.name as owner_name, a.last_activity_at, a.created_at, a.updated_at
      from accounts a join users u on u.id = a.owner_id
      where a.org_id = ${db.engine === 'sqlite' ? '?' : '$1'} and a.owner_id in (${ownersIn}) and a.tier = 'A'
      order by coalesce(a.last_activity_at, 0) desc, a.id desc limit 51`;
    const countSql = `select 1 from accounts a join users u on u.id = a.owner_id
      where a.org_id = ${db.engine === 'sqlite' ? '?' : '$1'} and a.owner_id in (${ownersIn}) and a.tier = 'A' limit 1001`;
    const params = [seeded.orgId, ...owners];
    let bare: () => Promise<number>;
    if (db.sqlite) {
      const page = db.sqlite.prepare(pageSql);
      const count = db.sqlite.prepare(countSql);
      bare = async () => {
        const rows = page.all(...params);
        count.all(...params);
        return JSON.stringify(rows.slice(0, 50)).length > 0 ? Math.min(50, rows.length) : 0;
      };
    } else {
      const pool = db.pool!;
      bare = async () => {
        const [rows] = await Promise.all([pool.query(pageSql, params), pool.query(countSql, params)]);
        return JSON.stringify(rows.rows.slice(0, 50)).length > 0 ? Math.min(50, rows.rows.length) : 0;
      };
    }

    const expected = await bare();
    const got = await ours();
    if (got !== expected) throw new Error(`our page has ${got} rows, the SQL page ${expected}`);
    ctx.log(`manager ${manager.email} sees ${owners.length} reps; page of ${got} rows`);

    const time = async (fn: () => Promise<number>) => {
      const started = process.hrtime.bigint();
      await fn();
      return Number(process.hrtime.bigint() - started) / 1e6;
    };
    for (let i = 0; i < WARMUP; i++) {
      await ours();
      await bare();
    }
    const oursMs: number[] = [];
    const bareMs: number[] = [];
    for (let i = 0; i < ITERATIONS; i++) {
      // Interleave so load from elsewhere on the machine hits both sides alike.
      oursMs.push(await time(ours));
      bareMs.push(await time(bare));
    }
    return { ours: median(oursMs), base: median(bareMs), unit: 'ms' };
  },
};
