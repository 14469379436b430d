import { copyFileSync, existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import SqliteDatabase from 'better-sqlite3';
import { type Migration, Migrator, sql } from 'kysely';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { backup, restore } from '../../src/cli/backup.ts';
import { manifestPathOf } from '../../src/cli/backup-manifest.ts';
import { buildApp } from '../../src/server/app.ts';
import { type Db, openDb, sqlitePath } from '../../src/server/db/database.ts';
import { migrateToLatest } from '../../src/server/db/migrate.ts';
import { fakeClock } from '../../src/server/lib/clock.ts';
import { makeUser, makeWorld, PASSWORD } from '../factories/identity.ts';
import { as, signIn, testConfig } from '../setup/test-app.ts';
import { createTestDb, type TestDb, testEngine } from '../setup/test-db.ts';

type Snapshot = Record<string, unknown[]>;

/** Every row of every table (Kysely's own tables included), in a stable order. */
async function snapshot(db: Db): Promise<Snapshot> {
  const tables = await db.kysely.introspection.getTables({ withInternalKyselyTables: true });
  const result: Snapshot = {};
  for (const table of tables.map((t) => t.name).sort()) {
    const { rows } = await sql<Record<string, unknown>>`select * from ${sql.table(table)}`.execute(db.kysely);
    result[table] = rows.map((row) => JSON.stringify(row)).sort();
  }
  return result;
}

function counts(snap: Snapshot): Record<string, number> {
  return Object.fromEntries(Object.entries(snap).map(([table, rows]) => [table, rows.length]));
}

let tdb: TestDb;
let db: Db;
let dir: string;
const reopened: Db[] = [];
const clock = fakeClock();

beforeEach(async () => {
  tdb = await createTestDb();
  db = tdb.db;
  dir = mkdtempSync(join(tmpdir(), 'outfield-backup-'));
});
afterEach(async () => {
  for (const handle of reopened.splice(0)) await handle.close();
  await tdb.drop();
  rmSync(dir, { recursive: true, force: true });
});

/** What `outfield restore` expects: the app is stopped (connections closed), then reopened. */
async function restoreStopped(file: string): Promise<Db> {
  await db.close();
  await restore(tdb.url, file);
  const fresh = openDb(tdb.url);
  reopened.push(fresh);
  return fresh;
}

describe(`backup and restore on ${testEngine()}`, () => {
  it('restores every table to its rows at backup time and keeps sign-in and sessions working', async () => {
    const w = await makeWorld(db, clock);
    const app = await buildApp({ db, config: testConfig(), clock });
    const session = await signIn(app, w.repA1.email, PASSWORD);
    await app.close();
    const before = await snapshot(db);
    expect(before.users).toHaveLength(10);
    expect(before.sessions).toHaveLength(1);

    const file = join(dir, 'outfield.backup');
    await backup(tdb.url, file);
    expect(existsSync(file)).toBe(true);

    // Change the data: a new user, a removed team membership, a renamed user.
    const late = await makeUser(db, clock, w.org, 'rep');
    await db.kysely.deleteFrom('team_members').where('user_id', '=', w.repB1.id).execute();
    await db.kysely
      .updateTable('users')
      .set({ name: 'Renamed After Backup' })
      .where('id', '=', w.repA1.id)
      .execute();
    const changed = await snapshot(db);
    expect(changed.users).toHaveLength(11);
    expect(changed).not.toEqual(before);

    const restored = await restoreStopped(file);
    const after = await snapshot(restored);
    expect(counts(after)).toEqual(counts(before));
    expect(after).toEqual(before);
    if (testEngine() === 'sqlite') expect(existsSync(`${sqlitePath(tdb.url)}.restoring`)).toBe(false);

    const restoredApp = await buildApp({ db: restored, config: testConfig(), clock });
    try {
      const me = await as(restoredApp, session)({ method: 'GET', url: '/api/me' });
      expect(me.statusCode).toBe(200);
      expect(me.json().user.name).toBe('Ari Rep');
      const again = await signIn(restoredApp, w.director.email, PASSWORD);
      expect(again.userId).toBe(w.director.id);
      const lateLogin = await restoredApp.inject({
        method: 'POST',
        url: '/api/auth/login',
        payload: { email: late.email, password: PASSWORD },
      });
      expect(lateLogin.statusCode).toBe(401);
    } finally {
      await restoredApp.close();
    }
  });

  it('refuses a backup file that does not exist and leaves the database as it was', async () => {
    await makeWorld(db, clock);
    const before = await snapshot(db);
    const missing = join(dir, 'missing.backup');
    await expect(restore(tdb.url, missing)).rejects.toThrow(`No backup file at ${missing}`);
    expect(await snapshot(db)).toEqual(before);
  });

  it('refuses a corrupt backup file with a clear error and leaves the database as it was', async () => {
    await makeWorld(db, clock);
    const before = await snapshot(db);
    const corrupt = join(dir, 'corrupt.backup');
    writeFileSync(corrupt, Buffer.alloc(16_384, 0x5a));
    await expect(restore(tdb.url, corrupt, { verify: false })).rejects.toThrow(
      testEngine() === 'sqlite'
        ? `Cannot restore ${corrupt}: it is not a readable SQLite backup (file is not a database)`
        : /pg_restore failed: .*not .*valid archive/,
    );
    expect(await snapshot(db)).toEqual(before);
  });
});

describe.runIf(testEngine() === 'sqlite')('SQLite restore safety', () => {
  it('refuses a truncated backup and leaves the database file untouched', async () => {
    await makeWorld(db, clock);
    const file = join(dir, 'valid.backup');
    await backup(tdb.url, file);
    const full = readFileSync(file);
    const truncated = join(dir, 'truncated.backup');
    writeFileSync(truncated, full.subarray(0, Math.floor(full.length / 2)));
    copyFileSync(manifestPathOf(file), manifestPathOf(truncated));
    const before = await snapshot(db);

    await db.close();
    await expect(restore(tdb.url, truncated)).rejects.toThrow(
      `Cannot restore ${truncated}: it is not a readable SQLite backup`,
    );
    const still = openDb(tdb.url);
    reopened.push(still);
    expect(await snapshot(still)).toEqual(before);
    expect(existsSync(`${sqlitePath(tdb.url)}.restoring`)).toBe(false);
  });

  it('refuses an empty or foreign SQLite file instead of wiping the database with it', async () => {
    await makeWorld(db, clock);
    const before = await snapshot(db);
    const empty = join(dir, 'empty.backup');
    writeFileSync(empty, '');
    await expect(restore(tdb.url, empty, { verify: false })).rejects.toThrow(
      `Cannot restore ${empty}: it is not an Outfield database (it has no migrations table)`,
    );
    const foreign = join(dir, 'foreign.backup');
    const other = new SqliteDatabase(foreign);
    other.exec('create table notes (id integer primary key, body text)');
    other.close();
    await expect(restore(tdb.url, foreign, { verify: false })).rejects.toThrow(
      'it is not an Outfield database',
    );
    expect(await snapshot(db)).toEqual(before);
  });
});

/**
 * Stands for a migration that lands after a backup was taken: the migrations already recorded in
 * the database (not run again) plus one that creates `late_feature`.
 */
async function migrateWithLateFeature(target: Db) {
  const { rows } = await sql<{ name: string }>`select name from kysely_migration`.execute(target.kysely);
  const migrations: Record<string, Migration> = Object.fromEntries(
    rows.map((row) => [row.name, { async up() {} } satisfies Migration]),
  );
  migrations['9999_late_feature'] = {
    async up(k) {
      await k.schema
        .createTable('late_feature')
        .addColumn('id', 'text', (c) => c.primaryKey())
        .execute();
    },
  };
  const migrator = new Migrator({
    db: target.kysely,
    provider: { getMigrations: async () => migrations },
    allowUnorderedMigrations: true,
  });
  const { error, results } = await migrator.migrateToLatest();
  if (error) throw error;
  return (results ?? []).map((r) => `${r.migrationName}: ${r.status}`);
}

async function tableNames(target: Db): Promise<string[]> {
  const tables = await target.kysely.introspection.getTables({ withInternalKyselyTables: true });
  return tables.map((t) => t.name).sort();
}

describe.runIf(testEngine() === 'postgres')('PostgreSQL restore replaces the whole schema', () => {
  it('drops what was created after the backup, so a migration newer than the backup runs again cleanly', async () => {
    await makeWorld(db, clock);
    const file = join(dir, 'before-late-migration.backup');
    await backup(tdb.url, file);
    const before = await snapshot(db);
    const tablesBefore = await tableNames(db);

    expect(await migrateWithLateFeature(db)).toEqual(['9999_late_feature: Success']);
    await db.kysely.schema.createTable('scratch_after_backup').addColumn('n', 'integer').execute();
    await sql`create view late_view as select id from late_feature`.execute(db.kysely);
    expect(await tableNames(db)).toEqual(
      [...tablesBefore, 'late_feature', 'late_view', 'scratch_after_backup'].sort(),
    );

    const restored = await restoreStopped(file);
    expect(await tableNames(restored)).toEqual(tablesBefore);
    expect(await snapshot(restored)).toEqual(before);
    // The schema keeps its owner and privileges: the app can create tables in it again.
    expect(await migrateToLatest(restored)).toEqual([]);
    expect(await migrateWithLateFeature(restored)).toEqual(['9999_late_feature: Success']);
    const { rows } = await sql<{ acl: string | null; owner: string }>`
      select nspacl::text as acl, nspowner::regrole::text as owner from pg_namespace where nspname = 'public'`.execute(
      restored.kysely,
    );
    expect(rows[0]).toEqual({
      acl: '{pg_database_owner=UC/pg_database_owner,=U/pg_database_owner}',
      owner: 'pg_database_owner',
    });
  });

  it('rolls back when the archive fails part-way, leaving the database as it was', async () => {
    await makeWorld(db, clock);
    const file = join(dir, 'valid.backup');
    await backup(tdb.url, file);
    const full = readFileSync(file);
    const truncated = join(dir, 'truncated.backup');
    writeFileSync(truncated, full.subarray(0, Math.floor(full.length * 0.9)));
    copyFileSync(manifestPathOf(file), manifestPathOf(truncated));
    await db.kysely.schema.createTable('scratch_after_backup').addColumn('n', 'integer').execute();
    const before = await snapshot(db);

    await db.close();
    await expect(restore(tdb.url, truncated)).rejects.toThrow(/pg_restore failed|rolled back/);
    const still = openDb(tdb.url);
    reopened.push(still);
    expect(await snapshot(still)).toEqual(before);
  });
});
