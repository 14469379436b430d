import { z } from 'zod';
import { periodKinds } from '../../../shared/periods.ts';
import type { Deps } from '../../context.ts';
import { compiledQuery } from '../../db/compiled-query.ts';
import type { Executor } from '../../db/database.ts';
import { AppError } from '../../lib/errors.ts';
import { type Actor, canOpenMetricRecords, type Reach } from '../../policy/policy.ts';
import { isActivityCountMetric, type OrgMetric } from './metric-registry.ts';
import type { MetricSettings } from './metric-settings.service.ts';
import type { MetricValue } from './metrics.engine.ts';
import { catalogItem, compareNames, computeValues, periodResponse, ranksOf } from './metrics.service.ts';

export const leaderboardQuery = z.object({
  metric: z.string().max(60),
  period: z
    .string()
    .max(20)
    .optional()
    .describe(
      'A period key such as 2026-03, FY2026-Q2, 2026-W11 or FY2026; default: the current period of `kind`',
    ),
  kind: z.enum(periodKinds as [string, ...string[]]).default('month'),
  scope: z
    .enum(['team', 'org'])
    .default('team')
    .describe('team: my team and the teams I manage; org: everyone the visibility setting lets me see'),
});

export function leaderboardAllowed(m: OrgMetric, settings: MetricSettings): void {
  if (!settings.activityLeaderboards && isActivityCountMetric(m))
    throw new AppError(
      403,
      'forbidden',
      `Leaderboards of activity counts are switched off for this organization (${m.name} is an activity count). An admin can switch them on in the metric settings.`,
      { reason: 'activity_leaderboards_off', metric: m.key },
    );
}

type Movement = 'up' | 'down' | 'same' | 'new' | null;

/** up: a better (smaller) rank than last period; new: ranked now but not then; null: not ranked now, or a snapshot metric. */
export function movementOf(rank: number | null, previousRank: number | null, snapshot: boolean): Movement {
  if (snapshot || rank === null) return null;
  if (previousRank === null) return 'new';
  if (rank < previousRank) return 'up';
  if (rank > previousRank) return 'down';
  return 'same';
}

/** The org's active reps (on SQLite from the coherent read cache while nothing changed). */
const activeReps = compiledQuery(
  (db: Executor, orgId: string) =>
    db
      .selectFrom('memberships')
      .select('user_id')
      .where('org_id', '=', orgId)
      .where('role', '=', 'rep')
      .where('active', '=', 1),
  { cached: true },
);

/** A number of their own: a value other than zero, or a ratio over something (a 0 % win rate of closed deals). */
function hasOwnNumber(v: MetricValue | undefined): boolean {
  if (!v || v.value === null) return false;
  return v.value !== 0 || (v.denominator ?? 0) > 0;
}

/**
 * A leaderboard: the people of the team or org the actor may see, by rank, with the movement since
 * the previous period. Peers the org shows by rank only come with their rank and movement and no
 * number at all; peers it hides are not listed (nor ranked). It ranks the people who sell: reps,
 * and managers or admins only when they have a number of their own this period or the previous one
 * (a selling manager) — an admin who never sells is not "last"; ranks count only those listed.
 */
export async function leaderboard(
  deps: Deps,
  actor: Actor,
  reach: Reach,
  input: z.infer<typeof leaderboardQuery>,
) {
  // A leaderboard shows no targets and no last year: only the previous period, for the movement.
  const c = await computeValues(deps, actor, reach, input, {
    guard: leaderboardAllowed,
    parts: { previous: true, lastYear: false, targets: false },
  });
  const reps = new Set((await activeReps(deps.db.kysely, actor.orgId)).map((r) => r.user_id));
  const listed = c.userIds.filter(
    (u) => reps.has(u) || hasOwnNumber(c.current.get(u)) || hasOwnNumber(c.prev?.get(u)),
  );
  const shown = new Set(listed);
  // Ranks among those listed (the computed ones stand when everyone is).
  const everyone = listed.length === c.userIds.length;
  const rankOf = everyone ? c.rankOf : ranksOf(listed, c.current, c.info.direction);
  const previousRankOf = everyone || !c.prev ? c.previousRankOf : ranksOf(listed, c.prev, c.info.direction);
  const rows = c.names
    .filter((u) => shown.has(u.id))
    .map((u) => {
      const full = c.views.get(u.id) === 'value';
      const rank = rankOf.get(u.id) ?? null;
      const previousRank = previousRankOf?.get(u.id) ?? null;
      return {
        user: { id: u.id, name: u.name },
        me: u.id === actor.userId,
        view: full ? ('value' as const) : ('rank' as const),
        rank,
        previousRank: c.info.snapshot ? null : previousRank,
        movement: movementOf(rank, previousRank, c.info.snapshot),
        value: full ? (c.current.get(u.id)?.value ?? null) : null,
        // Whether `GET /api/metrics/records` opens this number (the same policy decides both).
        records: full && canOpenMetricRecords(actor, reach, u.id, c.visibility),
      };
    });
  rows.sort(
    (a, b) =>
      (a.rank ?? Number.POSITIVE_INFINITY) - (b.rank ?? Number.POSITIVE_INFINITY) ||
      compareNames(a.user.name, b.user.name),
  );
  return {
    metric: catalogItem(c.info, c.settings),
    currency: c.info.currency ?? c.org.currency,
    visibility: c.visibility,
    scope: input.scope,
    period: periodResponse(c.period, c.now),
    previousPeriod: { key: c.previous.key, label: c.previous.label },
    rows,
  };
}
