import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { makeAccount, makeDeal, stageId } from '../../../../tests/factories/crm.ts';
import { makeWorld, PASSWORD } from '../../../../tests/factories/identity.ts';
import { as, createTestApp, type Session, signIn, type TestApp } from '../../../../tests/setup/test-app.ts';

let t: TestApp;
let w: Awaited<ReturnType<typeof makeWorld>>;
let s: Record<
  'admin' | 'director' | 'managerA' | 'managerB' | 'repA1' | 'repA2' | 'repB1' | 'otherAdmin',
  Session
>;
// Willis Tower, Chicago.
const HQ = { lat: 41.8789, lng: -87.6359 };

beforeAll(async () => {
  t = await createTestApp();
  w = await makeWorld(t.db, t.clock);
  s = {
    admin: await signIn(t.app, w.org.admin.email, PASSWORD),
    director: await signIn(t.app, w.director.email, PASSWORD),
    managerA: await signIn(t.app, w.managerA.email, PASSWORD),
    managerB: await signIn(t.app, w.managerB.email, PASSWORD),
    repA1: await signIn(t.app, w.repA1.email, PASSWORD),
    repA2: await signIn(t.app, w.repA2.email, PASSWORD),
    repB1: await signIn(t.app, w.repB1.email, PASSWORD),
    otherAdmin: await signIn(t.app, w.other.admin.email, PASSWORD),
  };
});
afterAll(async () => {
  await t.close();
});

const call = (who: keyof typeof s) => as(t.app, s[who]);

describe('accounts', () => {
  it('lets a rep create an account they own, with location and tier', async () => {
    const res = await call('repA1')({
      method: 'POST',
      url: '/api/crm/accounts',
      payload: {
        name: 'Lakeside Hardware',
        city: 'Chicago',
        latitude: HQ.lat,
        longitude: HQ.lng,
        tier: 'A',
        territory: 'Loop',
      },
    });
    expect(res.statusCode).toBe(201);
    const body = res.json();
    expect(body).toMatchObject({
      name: 'Lakeside Hardware',
      owner: { id: w.repA1.id },
      tier: 'A',
      canEdit: true,
    });
    expect(body.nextVisitDue).not.toBeNull();
  });

  it('refuses invalid coordinates naming the field, and a latitude without longitude, storing nothing', async () => {
    const before = (await call('repA1')({ method: 'GET', url: '/api/crm/accounts' })).json().total.value;
    const bad = await call('repA1')({
      method: 'POST',
      url: '/api/crm/accounts',
      payload: { name: 'X', latitude: 91, longitude: 0 },
    });
    expect(bad.statusCode).toBe(400);
    expect(bad.json().error.details.fields[0].path).toBe('latitude');
    const half = await call('repA1')({
      method: 'POST',
      url: '/api/crm/accounts',
      payload: { name: 'X', latitude: 41 },
    });
    expect(half.statusCode).toBe(400);
    expect(half.json().error.details.fields[0].path).toBe('longitude');
    expect((await call('repA1')({ method: 'GET', url: '/api/crm/accounts' })).json().total.value).toBe(
      before,
    );
  });

  it("refuses to give an account to someone outside the actor's reach", async () => {
    const res = await call('repA1')({
      method: 'POST',
      url: '/api/crm/accounts',
      payload: { name: 'Gift', ownerId: w.repA2.id },
    });
    expect(res.statusCode).toBe(400);
    expect(res.json().error.details.fields[0].path).toBe('ownerId');
    const ok = await call('managerA')({
      method: 'POST',
      url: '/api/crm/accounts',
      payload: { name: 'Assigned', ownerId: w.repA2.id },
    });
    expect(ok.statusCode).toBe(201);
  });

  it("shows reps their own accounts, managers their teams', admins all; other orgs none", async () => {
    const a1 = await makeAccount(t.db, t.clock, w.org.orgId, w.repA1.id, { name: 'Visibility A1' });
    const a2 = await makeAccount(t.db, t.clock, w.org.orgId, w.repA2.id, { name: 'Visibility A2' });
    const b1 = await makeAccount(t.db, t.clock, w.org.orgId, w.repB1.id, { name: 'Visibility B1' });
    const names = async (who: keyof typeof s) =>
      (await call(who)({ method: 'GET', url: '/api/crm/accounts?q=visibility' }))
        .json()
        .items.map((a: { id: string }) => a.id)
        .sort();
    expect(await names('repA1')).toEqual([a1]);
    expect(await names('managerA')).toEqual([a1, a2].sort());
    expect(await names('director')).toEqual([a1, a2, b1].sort());
    expect(await names('admin')).toEqual([a1, a2, b1].sort());
    expect(await names('otherAdmin')).toEqual([]);
    expect((await call('repA1')({ method: 'GET', url: `/api/crm/accounts/${a2}` })).statusCode).toBe(404);
    expect((await call('otherAdmin')({ method: 'GET', url: `/api/crm/accounts/${a1}` })).statusCode).toBe(
      404,
    );
  });

  it("lets reps read but not edit teammates' accounts when the org allows it", async () => {
    const a2 = await makeAccount(t.db, t.clock, w.org.orgId, w.repA2.id, { name: 'Team Readable' });
    expect((await call('repA1')({ method: 'GET', url: `/api/crm/accounts/${a2}` })).statusCode).toBe(404);
    await call('admin')({
      method: 'PATCH',
      url: '/api/crm/settings',
      payload: { repsReadTeamAccounts: true },
    });
    const read = await call('repA1')({ method: 'GET', url: `/api/crm/accounts/${a2}` });
    expect(read.statusCode).toBe(200);
    expect(read.json().canEdit).toBe(false);
    expect(
      (
        await call('repA1')({
          method: 'PATCH',
          url: `/api/crm/accounts/${a2}`,
          payload: { name: 'Hijacked' },
        })
      ).statusCode,
    ).toBe(404);
    // Another team's accounts stay invisible.
    const b1 = await makeAccount(t.db, t.clock, w.org.orgId, w.repB1.id);
    expect((await call('repA1')({ method: 'GET', url: `/api/crm/accounts/${b1}` })).statusCode).toBe(404);
    await call('admin')({
      method: 'PATCH',
      url: '/api/crm/settings',
      payload: { repsReadTeamAccounts: false },
    });
  });

  it("gives every list row its next visit due by the org's current tier cadence, whoever lists", async () => {
    const id = await makeAccount(t.db, t.clock, w.org.orgId, w.repA1.id, { name: 'Cadence Row', tier: 'B' });
    const created = (
      await t.db.kysely
        .selectFrom('accounts')
        .select('created_at')
        .where('id', '=', id)
        .executeTakeFirstOrThrow()
    ).created_at;
    const due = (days: number) => new Date(created + days * 86_400_000).toISOString();
    const listed = async (who: keyof typeof s) => {
      const res = await call(who)({ method: 'GET', url: '/api/crm/accounts?q=cadence%20row' });
      expect(res.statusCode).toBe(200);
      return res.json().items.map((a: { id: string; nextVisitDue: string | null }) => [a.id, a.nextVisitDue]);
    };
    // Admins and managers get the settings with the page, reps before it: all must agree.
    for (const who of ['admin', 'director', 'managerA', 'repA1'] as const) {
      expect(await listed(who)).toEqual([[id, due(30)]]);
    }
    const set = async (B: number) => {
      const res = await call('admin')({
        method: 'PATCH',
        url: '/api/crm/settings',
        payload: { tierCadenceDays: { A: 14, B, C: 60 } },
      });
      expect(res.statusCode).toBe(200);
    };
    await set(7);
    try {
      for (const who of ['admin', 'director', 'managerA', 'repA1'] as const) {
        expect(await listed(who)).toEqual([[id, due(7)]]);
      }
    } finally {
      await set(30);
    }
    expect(await listed('managerA')).toEqual([[id, due(30)]]);
  });

  it('filters by tier and territory, searches names, and pages with a cursor', async () => {
    for (let i = 0; i < 7; i++) {
      await makeAccount(t.db, t.clock, w.org.orgId, w.repB1.id, {
        name: `Paged Store ${i}`,
        tier: i % 2 ? 'A' : 'C',
        territory: 'North Shore',
      });
    }
    const seen: string[] = [];
    let cursor: string | null = null;
    do {
      const url: string = `/api/crm/accounts?q=paged&territory=North%20Shore&limit=3${cursor ? `&cursor=${cursor}` : ''}`;
      const page = (await call('repB1')({ method: 'GET', url })).json();
      expect(page.total).toEqual({ value: 7, capped: false });
      seen.push(...page.items.map((a: { name: string }) => a.name));
      cursor = page.nextCursor;
    } while (cursor);
    expect(seen).toEqual([0, 1, 2, 3, 4, 5, 6].map((i) => `Paged Store ${i}`));
    const tierA = (await call('repB1')({ method: 'GET', url: '/api/crm/accounts?q=paged&tier=A' })).json();
    expect(tierA.items).toHaveLength(3);
  });

  it('finds nearby accounts nearest first', async () => {
    const near = await makeAccount(t.db, t.clock, w.org.orgId, w.repB1.id, {
      name: 'Near',
      lat: HQ.lat + 0.001,
      lng: HQ.lng,
    });
    const far = await makeAccount(t.db, t.clock, w.org.orgId, w.repB1.id, {
      name: 'Far',
      lat: HQ.lat + 0.05,
      lng: HQ.lng,
    });
    const res = (
      await call('repB1')({
        method: 'GET',
        url: `/api/crm/accounts/nearby?lat=${HQ.lat}&lng=${HQ.lng}&radiusKm=10&limit=50`,
      })
    ).json();
    const ids = res.items.map((a: { id: string }) => a.id);
    expect(ids.indexOf(near)).toBeLessThan(ids.indexOf(far));
    expect(res.items[ids.indexOf(near)].distanceM).toBeGreaterThan(100);
    expect(res.items[ids.indexOf(near)].distanceM).toBeLessThan(120);
  });
});

describe('deals', () => {
  it("starts a deal in the default pipeline's first stage with the stage probability and weighted amount", async () => {
    const account = await makeAccount(t.db, t.clock, w.org.orgId, w.repA1.id);
    const res = await call('repA1')({
      method: 'POST',
      url: '/api/crm/deals',
      payload: { accountId: account, name: 'Fleet renewal', amountMinor: 1_234_567 },
    });
    expect(res.statusCode).toBe(201);
    expect(res.json()).toMatchObject({
      stage: { name: 'Prospecting', kind: 'open' },
      probability: 10,
      weightedAmountMinor: 123_457,
      currency: 'USD',
      status: 'open',
    });
  });

  it('records every stage move and closes a deal when it is won, reopening it when moved back', async () => {
    const account = await makeAccount(t.db, t.clock, w.org.orgId, w.repA1.id);
    const deal = (
      await call('repA1')({
        method: 'POST',
        url: '/api/crm/deals',
        payload: { accountId: account, name: 'Big one', amountMinor: 500_00 },
      })
    ).json();
    t.clock.advance(60_000);
    const moved = await call('repA1')({
      method: 'PATCH',
      url: `/api/crm/deals/${deal.id}`,
      payload: { stageId: stageId(w.org.orgId, 'proposal') },
    });
    expect(moved.json().probability).toBe(50);
    t.clock.advance(60_000);
    const won = (
      await call('repA1')({
        method: 'PATCH',
        url: `/api/crm/deals/${deal.id}`,
        payload: { stageId: stageId(w.org.orgId, 'won'), closeReason: 'Best service' },
      })
    ).json();
    expect(won).toMatchObject({ status: 'won', closeReason: 'Best service' });
    expect(won.closedAt).toBe(new Date(t.clock.now()).toISOString());
    const reopened = (
      await call('repA1')({
        method: 'PATCH',
        url: `/api/crm/deals/${deal.id}`,
        payload: { stageId: stageId(w.org.orgId, 'negotiation') },
      })
    ).json();
    expect(reopened).toMatchObject({ status: 'open', closedAt: null });
    const history = (await call('repA1')({ method: 'GET', url: `/api/crm/deals/${deal.id}/history` })).json()
      .items;
    expect(history.map((h: { toStage: { name: string } }) => h.toStage.name)).toEqual([
      'Prospecting',
      'Proposal',
      'Closed won',
      'Negotiation',
    ]);
    expect(history[1].fromStage.name).toBe('Prospecting');
  });

  it('refuses splits that do not sum to 100 and stores nothing', async () => {
    const account = await makeAccount(t.db, t.clock, w.org.orgId, w.repA1.id);
    const res = await call('repA1')({
      method: 'POST',
      url: '/api/crm/deals',
      payload: {
        accountId: account,
        name: 'Split',
        amountMinor: 100,
        splits: [
          { userId: w.repA1.id, percent: 60 },
          { userId: w.repA2.id, percent: 30 },
        ],
      },
    });
    expect(res.statusCode).toBe(400);
    expect(res.json().error.details.fields[0].path).toBe('splits');
    const list = (await call('repA1')({ method: 'GET', url: '/api/crm/deals?q=split' })).json();
    expect(list.items).toEqual([]);
  });

  it('credits split members, who can then read the deal', async () => {
    const account = await makeAccount(t.db, t.clock, w.org.orgId, w.repA1.id);
    const res = await call('repA1')({
      method: 'POST',
      url: '/api/crm/deals',
      payload: {
        accountId: account,
        name: 'Shared win',
        amountMinor: 100,
        splits: [
          { userId: w.repA1.id, percent: 66.67 },
          { userId: w.repB1.id, percent: 33.33 },
        ],
      },
    });
    expect(res.statusCode).toBe(201);
    expect(res.json().splits).toEqual([
      { userId: w.repA1.id, name: 'Ari Rep', percent: 66.67 },
      { userId: w.repB1.id, name: 'Bo Rep', percent: 33.33 },
    ]);
    const asB = await call('repB1')({ method: 'GET', url: `/api/crm/deals/${res.json().id}` });
    expect(asB.statusCode).toBe(200);
    expect(asB.json().canEdit).toBe(false);
    // The split member's deal list holds it too (owned or shared), with the total counting it.
    const listB = (await call('repB1')({ method: 'GET', url: '/api/crm/deals?q=shared%20win' })).json();
    expect(listB.items.map((d: { id: string }) => d.id)).toEqual([res.json().id]);
    expect(listB.total).toMatchObject({ value: 1 });
    const listA2 = (await call('repA2')({ method: 'GET', url: '/api/crm/deals?q=shared%20win' })).json();
    expect(listA2.items).toEqual([]);
  });

  it("keeps a teammate's deal from a rep (read and write) but not from their manager", async () => {
    const account = await makeAccount(t.db, t.clock, w.org.orgId, w.repA2.id);
    const deal = await makeDeal(t.db, t.clock, w.org.orgId, w.repA2.id, account, { name: 'Private deal' });
    expect((await call('repA1')({ method: 'GET', url: `/api/crm/deals/${deal}` })).statusCode).toBe(404);
    expect(
      (await call('repA1')({ method: 'PATCH', url: `/api/crm/deals/${deal}`, payload: { amountMinor: 1 } }))
        .statusCode,
    ).toBe(404);
    expect((await call('managerB')({ method: 'GET', url: `/api/crm/deals/${deal}` })).statusCode).toBe(404);
    const byManager = await call('managerA')({
      method: 'PATCH',
      url: `/api/crm/deals/${deal}`,
      payload: { amountMinor: 777 },
    });
    expect(byManager.statusCode).toBe(200);
    expect(byManager.json().amountMinor).toBe(777);
    expect((await call('otherAdmin')({ method: 'GET', url: `/api/crm/deals/${deal}` })).statusCode).toBe(404);
  });

  it('refuses a stage of another pipeline and an account of another org', async () => {
    const pipeline = (
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
    const deal = await makeDeal(t.db, t.clock, w.org.orgId, w.repA1.id, account);
    const wrongStage = await call('repA1')({
      method: 'PATCH',
      url: `/api/crm/deals/${deal}`,
      payload: { stageId: pipeline.stages[0].id },
    });
    expect(wrongStage.statusCode).toBe(400);
    expect(wrongStage.json().error.details.fields[0].path).toBe('stageId');
    const foreignAccount = await makeAccount(t.db, t.clock, w.other.orgId, w.otherRep.id);
    const res = await call('repA1')({
      method: 'POST',
      url: '/api/crm/deals',
      payload: { accountId: foreignAccount, name: 'X', amountMinor: 1 },
    });
    expect(res.statusCode).toBe(400);
    expect(res.json().error.details.fields[0].path).toBe('accountId');
  });

  it('refuses fractional or negative amounts', async () => {
    const account = await makeAccount(t.db, t.clock, w.org.orgId, w.repA1.id);
    for (const amountMinor of [10.5, -1, '100']) {
      const res = await call('repA1')({
        method: 'POST',
        url: '/api/crm/deals',
        payload: { accountId: account, name: 'X', amountMinor },
      });
      expect(res.statusCode).toBe(400);
      expect(res.json().error.details.fields[0].path).toBe('amountMinor');
    }
  });

  it('groups the board by stage with counts and totals', async () => {
    const account = await makeAccount(t.db, t.clock, w.org.orgId, w.repB1.id);
    await makeDeal(t.db, t.clock, w.org.orgId, w.repB1.id, account, { stage: 'proposal', amountMinor: 1000 });
    await makeDeal(t.db, t.clock, w.org.orgId, w.repB1.id, account, { stage: 'proposal', amountMinor: 2000 });
    const board = (await call('repB1')({ method: 'GET', url: '/api/crm/deals/board' })).json();
    const proposal = board.columns.find((c: { stage: { name: string } }) => c.stage.name === 'Proposal');
    expect(proposal.count).toBe(2);
    expect(proposal.totals).toEqual([{ currency: 'USD', amountMinor: 3000 }]);
    expect(proposal.deals).toHaveLength(2);
    expect(board.columns.map((c: { stage: { name: string } }) => c.stage.name)).toEqual([
      'Prospecting',
      'Qualification',
      'Proposal',
      'Negotiation',
      'Closed won',
      'Closed lost',
    ]);
  });
});

describe('pipelines', () => {
  type Stage = { id: string; name: string; probability: number; kind: 'open' | 'won' | 'lost' };
  const stageBody = ({ id, name, probability, kind }: Stage) => ({ id, name, probability, kind });

  async function channelWithDealInProposal() {
    const pipeline = (
      await call('admin')({
        method: 'POST',
        url: '/api/crm/pipelines',
        payload: {
          name: `Channel ${randomUUID()}`,
          stages: [
            { name: 'Lead', probability: 10, kind: 'open' },
            { name: 'Proposal', probability: 60, kind: 'open' },
            { name: 'Signed', probability: 100, kind: 'won' },
            { name: 'Dropped', probability: 0, kind: 'lost' },
          ],
        },
      })
    ).json() as { id: string; name: string; stages: Stage[] };
    const account = await makeAccount(t.db, t.clock, w.org.orgId, w.repA1.id);
    const deal = await call('repA1')({
      method: 'POST',
      url: '/api/crm/deals',
      payload: {
        accountId: account,
        name: 'Channel deal',
        amountMinor: 50_000,
        stageId: pipeline.stages[1]!.id,
      },
    });
    expect(deal.statusCode, deal.body).toBe(201);
    return { pipeline, dealId: deal.json().id as string };
  }
  const readPipeline = async (id: string) =>
    (await call('admin')({ method: 'GET', url: '/api/crm/pipelines' }))
      .json()
      .items.find((p: { id: string }) => p.id === id);
  const readDeal = async (id: string) =>
    (await call('repA1')({ method: 'GET', url: `/api/crm/deals/${id}` })).json();

  it('refuses to change the kind of a stage that still has deals, naming it and its deal count, and changes nothing', async () => {
    const { pipeline, dealId } = await channelWithDealInProposal();
    const dealBefore = await readDeal(dealId);
    const [lead, proposal, signed, dropped] = pipeline.stages as [Stage, Stage, Stage, Stage];
    const res = await call('admin')({
      method: 'PUT',
      url: `/api/crm/pipelines/${pipeline.id}`,
      payload: {
        name: 'Renamed channel',
        stages: [
          { ...stageBody(lead), name: 'Leads' },
          { ...stageBody(proposal), kind: 'won', probability: 100 },
          stageBody(signed),
          stageBody(dropped),
        ],
      },
    });
    expect(res.statusCode).toBe(400);
    expect(res.json().error.details.fields).toEqual([
      {
        path: 'stages.1.kind',
        message:
          'stage "Proposal" still has 1 deal; move them to another stage first to change its kind from open to won',
      },
    ]);
    // The whole PUT is refused: the rename in the same request is not stored either.
    expect(await readPipeline(pipeline.id)).toEqual(pipeline);
    const dealAfter = await readDeal(dealId);
    expect(dealAfter).toEqual(dealBefore);
    expect(dealAfter).toMatchObject({
      status: 'open',
      closedAt: null,
      stage: { id: proposal.id, kind: 'open' },
    });
  });

  it('changes the kind of an empty stage, and renames, re-orders and re-weights a stage that has deals', async () => {
    const { pipeline, dealId } = await channelWithDealInProposal();
    const [lead, proposal, signed, dropped] = pipeline.stages as [Stage, Stage, Stage, Stage];
    const res = await call('admin')({
      method: 'PUT',
      url: `/api/crm/pipelines/${pipeline.id}`,
      payload: {
        name: pipeline.name,
        stages: [
          { ...stageBody(proposal), name: 'Quote', probability: 70 },
          { ...stageBody(lead), kind: 'lost', probability: 0 },
          stageBody(signed),
          stageBody(dropped),
        ],
      },
    });
    expect(res.statusCode, res.body).toBe(200);
    expect(res.json().stages.map((s: Stage) => [s.id, s.name, s.probability, s.kind])).toEqual([
      [proposal.id, 'Quote', 70, 'open'],
      [lead.id, 'Lead', 0, 'lost'],
      [signed.id, 'Signed', 100, 'won'],
      [dropped.id, 'Dropped', 0, 'lost'],
    ]);
    expect(await readDeal(dealId)).toMatchObject({
      status: 'open',
      closedAt: null,
      probability: 70,
      stage: { id: proposal.id, name: 'Quote', kind: 'open' },
    });
  });
});

describe('activities and visits', () => {
  it('verifies a visit whose check-in lies within 150 m of the account', async () => {
    const account = await makeAccount(t.db, t.clock, w.org.orgId, w.repA1.id, HQ);
    const res = await call('repA1')({
      method: 'POST',
      url: '/api/crm/activities',
      payload: {
        kind: 'visit',
        subject: 'Quarterly review',
        accountId: account,
        checkIn: {
          at: new Date(t.clock.now()).toISOString(),
          lat: HQ.lat + 0.0009,
          lng: HQ.lng,
          accuracyM: 12,
        },
      },
    });
    expect(res.statusCode).toBe(201);
    expect(res.json()).toMatchObject({ verified: true, kind: 'visit' });
    expect(res.json().distanceM).toBe(100);
    const acc = (await call('repA1')({ method: 'GET', url: `/api/crm/accounts/${account}` })).json();
    expect(acc.lastActivityAt).toBe(new Date(t.clock.now()).toISOString());
  });

  it('saves a visit checked in too far away, marked unverified with the distance', async () => {
    const account = await makeAccount(t.db, t.clock, w.org.orgId, w.repA1.id, HQ);
    const res = await call('repA1')({
      method: 'POST',
      url: '/api/crm/activities',
      payload: {
        kind: 'visit',
        subject: 'Drop-in',
        accountId: account,
        checkIn: { at: new Date(t.clock.now()).toISOString(), lat: HQ.lat + 0.0036, lng: HQ.lng },
      },
    });
    expect(res.statusCode).toBe(201);
    expect(res.json().verified).toBe(false);
    expect(res.json().distanceM).toBe(400);
  });

  it('stores an entry sent twice with the same client id once, and reports a conflicting reuse', async () => {
    const id = randomUUID();
    const payload = {
      id,
      kind: 'call',
      subject: 'Follow-up call',
      source: 'offline',
      occurredAt: new Date(t.clock.now()).toISOString(),
    };
    const first = await call('repA2')({ method: 'POST', url: '/api/crm/activities', payload });
    const second = await call('repA2')({ method: 'POST', url: '/api/crm/activities', payload });
    expect(first.statusCode).toBe(201);
    expect(second.statusCode).toBe(200);
    expect(second.json().id).toBe(id);
    const list = (await call('repA2')({ method: 'GET', url: '/api/crm/activities?q=follow-up' })).json();
    expect(list.items).toHaveLength(1);
    const clash = await call('repA2')({
      method: 'POST',
      url: '/api/crm/activities',
      payload: { ...payload, subject: 'Something else' },
    });
    expect(clash.statusCode).toBe(409);
  });

  it('checks out of a visit and computes its duration', async () => {
    const account = await makeAccount(t.db, t.clock, w.org.orgId, w.repA1.id, HQ);
    const start = t.clock.now();
    const visit = (
      await call('repA1')({
        method: 'POST',
        url: '/api/crm/activities',
        payload: {
          kind: 'visit',
          subject: 'Demo',
          accountId: account,
          checkIn: { at: new Date(start).toISOString(), lat: HQ.lat, lng: HQ.lng },
        },
      })
    ).json();
    const out = await call('repA1')({
      method: 'PATCH',
      url: `/api/crm/activities/${visit.id}`,
      payload: {
        outcome: 'Ordered 40 units',
        checkOut: { at: new Date(start + 45 * 60_000).toISOString(), lat: HQ.lat, lng: HQ.lng },
      },
    });
    expect(out.statusCode).toBe(200);
    expect(out.json()).toMatchObject({ durationMinutes: 45, outcome: 'Ordered 40 units' });
    const early = await call('repA1')({
      method: 'PATCH',
      url: `/api/crm/activities/${visit.id}`,
      payload: { checkOut: { at: new Date(start - 60_000).toISOString() } },
    });
    expect(early.statusCode).toBe(400);
    expect(early.json().error.details.fields[0].path).toBe('checkOut.at');
  });

  it('refuses an unknown kind, naming the kinds the org allows', async () => {
    const res = await call('repA1')({
      method: 'POST',
      url: '/api/crm/activities',
      payload: { kind: 'lunch', subject: 'x' },
    });
    expect(res.statusCode).toBe(400);
    expect(res.json().error.details.fields[0]).toMatchObject({ path: 'kind' });
    expect(res.json().error.message).toContain('visit');
  });

  it("filters visits by verification and keeps other reps' activities out of a rep's list", async () => {
    const verified = (
      await call('repA1')({ method: 'GET', url: '/api/crm/activities?kind=visit&verified=true' })
    ).json();
    expect(
      verified.items.every(
        (a: { verified: boolean; owner: { id: string } }) => a.verified && a.owner.id === w.repA1.id,
      ),
    ).toBe(true);
    const mine = (await call('repA1')({ method: 'GET', url: '/api/crm/activities?limit=200' })).json();
    expect(mine.items.every((a: { owner: { id: string } }) => a.owner.id === w.repA1.id)).toBe(true);
    const team = (await call('managerA')({ method: 'GET', url: '/api/crm/activities?limit=200' })).json();
    expect(new Set(team.items.map((a: { owner: { id: string } }) => a.owner.id))).toEqual(
      new Set([w.repA1.id, w.repA2.id]),
    );
  });
});

describe('notes', () => {
  it('stores Markdown notes on a record for those who can read it; only the author edits', async () => {
    const account = await makeAccount(t.db, t.clock, w.org.orgId, w.repA1.id);
    const note = await call('repA1')({
      method: 'POST',
      url: '/api/crm/notes',
      payload: {
        entityType: 'account',
        entityId: account,
        body: '**Buyer** changes in May. [site](javascript:alert(1))',
      },
    });
    expect(note.statusCode).toBe(201);
    const list = (
      await call('managerA')({ method: 'GET', url: `/api/crm/notes?entityType=account&entityId=${account}` })
    ).json();
    expect(list.items[0]).toMatchObject({
      body: '**Buyer** changes in May. [site](javascript:alert(1))',
      canEdit: false,
    });
    expect(
      (
        await call('managerA')({
          method: 'PATCH',
          url: `/api/crm/notes/${note.json().id}`,
          payload: { body: 'edited' },
        })
      ).statusCode,
    ).toBe(404);
    expect(
      (await call('repB1')({ method: 'GET', url: `/api/crm/notes?entityType=account&entityId=${account}` }))
        .statusCode,
    ).toBe(404);
  });
});
