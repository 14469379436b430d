import { type RawBuilder, sql } from 'kysely';

/** What makes an outreach activity converted: the org's meeting window (from its metric settings). */
export interface OutreachRule {
  /** Days after the outreach, inclusive: until `occurred_at + windowDays × 24 h`. */
  windowDays: number;
}

/** The activity kinds that are outreach for "meetings from outreach". */
export const OUTREACH_KINDS: readonly string[] = ['call', 'email'];

const DAY_MS = 86_400_000;

/**
 * Whether the outreach activity `alias` (a call or an email, a row of `activities`) converted: a
 * meeting on the same account, by anyone, occurred from the outreach's instant until `windowDays`
 * × 24 hours after it (both ends included). An outreach without an account never converts. One
 * correlated EXISTS, one range of `activities_account_ix` (org, account, occurred_at) per outreach,
 * so the caller's query stays one grouped statement.
 */
export function meetingFollowed(alias: 'o' | 'a', rule: OutreachRule): RawBuilder<boolean> {
  const col = (c: string) => sql.ref(`${alias}.${c}`);
  const until = sql`${col('occurred_at')} + ${rule.windowDays * DAY_MS}`;
  return sql<boolean>`exists (select 1 from activities as om where om.org_id = ${col('org_id')} and om.account_id = ${col('account_id')} and om.kind = ${'meeting'} and om.occurred_at >= ${col('occurred_at')} and om.occurred_at <= ${until})`;
}

/** The outreach rule in an org's metric settings. */
export function outreachRuleOf(settings: { meetingWindowDays: number }): OutreachRule {
  return { windowDays: settings.meetingWindowDays };
}
