import type { DatasetSize } from '../../../src/cli/demo/seed-bench.ts';
import type { Engine } from '../../../src/server/db/database.ts';
import type { FreshDb, SeededDb, SeedOptions } from './fresh-db.ts';

/** `ms` is a time (lower is better); `rows/s` and `req/s` are throughputs (higher is better). */
export type Unit = 'ms' | 'rows/s' | 'req/s';

export interface Measurement {
  /** Median of our side, in `unit`. */
  ours: number;
  /** Median of the baseline measured in the same run, in `unit`. */
  base: number;
  unit: Unit;
}

export interface BenchContext {
  engine: Engine;
  dataset: DatasetSize;
  /** Progress for humans, on stderr (stdout ends with the BENCH lines). */
  log(message: string): void;
  /** A fresh, migrated, empty database of the engine under test; dropped after the benchmark. */
  freshDb(): Promise<FreshDb>;
  /**
   * A fresh database with the benchmark dataset (`seedBench` of the chosen size); dropped after.
   * `options` says what the benchmark needs beyond the org chart (CRM history is seeded unless
   * `{ crm: false }`).
   */
  seededDb(options?: SeedOptions): Promise<SeededDb>;
  /** Runs `cleanup` after the benchmark, even when it fails (last registered runs first). */
  defer(cleanup: () => unknown): void;
}

/**
 * One benchmark: a file `tests/bench/benchmarks/<name>.ts` exporting `benchmark`. `target` is the
 * largest acceptable ratio (lower is better); missing it is reported, never a failure. `run` throws
 * only when the benchmark could not run (then `npm run bench` exits non-zero).
 */
export interface Benchmark {
  name: string;
  target: number;
  description: string;
  run(ctx: BenchContext): Promise<Measurement>;
}

const throughputs: ReadonlySet<Unit> = new Set(['rows/s', 'req/s']);

/** Oriented so that lower is better: ours/base for times, base/ours for throughputs. */
export function ratioOf(m: Measurement): number {
  return throughputs.has(m.unit) ? m.base / m.ours : m.ours / m.base;
}

function formatValue(n: number): string {
  if (Math.abs(n) >= 1000) return n.toFixed(0);
  if (Math.abs(n) >= 1) return n.toFixed(2);
  return n.toPrecision(3);
}

/** The one line `npm run bench` prints per benchmark, last on its output. */
export function benchLine(b: Benchmark, m: Measurement, engine: Engine, dataset: DatasetSize): string {
  return [
    `BENCH ${b.name}`,
    `ratio=${ratioOf(m).toFixed(3)}`,
    `target=${b.target}`,
    `ours=${formatValue(m.ours)}`,
    `base=${formatValue(m.base)}`,
    `unit=${m.unit}`,
    `engine=${engine}`,
    `dataset=${dataset}`,
  ].join(' ');
}

/** Refuses a measurement that would print a meaningless ratio (zero, negative, NaN, infinite). */
export function assertMeasurement(m: Measurement): void {
  for (const [side, value] of [
    ['ours', m.ours],
    ['base', m.base],
  ] as const) {
    if (!Number.isFinite(value) || value <= 0)
      throw new Error(`${side} median is ${value}, not a positive number`);
  }
}
