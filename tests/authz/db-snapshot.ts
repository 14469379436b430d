import { sql } from 'kysely';
import type { Db } from '../../src/server/db/database.ts';

/**
 * Every row of every table, read straight from the database (not through the API), so a suite can
 * see exactly which rows a request wrote. Rows are keyed by table + their JSON, which is enough to
 * diff small test databases.
 */
export type Snapshot = Map<string, Set<string>>;

const IGNORED = new Set(['kysely_migration', 'kysely_migration_lock', 'rate_limits']);

export async function tableNames(db: Db): Promise<string[]> {
  if (db.engine === 'sqlite') {
    const rows = await sql<{
      name: string;
    }>`select name from sqlite_master where type = 'table' and name not like 'sqlite_%'`.execute(db.kysely);
    return rows.rows.map((r) => r.name).filter((n) => !IGNORED.has(n));
  }
  const rows = await sql<{
    name: string;
  }>`select table_name as name from information_schema.tables where table_schema = current_schema() and table_type = 'BASE TABLE'`.execute(
    db.kysely,
  );
  return rows.rows.map((r) => r.name).filter((n) => !IGNORED.has(n));
}

export async function snapshot(db: Db, tables: string[]): Promise<Snapshot> {
  const out: Snapshot = new Map();
  for (const table of tables) {
    const rows = await sql<Record<string, unknown>>`select * from ${sql.table(table)}`.execute(db.kysely);
    out.set(
      table,
      new Set(
        rows.rows.map((r) => {
          // Sessions are touched on use (last_seen_at): not a write of the request under test.
          if (table === 'sessions') return JSON.stringify({ ...r, last_seen_at: 0 });
          if (table === 'api_tokens') return JSON.stringify({ ...r, last_used_at: 0 });
          return JSON.stringify(r, (_k, v) => (typeof v === 'bigint' ? Number(v) : v));
        }),
      ),
    );
  }
  return out;
}

/** Rows present after and not before (new rows and the new state of changed rows), per table. */
export function written(before: Snapshot, after: Snapshot): { table: string; row: string }[] {
  const out: { table: string; row: string }[] = [];
  for (const [table, rows] of after) {
    const old = before.get(table) ?? new Set();
    for (const row of rows) if (!old.has(row)) out.push({ table, row });
  }
  return out;
}

/** Rows present before and gone after (deleted rows and the old state of changed rows). */
export function removed(before: Snapshot, after: Snapshot): { table: string; row: string }[] {
  return written(after, before);
}
