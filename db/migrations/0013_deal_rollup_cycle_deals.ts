import type { Kysely } from 'kysely';

// Never edit this file once landed: add a new migration instead.
// The sales cycle averages only the won deals whose cycle is known: a deal recorded as closed on a
// day before it was created in Outfield (entered after the fact, or imported without its created
// date) has no cycle to count. `cycle_deals` counts the deals behind `cycle_ms` in both rollup tiers.
// ROLLUP_VERSION 3 marks rollups built with it; older states are rebuilt at start-up.

// biome-ignore lint/suspicious/noExplicitAny: migrations run against the schema as it was
export async function up(db: Kysely<any>): Promise<void> {
  for (const table of ['deal_rollups', 'deal_rollup_months']) {
    await db.schema
      .alterTable(table)
      .addColumn('cycle_deals', 'bigint', (c) => c.notNull().defaultTo(0))
      .execute();
  }
}

// biome-ignore lint/suspicious/noExplicitAny: migrations run against the schema as it was
export async function down(db: Kysely<any>): Promise<void> {
  for (const table of ['deal_rollups', 'deal_rollup_months']) {
    await db.schema.alterTable(table).dropColumn('cycle_deals').execute();
  }
}
