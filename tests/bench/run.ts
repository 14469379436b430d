/**
 * `npm run bench [-- <name>]`: runs every benchmark in tests/bench/benchmarks/ (or the one named)
 * on a generated dataset and ends its output with one line per benchmark:
 *
 *   BENCH <name> ratio=<lower is better> target=<max ratio> ours=<median> base=<median> unit=<…> engine=<…> dataset=<…>
 *
 * BENCH_ENGINE = sqlite (default) | postgres (a fresh database under BENCH_POSTGRES_URL, default
 * postgres://postgres@127.0.0.1:5432/postgres, created and dropped per benchmark);
 * BENCH_DATASET = S (default) | M | L; BENCH_CACHE_DIR = keep the seeded datasets between runs — a
 * SQLite file in that folder, a template database on PostgreSQL (`cachedSeededDb`, `metricsDb`).
 * Progress goes to stderr. Exits non-zero only when a benchmark could not run, never because a
 * target was missed.
 */
import { type DatasetSize, datasetSizes } from '../../src/cli/demo/seed-bench.ts';
import type { Engine } from '../../src/server/db/database.ts';
import { assertMeasurement, type BenchContext, benchLine } from './lib/benchmark.ts';
import { cachedSeededDb, createFreshDb, type FreshDb, seedDataset } from './lib/fresh-db.ts';
import { benchmarkNames, loadBenchmark } from './lib/registry.ts';

function log(message: string): void {
  process.stderr.write(`${message}\n`);
}

function fail(message: string): never {
  log(`bench: ${message}`);
  process.exit(2);
}

function choice<T extends string>(variable: string, allowed: readonly T[], fallback: T): T {
  const value = process.env[variable];
  if (value === undefined || value === '') return fallback;
  if (!(allowed as readonly string[]).includes(value)) {
    fail(`${variable}=${value} is not one of ${allowed.join(', ')}`);
  }
  return value as T;
}

const engine = choice<Engine>('BENCH_ENGINE', ['sqlite', 'postgres'], 'sqlite');
const dataset = choice<DatasetSize>('BENCH_DATASET', Object.keys(datasetSizes) as DatasetSize[], 'S');
const available = benchmarkNames();
const only = process.argv[2];
if (only !== undefined && !available.includes(only)) {
  fail(`no benchmark named "${only}"; available: ${available.join(', ')}`);
}
const selected = only === undefined ? available : [only];

/** Cleanups of the benchmark in progress, so Ctrl+C still drops its PostgreSQL database. */
let pendingCleanups: (() => unknown)[] = [];

async function runCleanups(): Promise<void> {
  for (const cleanup of pendingCleanups.splice(0).reverse()) {
    try {
      await cleanup();
    } catch (error) {
      log(`bench: cleanup failed: ${error instanceof Error ? error.message : String(error)}`);
    }
  }
}

process.once('SIGINT', () => {
  log('bench: interrupted, cleaning up');
  void runCleanups().finally(() => process.exit(130));
});

function contextFor(name: string): BenchContext {
  const prefix = `[${name}]`;
  const ctx: BenchContext = {
    engine,
    dataset,
    log: (message) => log(`${prefix} ${message}`),
    defer: (cleanup) => {
      pendingCleanups.push(cleanup);
    },
    async freshDb(): Promise<FreshDb> {
      const fresh = await createFreshDb(engine);
      ctx.defer(() => fresh.drop());
      return fresh;
    },
    async seededDb(options) {
      const cacheDir = process.env.BENCH_CACHE_DIR;
      if (cacheDir === undefined || cacheDir === '') {
        return seedDataset(await ctx.freshDb(), dataset, ctx.log, options);
      }
      const seeded = await cachedSeededDb(engine, dataset, cacheDir, ctx.log, options);
      ctx.defer(() => seeded.drop());
      return seeded;
    },
  };
  return ctx;
}

const lines: string[] = [];
const failed: string[] = [];
log(`bench: ${selected.length} benchmark(s) on ${engine}, dataset ${dataset}`);
for (const name of selected) {
  const started = performance.now();
  pendingCleanups = [];
  try {
    const benchmark = await loadBenchmark(name);
    log(`[${name}] ${benchmark.description} (target ratio ≤ ${benchmark.target})`);
    const measurement = await benchmark.run(contextFor(name));
    assertMeasurement(measurement);
    lines.push(benchLine(benchmark, measurement, engine, dataset));
  } catch (error) {
    failed.push(name);
    log(
      `[${name}] could not run: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}`,
    );
  } finally {
    await runCleanups();
  }
  log(`[${name}] done in ${((performance.now() - started) / 1000).toFixed(1)} s`);
}

if (failed.length > 0) log(`bench: could not run ${failed.join(', ')}`);
// The BENCH lines come last on stdout, one per benchmark that ran.
for (const line of lines) process.stdout.write(`${line}\n`);
process.exitCode = failed.length > 0 ? 1 : 0;
// Pools or sockets a benchmark forgot to close must not keep the process alive after its report.
setTimeout(() => {
  log('bench: handles were still open after the last benchmark; exiting anyway');
  process.exit();
}, 2000).unref();
