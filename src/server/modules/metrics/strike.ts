import { type RawBuilder, sql } from 'kysely';

/** What makes a visit a strike: the org's window and order outcomes (from its metric settings). */
export interface StrikeRule {
  /** Days after the visit, inclusive: until `occurred_at + windowDays × 24 h`. */
  windowDays: number;
  /** Activity outcomes that mean an order was taken (stored trimmed); matched ignoring case. */
  orderOutcomes: readonly string[];
}

const DAY_MS = 86_400_000;

/**
 * Whether the visit `alias` (a row of `activities`) is a strike: from its instant until
 * `windowDays` × 24 hours after it (both ends included), on the same account, a deal was won, or an
 * activity of any kind by anyone — the visit itself included — recorded one of the order outcomes.
 * An outcome matches when `lower(trim(outcome))` equals `lower(order outcome)`: lower() on both
 * sides, so each engine compares with its own case folding (SQLite's folds ASCII letters only).
 * The visit's own outcome is tested directly as well, so a visit without an account can be a
 * strike through it. Two correlated EXISTS, each one index range per visit —
 * `deals_account_status_closed_ix` (org, account, status, closed_at; migration 0014) and
 * `activities_account_ix` (org, account, occurred_at) — so the caller's query stays one grouped statement.
 */
export function strikeCondition(alias: 'v' | 'a', rule: StrikeRule): RawBuilder<boolean> {
  const col = (c: string) => sql.ref(`${alias}.${c}`);
  const until = sql`${col('occurred_at')} + ${rule.windowDays * DAY_MS}`;
  const won = sql<boolean>`exists (select 1 from deals as sd where sd.org_id = ${col('org_id')} and sd.account_id = ${col('account_id')} and sd.status = ${'won'} and sd.closed_at >= ${col('occurred_at')} and sd.closed_at <= ${until})`;
  if (rule.orderOutcomes.length === 0) return won;
  const orders = () => sql.join(rule.orderOutcomes.map((o) => sql`lower(cast(${o} as text))`));
  return sql<boolean>`(${won} or lower(trim(${col('outcome')})) in (${orders()}) or exists (select 1 from activities as so where so.org_id = ${col('org_id')} and so.account_id = ${col('account_id')} and so.occurred_at >= ${col('occurred_at')} and so.occurred_at <= ${until} and lower(trim(so.outcome)) in (${orders()})))`;
}

/** The strike rule in an org's metric settings. */
export function strikeRuleOf(settings: {
  strikeWindowDays: number;
  orderOutcomes: readonly string[];
}): StrikeRule {
  return { windowDays: settings.strikeWindowDays, orderOutcomes: settings.orderOutcomes };
}
