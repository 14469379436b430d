import type { Kysely } from 'kysely';

// Never edit this file once landed: add a new migration instead.
// deal_credits: who is credited with how much of each deal, allocated exactly (no lost cent) from
// the deal amount and its splits, kept in step with every deal write. Revenue metrics sum it.

// biome-ignore lint/suspicious/noExplicitAny: migrations run against the schema as it was
export async function up(db: Kysely<any>): Promise<void> {
  await db.schema
    .createTable('deal_credits')
    .addColumn('org_id', 'text', (c) => c.notNull())
    .addColumn('deal_id', 'text', (c) => c.notNull())
    .addColumn('user_id', 'text', (c) => c.notNull())
    .addColumn('share_bp', 'integer', (c) => c.notNull())
    .addColumn('credit_minor', 'bigint', (c) => c.notNull())
    .addPrimaryKeyConstraint('deal_credits_pk', ['org_id', 'deal_id', 'user_id'])
    .addForeignKeyConstraint('deal_credits_deal_fk', ['org_id', 'deal_id'], 'deals', ['org_id', 'id'], (fk) =>
      fk.onDelete('cascade'),
    )
    .execute();
  await db.schema
    .createIndex('deal_credits_user_ix')
    .on('deal_credits')
    .columns(['org_id', 'user_id'])
    .execute();
  // Credits for deals that existed before this migration: the owner holds the whole amount unless split.
  await db
    .insertInto('deal_credits')
    .columns(['org_id', 'deal_id', 'user_id', 'share_bp', 'credit_minor'])
    .expression((eb) =>
      eb
        .selectFrom('deals as d')
        .select(['d.org_id', 'd.id', 'd.owner_id', eb.val(10000).as('share_bp'), 'd.amount_minor'])
        .where((w) =>
          w.not(
            w.exists(
              w
                .selectFrom('deal_splits as s')
                .select('s.deal_id')
                .whereRef('s.org_id', '=', 'd.org_id')
                .whereRef('s.deal_id', '=', 'd.id'),
            ),
          ),
        ),
    )
    .execute();
}
