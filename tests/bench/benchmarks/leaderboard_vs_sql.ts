import { buildApp } from '../../../src/server/app.ts';
import { loadEnv } from '../../../src/server/env.ts';
import { configFromEnv } from '../../../src/server/start.ts';
import { periodFromKey } from '../../../src/shared/periods.ts';
import type { BenchContext, Benchmark } from '../lib/benchmark.ts';
import { assertSameValues, bareMetric, metricsDb, signInCookie, timeMs } from '../lib/metrics-dataset.ts';
import { median } from '../lib/stats.ts';

const WARMUP = 5;
const ITERATIONS = 30;
/** On L a round takes seconds: stop after this long (at least MIN_ITERATIONS rounds). */
const BUDGET_MS = Number(process.env.BENCH_BUDGET_MS ?? 90_000);
const MIN_ITERATIONS = 5;
const PERIOD = 'FY2026-Q1';

/**
 * A leaderboard of one metric (BENCH_METRIC, default `visits`; also activities, revenue_won,
 * deals_won, win_rate) for one quarter over the whole org (`GET /api/metrics/leaderboard`, scope org,
 * as the admin, in-process through the whole HTTP app: session, policy, the current quarter, the
 * previous one for movement, targets, names, ranks) against the bare SQL aggregate of the current
 * quarter over the raw rows (one grouped query on the raw driver). Same numbers checked before
 * timing. Dataset: see lib/metrics-dataset.ts (L: 2,000 reps at L's density).
 */
export const benchmark: Benchmark = {
  name: 'leaderboard_vs_sql',
  target: 1.5,
  description:
    'org leaderboard of one metric for a quarter via the API (rollups) vs the bare SQL aggregate over raw rows',
  async run(ctx: BenchContext) {
    const metric = process.env.BENCH_METRIC ?? 'visits';
    const seeded = await metricsDb(ctx);
    const db = seeded.db;
    const config = await configFromEnv(db, loadEnv({ DATABASE_URL: seeded.url }));
    const app = await buildApp({ db, config });
    ctx.defer(() => app.close());
    await app.ready();
    const cookie = await signInCookie(app, seeded.adminEmail, seeded.password);
    const period = periodFromKey(PERIOD, { timeZone: 'America/New_York', fiscalYearStartMonth: 1 })!;
    const url = `/api/metrics/leaderboard?metric=${metric}&period=${PERIOD}&kind=quarter&scope=org`;
    const ours = async () => {
      const res = await app.inject({ method: 'GET', url, headers: { cookie } });
      if (res.statusCode !== 200) throw new Error(`leaderboard answered ${res.statusCode}: ${res.body}`);
      return res.json() as { rows: { user: { id: string }; value: number | null }[] };
    };
    const bare = bareMetric(db, seeded.orgId, metric, period.start, period.end);

    const board = await ours();
    const zero = metric === 'win_rate' || metric === 'quota_attainment' ? null : 0;
    assertSameValues(metric, board.rows, await bare(), zero);
    ctx.log(`${metric} ${PERIOD}: ${board.rows.length} people ranked, same values as the SQL`);

    const began = performance.now();
    for (let i = 0; i < WARMUP && performance.now() - began < BUDGET_MS / 3; i++) {
      await ours();
      await bare();
    }
    const timed = performance.now();
    const oursMs: number[] = [];
    const bareMs: number[] = [];
    for (let i = 0; i < ITERATIONS && (i < MIN_ITERATIONS || performance.now() - timed < BUDGET_MS); i++) {
      // Interleaved so load from elsewhere on the machine hits both sides alike.
      oursMs.push(await timeMs(ours));
      bareMs.push(await timeMs(bare));
    }
    return { ours: median(oursMs), base: median(bareMs), unit: 'ms' };
  },
};
