import pino from 'pino';
import type { Deps } from '../../server/context.ts';
import type { Db } from '../../server/db/database.ts';
import type { Clock } from '../../server/lib/clock.ts';
import { agreeGoal, createGoal, proposeGoal } from '../../server/modules/goals/goals.service.ts';
import { createObjective } from '../../server/modules/goals/objectives.service.ts';
import type { Actor } from '../../server/policy/policy.ts';
import { loadReach } from '../../server/policy/reach.ts';
import { dateInZone } from '../../shared/time.ts';

const DAY = 86_400_000;

/** A demo user acting through the real services (policy, SMART check, history, notifications). */
async function actorFor(db: Db, orgId: string, email: string): Promise<Actor> {
  const row = await db.kysely
    .selectFrom('users as u')
    .innerJoin('memberships as m', (j) => j.onRef('m.user_id', '=', 'u.id').on('m.org_id', '=', orgId))
    .select(['u.id', 'm.role'])
    .where('u.email', '=', email)
    .executeTakeFirstOrThrow();
  return { userId: row.id, orgId, role: row.role, sessionId: null, tokenId: null, requestId: 'demo-seed' };
}

async function countVisits(db: Db, orgId: string, userId: string, from: number, to: number): Promise<number> {
  const row = await db.kysely
    .selectFrom('activities')
    .select((eb) => eb.fn.countAll<number>().as('n'))
    .where('org_id', '=', orgId)
    .where('owner_id', '=', userId)
    .where('kind', '=', 'visit')
    .where('occurred_at', '>=', from)
    .where('occurred_at', '<', to)
    .executeTakeFirstOrThrow();
  return Number(row.n);
}

/**
 * Goals for the Northwind demo, made the way people make them: an org objective, two agreed rep
 * goals sized from each rep's own last quarter (so the SMART check's Achievable letter passes), and
 * one proposal waiting for the manager. rep@northwind.example is left without goals so a first
 * visit can write one from scratch.
 */
export async function seedDemoGoals(db: Db, clock: Clock, orgId: string, timeZone: string): Promise<void> {
  const deps: Deps = {
    db,
    clock,
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
  const now = clock.now();
  const admin = await actorFor(db, orgId, 'admin@northwind.example');
  const manager = await actorFor(db, orgId, 'manager@northwind.example');
  const objective = await createObjective(deps, admin, {
    title: 'Grow revenue in the Chicago region by 20% this year',
    description:
      'Every rep goal should say how it moves this number: more visits to A-tier accounts, more won deals.',
  });
  const startDate = dateInZone(now - 30 * DAY, timeZone);
  const deadline = dateInZone(now + 60 * DAY, timeZone);
  const checkpointDate = dateInZone(now + 15 * DAY, timeZone);

  const specs = [
    { email: 'rep2@northwind.example', agree: true },
    { email: 'rep3@northwind.example', agree: true },
    { email: 'rep4@northwind.example', agree: false },
  ];
  for (const spec of specs) {
    const rep = await actorFor(db, orgId, spec.email);
    const reach = await loadReach(db.kysely, rep);
    // Last quarter's visits, plus a tenth: ambitious, within what this rep has done before.
    const lastQuarter = await countVisits(db, orgId, rep.userId, now - 120 * DAY, now - 30 * DAY);
    const target = Math.max(10, Math.round(lastQuarter * 1.1));
    const goal = await createGoal(deps, rep, reach, {
      ownerKind: 'user',
      title: `Make ${target} visits to my North Territory accounts by ${deadline}`,
      description: 'Visit every A-tier account at least monthly and the B-tier ones every six weeks.',
      metricKey: 'visits',
      baseline: 0,
      target,
      startDate,
      deadline,
      checkpoints: [{ date: checkpointDate, target: Math.round(target * 0.5) }],
      supports: { kind: 'objective', id: objective.id },
    } as Parameters<typeof createGoal>[3]);
    await proposeGoal(deps, rep, reach, goal.id, { comment: 'Sized from my last quarter plus ten percent.' });
    if (spec.agree) {
      await agreeGoal(deps, manager, await loadReach(db.kysely, manager), goal.id, {
        comment: 'Agreed. Let us look at the A-tier list together on Monday.',
      });
    }
  }
}
