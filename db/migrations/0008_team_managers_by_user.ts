import type { Kysely } from 'kysely';

// Never edit this file once landed: add a new migration instead.
// The teams a user manages are read on every /api/me and every reach computation; the primary key
// (org_id, team_id, user_id) cannot serve "by user", so that lookup scanned the org's managers.

// biome-ignore lint/suspicious/noExplicitAny: migrations run against the schema as it was
export async function up(db: Kysely<any>): Promise<void> {
  await db.schema
    .createIndex('team_managers_user_ix')
    .on('team_managers')
    .columns(['org_id', 'user_id', 'team_id'])
    .execute();
}

// biome-ignore lint/suspicious/noExplicitAny: migrations run against the schema as it was
export async function down(db: Kysely<any>): Promise<void> {
  await db.schema.dropIndex('team_managers_user_ix').execute();
}
