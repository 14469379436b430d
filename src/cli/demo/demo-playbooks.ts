import pino from 'pino';
import type { Deps } from '../../server/context.ts';
import type { Db } from '../../server/db/database.ts';
import type { Clock } from '../../server/lib/clock.ts';
import { createCustomMetric } from '../../server/modules/metrics/custom-metrics.service.ts';
import {
  acknowledgePlaybook,
  createPlaybook,
  publishPlaybook,
  saveDraft,
} from '../../server/modules/playbooks/playbooks.service.ts';
import type { Actor } from '../../server/policy/policy.ts';
import { loadReach } from '../../server/policy/reach.ts';

async function actorFor(db: Db, orgId: string, email: string): Promise<Actor> {
  const row = await db.kysely
    .selectFrom('users as u')
    .innerJoin('memberships as m', (j) => j.onRef('m.user_id', '=', 'u.id').on('m.org_id', '=', orgId))
    .select(['u.id', 'm.role'])
    .where('u.email', '=', email)
    .executeTakeFirstOrThrow();
  return { userId: row.id, orgId, role: row.role, sessionId: null, tokenId: null, requestId: 'demo-seed' };
}

/**
 * The Northwind demo's KPI set-up, made through the real services: two custom metrics (verified
 * visits, and the share of visits at A-tier accounts as a ratio) and a published rep playbook in
 * two versions — rep@northwind.example acknowledged version 1, so they see what changed in version
 * 2 and are asked to acknowledge it; rep2 is up to date.
 */
export async function seedDemoPlaybooks(db: Db, clock: Clock, orgId: string): Promise<void> {
  // The playbook has a history: version 1 was published before the demo's CRM history starts, so
  // every demo period has its targets; version 2 three weeks ago (a playbook's version applies to
  // the periods that end after its publication, never rewriting ended ones).
  let daysAgo = 0;
  const deps: Deps = {
    db,
    clock: { now: () => clock.now() - daysAgo * 86_400_000 },
    config: {
      sessionSecret: 'demo-seed-not-used-for-sessions-000000000000',
      sessionIdleMs: 0,
      sessionAbsoluteMs: 0,
      publicUrl: undefined,
      loginLimits: { perAccount: 1, perIp: 1, windowMs: 1 },
      webRoot: undefined,
    } as Deps['config'],
    log: pino({ level: 'silent' }),
  };
  const admin = await actorFor(db, orgId, 'admin@northwind.example');
  const adminReach = await loadReach(db.kysely, admin);
  await createCustomMetric(deps, admin, {
    key: 'verified_visits',
    name: 'Verified visits',
    description: 'Visits whose check-in was verified on site (GPS within the org radius).',
    definition: { block: 'activity_count', filters: { kinds: ['visit'], verified: true } },
    unit: 'count',
    direction: 'higher',
    format: 'count',
  });
  await createCustomMetric(deps, admin, {
    key: 'a_tier_visits',
    name: 'A-tier visits',
    description: 'Visits to A-tier accounts.',
    definition: { block: 'activity_count', filters: { kinds: ['visit'], tiers: ['A'] } },
    unit: 'count',
    direction: 'higher',
    format: 'count',
  });
  await createCustomMetric(deps, admin, {
    key: 'a_tier_visit_share',
    name: 'A-tier visit share',
    description: 'The part of all visits that went to A-tier accounts.',
    definition: { block: 'ratio', numerator: 'a_tier_visits', denominator: 'visits' },
    unit: 'percent',
    direction: 'higher',
    format: 'percent',
  });

  const v1 = {
    summary: 'Field reps own their territory: regular visits, a healthy pipeline and closed revenue.',
    responsibilities: [
      'Visit every A-tier account at least once a month',
      'Log each visit with a check-in and an outcome the same day',
      'Keep expected close dates current on every open deal',
    ],
    targets: [
      { metric: 'revenue_won', periodKind: 'month' as const, amount: 2_500_000 },
      { metric: 'visits', periodKind: 'week' as const, amount: 10 },
    ],
    metrics: [
      { metric: 'revenue_won', note: 'The main measure' },
      { metric: 'verified_visits', note: 'Visits only count when verified on site' },
      { metric: 'win_rate', note: '' },
    ],
  };
  daysAgo = 400;
  const created = await createPlaybook(deps, admin, adminReach, {
    name: 'Field rep playbook',
    scope: { type: 'role', role: 'rep' },
    document: v1,
  });
  await publishPlaybook(deps, admin, adminReach, created.id);
  daysAgo = 399;
  for (const email of ['rep@northwind.example', 'rep2@northwind.example']) {
    const rep = await actorFor(db, orgId, email);
    await acknowledgePlaybook(deps, rep, await loadReach(db.kysely, rep), created.id, { version: 1 });
  }
  daysAgo = 21;
  await saveDraft(deps, admin, adminReach, created.id, {
    document: {
      ...v1,
      responsibilities: [...v1.responsibilities, 'Spend at least half of your visits on A-tier accounts'],
      targets: [
        { metric: 'revenue_won', periodKind: 'month', amount: 2_750_000 },
        { metric: 'visits', periodKind: 'week', amount: 12 },
      ],
      metrics: [...v1.metrics, { metric: 'a_tier_visit_share', note: 'Half or more' }],
    },
  });
  await publishPlaybook(deps, admin, adminReach, created.id);
  daysAgo = 20;
  const rep2 = await actorFor(db, orgId, 'rep2@northwind.example');
  await acknowledgePlaybook(deps, rep2, await loadReach(db.kysely, rep2), created.id, { version: 2 });
  daysAgo = 0;
}
