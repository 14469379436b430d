import { accessSync, constants, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
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
  const admin = new pg.Client({ connectionString: adminUrl });
  await admin.connect();
  await admin.query(`create database ${name}`);
  await admin.end();
  const parsed = new URL(adminUrl);
  parsed.pathname = `/${name}`;
  const url = parsed.toString();
  const db = openDb(url, { poolSize: 5, onQuery });
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
