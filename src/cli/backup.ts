import { type ChildProcess, spawn, spawnSync } from 'node:child_process';
import { existsSync, renameSync, rmSync } from 'node:fs';
import SqliteDatabase from 'better-sqlite3';
import pg from 'pg';
import { engineOf, openDb, sqlitePath } from '../server/db/database.ts';
import {
  type BackupManifest,
  manifestMismatches,
  manifestPathOf,
  postgresManifest,
  readManifest,
  sqliteManifest,
  writeManifest,
} from './backup-manifest.ts';

/**
 * Online backup of one consistent snapshot, while the app keeps writing: SQLite through its backup
 * API inside one read transaction (so writers elsewhere neither tear nor restart it); PostgreSQL
 * through pg_dump's custom format on a snapshot exported from a repeatable-read transaction.
 * Returns the manifest of that same snapshot (row counts, checksums, money totals per table) and
 * writes it beside the backup (`<file>.manifest.json`), where `restore()` checks the restored
 * database against it.
 */
export async function backup(url: string, file: string): Promise<BackupManifest> {
  const manifest = await backupFile(url, file);
  writeManifest(file, manifest);
  return manifest;
}

async function backupFile(url: string, file: string): Promise<BackupManifest> {
  if (engineOf(url) === 'sqlite') {
    const db = openDb(url);
    const raw = db.sqlite!;
    try {
      raw.exec('begin');
      try {
        const manifest = sqliteManifest(raw);
        await raw.backup(file);
        return manifest;
      } finally {
        raw.exec('commit');
      }
    } finally {
      await db.close();
    }
  }
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  try {
    await client.query('begin isolation level repeatable read read only');
    const { rows } = await client.query<{ id: string }>('select pg_export_snapshot() as id');
    const manifest = await postgresManifest(client);
    await runAsync('pg_dump', [
      '--format=custom',
      '--no-owner',
      `--snapshot=${rows[0]!.id}`,
      `--file=${file}`,
      url,
    ]);
    await client.query('commit');
    return manifest;
  } finally {
    await client.end();
  }
}

/** Thrown when the restored data differs from the backup's manifest. */
export class RestoreMismatchError extends Error {
  constructor(
    public readonly problems: string[],
    file: string,
    replaced: boolean,
  ) {
    super(
      `The restored data does not match the manifest ${manifestPathOf(file)}:\n${problems
        .map((p) => `  - ${p}`)
        .join('\n')}\n${
        replaced
          ? 'The database now holds this restore: check the backup, or restore another one.'
          : 'Nothing was replaced: the database is as it was.'
      }`,
    );
  }
}

export interface RestoreOptions {
  /** Check the restored data against `<file>.manifest.json` (default); false skips the check. */
  verify?: boolean;
}

export interface RestoreResult {
  /** Tables checked against the manifest (0 without verification). */
  verifiedTables: number;
}

/**
 * Restores a backup into the configured database, replacing what is there. Stop the app first.
 * The manifest `backup()` wrote beside the file is read first (missing → refused unless
 * `verify: false`), and the restored data is compared with it: every table's row count and
 * checksum, the money totals; any difference throws RestoreMismatchError naming the tables.
 * On SQLite the backup is checked (readable, integrity check, has Outfield's migrations), copied
 * beside the database and verified there before anything is replaced, so a bad or altered file
 * leaves the database as it was. On PostgreSQL the whole `public` schema is replaced in one
 * transaction (see restorePostgres), so tables from migrations newer than the backup go too, and
 * the result is verified after that transaction.
 */
export async function restore(
  url: string,
  file: string,
  options: RestoreOptions = {},
): Promise<RestoreResult> {
  if (!existsSync(file)) throw new Error(`No backup file at ${file}`);
  const expected = options.verify === false ? null : readManifest(file);
  if (engineOf(url) === 'sqlite') {
    const target = sqlitePath(url);
    const staging = `${target}.restoring`;
    rmSync(staging, { force: true });
    try {
      await copyCheckedSqliteBackup(file, staging);
      if (expected) {
        const problems = manifestMismatches(expected, sqliteFileManifest(staging));
        if (problems.length > 0) throw new RestoreMismatchError(problems, file, false);
      }
    } catch (error) {
      rmSync(staging, { force: true });
      throw error;
    }
    // The old WAL must go before the rename: SQLite would replay it into the restored file.
    for (const suffix of ['-wal', '-shm']) rmSync(`${target}${suffix}`, { force: true });
    renameSync(staging, target);
    return { verifiedTables: expected ? Object.keys(expected.tables).length : 0 };
  }
  await restorePostgres(url, file);
  if (!expected) return { verifiedTables: 0 };
  const problems = manifestMismatches(expected, await postgresUrlManifest(url));
  if (problems.length > 0) throw new RestoreMismatchError(problems, file, true);
  return { verifiedTables: Object.keys(expected.tables).length };
}

function sqliteFileManifest(path: string): BackupManifest {
  const raw = new SqliteDatabase(path, { readonly: true, fileMustExist: true });
  try {
    return raw.transaction(() => sqliteManifest(raw))();
  } finally {
    raw.close();
  }
}

async function postgresUrlManifest(url: string): Promise<BackupManifest> {
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  try {
    await client.query('begin isolation level repeatable read read only');
    const manifest = await postgresManifest(client);
    await client.query('commit');
    return manifest;
  } finally {
    await client.end();
  }
}

/**
 * Drops and recreates `public` (keeping its owner, privileges and comment) and then runs the
 * archive's SQL, all in one transaction. `pg_restore --clean` would drop only the objects the
 * archive holds: a table made by a migration after the backup would survive next to a migration
 * history that no longer lists it, and re-running that migration would fail. pg_restore writes the
 * SQL and psql runs it; COMMIT is sent only after pg_restore has succeeded, and any error (a
 * corrupt archive, a failing statement) ends psql without it, which rolls everything back.
 */
async function restorePostgres(url: string, file: string): Promise<void> {
  // Fails fast, before anything is touched, on a file that is not a pg_dump archive.
  run('pg_restore', ['--list', file], 'ignore');
  const psql = spawn('psql', ['--no-psqlrc', '--quiet', '--set=ON_ERROR_STOP=1', `--dbname=${url}`], {
    stdio: ['pipe', 'ignore', 'pipe'],
  });
  const dump = spawn('pg_restore', ['--no-owner', '--file=-', file], { stdio: ['ignore', 'pipe', 'pipe'] });
  const psqlDone = exited(psql, 'psql');
  const dumpDone = exited(dump, 'pg_restore');
  // psql may stop reading early (ON_ERROR_STOP); its exit status reports why, not the broken pipe.
  psql.stdin?.on('error', () => {});
  // A psql that stopped early must not leave pg_restore blocked on a full pipe.
  psqlDone.then(
    () => dump.kill(),
    () => dump.kill(),
  );
  psql.stdin?.write(`BEGIN;\n${REPLACE_PUBLIC_SCHEMA}\n`);
  dump.stdout?.pipe(psql.stdin!, { end: false });
  const dumpResult = await dumpDone.catch((error: unknown) => {
    psql.kill();
    throw error;
  });
  const psqlStopped = psql.exitCode !== null || psql.signalCode !== null;
  if (dumpResult.code === 0) psql.stdin?.end('COMMIT;\n');
  else if (!psqlStopped) psql.kill();
  const psqlResult = await psqlDone;
  if (psqlStopped || (dumpResult.code === 0 && psqlResult.code !== 0)) {
    throw new Error(`Restore failed and was rolled back: ${psqlResult.stderr}`);
  }
  if (dumpResult.code !== 0) throw new Error(`pg_restore failed: ${dumpResult.stderr}`);
}

/** Replaces `public` with an empty schema that has the same owner, privileges and comment. */
const REPLACE_PUBLIC_SCHEMA = `SET client_min_messages = warning;
DO $restore$
DECLARE
  old_owner text;
  old_acl aclitem[];
  old_comment text;
  grant_row record;
BEGIN
  SELECT n.nspowner::regrole::text, n.nspacl, obj_description(n.oid, 'pg_namespace')
    INTO old_owner, old_acl, old_comment
    FROM pg_namespace n WHERE n.nspname = 'public';
  DROP SCHEMA IF EXISTS public CASCADE;
  CREATE SCHEMA public;
  IF old_owner IS NOT NULL THEN
    EXECUTE format('ALTER SCHEMA public OWNER TO %s', old_owner);
  END IF;
  IF old_acl IS NOT NULL THEN
    EXECUTE format('REVOKE ALL ON SCHEMA public FROM %s', coalesce(old_owner, 'CURRENT_USER'));
    FOR grant_row IN SELECT a.grantee, a.privilege_type FROM aclexplode(old_acl) a LOOP
      EXECUTE format('GRANT %s ON SCHEMA public TO %s', grant_row.privilege_type,
        CASE WHEN grant_row.grantee = 0 THEN 'PUBLIC' ELSE grant_row.grantee::regrole::text END);
    END LOOP;
  END IF;
  IF old_comment IS NOT NULL THEN
    EXECUTE format('COMMENT ON SCHEMA public IS %L', old_comment);
  END IF;
END
$restore$;
`;

function exited(child: ChildProcess, command: string): Promise<{ code: number | null; stderr: string }> {
  let stderr = '';
  child.stderr?.setEncoding('utf8');
  child.stderr?.on('data', (chunk: string) => {
    stderr += chunk;
  });
  return new Promise((resolve, reject) => {
    child.on('error', (error) => {
      reject(new Error(`${command} is needed for PostgreSQL restores: ${error.message}`));
    });
    child.on('close', (code) => resolve({ code, stderr: stderr.trim() }));
  });
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

function run(command: string, args: string[], stdout: 'inherit' | 'ignore' = 'inherit'): void {
  const result = spawnSync(command, args, { stdio: ['ignore', stdout, 'pipe'], encoding: 'utf8' });
  if (result.error) throw new Error(`${command} is needed for PostgreSQL backups: ${result.error.message}`);
  if (result.status !== 0) throw new Error(`${command} failed: ${result.stderr}`);
}

/** pg_dump while this process keeps its snapshot-exporting transaction open (not spawnSync). */
async function runAsync(command: string, args: string[]): Promise<void> {
  const child = spawn(command, args, { stdio: ['ignore', 'inherit', 'pipe'] });
  const result = await exited(child, command).catch((error: Error) => {
    throw new Error(`${command} is needed for PostgreSQL backups: ${error.message.replace(/^.*?: /, '')}`);
  });
  if (result.code !== 0) throw new Error(`${command} failed: ${result.stderr}`);
}
