import { afterEach, describe, expect, it } from 'vitest';
import { makeOrg, makeUser, PASSWORD } from '../../../../tests/factories/identity.ts';
import { startHttpReceiver } from '../../../../tests/setup/local-servers.ts';
import { createOpsTestApp } from '../../../../tests/setup/ops-test-app.ts';
import { as, type Session, signIn, type TestApp } from '../../../../tests/setup/test-app.ts';
import type { OpsConfig } from '../../ops/ops-config.ts';
import { verifyWebhook } from './webhook-signing.ts';

const cleanups: Array<() => Promise<void>> = [];
afterEach(async () => {
  for (const c of cleanups.splice(0).reverse()) await c();
});

async function setup(ops: Partial<OpsConfig> = {}) {
  const t = await createOpsTestApp({ webhookAllowLoopback: true, webhookTimeoutMs: 2000, ...ops });
  cleanups.push(t.close);
  const org = await makeOrg(t.db, t.clock);
  const admin = await signIn(t.app, org.admin.email, PASSWORD);
  return { t, org, admin };
}

async function register(
  t: TestApp,
  admin: Session,
  url: string,
  events = ['user.created', 'user.deactivated'],
) {
  const res = await as(t.app, admin)({ method: 'POST', url: '/api/webhooks', payload: { url, events } });
  expect(res.statusCode).toBe(201);
  return res.json() as { endpoint: { id: string; secretHint: string }; secret: string };
}

async function createUser(t: TestApp, admin: Session, email: string) {
  const res = await as(
    t.app,
    admin,
  )({
    method: 'POST',
    url: '/api/users',
    payload: { email, name: 'Hook User', role: 'rep', password: 'a-long-enough-password' },
  });
  expect(res.statusCode).toBe(201);
  return res.json() as { id: string };
}

describe('webhooks', () => {
  it('delivers user.created and user.deactivated, signed the Standard Webhooks way', async () => {
    const { t, admin } = await setup();
    const receiver = await startHttpReceiver();
    cleanups.push(receiver.close);
    const { endpoint, secret } = await register(t, admin, receiver.url);
    expect(secret).toMatch(/^whsec_[A-Za-z0-9+/=]+$/);
    expect(endpoint.secretHint).not.toContain(secret.slice(12));

    const user = await createUser(t, admin, 'hooked@example.test');
    expect(receiver.received).toHaveLength(0); // nothing leaves before the job runs (after commit)
    await as(t.app, admin)({ method: 'PATCH', url: `/api/users/${user.id}`, payload: { active: false } });
    await t.app.jobs.runDue();

    expect(receiver.received).toHaveLength(2);
    for (const req of receiver.received) {
      const headers = {
        id: String(req.headers['webhook-id']),
        timestamp: String(req.headers['webhook-timestamp']),
        signature: String(req.headers['webhook-signature']),
      };
      expect(headers.signature).toMatch(/^v1,/);
      expect(Number(headers.timestamp)).toBe(Math.floor(t.clock.now() / 1000));
      expect(verifyWebhook(secret, headers, req.body, Math.floor(t.clock.now() / 1000))).toBe(true);
      expect(req.headers['content-type']).toBe('application/json');
    }
    const bodies = receiver.received.map((r) => JSON.parse(r.body));
    expect(bodies.map((b) => b.type).sort()).toEqual(['user.created', 'user.deactivated']);
    expect(bodies.find((b) => b.type === 'user.created').data.user).toMatchObject({
      id: user.id,
      email: 'hooked@example.test',
    });

    const log = (
      await as(t.app, admin)({ method: 'GET', url: `/api/webhooks/${endpoint.id}/deliveries` })
    ).json();
    expect(log.items).toHaveLength(2);
    expect(log.items[0]).toMatchObject({
      status: 'succeeded',
      attempts: 1,
      responseStatus: 200,
      responseSnippet: 'ok',
    });
  });

  it('only delivers the events an endpoint subscribed to, and nothing to a paused one', async () => {
    const { t, admin } = await setup();
    const receiver = await startHttpReceiver();
    cleanups.push(receiver.close);
    const { endpoint } = await register(t, admin, receiver.url, ['user.deactivated']);
    await createUser(t, admin, 'unheard@example.test');
    await t.app.jobs.runDue();
    expect(receiver.received).toHaveLength(0);
    await as(
      t.app,
      admin,
    )({
      method: 'PATCH',
      url: `/api/webhooks/${endpoint.id}`,
      payload: { active: false, events: ['user.created'] },
    });
    await createUser(t, admin, 'paused@example.test');
    await t.app.jobs.runDue();
    expect(receiver.received).toHaveLength(0);
  });

  it('retries a failing receiver with backoff and logs each answer', async () => {
    const { t, admin } = await setup();
    const receiver = await startHttpReceiver((_req, i) =>
      i < 2 ? { status: 503, body: `busy ${i}` } : { status: 204 },
    );
    cleanups.push(receiver.close);
    const { endpoint } = await register(t, admin, receiver.url);
    await createUser(t, admin, 'retry@example.test');
    await t.app.jobs.runDue();
    let log = (
      await as(t.app, admin)({ method: 'GET', url: `/api/webhooks/${endpoint.id}/deliveries` })
    ).json();
    expect(log.items[0]).toMatchObject({
      status: 'pending',
      attempts: 1,
      responseStatus: 503,
      responseSnippet: 'busy 0',
    });
    t.clock.advance(60_000);
    await t.app.jobs.runDue();
    t.clock.advance(120_000);
    await t.app.jobs.runDue();
    expect(receiver.received).toHaveLength(3);
    // Every retry carries the same message id and body.
    expect(new Set(receiver.received.map((r) => r.headers['webhook-id'])).size).toBe(1);
    expect(new Set(receiver.received.map((r) => r.body)).size).toBe(1);
    log = (await as(t.app, admin)({ method: 'GET', url: `/api/webhooks/${endpoint.id}/deliveries` })).json();
    expect(log.items[0]).toMatchObject({ status: 'succeeded', attempts: 3, responseStatus: 204 });
    // The log keeps every attempt, in order, with its own answer and time.
    const attempts = log.items[0].attemptLog;
    expect(attempts.map((a: { attempt: number }) => a.attempt)).toEqual([1, 2, 3]);
    expect(attempts.map((a: { responseStatus: number }) => a.responseStatus)).toEqual([503, 503, 204]);
    expect(attempts.map((a: { responseSnippet: string }) => a.responseSnippet)).toEqual([
      'busy 0',
      'busy 1',
      '',
    ]);
    expect(attempts[0].error).toBe('receiver answered 503');
    expect(attempts[2].error).toBeNull();
    const times = attempts.map((a: { attemptedAt: string }) => Date.parse(a.attemptedAt));
    expect(times[1] - times[0]).toBeGreaterThanOrEqual(60_000);
    expect(times[2] - times[1]).toBeGreaterThanOrEqual(120_000);
  });

  it('cuts off a receiver that hangs after the timeout', async () => {
    const { t, admin } = await setup({ webhookTimeoutMs: 500 });
    const receiver = await startHttpReceiver(() => 'hang');
    cleanups.push(receiver.close);
    const { endpoint } = await register(t, admin, receiver.url);
    const res = await as(t.app, admin)({ method: 'POST', url: `/api/webhooks/${endpoint.id}/test` });
    expect(res.statusCode).toBe(202);
    const started = Date.now();
    await t.app.jobs.runDue();
    expect(Date.now() - started).toBeLessThan(5000);
    const log = (
      await as(t.app, admin)({ method: 'GET', url: `/api/webhooks/${endpoint.id}/deliveries` })
    ).json();
    expect(log.items[0]).toMatchObject({
      eventType: 'webhook.test',
      status: 'pending',
      responseStatus: null,
    });
    expect(log.items[0].error).toMatch(/timed out/);
    expect(log.items[0].attemptLog).toHaveLength(1);
    expect(log.items[0].attemptLog[0]).toMatchObject({ attempt: 1, responseStatus: null });
    expect(log.items[0].attemptLog[0].error).toMatch(/timed out/);
  });

  it('refuses bad URLs with a field error', async () => {
    const { t, admin } = await setup({ webhookAllowLoopback: false });
    const cases: Array<[string, RegExp]> = [
      ['ftp://example.com/hook', /http or https/],
      ['http://169.254.169.254/latest/meta-data/', /metadata/],
      ['http://[fe80::1]/hook', /link-local/],
      ['http://127.0.0.1:8080/hook', /loopback/],
      ['http://localhost:8080/hook', /loopback/],
      [`https://example.com/${'x'.repeat(2100)}`, /at most 2048/],
    ];
    for (const [url, message] of cases) {
      const res = await as(
        t.app,
        admin,
      )({ method: 'POST', url: '/api/webhooks', payload: { url, events: ['user.created'] } });
      expect(res.statusCode, url).toBe(400);
      expect(res.json().error.details.fields[0]).toMatchObject({
        path: 'url',
        message: expect.stringMatching(message),
      });
    }
    expect((await as(t.app, admin)({ method: 'GET', url: '/api/webhooks' })).json().items).toEqual([]);
  });

  it('shows the secret once, rotates it, deletes endpoints, and is admin-only', async () => {
    const { t, org, admin } = await setup();
    const { endpoint, secret } = await register(t, admin, 'https://hooks.example.test/a');
    const listed = (await as(t.app, admin)({ method: 'GET', url: '/api/webhooks' })).json();
    expect(JSON.stringify(listed)).not.toContain(secret);
    const rotated = await as(
      t.app,
      admin,
    )({ method: 'POST', url: `/api/webhooks/${endpoint.id}/rotate-secret` });
    expect(rotated.json().secret).not.toBe(secret);
    const manager = await makeOrgUser(t, org);
    expect((await as(t.app, manager)({ method: 'GET', url: '/api/webhooks' })).statusCode).toBe(403);
    expect(
      (await as(t.app, admin)({ method: 'DELETE', url: `/api/webhooks/${endpoint.id}` })).statusCode,
    ).toBe(204);
    expect((await as(t.app, admin)({ method: 'GET', url: `/api/webhooks/${endpoint.id}` })).statusCode).toBe(
      404,
    );
    const audit = (await as(t.app, admin)({ method: 'GET', url: '/api/audit?entityType=webhook' })).json();
    expect(audit.items.map((i: { action: string }) => i.action)).toEqual([
      'delete',
      'rotate_secret',
      'create',
    ]);
  });
});

async function makeOrgUser(t: TestApp, org: Awaited<ReturnType<typeof makeOrg>>) {
  const m = await makeUser(t.db, t.clock, org, 'manager');
  return signIn(t.app, m.email, PASSWORD);
}

describe('CRM events', () => {
  it('delivers deal.won when a deal is won (created won or moved to a won stage) and visit.logged once per visit', async () => {
    const { t, admin } = await setup();
    const receiver = await startHttpReceiver();
    cleanups.push(receiver.close);
    await register(t, admin, receiver.url, ['deal.won', 'visit.logged']);
    const api = as(t.app, admin);

    type Stage = { id: string; kind: string };
    const listed = (await api({ method: 'GET', url: '/api/crm/pipelines' })).json() as
      | { items: Array<{ stages: Stage[] }> }
      | Array<{ stages: Stage[] }>;
    const stages = (Array.isArray(listed) ? listed : listed.items)[0]!.stages;
    const open = stages.find((s) => s.kind === 'open')!;
    const won = stages.find((s) => s.kind === 'won')!;
    const lost = stages.find((s) => s.kind === 'lost')!;

    const account = (
      await api({ method: 'POST', url: '/api/crm/accounts', payload: { name: 'Hook Account' } })
    ).json() as { id: string };
    const deal = (
      await api({
        method: 'POST',
        url: '/api/crm/deals',
        payload: { accountId: account.id, name: 'Open deal', amountMinor: 5000, stageId: open.id },
      })
    ).json() as { id: string };
    const lostDeal = (
      await api({
        method: 'POST',
        url: '/api/crm/deals',
        payload: { accountId: account.id, name: 'Lost deal', amountMinor: 700, stageId: open.id },
      })
    ).json() as { id: string };
    expect(
      (await api({ method: 'PATCH', url: `/api/crm/deals/${deal.id}`, payload: { stageId: won.id } }))
        .statusCode,
    ).toBe(200);
    // Renaming a won deal is not a second win; losing a deal is not a win.
    await api({ method: 'PATCH', url: `/api/crm/deals/${deal.id}`, payload: { name: 'Won deal' } });
    await api({ method: 'PATCH', url: `/api/crm/deals/${lostDeal.id}`, payload: { stageId: lost.id } });
    const wonAtOnce = (
      await api({
        method: 'POST',
        url: '/api/crm/deals',
        payload: { accountId: account.id, name: 'Signed on the spot', amountMinor: 900, stageId: won.id },
      })
    ).json() as { id: string };

    const visit = {
      id: '0190aaaa-0000-7000-8000-0000000c0ffe',
      kind: 'visit',
      subject: 'Quarterly visit',
      accountId: account.id,
      checkIn: { lat: 41.88, lng: -87.63, at: new Date(t.clock.now() - 3_600_000).toISOString() },
    };
    const logged = await api({ method: 'POST', url: '/api/crm/activities', payload: visit });
    expect(logged.statusCode, logged.body).toBe(201);
    // The offline outbox may send the same visit again: stored once, announced once.
    await api({ method: 'POST', url: '/api/crm/activities', payload: visit });
    await api({
      method: 'POST',
      url: '/api/crm/activities',
      payload: { kind: 'call', subject: 'Not a visit' },
    });

    await t.app.jobs.runDue();
    const events = receiver.received.map(
      (r) =>
        JSON.parse(r.body) as {
          type: string;
          data: { deal: { id: string }; activity: { id: string } };
        },
    );
    const wins = events.filter((e) => e.type === 'deal.won');
    expect(wins.map((e) => e.data.deal.id).sort()).toEqual([deal.id, wonAtOnce.id].sort());
    expect(wins.find((e) => e.data.deal.id === deal.id)!.data.deal).toMatchObject({ amountMinor: 5000 });
    const visits = events.filter((e) => e.type === 'visit.logged');
    expect(visits).toHaveLength(1);
    expect(visits[0]!.data.activity).toMatchObject({
      id: visit.id,
      kind: 'visit',
      account: { id: account.id },
    });
    expect(events).toHaveLength(3);
  });
});
