import { createHash } from 'node:crypto';
import {
  copyFileSync,
  existsSync,
  mkdirSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  renameSync,
  rmSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { sql } from 'kysely';
import pg from 'pg';
import {
  BENCH_PASSWORD,
  type DatasetSize,
  datasetSizes,
  seedBench,
  seedId,
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

const projectRoot = fileURLToPath(new URL('../../../', import.meta.url));

/** The cache key of a seeded dataset: the seeding code and the migrations. */
function datasetVersion(): string {
  const hash = createHash('sha256');
  for (const file of ['src/cli/demo/seed-bench.ts', 'src/cli/demo/crm-data.ts', 'src/server/db/migrate.ts']) {
    hash.update(readFileSync(join(projectRoot, file)));
  }
  const migrations = join(projectRoot, 'db/migrations');
  for (const file of readdirSync(migrations).sort()) hash.update(file);
  return hash.digest('hex').slice(0, 12);
}

/**
 * `seedDataset` with a cache, used by `npm run bench` when BENCH_CACHE_DIR is set (seeding L takes
 * about a quarter of an hour). SQLite: the seeded file is kept as
 * `$BENCH_CACHE_DIR/seeded-<size>-<crm|people>-<version>.db` and each run works on a copy.
 * PostgreSQL: the seeded database is kept under BENCH_POSTGRES_URL as
 * `outfield_bench_cache_<size>_<crm|people>_<version>` and each run works on a new database created
 * from it as a template (a file copy; planner statistics included). `<version>` hashes the seeding
 * code and the migrations, so a change seeds again; drop stale caches by hand
 * (`rm`, `drop database`).
 */
export async function cachedSeededDb(
  engine: Engine,
  size: DatasetSize,
  cacheDir: string,
  log: (message: string) => void,
  options: SeedOptions = {},
): Promise<SeededDb> {
  const crm = options.crm ?? true;
  const key = `${size}-${crm ? 'crm' : 'people'}-${datasetVersion()}`;
  const identity = {
    orgId: seedId(size.charCodeAt(0) * 16, 1),
    adminEmail: `admin@bench-${size.toLowerCase()}.example`,
    password: BENCH_PASSWORD,
    reps: datasetSizes[size],
  };
  const seed = async (db: Db, where: string) => {
    log(`seeding dataset ${size} into ${where} (once; later runs copy it)`);
    const started = performance.now();
    await seedBench(db, systemClock, size, stderrProgress(log), { crm });
    log(`seeded in ${((performance.now() - started) / 1000).toFixed(0)} s`);
  };
  if (engine === 'sqlite') {
    const cached = join(cacheDir, `seeded-${key}.db`);
    return { ...(await sqliteFromCache(cached, log, (db) => seed(db, cached))), ...identity };
  }
  const template = `outfield_bench_cache_${key.replaceAll('-', '_').toLowerCase()}`;
  const copy = await postgresFromTemplate(template, log, (db) => seed(db, `the database ${template}`));
  return { ...copy, ...identity };
}

/**
 * A copy, in a new temporary folder, of the SQLite file `cached`, which `seed` builds first when it
 * does not exist yet (migrated, then seeded under another name and renamed when complete, so an
 * interrupted seeding is never used).
 */
export async function sqliteFromCache(
  cached: string,
  log: (message: string) => void,
  seed: (db: Db) => Promise<void>,
): Promise<{ db: Db; url: string; drop: () => Promise<void> }> {
  if (!existsSync(cached)) {
    mkdirSync(dirname(cached), { recursive: true });
    const building = `${cached}.building`;
    for (const s of ['', '-wal', '-shm']) rmSync(`${building}${s}`, { force: true });
    const db = openDb(`sqlite:${building}`);
    try {
      await migrateToLatest(db);
      await seed(db);
      db.sqlite!.pragma('wal_checkpoint(TRUNCATE)');
    } finally {
      await db.close();
    }
    renameSync(building, cached);
  }
  const dir = mkdtempSync(join(tmpdir(), 'outfield-bench-'));
  const file = join(dir, 'bench.db');
  copyFileSync(cached, file);
  const url = `sqlite:${file}`;
  const db = openDb(url);
  const drop = async () => {
    await db.close();
    rmSync(dir, { recursive: true, force: true });
  };
  try {
    await migrateToLatest(db);
  } catch (error) {
    await drop();
    throw error;
  }
  log(`dataset from the cache ${cached}`);
  return { db, url, drop };
}

/**
 * A new PostgreSQL database copied from the template database `template` (a file copy, planner
 * statistics included), which `seed` builds first when it does not exist yet (migrated, then
 * seeded under another name and renamed when complete, so an interrupted seeding is never used).
 */
export async function postgresFromTemplate(
  template: string,
  log: (message: string) => void,
  seed: (db: Db) => Promise<void>,
): Promise<{ db: Db; url: string; drop: () => Promise<void> }> {
  const exists = await adminRows(`select 1 from pg_database where datname = '${template}'`);
  if (exists === 0) {
    const building = `${template}_building`;
    await adminQuery(`drop database if exists ${building} with (force)`);
    await adminQuery(`create database ${building}`);
    const db = openDb(urlOf(building));
    try {
      await migrateToLatest(db);
      await seed(db);
      await settlePostgres(db);
    } finally {
      await db.close();
    }
    await adminQuery(`alter database ${building} rename to ${template}`);
  }
  const name = `outfield_bench_${process.pid}_${Math.random().toString(36).slice(2, 10)}`;
  const started = performance.now();
  await adminQuery(`create database ${name} template ${template} strategy file_copy`);
  log(
    `dataset copied from the database ${template} in ${((performance.now() - started) / 1000).toFixed(1)} s`,
  );
  const url = urlOf(name);
  const db = openDb(url);
  const drop = async () => {
    await db.close();
    await adminQuery(`drop database if exists ${name} with (force)`);
  };
  try {
    await migrateToLatest(db);
  } catch (error) {
    await drop();
    throw error;
  }
  return { db, url, drop };
}

/**
 * What autovacuum does to a live database after a bulk load, done at once: the visibility map,
 * hint bits and planner statistics (VACUUM ANALYZE). A freshly seeded copy without them is not
 * what a bare query meets in production: a month of visits' bitmap heap scan ran 6 ms instead of
 * 3 ms at dataset S (docs/performance.md, session 10).
 */
export async function settlePostgres(db: Db): Promise<void> {
  if (db.engine === 'postgres') await sql`vacuum (analyze)`.execute(db.kysely);
}

function urlOf(database: string): string {
  const parsed = new URL(postgresAdminUrl);
  parsed.pathname = `/${database}`;
  return parsed.toString();
}

async function adminRows(statement: string): Promise<number> {
  const client = new pg.Client({ connectionString: postgresAdminUrl });
  await client.connect();
  try {
    return (await client.query(statement)).rowCount ?? 0;
  } finally {
    await client.end();
  }
}
