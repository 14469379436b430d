import { spawnSync } from 'node:child_process';
import { existsSync, rmSync } from 'node:fs';
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
 * The backup is checked (SQLite integrity check) before anything is replaced.
 */
export async function restore(url: string, file: string): Promise<void> {
  if (!existsSync(file)) throw new Error(`No backup file at ${file}`);
  if (engineOf(url) === 'sqlite') {
    const source = new SqliteDatabase(file, { readonly: true, fileMustExist: true });
    try {
      const check = source.pragma('integrity_check', { simple: true });
      if (check !== 'ok') throw new Error(`The backup fails its integrity check: ${String(check)}`);
      const target = sqlitePath(url);
      for (const suffix of ['', '-wal', '-shm']) rmSync(`${target}${suffix}`, { force: true });
      await source.backup(target);
    } finally {
      source.close();
    }
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

function run(command: string, args: string[]): void {
  const result = spawnSync(command, args, { stdio: ['ignore', 'inherit', 'pipe'], encoding: 'utf8' });
  if (result.error) throw new Error(`${command} is needed for PostgreSQL backups: ${result.error.message}`);
  if (result.status !== 0) throw new Error(`${command} failed: ${result.stderr}`);
}
