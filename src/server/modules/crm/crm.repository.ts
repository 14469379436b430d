import { type Expression, type ExpressionBuilder, type SqlBool, sql } from 'kysely';
import type { Executor } from '../../db/database.ts';

export { readRows } from '../../db/database.ts';

import { COUNT_CAP } from './crm.schemas.ts';

// SQL only. Every query filters by org_id; lists filter by readable owners in SQL (never row by row).

/** Keyset condition for (sortColumn, id) in the given direction. */
export function afterKey<DB, TB extends keyof DB>(
  _eb: ExpressionBuilder<DB, TB>,
  column: Expression<unknown>,
  idColumn: Expression<unknown>,
  value: string | number,
  id: string,
  dir: 'asc' | 'desc',
): Expression<SqlBool> {
  const op = dir === 'asc' ? sql.raw('>') : sql.raw('<');
  return sql<SqlBool>`(${column} ${op} ${value} or (${column} = ${value} and ${idColumn} ${op} ${id}))`;
}

/** Escapes a search term for LIKE with '\' as the escape character. */
export function likePattern(q: string): string {
  return `%${q.toLowerCase().replace(/[\\%_]/g, (c) => `\\${c}`)}%`;
}

/** Turns the rows of a capped count query into "exact below the cap, 1000+ above it". */
export function cappedCount(rows: unknown[]): { value: number; capped: boolean } {
  return rows.length > COUNT_CAP ? { value: COUNT_CAP, capped: true } : { value: rows.length, capped: false };
}

/**
 * Whether another record of the table already has this (external source, external id) — the pair is
 * unique per org, so writes check first and answer a field error instead of a constraint failure.
 */
export async function externalIdTaken(
  db: Executor,
  table: 'contacts' | 'deals',
  orgId: string,
  source: string | null | undefined,
  externalId: string | null | undefined,
  exceptId?: string,
): Promise<boolean> {
  if (!source || !externalId) return false;
  let q = db
    .selectFrom(table)
    .select('id')
    .where('org_id', '=', orgId)
    .where('external_source', '=', source)
    .where('external_id', '=', externalId);
  if (exceptId) q = q.where('id', '!=', exceptId);
  return (await q.executeTakeFirst()) !== undefined;
}

export const accountColumns = [
  'a.id',
  'a.name',
  'a.street',
  'a.city',
  'a.region',
  'a.postal_code',
  'a.country',
  'a.latitude',
  'a.longitude',
  'a.territory',
  'a.industry',
  'a.tier',
  'a.status',
  'a.owner_id',
  'u.name as owner_name',
  'a.external_source',
  'a.external_id',
  'a.last_activity_at',
  'a.created_at',
  'a.updated_at',
] as const;

export function accountsQuery(db: Executor, orgId: string) {
  return db
    .selectFrom('accounts as a')
    .innerJoin('users as u', 'u.id', 'a.owner_id')
    .where('a.org_id', '=', orgId);
}

export async function findAccount(db: Executor, orgId: string, accountId: string) {
  return accountsQuery(db, orgId).select(accountColumns).where('a.id', '=', accountId).executeTakeFirst();
}

export async function findAccountOwner(db: Executor, orgId: string, accountId: string) {
  return db
    .selectFrom('accounts')
    .select(['id', 'owner_id', 'latitude', 'longitude', 'name'])
    .where('org_id', '=', orgId)
    .where('id', '=', accountId)
    .executeTakeFirst();
}

/** Active members of the org among `userIds` (to check owners and split members). */
export async function activeMembers(db: Executor, orgId: string, userIds: string[]): Promise<Set<string>> {
  if (userIds.length === 0) return new Set();
  const rows = await db
    .selectFrom('memberships')
    .select('user_id')
    .where('org_id', '=', orgId)
    .where('user_id', 'in', userIds)
    .where('active', '=', 1)
    .execute();
  return new Set(rows.map((r) => r.user_id));
}

/**
 * The members of a team, as a subquery for `owner_id in (…)` filters (a materialised list of an
 * unknown team's members was empty, and `in ()` is a syntax error on PostgreSQL).
 */
export function teamMembersQuery(db: Executor, orgId: string, teamId: string) {
  return db
    .selectFrom('team_members')
    .select('user_id')
    .where('org_id', '=', orgId)
    .where('team_id', '=', teamId);
}
