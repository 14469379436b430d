import { newId } from '../../src/server/lib/ids.ts';
import { unsubscribeToken } from '../../src/server/modules/notifications/notification-email.ts';
import { notify } from '../../src/server/modules/notifications/notifications.service.ts';
import type { AuthzContext } from './actors.ts';

/**
 * The records a route's ids name, built through the real API by the person who would own them
 * (the rep for CRM records and goals, the admin for org settings), so every record is as the
 * product makes it. Write routes get fresh records per call (a DELETE by one actor must not change
 * what the next actor sees); read routes share one set.
 */
let n = 0;
function next(): number {
  n += 1;
  return n;
}

async function ok<T = Record<string, unknown>>(
  res: { statusCode: number; body: string; json(): unknown },
  what: string,
): Promise<T> {
  if (res.statusCode >= 300) throw new Error(`could not build ${what}: ${res.statusCode} ${res.body}`);
  return res.json() as T;
}

type Id = { id: string };

export function subjects(ctx: AuthzContext) {
  const { w, t } = ctx;
  const post = (actor: 'rep' | 'admin', url: string, payload: unknown) =>
    ctx.call(actor, { method: 'POST', url, payload: payload as Record<string, unknown> });

  const cache = new Map<string, Promise<string>>();
  const s = {
    /** One record per read route, made once and shared by every actor. */
    shared(path: string, make: () => Promise<string>): Promise<string> {
      if (!cache.has(path)) cache.set(path, make());
      return cache.get(path)!;
    },
    sharedAccount(): Promise<string> {
      return s.shared('account', () => s.account());
    },
    async account(): Promise<string> {
      return (
        await ok<Id>(await post('rep', '/api/crm/accounts', { name: `Rep account ${next()}` }), 'account')
      ).id;
    },
    async contact(): Promise<string> {
      const accountId = await s.account();
      return (
        await ok<Id>(await post('rep', '/api/crm/contacts', { accountId, name: 'Con Tact' }), 'contact')
      ).id;
    },
    async deal(): Promise<string> {
      const accountId = await s.account();
      return (
        await ok<Id>(
          await post('rep', '/api/crm/deals', { accountId, name: `Deal ${next()}`, amountMinor: 12_345 }),
          'deal',
        )
      ).id;
    },
    async activity(): Promise<string> {
      return (
        await ok<Id>(await post('rep', '/api/crm/activities', { kind: 'call', subject: 'Call' }), 'activity')
      ).id;
    },
    async note(): Promise<string> {
      const entityId = await s.account();
      return (
        await ok<Id>(
          await post('rep', '/api/crm/notes', { entityType: 'account', entityId, body: 'rep note' }),
          'note',
        )
      ).id;
    },
    /** The rep's upload; `jobStopped`: started, and its job went to the dead letters (retry-able). */
    async importRun(options: { jobStopped?: boolean } = {}): Promise<string> {
      const res = await ctx.call('rep', {
        method: 'POST',
        url: '/api/crm/imports?entity=accounts&fileName=a.csv',
        headers: { 'content-type': 'text/csv' },
        payload: 'Account Name\nImported Co\n',
      });
      const id = (await ok<Id>(res, 'import')).id;
      if (!options.jobStopped) return id;
      await ok(
        await post('rep', `/api/crm/imports/${id}/start`, { preset: 'salesforce', mode: 'all-or-nothing' }),
        'import start',
      );
      const run = await t.db.kysely
        .selectFrom('import_runs')
        .select('job_id')
        .where('id', '=', id)
        .executeTakeFirstOrThrow();
      await t.db.kysely
        .updateTable('jobs')
        .set({ state: 'dead', attempts: 3, last_error: 'boom', finished_at: t.clock.now() })
        .where('id', '=', run.job_id!)
        .execute();
      await t.db.kysely
        .updateTable('import_runs')
        .set({ state: 'failed', message: 'the background import stopped after 3 attempts (boom)' })
        .where('id', '=', id)
        .execute();
      return id;
    },
    async pipeline(): Promise<string> {
      return (
        await ok<Id>(
          await post('admin', '/api/crm/pipelines', {
            name: `Pipeline ${next()}`,
            stages: [
              { name: 'Open', probability: 20, kind: 'open' },
              { name: 'Won', probability: 100, kind: 'won' },
              { name: 'Lost', probability: 0, kind: 'lost' },
            ],
          }),
          'pipeline',
        )
      ).id;
    },
    /** A target for the rep in a future quarter (one per call: a subject has one target per metric and period). */
    async target(): Promise<string> {
      const i = next();
      return (
        await ok<Id>(
          await post('admin', '/api/targets', {
            subjectType: 'user',
            subjectId: w.repA1.id,
            metric: 'visits',
            period: `FY${2027 + Math.floor(i / 4)}-Q${(i % 4) + 1}`,
            amount: 40,
          }),
          'target',
        )
      ).id;
    },
    /** A playbook of Team A with version 1 published and, when asked, a draft of version 2. */
    async playbook(options: { draft?: boolean } = {}): Promise<string> {
      const created = await ok<Id>(
        await post('admin', '/api/playbooks', {
          name: `Team A playbook ${next()}`,
          scope: { type: 'team', teamId: w.teamA },
          document: { responsibilities: ['Visit'], targets: [], metrics: [] },
        }),
        'playbook',
      );
      await ok(await post('admin', `/api/playbooks/${created.id}/publish`, undefined), 'publish');
      if (options.draft)
        await ok(
          await ctx.call('admin', {
            method: 'PUT',
            url: `/api/playbooks/${created.id}/draft`,
            payload: { document: { responsibilities: ['Visit', 'Call'], targets: [], metrics: [] } },
          }),
          'draft',
        );
      return created.id;
    },
    /** A draft goal of the rep, measured by a catalog metric or (manual) by hand. */
    async goal(options: { manual?: boolean; proposed?: boolean } = {}): Promise<string> {
      const body = options.manual
        ? {
            title: 'Sign 3 partner agreements',
            metricKey: null,
            manualUnit: 'agreements',
            doneCriterion: 'three agreements signed',
            baseline: 0,
            target: 3,
            startDate: '2026-01-05',
            deadline: '2026-03-30',
          }
        : {
            title: 'Log 10 visits to key accounts',
            metricKey: 'visits',
            baseline: 0,
            target: 10,
            startDate: '2026-01-05',
            deadline: '2026-01-30',
          };
      const goal = await ok<Id>(await post('rep', '/api/goals', body), 'goal');
      if (options.proposed) await ok(await post('rep', `/api/goals/${goal.id}/propose`, {}), 'propose');
      return goal.id;
    },
    async objective(): Promise<string> {
      return (
        await ok<Id>(await post('admin', '/api/objectives', { title: `Objective ${next()}` }), 'objective')
      ).id;
    },
    async customMetric(): Promise<string> {
      return (
        await ok<Id>(
          await post('admin', '/api/metrics/custom', {
            key: `calls_${next()}`,
            name: `Calls ${n}`,
            description: 'Calls in the period',
            definition: { block: 'activity_count', filters: { kinds: ['call'] } },
            unit: 'count',
            direction: 'higher',
            format: 'count',
          }),
          'custom metric',
        )
      ).id;
    },
    async webhook(): Promise<string> {
      const res = await post('admin', '/api/webhooks', {
        url: `https://hooks.example.test/${next()}`,
        events: ['user.created'],
      });
      const body = await ok<{ id?: string; endpoint?: Id; webhook?: Id }>(res, 'webhook');
      return body.id ?? body.endpoint?.id ?? body.webhook?.id ?? '';
    },
    async invitation(): Promise<{ id: string; token: string }> {
      const res = await post('admin', '/api/invitations', {
        email: `invite-${next()}@example.test`,
        role: 'rep',
      });
      const body = await ok<{ invitation: Id; url: string }>(res, 'invitation');
      return { id: body.invitation.id, token: body.url.split('/invite/')[1] ?? '' };
    },
    async team(): Promise<string> {
      return (await ok<Id>(await post('admin', '/api/teams', { name: `Team ${next()}` }), 'team')).id;
    },
    async token(): Promise<string> {
      const body = await ok<{ token: Id }>(
        await post('rep', '/api/me/tokens', { name: `t${next()}` }),
        'token',
      );
      return body.token.id;
    },
    /** Another session of the rep (the one the suite uses stays alive). */
    async session(): Promise<string> {
      const other = await ctx.freshSession('rep');
      const list = await ok<{ items: { id: string; current: boolean }[] }>(
        await ctx.call('rep', { method: 'GET', url: '/api/me/sessions' }, other),
        'session',
      );
      const mine = list.items.find((i) => i.current);
      if (!mine) throw new Error('no current session in /api/me/sessions');
      return mine.id;
    },
    async notification(): Promise<string> {
      const id = await t.db.kysely.transaction().execute((trx) =>
        notify(
          trx,
          { clock: t.clock },
          {
            orgId: w.org.orgId,
            userId: w.repA1.id,
            category: 'goal_status',
            title: 'For the rep',
            body: 'private',
          },
        ),
      );
      if (!id) throw new Error('notification not created');
      return id;
    },
    /** A dead job of org A (what an admin may retry). */
    async deadJob(): Promise<string> {
      const id = newId();
      const now = t.clock.now();
      await t.db.kysely
        .insertInto('jobs')
        .values({
          id,
          org_id: w.org.orgId,
          name: 'notifications.email',
          payload: '{}',
          state: 'dead',
          run_at: now,
          attempts: 6,
          max_attempts: 6,
          dedupe_key: null,
          locked_by: null,
          lock_expires_at: null,
          last_error: 'boom',
          created_at: now,
          updated_at: now,
          finished_at: now,
        })
        .execute();
      return id;
    },
    unsubscribe(): string {
      return unsubscribeToken(t.config.sessionSecret, w.org.orgId, w.repA1.id, 'goal_status');
    },
  };
  return s;
}

export type Subjects = ReturnType<typeof subjects>;
