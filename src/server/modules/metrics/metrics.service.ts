import { z } from 'zod';
import { builtinMetrics, metricInfo } from '../../../shared/metrics-catalog.ts';
import {
  elapsedFraction,
  periodAt,
  periodFromKey,
  periodKinds,
  previousPeriod,
  samePeriodLastYear,
} from '../../../shared/periods.ts';
import type { Deps } from '../../context.ts';
import { invalidField, notFound } from '../../lib/errors.ts';
import { type Actor, type Reach, readableOwnerIds } from '../../policy/policy.ts';
import { findOrg } from '../identity/identity.repository.ts';
import { computeMetric } from './metrics.engine.ts';

export const valuesQuery = z.object({
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
    .enum(['me', 'reach'])
    .default('me')
    .describe('me: my own value; reach: everyone I manage (and me)'),
});

export function catalog() {
  return { items: builtinMetrics.map((m) => ({ ...m, snapshot: m.snapshot ?? false })) };
}

/**
 * A metric's values for a period, for the actor alone or for everyone in their reach, with the
 * previous period and the same period last year for comparison and the pace (elapsed share of the
 * period). What a manager sees about a rep, the rep sees about themselves through the same call.
 */
export async function metricValues(
  deps: Deps,
  actor: Actor,
  reach: Reach,
  input: z.infer<typeof valuesQuery>,
) {
  const info = metricInfo(input.metric);
  if (!info)
    throw invalidField(
      'metric',
      `is not a metric of the catalog (${builtinMetrics.map((m) => m.key).join(', ')})`,
    );
  const org = await findOrg(deps.db.kysely, actor.orgId);
  if (!org) throw notFound('Organization');
  const cal = { timeZone: org.time_zone, fiscalYearStartMonth: org.fiscal_year_start_month };
  const now = deps.clock.now();
  const period = input.period
    ? periodFromKey(input.period, cal)
    : periodAt(input.kind as (typeof periodKinds)[number], now, cal);
  if (!period)
    throw invalidField('period', 'is not a period key such as 2026-03, FY2026-Q2, 2026-W11 or FY2026');

  let userIds: string[];
  if (input.scope === 'me') userIds = [actor.userId];
  else {
    const owners = readableOwnerIds(actor, reach);
    if (owners) userIds = owners;
    else {
      const rows = await deps.db.kysely
        .selectFrom('memberships')
        .select('user_id')
        .where('org_id', '=', actor.orgId)
        .where('active', '=', 1)
        .execute();
      userIds = rows.map((r) => r.user_id);
    }
  }
  const names = userIds.length
    ? await deps.db.kysely.selectFrom('users').select(['id', 'name']).where('id', 'in', userIds).execute()
    : [];
  const scopeFor = (p: { start: number; end: number }) => ({
    orgId: actor.orgId,
    currency: org.currency,
    timeZone: org.time_zone,
    userIds,
    start: p.start,
    end: p.end,
    now,
  });
  const previous = previousPeriod(period, cal);
  const lastYear = samePeriodLastYear(period, cal);
  const [current, prev, ly] = await Promise.all([
    computeMetric(deps.db.kysely, info.key, scopeFor(period)),
    info.snapshot ? Promise.resolve(undefined) : computeMetric(deps.db.kysely, info.key, scopeFor(previous)),
    info.snapshot ? Promise.resolve(undefined) : computeMetric(deps.db.kysely, info.key, scopeFor(lastYear)),
  ]);
  return {
    metric: { ...info, snapshot: info.snapshot ?? false },
    currency: org.currency,
    period: {
      key: period.key,
      label: period.label,
      start: new Date(period.start).toISOString(),
      end: new Date(period.end).toISOString(),
      elapsed: elapsedFraction(period, now),
    },
    previousPeriod: { key: previous.key, label: previous.label },
    lastYearPeriod: { key: lastYear.key, label: lastYear.label },
    rows: names
      .map((u) => ({
        user: { id: u.id, name: u.name },
        value: current.get(u.id)?.value ?? null,
        numerator: current.get(u.id)?.numerator ?? null,
        denominator: current.get(u.id)?.denominator ?? null,
        previous: prev?.get(u.id)?.value ?? null,
        lastYear: ly?.get(u.id)?.value ?? null,
      }))
      .sort((a, b) => a.user.name.localeCompare(b.user.name)),
  };
}
