import { type Kysely, PostgresAdapter, sql } from 'kysely';

// Never edit this file once landed: add a new migration instead.
// Monthly rollups beside the daily ones (0010): the same rows summed over a local calendar month,
// keyed by the month's first local day (same `day` numbering), so a period made of whole months —
// every month, quarter and year of the org — reads one row per person and key instead of one per
// day. Derived from the daily rollups, kept up to date with them, rebuilt with them. On SQLite the
// rows are stored in their primary key's order (WITHOUT ROWID): a range read needs no second lookup.
// ROLLUP_VERSION 2 marks an org's rollups as having both tiers; older states are rebuilt at start-up.

// biome-ignore lint/suspicious/noExplicitAny: migrations run against the schema as it was
export async function up(db: Kysely<any>): Promise<void> {
  const clustered = db.getExecutor().adapter instanceof PostgresAdapter ? sql`` : sql`without rowid`;
  await db.schema
    .createTable('activity_rollup_months')
    .addColumn('org_id', 'text', (c) => c.notNull())
    .addColumn('user_id', 'text', (c) => c.notNull())
    .addColumn('day', 'integer', (c) => c.notNull())
    .addColumn('kind', 'text', (c) => c.notNull())
    .addColumn('verified', 'integer', (c) => c.notNull())
    .addColumn('n', 'bigint', (c) => c.notNull())
    .addColumn('duration_sum', 'bigint', (c) => c.notNull())
    .addColumn('duration_n', 'bigint', (c) => c.notNull())
    .addPrimaryKeyConstraint('activity_rollup_months_pk', ['org_id', 'user_id', 'day', 'kind', 'verified'])
    .modifyEnd(clustered)
    .execute();

  await db.schema
    .createTable('deal_rollup_months')
    .addColumn('org_id', 'text', (c) => c.notNull())
    .addColumn('user_id', 'text', (c) => c.notNull())
    .addColumn('day', 'integer', (c) => c.notNull())
    .addColumn('status', 'text', (c) => c.notNull())
    .addColumn('currency', 'text', (c) => c.notNull())
    .addColumn('stage_id', 'text', (c) => c.notNull())
    .addColumn('amount', 'bigint', (c) => c.notNull())
    .addColumn('share_bp', 'bigint', (c) => c.notNull())
    .addColumn('deals', 'bigint', (c) => c.notNull())
    .addColumn('cycle_ms', 'bigint', (c) => c.notNull())
    .addPrimaryKeyConstraint('deal_rollup_months_pk', [
      'org_id',
      'user_id',
      'day',
      'status',
      'currency',
      'stage_id',
    ])
    .modifyEnd(clustered)
    .execute();
}

// biome-ignore lint/suspicious/noExplicitAny: migrations run against the schema as it was
export async function down(db: Kysely<any>): Promise<void> {
  await db.schema.dropTable('deal_rollup_months').execute();
  await db.schema.dropTable('activity_rollup_months').execute();
}
