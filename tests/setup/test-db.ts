import { createHash } from 'node:crypto';
import { accessSync, constants, mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import pg from 'pg';
import { type Db, type Engine, openDb } from '../../src/server/db/database.ts';
import { migrateToLatest } from '../../src/server/db/migrate.ts';

/**
 * Where test SQLite files go: a RAM-backed /dev/shm when there is one (the same SQLite, WAL and
 * synchronous=FULL, minus a virtual disk's fsync latency on every commit), else the OS temp dir.
 * `OUTFIELD_TEST_TMP` overrides it.
 */
export function testTmpDir(): string {
  if (process.env.OUTFIELD_TEST_TMP) return process.env.OUTFIELD_TEST_TMP;
  try {
    accessSync('/dev/shm', constants.W_OK);
    return '/dev/shm';
  } catch {
    return tmpdir();
  }
}

export function testEngine(): Engine {
  return process.env.OUTFIELD_TEST_ENGINE === 'postgres' ? 'postgres' : 'sqlite';
}

export interface TestDb {
  db: Db;
  url: string;
  drop(): Promise<void>;
}

/** A fresh, migrated database of the engine under test: a temp SQLite file, or a new PostgreSQL database. */
export async function createTestDb(
  engine: Engine = testEngine(),
  onQuery?: (sql: string) => void,
): Promise<TestDb> {
  if (engine === 'sqlite') {
    const dir = mkdtempSync(join(testTmpDir(), 'outfield-test-'));
    const url = `sqlite:${join(dir, 'test.db')}`;
    const db = openDb(url, { onQuery });
    await migrateToLatest(db);
    return {
      db,
      url,
      async drop() {
        await db.close();
        rmSync(dir, { recursive: true, force: true });
      },
    };
  }
  const adminUrl = process.env.TEST_DATABASE_URL ?? 'postgres://postgres@127.0.0.1:5432/postgres';
  const name = `outfield_test_${process.pid}_${Math.random().toString(36).slice(2, 10)}`;
  const template = await migratedTemplate(adminUrl);
  const admin = new pg.Client({ connectionString: adminUrl });
  await admin.connect();
  await admin.query(`create database ${name} template ${template}`);
  await admin.end();
  const url = databaseUrl(adminUrl, name);
  const db = openDb(url, { poolSize: 5, onQuery });
  // A copy of the migrated template: this finds every migration applied (a few reads).
  await migrateToLatest(db);
  return {
    db,
    url,
    async drop() {
      await db.close();
      const c = new pg.Client({ connectionString: adminUrl });
      await c.connect();
      await c.query(`drop database if exists ${name} with (force)`);
      await c.end();
    },
  };
}

function databaseUrl(adminUrl: string, name: string): string {
  const parsed = new URL(adminUrl);
  parsed.pathname = `/${name}`;
  return parsed.toString();
}

const projectRoot = resolve(dirname(fileURLToPath(import.meta.url)), '../..');
let templateName: Promise<string> | undefined;

/**
 * A PostgreSQL database with every migration applied, which each test database is copied from
 * (`create database … template …`): copying took half the time of migrating a new database on the
 * 2-core CI machine, and the integration suites make hundreds of them. Its name carries a hash of
 * the migrations, so a changed or added migration gets a new template; built once per server under
 * an advisory lock (test workers start together) and kept for the next run.
 */
function migratedTemplate(adminUrl: string): Promise<string> {
  templateName ??= (async () => {
    const hash = createHash('sha256');
    const dir = join(projectRoot, 'db/migrations');
    for (const file of readdirSync(dir).sort()) hash.update(file).update(readFileSync(join(dir, file)));
    hash.update(readFileSync(join(projectRoot, 'src/server/db/migrate.ts')));
    const name = `outfield_template_${hash.digest('hex').slice(0, 16)}`;
    const admin = new pg.Client({ connectionString: adminUrl });
    await admin.connect();
    try {
      await admin.query('select pg_advisory_lock(hashtext($1))', [name]);
      const exists = await admin.query('select 1 from pg_database where datname = $1', [name]);
      if (exists.rowCount === 0) {
        // Built under another name and renamed when complete: a half-built template is never used.
        const building = `${name}_${process.pid}`;
        await admin.query(`drop database if exists ${building}`);
        await admin.query(`create database ${building}`);
        const db = openDb(databaseUrl(adminUrl, building), { poolSize: 1 });
        try {
          await migrateToLatest(db);
        } finally {
          await db.close();
        }
        await admin.query(`alter database ${building} rename to ${name}`);
      }
    } finally {
      await admin.query('select pg_advisory_unlock(hashtext($1))', [name]).catch(() => {});
      await admin.end();
    }
    return name;
  })();
  return templateName;
}
