import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { makeAccount, makeDeal, stageId } from '../../../../tests/factories/crm.ts';
import { makeWorld, PASSWORD } from '../../../../tests/factories/identity.ts';
import { as, createTestApp, type Session, signIn, type TestApp } from '../../../../tests/setup/test-app.ts';

// What the web forms send: every field of the deal, contact and account forms round-trips through the API.

let t: TestApp;
let w: Awaited<ReturnType<typeof makeWorld>>;
let s: Record<'admin' | 'managerA' | 'repA1' | 'repA2', Session>;

beforeAll(async () => {
  t = await createTestApp();
  w = await makeWorld(t.db, t.clock);
  s = {
    admin: await signIn(t.app, w.org.admin.email, PASSWORD),
    managerA: await signIn(t.app, w.managerA.email, PASSWORD),
    repA1: await signIn(t.app, w.repA1.email, PASSWORD),
    repA2: await signIn(t.app, w.repA2.email, PASSWORD),
  };
});
afterAll(async () => {
  await t.close();
});

const call = (who: keyof typeof s) => as(t.app, s[who]);

describe('deal list: pipeline filter', () => {
  it('lists only the deals of the pipeline asked for', async () => {
    const renewals = (
      await call('admin')({
        method: 'POST',
        url: '/api/crm/pipelines',
        payload: {
          name: 'Renewals',
          stages: [
            { name: 'Due', probability: 60, kind: 'open' },
            { name: 'Renewed', probability: 100, kind: 'won' },
            { name: 'Churned', probability: 0, kind: 'lost' },
          ],
        },
      })
    ).json();
    const account = await makeAccount(t.db, t.clock, w.org.orgId, w.repA1.id);
    const sales = await makeDeal(t.db, t.clock, w.org.orgId, w.repA1.id, account, { name: 'New logo' });
    const renewal = await call('repA1')({
      method: 'POST',
      url: '/api/crm/deals',
      payload: {
        accountId: account,
        name: 'Renewal 2027',
        amountMinor: 5000,
        stageId: renewals.stages[0].id,
      },
    });
    expect(renewal.statusCode, renewal.body).toBe(201);
    const only = await call('repA1')({
      method: 'GET',
      url: `/api/crm/deals?accountId=${account}&pipelineId=${renewals.id}`,
    });
    expect(only.statusCode).toBe(200);
    expect(only.json().items.map((d: { id: string }) => d.id)).toEqual([renewal.json().id]);
    expect(only.json().total).toEqual({ value: 1, capped: false });
    const salesPipeline = (await call('repA1')({ method: 'GET', url: `/api/crm/deals/${sales}` })).json()
      .pipelineId;
    expect(salesPipeline).not.toBe(renewals.id);
    const defaults = await call('repA1')({
      method: 'GET',
      url: `/api/crm/deals?accountId=${account}&pipelineId=${encodeURIComponent(salesPipeline)}`,
    });
    expect(defaults.json().items.map((d: { id: string }) => d.id)).toEqual([sales]);
    const none = await call('repA1')({ method: 'GET', url: `/api/crm/deals?pipelineId=nope` });
    expect(none.statusCode).toBe(200);
    expect(none.json().items).toEqual([]);
    // The board takes the same pipeline.
    const board = await call('repA1')({
      method: 'GET',
      url: `/api/crm/deals/board?pipelineId=${renewals.id}`,
    });
    expect(board.statusCode).toBe(200);
    expect(board.json().columns.map((c: { stage: { name: string } }) => c.stage.name)).toEqual([
      'Due',
      'Renewed',
      'Churned',
    ]);
  });
});

describe('deal form fields', () => {
  it('edits every field of the deal form, then wins it with a reason and date, then clears the split and override', async () => {
    const account = await makeAccount(t.db, t.clock, w.org.orgId, w.repA1.id);
    const other = await makeAccount(t.db, t.clock, w.org.orgId, w.repA2.id);
    const created = await call('managerA')({
      method: 'POST',
      url: '/api/crm/deals',
      payload: {
        accountId: account,
        name: 'Anvils',
        amountMinor: 123_450,
        ownerId: w.repA1.id,
        stageId: stageId(w.org.orgId, 'qualification'),
        probability: 35,
        expectedCloseDate: '2026-12-31',
        splits: [
          { userId: w.repA1.id, percent: 70 },
          { userId: w.repA2.id, percent: 30 },
        ],
      },
    });
    expect(created.statusCode, created.body).toBe(201);
    const deal = created.json();
    expect(deal).toMatchObject({
      owner: { id: w.repA1.id },
      amountMinor: 123_450,
      probability: 35,
      probabilityOverridden: true,
      expectedCloseDate: '2026-12-31',
      status: 'open',
    });
    expect(deal.splits).toHaveLength(2);

    const edited = await call('managerA')({
      method: 'PATCH',
      url: `/api/crm/deals/${deal.id}`,
      payload: {
        accountId: other,
        name: 'Anvils (bulk)',
        ownerId: w.repA2.id,
        amountMinor: 200_000,
        stageId: stageId(w.org.orgId, 'won'),
        probability: null,
        expectedCloseDate: null,
        closeReason: 'Best price',
        closedOn: '2025-01-15',
        splits: [],
      },
    });
    expect(edited.statusCode, edited.body).toBe(200);
    expect(edited.json()).toMatchObject({
      account: { id: other },
      name: 'Anvils (bulk)',
      owner: { id: w.repA2.id },
      amountMinor: 200_000,
      stage: { kind: 'won' },
      status: 'won',
      probability: 100,
      probabilityOverridden: false,
      expectedCloseDate: null,
      closeReason: 'Best price',
      splits: [],
    });
    expect(edited.json().closedAt.slice(0, 10)).toBe('2025-01-15');
    const credits = await t.db.kysely
      .selectFrom('deal_credits')
      .select(['user_id', 'credit_minor'])
      .where('org_id', '=', w.org.orgId)
      .where('deal_id', '=', deal.id)
      .execute();
    expect(credits).toEqual([{ user_id: w.repA2.id, credit_minor: 200_000 }]);
  });

  it('refuses a deal external id another deal has, naming the field and storing nothing', async () => {
    const account = await makeAccount(t.db, t.clock, w.org.orgId, w.repA1.id);
    const payload = {
      accountId: account,
      name: 'Synced',
      amountMinor: 1,
      externalSource: 'salesforce',
      externalId: '006-DUP',
    };
    const first = await call('repA1')({ method: 'POST', url: '/api/crm/deals', payload });
    expect(first.statusCode, first.body).toBe(201);
    const second = await call('repA1')({
      method: 'POST',
      url: '/api/crm/deals',
      payload: { ...payload, name: 'Twin' },
    });
    expect(second.statusCode).toBe(400);
    expect(second.json().error.details.fields[0].path).toBe('externalId');
    const other = await call('repA1')({
      method: 'POST',
      url: '/api/crm/deals',
      payload: { ...payload, name: 'Other', externalId: '006-OTHER' },
    });
    expect(other.statusCode).toBe(201);
    const clash = await call('repA1')({
      method: 'PATCH',
      url: `/api/crm/deals/${other.json().id}`,
      payload: { externalId: '006-DUP' },
    });
    expect(clash.statusCode).toBe(400);
    expect(clash.json().error.details.fields[0].path).toBe('externalId');
    const twins = await t.db.kysely
      .selectFrom('deals')
      .select('name')
      .where('org_id', '=', w.org.orgId)
      .where('external_id', '=', '006-DUP')
      .execute();
    expect(twins).toEqual([{ name: 'Synced' }]);
  });
});

describe('contact form fields', () => {
  it('creates and edits every contact field, external ids included, and says who may edit', async () => {
    const account = await makeAccount(t.db, t.clock, w.org.orgId, w.repA1.id);
    const moved = await makeAccount(t.db, t.clock, w.org.orgId, w.repA1.id);
    const created = await call('repA1')({
      method: 'POST',
      url: '/api/crm/contacts',
      payload: {
        accountId: account,
        name: 'Wile Coyote',
        title: 'Buyer',
        email: 'WILE@acme.test',
        phone: '555',
      },
    });
    expect(created.statusCode, created.body).toBe(201);
    expect(created.json()).toMatchObject({ email: 'wile@acme.test', canEdit: true, externalId: null });
    const id = created.json().id;
    const edited = await call('repA1')({
      method: 'PATCH',
      url: `/api/crm/contacts/${id}`,
      payload: {
        accountId: moved,
        name: 'Wile E. Coyote',
        title: null,
        email: null,
        phone: '+1 312 555 0101',
        externalSource: 'hubspot',
        externalId: '7001',
      },
    });
    expect(edited.statusCode, edited.body).toBe(200);
    expect(edited.json()).toMatchObject({
      accountId: moved,
      name: 'Wile E. Coyote',
      title: null,
      email: null,
      phone: '+1 312 555 0101',
      externalSource: 'hubspot',
      externalId: '7001',
      canEdit: true,
    });
    const stored = await call('repA1')({ method: 'GET', url: `/api/crm/contacts/${id}` });
    expect(stored.json()).toMatchObject({ externalSource: 'hubspot', externalId: '7001' });

    // A teammate who may read the account's contacts may not edit them.
    await call('admin')({
      method: 'PATCH',
      url: '/api/crm/settings',
      payload: { repsReadTeamAccounts: true },
    });
    try {
      const list = await call('repA2')({ method: 'GET', url: `/api/crm/contacts?accountId=${moved}` });
      expect(list.json().items).toMatchObject([{ id, canEdit: false }]);
      const manager = await call('managerA')({ method: 'GET', url: `/api/crm/contacts/${id}` });
      expect(manager.json().canEdit).toBe(true);
    } finally {
      await call('admin')({
        method: 'PATCH',
        url: '/api/crm/settings',
        payload: { repsReadTeamAccounts: false },
      });
    }
  });

  it('refuses a contact external id another contact has, naming the field and storing nothing', async () => {
    const account = await makeAccount(t.db, t.clock, w.org.orgId, w.repA1.id);
    const payload = { accountId: account, name: 'One', externalSource: 'hubspot', externalId: 'C-DUP' };
    expect((await call('repA1')({ method: 'POST', url: '/api/crm/contacts', payload })).statusCode).toBe(201);
    const twin = await call('repA1')({
      method: 'POST',
      url: '/api/crm/contacts',
      payload: { ...payload, name: 'Two' },
    });
    expect(twin.statusCode).toBe(400);
    expect(twin.json().error.details.fields[0].path).toBe('externalId');
    const three = await call('repA1')({
      method: 'POST',
      url: '/api/crm/contacts',
      payload: { accountId: account, name: 'Three' },
    });
    const clash = await call('repA1')({
      method: 'PATCH',
      url: `/api/crm/contacts/${three.json().id}`,
      payload: { externalSource: 'hubspot', externalId: 'C-DUP' },
    });
    expect(clash.statusCode).toBe(400);
    expect(clash.json().error.details.fields[0].path).toBe('externalId');
    const rows = await t.db.kysely
      .selectFrom('contacts')
      .select('name')
      .where('org_id', '=', w.org.orgId)
      .where('external_id', '=', 'C-DUP')
      .execute();
    expect(rows).toEqual([{ name: 'One' }]);
  });
});

describe('account form fields', () => {
  it('edits every account field and clears the optional ones with null', async () => {
    const account = await makeAccount(t.db, t.clock, w.org.orgId, w.repA1.id);
    const full = {
      name: 'Acme West',
      street: '1 Main St',
      city: 'Denver',
      region: 'CO',
      postalCode: '80202',
      country: 'US',
      latitude: 39.7392,
      longitude: -104.9903,
      territory: 'Mountain',
      industry: 'Manufacturing',
      tier: 'A',
      status: 'prospect',
      ownerId: w.repA2.id,
      externalSource: 'salesforce',
      externalId: '001-ACME',
    };
    const edited = await call('managerA')({
      method: 'PATCH',
      url: `/api/crm/accounts/${account}`,
      payload: full,
    });
    expect(edited.statusCode, edited.body).toBe(200);
    const { ownerId: _owner, ...rest } = full;
    expect(edited.json()).toMatchObject({ ...rest, owner: { id: w.repA2.id } });
    const cleared = await call('managerA')({
      method: 'PATCH',
      url: `/api/crm/accounts/${account}`,
      payload: {
        street: null,
        city: null,
        region: null,
        postalCode: null,
        country: null,
        latitude: null,
        longitude: null,
        territory: null,
        industry: null,
        tier: null,
        externalSource: null,
        externalId: null,
      },
    });
    expect(cleared.statusCode, cleared.body).toBe(200);
    expect(cleared.json()).toMatchObject({
      name: 'Acme West',
      street: null,
      latitude: null,
      longitude: null,
      tier: null,
      nextVisitDue: null,
      externalId: null,
      status: 'prospect',
    });
  });
});
