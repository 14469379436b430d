import type { Kysely } from 'kysely';

// Never edit this file once landed: add a new migration instead.
// Strike rate asks, for every visit of a period, whether a deal was won on the visit's account
// within the org's window after it: (org_id, account_id, status, closed_at) answers that with one
// index range per visit. With only deals_account_ix (org_id, account_id) and deals_closed_ix
// (org_id, status, closed_at) to choose from, SQLite without statistics picked deals_closed_ix —
// every won deal of the org closed in the window, for each visit.

// biome-ignore lint/suspicious/noExplicitAny: migrations run against the schema as it was
export async function up(db: Kysely<any>): Promise<void> {
  await db.schema
    .createIndex('deals_account_status_closed_ix')
    .on('deals')
    .columns(['org_id', 'account_id', 'status', 'closed_at'])
    .execute();
}

// biome-ignore lint/suspicious/noExplicitAny: migrations run against the schema as it was
export async function down(db: Kysely<any>): Promise<void> {
  await db.schema.dropIndex('deals_account_status_closed_ix').execute();
}
