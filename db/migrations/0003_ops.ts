import type { Kysely } from 'kysely';

// Never edit this file once landed: add a new migration instead.
// Operations: the background job queue (also the email/webhook outbox), in-app notifications and
// their per-user preferences, webhook endpoints and their delivery log. Conventions as in 0001.

// biome-ignore lint/suspicious/noExplicitAny: migrations run against the schema as it was
export async function up(db: Kysely<any>): Promise<void> {
  // One queue for every engine. Jobs are not tenant data in themselves (some are system-wide, such
  // as the digest scheduler), so the key is the id alone and org_id is nullable; the admin listing
  // index still leads with org_id.
  await db.schema
    .createTable('jobs')
    .addColumn('id', 'text', (c) => c.primaryKey())
    .addColumn('org_id', 'text')
    .addColumn('name', 'text', (c) => c.notNull())
    .addColumn('payload', 'text', (c) => c.notNull().defaultTo('{}'))
    .addColumn('state', 'text', (c) => c.notNull())
    .addColumn('run_at', 'bigint', (c) => c.notNull())
    .addColumn('attempts', 'integer', (c) => c.notNull().defaultTo(0))
    .addColumn('max_attempts', 'integer', (c) => c.notNull())
    .addColumn('dedupe_key', 'text')
    .addColumn('locked_by', 'text')
    .addColumn('lock_expires_at', 'bigint')
    .addColumn('last_error', 'text')
    .addColumn('created_at', 'bigint', (c) => c.notNull())
    .addColumn('updated_at', 'bigint', (c) => c.notNull())
    .addColumn('finished_at', 'bigint')
    .execute();
  // The claim query: due queued jobs in run_at order.
  await db.schema.createIndex('jobs_due_ix').on('jobs').columns(['state', 'run_at']).execute();
  await db.schema.createIndex('jobs_org_ix').on('jobs').columns(['org_id', 'state', 'created_at']).execute();
  // A dedupe key is taken for good (scheduled slots and per-user digests carry their period in the
  // key), which makes "enqueue this slot" idempotent across every instance.
  await db.schema.createIndex('jobs_dedupe_uq').on('jobs').column('dedupe_key').unique().execute();

  await db.schema
    .createTable('notifications')
    .addColumn('org_id', 'text', (c) => c.notNull())
    .addColumn('id', 'text', (c) => c.notNull())
    .addColumn('user_id', 'text', (c) => c.notNull())
    .addColumn('category', 'text', (c) => c.notNull())
    .addColumn('title', 'text', (c) => c.notNull())
    .addColumn('body', 'text', (c) => c.notNull())
    .addColumn('link', 'text')
    .addColumn('read_at', 'bigint')
    .addColumn('created_at', 'bigint', (c) => c.notNull())
    .addPrimaryKeyConstraint('notifications_pk', ['org_id', 'id'])
    .execute();
  await db.schema
    .createIndex('notifications_user_ix')
    .on('notifications')
    .columns(['org_id', 'user_id', 'id'])
    .execute();
  await db.schema
    .createIndex('notifications_unread_ix')
    .on('notifications')
    .columns(['org_id', 'user_id', 'read_at'])
    .execute();

  // Only deviations from the per-category defaults are stored.
  await db.schema
    .createTable('notification_preferences')
    .addColumn('org_id', 'text', (c) => c.notNull())
    .addColumn('user_id', 'text', (c) => c.notNull())
    .addColumn('category', 'text', (c) => c.notNull())
    .addColumn('email_immediate', 'integer', (c) => c.notNull())
    .addColumn('digest', 'text', (c) => c.notNull())
    .addColumn('updated_at', 'bigint', (c) => c.notNull())
    .addPrimaryKeyConstraint('notification_preferences_pk', ['org_id', 'user_id', 'category'])
    .execute();

  await db.schema
    .createTable('webhook_endpoints')
    .addColumn('org_id', 'text', (c) => c.notNull())
    .addColumn('id', 'text', (c) => c.notNull())
    .addColumn('url', 'text', (c) => c.notNull())
    .addColumn('description', 'text', (c) => c.notNull().defaultTo(''))
    .addColumn('events', 'text', (c) => c.notNull())
    // The signing secret must be readable to sign; it is shown to the admin once, at creation.
    .addColumn('secret', 'text', (c) => c.notNull())
    .addColumn('active', 'integer', (c) => c.notNull().defaultTo(1))
    .addColumn('created_by', 'text', (c) => c.notNull())
    .addColumn('created_at', 'bigint', (c) => c.notNull())
    .addColumn('updated_at', 'bigint', (c) => c.notNull())
    .addColumn('deleted_at', 'bigint')
    .addPrimaryKeyConstraint('webhook_endpoints_pk', ['org_id', 'id'])
    .execute();

  // One row per message per endpoint; the id is the Standard Webhooks message id (stable across retries).
  await db.schema
    .createTable('webhook_deliveries')
    .addColumn('org_id', 'text', (c) => c.notNull())
    .addColumn('id', 'text', (c) => c.notNull())
    .addColumn('endpoint_id', 'text', (c) => c.notNull())
    .addColumn('event_type', 'text', (c) => c.notNull())
    .addColumn('body', 'text', (c) => c.notNull())
    .addColumn('status', 'text', (c) => c.notNull())
    .addColumn('attempts', 'integer', (c) => c.notNull().defaultTo(0))
    .addColumn('response_status', 'integer')
    .addColumn('response_snippet', 'text')
    .addColumn('error', 'text')
    .addColumn('duration_ms', 'integer')
    .addColumn('created_at', 'bigint', (c) => c.notNull())
    .addColumn('last_attempt_at', 'bigint')
    .addColumn('delivered_at', 'bigint')
    .addPrimaryKeyConstraint('webhook_deliveries_pk', ['org_id', 'id'])
    .execute();
  await db.schema
    .createIndex('webhook_deliveries_endpoint_ix')
    .on('webhook_deliveries')
    .columns(['org_id', 'endpoint_id', 'id'])
    .execute();
}
