import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pg from 'pg';
import {
  BENCH_PASSWORD,
  type DatasetSize,
  datasetSizes,
  seedBench,
} from '../../../src/cli/demo/seed-bench.ts';
import type { Progress } from '../../../src/cli/progress.ts';
import { type Db, type Engine, openDb } from '../../../src/server/db/database.ts';
import { migrateToLatest } from '../../../src/server/db/migrate.ts';
import { systemClock } from '../../../src/server/lib/clock.ts';

/** Where the bench creates (and drops) its PostgreSQL databases; BENCH_POSTGRES_URL overrides it. */
export const postgresAdminUrl =
  process.env.BENCH_POSTGRES_URL ?? 'postgres://postgres@127.0.0.1:5432/postgres';

export interface FreshDb {
  db: Db;
  url: string;
  drop(): Promise<void>;
}

export interface SeededDb extends FreshDb {
  orgId: string;
  adminEmail: string;
  /** The password of every seeded user. */
  password: string;
  reps: number;
}

/** A new, migrated database: a SQLite file in a temp folder, or a new PostgreSQL database. */
export async function createFreshDb(engine: Engine): Promise<FreshDb> {
  if (engine === 'sqlite') {
    const dir = mkdtempSync(join(tmpdir(), 'outfield-bench-'));
    const url = `sqlite:${join(dir, 'bench.db')}`;
    const db = openDb(url);
    const drop = async () => {
      await db.close();
      rmSync(dir, { recursive: true, force: true });
    };
    await migrateOrDrop(db, drop);
    return { db, url, drop };
  }
  const name = `outfield_bench_${process.pid}_${Math.random().toString(36).slice(2, 10)}`;
  await adminQuery(`create database ${name}`);
  const parsed = new URL(postgresAdminUrl);
  parsed.pathname = `/${name}`;
  const url = parsed.toString();
  const db = openDb(url);
  const drop = async () => {
    await db.close();
    await adminQuery(`drop database if exists ${name} with (force)`);
  };
  await migrateOrDrop(db, drop);
  return { db, url, drop };
}

async function migrateOrDrop(db: Db, drop: () => Promise<void>): Promise<void> {
  try {
    await migrateToLatest(db);
  } catch (error) {
    await drop();
    throw error;
  }
}

async function adminQuery(statement: string): Promise<void> {
  const client = new pg.Client({ connectionString: postgresAdminUrl });
  try {
    await client.connect();
  } catch (error) {
    const reason = error instanceof Error ? error.message : String(error);
    throw new Error(`PostgreSQL is not reachable at ${postgresAdminUrl}: ${reason}`);
  }
  try {
    await client.query(statement);
  } finally {
    await client.end();
  }
}

/** What a benchmark needs seeded beyond the org chart; each benchmark asks for only what it reads. */
export interface SeedOptions {
  /** CRM history (accounts, contacts, deals, activities); default true. Slow to seed on M and L. */
  crm?: boolean;
}

/** Seeds the deterministic benchmark dataset (`outfield seed --size`) into a fresh database. */
export async function seedDataset(
  fresh: FreshDb,
  size: DatasetSize,
  log: (message: string) => void,
  options: SeedOptions = {},
): Promise<SeededDb> {
  const started = performance.now();
  const crm = options.crm ?? true;
  const result = await seedBench(fresh.db, systemClock, size, stderrProgress(log), { crm });
  log(
    `seeded dataset ${size} (${datasetSizes[size]} reps${crm ? ', with CRM history' : ''}) in ${((performance.now() - started) / 1000).toFixed(2)} s`,
  );
  return { ...fresh, ...result, password: BENCH_PASSWORD };
}

export function stderrProgress(log: (message: string) => void): Progress {
  let label = '';
  let total = 0;
  let done = 0;
  let shown = 0;
  return {
    start(l, t) {
      label = l;
      total = t;
      done = 0;
      shown = 0;
    },
    tick(by = 1) {
      done += by;
      const pct = total === 0 ? 100 : Math.floor((done / total) * 100);
      if (pct >= shown + 25) {
        shown = pct - (pct % 25);
        log(`${label}: ${pct}%`);
      }
    },
    stop() {},
  };
}
