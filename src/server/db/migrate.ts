import { type Migration, type MigrationProvider, Migrator } from 'kysely';
import * as m0001 from '../../../db/migrations/0001_foundation.ts';
import * as m0002 from '../../../db/migrations/0002_crm.ts';
import * as m0003 from '../../../db/migrations/0003_ops.ts';
import * as m0004 from '../../../db/migrations/0004_import.ts';
import * as m0005 from '../../../db/migrations/0005_metrics.ts';
import * as m0006 from '../../../db/migrations/0006_targets.ts';
import * as m0007 from '../../../db/migrations/0007_goals.ts';
import * as m0008 from '../../../db/migrations/0008_team_managers_by_user.ts';
import * as m0009 from '../../../db/migrations/0009_webhook_attempts.ts';
import * as m0010 from '../../../db/migrations/0010_metric_rollups.ts';
import * as m0011 from '../../../db/migrations/0011_idempotency.ts';
import * as m0012 from '../../../db/migrations/0012_metric_rollup_months.ts';
import * as m0013 from '../../../db/migrations/0013_deal_rollup_cycle_deals.ts';
import * as m0014 from '../../../db/migrations/0014_strike_rate_deals_index.ts';
import * as m0015 from '../../../db/migrations/0015_target_decimal_amounts.ts';
import type { Db } from './database.ts';

// Migrations are listed here explicitly (not read from disk) so they work the same under tsx,
// vitest and a bundled build. Append new ones; never reorder or edit landed ones.
const migrations: Record<string, Migration> = {
  '0001_foundation': m0001,
  '0002_crm': m0002,
  '0003_ops': m0003,
  '0004_import': m0004,
  '0005_metrics': m0005,
  '0006_targets': m0006,
  '0007_goals': m0007,
  '0008_team_managers_by_user': m0008,
  '0009_webhook_attempts': m0009,
  '0010_metric_rollups': m0010,
  '0011_idempotency': m0011,
  '0012_metric_rollup_months': m0012,
  '0013_deal_rollup_cycle_deals': m0013,
  '0014_strike_rate_deals_index': m0014,
  '0015_target_decimal_amounts': m0015,
};

const provider: MigrationProvider = {
  async getMigrations() {
    return migrations;
  },
};

/**
 * Brings the schema up to date. Safe when several instances start together: Kysely's migrator
 * takes a lock row (a table lock on PostgreSQL) so each migration runs exactly once.
 */
export async function migrateToLatest(db: Db): Promise<string[]> {
  // Unordered: engineers land numbered migrations in parallel; each still runs exactly once.
  const migrator = new Migrator({ db: db.kysely, provider, allowUnorderedMigrations: true });
  const { error, results } = await migrator.migrateToLatest();
  if (error) throw error instanceof Error ? error : new Error(String(error));
  return (results ?? []).filter((r) => r.status === 'Success').map((r) => r.migrationName);
}
