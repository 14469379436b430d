import SqliteDatabase from 'better-sqlite3';
import { Kysely, type LogEvent, PostgresDialect, SqliteDialect, type Transaction } from 'kysely';
import pg from 'pg';
import type { Database } from './schema.ts';

export type Engine = 'sqlite' | 'postgres';
export type Executor = Kysely<Database> | Transaction<Database>;

export interface Db {
  kysely: Kysely<Database>;
  engine: Engine;
  url: string;
  /** The raw better-sqlite3 handle (SQLite only): online backup, integrity checks. */
  sqlite?: SqliteDatabase.Database;
  pool?: pg.Pool;
  close(): Promise<void>;
}

let pgTypesSet = false;

/**
 * pg returns int8 and count() as strings; we store epoch milliseconds and minor units in bigint
 * columns, all well inside Number's safe range, so parse them once here and refuse anything unsafe.
 */
function setPgTypes(): void {
  if (pgTypesSet) return;
  pg.types.setTypeParser(pg.types.builtins.INT8, (value: string) => {
    const n = Number(value);
    if (!Number.isSafeInteger(n)) throw new Error(`int8 value ${value} is outside the safe integer range`);
    return n;
  });
  pgTypesSet = true;
}

export function engineOf(url: string): Engine {
  if (url.startsWith('postgres://') || url.startsWith('postgresql://')) return 'postgres';
  if (url.startsWith('sqlite:')) return 'sqlite';
  throw new Error(`DATABASE_URL must start with sqlite: or postgres:// (got "${url}")`);
}

export function sqlitePath(url: string): string {
  return url.slice('sqlite:'.length).replace(/^\/\/(?=\/)/, '');
}

/** Opens a database from a `sqlite:<path>` or `postgres://…` URL with the settings we rely on. */
export function openDb(
  url: string,
  options: { poolSize?: number; onQuery?: (sql: string) => void } = {},
): Db {
  const onQuery = options.onQuery;
  const log = onQuery
    ? (event: LogEvent): void => {
        if (event.level === 'query') onQuery(event.query.sql);
      }
    : undefined;
  const engine = engineOf(url);
  if (engine === 'sqlite') {
    const file = sqlitePath(url);
    const raw = new SqliteDatabase(file === '' ? ':memory:' : file);
    raw.pragma('journal_mode = WAL');
    // FULL: a committed transaction survives power loss, which is what "acknowledged" means here.
    raw.pragma('synchronous = FULL');
    raw.pragma('foreign_keys = ON');
    raw.pragma('busy_timeout = 5000');
    const kysely = new Kysely<Database>({
      dialect: new SqliteDialect({ database: raw }),
      ...(log ? { log } : {}),
    });
    return {
      kysely,
      engine,
      url,
      sqlite: raw,
      async close() {
        await kysely.destroy();
      },
    };
  }
  setPgTypes();
  const pool = new pg.Pool({ connectionString: url, max: options.poolSize ?? 10 });
  const kysely = new Kysely<Database>({ dialect: new PostgresDialect({ pool }), ...(log ? { log } : {}) });
  return {
    kysely,
    engine,
    url,
    pool,
    async close() {
      await kysely.destroy();
    },
  };
}

/** SQLite has no boolean type; flags are 0/1 on both engines. */
export function toFlag(value: boolean): 0 | 1 {
  return value ? 1 : 0;
}

export function fromFlag(value: number): boolean {
  return value === 1;
}
