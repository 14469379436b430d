import { sql } from 'kysely';
import pg from 'pg';
import { afterEach, describe, expect, it } from 'vitest';
import { createTestDb, type TestDb, testEngine } from '../../../tests/setup/test-db.ts';
import { openDb, readArrays, readRows } from './database.ts';

const cleanups: Array<() => Promise<void>> = [];
afterEach(async () => {
  for (const c of cleanups.splice(0).reverse()) await c();
});

async function fresh(): Promise<TestDb> {
  const tdb = await createTestDb();
  cleanups.push(() => tdb.drop());
  return tdb;
}

describe.runIf(testEngine() === 'postgres')('PostgreSQL connection pool', () => {
  it('survives the server terminating an idle connection, reports it, and reconnects', async () => {
    const tdb = await fresh();
    const errors: string[] = [];
    const db = openDb(tdb.url, { poolSize: 2, onPoolError: (e) => errors.push(e.message) });
    cleanups.push(() => db.close());
    const pid = await sql<{ pid: number }>`select pg_backend_pid() as pid`.execute(db.kysely);
    const backend = pid.rows[0]!.pid;

    const admin = new pg.Client({ connectionString: tdb.url });
    await admin.connect();
    await admin.query('select pg_terminate_backend($1)', [backend]);
    await admin.end();
    // The idle client hears about it asynchronously; without a pool error listener this would be
    // an uncaught 'error' event and take the whole process down.
    for (let i = 0; i < 100 && errors.length === 0; i++) await new Promise((r) => setTimeout(r, 20));
    expect(errors.join()).toMatch(/terminat/i);

    const again = await sql<{ one: number }>`select 1 as one`.execute(db.kysely);
    expect(again.rows[0]!.one).toBe(1);
  });

  it('closes only once every connection has really ended, so the database can be dropped at once', async () => {
    const tdb = await fresh();
    const url = new URL(tdb.url);
    url.searchParams.set('application_name', 'pool-close-test');
    const db = openDb(url.toString(), { poolSize: 4 });
    // Open several connections at the same time.
    await Promise.all(Array.from({ length: 4 }, () => sql`select pg_sleep(0.05)`.execute(db.kysely)));
    expect(db.pool!.totalCount).toBe(4);
    await db.close();
    const admin = new pg.Client({ connectionString: tdb.url });
    await admin.connect();
    const left = await admin.query(
      "select count(*)::int as n from pg_stat_activity where application_name = 'pool-close-test'",
    );
    await admin.end();
    expect(left.rows[0].n).toBe(0);
  });
});

describe.runIf(testEngine() === 'sqlite')('SQLite handle', () => {
  it('opens with WAL, full synchronous writes and foreign keys on', async () => {
    const tdb = await fresh();
    const raw = tdb.db.sqlite!;
    expect(raw.pragma('journal_mode', { simple: true })).toBe('wal');
    expect(raw.pragma('synchronous', { simple: true })).toBe(2);
    expect(raw.pragma('foreign_keys', { simple: true })).toBe(1);
    // A 64 MiB page cache, not SQLite's 2 MiB (negative: KiB).
    expect(raw.pragma('cache_size', { simple: true })).toBe(-65_536);
  });
});

describe('readArrays', () => {
  it('answers rows as arrays in the order selected, in and out of a transaction, and leaves the statement answering objects', async () => {
    const { db } = await fresh();
    await db.kysely
      .insertInto('orgs')
      .values([
        {
          id: 'o-b',
          name: 'Beta',
          currency: 'EUR',
          time_zone: 'UTC',
          fiscal_year_start_month: 1,
          settings: '{}',
          created_at: 1,
          updated_at: 1,
        },
        {
          id: 'o-a',
          name: 'Alpha',
          currency: 'USD',
          time_zone: 'UTC',
          fiscal_year_start_month: 1,
          settings: '{}',
          created_at: 1,
          updated_at: 1,
        },
      ])
      .execute();
    const query = db.kysely.selectFrom('orgs').select(['name', 'id', 'currency']).orderBy('id');
    const expected = [
      ['Alpha', 'o-a', 'USD'],
      ['Beta', 'o-b', 'EUR'],
    ];
    expect(await readArrays(db.kysely, query.compile())).toEqual(expected);
    // The same statement read as objects afterwards (it is shared through the statement cache).
    expect(await readRows(db.kysely, query)).toEqual([
      { name: 'Alpha', id: 'o-a', currency: 'USD' },
      { name: 'Beta', id: 'o-b', currency: 'EUR' },
    ]);
    await db.kysely.transaction().execute(async (trx) => {
      expect(await readArrays(trx, query.compile())).toEqual(expected);
    });
  });
});
