import { type CompiledQuery, sql } from 'kysely';
import { type CompiledQueryFn, compiledQuery } from '../../db/compiled-query.ts';
import type { Executor } from '../../db/database.ts';
import type { SessionPrefetch } from './session-prefetch.ts';

export async function insertSession(
  db: Executor,
  s: {
    id: string;
    orgId: string;
    userId: string;
    csrfToken: string;
    now: number;
    expiresAt: number;
    ip: string | null;
    userAgent: string | null;
  },
): Promise<void> {
  await db
    .insertInto('sessions')
    .values({
      id: s.id,
      org_id: s.orgId,
      user_id: s.userId,
      csrf_token: s.csrfToken,
      created_at: s.now,
      last_seen_at: s.now,
      expires_at: s.expiresAt,
      ip: s.ip,
      user_agent: s.userAgent,
    })
    .execute();
}

function sessionWithMembershipQuery(db: Executor, sessionId: string) {
  return db
    .selectFrom('sessions as s')
    .innerJoin('memberships as m', (j) =>
      j.onRef('m.org_id', '=', 's.org_id').onRef('m.user_id', '=', 's.user_id'),
    )
    .select([
      's.id',
      's.org_id',
      's.user_id',
      's.csrf_token',
      's.last_seen_at',
      's.expires_at',
      'm.role',
      'm.active',
    ])
    .where('s.id', '=', sessionId);
}

const sessionWithMembership = compiledQuery(
  (db: Executor, sessionId: string) => sessionWithMembershipQuery(db, sessionId),
  // Every cookie request reads it; the cache is coherent (any write anywhere drops it).
  { cached: true },
);

/**
 * A row lookup (session or API token by its hash) with a route's prefetch as a column `prefetched`
 * of the same statement, computed from the row's own org and user (`build` adds it); one compiled
 * statement per prefetch.
 */
function withPrefetch<R extends { prefetched: unknown }>(
  build: (db: Executor, key: string, prefetch: SessionPrefetch<unknown>) => { compile(): CompiledQuery<R> },
) {
  const queries = new WeakMap<SessionPrefetch<unknown>, CompiledQueryFn<[string], R>>();
  return async <T>(
    db: Executor,
    key: string,
    prefetch: SessionPrefetch<T>,
  ): Promise<(Omit<R, 'prefetched'> & { prefetched: T }) | undefined> => {
    const known = prefetch as SessionPrefetch<unknown>;
    let query = queries.get(known);
    if (query === undefined) {
      query = compiledQuery((db: Executor, hash: string) => build(db, hash, known));
      queries.set(known, query);
    }
    return (await query(db, key))[0] as (Omit<R, 'prefetched'> & { prefetched: T }) | undefined;
  };
}

/** findSessionWithMembership with the route's prefetch (`prefetched`), from the session's org and user. */
export const findSessionWithMembershipAnd = withPrefetch((db, sessionId, prefetch) =>
  sessionWithMembershipQuery(db, sessionId).select(
    prefetch.select(db, sql.ref<string>('s.org_id'), sql.ref<string>('s.user_id')).as('prefetched'),
  ),
);

/** A session with its membership, in one precompiled query: the hot path of every cookie request. */
export async function findSessionWithMembership(db: Executor, sessionId: string) {
  return (await sessionWithMembership(db, sessionId))[0];
}

/** findSessionWithMembership without waiting (null: no such session), or undefined when it cannot run now. */
export function findSessionWithMembershipNow(db: Executor, sessionId: string) {
  const rows = sessionWithMembership.now(db, sessionId);
  return rows === undefined ? undefined : (rows[0] ?? null);
}

export async function touchSession(db: Executor, sessionId: string, now: number): Promise<void> {
  await db.updateTable('sessions').set({ last_seen_at: now }).where('id', '=', sessionId).execute();
}

export async function deleteSession(db: Executor, sessionId: string): Promise<void> {
  await db.deleteFrom('sessions').where('id', '=', sessionId).execute();
}

export async function listSessions(db: Executor, orgId: string, userId: string, now: number) {
  return db
    .selectFrom('sessions')
    .select(['id', 'created_at', 'last_seen_at', 'expires_at', 'ip', 'user_agent'])
    .where('org_id', '=', orgId)
    .where('user_id', '=', userId)
    .where('expires_at', '>', now)
    .orderBy('last_seen_at', 'desc')
    .execute();
}

function tokenWithMembershipQuery(db: Executor, tokenHash: string) {
  return db
    .selectFrom('api_tokens as t')
    .innerJoin('memberships as m', (j) =>
      j.onRef('m.org_id', '=', 't.org_id').onRef('m.user_id', '=', 't.user_id'),
    )
    .select([
      't.id',
      't.org_id',
      't.user_id',
      't.expires_at',
      't.revoked_at',
      't.last_used_at',
      'm.role',
      'm.active',
    ])
    .where('t.token_hash', '=', tokenHash);
}

const tokenWithMembership = compiledQuery(
  (db: Executor, tokenHash: string) => tokenWithMembershipQuery(db, tokenHash),
  { cached: true },
);

/** findTokenWithMembership with the route's prefetch (`prefetched`), from the token's org and user. */
export const findTokenWithMembershipAnd = withPrefetch((db, tokenHash, prefetch) =>
  tokenWithMembershipQuery(db, tokenHash).select(
    prefetch.select(db, sql.ref<string>('t.org_id'), sql.ref<string>('t.user_id')).as('prefetched'),
  ),
);

/** An API token with its membership, in one precompiled query: the hot path of every Bearer request. */
export async function findTokenWithMembership(db: Executor, tokenHash: string) {
  return (await tokenWithMembership(db, tokenHash))[0];
}

/** findTokenWithMembership without waiting (null: no such token), or undefined when it cannot run now. */
export function findTokenWithMembershipNow(db: Executor, tokenHash: string) {
  const rows = tokenWithMembership.now(db, tokenHash);
  return rows === undefined ? undefined : (rows[0] ?? null);
}

export async function touchToken(db: Executor, orgId: string, tokenId: string, now: number): Promise<void> {
  await db
    .updateTable('api_tokens')
    .set({ last_used_at: now })
    .where('org_id', '=', orgId)
    .where('id', '=', tokenId)
    .execute();
}

/**
 * Counts one event against a fixed window, atomically on both engines (one upsert statement),
 * and returns the count and the window's start after the increment.
 */
export async function hitRateLimit(db: Executor, key: string, now: number, windowMs: number) {
  return db
    .insertInto('rate_limits')
    .values({ key, window_start: now, count: 1 })
    .onConflict((oc) =>
      oc.column('key').doUpdateSet({
        count: sql<number>`case when rate_limits.window_start + ${windowMs} <= ${now} then 1 else rate_limits.count + 1 end`,
        window_start: sql<number>`case when rate_limits.window_start + ${windowMs} <= ${now} then ${now} else rate_limits.window_start end`,
      }),
    )
    .returning(['count', 'window_start'])
    .executeTakeFirstOrThrow();
}

export async function peekRateLimit(db: Executor, key: string) {
  return db
    .selectFrom('rate_limits')
    .select(['count', 'window_start'])
    .where('key', '=', key)
    .executeTakeFirst();
}

export async function clearRateLimit(db: Executor, key: string): Promise<void> {
  await db.deleteFrom('rate_limits').where('key', '=', key).execute();
}
