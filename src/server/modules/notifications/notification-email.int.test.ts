import type { FastifyBaseLogger } from 'fastify';
import { afterEach, describe, expect, it } from 'vitest';
import { makeOrg, makeUser, PASSWORD } from '../../../../tests/factories/identity.ts';
import { startSmtpServer } from '../../../../tests/setup/local-servers.ts';
import { createOpsTestApp } from '../../../../tests/setup/ops-test-app.ts';
import { as, signIn, type TestApp } from '../../../../tests/setup/test-app.ts';
import { createMailer } from '../../ops/mailer.ts';
import { unsubscribeToken } from './notification-email.ts';
import { effectivePreferences, notify } from './notifications.service.ts';

const cleanups: Array<() => Promise<void>> = [];
afterEach(async () => {
  for (const c of cleanups.splice(0).reverse()) await c();
});

async function withSmtp() {
  const smtp = await startSmtpServer();
  cleanups.push(smtp.close);
  const t = await createOpsTestApp({ smtpUrl: smtp.url, mailFrom: 'Outfield <no-reply@outfield.test>' });
  cleanups.push(t.close);
  return { smtp, t };
}

async function notifyUser(
  t: TestApp,
  orgId: string,
  userId: string,
  category: 'feedback' | 'goal_status' | 'challenge',
  title: string,
) {
  return t.db.kysely
    .transaction()
    .execute((trx) =>
      notify(trx, t, { orgId, userId, category, title, body: `About ${title}`, link: '/goals/42' }),
    );
}

describe('email', () => {
  it('emails an immediate-category notification after commit, with text, HTML and an unsubscribe link', async () => {
    const { smtp, t } = await withSmtp();
    const org = await makeOrg(t.db, t.clock);
    const rep = await makeUser(t.db, t.clock, org, 'rep', { name: 'Riley <Rep>' });
    await notifyUser(t, org.orgId, rep.id, 'feedback', 'Alex asked for your feedback');
    expect(smtp.mails).toHaveLength(0);
    await t.app.jobs.runDue();
    expect(smtp.mails).toHaveLength(1);
    const mail = smtp.mails[0]!;
    expect(mail.to).toEqual([rep.email]);
    expect(mail.from).toBe('no-reply@outfield.test');
    expect(mail.decoded).toContain('Subject: Alex asked for your feedback');
    expect(mail.decoded).toMatch(/Content-Type: text\/plain/);
    expect(mail.decoded).toMatch(/Content-Type: text\/html/);
    expect(mail.decoded).toContain('http://outfield.test/goals/42');
    expect(mail.decoded).toContain('Riley &#60;Rep&#62;');
    expect(mail.decoded).toMatch(
      /List-Unsubscribe: <http:\/\/outfield\.test\/api\/notifications\/unsubscribe\?token=/,
    );
    expect(mail.decoded).toContain('List-Unsubscribe-Post: List-Unsubscribe=One-Click');

    // The link works without signing in: GET confirms, POST unsubscribes from that category only.
    const token = /unsubscribe\?token=([\w.-]+)/.exec(mail.decoded)![1]!;
    const page = await t.app.inject({ method: 'GET', url: `/api/notifications/unsubscribe?token=${token}` });
    expect(page.statusCode).toBe(200);
    expect(page.body).toContain('Feedback received or requested');
    const done = await t.app.inject({
      method: 'POST',
      url: `/api/notifications/unsubscribe?token=${token}`,
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      payload: 'List-Unsubscribe=One-Click',
    });
    expect(done.statusCode).toBe(200);
    const prefs = await effectivePreferences(t.db.kysely, org.orgId, rep.id);
    expect(prefs.find((p) => p.category === 'feedback')).toMatchObject({
      emailImmediate: false,
      digest: 'off',
    });
    expect(prefs.find((p) => p.category === 'approval')).toMatchObject({ emailImmediate: true });

    await notifyUser(t, org.orgId, rep.id, 'feedback', 'Another feedback request');
    await t.app.jobs.runDue();
    expect(smtp.mails).toHaveLength(1);
  });

  it('refuses a forged or altered unsubscribe token', async () => {
    const { t } = await withSmtp();
    const org = await makeOrg(t.db, t.clock);
    const forged = unsubscribeToken(
      'some-other-secret-that-is-long-enough-000',
      org.orgId,
      org.admin.id,
      'feedback',
    );
    const res = await t.app.inject({ method: 'POST', url: `/api/notifications/unsubscribe?token=${forged}` });
    expect(res.statusCode).toBe(404);
    const good = unsubscribeToken(t.config.sessionSecret, org.orgId, org.admin.id, 'feedback');
    const altered = `${good.slice(0, 5)}x${good.slice(6)}`;
    expect(
      (await t.app.inject({ method: 'GET', url: `/api/notifications/unsubscribe?token=${altered}` }))
        .statusCode,
    ).toBe(404);
  });

  it('sends no email for categories that wait for the digest', async () => {
    const { smtp, t } = await withSmtp();
    const org = await makeOrg(t.db, t.clock);
    await notifyUser(t, org.orgId, org.admin.id, 'goal_status', 'Goal at risk');
    await t.app.jobs.runDue();
    expect(smtp.mails).toHaveLength(0);
  });

  it('sends daily and (on Mondays) weekly digests at 07:00 in the user’s time zone', async () => {
    const { smtp, t } = await withSmtp();
    const org = await makeOrg(t.db, t.clock); // America/Chicago
    const rep = await makeUser(t.db, t.clock, org, 'rep');
    // Sunday 4 January 2026, 20:00 UTC: within the last day and week of Monday 07:00 Chicago.
    t.clock.set(Date.UTC(2026, 0, 4, 20, 0));
    await notifyUser(t, org.orgId, rep.id, 'goal_status', 'Q1 calls goal is at risk');
    await notifyUser(t, org.orgId, rep.id, 'challenge', 'Spring challenge started');
    await t.app.jobs.runDue();
    expect(smtp.mails).toHaveLength(0);
    // Monday 5 January 2026, 13:00 UTC = 07:00 CST.
    t.clock.set(Date.UTC(2026, 0, 5, 13, 0, 30));
    await t.app.jobs.runDue();
    const digests = smtp.mails.filter((m) => m.to.includes(rep.email));
    expect(digests).toHaveLength(2);
    const daily = digests.find((m) => m.decoded.includes('daily Outfield digest'))!;
    const weekly = digests.find((m) => m.decoded.includes('weekly Outfield digest'))!;
    expect(daily.decoded).toContain('Q1 calls goal is at risk');
    expect(daily.decoded).not.toContain('Spring challenge started');
    expect(weekly.decoded).toContain('Spring challenge started');
    // The same slot seen again (another instance, a restart) sends nothing more.
    await t.app.jobs.runDue();
    expect(smtp.mails.filter((m) => m.to.includes(rep.email))).toHaveLength(2);

    // After unsubscribing from digests, the next morning brings none.
    const token = unsubscribeToken(t.config.sessionSecret, org.orgId, rep.id, 'digest');
    await t.app.inject({ method: 'POST', url: `/api/notifications/unsubscribe?token=${token}` });
    await notifyUser(t, org.orgId, rep.id, 'goal_status', 'Another goal update');
    t.clock.set(Date.UTC(2026, 0, 6, 13, 0, 30));
    await t.app.jobs.runDue();
    expect(smtp.mails.filter((m) => m.to.includes(rep.email))).toHaveLength(2);
  });

  it('sends nothing without SMTP_URL, says so once, and still completes the job', async () => {
    const t = await createOpsTestApp();
    cleanups.push(t.close);
    const org = await makeOrg(t.db, t.clock);
    await notifyUser(t, org.orgId, org.admin.id, 'feedback', 'Feedback for you');
    await t.app.jobs.runDue();
    const jobs = await t.db.kysely
      .selectFrom('jobs')
      .select(['name', 'state'])
      .where('org_id', '=', org.orgId)
      .execute();
    expect(jobs).toEqual([{ name: 'notifications.email', state: 'done' }]);
    const admin = await signIn(t.app, org.admin.email, PASSWORD);
    const prefs = (await as(t.app, admin)({ method: 'GET', url: '/api/notifications/preferences' })).json();
    expect(prefs.emailEnabled).toBe(false);

    const lines: string[] = [];
    const log = { info: (msg: string) => lines.push(msg) } as unknown as FastifyBaseLogger;
    const mailer = createMailer(undefined, 'x <x@y.z>', log);
    await mailer.send({ to: 'a@b.c', subject: 's', text: 't', html: 'h' });
    await mailer.send({ to: 'a@b.c', subject: 's', text: 't', html: 'h' });
    expect(lines).toEqual(['SMTP_URL is not set: emails are not sent (in-app notifications still work)']);
  });
});
