import { z } from 'zod';
import { periodAt, periodFromKey, periodKinds, previousPeriod } from '../../../shared/periods.ts';
import type { Deps } from '../../context.ts';
import { forbidden, invalidField, notFound } from '../../lib/errors.ts';
import type { Actor, Reach } from '../../policy/policy.ts';
import { findOrg } from '../identity/identity.repository.ts';
import { publishedPlaybookTargets } from '../playbooks/playbooks.repository.ts';
import {
  playbookDefaultsOf,
  rolledTeamTargets,
  rolledUserTargets,
  targetSpan,
  targetSumsOf,
  type UserTarget,
} from '../targets/targets.effective.ts';
import { membersOfTeams, targetsFor, teamTree } from '../targets/targets.repository.ts';
import { aggregationOf, loadOrgMetrics, type OrgMetric } from './metric-registry.ts';
import { loadMetricSettings, metricSettingsOf } from './metric-settings.service.ts';
import { blockMemo, computeMetric, type MetricScope, type MetricValue } from './metrics.engine.ts';
import { catalogItem, periodResponse } from './metrics.service.ts';
import { outreachRuleOf } from './outreach.ts';
import { strikeRuleOf } from './strike.ts';

/** The key KPIs when the caller names none (the same as the web dashboards). */
export const ORG_VIEW_DEFAULT_METRICS = [
  'revenue_won',
  'quota_attainment',
  'deals_won',
  'win_rate',
  'visits',
  'activities',
] as const;

export const orgViewQuery = z.object({
  metrics: z
    .string()
    .max(600)
    .optional()
    .describe('Comma-separated metric keys (at most 10); default: the key KPIs'),
  period: z.string().max(20).optional().describe('A period key; default: the current period of `kind`'),
  kind: z.enum(periodKinds as [string, ...string[]]).default('month'),
});

interface TeamCell {
  metric: string;
  value: number | null;
  numerator: number | null;
  denominator: number | null;
  /** The team's effective target for this metric (quota attainment: null — see `basis`). */
  target: number | null;
  /** Quota attainment and coverage are judged against the team's revenue target. */
  basis: { metric: string; target: number | null } | null;
}

/**
 * The org view: every team the actor oversees (admins: all; managers: the teams they manage and
 * those beneath), nested, with the key KPIs of everyone in the team and its sub-teams against the
 * team's effective target; plus each person's number so a team's figure can be broken down. A
 * fixed number of queries per metric (one engine run over everyone, targets in three queries).
 */
export async function orgView(deps: Deps, actor: Actor, reach: Reach, input: z.infer<typeof orgViewQuery>) {
  if (!reach.all && reach.managedTeamIds.size === 0)
    throw forbidden('The org view is for admins and managers of teams');
  const db = deps.db.kysely;
  const [org, all, teams] = await Promise.all([
    findOrg(db, actor.orgId),
    loadOrgMetrics(db, actor.orgId),
    teamTree(db, actor.orgId),
  ]);
  if (!org) throw notFound('Organization');
  const keys = input.metrics
    ? [
        ...new Set(
          input.metrics
            .split(',')
            .map((k) => k.trim())
            .filter(Boolean),
        ),
      ]
    : [...ORG_VIEW_DEFAULT_METRICS];
  if (keys.length === 0 || keys.length > 10) throw invalidField('metrics', 'name between 1 and 10 metrics');
  const byKey = new Map(all.map((m) => [m.key, m]));
  const unknown = keys.find((k) => !byKey.has(k));
  if (unknown) throw invalidField('metrics', `"${unknown}" is not a metric of the catalog`);
  const infos = keys.map((k) => byKey.get(k)!);
  const cal = { timeZone: org.time_zone, fiscalYearStartMonth: org.fiscal_year_start_month };
  const now = deps.clock.now();
  const period = input.period
    ? periodFromKey(input.period, cal)
    : periodAt(input.kind as (typeof periodKinds)[number], now, cal);
  if (!period)
    throw invalidField('period', 'is not a period key such as 2026-03, FY2026-Q2, 2026-W11 or FY2026');

  const visible = teams.filter((t) => reach.all || reach.managedTeamIds.has(t.id));
  const visibleIds = new Set(visible.map((t) => t.id));
  const children = new Map<string, string[]>();
  for (const t of visible)
    if (t.parent_team_id && visibleIds.has(t.parent_team_id))
      children.set(t.parent_team_id, [...(children.get(t.parent_team_id) ?? []), t.id]);
  const members = (await membersOfTeams(db, actor.orgId, [...visibleIds])).filter((m) => m.active === 1);
  const userIds = [...new Set(members.map((m) => m.user_id))];
  const membersOf = new Map<string, string[]>();
  for (const m of members) membersOf.set(m.team_id, [...(membersOf.get(m.team_id) ?? []), m.user_id]);
  const subtreeUsers = new Map<string, string[]>();
  const usersUnder = (id: string): string[] => {
    const done = subtreeUsers.get(id);
    if (done) return done;
    subtreeUsers.set(id, []); // guards a cycle
    const out = [...(membersOf.get(id) ?? [])];
    for (const c of children.get(id) ?? []) out.push(...usersUnder(c));
    subtreeUsers.set(id, out);
    return out;
  };

  const custom = new Map(all.filter((m) => m.spec).map((m) => [m.key, { spec: m.spec!, format: m.format }]));
  const scope: MetricScope = {
    orgId: actor.orgId,
    currency: org.currency,
    timeZone: org.time_zone,
    userIds,
    start: period.start,
    end: period.end,
    now,
    period,
    custom,
    strike: strikeRuleOf(metricSettingsOf(org.settings)),
    outreach: outreachRuleOf(metricSettingsOf(org.settings)),
  };
  const needsRevenue = infos.some((m) => ['quota', 'coverage'].includes(aggregationOf(m)));
  const targetKeys = [...new Set([...keys, ...(needsRevenue ? ['revenue_won'] : [])])];
  const treeTeams = visible.map((t) => ({
    id: t.id,
    parent_team_id: t.parent_team_id && visibleIds.has(t.parent_team_id) ? t.parent_team_id : null,
  }));
  // Targets of every metric in three queries: the rows (people and teams), the current playbook
  // targets (the default quotas of the people they apply to), the ramp. Membership starts, roles and
  // teams come with the members.
  const starts = new Map(members.map((m) => [m.user_id, Number(m.created_at)]));
  const people = new Map(members.map((m) => [m.user_id, { role: m.role, teamId: m.team_id }]));
  const [values, targetRows, playbooks, settings] = await Promise.all([
    // The metrics share their building blocks (closed deals, activity counts) within this view.
    (async () => {
      const blocks = blockMemo(targetKeys, custom);
      return Promise.all(
        targetKeys.map(async (k) => [k, await computeMetric(db, k, { ...scope, blocks })] as const),
      );
    })(),
    targetsFor(
      db,
      actor.orgId,
      period,
      [
        { type: 'team', ids: [...visibleIds] },
        { type: 'user', ids: userIds },
      ],
      targetKeys,
      // A quarter or a year with its months (and quarters): cumulative metrics sum them when unset.
      (() => {
        const within = targetSpan(period.kind, period.startDate);
        return within ? { within } : {};
      })(),
    ),
    publishedPlaybookTargets(db, actor.orgId),
    loadMetricSettings(db, actor.orgId),
  ]);
  const sumsOf = new Map(targetKeys.map((k) => [k, targetSumsOf(byKey.get(k)!)]));
  const usersAt = (k: string) => {
    const rows = targetRows.filter((r) => r.subject_type === 'user' && r.metric_key === k);
    const defaultsOf = playbookDefaultsOf(playbooks, people, k);
    const memo = new Map<string, Map<string, UserTarget>>();
    return (kind: typeof period.kind, startDate: string) => {
      const key = `${kind}|${startDate}`;
      let got = memo.get(key);
      if (!got) {
        got = rolledUserTargets(
          rows,
          starts,
          settings.ramp,
          org.time_zone,
          { kind, startDate },
          sumsOf.get(k)!.periods,
          defaultsOf,
        );
        memo.set(key, got);
      }
      return got;
    };
  };
  const valuesOf = new Map(values);
  const userTargetsOf = new Map<string, Map<string, UserTarget>>();
  const teamTargetsOf = new Map(
    targetKeys.map((k) => {
      const users = usersAt(k);
      userTargetsOf.set(k, users(period.kind, period.startDate));
      const teamRows = targetRows.filter((r) => r.subject_type === 'team' && r.metric_key === k);
      return [k, rolledTeamTargets(treeTeams, members, teamRows, users, period, sumsOf.get(k)!)] as const;
    }),
  );

  const sumOf = (people: string[], pick: (v: MetricValue | undefined) => number | null | undefined) => {
    let total = 0;
    for (const u of people) total += pick(valuesOf.get('revenue_won')?.get(u)) ?? 0;
    return total;
  };
  const cellFor = (teamId: string, m: OrgMetric): TeamCell => {
    const people = usersUnder(teamId);
    const vals = people.map((u) => valuesOf.get(m.key)!.get(u));
    const team = teamTargetsOf.get(m.key)!.get(teamId);
    const agg = aggregationOf(m);
    const revenueTarget = teamTargetsOf.get('revenue_won')?.get(teamId)?.effective ?? null;
    switch (agg) {
      case 'sum': {
        const total = vals.reduce((s, v) => s + (v?.value ?? 0), 0);
        return {
          metric: m.key,
          value: total,
          numerator: null,
          denominator: null,
          target: team?.effective ?? null,
          basis: null,
        };
      }
      case 'ratio': {
        let n = 0;
        let d = 0;
        for (const v of vals) {
          if (v?.numerator === undefined || v.denominator === undefined) continue;
          n += v.numerator;
          d += v.denominator;
        }
        const scale = m.format === 'percent' ? 100 : 1;
        let value = d === 0 ? null : (n / d) * scale;
        if (value !== null && m.format === 'money') value = Math.round(value);
        // Days to a tenth, as a person's sales cycle is.
        if (value !== null && m.format === 'days') value = Math.round(value * 10) / 10;
        // A rate does not add up: only a target set on the team itself applies.
        return {
          metric: m.key,
          value,
          numerator: n,
          denominator: d,
          target: team?.direct ?? null,
          basis: null,
        };
      }
      case 'quota': {
        const won = sumOf(people, (v) => v?.value);
        return {
          metric: m.key,
          value: revenueTarget ? (won / revenueTarget) * 100 : null,
          numerator: won,
          denominator: revenueTarget,
          target: team?.direct ?? null,
          basis: { metric: 'revenue_won', target: revenueTarget },
        };
      }
      case 'coverage': {
        const pipeline = vals.reduce((s, v) => s + (v?.numerator ?? 0), 0);
        const won = sumOf(people, (v) => v?.value);
        const remaining = revenueTarget === null ? null : Math.max(0, revenueTarget - won);
        return {
          metric: m.key,
          value: remaining ? pipeline / remaining : null,
          numerator: pipeline,
          denominator: remaining,
          target: team?.direct ?? null,
          basis: { metric: 'revenue_won', target: revenueTarget },
        };
      }
      case 'none':
        return { metric: m.key, value: null, numerator: null, denominator: null, target: null, basis: null };
      default: {
        const never: never = agg;
        throw new Error(`unknown aggregation ${String(never)}`);
      }
    }
  };

  // Depth-first: each root (a visible team whose parent is not visible), then its sub-teams.
  const ordered: { team: (typeof visible)[number]; depth: number }[] = [];
  const walk = (id: string, depth: number, seen: Set<string>) => {
    if (seen.has(id)) return;
    seen.add(id);
    ordered.push({ team: visible.find((t) => t.id === id)!, depth });
    for (const c of children.get(id) ?? []) walk(c, depth + 1, seen);
  };
  const seen = new Set<string>();
  for (const t of treeTeams) if (t.parent_team_id === null) walk(t.id, 0, seen);

  const teamOfUser = new Map(members.map((m) => [m.user_id, m.team_id]));
  const names = new Map(members.map((m) => [m.user_id, m.name]));
  return {
    period: periodResponse(period, now),
    previousPeriod: (({ key, label }) => ({ key, label }))(previousPeriod(period, cal)),
    currency: org.currency,
    metrics: infos.map((m) => ({ ...catalogItem(m, settings), aggregation: aggregationOf(m) })),
    teams: ordered.map(({ team, depth }) => ({
      id: team.id,
      name: team.name,
      parentId: team.parent_team_id && visibleIds.has(team.parent_team_id) ? team.parent_team_id : null,
      depth,
      people: usersUnder(team.id).length,
      cells: infos.map((m) => cellFor(team.id, m)),
    })),
    people: userIds
      .map((u) => ({
        user: { id: u, name: names.get(u) ?? '' },
        teamId: teamOfUser.get(u)!,
        cells: infos.map((m) => {
          const v = valuesOf.get(m.key)!.get(u);
          const basis = ['quota', 'coverage'].includes(aggregationOf(m));
          return {
            metric: m.key,
            value: v?.value ?? null,
            target: basis
              ? (userTargetsOf.get('revenue_won')?.get(u)?.effective ?? null)
              : (userTargetsOf.get(m.key)?.get(u)?.effective ?? null),
          };
        }),
      }))
      .sort((a, b) => a.user.name.localeCompare(b.user.name)),
  };
}
