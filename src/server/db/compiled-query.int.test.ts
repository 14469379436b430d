import SqliteDatabase from 'better-sqlite3';
import { sql } from 'kysely';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestDb, type TestDb, testEngine } from '../../../tests/setup/test-db.ts';
import { compiledQuery, shapedQuery } from './compiled-query.ts';
import { cachingSqliteHandle, type Executor, sqlitePath } from './database.ts';

let tdb: TestDb;
const executed: string[] = [];
beforeAll(async () => {
  tdb = await createTestDb(undefined, (sql) => executed.push(sql));
  const now = 1_700_000_000_000;
  await tdb.db.kysely
    .insertInto('orgs')
    .values(
      ['a', 'b'].map((id) => ({
        id,
        name: `Org ${id}`,
        currency: 'EUR',
        time_zone: 'UTC',
        fiscal_year_start_month: 1,
        settings: '{}',
        created_at: now,
        updated_at: now,
      })),
    )
    .execute();
});
afterAll(async () => {
  await tdb.drop();
});

const orgByIdAndCurrency = compiledQuery((db: Executor, id: string, currency: string) =>
  db
    .selectFrom('orgs')
    .select(['id', 'name'])
    .where('id', '=', id)
    .where('currency', '=', currency)
    .where('fiscal_year_start_month', '=', 1),
);

describe('compiledQuery', () => {
  it('answers like the query builder for every call, compiling the SQL once', async () => {
    executed.length = 0;
    expect(await orgByIdAndCurrency(tdb.db.kysely, 'a', 'EUR')).toEqual([{ id: 'a', name: 'Org a' }]);
    expect(await orgByIdAndCurrency(tdb.db.kysely, 'b', 'EUR')).toEqual([{ id: 'b', name: 'Org b' }]);
    expect(await orgByIdAndCurrency(tdb.db.kysely, 'b', 'USD')).toEqual([]);
    expect(new Set(executed).size).toBe(1);
  });

  it('runs inside a transaction on the transaction connection', async () => {
    const rows = await tdb.db.kysely.transaction().execute(async (trx) => {
      await trx.updateTable('orgs').set({ name: 'Renamed' }).where('id', '=', 'a').execute();
      const seen = await orgByIdAndCurrency(trx, 'a', 'EUR');
      await trx.updateTable('orgs').set({ name: 'Org a' }).where('id', '=', 'a').execute();
      return seen;
    });
    expect(rows).toEqual([{ id: 'a', name: 'Renamed' }]);
  });

  it('never sees the uncommitted writes of a transaction open at the same time', async () => {
    let outside: Promise<unknown> | undefined;
    await expect(
      tdb.db.kysely.transaction().execute(async (trx) => {
        await trx.updateTable('orgs').set({ name: 'Uncommitted' }).where('id', '=', 'a').execute();
        // Another request reads while this transaction holds its write (on SQLite: the one
        // connection is inside BEGIN, so the read must wait rather than run inside it).
        outside = orgByIdAndCurrency(tdb.db.kysely, 'a', 'EUR');
        await new Promise((r) => setTimeout(r, 20));
        throw new Error('roll back');
      }),
    ).rejects.toThrow('roll back');
    expect(await outside).toEqual([{ id: 'a', name: 'Org a' }]);
  });

  it('refuses a query that does not pass an argument as a whole parameter', async () => {
    const ignoresArgument = compiledQuery((db: Executor, _id: string) =>
      db.selectFrom('orgs').select('id').where('id', '=', 'a'),
    );
    await expect(ignoresArgument(tdb.db.kysely, 'a')).rejects.toThrow('argument 0 is not a parameter');
    const altersArgument = compiledQuery((db: Executor, name: string) =>
      db.selectFrom('orgs').select('id').where('name', 'like', `${name}%`),
    );
    await expect(altersArgument(tdb.db.kysely, 'Org')).rejects.toThrow('altered before binding');
  });
});

describe.runIf(testEngine() === 'sqlite')('SQLite statement cache', () => {
  it('prepares each SQL text once and keeps at most the configured number', () => {
    const handle = cachingSqliteHandle(tdb.db.sqlite!, 2);
    const first = handle.prepare('select 1 as n');
    expect(handle.prepare('select 1 as n')).toBe(first);
    handle.prepare('select 2 as n');
    handle.prepare('select 1 as n'); // most recently used again
    handle.prepare('select 3 as n'); // evicts "select 2"
    expect(handle.prepare('select 1 as n')).toBe(first);
    const second = handle.prepare('select 2 as n');
    expect(handle.prepare('select 2 as n')).toBe(second);
  });

  it('hands out a fresh statement while the cached one is still iterating', () => {
    const handle = cachingSqliteHandle(tdb.db.sqlite!);
    const sql = "select id from orgs where currency = 'EUR' order by id";
    const streaming = handle.prepare(sql) as unknown as { iterate(p: unknown[]): Iterator<{ id: string }> };
    const iterator = streaming.iterate([]);
    expect(iterator.next().value).toEqual({ id: 'a' });
    expect(handle.prepare(sql).all([])).toEqual([{ id: 'a' }, { id: 'b' }]);
    expect(iterator.next().value).toEqual({ id: 'b' });
    iterator.return?.();
  });
});

const cachedOrgName = compiledQuery(
  (db: Executor, id: string) => db.selectFrom('orgs').select(['id', 'name']).where('id', '=', id),
  { cached: true },
);
const nextTurn = () => new Promise((r) => setImmediate(r));

describe('compiledQuery with the coherent read cache', () => {
  it('answers from memory while nothing changed, and sees every write of this connection at once', async () => {
    await nextTurn();
    executed.length = 0;
    expect(await cachedOrgName(tdb.db.kysely, 'a')).toEqual([{ id: 'a', name: 'Org a' }]);
    expect(await cachedOrgName(tdb.db.kysely, 'a')).toEqual([{ id: 'a', name: 'Org a' }]);
    // SQLite served the second call from the cache; PostgreSQL has no cache and asks again.
    expect(executed.length).toBe(testEngine() === 'sqlite' ? 1 : 2);

    // A write to any table, in the same turn of the event loop, is seen by the very next read.
    await tdb.db.kysely.updateTable('orgs').set({ name: 'Changed' }).where('id', '=', 'a').execute();
    expect(await cachedOrgName(tdb.db.kysely, 'a')).toEqual([{ id: 'a', name: 'Changed' }]);
    await tdb.db.kysely.updateTable('orgs').set({ name: 'Org a' }).where('id', '=', 'a').execute();
    expect(await cachedOrgName(tdb.db.kysely, 'a')).toEqual([{ id: 'a', name: 'Org a' }]);
  });

  it('drops what a rolled-back transaction could have touched and never serves its writes', async () => {
    expect(await cachedOrgName(tdb.db.kysely, 'b')).toEqual([{ id: 'b', name: 'Org b' }]);
    let outside: Promise<unknown> | undefined;
    await expect(
      tdb.db.kysely.transaction().execute(async (trx) => {
        await trx.updateTable('orgs').set({ name: 'Uncommitted' }).where('id', '=', 'b').execute();
        outside = cachedOrgName(tdb.db.kysely, 'b');
        expect(await cachedOrgName(trx, 'b')).toEqual([{ id: 'b', name: 'Uncommitted' }]);
        throw new Error('roll back');
      }),
    ).rejects.toThrow('roll back');
    expect(await outside).toEqual([{ id: 'b', name: 'Org b' }]);
    expect(await cachedOrgName(tdb.db.kysely, 'b')).toEqual([{ id: 'b', name: 'Org b' }]);
  });

  it('hands out frozen rows, so a caller cannot change what the next caller gets', async () => {
    const rows = await cachedOrgName(tdb.db.kysely, 'a');
    if (testEngine() === 'sqlite') {
      expect(Object.isFrozen(rows)).toBe(true);
      expect(() => {
        (rows[0] as { name: string }).name = 'mutated';
      }).toThrow(TypeError);
    }
    expect(await cachedOrgName(tdb.db.kysely, 'a')).toEqual([{ id: 'a', name: 'Org a' }]);
  });
});

describe.runIf(testEngine() === 'postgres')('PostgreSQL prepared statements', () => {
  it('runs a compiled query as a named prepared statement on its connection, with fresh arguments each time', async () => {
    const prepared = await tdb.db.kysely.transaction().execute(async (trx) => {
      expect(await cachedOrgName(trx, 'a')).toEqual([{ id: 'a', name: 'Org a' }]);
      expect(await cachedOrgName(trx, 'b')).toEqual([{ id: 'b', name: 'Org b' }]);
      const rows = await sql<{
        name: string;
        statement: string;
      }>`select name, statement from pg_prepared_statements`.execute(trx);
      return rows.rows;
    });
    const text = 'select "id", "name" from "orgs" where "id" = $1';
    const mine = prepared.filter((p) => p.statement === text);
    // Prepared once, under a name derived from its text, though it ran with two arguments.
    expect(mine).toHaveLength(1);
    expect(mine[0]!.name).toMatch(/^of_/);
    // A query that is not a compiled template stays unnamed.
    expect(prepared.some((p) => p.statement.includes('pg_prepared_statements'))).toBe(false);
  });
});

describe.runIf(testEngine() === 'sqlite')('SQLite coherent read cache across processes', () => {
  it('sees a write made on the raw connection, past the statement handle, from the next turn', async () => {
    await nextTurn();
    expect(await cachedOrgName(tdb.db.kysely, 'a')).toEqual([{ id: 'a', name: 'Org a' }]);
    tdb.db.sqlite!.prepare("update orgs set name = 'Raw write' where id = 'a'").run();
    await nextTurn();
    expect(await cachedOrgName(tdb.db.kysely, 'a')).toEqual([{ id: 'a', name: 'Raw write' }]);
    tdb.db.sqlite!.prepare("update orgs set name = 'Org a' where id = 'a'").run();
    await nextTurn();
    expect(await cachedOrgName(tdb.db.kysely, 'a')).toEqual([{ id: 'a', name: 'Org a' }]);
  });

  it("sees another connection's commit (the CLI, a second instance) from the next turn of the event loop", async () => {
    await nextTurn();
    expect(await cachedOrgName(tdb.db.kysely, 'a')).toEqual([{ id: 'a', name: 'Org a' }]);
    const other = new SqliteDatabase(sqlitePath(tdb.url));
    try {
      other.prepare("update orgs set name = 'From elsewhere' where id = 'a'").run();
      await nextTurn();
      expect(await cachedOrgName(tdb.db.kysely, 'a')).toEqual([{ id: 'a', name: 'From elsewhere' }]);
      other.prepare("update orgs set name = 'Org a' where id = 'a'").run();
      await nextTurn();
      expect(await cachedOrgName(tdb.db.kysely, 'a')).toEqual([{ id: 'a', name: 'Org a' }]);
    } finally {
      other.close();
    }
  });
});

const orgsIn = shapedQuery(
  (db: Executor, a: { ids: string[]; currency: string; names: string[] }, shape: { byName: boolean }) => {
    let q = db.selectFrom('orgs').select(['id']).where('id', 'in', a.ids).where('currency', '=', a.currency);
    if (shape.byName) q = q.where('name', 'in', a.names);
    return q.orderBy('id');
  },
  (shape) => String(shape.byName),
);

describe('shapedQuery', () => {
  const run = async (a: { ids: string[]; currency: string; names: string[] }, byName: boolean) => {
    const query = orgsIn(tdb.db.kysely, a, { byName });
    return (await tdb.db.kysely.executeQuery(query)).rows;
  };

  it('binds fresh lists and values into the SQL compiled for their shape', async () => {
    expect(await run({ ids: ['a', 'b'], currency: 'EUR', names: [] }, false)).toEqual([
      { id: 'a' },
      { id: 'b' },
    ]);
    expect(await run({ ids: ['b', 'x'], currency: 'EUR', names: [] }, false)).toEqual([{ id: 'b' }]);
    expect(await run({ ids: ['a', 'b'], currency: 'USD', names: [] }, false)).toEqual([]);
    expect(await run({ ids: ['a'], currency: 'EUR', names: [] }, false)).toEqual([{ id: 'a' }]);
    expect(await run({ ids: ['a', 'b'], currency: 'EUR', names: ['Org b'] }, true)).toEqual([{ id: 'b' }]);
    expect(await run({ ids: ['a', 'b'], currency: 'EUR', names: ['Org a', 'nobody'] }, true)).toEqual([
      { id: 'a' },
    ]);
  });

  it('compiles once per shape and list lengths, the same SQL as the query builder', () => {
    const a = orgsIn(tdb.db.kysely, { ids: ['a', 'b'], currency: 'EUR', names: ['n'] }, { byName: true });
    const b = orgsIn(tdb.db.kysely, { ids: ['c', 'd'], currency: 'USD', names: ['m'] }, { byName: true });
    expect(b.sql).toBe(a.sql);
    expect(b.parameters).toEqual(['c', 'd', 'USD', 'm']);
    const direct = tdb.db.kysely
      .selectFrom('orgs')
      .select(['id'])
      .where('id', 'in', ['c', 'd'])
      .where('currency', '=', 'USD')
      .where('name', 'in', ['m'])
      .orderBy('id')
      .compile();
    expect(b.sql).toBe(direct.sql);
    expect(b.parameters).toEqual(direct.parameters);
    const three = orgsIn(
      tdb.db.kysely,
      { ids: ['a', 'b', 'c'], currency: 'EUR', names: [] },
      { byName: false },
    );
    expect(three.parameters).toEqual(['a', 'b', 'c', 'EUR']);
  });

  it('refuses a build that does not pass an argument as a parameter', () => {
    const broken = shapedQuery(
      (db: Executor, a: { id: string }) =>
        db.selectFrom('orgs').select(['id']).where('id', '=', a.id.toUpperCase()),
      () => '',
    );
    expect(() => broken(tdb.db.kysely, { id: 'a' }, null)).toThrow(/shapedQuery/);
  });
});
