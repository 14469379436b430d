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
let admin: Session;
let rep: Session;
let manager: Session;

beforeAll(async () => {
  t = await createTestApp();
  w = await makeWorld(t.db, t.clock);
  admin = await signIn(t.app, w.org.admin.email, PASSWORD);
  rep = await signIn(t.app, w.repA1.email, PASSWORD);
  manager = await signIn(t.app, w.managerA.email, PASSWORD);
});
afterAll(async () => {
  await t.close();
});

async function upload(session: Session, entity: string, body: string | Buffer) {
  return as(
    t.app,
    session,
  )({
    method: 'POST',
    url: `/api/crm/imports?entity=${entity}&fileName=${entity}.csv`,
    headers: { 'content-type': 'text/csv' },
    payload: body,
  });
}

async function uploaded(session: Session, entity: string, body: string | Buffer): Promise<string> {
  const res = await upload(session, entity, body);
  expect(res.statusCode, res.body).toBe(201);
  return res.json().id as string;
}

async function dryRun(session: Session, id: string, choice: Record<string, unknown>) {
  const res = await as(
    t.app,
    session,
  )({ method: 'POST', url: `/api/crm/imports/${id}/dry-run`, payload: choice });
  expect(res.statusCode, res.body).toBe(200);
  return res.json();
}

/** Upload → start → run the job queue → the finished run. */
async function importFile(
  session: Session,
  entity: string,
  body: string | Buffer,
  choice: Record<string, unknown>,
  mode = 'all-or-nothing',
) {
  const id = await uploaded(session, entity, body);
  const start = await as(
    t.app,
    session,
  )({ method: 'POST', url: `/api/crm/imports/${id}/start`, payload: { ...choice, mode } });
  expect(start.statusCode, start.body).toBe(202);
  expect(start.json().state).toBe('queued');
  await t.app.jobs.runDue();
  const run = await as(t.app, session)({ method: 'GET', url: `/api/crm/imports/${id}` });
  expect(run.statusCode).toBe(200);
  return run.json();
}

async function accountsBySource(source: string) {
  return t.db.kysely
    .selectFrom('accounts')
    .select(['id', 'name', 'city', 'region', 'tier', 'owner_id', 'external_id', 'industry', 'latitude'])
    .where('org_id', '=', w.org.orgId)
    .where('external_source', '=', source)
    .orderBy('external_id')
    .execute();
}

describe('CSV import: Salesforce exports', () => {
  it('previews a Salesforce accounts export in a dry run without writing anything', async () => {
    const id = await uploaded(rep, 'accounts', fixture('salesforce-accounts.csv'));
    const run = (await as(t.app, rep)({ method: 'GET', url: `/api/crm/imports/${id}` })).json();
    expect(run.source).toBe('salesforce');
    expect(run.headers).toContain('Billing State/Province');
    const dry = await dryRun(rep, id, { preset: 'salesforce', previewRows: 2 });
    expect(dry.errors).toEqual([]);
    expect(dry.totalRows).toBe(3);
    expect(dry.wouldInsert).toBe(3);
    expect(dry.preview).toHaveLength(2);
    expect(dry.preview[0]).toMatchObject({
      row: 2,
      values: { name: 'Acme, Inc.', city: 'Chicago', region: 'IL', tier: 'A', ownerId: w.repA1.id },
    });
    expect(dry.preview[1].values.name).toBe('Globex "West"');
    expect(await accountsBySource('salesforce')).toEqual([]);
  });

  it('imports Salesforce accounts, contacts, opportunities and tasks linked by their Salesforce ids', async () => {
    const accounts = await importFile(rep, 'accounts', fixture('salesforce-accounts.csv'), {
      preset: 'salesforce',
    });
    expect(accounts).toMatchObject({
      state: 'done',
      inserted: 3,
      updated: 0,
      errorCount: 0,
      processedRows: 3,
    });
    const rows = await accountsBySource('salesforce');
    expect(rows.map((r) => [r.external_id, r.name, r.region, r.tier, r.owner_id])).toEqual([
      ['0015g00000AAAA1', 'Acme, Inc.', 'IL', 'A', w.repA1.id],
      ['0015g00000AAAA2', 'Globex "West"', 'IL', 'B', w.repA1.id],
      ['0015g00000AAAA3', 'Initech', 'TX', null, w.repA1.id],
    ]);

    const contacts = await importFile(rep, 'contacts', fixture('salesforce-contacts.csv'), {
      preset: 'salesforce',
    });
    expect(contacts).toMatchObject({ state: 'done', inserted: 2, errorCount: 0 });
    const wile = await t.db.kysely
      .selectFrom('contacts')
      .select(['name', 'email', 'account_id'])
      .where('org_id', '=', w.org.orgId)
      .where('external_id', '=', '0035g00000CCCC1')
      .executeTakeFirstOrThrow();
    expect(wile).toEqual({ name: 'Wile Coyote', email: 'wile@acme.example', account_id: rows[0]!.id });

    const deals = await importFile(rep, 'deals', fixture('salesforce-opportunities.csv'), {
      preset: 'salesforce',
    });
    expect(deals).toMatchObject({ state: 'done', inserted: 3, errorCount: 0 });
    const dealRows = await t.db.kysely
      .selectFrom('deals as d')
      .innerJoin('stages as s', (j) => j.onRef('s.org_id', '=', 'd.org_id').onRef('s.id', '=', 'd.stage_id'))
      .select([
        'd.external_id',
        'd.amount_minor',
        's.name as stage',
        'd.status',
        'd.expected_close_date',
        'd.probability_override',
        'd.account_id',
      ])
      .where('d.org_id', '=', w.org.orgId)
      .where('d.external_source', '=', 'salesforce')
      .orderBy('d.external_id')
      .execute();
    expect(dealRows).toEqual([
      {
        external_id: '0065g00000OOOO1',
        amount_minor: 123_450,
        stage: 'Prospecting',
        status: 'open',
        expected_close_date: '2026-03-31',
        probability_override: null,
        account_id: rows[0]!.id,
      },
      {
        external_id: '0065g00000OOOO2',
        amount_minor: 2_000_000,
        stage: 'Closed won',
        status: 'won',
        expected_close_date: '2025-12-15',
        probability_override: null,
        account_id: rows[1]!.id,
      },
      {
        external_id: '0065g00000OOOO3',
        amount_minor: 9_990,
        stage: 'Negotiation',
        status: 'open',
        expected_close_date: '2026-04-30',
        probability_override: 60,
        account_id: rows[2]!.id,
      },
    ]);
    const history = await t.db.kysely
      .selectFrom('deal_stage_history')
      .select((eb) => eb.fn.countAll<number>().as('n'))
      .where('org_id', '=', w.org.orgId)
      .executeTakeFirstOrThrow();
    expect(Number(history.n)).toBeGreaterThanOrEqual(3);
    // Imported deals credit their owner in full, so revenue metrics count them.
    const credits = await t.db.kysely
      .selectFrom('deal_credits as c')
      .innerJoin('deals as d', (j) => j.onRef('d.org_id', '=', 'c.org_id').onRef('d.id', '=', 'c.deal_id'))
      .select(['d.external_id', 'c.user_id', 'c.credit_minor'])
      .where('c.org_id', '=', w.org.orgId)
      .where('d.external_source', '=', 'salesforce')
      .orderBy('d.external_id')
      .execute();
    expect(credits.map((c) => c.credit_minor)).toEqual([123_450, 2_000_000, 9_990]);

    const tasks = await importFile(rep, 'activities', fixture('salesforce-tasks.csv'), {
      preset: 'salesforce',
    });
    expect(tasks).toMatchObject({ state: 'done', inserted: 3, errorCount: 0 });
    const list = (
      await as(t.app, rep)({ method: 'GET', url: `/api/crm/activities?accountId=${rows[0]!.id}` })
    ).json();
    expect(list.items.map((a: { kind: string; source: string }) => [a.kind, a.source])).toEqual([
      ['visit', 'import'],
      ['call', 'import'],
    ]);
    // 10:30 AM in the org's zone (America/Chicago, UTC-6 in December).
    expect(list.items[0].occurredAt).toBe('2025-12-02T16:30:00.000Z');
    const acme = (await as(t.app, rep)({ method: 'GET', url: `/api/crm/accounts/${rows[0]!.id}` })).json();
    expect(acme.lastActivityAt).toBe('2025-12-02T16:30:00.000Z');
  });

  it('updates instead of duplicating when the same export is imported again', async () => {
    const changed = fixture('salesforce-accounts.csv').replace(
      '"Chicago","IL","60601"',
      '"Springfield","IL","62701"',
    );
    const again = await importFile(rep, 'accounts', changed, { preset: 'salesforce' }, 'skip-bad-rows');
    expect(again).toMatchObject({ state: 'done', inserted: 0, updated: 3 });
    const rows = await accountsBySource('salesforce');
    expect(rows).toHaveLength(3);
    expect(rows[0]!.city).toBe('Springfield');
    // Columns the file does not map are left alone (the tier came from "Rating").
    expect(rows[0]!.tier).toBe('A');
  });

  it('writes one audit entry per import with its counts', async () => {
    const res = await as(t.app, admin)({ method: 'GET', url: '/api/audit?entityType=import&limit=50' });
    expect(res.statusCode).toBe(200);
    const items = res.json().items as { action: string; summary: unknown }[];
    expect(items.length).toBeGreaterThanOrEqual(5);
    expect(JSON.stringify(items)).toContain('"inserted":3');
  });
});

describe('CSV import: HubSpot exports', () => {
  it('imports HubSpot companies, contacts, deals and activities', async () => {
    expect(
      await importFile(rep, 'accounts', fixture('hubspot-companies.csv'), { preset: 'hubspot' }),
    ).toMatchObject({
      state: 'done',
      inserted: 2,
    });
    expect(
      await importFile(rep, 'contacts', fixture('hubspot-contacts.csv'), { preset: 'hubspot' }),
    ).toMatchObject({
      state: 'done',
      inserted: 2,
    });
    const deals = await importFile(rep, 'deals', fixture('hubspot-deals.csv'), { preset: 'hubspot' });
    expect(deals).toMatchObject({ state: 'done', inserted: 2, errorCount: 0 });
    const stark = await t.db.kysely
      .selectFrom('deals')
      .select(['amount_minor', 'status', 'closed_at', 'created_at'])
      .where('org_id', '=', w.org.orgId)
      .where('external_source', '=', 'hubspot')
      .where('external_id', '=', '5002')
      .executeTakeFirstOrThrow();
    expect(stark.amount_minor).toBe(250_000_000);
    expect(stark.status).toBe('won');
    expect(new Date(stark.closed_at!).toISOString()).toBe('2025-11-30T06:00:00.000Z');
    // Created when HubSpot says (its "Create Date", in the org's zone): the sales cycle counts from it.
    expect(new Date(stark.created_at).toISOString()).toBe('2025-10-01T14:30:00.000Z');
    const cycle = await as(
      t.app,
      rep,
    )({ method: 'GET', url: '/api/metrics/values?metric=sales_cycle_days&period=2025-11&scope=me' });
    expect(cycle.json().rows[0].value, cycle.body).toBe(
      Math.round(
        ((Date.parse('2025-11-30T06:00:00Z') - Date.parse('2025-10-01T14:30:00Z')) / 86_400_000) * 10,
      ) / 10,
    );
    const activities = await importFile(rep, 'activities', fixture('hubspot-activities.csv'), {
      preset: 'hubspot',
    });
    expect(activities).toMatchObject({ state: 'done', inserted: 2, errorCount: 0 });
  });

  it('imports with a manual mapping of any headers', async () => {
    const csv = 'Firma,Ort\nMuster GmbH,Berlin\nBeispiel AG,Hamburg\n';
    const id = await uploaded(rep, 'accounts', csv);
    const bad = await as(
      t.app,
      rep,
    )({ method: 'POST', url: `/api/crm/imports/${id}/dry-run`, payload: { mapping: { Firma: 'nom' } } });
    expect(bad.statusCode).toBe(400);
    expect(bad.json().error.details.fields[0].path).toBe('mapping.Firma');
    const start = await as(
      t.app,
      rep,
    )({
      method: 'POST',
      url: `/api/crm/imports/${id}/start`,
      payload: { mapping: { Firma: 'name', Ort: 'city' }, source: 'legacy', mode: 'all-or-nothing' },
    });
    expect(start.statusCode, start.body).toBe(202);
    await t.app.jobs.runDue();
    const rows = await t.db.kysely
      .selectFrom('accounts')
      .select(['name', 'city', 'owner_id'])
      .where('org_id', '=', w.org.orgId)
      .where('external_source', '=', 'legacy')
      .orderBy('name')
      .execute();
    expect(rows).toEqual([
      { name: 'Beispiel AG', city: 'Hamburg', owner_id: w.repA1.id },
      { name: 'Muster GmbH', city: 'Berlin', owner_id: w.repA1.id },
    ]);
  });
});

describe('CSV import: bad rows', () => {
  const expected = [
    { row: 3, column: 'Account Name', reason: 'is required' },
    { row: 4, column: 'Billing Latitude', reason: 'must be between -90 and 90' },
    { row: 5, column: 'Account Owner', reason: expect.stringContaining('is not an active member') },
    { row: 6, column: null, reason: 'has 3 cells but the header has 6' },
    {
      row: 8,
      column: 'Account Owner',
      reason: expect.stringContaining('not you or someone in the teams you manage'),
    },
  ];

  it('names the row, column and reason of every bad row in the dry run', async () => {
    const id = await uploaded(rep, 'accounts', fixture('bad-accounts.csv'));
    const dry = await dryRun(rep, id, { preset: 'salesforce' });
    expect(dry.errors).toEqual(expected);
    expect(dry).toMatchObject({ totalRows: 7, wouldInsert: 2, badRows: 5 });
  });

  it('stores nothing in all-or-nothing mode when a row is bad', async () => {
    const run = await importFile(rep, 'accounts', fixture('bad-accounts.csv'), { preset: 'salesforce' });
    expect(run.state).toBe('failed');
    expect(run.message).toContain('nothing was imported');
    expect(run.errors).toEqual(expected);
    expect(run).toMatchObject({ inserted: 0, updated: 0, errorCount: 5 });
    expect(
      await accountsBySource('salesforce').then((r) => r.filter((a) => a.external_id?.startsWith('B-'))),
    ).toEqual([]);
  });

  it('stores the good rows in skip-bad-rows mode', async () => {
    const run = await importFile(
      rep,
      'accounts',
      fixture('bad-accounts.csv'),
      { preset: 'salesforce' },
      'skip-bad-rows',
    );
    expect(run).toMatchObject({ state: 'done', inserted: 2, skipped: 5, processedRows: 7 });
    const stored = (await accountsBySource('salesforce')).filter((a) => a.external_id?.startsWith('B-'));
    expect(stored.map((a) => [a.external_id, a.owner_id])).toEqual([
      ['B-1', w.repA1.id],
      ['B-6', w.repA1.id],
    ]);
  });

  it("refuses to overwrite a record outside the rep's reach that has the same external id", async () => {
    const csv = 'Account ID,Account Name,Account Owner\nB-1,Taken Over,Avery Rep\n';
    // Avery's manager imports first, making B-1 Avery's; then Ari may no longer change it.
    const byManager = await importFile(manager, 'accounts', csv, { preset: 'salesforce' });
    expect(byManager).toMatchObject({ state: 'done', updated: 1 });
    const id = await uploaded(rep, 'accounts', 'Account ID,Account Name\nB-1,Mine Again\n');
    const dry = await dryRun(rep, id, { preset: 'salesforce' });
    expect(dry.errors).toEqual([
      { row: 2, column: 'Account ID', reason: expect.stringContaining('you cannot edit') },
    ]);
  });

  it('makes a deal whose amount has too many decimals a row error', async () => {
    const csv =
      '"Opportunity ID","Opportunity Name","Account ID","Amount","Stage"\n"X1","Fractions","0015g00000AAAA1","10.005","Prospecting"\n"X2","Unknown stage","0015g00000AAAA1","10","Dreaming"\n"X3","No account","nope","10","Prospecting"\n';
    const id = await uploaded(rep, 'deals', csv);
    const dry = await dryRun(rep, id, { preset: 'salesforce' });
    expect(dry.errors).toEqual([
      { row: 2, column: 'Amount', reason: 'has more than 2 decimal places' },
      {
        row: 3,
        column: 'Stage',
        reason: expect.stringContaining('"Dreaming" is not a stage of this pipeline'),
      },
      {
        row: 4,
        column: 'Account ID',
        reason: expect.stringContaining('no account has salesforce id "nope"'),
      },
    ]);
  });
});

describe('CSV import: malformed files', () => {
  it('drops a byte-order mark and skips blank lines', async () => {
    const csv = '\uFEFFAccount ID,Account Name\r\n\r\nBOM-1,Bommed\r\n,\r\n\r\nBOM-2,Also Bommed\r\n\r\n';
    const id = await uploaded(rep, 'accounts', csv);
    const run = (await as(t.app, rep)({ method: 'GET', url: `/api/crm/imports/${id}` })).json();
    expect(run.headers).toEqual(['Account ID', 'Account Name']);
    const dry = await dryRun(rep, id, { preset: 'salesforce' });
    expect(dry).toMatchObject({ totalRows: 2, wouldInsert: 2, errors: [] });
    expect(dry.preview.map((p: { row: number }) => p.row)).toEqual([3, 6]);
  });

  it('names the row of a broken quote', async () => {
    const csv = 'Account ID,Account Name\nQ-1,Fine\nQ-2,"Broken "quote" here"\nQ-3,Never read\n';
    const id = await uploaded(rep, 'accounts', csv);
    const dry = await dryRun(rep, id, { preset: 'salesforce' });
    expect(dry.fatal).toMatch(/^row 3: malformed CSV/);
    const run = await importFile(rep, 'accounts', csv, { preset: 'salesforce' });
    expect(run.state).toBe('failed');
    expect(run.message).toMatch(/^row 3: malformed CSV/);
    expect((await accountsBySource('salesforce')).filter((a) => a.external_id?.startsWith('Q-'))).toEqual([]);
  });

  it('stops at a broken quote found while earlier batches are being written', async () => {
    // Batches are written while the next ones are read: the error on row 2,502 (past the first
    // chunks the file is read in) is found with batches read and in flight before it.
    const filler = 'x'.repeat(95);
    const good = Array.from(
      { length: 2500 },
      (_, i) => `LATE-${i},Late ${i},${filler},${filler},${filler}`,
    ).join('\n');
    const csv = `Account ID,Account Name,Billing Street,Billing City,Industry\n${good}\nLATE-X,"Broken "quote" here",,,\nLATE-Y,Never read,,,\n`;
    const late = async () =>
      (await accountsBySource('salesforce')).filter((a) => a.external_id?.startsWith('LATE-')).length;

    const all = await importFile(admin, 'accounts', csv, { preset: 'salesforce' });
    expect(all.state).toBe('failed');
    expect(all.message).toMatch(/^row 2502: malformed CSV/);
    expect(await late()).toBe(0);

    const skip = await importFile(admin, 'accounts', csv, { preset: 'salesforce' }, 'skip-bad-rows');
    expect(skip.state).toBe('failed');
    expect(skip.message).toMatch(/^row 2502: malformed CSV/);
    // Whole batches before the error stay, exactly as the progress says.
    const kept = await late();
    expect(kept).toBe(skip.inserted);
    expect(kept).toBeGreaterThanOrEqual(1000);
    expect(kept % 1000).toBe(0);
  });

  it('says the file is not UTF-8 and names the line', async () => {
    const latin1 = Buffer.concat([
      Buffer.from('Account ID,Account Name\nL-1,Plain\nL-2,M'),
      Buffer.from([0xfc]), // "ü" in Latin-1
      Buffer.from('nchen GmbH\n'),
    ]);
    const id = await uploaded(rep, 'accounts', latin1);
    const dry = await dryRun(rep, id, { preset: 'salesforce' });
    expect(dry.fatal).toBe(
      'row 3: the file is not valid UTF-8 text (wrong encoding?). Save it as "CSV UTF-8" and upload it again.',
    );
  });

  it('refuses an upload without a header row', async () => {
    const res = await upload(rep, 'accounts', '\n\n');
    expect(res.statusCode).toBe(400);
    expect(res.json().error.message).toContain('empty');
  });
});

describe('CSV import: access', () => {
  it('shows an import to its uploader and admins only', async () => {
    const id = await uploaded(rep, 'accounts', fixture('salesforce-accounts.csv'));
    const other = await signIn(t.app, w.repA2.email, PASSWORD);
    expect((await as(t.app, other)({ method: 'GET', url: `/api/crm/imports/${id}` })).statusCode).toBe(404);
    expect((await as(t.app, admin)({ method: 'GET', url: `/api/crm/imports/${id}` })).statusCode).toBe(200);
    const mine = (await as(t.app, rep)({ method: 'GET', url: '/api/crm/imports' })).json();
    expect(mine.items.some((r: { id: string }) => r.id === id)).toBe(true);
    const theirs = (await as(t.app, other)({ method: 'GET', url: '/api/crm/imports' })).json();
    expect(theirs.items).toEqual([]);
  });

  it('lists the fields and presets for the mapper', async () => {
    const res = await as(t.app, rep)({ method: 'GET', url: '/api/crm/imports/fields' });
    expect(res.statusCode).toBe(200);
    expect(res.json().entities.deals.presets.hubspot['Deal Stage']).toBe('stage');
  });

  it('answers 413 for an upload over the size limit', async () => {
    const previous = process.env.OUTFIELD_IMPORT_MAX_BYTES;
    process.env.OUTFIELD_IMPORT_MAX_BYTES = '1000';
    const small = await createTestApp();
    try {
      await makeWorld(small.db, small.clock);
      const s = await signIn(
        small.app,
        (
          await small.db.kysely
            .selectFrom('users')
            .select('email')
            .where('name', '=', 'Ari Rep')
            .executeTakeFirstOrThrow()
        ).email,
        PASSWORD,
      );
      const res = await as(
        small.app,
        s,
      )({
        method: 'POST',
        url: '/api/crm/imports?entity=accounts',
        headers: { 'content-type': 'text/csv' },
        payload: `Account Name\n${'x'.repeat(2000)}\n`,
      });
      expect(res.statusCode).toBe(413);
      expect(res.json().error.code).toBe('payload_too_large');
    } finally {
      if (previous === undefined) delete process.env.OUTFIELD_IMPORT_MAX_BYTES;
      else process.env.OUTFIELD_IMPORT_MAX_BYTES = previous;
      await small.close();
    }
  });
});
