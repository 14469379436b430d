import { spawnSync } from 'node:child_process';
import { existsSync, renameSync, rmSync } from 'node:fs';
import SqliteDatabase from 'better-sqlite3';
import { engineOf, openDb, sqlitePath } from '../server/db/database.ts';

/**
 * Online backup: SQLite through its backup API (consistent while the app keeps writing);
 * PostgreSQL through pg_dump's custom format.
 */
export async function backup(url: string, file: string): Promise<void> {
  if (engineOf(url) === 'sqlite') {
    const db = openDb(url);
    try {
      await db.sqlite!.backup(file);
    } finally {
      await db.close();
    }
    return;
  }
  run('pg_dump', ['--format=custom', '--no-owner', `--file=${file}`, url]);
}

/**
 * Restores a backup into the configured database, replacing what is there. Stop the app first.
 * On SQLite the backup is checked (readable, integrity check, has Outfield's migrations) and
 * copied beside the database before anything is replaced, so a bad file leaves the database as
 * it was.
 */
export async function restore(url: string, file: string): Promise<void> {
  if (!existsSync(file)) throw new Error(`No backup file at ${file}`);
  if (engineOf(url) === 'sqlite') {
    const target = sqlitePath(url);
    const staging = `${target}.restoring`;
    rmSync(staging, { force: true });
    try {
      await copyCheckedSqliteBackup(file, staging);
    } catch (error) {
      rmSync(staging, { force: true });
      throw error;
    }
    // The old WAL must go before the rename: SQLite would replay it into the restored file.
    for (const suffix of ['-wal', '-shm']) rmSync(`${target}${suffix}`, { force: true });
    renameSync(staging, target);
    return;
  }
  run('pg_restore', [
    '--clean',
    '--if-exists',
    '--no-owner',
    '--single-transaction',
    `--dbname=${url}`,
    file,
  ]);
}

async function copyCheckedSqliteBackup(file: string, destination: string): Promise<void> {
  let source: SqliteDatabase.Database | undefined;
  try {
    source = new SqliteDatabase(file, { readonly: true, fileMustExist: true });
    const problem = sqliteBackupProblem(source);
    if (problem) throw new Error(`Cannot restore ${file}: ${problem}`);
    await source.backup(destination);
  } catch (error) {
    // better-sqlite3 says only "file is not a database"; name the file and what was expected.
    if (error instanceof SqliteDatabase.SqliteError) {
      throw new Error(`Cannot restore ${file}: it is not a readable SQLite backup (${error.message})`);
    }
    throw error;
  } finally {
    source?.close();
  }
}

function sqliteBackupProblem(source: SqliteDatabase.Database): string | null {
  const check = source.pragma('integrity_check', { simple: true });
  if (check !== 'ok') return `it fails its integrity check: ${String(check)}`;
  // An empty or foreign SQLite file passes the integrity check; restoring it would wipe the data.
  const migrations = source
    .prepare("select count(*) as n from sqlite_master where type = 'table' and name = 'kysely_migration'")
    .get() as { n: number };
  return migrations.n === 0 ? 'it is not an Outfield database (it has no migrations table)' : null;
}

function run(command: string, args: string[]): void {
  const result = spawnSync(command, args, { stdio: ['ignore', 'inherit', 'pipe'], encoding: 'utf8' });
  if (result.error) throw new Error(`${command} is needed for PostgreSQL backups: ${result.error.message}`);
  if (result.status !== 0) throw new Error(`${command} failed: ${result.stderr}`);
}
