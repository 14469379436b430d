import { sql } from 'kysely';
import { compiledQuery } from '../../db/compiled-query.ts';
import type { Executor } from '../../db/database.ts';
import type { CustomMetricsTable } from '../../db/schema.ts';

// SQL only; every query filters by org_id.

const columns = [
  'id',
  'key',
  'name',
  'description',
  'spec',
  'unit',
  'direction',
  'format',
  'created_at',
  'updated_at',
] as const;

export type CustomMetricRow = Pick<CustomMetricsTable, (typeof columns)[number]>;

/**
 * An org's custom metrics, ordered by key, as one JSON array of rows (PostgreSQL): a column of
 * another statement of the org (`orgForMetrics`), which saves KPI requests a round trip.
 */
export const customMetricsJson = sql<
  CustomMetricRow[]
>`(select coalesce(json_agg(json_build_object(${sql.join(
  columns.map((c) => sql`${sql.lit(c)}, c.${sql.ref(c)}`),
)}) order by c.key), '[]'::json) from custom_metrics c where c.org_id = o.id)`;

/**
 * Compiled once (read by every KPI request through `loadOrgMetrics`); on SQLite from the coherent
 * read cache while nothing changed (frozen rows: map them).
 */
const customMetricRows = compiledQuery(
  (db: Executor, orgId: string) =>
    db.selectFrom('custom_metrics').select(columns).where('org_id', '=', orgId).orderBy('key'),
  { cached: true },
);

export async function listCustomMetricRows(db: Executor, orgId: string): Promise<CustomMetricRow[]> {
  return (await customMetricRows(db, orgId)) as CustomMetricRow[];
}

export async function findCustomMetricRow(db: Executor, orgId: string, id: string) {
  return db
    .selectFrom('custom_metrics')
    .select(columns)
    .where('org_id', '=', orgId)
    .where('id', '=', id)
    .executeTakeFirst();
}

export async function insertCustomMetric(db: Executor, row: CustomMetricsTable): Promise<void> {
  await db.insertInto('custom_metrics').values(row).execute();
}

export async function updateCustomMetricRow(
  db: Executor,
  orgId: string,
  id: string,
  values: Partial<Omit<CustomMetricsTable, 'org_id' | 'id' | 'key' | 'created_by' | 'created_at'>>,
): Promise<void> {
  await db
    .updateTable('custom_metrics')
    .set(values)
    .where('org_id', '=', orgId)
    .where('id', '=', id)
    .execute();
}

export async function deleteCustomMetricRow(db: Executor, orgId: string, id: string): Promise<void> {
  await db.deleteFrom('custom_metrics').where('org_id', '=', orgId).where('id', '=', id).execute();
}
