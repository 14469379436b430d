import type { Kysely } from 'kysely';

// Never edit this file once landed: add a new migration instead.
// Targets (quotas) per rep or team per period for any metric; role playbooks (versioned
// expectations with their targets, immutable once published, and who acknowledged which version);
// custom metrics (validated building-block definitions as JSON, never SQL). Conventions as in 0001:
// text ids, epoch-ms bigint instants, 'YYYY-MM-DD' dates, whole-number amounts (money in minor
// units), JSON as text, org_id first in every key. Ramp and visibility settings live in
// orgs.settings.metrics (no table).

// biome-ignore lint/suspicious/noExplicitAny: migrations run against the schema as it was
export async function up(db: Kysely<any>): Promise<void> {
  await db.schema
    .createTable('targets')
    .addColumn('org_id', 'text', (c) => c.notNull())
    .addColumn('id', 'text', (c) => c.notNull())
    .addColumn('subject_type', 'text', (c) => c.notNull())
    .addColumn('subject_id', 'text', (c) => c.notNull())
    .addColumn('metric_key', 'text', (c) => c.notNull())
    .addColumn('period_kind', 'text', (c) => c.notNull())
    .addColumn('period_start', 'text', (c) => c.notNull())
    .addColumn('amount', 'bigint', (c) => c.notNull())
    .addColumn('created_by', 'text', (c) => c.notNull())
    .addColumn('created_at', 'bigint', (c) => c.notNull())
    .addColumn('updated_at', 'bigint', (c) => c.notNull())
    .addPrimaryKeyConstraint('targets_pk', ['org_id', 'id'])
    .execute();
  // One target per subject, metric and period; also the lookup path of the grid and the engine.
  await db.schema
    .createIndex('targets_subject_uq')
    .on('targets')
    .columns(['org_id', 'metric_key', 'period_kind', 'period_start', 'subject_type', 'subject_id'])
    .unique()
    .execute();
  await db.schema
    .createIndex('targets_subject_ix')
    .on('targets')
    .columns(['org_id', 'subject_type', 'subject_id', 'period_start'])
    .execute();

  await db.schema
    .createTable('playbooks')
    .addColumn('org_id', 'text', (c) => c.notNull())
    .addColumn('id', 'text', (c) => c.notNull())
    .addColumn('name', 'text', (c) => c.notNull())
    .addColumn('scope_type', 'text', (c) => c.notNull())
    .addColumn('scope_role', 'text')
    .addColumn('scope_team_id', 'text')
    .addColumn('current_version', 'integer')
    .addColumn('created_by', 'text', (c) => c.notNull())
    .addColumn('created_at', 'bigint', (c) => c.notNull())
    .addColumn('updated_at', 'bigint', (c) => c.notNull())
    .addPrimaryKeyConstraint('playbooks_pk', ['org_id', 'id'])
    .execute();

  await db.schema
    .createTable('playbook_versions')
    .addColumn('org_id', 'text', (c) => c.notNull())
    .addColumn('playbook_id', 'text', (c) => c.notNull())
    .addColumn('version', 'integer', (c) => c.notNull())
    .addColumn('status', 'text', (c) => c.notNull())
    .addColumn('summary', 'text', (c) => c.notNull())
    .addColumn('responsibilities', 'text', (c) => c.notNull())
    .addColumn('judged_metrics', 'text', (c) => c.notNull())
    .addColumn('created_by', 'text', (c) => c.notNull())
    .addColumn('created_at', 'bigint', (c) => c.notNull())
    .addColumn('updated_at', 'bigint', (c) => c.notNull())
    .addColumn('published_by', 'text')
    .addColumn('published_at', 'bigint')
    .addPrimaryKeyConstraint('playbook_versions_pk', ['org_id', 'playbook_id', 'version'])
    .addForeignKeyConstraint('playbook_versions_playbook_fk', ['org_id', 'playbook_id'], 'playbooks', [
      'org_id',
      'id',
    ])
    .execute();

  // The targets a playbook version sets, one row each so goals can link to one by id.
  await db.schema
    .createTable('playbook_targets')
    .addColumn('org_id', 'text', (c) => c.notNull())
    .addColumn('id', 'text', (c) => c.notNull())
    .addColumn('playbook_id', 'text', (c) => c.notNull())
    .addColumn('version', 'integer', (c) => c.notNull())
    .addColumn('position', 'integer', (c) => c.notNull())
    .addColumn('metric_key', 'text', (c) => c.notNull())
    .addColumn('period_kind', 'text', (c) => c.notNull())
    .addColumn('amount', 'bigint', (c) => c.notNull())
    .addPrimaryKeyConstraint('playbook_targets_pk', ['org_id', 'id'])
    .addForeignKeyConstraint(
      'playbook_targets_version_fk',
      ['org_id', 'playbook_id', 'version'],
      'playbook_versions',
      ['org_id', 'playbook_id', 'version'],
    )
    .execute();
  await db.schema
    .createIndex('playbook_targets_version_ix')
    .on('playbook_targets')
    .columns(['org_id', 'playbook_id', 'version', 'position'])
    .execute();

  await db.schema
    .createTable('playbook_acknowledgements')
    .addColumn('org_id', 'text', (c) => c.notNull())
    .addColumn('playbook_id', 'text', (c) => c.notNull())
    .addColumn('user_id', 'text', (c) => c.notNull())
    .addColumn('version', 'integer', (c) => c.notNull())
    .addColumn('acknowledged_at', 'bigint', (c) => c.notNull())
    .addPrimaryKeyConstraint('playbook_acknowledgements_pk', ['org_id', 'playbook_id', 'user_id', 'version'])
    .execute();

  await db.schema
    .createTable('custom_metrics')
    .addColumn('org_id', 'text', (c) => c.notNull())
    .addColumn('id', 'text', (c) => c.notNull())
    .addColumn('key', 'text', (c) => c.notNull())
    .addColumn('name', 'text', (c) => c.notNull())
    .addColumn('description', 'text', (c) => c.notNull())
    .addColumn('spec', 'text', (c) => c.notNull())
    .addColumn('unit', 'text', (c) => c.notNull())
    .addColumn('direction', 'text', (c) => c.notNull())
    .addColumn('format', 'text', (c) => c.notNull())
    .addColumn('created_by', 'text', (c) => c.notNull())
    .addColumn('created_at', 'bigint', (c) => c.notNull())
    .addColumn('updated_at', 'bigint', (c) => c.notNull())
    .addPrimaryKeyConstraint('custom_metrics_pk', ['org_id', 'id'])
    .execute();
  await db.schema
    .createIndex('custom_metrics_key_uq')
    .on('custom_metrics')
    .columns(['org_id', 'key'])
    .unique()
    .execute();
}
