import { createHash } from 'node:crypto';
import SqliteDatabase from 'better-sqlite3';
import {
  CompiledQuery,
  type DatabaseConnection,
  type Driver,
  Kysely,
  type SqliteDatabase as KyselySqliteDatabase,
  type LogEvent,
  PostgresAdapter,
  PostgresDialect,
  SqliteDialect,
  type SqliteStatement,
  type Transaction,
} from 'kysely';
import pg from 'pg';
import type { Database } from './schema.ts';

export type Engine = 'sqlite' | 'postgres';
export type Executor = Kysely<Database> | Transaction<Database>;

/** Whether `db` talks to PostgreSQL (else SQLite). */
export function isPostgres(db: Executor): boolean {
  return db.getExecutor().adapter instanceof PostgresAdapter;
}

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

/** Distinct SQL texts kept prepared per SQLite connection; `in (…)` lists of many lengths stay bounded. */
export const SQLITE_STATEMENT_CACHE_SIZE = 500;

/**
 * The better-sqlite3 handle as Kysely sees it, preparing each distinct SQL text once. Kysely's
 * driver calls `prepare` for every query, and compiling the statement was the largest single cost
 * of a small read. Statements are kept in a bounded LRU keyed by SQL text; a statement still busy
 * (a streamed query iterating it) is never handed out twice, a fresh one is prepared instead.
 * SQLite re-prepares a cached statement by itself when the schema changes.
 */
export function cachingSqliteHandle(
  raw: SqliteDatabase.Database,
  maxStatements = SQLITE_STATEMENT_CACHE_SIZE,
  /** Called, before it runs, for every statement handed out that may write (not a reader). */
  onWriter?: () => void,
): KyselySqliteDatabase {
  const cache = new Map<string, SqliteDatabase.Statement>();
  return {
    close() {
      cache.clear();
      raw.close();
    },
    prepare(sql: string): SqliteStatement {
      let stmt = cache.get(sql);
      if (stmt !== undefined) {
        if (stmt.busy) stmt = raw.prepare(sql);
        else {
          // Refresh its place in the LRU order (a Map iterates in insertion order).
          cache.delete(sql);
          cache.set(sql, stmt);
        }
      } else {
        stmt = raw.prepare(sql);
        cache.set(sql, stmt);
        if (cache.size > maxStatements) cache.delete(cache.keys().next().value as string);
      }
      if (onWriter !== undefined && !stmt.reader) onWriter();
      return stmt;
    },
  };
}

/**
 * SQLite with every Kysely transaction opened by `BEGIN IMMEDIATE` (Kysely's driver says `begin`,
 * i.e. deferred). A deferred transaction takes the write lock only at its first write; when another
 * connection — another server process, the CLI — committed since this transaction's first read, the
 * upgrade fails at once with SQLITE_BUSY(_SNAPSHOT) and the busy timeout is never consulted. Taking
 * the write lock up front makes concurrent writers wait their turn (busy_timeout) instead of failing.
 * Within one process nothing changes: Kysely's connection mutex already runs transactions one at a time.
 */
class ImmediateSqliteDialect extends SqliteDialect {
  override createDriver(): Driver {
    const driver = super.createDriver();
    driver.beginTransaction = async (connection: DatabaseConnection) => {
      await connection.executeQuery(CompiledQuery.raw('begin immediate'));
    };
    return driver;
  }
}

/** SQLite's page cache per connection, in KiB. */
export const SQLITE_CACHE_KIB = 65_536;

export function engineOf(url: string): Engine {
  if (url.startsWith('postgres://') || url.startsWith('postgresql://')) return 'postgres';
  if (url.startsWith('sqlite:')) return 'sqlite';
  throw new Error(`DATABASE_URL must start with sqlite: or postgres:// (got "${url}")`);
}

export function sqlitePath(url: string): string {
  return url.slice('sqlite:'.length).replace(/^\/\/(?=\/)/, '');
}

/**
 * Tables whose value samples (`sqlite_stat4`) SQLite's planner does without: the KPI rollups and
 * the org's structure and identity (people, memberships, teams, sessions, targets, playbooks),
 * read by their keys — one sensible plan whatever the values. With samples, a prepared statement
 * whose range or IN parameters the planner estimated from them is marked expired whenever such a
 * parameter is bound — better-sqlite3 binds on every run — so it was compiled again on every
 * execution, undoing the statement cache (decision 004): the KPI grid's rollup reads took
 * 120–140 µs instead of 50 µs at dataset S, and a leaderboard of 2,000 people recompiled its
 * 2,000-parameter reads each time. The record tables (deals, activities, accounts…) keep theirs:
 * without them SQLite took a 2 %-selective closed-date index for a month of deals that is a third
 * of them at dataset L (460 ms instead of 9 ms), and a time index for a quarter of an org's
 * activities (docs/performance.md, session 10).
 */
export const UNSAMPLED_TABLES: readonly string[] = [
  'activity_rollups',
  'activity_rollup_months',
  'deal_rollups',
  'deal_rollup_months',
  'deal_rollup_keys',
  'metric_rollup_state',
  'orgs',
  'users',
  'memberships',
  'teams',
  'team_members',
  'team_managers',
  'sessions',
  'api_tokens',
  'targets',
  'custom_metrics',
  'playbooks',
  'playbook_versions',
  'playbook_targets',
  'playbook_acknowledgements',
];

/** The statement that drops the samples of UNSAMPLED_TABLES (a parameter each). */
const DROP_UNSAMPLED_SQL = `delete from sqlite_stat4 where tbl in (${UNSAMPLED_TABLES.map(() => '?').join(', ')})`;

/**
 * SQLite's `PRAGMA optimize=0x10002` (analyse the tables that need it), then without the value
 * samples of UNSAMPLED_TABLES (our better-sqlite3 build has SQLITE_ENABLE_STAT4); the statistics
 * are reloaded when some went (`ANALYZE sqlite_schema` reads them again; it analyses nothing).
 */
export function optimizeSqlite(raw: SqliteDatabase.Database): void {
  raw.pragma('optimize = 0x10002');
  const samples = raw
    .prepare("select 1 from sqlite_schema where type = 'table' and name = 'sqlite_stat4'")
    .get();
  if (samples === undefined) return;
  if (raw.prepare(DROP_UNSAMPLED_SQL).run(...UNSAMPLED_TABLES).changes > 0) raw.exec('analyze sqlite_schema');
}

/** Opens a database from a `sqlite:<path>` or `postgres://…` URL with the settings we rely on. */
export function openDb(
  url: string,
  options: {
    poolSize?: number;
    onQuery?: (sql: string) => void;
    /** Told about connection-level errors of idle PostgreSQL clients (server restart, failover). */
    onPoolError?: (error: Error) => void;
  } = {},
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
    // A 64 MiB page cache (SQLite's default is 2 MiB): at dataset M the pages that lists and
    // dashboards touch no longer fit in 2 MiB, and re-reading them cost a system call and a page
    // decode each time — the read mix spent about a fifth of its CPU on that. The cache is bounded,
    // filled as pages are read, and per connection (one per server process).
    raw.pragma(`cache_size = -${SQLITE_CACHE_KIB}`);
    // Planner statistics for a long-lived connection (SQLite's advice; db/planner-stats.ts): analyse
    // tables that never were or whose size changed a lot, sampling (milliseconds even at dataset M).
    // The first open of a large database without statistics takes a moment (≈ 2 s at dataset M);
    // another process analysing at the same time (cluster workers starting together) holds the
    // write lock, and then its statistics serve this connection too: a busy timeout is not an error.
    try {
      optimizeSqlite(raw);
    } catch (error) {
      if ((error as { code?: string }).code !== 'SQLITE_BUSY') throw error;
    }
    const readCache = coherentReadCache(raw);
    const handle = cachingSqliteHandle(raw, SQLITE_STATEMENT_CACHE_SIZE, readCache.writing);
    const kysely = new Kysely<Database>({
      dialect: new ImmediateSqliteDialect({ database: handle }),
      ...(log ? { log } : {}),
    });
    syncReaders.set(kysely, (text, parameters, cacheable, arrays) => {
      if (!raw.open || raw.inTransaction) return undefined;
      const key = cacheable ? readCache.key(text, parameters) : undefined;
      if (key !== undefined) {
        const hit = readCache.get(key);
        if (hit !== undefined) return hit;
      }
      const stmt = handle.prepare(text) as SqliteDatabase.Statement;
      if (!stmt.reader) return undefined;
      let rows: unknown[];
      if (arrays) {
        // Rows as arrays (no object with named keys built per row); the statement is shared, so
        // it is put back in object mode straight after.
        stmt.raw(true);
        try {
          rows = stmt.all(...parameters) as unknown[];
        } finally {
          stmt.raw(false);
        }
      } else rows = stmt.all(...parameters) as unknown[];
      onQuery?.(text);
      if (key !== undefined) readCache.set(key, rows);
      return rows;
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
  // An idle client whose connection drops (the server restarted, failed over, or terminated it) is
  // already removed from the pool by pg; without a listener the pool's 'error' event would crash
  // the process. The next query simply opens a new connection.
  pool.on('error', (error) => options.onPoolError?.(error));
  pool.on('connect', (client) => usePreparedStatements(client));
  const kysely = new Kysely<Database>({ dialect: new PostgresDialect({ pool }), ...(log ? { log } : {}) });
  return {
    kysely,
    engine,
    url,
    pool,
    async close() {
      // pool.end() resolves once every client was asked to end, not once its connection closed;
      // wait for the 'remove' events too so that nothing of ours is still talking to the server.
      const open = pool.totalCount;
      let removed = 0;
      const allRemoved = new Promise<void>((resolve) => {
        if (open === 0) resolve();
        pool.on('remove', () => {
          removed += 1;
          if (removed >= open) resolve();
        });
      });
      await kysely.destroy();
      let timer: NodeJS.Timeout | undefined;
      await Promise.race([allRemoved, new Promise<void>((r) => (timer = setTimeout(r, 5000)))]);
      clearTimeout(timer);
    },
  };
}

/**
 * SQL texts of the fixed-shape queries (`compiledQuery`, `shapedQuery`): on PostgreSQL each runs as
 * a named prepared statement on every pooled connection, so the server parses and analyses it once
 * per connection instead of on every request (the reach's recursive statement: 0.77 → 0.36 ms a
 * call at dataset L). Bounded: the templates are few and `shapedQuery` caps its shapes.
 */
const preparedTexts = new Map<string, string>();
const MAX_PREPARED_TEXTS = 5_000;

/** Marks `text` (a compiled template's SQL) for a named prepared statement on PostgreSQL. */
export function markPreparedStatement(text: string): void {
  if (preparedTexts.has(text) || preparedTexts.size >= MAX_PREPARED_TEXTS) return;
  preparedTexts.set(text, `of_${createHash('sha1').update(text).digest('base64url').slice(0, 24)}`);
}

/**
 * Routes a pooled client's `query(text, values)` calls for marked texts through a named prepared
 * statement (pg prepares it on the connection at first use; the name is a hash of the text, so a
 * name always means the same text). Everything else — other texts, query objects, cursors — is
 * passed through unchanged.
 */
function usePreparedStatements(client: pg.PoolClient): void {
  const query = client.query.bind(client) as (...args: unknown[]) => unknown;
  (client as unknown as { query: (...args: unknown[]) => unknown }).query = (...args: unknown[]) => {
    const [text, values] = args;
    if (typeof text === 'string' && args.length === 2 && Array.isArray(values)) {
      const name = preparedTexts.get(text);
      if (name !== undefined) return query({ name, text, values });
    }
    return query(...args);
  };
}

/**
 * Synchronous readers of SQLite databases, by their root Kysely instance (never a transaction's).
 * A read-only statement on the one better-sqlite3 connection runs to completion inside one JS turn,
 * so when no transaction is open on that connection it cannot interleave with anyone's writes; the
 * hottest queries (see compiledQuery) then skip Kysely's connection mutex and its promise hops.
 */
const syncReaders = new WeakMap<
  object,
  (
    sql: string,
    parameters: readonly unknown[],
    cacheable: boolean,
    arrays: boolean,
  ) => readonly unknown[] | undefined
>();

/** Entries kept by one connection's read cache before it starts over. */
export const SQLITE_READ_CACHE_SIZE = 10_000;

/**
 * Results of hot identity reads (session, token, /api/me) kept per SQLite connection for as long
 * as nothing in the database has changed. Coherence, not a time-to-live: the whole cache is dropped
 * - when this connection is handed a statement that may write (`writing`, called by the statement
 *   handle before every non-reader statement runs — inserts, updates, deletes, BEGIN/COMMIT/ROLLBACK,
 *   DDL — also inside transactions later rolled back, whether or not it changes a row);
 * - when, checked once per event-loop turn, `PRAGMA data_version` moved (commits by any other
 *   connection or process, e.g. the CLI deactivating a user) or `total_changes()` moved (rows
 *   written on this connection past the handle, e.g. by a script on `db.sqlite`).
 * So a cached row is served only when reading again would return the same row; a write anywhere
 * simply costs the next reads their cache. The per-lookup check is a comparison in JS, not a call
 * into SQLite. Cached rows are frozen: callers must map them, never change them.
 */
const NO_PARAMETERS = Symbol('no parameters');

function coherentReadCache(raw: SqliteDatabase.Database) {
  const changes = raw.prepare('SELECT total_changes()').pluck();
  const dataVersion = raw.prepare('PRAGMA data_version').pluck();
  let seenChanges = -1;
  let seenVersion = -1;

  // Another process's commit is looked for once per turn of the event loop: every request handled
  // in this turn was received before the check ran, so a commit the check misses happened after
  // them, and reading the state before it is what a concurrent request may see anyway.
  let checkedThisTurn = false;
  const newTurn = () => {
    checkedThisTurn = false;
  };
  // Entries are found through nested maps — by the statement's text (one string per compiled
  // template), then by each parameter value in turn — rather than by a key string built per lookup:
  // the session hash and the ids of a cached row are the same string objects on every request, and
  // V8 keeps a string's hash on the string, so a lookup hashes nothing new.
  const root = new Map<unknown, Map<unknown, unknown>>();
  let size = 0;
  const clear = () => {
    root.clear();
    size = 0;
  };
  const cacheable = (parameters: readonly unknown[]) => {
    for (const p of parameters) {
      const t = typeof p;
      if (p !== null && t !== 'string' && t !== 'number' && t !== 'boolean') return false;
    }
    return true;
  };
  return {
    /** The lookup path of a statement and its parameters, or undefined when they are not cacheable. */
    key(sql: string, parameters: readonly unknown[]): readonly unknown[] | undefined {
      if (!cacheable(parameters)) return undefined;
      return parameters.length === 0 ? [sql, NO_PARAMETERS] : [sql, ...parameters];
    },
    /** The cached rows of `key` if nothing changed since they were read; else drops every entry. */
    get(key: readonly unknown[]): readonly unknown[] | undefined {
      if (!checkedThisTurn) {
        checkedThisTurn = true;
        setImmediate(newTurn);
        const c = changes.get() as number;
        const v = dataVersion.get() as number;
        if (c !== seenChanges || v !== seenVersion) {
          clear();
          seenChanges = c;
          seenVersion = v;
          return undefined;
        }
      }
      if (size === 0) return undefined;
      let node: Map<unknown, unknown> | undefined = root;
      for (let i = 0; i < key.length - 1; i++) {
        node = node.get(key[i]) as Map<unknown, unknown> | undefined;
        if (node === undefined) return undefined;
      }
      return node.get(key[key.length - 1]) as readonly unknown[] | undefined;
    },
    /** Call right after `get(key)` missed and the rows were read (same JS turn: nothing in between). */
    set(key: readonly unknown[], rows: unknown[]): void {
      for (const row of rows) Object.freeze(row);
      if (size >= SQLITE_READ_CACHE_SIZE) clear();
      let node: Map<unknown, unknown> = root;
      for (let i = 0; i < key.length - 1; i++) {
        let next = node.get(key[i]) as Map<unknown, unknown> | undefined;
        if (next === undefined) {
          next = new Map();
          node.set(key[i], next);
        }
        node = next;
      }
      if (!node.has(key[key.length - 1])) size += 1;
      node.set(key[key.length - 1], Object.freeze(rows));
    },
    /** A statement that may write is about to run on this connection. */
    writing(): void {
      if (size > 0) clear();
    },
  };
}

/**
 * Runs `sql` at once when `db` is a root SQLite Kysely with no transaction open on its connection;
 * undefined means "not possible here, go through Kysely". Only for statements that return rows
 * and change nothing (SELECT). With `cached`, the rows may come from the connection's coherent read
 * cache (see coherentReadCache) and are frozen.
 */
export function trySyncRead(
  db: object,
  sql: string,
  parameters: readonly unknown[],
  options: { cached?: boolean } = {},
): readonly unknown[] | undefined {
  const reader = syncReaders.get(db);
  return reader === undefined ? undefined : reader(sql, parameters, options.cached === true, false);
}

/**
 * Runs a SELECT built with Kysely and answers its rows as arrays of the selected columns, in the
 * order selected: on SQLite (outside a transaction, see trySyncRead) better-sqlite3's raw mode,
 * which builds no object per row — for hot reads of many small rows, where building the objects
 * cost about a fifth of the statement; elsewhere through Kysely, each row's values in column order.
 */
export async function readArrays(db: Executor, compiled: CompiledQuery): Promise<unknown[][]> {
  const reader = db.getExecutor().plugins.length === 0 ? syncReaders.get(db) : undefined;
  const rows = reader?.(compiled.sql, compiled.parameters, false, true);
  if (rows !== undefined) return rows as unknown[][];
  // Row objects keep the columns' order (no column name here is an integer, which would be sorted first).
  return (await db.executeQuery(compiled)).rows.map((r) => Object.values(r as object));
}

/**
 * Runs a SELECT built with Kysely: on SQLite outside a transaction straight on its prepared
 * statement (no connection mutex, no promise hops — see trySyncRead), else through Kysely. With
 * `cached`, see trySyncRead (the rows are then frozen and shared: map them, never change them).
 */
export async function readRows<R>(
  db: Executor,
  query: { compile(): CompiledQuery<R> },
  options: { cached?: boolean } = {},
): Promise<R[]> {
  const compiled = query.compile();
  // A plugin may rewrite results, which only the Kysely path applies.
  const rows =
    db.getExecutor().plugins.length === 0
      ? trySyncRead(db, compiled.sql, compiled.parameters, options)
      : undefined;
  if (rows !== undefined) return rows as R[];
  return (await db.executeQuery(compiled)).rows;
}

/** SQLite has no boolean type; flags are 0/1 on both engines. */
export function toFlag(value: boolean): 0 | 1 {
  return value ? 1 : 0;
}

export function fromFlag(value: number): boolean {
  return value === 1;
}
