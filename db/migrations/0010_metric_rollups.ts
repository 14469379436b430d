import type { Kysely } from 'kysely';

// Never edit this file once landed: add a new migration instead.
// Daily rollups for the metric engine, keyed by the org's local day (days since 1970-01-01 of the
// local calendar date), so every period of the org (weeks, months, quarters, years in its time zone)
// is a whole range of days. Kept up to date inside every activity and deal write; rebuilt by
// `outfield rollups rebuild` and after an org's time zone changes. metric_rollup_state says for
// which time zone and rollup version an org's rollups are valid; without a matching row the engine
// reads the raw rows.

// biome-ignore lint/suspicious/noExplicitAny: migrations run against the schema as it was
export async function up(db: Kysely<any>): Promise<void> {
  await db.schema
    .createTable('metric_rollup_state')
    .addColumn('org_id', 'text', (c) => c.notNull().primaryKey())
    .addColumn('time_zone', 'text', (c) => c.notNull())
    .addColumn('version', 'integer', (c) => c.notNull())
    .addColumn('built_at', 'bigint', (c) => c.notNull())
    .execute();

  // Activities per rep, local day, kind and verified flag (-1: not a visit / unknown).
  await db.schema
    .createTable('activity_rollups')
    .addColumn('org_id', 'text', (c) => c.notNull())
    .addColumn('user_id', 'text', (c) => c.notNull())
    .addColumn('day', 'integer', (c) => c.notNull())
    .addColumn('kind', 'text', (c) => c.notNull())
    .addColumn('verified', 'integer', (c) => c.notNull())
    .addColumn('n', 'bigint', (c) => c.notNull())
    .addColumn('duration_sum', 'bigint', (c) => c.notNull())
    .addColumn('duration_n', 'bigint', (c) => c.notNull())
    .addPrimaryKeyConstraint('activity_rollups_pk', ['org_id', 'user_id', 'day', 'kind', 'verified'])
    .execute();

  // Credited closed deals per person, local day of closing, status, currency and stage.
  await db.schema
    .createTable('deal_rollups')
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
    .addPrimaryKeyConstraint('deal_rollups_pk', [
      'org_id',
      'user_id',
      'day',
      'status',
      'currency',
      'stage_id',
    ])
    .execute();

  // Which (person, day) keys each closed deal currently counts in, so a write can refresh the keys
  // the deal leaves as well as those it enters.
  await db.schema
    .createTable('deal_rollup_keys')
    .addColumn('org_id', 'text', (c) => c.notNull())
    .addColumn('deal_id', 'text', (c) => c.notNull())
    .addColumn('user_id', 'text', (c) => c.notNull())
    .addColumn('day', 'integer', (c) => c.notNull())
    .addPrimaryKeyConstraint('deal_rollup_keys_pk', ['org_id', 'deal_id', 'user_id'])
    .execute();
}

// biome-ignore lint/suspicious/noExplicitAny: migrations run against the schema as it was
export async function down(db: Kysely<any>): Promise<void> {
  await db.schema.dropTable('deal_rollup_keys').execute();
  await db.schema.dropTable('deal_rollups').execute();
  await db.schema.dropTable('activity_rollups').execute();
  await db.schema.dropTable('metric_rollup_state').execute();
}
