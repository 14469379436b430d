import { createHash } from 'node:crypto';
import { readFileSync, renameSync, writeFileSync } from 'node:fs';
import type SqliteDatabase from 'better-sqlite3';
import type pg from 'pg';
import type { Db } from '../server/db/database.ts';

/**
 * What a backup holds, computed from the very snapshot the backup copies: per table the row count
 * and a checksum of its rows (order-independent), and the money totals (deal amounts and deal
 * credits per currency). `backup()` returns it; compare it with `manifestOf()` of a restored
 * database. Checksums are comparable between databases of the same engine only.
 */
export interface BackupManifest {
  engine: 'sqlite' | 'postgres';
  /** When the snapshot was taken (epoch ms; the moment its read transaction began, about). */
  takenAt: number;
  tables: Record<string, { rows: number; checksum: string }>;
  money: { currency: string; deals: number; credits: number }[];
}

const MONEY_SQL = `select d.currency as currency, sum(d.amount_minor) as deals,
  (select coalesce(sum(c.credit_minor), 0) from deal_credits c join deals d2 on d2.org_id = c.org_id and d2.id = c.deal_id
    where d2.currency = d.currency) as credits
  from deals d group by d.currency order by d.currency`;

function digest(lines: string[]): string {
  const hash = createHash('sha256');
  for (const line of lines.sort()) hash.update(line).update('\n');
  return hash.digest('hex');
}

/** Reads through `raw`'s current transaction (open one first for a stable snapshot). */
export function sqliteManifest(raw: SqliteDatabase.Database): BackupManifest {
  const names = (
    raw
      .prepare(
        "select name from sqlite_master where type = 'table' and name not like 'sqlite_%' order by name",
      )
      .all() as { name: string }[]
  ).map((r) => r.name);
  const tables: BackupManifest['tables'] = {};
  for (const name of names) {
    const rows = raw
      .prepare(`select * from "${name.replaceAll('"', '""')}"`)
      .raw(true)
      .all() as unknown[][];
    tables[name] = { rows: rows.length, checksum: digest(rows.map((r) => JSON.stringify(r))) };
  }
  const money = (raw.prepare(MONEY_SQL).all() as { currency: string; deals: number; credits: number }[]).map(
    (m) => ({ currency: m.currency, deals: Number(m.deals), credits: Number(m.credits) }),
  );
  return { engine: 'sqlite', takenAt: Date.now(), tables, money };
}

/** Reads through `client`'s current transaction (a repeatable-read one for a stable snapshot). */
export async function postgresManifest(client: pg.ClientBase): Promise<BackupManifest> {
  const { rows: names } = await client.query<{ name: string }>(
    "select tablename as name from pg_tables where schemaname = 'public' order by tablename",
  );
  const tables: BackupManifest['tables'] = {};
  for (const { name } of names) {
    const table = `"${name.replaceAll('"', '""')}"`;
    // The row's text form (t::text) is canonical for equal values; the digest is order-independent.
    const { rows } = await client.query<{ n: string; sum: string | null }>(
      `select count(*)::text as n, md5(string_agg(md5(t::text), '' order by md5(t::text))) as sum from ${table} t`,
    );
    tables[name] = { rows: Number(rows[0]!.n), checksum: rows[0]!.sum ?? digest([]) };
  }
  const { rows: money } = await client.query<{ currency: string; deals: string; credits: string }>(
    MONEY_SQL.replace('sum(d.amount_minor) as deals', 'sum(d.amount_minor)::text as deals').replace(
      'as credits',
      '::text as credits',
    ),
  );
  return {
    engine: 'postgres',
    takenAt: Date.now(),
    tables,
    money: money.map((m) => ({ currency: m.currency, deals: Number(m.deals), credits: Number(m.credits) })),
  };
}

/** The manifest of a database as it is now (e.g. a restored one), in one read transaction. */
export async function manifestOf(db: Db): Promise<BackupManifest> {
  if (db.engine === 'sqlite') {
    const raw = db.sqlite!;
    return raw.transaction(() => sqliteManifest(raw))();
  }
  const client = await db.pool!.connect();
  try {
    await client.query('begin isolation level repeatable read read only');
    const manifest = await postgresManifest(client);
    await client.query('commit');
    return manifest;
  } finally {
    client.release();
  }
}

/** Where `backup()` writes the manifest of a backup: beside it, `<file>.manifest.json`. */
export function manifestPathOf(file: string): string {
  return `${file}.manifest.json`;
}

/** Writes the manifest beside the backup (through a temporary file, so it is whole or absent). */
export function writeManifest(file: string, manifest: BackupManifest): string {
  const path = manifestPathOf(file);
  writeFileSync(`${path}.tmp`, `${JSON.stringify(manifest, null, 2)}\n`);
  renameSync(`${path}.tmp`, path);
  return path;
}

/** Reads a backup's manifest; throws naming the file when it is missing or not a manifest. */
export function readManifest(file: string): BackupManifest {
  const path = manifestPathOf(file);
  let parsed: unknown;
  try {
    parsed = JSON.parse(readFileSync(path, 'utf8'));
  } catch (error) {
    const reason = (error as { code?: string }).code === 'ENOENT' ? 'it does not exist' : String(error);
    throw new Error(
      `Cannot verify the restore: no readable manifest at ${path} (${reason}). ` +
        '`outfield backup` writes it beside the backup; `outfield restore --no-verify` restores without the check.',
    );
  }
  const m = parsed as Partial<BackupManifest>;
  if (
    (m.engine !== 'sqlite' && m.engine !== 'postgres') ||
    typeof m.tables !== 'object' ||
    m.tables === null ||
    !Array.isArray(m.money)
  ) {
    throw new Error(`Cannot verify the restore: ${path} is not a backup manifest`);
  }
  return m as BackupManifest;
}

/**
 * How a database's manifest differs from the backup's, one line per difference naming the table
 * (or the currency); empty when they agree. Only manifests of the same engine are comparable.
 */
export function manifestMismatches(expected: BackupManifest, actual: BackupManifest): string[] {
  if (expected.engine !== actual.engine)
    return [`the manifest is of a ${expected.engine} backup, the database is ${actual.engine}`];
  const problems: string[] = [];
  const names = [...new Set([...Object.keys(expected.tables), ...Object.keys(actual.tables)])].sort();
  for (const name of names) {
    const want = expected.tables[name];
    const got = actual.tables[name];
    if (!want) problems.push(`table ${name}: in the restored database but not in the manifest`);
    else if (!got) problems.push(`table ${name}: missing from the restored database`);
    else if (want.rows !== got.rows)
      problems.push(`table ${name}: ${got.rows} rows, the manifest says ${want.rows}`);
    else if (want.checksum !== got.checksum)
      problems.push(`table ${name}: same row count (${got.rows}) but different contents (checksum)`);
  }
  const money = (m: BackupManifest) => new Map(m.money.map((x) => [x.currency, x]));
  const wantMoney = money(expected);
  const gotMoney = money(actual);
  for (const currency of [...new Set([...wantMoney.keys(), ...gotMoney.keys()])].sort()) {
    const want = wantMoney.get(currency) ?? { deals: 0, credits: 0 };
    const got = gotMoney.get(currency) ?? { deals: 0, credits: 0 };
    if (want.deals !== got.deals || want.credits !== got.credits)
      problems.push(
        `money ${currency}: deals ${got.deals} and credits ${got.credits} (minor units), the manifest says ${want.deals} and ${want.credits}`,
      );
  }
  return problems;
}
