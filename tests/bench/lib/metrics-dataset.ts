import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { sql } from 'kysely';
import { generateCrm } from '../../../src/cli/demo/crm-data.ts';
import { BENCH_PASSWORD, datasetSizes, prng, seedBench, seedId } from '../../../src/cli/demo/seed-bench.ts';
import type { Db } from '../../../src/server/db/database.ts';
import { SESSION_COOKIE } from '../../../src/server/modules/identity/auth.routes.ts';
import { ROLLUP_VERSION, rebuildOrgRollups } from '../../../src/server/modules/metrics/rollups.ts';
import type { BenchContext } from './benchmark.ts';
import {
  createFreshDb,
  postgresFromTemplate,
  type SeededDb,
  settlePostgres,
  sqliteFromCache,
  stderrProgress,
} from './fresh-db.ts';

/**
 * The dataset of the metric benchmarks (leaderboard_vs_sql, team_dashboard_vs_sql): the org chart of
 * `seed --size` (S 20, M 200, L 2,000 reps in teams of 10 under directors of 10 teams, America/New_York)
 * with the per-rep density of PRODUCT.md's scale (19 activities per working day, ~27 deals a month,
 * 40 accounts) over the four months before 15 April 2026 — the full L (10M activities, a year) takes
 * too long to seed for a bench run; the benchmarked quarter (FY2026-Q1) and month (2026-03) are
 * complete inside the window, so every number they compute has L's density. At L that is 3.27M
 * activities and 220k deals (seeding took 14 min on a loaded 2-core machine, rollups 1 min).
 * Rollups are built at the end, like the seeders do.
 * The SQLite file is cached (in $BENCH_CACHE_DIR, default the OS temp folder) and copied per run;
 * PostgreSQL is seeded per run unless BENCH_CACHE_DIR is set: then the seeded database is kept as the
 * template `outfield_bench_metrics_<size>_v<CACHE_VERSION>_r<ROLLUP_VERSION>` and each run works on a
 * copy (drop stale templates by hand).
 */
export const METRICS_NOW = Date.UTC(2026, 3, 15, 16);
// 2: deals close at a steady rate up to now (src/cli/demo/crm-data.ts).
const CACHE_VERSION = 2;

export async function metricsDb(ctx: BenchContext): Promise<SeededDb> {
  const size = ctx.dataset;
  const orgId = seedId(size.charCodeAt(0) * 16, 1);
  const identity = {
    orgId,
    adminEmail: `admin@bench-${size.toLowerCase()}.example`,
    password: BENCH_PASSWORD,
    reps: datasetSizes[size],
  };
  // The rollup version is part of the cache's name: a cached dataset holds rollups built by it.
  const version = `v${CACHE_VERSION}-r${ROLLUP_VERSION}`;
  const seed = async (db: Db, where: string) => {
    ctx.log(`seeding dataset ${size} into ${where} (once; later runs copy it)`);
    await seedMetrics(ctx, db, orgId);
  };
  if (ctx.engine === 'sqlite') {
    const cacheDir = process.env.BENCH_CACHE_DIR ?? join(tmpdir(), 'outfield-bench-cache');
    const cached = join(cacheDir, `metrics-${size}-${version}.db`);
    const copy = await sqliteFromCache(cached, ctx.log, (db) => seed(db, cached));
    ctx.defer(copy.drop);
    return { ...copy, ...identity };
  }
  if (process.env.BENCH_CACHE_DIR) {
    // Kept as a template database (L takes a long while to seed); each run works on a copy.
    const template = `outfield_bench_metrics_${size.toLowerCase()}_${version.replace('-', '_')}`;
    // postgresFromTemplate settles the template (VACUUM ANALYZE) after seeding.
    const copy = await postgresFromTemplate(template, ctx.log, (db) => seed(db, `the database ${template}`));
    ctx.defer(copy.drop);
    return { ...copy, ...identity };
  }
  const fresh = await createFreshDb(ctx.engine);
  ctx.defer(() => fresh.drop());
  await seedMetrics(ctx, fresh.db, orgId);
  await settlePostgres(fresh.db);
  return { ...fresh, ...identity };
}

/** Seeds the metrics dataset of `ctx.dataset` into a migrated, empty database, rollups included. */
async function seedMetrics(ctx: BenchContext, db: Db, orgId: string): Promise<void> {
  const size = ctx.dataset;
  const started = performance.now();
  const progress = stderrProgress(ctx.log);
  const clock = { now: () => METRICS_NOW };
  await seedBench(db, clock, size, progress, { crm: false });
  const repIds = (
    await db.kysely
      .selectFrom('memberships')
      .select('user_id')
      .where('org_id', '=', orgId)
      .where('role', '=', 'rep')
      .orderBy('user_id')
      .execute()
  ).map((r) => ({ id: r.user_id }));
  const kinds: Record<string, number> = { account: 4, contact: 5, deal: 6, history: 7, activity: 8 };
  const crm = await generateCrm(
    db,
    orgId,
    repIds,
    {
      accountsPerRep: 40,
      dealsPerRep: 110,
      activitiesPerDay: 19,
      months: 4,
      center: { lat: 40.7128, lng: -74.006, city: 'New York', region: 'NY', country: 'US' },
      spread: 0.6,
      currency: 'USD',
      contactsPerAccount: 0,
    },
    prng(datasetSizes[size] + 7),
    METRICS_NOW,
    progress,
    (kind, n) => seedId(size.charCodeAt(0) * 16 + (kinds[kind] ?? 9), n),
  );
  const rollupsStarted = performance.now();
  await rebuildOrgRollups(db.kysely, orgId);
  ctx.log(
    `seeded ${repIds.length} reps, ${crm.activities} activities, ${crm.deals} deals in ${((rollupsStarted - started) / 1000).toFixed(1)} s; rollups built in ${((performance.now() - rollupsStarted) / 1000).toFixed(1)} s`,
  );
}

/**
 * Monthly revenue targets for every other person of `userIds` (the others have none, so the grid
 * computes both cases), amounts varied by person: what an org with quotas has, so the team grid's
 * target reads (targets, membership starts for the ramp) are part of what the benchmark times.
 */
export async function addRevenueTargets(
  db: SeededDb['db'],
  orgId: string,
  monthStart: string,
  userIds: readonly string[],
): Promise<number> {
  const admin = await db.kysely
    .selectFrom('memberships')
    .select('user_id')
    .where('org_id', '=', orgId)
    .where('role', '=', 'admin')
    .executeTakeFirstOrThrow();
  const rows = [...userIds]
    .sort()
    .filter((_, i) => i % 2 === 0)
    .map((user, i) => ({
      org_id: orgId,
      id: `bench-target-${monthStart}-${i}`,
      subject_type: 'user' as const,
      subject_id: user,
      metric_key: 'revenue_won',
      period_kind: 'month' as const,
      period_start: monthStart,
      amount: 5_000_000 + (i % 7) * 1_000_000,
      created_by: admin.user_id,
      created_at: METRICS_NOW,
      updated_at: METRICS_NOW,
    }));
  for (let i = 0; i < rows.length; i += 500)
    await db.kysely
      .insertInto('targets')
      .values(rows.slice(i, i + 500))
      .execute();
  return rows.length;
}

/** Signs in through the API and returns the session cookie. */
export async function signInCookie(
  app: {
    inject: (
      o: object,
    ) => Promise<{ statusCode: number; body: string; cookies: { name: string; value: string }[] }>;
  },
  email: string,
  password: string,
): Promise<string> {
  const login = await app.inject({ method: 'POST', url: '/api/auth/login', payload: { email, password } });
  if (login.statusCode !== 200) throw new Error(`sign-in failed: ${login.statusCode} ${login.body}`);
  return `${SESSION_COOKIE}=${login.cookies.find((c) => c.name === SESSION_COOKIE)!.value}`;
}

/** Median-friendly timer: ms of one call. */
export async function timeMs(fn: () => Promise<unknown>): Promise<number> {
  const started = process.hrtime.bigint();
  await fn();
  return Number(process.hrtime.bigint() - started) / 1e6;
}

/**
 * The bare SQL aggregate of a metric over raw rows for a period — what a hand-written report would
 * run — as a function giving value per user (people without rows are absent, i.e. 0 or "—").
 */
export function bareMetric(
  db: SeededDb['db'],
  orgId: string,
  metric: string,
  start: number,
  end: number,
  userIds?: readonly string[],
): () => Promise<Map<string, number | null>> {
  const pg = db.engine === 'postgres';
  let n = 0;
  const p = () => (pg ? `$${++n}` : '?');
  const params: unknown[] = [];
  const bind = (v: unknown) => {
    params.push(v);
    return p();
  };
  const users = (col: string) =>
    userIds ? ` and ${col} in (${userIds.map((u) => bind(u)).join(', ')})` : '';
  let text: string;
  let value: (r: Record<string, unknown>) => number | null;
  switch (metric) {
    case 'visits':
    case 'activities':
      text = `select owner_id as user_id, count(*) as n from activities
        where org_id = ${bind(orgId)}${metric === 'visits' ? " and kind = 'visit'" : ''}
        and occurred_at >= ${bind(start)} and occurred_at < ${bind(end)}${users('owner_id')} group by owner_id`;
      value = (r) => Number(r.n);
      break;
    case 'revenue_won':
    case 'deals_won':
      text = `select c.user_id, sum(c.credit_minor) as amount, sum(c.share_bp) as share
        from deal_credits c join deals d on d.org_id = c.org_id and d.id = c.deal_id
        where c.org_id = ${bind(orgId)} and d.status = 'won' and d.currency = 'USD'
        and d.closed_at >= ${bind(start)} and d.closed_at < ${bind(end)}${users('c.user_id')} group by c.user_id`;
      value = metric === 'revenue_won' ? (r) => Number(r.amount) : (r) => Number(r.share) / 10_000;
      break;
    case 'quota_attainment': {
      // Revenue won ÷ the person's revenue target of the month (set by `addRevenueTargets`; the
      // bench org has no ramp and no playbook): "—" without a target.
      const month = new Date(start + 12 * 3_600_000).toISOString().slice(0, 8);
      text = `select t.subject_id as user_id, t.amount as target, coalesce(r.amount, 0) as amount
        from targets t left join (
          select c.user_id, sum(c.credit_minor) as amount
          from deal_credits c join deals d on d.org_id = c.org_id and d.id = c.deal_id
          where c.org_id = ${bind(orgId)} and d.status = 'won' and d.currency = 'USD'
          and d.closed_at >= ${bind(start)} and d.closed_at < ${bind(end)}${users('c.user_id')} group by c.user_id
        ) r on r.user_id = t.subject_id
        where t.org_id = ${bind(orgId)} and t.subject_type = 'user' and t.metric_key = 'revenue_won'
        and t.period_kind = 'month' and t.period_start = ${bind(`${month}01`)}${users('t.subject_id')}`;
      value = (r) => (Number(r.target) === 0 ? null : (Number(r.amount) / Number(r.target)) * 100);
      break;
    }
    case 'win_rate':
      text = `select c.user_id, sum(case when d.status = 'won' then c.share_bp else 0 end) as won, sum(c.share_bp) as closed
        from deal_credits c join deals d on d.org_id = c.org_id and d.id = c.deal_id
        where c.org_id = ${bind(orgId)} and d.status in ('won', 'lost') and d.currency = 'USD'
        and d.closed_at >= ${bind(start)} and d.closed_at < ${bind(end)}${users('c.user_id')} group by c.user_id`;
      value = (r) => (Number(r.closed) === 0 ? null : (Number(r.won) / Number(r.closed)) * 100);
      break;
    default:
      throw new Error(`no bare SQL for metric ${metric}`);
  }
  const collect = (rows: Record<string, unknown>[]) =>
    new Map(rows.map((r) => [String(r.user_id), value(r)] as [string, number | null]));
  if (db.sqlite) {
    const statement = db.sqlite.prepare(text);
    return async () => collect(statement.all(...params) as Record<string, unknown>[]);
  }
  const pool = db.pool!;
  return async () => collect((await pool.query(text, params)).rows);
}

/** Throws unless the API's values equal the bare SQL's (missing = 0 for counts and sums). */
export function assertSameValues(
  metric: string,
  api: { user: { id: string }; value: number | null }[],
  bare: Map<string, number | null>,
  zero: number | null,
): void {
  let checked = 0;
  for (const row of api) {
    const expected = bare.has(row.user.id) ? bare.get(row.user.id)! : zero;
    const same =
      expected === null || row.value === null
        ? expected === row.value
        : Math.abs(expected - row.value) < 1e-9 * Math.max(1, Math.abs(expected));
    if (!same) throw new Error(`${metric} of ${row.user.id}: the API says ${row.value}, the SQL ${expected}`);
    checked += 1;
  }
  if (checked === 0) throw new Error(`${metric}: the API answered no rows`);
}
