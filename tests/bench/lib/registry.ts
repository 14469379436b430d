import { readdirSync } from 'node:fs';
import { basename } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import type { Benchmark } from './benchmark.ts';

const benchmarksDir = fileURLToPath(new URL('../benchmarks/', import.meta.url));

function isBenchmark(value: unknown): value is Benchmark {
  if (typeof value !== 'object' || value === null) return false;
  const b = value as Partial<Benchmark>;
  return (
    typeof b.name === 'string' &&
    typeof b.target === 'number' &&
    b.target > 0 &&
    typeof b.description === 'string' &&
    typeof b.run === 'function'
  );
}

/** The names of the benchmarks in tests/bench/benchmarks/ (one file each), sorted. */
export function benchmarkNames(): string[] {
  return readdirSync(benchmarksDir)
    .filter((f) => f.endsWith('.ts') && !f.endsWith('.d.ts') && !f.endsWith('.test.ts'))
    .map((f) => basename(f, '.ts'))
    .sort();
}

/**
 * Loads one benchmark by name. Adding a benchmark is adding a file `<name>.ts` that exports
 * `benchmark`; there is nothing else to register.
 */
export async function loadBenchmark(name: string): Promise<Benchmark> {
  const file = `${name}.ts`;
  const module = (await import(pathToFileURL(`${benchmarksDir}${file}`).href)) as { benchmark?: unknown };
  const b = module.benchmark;
  if (!isBenchmark(b))
    throw new Error(`${file} must export \`benchmark\` with name, target, description and run`);
  if (b.name !== name) throw new Error(`${file} exports benchmark "${b.name}"; name the file ${b.name}.ts`);
  return b;
}
