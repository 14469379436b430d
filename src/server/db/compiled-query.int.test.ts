import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestDb, type TestDb, testEngine } from '../../../tests/setup/test-db.ts';
import { compiledQuery } from './compiled-query.ts';
import { cachingSqliteHandle, type Executor } from './database.ts';

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
