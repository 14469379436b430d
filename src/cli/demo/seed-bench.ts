import type { Db, Executor } from '../../server/db/database.ts';
import type { Clock } from '../../server/lib/clock.ts';
import { hashPassword } from '../../server/lib/secrets.ts';
import { insertMembership, insertUser } from '../../server/modules/identity/identity.repository.ts';
import type { Progress } from '../progress.ts';
import { rebuildRollups } from '../rollups.ts';
import { generateCrm } from './crm-data.ts';

export const datasetSizes = { S: 20, M: 200, L: 2000 } as const;
export type DatasetSize = keyof typeof datasetSizes;
export const BENCH_PASSWORD = 'outfield-bench';

/** A small deterministic PRNG (mulberry32): the same size always yields the same data. */
export function prng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** Deterministic UUID-shaped ids, so benchmark datasets are byte-for-byte reproducible. */
export function seedId(kind: number, n: number): string {
  const hex = n.toString(16).padStart(12, '0');
  return `00000000-0000-7000-8${kind.toString(16).padStart(3, '0')}-${hex}`;
}

const first = [
  'Alex',
  'Sam',
  'Jordan',
  'Morgan',
  'Casey',
  'Taylor',
  'Jamie',
  'Quinn',
  'Drew',
  'Avery',
  'Reese',
  'Skyler',
  'Rowan',
  'Emery',
  'Parker',
  'Hayden',
];
const last = [
  'Chen',
  'Okafor',
  'Alvarez',
  'Patel',
  'Novak',
  'Brooks',
  'Rossi',
  'Murphy',
  'Larsen',
  'Kim',
  'Dubois',
  'Haddad',
  'Silva',
  'Nowak',
  'Ito',
  'Berg',
];

/**
 * Benchmark org: `size` reps in teams of 10, a manager per team, a director per 10 teams.
 * Returns the org id and the admin's email. Every id, name and email (the org and its admin
 * included) depends only on `size`, so two runs build identical datasets. Refuses if the dataset
 * already exists.
 */
export async function seedBench(
  db: Db,
  clock: Clock,
  size: DatasetSize,
  progress: Progress,
  options: { crm?: boolean } = {},
): Promise<{
  orgId: string;
  adminEmail: string;
  reps: number;
  accounts: number;
  deals: number;
  activities: number;
}> {
  const reps = datasetSizes[size];
  const random = prng(reps);
  const passwordHash = await hashPassword(BENCH_PASSWORD);
  const adminEmail = `admin@bench-${size.toLowerCase()}.example`;
  const kindOffset = size.charCodeAt(0) * 16;
  // Fixed ids rather than createOrgWithAdmin's random ones: the dataset must be reproducible.
  const orgId = seedId(kindOffset, 1);
  const adminId = seedId(kindOffset + 1, 0);
  const now = clock.now();
  const teams = Math.ceil(reps / 10);
  const directors = Math.ceil(teams / 10);
  let userSeq = 0;
  const repIds: string[] = [];
  const user = (role: 'manager' | 'rep', teamId: string | null) => {
    userSeq += 1;
    const id = seedId(kindOffset + 1, userSeq);
    if (role === 'rep') repIds.push(id);
    const name = `${first[Math.floor(random() * first.length)]} ${last[Math.floor(random() * last.length)]}`;
    return { id, email: `${role}${userSeq}@bench-${size.toLowerCase()}.example`, name, role, teamId };
  };
  try {
    await db.kysely.transaction().execute(async (trx) => {
      const existing = await trx.selectFrom('orgs').select('id').where('id', '=', orgId).executeTakeFirst();
      if (existing) throw new Error(`Benchmark ${size} is already seeded in this database`);
      progress.start(`Seeding ${size} people`, reps + teams + directors);
      await trx
        .insertInto('orgs')
        .values({
          id: orgId,
          name: `Benchmark ${size}`,
          currency: 'USD',
          time_zone: 'America/New_York',
          fiscal_year_start_month: 1,
          settings: '{}',
          created_at: now,
          updated_at: now,
        })
        .execute();
      await insertUser(trx, {
        id: adminId,
        email: adminEmail,
        name: 'Bench Admin',
        timeZone: 'America/New_York',
        passwordHash,
        now,
      });
      await insertMembership(trx, orgId, adminId, 'admin', now);
      for (let d = 0; d < directors; d++) {
        const regionId = seedId(kindOffset + 2, d + 1);
        await trx
          .insertInto('teams')
          .values({
            org_id: orgId,
            id: regionId,
            name: `Region ${d + 1}`,
            parent_team_id: null,
            created_at: now,
            updated_at: now,
          })
          .execute();
        const dir = user('manager', null);
        await insertPeople(trx, orgId, [dir], passwordHash, now);
        await trx
          .insertInto('team_managers')
          .values({ org_id: orgId, team_id: regionId, user_id: dir.id })
          .execute();
        progress.tick();
      }
      for (let t = 0; t < teams; t++) {
        const teamId = seedId(kindOffset + 3, t + 1);
        const regionId = seedId(kindOffset + 2, Math.floor(t / 10) + 1);
        await trx
          .insertInto('teams')
          .values({
            org_id: orgId,
            id: teamId,
            name: `Team ${t + 1}`,
            parent_team_id: regionId,
            created_at: now,
            updated_at: now,
          })
          .execute();
        const mgr = user('manager', null);
        const members = Array.from({ length: Math.min(10, reps - t * 10) }, () => user('rep', teamId));
        await insertPeople(trx, orgId, [mgr, ...members], passwordHash, now);
        await trx
          .insertInto('team_managers')
          .values({ org_id: orgId, team_id: teamId, user_id: mgr.id })
          .execute();
        progress.tick(1 + members.length);
      }
    });
  } finally {
    progress.stop();
  }
  if (options.crm === false) return { orgId, adminEmail, reps, accounts: 0, deals: 0, activities: 0 };
  // PRODUCT.md's scale per rep: ~315 accounts, ~320 deals, ~5,000 activities a year (19 a working day).
  const kinds: Record<string, number> = { account: 4, contact: 5, deal: 6, history: 7, activity: 8 };
  const crm = await generateCrm(
    db,
    orgId,
    repIds.map((id) => ({ id })),
    {
      accountsPerRep: 315,
      dealsPerRep: 320,
      activitiesPerDay: 19,
      months: 12,
      center: { lat: 40.7128, lng: -74.006, city: 'New York', region: 'NY', country: 'US' },
      spread: 0.6,
      currency: 'USD',
      contactsPerAccount: 1,
    },
    random,
    now,
    progress,
    (kind, n) => seedId(kindOffset + (kinds[kind] ?? 9), n),
  );
  // Bulk inserts bypass the per-write rollup maintenance: build them once at the end.
  await rebuildRollups(db, progress, orgId);
  return { orgId, adminEmail, reps, ...crm };
}

async function insertPeople(
  trx: Executor,
  orgId: string,
  people: { id: string; email: string; name: string; role: 'manager' | 'rep'; teamId: string | null }[],
  passwordHash: string,
  now: number,
): Promise<void> {
  await trx
    .insertInto('users')
    .values(
      people.map((p) => ({
        id: p.id,
        email: p.email,
        name: p.name,
        time_zone: 'America/New_York',
        password_hash: passwordHash,
        created_at: now,
        updated_at: now,
      })),
    )
    .execute();
  await trx
    .insertInto('memberships')
    .values(
      people.map((p) => ({
        org_id: orgId,
        user_id: p.id,
        role: p.role,
        active: 1 as const,
        created_at: now,
        updated_at: now,
      })),
    )
    .execute();
  const members = people.filter((p) => p.teamId !== null);
  if (members.length > 0) {
    await trx
      .insertInto('team_members')
      .values(members.map((p) => ({ org_id: orgId, team_id: p.teamId!, user_id: p.id })))
      .execute();
  }
}
