import type { Kysely } from 'kysely';

// Never edit this file once landed: add a new migration instead.
// The field CRM: accounts, contacts, pipelines/stages, deals (+ splits, stage history), activities
// (visits with check-in/out and GPS verification), notes. Conventions as in 0001.

// biome-ignore lint/suspicious/noExplicitAny: migrations run against the schema as it was
export async function up(db: Kysely<any>): Promise<void> {
  await db.schema
    .createTable('accounts')
    .addColumn('org_id', 'text', (c) => c.notNull())
    .addColumn('id', 'text', (c) => c.notNull())
    .addColumn('name', 'text', (c) => c.notNull())
    .addColumn('name_lower', 'text', (c) => c.notNull())
    .addColumn('street', 'text')
    .addColumn('city', 'text')
    .addColumn('region', 'text')
    .addColumn('postal_code', 'text')
    .addColumn('country', 'text')
    .addColumn('latitude', 'double precision')
    .addColumn('longitude', 'double precision')
    .addColumn('territory', 'text')
    .addColumn('industry', 'text')
    .addColumn('tier', 'text')
    .addColumn('status', 'text', (c) => c.notNull().defaultTo('active'))
    .addColumn('owner_id', 'text', (c) => c.notNull())
    .addColumn('external_source', 'text')
    .addColumn('external_id', 'text')
    .addColumn('last_activity_at', 'bigint')
    .addColumn('created_at', 'bigint', (c) => c.notNull())
    .addColumn('updated_at', 'bigint', (c) => c.notNull())
    .addPrimaryKeyConstraint('accounts_pk', ['org_id', 'id'])
    .execute();
  await db.schema
    .createIndex('accounts_owner_ix')
    .on('accounts')
    .columns(['org_id', 'owner_id', 'name_lower'])
    .execute();
  await db.schema
    .createIndex('accounts_name_ix')
    .on('accounts')
    .columns(['org_id', 'name_lower', 'id'])
    .execute();
  await db.schema
    .createIndex('accounts_external_uq')
    .on('accounts')
    .columns(['org_id', 'external_source', 'external_id'])
    .unique()
    .execute();

  await db.schema
    .createTable('contacts')
    .addColumn('org_id', 'text', (c) => c.notNull())
    .addColumn('id', 'text', (c) => c.notNull())
    .addColumn('account_id', 'text', (c) => c.notNull())
    .addColumn('name', 'text', (c) => c.notNull())
    .addColumn('name_lower', 'text', (c) => c.notNull())
    .addColumn('title', 'text')
    .addColumn('email', 'text')
    .addColumn('phone', 'text')
    .addColumn('external_source', 'text')
    .addColumn('external_id', 'text')
    .addColumn('created_at', 'bigint', (c) => c.notNull())
    .addColumn('updated_at', 'bigint', (c) => c.notNull())
    .addPrimaryKeyConstraint('contacts_pk', ['org_id', 'id'])
    .addForeignKeyConstraint('contacts_account_fk', ['org_id', 'account_id'], 'accounts', ['org_id', 'id'])
    .execute();
  await db.schema
    .createIndex('contacts_account_ix')
    .on('contacts')
    .columns(['org_id', 'account_id'])
    .execute();
  await db.schema
    .createIndex('contacts_external_uq')
    .on('contacts')
    .columns(['org_id', 'external_source', 'external_id'])
    .unique()
    .execute();

  await db.schema
    .createTable('pipelines')
    .addColumn('org_id', 'text', (c) => c.notNull())
    .addColumn('id', 'text', (c) => c.notNull())
    .addColumn('name', 'text', (c) => c.notNull())
    .addColumn('is_default', 'integer', (c) => c.notNull().defaultTo(0))
    .addColumn('created_at', 'bigint', (c) => c.notNull())
    .addPrimaryKeyConstraint('pipelines_pk', ['org_id', 'id'])
    .execute();

  await db.schema
    .createTable('stages')
    .addColumn('org_id', 'text', (c) => c.notNull())
    .addColumn('id', 'text', (c) => c.notNull())
    .addColumn('pipeline_id', 'text', (c) => c.notNull())
    .addColumn('name', 'text', (c) => c.notNull())
    .addColumn('position', 'integer', (c) => c.notNull())
    .addColumn('probability', 'integer', (c) => c.notNull())
    .addColumn('kind', 'text', (c) => c.notNull())
    .addPrimaryKeyConstraint('stages_pk', ['org_id', 'id'])
    .addForeignKeyConstraint('stages_pipeline_fk', ['org_id', 'pipeline_id'], 'pipelines', ['org_id', 'id'])
    .execute();

  await db.schema
    .createTable('deals')
    .addColumn('org_id', 'text', (c) => c.notNull())
    .addColumn('id', 'text', (c) => c.notNull())
    .addColumn('account_id', 'text', (c) => c.notNull())
    .addColumn('owner_id', 'text', (c) => c.notNull())
    .addColumn('name', 'text', (c) => c.notNull())
    .addColumn('name_lower', 'text', (c) => c.notNull())
    .addColumn('amount_minor', 'bigint', (c) => c.notNull())
    .addColumn('currency', 'text', (c) => c.notNull())
    .addColumn('pipeline_id', 'text', (c) => c.notNull())
    .addColumn('stage_id', 'text', (c) => c.notNull())
    .addColumn('probability_override', 'integer')
    .addColumn('expected_close_date', 'text')
    .addColumn('status', 'text', (c) => c.notNull())
    .addColumn('closed_at', 'bigint')
    .addColumn('close_reason', 'text')
    .addColumn('external_source', 'text')
    .addColumn('external_id', 'text')
    .addColumn('created_at', 'bigint', (c) => c.notNull())
    .addColumn('updated_at', 'bigint', (c) => c.notNull())
    .addPrimaryKeyConstraint('deals_pk', ['org_id', 'id'])
    .addForeignKeyConstraint('deals_account_fk', ['org_id', 'account_id'], 'accounts', ['org_id', 'id'])
    .addForeignKeyConstraint('deals_stage_fk', ['org_id', 'stage_id'], 'stages', ['org_id', 'id'])
    .execute();
  await db.schema
    .createIndex('deals_owner_ix')
    .on('deals')
    .columns(['org_id', 'owner_id', 'status'])
    .execute();
  await db.schema.createIndex('deals_account_ix').on('deals').columns(['org_id', 'account_id']).execute();
  await db.schema.createIndex('deals_stage_ix').on('deals').columns(['org_id', 'stage_id']).execute();
  await db.schema
    .createIndex('deals_closed_ix')
    .on('deals')
    .columns(['org_id', 'status', 'closed_at'])
    .execute();
  await db.schema
    .createIndex('deals_external_uq')
    .on('deals')
    .columns(['org_id', 'external_source', 'external_id'])
    .unique()
    .execute();

  await db.schema
    .createTable('deal_splits')
    .addColumn('org_id', 'text', (c) => c.notNull())
    .addColumn('deal_id', 'text', (c) => c.notNull())
    .addColumn('user_id', 'text', (c) => c.notNull())
    .addColumn('share_bp', 'integer', (c) => c.notNull())
    .addPrimaryKeyConstraint('deal_splits_pk', ['org_id', 'deal_id', 'user_id'])
    .addForeignKeyConstraint('deal_splits_deal_fk', ['org_id', 'deal_id'], 'deals', ['org_id', 'id'], (fk) =>
      fk.onDelete('cascade'),
    )
    .execute();
  await db.schema
    .createIndex('deal_splits_user_ix')
    .on('deal_splits')
    .columns(['org_id', 'user_id'])
    .execute();

  await db.schema
    .createTable('deal_stage_history')
    .addColumn('org_id', 'text', (c) => c.notNull())
    .addColumn('id', 'text', (c) => c.notNull())
    .addColumn('deal_id', 'text', (c) => c.notNull())
    .addColumn('from_stage_id', 'text')
    .addColumn('to_stage_id', 'text', (c) => c.notNull())
    .addColumn('changed_at', 'bigint', (c) => c.notNull())
    .addColumn('changed_by', 'text')
    .addPrimaryKeyConstraint('deal_stage_history_pk', ['org_id', 'id'])
    .addForeignKeyConstraint(
      'deal_stage_history_deal_fk',
      ['org_id', 'deal_id'],
      'deals',
      ['org_id', 'id'],
      (fk) => fk.onDelete('cascade'),
    )
    .execute();
  await db.schema
    .createIndex('deal_stage_history_deal_ix')
    .on('deal_stage_history')
    .columns(['org_id', 'deal_id', 'changed_at'])
    .execute();

  await db.schema
    .createTable('activities')
    .addColumn('org_id', 'text', (c) => c.notNull())
    .addColumn('id', 'text', (c) => c.notNull())
    .addColumn('owner_id', 'text', (c) => c.notNull())
    .addColumn('kind', 'text', (c) => c.notNull())
    .addColumn('subject', 'text', (c) => c.notNull())
    .addColumn('outcome', 'text')
    .addColumn('occurred_at', 'bigint', (c) => c.notNull())
    .addColumn('duration_minutes', 'integer')
    .addColumn('account_id', 'text')
    .addColumn('contact_id', 'text')
    .addColumn('deal_id', 'text')
    .addColumn('source', 'text', (c) => c.notNull().defaultTo('online'))
    .addColumn('checkin_at', 'bigint')
    .addColumn('checkin_lat', 'double precision')
    .addColumn('checkin_lng', 'double precision')
    .addColumn('checkin_accuracy_m', 'double precision')
    .addColumn('checkout_at', 'bigint')
    .addColumn('checkout_lat', 'double precision')
    .addColumn('checkout_lng', 'double precision')
    .addColumn('distance_m', 'double precision')
    .addColumn('verified', 'integer')
    .addColumn('external_source', 'text')
    .addColumn('external_id', 'text')
    .addColumn('created_at', 'bigint', (c) => c.notNull())
    .addColumn('updated_at', 'bigint', (c) => c.notNull())
    .addPrimaryKeyConstraint('activities_pk', ['org_id', 'id'])
    .execute();
  await db.schema
    .createIndex('activities_owner_ix')
    .on('activities')
    .columns(['org_id', 'owner_id', 'occurred_at'])
    .execute();
  await db.schema
    .createIndex('activities_account_ix')
    .on('activities')
    .columns(['org_id', 'account_id', 'occurred_at'])
    .execute();
  await db.schema
    .createIndex('activities_time_ix')
    .on('activities')
    .columns(['org_id', 'occurred_at', 'id'])
    .execute();
  await db.schema
    .createIndex('activities_external_uq')
    .on('activities')
    .columns(['org_id', 'external_source', 'external_id'])
    .unique()
    .execute();

  await db.schema
    .createTable('notes')
    .addColumn('org_id', 'text', (c) => c.notNull())
    .addColumn('id', 'text', (c) => c.notNull())
    .addColumn('entity_type', 'text', (c) => c.notNull())
    .addColumn('entity_id', 'text', (c) => c.notNull())
    .addColumn('author_id', 'text', (c) => c.notNull())
    .addColumn('body', 'text', (c) => c.notNull())
    .addColumn('created_at', 'bigint', (c) => c.notNull())
    .addColumn('updated_at', 'bigint', (c) => c.notNull())
    .addPrimaryKeyConstraint('notes_pk', ['org_id', 'id'])
    .execute();
  await db.schema
    .createIndex('notes_entity_ix')
    .on('notes')
    .columns(['org_id', 'entity_type', 'entity_id', 'created_at'])
    .execute();
}
