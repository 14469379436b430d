import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { makeWorld, PASSWORD } from '../../../../../tests/factories/identity.ts';
import {
  as,
  createTestApp,
  type Session,
  signIn,
  type TestApp,
} from '../../../../../tests/setup/test-app.ts';

const fixtures = join(import.meta.dirname, '../../../../../tests/fixtures/import');
const fixture = (name: string) => readFileSync(join(fixtures, name), 'utf8');

let t: TestApp;
let w: Awaited<ReturnType<typeof makeWorld>>;
let manager: Session;

beforeAll(async () => {
  t = await createTestApp();
  w = await makeWorld(t.db, t.clock);
  manager = await signIn(t.app, w.managerA.email, PASSWORD);
});
afterAll(async () => {
  await t.close();
});

async function uploaded(session: Session, entity: string, body: string): Promise<string> {
  const res = await as(
    t.app,
    session,
  )({
    method: 'POST',
    url: `/api/crm/imports?entity=${entity}&fileName=${entity}.csv`,
    headers: { 'content-type': 'text/csv' },
    payload: body,
  });
  expect(res.statusCode, res.body).toBe(201);
  return res.json().id as string;
}

async function dryRun(session: Session, entity: string, body: string, choice: Record<string, unknown>) {
  const id = await uploaded(session, entity, body);
  const res = await as(
    t.app,
    session,
  )({ method: 'POST', url: `/api/crm/imports/${id}/dry-run`, payload: choice });
  expect(res.statusCode, res.body).toBe(200);
  return res.json();
}

async function importFile(session: Session, entity: string, body: string, choice: Record<string, unknown>) {
  const id = await uploaded(session, entity, body);
  const start = await as(
    t.app,
    session,
  )({ method: 'POST', url: `/api/crm/imports/${id}/start`, payload: { ...choice, mode: 'all-or-nothing' } });
  expect(start.statusCode, start.body).toBe(202);
  await t.app.jobs.runDue();
  const run = await as(t.app, session)({ method: 'GET', url: `/api/crm/imports/${id}` });
  expect(run.statusCode).toBe(200);
  return run.json();
}

async function idOf(table: 'accounts' | 'contacts' | 'deals', source: string, externalId: string) {
  const row = await t.db.kysely
    .selectFrom(table)
    .select('id')
    .where('org_id', '=', w.org.orgId)
    .where('external_source', '=', source)
    .where('external_id', '=', externalId)
    .executeTakeFirstOrThrow();
  return row.id;
}

async function creditsOf(dealId: string) {
  const rows = await t.db.kysely
    .selectFrom('deal_credits')
    .select(['user_id', 'share_bp', 'credit_minor'])
    .where('org_id', '=', w.org.orgId)
    .where('deal_id', '=', dealId)
    .execute();
  return Object.fromEntries(rows.map((r) => [r.user_id, [r.share_bp, r.credit_minor]]));
}

describe('CSV import: HubSpot association cells with several ids', () => {
  it('links a contact to the first of several associated company ids', async () => {
    const companies = await importFile(manager, 'accounts', fixture('hubspot-companies-multi.csv'), {
      preset: 'hubspot',
    });
    expect(companies).toMatchObject({ state: 'done', inserted: 3, errorCount: 0 });
    const contacts = await importFile(manager, 'contacts', fixture('hubspot-contacts-multi.csv'), {
      preset: 'hubspot',
    });
    expect(contacts).toMatchObject({ state: 'done', inserted: 3, errorCount: 0 });
    const rows = await t.db.kysely
      .selectFrom('contacts')
      .select(['external_id', 'account_id'])
      .where('org_id', '=', w.org.orgId)
      .where('external_source', '=', 'hubspot')
      .orderBy('external_id')
      .execute();
    const wayne = await idOf('accounts', 'hubspot', '9101');
    const oscorp = await idOf('accounts', 'hubspot', '9102');
    // "9101;9102" → 9101; " 9102 ; 9101 " → 9102; ";9101" (empty first entry) → 9101.
    expect(rows.map((r) => [r.external_id, r.account_id])).toEqual([
      ['7101', wayne],
      ['7102', oscorp],
      ['7103', wayne],
    ]);
  });

  it('prefers the "(Primary)" association column over the list of all associations', async () => {
    const run = await importFile(manager, 'contacts', fixture('hubspot-contacts-primary.csv'), {
      preset: 'hubspot',
    });
    expect(run).toMatchObject({ state: 'done', inserted: 1, errorCount: 0 });
    const contact = await t.db.kysely
      .selectFrom('contacts')
      .select('account_id')
      .where('org_id', '=', w.org.orgId)
      .where('external_id', '=', '7104')
      .executeTakeFirstOrThrow();
    expect(contact.account_id).toBe(await idOf('accounts', 'hubspot', '9102'));
  });

  it('names an unknown first company id as the row error, not the whole cell', async () => {
    const csv = 'Record ID,First Name,Last Name,Associated Company IDs\n7199,Nobody,Known,9999;9101\n';
    const dry = await dryRun(manager, 'contacts', csv, { preset: 'hubspot' });
    expect(dry.errors).toEqual([
      { row: 2, column: 'Associated Company IDs', reason: expect.stringContaining('"9999"') },
    ]);
  });

  it('links an activity to the first associated contact and leaves an unknown contact id unlinked', async () => {
    const run = await importFile(manager, 'activities', fixture('hubspot-activities-multi.csv'), {
      preset: 'hubspot',
    });
    expect(run).toMatchObject({ state: 'done', inserted: 2, errorCount: 0 });
    const rows = await t.db.kysely
      .selectFrom('activities')
      .select(['external_id', 'account_id', 'contact_id'])
      .where('org_id', '=', w.org.orgId)
      .where('external_source', '=', 'hubspot')
      .orderBy('external_id')
      .execute();
    expect(rows).toEqual([
      {
        external_id: '3101',
        account_id: await idOf('accounts', 'hubspot', '9101'),
        contact_id: await idOf('contacts', 'hubspot', '7101'),
      },
      { external_id: '3102', account_id: await idOf('accounts', 'hubspot', '9102'), contact_id: null },
    ]);
  });
});

describe('CSV import: deal splits', () => {
  it('imports HubSpot deals with split owners and percentages and credits each member', async () => {
    const run = await importFile(manager, 'deals', fixture('hubspot-deals-splits.csv'), {
      preset: 'hubspot',
    });
    expect(run).toMatchObject({ state: 'done', inserted: 3, errorCount: 0 });
    const wayne = await idOf('deals', 'hubspot', '5101');
    const res = await as(t.app, manager)({ method: 'GET', url: `/api/crm/deals/${wayne}` });
    expect(res.statusCode).toBe(200);
    expect(res.json()).toMatchObject({
      account: { id: await idOf('accounts', 'hubspot', '9101') },
      amountMinor: 1_200_000,
      splits: [
        { userId: w.repA1.id, percent: 60 },
        { userId: w.repA2.id, percent: 40 },
      ].sort((a, b) => (a.userId < b.userId ? -1 : 1)),
    });
    expect(await creditsOf(wayne)).toEqual({
      [w.repA1.id]: [6000, 720_000],
      [w.repA2.id]: [4000, 480_000],
    });
    // No split cells: the owner is credited with the whole amount.
    expect(await creditsOf(await idOf('deals', 'hubspot', '5102'))).toEqual({
      [w.repA1.id]: [10_000, 300_000],
    });
    // 999.99 split three ways: allocated without losing a cent.
    const three = await creditsOf(await idOf('deals', 'hubspot', '5103'));
    expect(Object.values(three).reduce((n, [, minor]) => n + (minor ?? 0), 0)).toBe(99_999);
    expect(Object.keys(three).sort()).toEqual([w.repA1.id, w.repA2.id, w.managerA.id].sort());
  });

  it('replaces the split when the same file is imported again with other shares, and clears it with empty cells', async () => {
    const again = fixture('hubspot-deals-splits.csv')
      .replace('Ari Rep;Avery Rep,60;40', 'Ari Rep;Avery Rep,50;50')
      .replace('Ari Rep;Avery Rep;Alex Manager,33.33;33.33;33.34', ',');
    const run = await importFile(manager, 'deals', again, { preset: 'hubspot' });
    expect(run).toMatchObject({ state: 'done', updated: 3, errorCount: 0 });
    expect(await creditsOf(await idOf('deals', 'hubspot', '5101'))).toEqual({
      [w.repA1.id]: [5000, 600_000],
      [w.repA2.id]: [5000, 600_000],
    });
    const cleared = await idOf('deals', 'hubspot', '5103');
    expect(await creditsOf(cleared)).toEqual({ [w.repA2.id]: [10_000, 99_999] });
    const splits = await t.db.kysely
      .selectFrom('deal_splits')
      .select('user_id')
      .where('org_id', '=', w.org.orgId)
      .where('deal_id', '=', cleared)
      .execute();
    expect(splits).toEqual([]);
  });

  it('imports a Salesforce opportunity with split columns written as percentages', async () => {
    const run = await importFile(manager, 'deals', fixture('salesforce-opportunity-splits.csv'), {
      preset: 'salesforce',
    });
    expect(run).toMatchObject({ state: 'done', inserted: 1, errorCount: 0 });
    const id = await idOf('deals', 'salesforce', '0065g00000SPLT1');
    expect(await creditsOf(id)).toEqual({
      [w.managerA.id]: [5000, 2_500_000],
      [w.repA1.id]: [2500, 1_250_000],
      [w.repA2.id]: [2500, 1_250_000],
    });
  });

  it('names the row, column and reason of every bad split and stores nothing', async () => {
    const csv = fixture('hubspot-deals-bad-splits.csv');
    const dry = await dryRun(manager, 'deals', csv, { preset: 'hubspot' });
    expect(dry.errors).toEqual([
      { row: 2, column: 'Split Percentages', reason: 'percentages must sum to 100 (they sum to 90)' },
      {
        row: 3,
        column: 'Split Owners',
        reason: '"Nobody Known" is not an active member of this organization (by email or name)',
      },
      {
        row: 4,
        column: 'Split Owners',
        reason: '"Bo Rep" is not you or someone in the teams you manage',
      },
      { row: 5, column: 'Split Percentages', reason: 'lists 1 percentages for 2 split owners' },
      {
        row: 6,
        column: 'Split Percentages',
        reason: '"half" is not a percentage between 0.01 and 100 (at most two decimals)',
      },
      {
        row: 6,
        column: 'Split Percentages',
        reason: '"half" is not a percentage between 0.01 and 100 (at most two decimals)',
      },
      { row: 7, column: 'Split Percentages', reason: 'is required when split owners are given' },
      { row: 8, column: 'Split Percentages', reason: 'a person appears twice' },
    ]);
    const run = await importFile(manager, 'deals', csv, { preset: 'hubspot' });
    expect(run).toMatchObject({ state: 'failed', inserted: 0, errorCount: 8 });
    const stored = await t.db.kysely
      .selectFrom('deals')
      .select('id')
      .where('org_id', '=', w.org.orgId)
      .where('external_id', 'like', '52%')
      .execute();
    expect(stored).toEqual([]);
  });
});
