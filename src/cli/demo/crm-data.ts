import type { Insertable } from 'kysely';
import type { Db, Executor } from '../../server/db/database.ts';
import type { AccountsTable, ActivitiesTable, Database, DealsTable, Tier } from '../../server/db/schema.ts';
import { defaultPipelineId, ensureDefaultPipeline } from '../../server/modules/crm/crm-settings.service.ts';
import type { Progress } from '../progress.ts';

export interface CrmShape {
  accountsPerRep: number;
  dealsPerRep: number;
  /** Activities per rep per working day (Mon–Fri). */
  activitiesPerDay: number;
  months: number;
  center: { lat: number; lng: number; city: string; region: string; country: string };
  /** Spread of account locations around the centre, in degrees. */
  spread: number;
  currency: string;
  contactsPerAccount: number;
}

export interface CrmRep {
  id: string;
}

const prefixes = [
  'North',
  'Lake',
  'River',
  'Prairie',
  'Summit',
  'Harbor',
  'Oak',
  'Cedar',
  'Union',
  'Metro',
  'West',
  'Granite',
  'Maple',
  'Bridge',
  'Pioneer',
  'Liberty',
];
const cores = [
  'Hardware',
  'Supply',
  'Foods',
  'Builders',
  'Pharmacy',
  'Motors',
  'Outfitters',
  'Garden Center',
  'Electric',
  'Dental',
  'Clinic',
  'Bakery',
  'Logistics',
  'Print',
  'Fitness',
  'Auto Parts',
];
const suffixes = ['Co.', 'Inc.', 'LLC', '& Sons', 'Group', 'Market', 'Depot', 'Partners'];
const industries = [
  'Retail',
  'Construction',
  'Healthcare',
  'Food service',
  'Automotive',
  'Manufacturing',
  'Hospitality',
];
const territories = ['Downtown', 'North Side', 'South Side', 'West Suburbs', 'North Shore', 'Lakefront'];
const firstNames = [
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
  'Robin',
  'Leslie',
  'Kim',
  'Pat',
];
const lastNames = [
  'Nguyen',
  'Garcia',
  'Smith',
  'Johnson',
  'Müller',
  'Schmidt',
  'Kowalski',
  'Rossi',
  'Okafor',
  'Haddad',
  'Silva',
  'Berg',
];
const titles = [
  'Owner',
  'Store Manager',
  'Purchasing Manager',
  'Operations Director',
  'Office Manager',
  'Buyer',
];
const outcomes = [
  'Interested, send pricing',
  'Placed an order',
  'Follow up next month',
  'Decision maker out',
  'Reviewed new catalogue',
  'Asked for a demo',
  'Not now',
];
const kinds: { kind: string; weight: number }[] = [
  { kind: 'visit', weight: 40 },
  { kind: 'call', weight: 30 },
  { kind: 'email', weight: 15 },
  { kind: 'meeting', weight: 8 },
  { kind: 'demo', weight: 4 },
  { kind: 'task', weight: 3 },
];
const stageKeys = ['prospecting', 'qualification', 'proposal', 'negotiation', 'won', 'lost'] as const;

function pick<T>(random: () => number, list: readonly T[]): T {
  return list[Math.floor(random() * list.length)]!;
}

function weightedKind(random: () => number): string {
  let r = random() * 100;
  for (const k of kinds) {
    r -= k.weight;
    if (r <= 0) return k.kind;
  }
  return 'call';
}

type SeedTable = 'accounts' | 'contacts' | 'deals' | 'activities' | 'deal_stage_history' | 'deal_credits';

async function insertBatched<T extends SeedTable>(
  db: Executor,
  table: T,
  rows: Insertable<Database[T]>[],
  progress: Progress,
  batch = 400,
): Promise<void> {
  for (let i = 0; i < rows.length; i += batch) {
    const chunk = rows.slice(i, i + batch);
    // Kysely cannot narrow a generic table name; the rows are typed to the table by the signature.
    await db
      .insertInto(table as SeedTable)
      .values(chunk as never)
      .execute();
    progress.tick(chunk.length);
  }
}

/**
 * Generates a realistic CRM history for reps: accounts with coordinates scattered around a metro
 * area, contacts, deals across the pipeline (closed ones dated within the period) and activities on
 * working days (visits verified when checked in near the account). Deterministic for a given PRNG.
 * Activities are generated and inserted rep by rep, so memory stays flat at dataset L.
 */
export async function generateCrm(
  db: Db,
  orgId: string,
  reps: CrmRep[],
  shape: CrmShape,
  random: () => number,
  now: number,
  progress: Progress,
  idOf: (kind: string, n: number) => string,
): Promise<{ accounts: number; deals: number; activities: number }> {
  await ensureDefaultPipeline(db.kysely, orgId, now);
  const pipeline = defaultPipelineId(orgId);
  const start = now - shape.months * 30 * 86_400_000;
  const totalAccounts = reps.length * shape.accountsPerRep;
  let accountSeq = 0;
  let dealSeq = 0;
  let activitySeq = 0;
  let contactSeq = 0;

  progress.start('Accounts and contacts', totalAccounts * (1 + shape.contactsPerAccount));
  const accountsByRep = new Map<string, { id: string; lat: number; lng: number }[]>();
  for (const rep of reps) {
    const accounts: AccountsTable[] = [];
    const contacts: Insertable<Database['contacts']>[] = [];
    for (let i = 0; i < shape.accountsPerRep; i++) {
      accountSeq += 1;
      const accountId = idOf('account', accountSeq);
      const name = `${pick(random, prefixes)} ${pick(random, cores)} ${pick(random, suffixes)}`;
      const lat = shape.center.lat + (random() - 0.5) * shape.spread;
      const lng = shape.center.lng + (random() - 0.5) * shape.spread * 1.3;
      const tierRoll = random();
      const tier: Tier = tierRoll < 0.2 ? 'A' : tierRoll < 0.6 ? 'B' : 'C';
      const created = start - Math.floor(random() * 365 * 86_400_000);
      accounts.push({
        org_id: orgId,
        id: accountId,
        name,
        name_lower: name.toLowerCase(),
        street: `${100 + Math.floor(random() * 9800)} ${pick(random, ['Main St', 'Lake Ave', 'Oak St', 'Market St', 'Elm Rd', 'Park Blvd'])}`,
        city: shape.center.city,
        region: shape.center.region,
        postal_code: String(10000 + Math.floor(random() * 89999)),
        country: shape.center.country,
        latitude: Math.round(lat * 1e6) / 1e6,
        longitude: Math.round(lng * 1e6) / 1e6,
        territory: pick(random, territories),
        industry: pick(random, industries),
        tier,
        status: random() < 0.1 ? 'prospect' : 'active',
        owner_id: rep.id,
        external_source: null,
        external_id: null,
        last_activity_at: null,
        created_at: created,
        updated_at: created,
      });
      for (let c = 0; c < shape.contactsPerAccount; c++) {
        contactSeq += 1;
        const person = `${pick(random, firstNames)} ${pick(random, lastNames)}`;
        contacts.push({
          org_id: orgId,
          id: idOf('contact', contactSeq),
          account_id: accountId,
          name: person,
          name_lower: person.toLowerCase(),
          title: pick(random, titles),
          email: `${person.toLowerCase().replace(/[^a-z]+/g, '.')}@${name
            .toLowerCase()
            .replace(/[^a-z]+/g, '')
            .slice(0, 16)}.example`,
          phone: `+1 312 555 ${String(Math.floor(random() * 10000)).padStart(4, '0')}`,
          external_source: null,
          external_id: null,
          created_at: created,
          updated_at: created,
        });
      }
    }
    accountsByRep.set(
      rep.id,
      accounts.map((a) => ({ id: a.id, lat: a.latitude!, lng: a.longitude! })),
    );
    // One transaction per rep: fast on SQLite (one fsync), bounded WAL growth at dataset L.
    await db.kysely.transaction().execute(async (trx) => {
      await insertBatched(trx, 'accounts', accounts, progress, 200);
      await insertBatched(trx, 'contacts', contacts, progress, 400);
    });
  }
  progress.stop();

  progress.start('Deals', reps.length * shape.dealsPerRep);
  for (const rep of reps) {
    const accounts = accountsByRep.get(rep.id)!;
    const deals: DealsTable[] = [];
    const history: Insertable<Database['deal_stage_history']>[] = [];
    for (let i = 0; i < shape.dealsPerRep; i++) {
      dealSeq += 1;
      const account = pick(random, accounts);
      const created = start + Math.floor(random() * (now - start));
      const roll = random();
      const r = random();
      // About a third won, a fifth lost, the rest open. A deal closes 7–67 days after it was
      // created; one created too recently for that is still open, in a late stage — so deals close
      // at a steady rate up to now (closing every late one just before now piled them up in the
      // current month) and the pipeline holds what is about to close.
      const outcome = roll < 0.33 ? 'won' : roll < 0.53 ? 'lost' : null;
      const took = Math.floor((7 + r * 60) * 86_400_000);
      const closes = outcome !== null && created + took <= now - 3_600_000;
      const stage = closes
        ? outcome!
        : outcome !== null
          ? stageKeys[2 + Math.floor(r * 2)]!
          : stageKeys[Math.floor(r * 4)]!;
      const status = stage === 'won' ? 'won' : stage === 'lost' ? 'lost' : 'open';
      const closedAt = status === 'open' ? null : created + took;
      const amount = Math.round((500 + random() * random() * 60_000) * 100);
      const name = `${pick(random, ['Q', 'Annual', 'Fleet', 'Spring', 'Restock', 'Expansion', 'Service'])} ${pick(random, ['order', 'contract', 'renewal', 'upgrade', 'bundle'])}`;
      const closeDate = new Date(closedAt ?? Math.max(created + took, now + 7 * 86_400_000))
        .toISOString()
        .slice(0, 10);
      const id = idOf('deal', dealSeq);
      deals.push({
        org_id: orgId,
        id,
        account_id: account.id,
        owner_id: rep.id,
        name,
        name_lower: name.toLowerCase(),
        amount_minor: amount,
        currency: shape.currency,
        pipeline_id: pipeline,
        stage_id: `${pipeline}:${stage}`,
        probability_override: null,
        expected_close_date: closeDate,
        status,
        closed_at: closedAt,
        close_reason:
          status === 'won'
            ? 'Price and service'
            : status === 'lost'
              ? pick(random, ['Price', 'Competitor', 'No budget', 'Timing'])
              : null,
        external_source: null,
        external_id: null,
        created_at: created,
        updated_at: closedAt ?? created,
      });
      history.push({
        org_id: orgId,
        id: idOf('history', dealSeq * 2),
        deal_id: id,
        from_stage_id: null,
        to_stage_id: `${pipeline}:prospecting`,
        changed_at: created,
        changed_by: rep.id,
      });
      if (stage !== 'prospecting') {
        history.push({
          org_id: orgId,
          id: idOf('history', dealSeq * 2 + 1),
          deal_id: id,
          from_stage_id: `${pipeline}:prospecting`,
          to_stage_id: `${pipeline}:${stage}`,
          changed_at: closedAt ?? created + Math.floor((now - created) / 2),
          changed_by: rep.id,
        });
      }
    }
    await db.kysely.transaction().execute(async (trx) => {
      await insertBatched(trx, 'deals', deals, progress, 200);
      // Generated deals have no splits: the owner is credited with the whole amount.
      await insertBatched(
        trx,
        'deal_credits',
        deals.map((d) => ({
          org_id: orgId,
          deal_id: d.id,
          user_id: d.owner_id,
          share_bp: 10_000,
          credit_minor: d.amount_minor,
        })),
        { start() {}, tick() {}, stop() {} },
        400,
      );
      await insertBatched(trx, 'deal_stage_history', history, { start() {}, tick() {}, stop() {} }, 400);
    });
  }
  progress.stop();

  const days: number[] = [];
  for (let day = start; day < now; day += 86_400_000) {
    const weekday = new Date(day).getUTCDay();
    if (weekday !== 0 && weekday !== 6) days.push(day - (day % 86_400_000));
  }
  progress.start('Activities', reps.length * days.length * shape.activitiesPerDay);
  for (const rep of reps) {
    const accounts = accountsByRep.get(rep.id)!;
    const lastTouch = new Map<string, number>();
    await db.kysely.transaction().execute(async (trx) => {
      let batch: ActivitiesTable[] = [];
      for (const day of days) {
        for (let i = 0; i < shape.activitiesPerDay; i++) {
          activitySeq += 1;
          const account = pick(random, accounts);
          const kind = weightedKind(random);
          // Working hours 8:00–17:00 UTC-ish; good enough for demo timelines.
          // Whole milliseconds: instants are bigint columns (PostgreSQL refuses fractions).
          const at = Math.round(
            day +
              (14 + i * (9 / Math.max(1, shape.activitiesPerDay))) * 3_600_000 +
              Math.floor(random() * 1_800_000),
          );
          if (at > now) continue;
          const isVisit = kind === 'visit';
          const off = isVisit ? (random() < 0.85 ? random() * 0.0008 : 0.002 + random() * 0.01) : 0;
          const checkLat = account.lat + off;
          const distance = isVisit ? off * 111_195 : null;
          batch.push({
            org_id: orgId,
            id: idOf('activity', activitySeq),
            owner_id: rep.id,
            kind,
            subject: `${kind === 'visit' ? 'Visit' : kind[0]!.toUpperCase() + kind.slice(1)} — ${pick(random, ['check-in', 'catalogue', 'pricing', 'reorder', 'intro', 'follow-up'])}`,
            outcome: random() < 0.7 ? pick(random, outcomes) : null,
            occurred_at: at,
            duration_minutes: isVisit ? 15 + Math.floor(random() * 60) : 5 + Math.floor(random() * 25),
            account_id: account.id,
            contact_id: null,
            deal_id: null,
            source: 'online',
            checkin_at: isVisit ? at : null,
            checkin_lat: isVisit ? checkLat : null,
            checkin_lng: isVisit ? account.lng : null,
            checkin_accuracy_m: isVisit ? 5 + Math.floor(random() * 30) : null,
            checkout_at: isVisit ? at + 30 * 60_000 : null,
            checkout_lat: null,
            checkout_lng: null,
            distance_m: distance,
            verified: isVisit ? (distance! <= 150 ? 1 : 0) : null,
            external_source: null,
            external_id: null,
            created_at: at,
            updated_at: at,
          });
          lastTouch.set(account.id, Math.max(lastTouch.get(account.id) ?? 0, at));
          if (batch.length >= 500) {
            await insertBatched(trx, 'activities', batch, progress, 500);
            batch = [];
          }
        }
      }
      await insertBatched(trx, 'activities', batch, progress, 500);
      for (const [accountId, at] of lastTouch) {
        await trx
          .updateTable('accounts')
          .set({ last_activity_at: at })
          .where('org_id', '=', orgId)
          .where('id', '=', accountId)
          .execute();
      }
    });
  }
  progress.stop();
  return { accounts: accountSeq, deals: dealSeq, activities: activitySeq };
}
