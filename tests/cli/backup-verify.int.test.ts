import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import SqliteDatabase from 'better-sqlite3';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import type { BackupManifest } from '../../src/cli/backup-manifest.ts';
import { type Db, openDb, sqlitePath } from '../../src/server/db/database.ts';
import { fakeClock } from '../../src/server/lib/clock.ts';
import { makeAccount, makeDeal } from '../factories/crm.ts';
import { makeUser, makeWorld } from '../factories/identity.ts';
import { createTestDb, type TestDb, testEngine } from '../setup/test-db.ts';
import { runCli } from './run-cli.ts';

/**
 * `outfield backup <file>` writes the backup's manifest beside it (`<file>.manifest.json`: per
 * table row counts and checksums, money totals) and `outfield restore <file>` checks the restored
 * data against it, failing (exit code 1, the table named) on any difference (issue 7).
 */
vi.setConfig({ testTimeout: 180_000 });

let tdb: TestDb;
let dir: string;
const opened: Db[] = [];
const clock = fakeClock();

beforeEach(async () => {
  tdb = await createTestDb();
  dir = mkdtempSync(join(tmpdir(), 'outfield-backup-verify-'));
});
afterEach(async () => {
  for (const db of opened.splice(0)) await db.close();
  await tdb.drop();
  rmSync(dir, { recursive: true, force: true });
});

async function count(db: Db, table: 'users' | 'deals'): Promise<number> {
  const row = await db.kysely
    .selectFrom(table)
    .select((eb) => eb.fn.countAll<number>().as('n'))
    .executeTakeFirstOrThrow();
  return Number(row.n);
}

function reopen(): Db {
  const db = openDb(tdb.url);
  opened.push(db);
  return db;
}

/** A world with deals (money), backed up through the CLI; returns the file and its manifest. */
async function backedUp(): Promise<{ file: string; manifest: BackupManifest; users: number }> {
  const w = await makeWorld(tdb.db, clock);
  const account = await makeAccount(tdb.db, clock, w.org.orgId, w.repA1.id);
  await makeDeal(tdb.db, clock, w.org.orgId, w.repA1.id, account, { amountMinor: 123_456 });
  await makeDeal(tdb.db, clock, w.org.orgId, w.repA1.id, account, { amountMinor: 7_000 });
  const users = await count(tdb.db, 'users');
  const file = join(dir, 'outfield.backup');
  const run = await runCli(['backup', file], { DATABASE_URL: tdb.url });
  expect(run.stderr).toBe('');
  expect(run.code).toBe(0);
  expect(run.stdout).toContain(`Manifest written to ${file}.manifest.json`);
  const manifest = JSON.parse(readFileSync(`${file}.manifest.json`, 'utf8')) as BackupManifest;
  // Add a user after the backup: the restore must take it away again.
  await makeUser(tdb.db, clock, w.org, 'rep');
  await tdb.db.close();
  return { file, manifest, users };
}

describe(`outfield backup/restore with a manifest on ${testEngine()}`, () => {
  it('writes the manifest beside the backup, and a restore verifies against it', async () => {
    const { file, manifest, users } = await backedUp();
    expect(manifest.engine).toBe(testEngine());
    expect(manifest.tables.users!.rows).toBe(users);
    expect(manifest.tables.deals!.rows).toBe(2);
    expect(manifest.money).toEqual([expect.objectContaining({ deals: 130_456, credits: 130_456 })]);

    const run = await runCli(['restore', file], { DATABASE_URL: tdb.url });
    expect(run.stderr).toBe('');
    expect(run.code).toBe(0);
    expect(run.stdout).toContain(
      `verified ${Object.keys(manifest.tables).length} tables and the money totals against ${file}.manifest.json`,
    );
    expect(await count(reopen(), 'users')).toBe(users);
  });

  it('fails loudly, naming the table, when the data does not match the manifest', async () => {
    const { file, manifest } = await backedUp();
    const tampered = structuredClone(manifest);
    tampered.tables.deals!.rows += 1;
    tampered.tables.users!.checksum = 'not-the-checksum';
    writeFileSync(`${file}.manifest.json`, JSON.stringify(tampered));

    const run = await runCli(['restore', file], { DATABASE_URL: tdb.url });
    expect(run.code).toBe(1);
    expect(run.stderr).toContain(`The restored data does not match the manifest ${file}.manifest.json`);
    expect(run.stderr).toContain('table deals: 2 rows, the manifest says 3');
    expect(run.stderr).toContain('table users: same row count');
  });

  it('refuses to restore without the manifest unless told --no-verify', async () => {
    const { file, users } = await backedUp();
    rmSync(`${file}.manifest.json`);
    const refused = await runCli(['restore', file], { DATABASE_URL: tdb.url });
    expect(refused.code).toBe(1);
    expect(refused.stderr).toContain(`no readable manifest at ${file}.manifest.json`);
    expect(refused.stderr).toContain('--no-verify');
    // Nothing was touched: the user added after the backup is still there.
    expect(await count(reopen(), 'users')).toBe(users + 1);

    const unchecked = await runCli(['restore', '--no-verify', file], { DATABASE_URL: tdb.url });
    expect(unchecked.code).toBe(0);
    expect(unchecked.stdout).toContain('not verified');
    expect(await count(reopen(), 'users')).toBe(users);
  });
});

describe.runIf(testEngine() === 'sqlite')('SQLite: an altered backup file', () => {
  it('is refused before the database is replaced, naming the table that differs', async () => {
    const { file, users } = await backedUp();
    // Someone edits the backup after it was taken: one deal less.
    const raw = new SqliteDatabase(file);
    raw.exec(
      'delete from deal_credits; delete from deal_stage_history; delete from deals where amount_minor = 7000',
    );
    raw.close();

    const run = await runCli(['restore', file], { DATABASE_URL: tdb.url });
    expect(run.code).toBe(1);
    expect(run.stderr).toContain('table deals: 1 rows, the manifest says 2');
    expect(run.stderr).toContain('money ');
    expect(run.stderr).toContain('Nothing was replaced');
    expect(existsSync(`${sqlitePath(tdb.url)}.restoring`)).toBe(false);
    expect(await count(reopen(), 'users')).toBe(users + 1);
  });
});
