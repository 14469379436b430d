import { sql } from 'kysely';
import type { Executor } from '../../db/database.ts';

// SQL only; every query filters by org_id.

/**
 * The free-text values custom-metric filters match exactly (the engine's `in`): an account's
 * territory, an activity's outcome, a deal's currency. Table and column come from this constant
 * map, never from input.
 */
export const openVocabularies = {
  territory: { table: 'accounts', column: 'territory' },
  outcome: { table: 'activities', column: 'outcome' },
  currency: { table: 'deals', column: 'currency' },
} as const;
export type OpenVocabulary = keyof typeof openVocabularies;

/** Which of `values` some record of the org has (exact, case-sensitive, as the engine matches). */
export async function usedValues(
  db: Executor,
  orgId: string,
  field: OpenVocabulary,
  values: readonly string[],
): Promise<Set<string>> {
  if (values.length === 0) return new Set();
  const { table, column } = openVocabularies[field];
  const col = sql.ref(column);
  const rows = await sql<{ value: string }>`
    select distinct ${col} as value from ${sql.table(table)}
    where org_id = ${orgId} and ${col} in (${sql.join([...new Set(values)])})`.execute(db);
  return new Set(rows.rows.map((r) => r.value));
}

/**
 * The org's most used values of a field (at most `limit`, most used first, then by text), with how
 * many records have each; only values a filter can name (1 to `maxLength` characters). `q` keeps
 * those containing it, ignoring case (LIKE with its wildcards escaped).
 */
export async function topValues(
  db: Executor,
  orgId: string,
  field: OpenVocabulary,
  o: { limit: number; maxLength: number; q?: string },
): Promise<{ value: string; count: number }[]> {
  const { table, column } = openVocabularies[field];
  const col = sql.ref(column);
  const pattern = o.q ? `%${o.q.toLowerCase().replace(/[\\%_]/g, (c) => `\\${c}`)}%` : null;
  const rows = await sql<{ value: string; n: number | string }>`
    select ${col} as value, count(*) as n from ${sql.table(table)}
    where org_id = ${orgId} and ${col} is not null
      and length(${col}) between 1 and ${o.maxLength}
      ${pattern === null ? sql`` : sql`and lower(${col}) like ${pattern} escape '\\'`}
    group by ${col}
    order by n desc, value
    limit ${o.limit}`.execute(db);
  return rows.rows.map((r) => ({ value: r.value, count: Number(r.n) }));
}
