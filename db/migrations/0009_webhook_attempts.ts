import type { Kysely } from 'kysely';

// Never edit this file once landed: add a new migration instead.
// The delivery log keeps every attempt of a webhook message (when, the answer or the error, how
// long it took), not only the latest one on webhook_deliveries.

// biome-ignore lint/suspicious/noExplicitAny: migrations run against the schema as it was
export async function up(db: Kysely<any>): Promise<void> {
  await db.schema
    .createTable('webhook_delivery_attempts')
    .addColumn('org_id', 'text', (c) => c.notNull())
    .addColumn('delivery_id', 'text', (c) => c.notNull())
    .addColumn('attempt', 'integer', (c) => c.notNull())
    .addColumn('attempted_at', 'bigint', (c) => c.notNull())
    .addColumn('response_status', 'integer')
    .addColumn('response_snippet', 'text')
    .addColumn('error', 'text')
    .addColumn('duration_ms', 'integer')
    .addPrimaryKeyConstraint('webhook_delivery_attempts_pk', ['org_id', 'delivery_id', 'attempt'])
    .addForeignKeyConstraint(
      'webhook_delivery_attempts_delivery_fk',
      ['org_id', 'delivery_id'],
      'webhook_deliveries',
      ['org_id', 'id'],
      (fk) => fk.onDelete('cascade'),
    )
    .execute();
}

// biome-ignore lint/suspicious/noExplicitAny: migrations run against the schema as it was
export async function down(db: Kysely<any>): Promise<void> {
  await db.schema.dropTable('webhook_delivery_attempts').execute();
}
