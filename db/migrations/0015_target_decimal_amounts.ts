import { type Kysely, PostgresAdapter, sql } from 'kysely';

// Never edit this file once landed: add a new migration instead.
// Target amounts may carry decimals for percents, days and plain numbers (a 27.5 % win rate, 2.5
// visits per field day; at most 2 decimals, checked by the API); money stays whole minor units and
// counts whole numbers. PostgreSQL: `amount` becomes double precision — every whole number up to
// 2^53 (the API's limit, Number.MAX_SAFE_INTEGER) stays exact, existing rows convert losslessly,
// and the driver answers a JS number as before. SQLite: nothing to do — the `bigint` column has
// INTEGER affinity, which keeps whole values as integers and stores a value with a fraction as
// REAL unchanged. (Storing a scaled integer instead would have changed the meaning of every row
// and of every reader of `amount`; a double keeps both.)

// biome-ignore lint/suspicious/noExplicitAny: migrations run against the schema as it was
export async function up(db: Kysely<any>): Promise<void> {
  if (db.getExecutor().adapter instanceof PostgresAdapter)
    await sql`alter table targets alter column amount type double precision`.execute(db);
}

// biome-ignore lint/suspicious/noExplicitAny: migrations run against the schema as it was
export async function down(db: Kysely<any>): Promise<void> {
  if (db.getExecutor().adapter instanceof PostgresAdapter)
    await sql`alter table targets alter column amount type bigint using round(amount)::bigint`.execute(db);
}
