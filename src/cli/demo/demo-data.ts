import type { Db } from '../../server/db/database.ts';
import type { Role } from '../../server/db/schema.ts';
import type { Clock } from '../../server/lib/clock.ts';
import { newId } from '../../server/lib/ids.ts';
import { hashPassword } from '../../server/lib/secrets.ts';
import { createOrgWithAdmin } from '../../server/modules/identity/auth.service.ts';
import { insertUserInOrg } from '../../server/modules/identity/users.service.ts';
import { periodAt, previousPeriod } from '../../shared/periods.ts';
import type { Progress } from '../progress.ts';
import { rebuildRollups } from '../rollups.ts';
import { type CrmShape, generateCrm } from './crm-data.ts';
import { seedDemoGoals } from './demo-goals.ts';
import { seedDemoPlaybooks } from './demo-playbooks.ts';
import { prng } from './seed-bench.ts';

/** The one documented demo password (README). Demo orgs are for trying Outfield, never for real data. */
export const DEMO_PASSWORD = 'outfield-demo';

export interface DemoLogin {
  org: string;
  email: string;
  role: Role;
  name: string;
  note: string;
}

interface PersonSpec {
  email: string;
  name: string;
  role: Role;
  team?: string;
  manages?: string[];
  note: string;
}

interface OrgSpec {
  name: string;
  currency: string;
  timeZone: string;
  fiscalYearStartMonth: number;
  admin: { email: string; name: string };
  center: CrmShape['center'];
  teams: { key: string; name: string; parent?: string }[];
  people: PersonSpec[];
}

const northwindReps = [
  'Riley Chen',
  'Sam Okafor',
  'Jordan Alvarez',
  'Morgan Patel',
  'Casey Novak',
  'Taylor Brooks',
  'Jamie Rossi',
  'Quinn Murphy',
  'Drew Larsen',
  'Avery Kim',
  'Reese Dubois',
  'Skyler Haddad',
];

export const demoOrgs: OrgSpec[] = [
  {
    name: 'Northwind Field Sales',
    currency: 'USD',
    timeZone: 'America/Chicago',
    fiscalYearStartMonth: 2,
    admin: { email: 'admin@northwind.example', name: 'Ada Admin' },
    center: { lat: 41.8781, lng: -87.6298, city: 'Chicago', region: 'IL', country: 'US' },
    teams: [
      { key: 'field', name: 'Field Sales' },
      { key: 'north', name: 'North Territory', parent: 'field' },
      { key: 'south', name: 'South Territory', parent: 'field' },
    ],
    people: [
      {
        email: 'director@northwind.example',
        name: 'Dana Director',
        role: 'manager',
        manages: ['field'],
        note: 'sales director over both teams',
      },
      {
        email: 'manager@northwind.example',
        name: 'Marco Manager',
        role: 'manager',
        manages: ['north'],
        note: 'manages North Territory (6 reps)',
      },
      {
        email: 'manager2@northwind.example',
        name: 'Mia Manager',
        role: 'manager',
        manages: ['south'],
        note: 'manages South Territory (6 reps)',
      },
      ...northwindReps.map((name, i) => ({
        email: i === 0 ? 'rep@northwind.example' : `rep${i + 1}@northwind.example`,
        name,
        role: 'rep' as const,
        team: i < 6 ? 'north' : 'south',
        note: i < 6 ? 'rep in North Territory' : 'rep in South Territory',
      })),
    ],
  },
  {
    name: 'Contoso Outdoor',
    currency: 'EUR',
    timeZone: 'Europe/Berlin',
    fiscalYearStartMonth: 1,
    admin: { email: 'admin@contoso.example', name: 'Conrad Admin' },
    center: { lat: 52.52, lng: 13.405, city: 'Berlin', region: 'BE', country: 'DE' },
    teams: [{ key: 'dach', name: 'DACH' }],
    people: [
      {
        email: 'manager@contoso.example',
        name: 'Clara Manager',
        role: 'manager',
        manages: ['dach'],
        note: 'manages DACH',
      },
      { email: 'rep@contoso.example', name: 'Lena Vogel', role: 'rep', team: 'dach', note: 'rep in DACH' },
      { email: 'rep2@contoso.example', name: 'Jonas Weber', role: 'rep', team: 'dach', note: 'rep in DACH' },
      { email: 'rep3@contoso.example', name: 'Mila Schulz', role: 'rep', team: 'dach', note: 'rep in DACH' },
    ],
  },
];

export async function demoExists(db: Db): Promise<boolean> {
  const row = await db.kysely
    .selectFrom('users')
    .select('id')
    .where('email', '=', 'admin@northwind.example')
    .executeTakeFirst();
  return row !== undefined;
}

/**
 * Creates the two demo orgs through the same service functions the API uses (so the audit log
 * shows their creation). Later capabilities append their own demo records after this step.
 */
export async function seedDemo(db: Db, clock: Clock, progress: Progress): Promise<DemoLogin[]> {
  const passwordHash = await hashPassword(DEMO_PASSWORD);
  const logins: DemoLogin[] = [];
  const total = demoOrgs.reduce((n, o) => n + 1 + o.people.length, 0);
  progress.start('Demo people and teams', total);
  const crmWork: { orgId: string; adminId: string; repIds: string[]; spec: OrgSpec }[] = [];
  for (const spec of demoOrgs) {
    const repIds: string[] = [];
    await db.kysely.transaction().execute(async (trx) => {
      const { orgId, userId } = await createOrgWithAdmin(
        trx,
        { clock },
        {
          orgName: spec.name,
          currency: spec.currency,
          timeZone: spec.timeZone,
          fiscalYearStartMonth: spec.fiscalYearStartMonth,
          adminName: spec.admin.name,
          adminEmail: spec.admin.email,
          passwordHash,
        },
        null,
      );
      progress.tick();
      logins.push({
        org: spec.name,
        email: spec.admin.email,
        role: 'admin',
        name: spec.admin.name,
        note: 'org admin',
      });
      const teamIds = new Map<string, string>();
      const now = clock.now();
      for (const team of spec.teams) {
        const id = newId();
        teamIds.set(team.key, id);
        await trx
          .insertInto('teams')
          .values({
            org_id: orgId,
            id,
            name: team.name,
            parent_team_id: team.parent ? teamIds.get(team.parent)! : null,
            created_at: now,
            updated_at: now,
          })
          .execute();
      }
      const actor = { orgId, userId, requestId: null };
      for (const person of spec.people) {
        const user = await insertUserInOrg(trx, { clock }, actor, {
          email: person.email,
          name: person.name,
          role: person.role,
          passwordHash,
          teamId: person.team ? teamIds.get(person.team)! : null,
        });
        for (const key of person.manages ?? []) {
          await trx
            .insertInto('team_managers')
            .values({ org_id: orgId, team_id: teamIds.get(key)!, user_id: user.id })
            .execute();
        }
        if (person.role === 'rep') repIds.push(user.id);
        logins.push({
          org: spec.name,
          email: person.email,
          role: person.role,
          name: person.name,
          note: person.note,
        });
        progress.tick();
      }
      crmWork.push({ orgId, adminId: userId, repIds, spec });
    });
  }
  progress.stop();
  // Six months of field work for every rep: accounts around the org's city, deals, visits and calls.
  const random = prng(2026);
  for (const work of crmWork) {
    await generateCrm(
      db,
      work.orgId,
      work.repIds.map((id) => ({ id })),
      {
        accountsPerRep: 15,
        dealsPerRep: 40,
        activitiesPerDay: 6,
        months: 6,
        center: work.spec.center,
        spread: 0.3,
        currency: work.spec.currency,
        contactsPerAccount: 2,
      },
      random,
      clock.now(),
      progress,
      () => newId(),
    );
    await seedDemoTargets(db, work, clock.now());
    // Bulk inserts bypass the per-write rollup maintenance: build them once the org's data is in.
    await rebuildRollups(db, progress, work.orgId);
  }
  // Goals the Northwind people agreed on (or are discussing), sized from their own history.
  const northwind = crmWork.find((w) => w.spec.admin.email === 'admin@northwind.example');
  if (northwind) await seedDemoGoals(db, clock, northwind.orgId, northwind.spec.timeZone);
  // Custom metrics and a published rep playbook, so the KPI admin screens are not empty.
  if (northwind) await seedDemoPlaybooks(db, clock, northwind.orgId);
  return logins;
}

/**
 * Monthly targets for every demo rep (revenue won, deals won, visits) for the last six months and
 * the current one: about 10 % above the rep's own monthly average over the last three full months
 * (the first months of the generated history are still filling up: deals take weeks to close), so
 * some reps run ahead of pace and some behind on the dashboards.
 */
async function seedDemoTargets(
  db: Db,
  work: { orgId: string; adminId: string; repIds: string[]; spec: OrgSpec },
  now: number,
): Promise<void> {
  if (work.repIds.length === 0) return;
  const cal = { timeZone: work.spec.timeZone, fiscalYearStartMonth: work.spec.fiscalYearStartMonth };
  const months = [periodAt('month', now, cal)];
  while (months.length < 7) months.unshift(previousPeriod(months[0]!, cal));
  // The last three full months.
  const since = months[3]!.start;
  const until = months[6]!.start;
  const k = db.kysely;
  const [won, visits] = await Promise.all([
    k
      .selectFrom('deal_credits as c')
      .innerJoin('deals as d', (j) => j.onRef('d.org_id', '=', 'c.org_id').onRef('d.id', '=', 'c.deal_id'))
      .select([
        'c.user_id',
        (eb) => eb.fn.sum<number>('c.credit_minor').as('amount'),
        (eb) => eb.fn.sum<number>('c.share_bp').as('share'),
      ])
      .where('c.org_id', '=', work.orgId)
      .where('d.status', '=', 'won')
      .where('d.closed_at', '>=', since)
      .where('d.closed_at', '<', until)
      .groupBy('c.user_id')
      .execute(),
    k
      .selectFrom('activities')
      .select(['owner_id as user_id', (eb) => eb.fn.countAll<number>().as('n')])
      .where('org_id', '=', work.orgId)
      .where('kind', '=', 'visit')
      .where('occurred_at', '>=', since)
      .where('occurred_at', '<', until)
      .groupBy('owner_id')
      .execute(),
  ]);
  const wonBy = new Map(won.map((r) => [r.user_id, r]));
  const visitsBy = new Map(visits.map((r) => [r.user_id, Number(r.n)]));
  const rows = work.repIds.flatMap((repId) => {
    const w = wonBy.get(repId);
    const perMonth = (total: number) => (total / 3) * 1.1;
    const amounts: [string, number][] = [
      ['revenue_won', Math.max(100_000, Math.round(perMonth(Number(w?.amount ?? 0)) / 10_000) * 10_000)],
      ['deals_won', Math.max(1, Math.round(perMonth(Number(w?.share ?? 0) / 10_000)))],
      ['visits', Math.max(5, Math.round(perMonth(visitsBy.get(repId) ?? 0)))],
    ];
    return months.flatMap((m) =>
      amounts.map(([metric, amount]) => ({
        org_id: work.orgId,
        id: newId(),
        subject_type: 'user' as const,
        subject_id: repId,
        metric_key: metric,
        period_kind: 'month' as const,
        period_start: m.startDate,
        amount,
        created_by: work.adminId,
        created_at: now,
        updated_at: now,
      })),
    );
  });
  for (let i = 0; i < rows.length; i += 200)
    await k
      .insertInto('targets')
      .values(rows.slice(i, i + 200))
      .execute();
}
