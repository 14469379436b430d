import { type Kysely, sql } from 'kysely';

// Never edit this file once landed: add a new migration instead.
// SMART goals (issue 5): org objectives, goals (of a person or a team, measured by a catalog metric
// or a manual measure), their checkpoints, the history of every change and comment, and manual
// progress updates with evidence. Conventions as in 0001: text UUIDv7 ids, epoch-ms bigint
// instants, 'YYYY-MM-DD' dates, org_id first in every key. Baselines and targets are metric values
// (counts may be fractional, e.g. a split deal's 0.5), so they are double precision; for money
// metrics the service only accepts whole minor units and the goal records its currency.

// biome-ignore lint/suspicious/noExplicitAny: migrations run against the schema as it was
export async function up(db: Kysely<any>): Promise<void> {
  await db.schema
    .createTable('goal_objectives')
    .addColumn('org_id', 'text', (c) => c.notNull())
    .addColumn('id', 'text', (c) => c.notNull())
    .addColumn('title', 'text', (c) => c.notNull())
    .addColumn('description', 'text', (c) => c.notNull().defaultTo(''))
    .addColumn('active', 'integer', (c) => c.notNull().defaultTo(1))
    .addColumn('created_by', 'text', (c) => c.notNull())
    .addColumn('created_at', 'bigint', (c) => c.notNull())
    .addColumn('updated_at', 'bigint', (c) => c.notNull())
    .addPrimaryKeyConstraint('goal_objectives_pk', ['org_id', 'id'])
    .execute();

  await db.schema
    .createTable('goals')
    .addColumn('org_id', 'text', (c) => c.notNull())
    .addColumn('id', 'text', (c) => c.notNull())
    .addColumn('owner_kind', 'text', (c) => c.notNull())
    .addColumn('owner_user_id', 'text')
    .addColumn('owner_team_id', 'text')
    .addColumn('title', 'text', (c) => c.notNull())
    .addColumn('description', 'text', (c) => c.notNull().defaultTo(''))
    .addColumn('metric_key', 'text')
    .addColumn('manual_unit', 'text')
    .addColumn('done_criterion', 'text')
    .addColumn('currency', 'text')
    .addColumn('baseline', 'double precision', (c) => c.notNull())
    .addColumn('target', 'double precision', (c) => c.notNull())
    .addColumn('start_date', 'text', (c) => c.notNull())
    .addColumn('deadline', 'text', (c) => c.notNull())
    // Agreement: draft → proposed → agreed, or → changes_requested and back to proposed.
    .addColumn('status', 'text', (c) => c.notNull().defaultTo('draft'))
    // Whose answer a proposal waits for: 'owner' or 'manager'; null when nothing is pending.
    .addColumn('awaiting', 'text')
    .addColumn('proposed_by', 'text')
    .addColumn('agreed_at', 'bigint')
    // The last computed progress status, so a change can be noticed and notified once.
    .addColumn('progress_status', 'text')
    .addColumn('progress_reason', 'text')
    .addColumn('progress_checked_at', 'bigint')
    // What the goal supports: 'goal' (its parent in a cascade) or 'objective'.
    .addColumn('supports_kind', 'text')
    .addColumn('supports_id', 'text')
    .addColumn('created_by', 'text', (c) => c.notNull())
    .addColumn('created_at', 'bigint', (c) => c.notNull())
    .addColumn('updated_at', 'bigint', (c) => c.notNull())
    .addPrimaryKeyConstraint('goals_pk', ['org_id', 'id'])
    .addCheckConstraint('goals_owner_kind_ck', sql`owner_kind in ('user', 'team')`)
    .addCheckConstraint(
      'goals_owner_ck',
      sql`(owner_kind = 'user' and owner_user_id is not null and owner_team_id is null) or (owner_kind = 'team' and owner_team_id is not null and owner_user_id is null)`,
    )
    .addCheckConstraint(
      'goals_status_ck',
      sql`status in ('draft', 'proposed', 'changes_requested', 'agreed')`,
    )
    .addCheckConstraint(
      'goals_measure_ck',
      sql`metric_key is not null or (manual_unit is not null and done_criterion is not null)`,
    )
    .execute();
  await db.schema
    .createIndex('goals_owner_user_ix')
    .on('goals')
    .columns(['org_id', 'owner_user_id', 'deadline'])
    .execute();
  await db.schema
    .createIndex('goals_owner_team_ix')
    .on('goals')
    .columns(['org_id', 'owner_team_id', 'deadline'])
    .execute();
  await db.schema
    .createIndex('goals_supports_ix')
    .on('goals')
    .columns(['org_id', 'supports_kind', 'supports_id'])
    .execute();
  await db.schema
    .createIndex('goals_status_ix')
    .on('goals')
    .columns(['org_id', 'status', 'deadline'])
    .execute();

  await db.schema
    .createTable('goal_checkpoints')
    .addColumn('org_id', 'text', (c) => c.notNull())
    .addColumn('id', 'text', (c) => c.notNull())
    .addColumn('goal_id', 'text', (c) => c.notNull())
    .addColumn('date', 'text', (c) => c.notNull())
    .addColumn('target', 'double precision', (c) => c.notNull())
    .addPrimaryKeyConstraint('goal_checkpoints_pk', ['org_id', 'id'])
    .addForeignKeyConstraint(
      'goal_checkpoints_goal_fk',
      ['org_id', 'goal_id'],
      'goals',
      ['org_id', 'id'],
      (fk) => fk.onDelete('cascade'),
    )
    .execute();
  await db.schema
    .createIndex('goal_checkpoints_goal_ix')
    .on('goal_checkpoints')
    .columns(['org_id', 'goal_id', 'date'])
    .execute();

  // Every change and comment, in order: the agreement thread and the goal's history.
  await db.schema
    .createTable('goal_events')
    .addColumn('org_id', 'text', (c) => c.notNull())
    .addColumn('id', 'text', (c) => c.notNull())
    .addColumn('goal_id', 'text', (c) => c.notNull())
    .addColumn('at', 'bigint', (c) => c.notNull())
    .addColumn('actor_user_id', 'text')
    .addColumn('kind', 'text', (c) => c.notNull())
    .addColumn('comment', 'text')
    // JSON: { field: [before, after] } for edits, { from, to, reason } for status changes.
    .addColumn('changes', 'text', (c) => c.notNull().defaultTo('{}'))
    .addPrimaryKeyConstraint('goal_events_pk', ['org_id', 'id'])
    .addForeignKeyConstraint('goal_events_goal_fk', ['org_id', 'goal_id'], 'goals', ['org_id', 'id'], (fk) =>
      fk.onDelete('cascade'),
    )
    .execute();
  await db.schema
    .createIndex('goal_events_goal_ix')
    .on('goal_events')
    .columns(['org_id', 'goal_id', 'at'])
    .execute();

  // Manual measures only: the value reached so far, with evidence (what was done, a link).
  await db.schema
    .createTable('goal_progress_updates')
    .addColumn('org_id', 'text', (c) => c.notNull())
    .addColumn('id', 'text', (c) => c.notNull())
    .addColumn('goal_id', 'text', (c) => c.notNull())
    .addColumn('value', 'double precision', (c) => c.notNull())
    .addColumn('evidence', 'text', (c) => c.notNull())
    .addColumn('evidence_url', 'text')
    .addColumn('created_by', 'text', (c) => c.notNull())
    .addColumn('created_at', 'bigint', (c) => c.notNull())
    .addPrimaryKeyConstraint('goal_progress_updates_pk', ['org_id', 'id'])
    .addForeignKeyConstraint(
      'goal_progress_updates_goal_fk',
      ['org_id', 'goal_id'],
      'goals',
      ['org_id', 'id'],
      (fk) => fk.onDelete('cascade'),
    )
    .execute();
  await db.schema
    .createIndex('goal_progress_updates_goal_ix')
    .on('goal_progress_updates')
    .columns(['org_id', 'goal_id', 'created_at'])
    .execute();
}
