import type { AliasableExpression, Expression } from 'kysely';
import type { Executor } from '../../db/database.ts';
import type { Actor, Reach } from '../../policy/policy.ts';

/**
 * What a route has come with its session (or API token) on PostgreSQL, where every statement is a
 * round trip: one value computed in the session statement itself from the session's org and user
 * (route config `prefetch`; see `findSessionWithMembershipAnd`, `findTokenWithMembershipAnd`). The
 * statement is built and compiled once per prefetch. The value is handed over only once the
 * session or token is known to be valid.
 */
export interface SessionPrefetch<T> {
  /** The value as one expression of the session's org and user (a JSON value on PostgreSQL). */
  select(db: Executor, orgId: Expression<string>, userId: Expression<string>): AliasableExpression<T>;
  /** Keeps the value for the request of `actor`; may hand back the actor's reach. */
  keep(actor: Actor, value: T): { reach?: Reach };
}
