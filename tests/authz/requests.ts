import type { InjectOptions } from 'fastify';
import { PASSWORD } from '../factories/identity.ts';
import { isWrite, sampleBodies } from '../integration/sample-requests.ts';
import type { Session } from '../setup/test-app.ts';
import type { ActorKey, AuthzContext } from './actors.ts';
import type { Subjects } from './subjects.ts';

/**
 * How the matrix suites call each route: which record its path names (a record of the rep's, see
 * matrix.ts), and a body or query string naming real records where the sample body's placeholder
 * ids would only reach "not found". Routes not listed use the record their path prefix names and
 * the sample body of tests/integration/sample-requests.ts.
 */
export interface Req {
  method: InjectOptions['method'];
  url: string;
  payload?: unknown;
  headers?: Record<string, string>;
  /** Run with this session instead of the actor's usual one (routes that end their session). */
  session?: Session;
}

type Builder = (ctx: AuthzContext, s: Subjects, actor: ActorKey) => Promise<Partial<Req>>;

/** Which subject an `:id` names, by path prefix (first match). */
const pathSubjects: [RegExp, (s: Subjects, url: string) => Promise<string>][] = [
  [/^\/api\/crm\/accounts\//, (s) => s.account()],
  [/^\/api\/crm\/contacts\//, (s) => s.contact()],
  [/^\/api\/crm\/deals\//, (s) => s.deal()],
  [/^\/api\/crm\/activities\//, (s) => s.activity()],
  [/^\/api\/crm\/notes\//, (s) => s.note()],
  [/^\/api\/crm\/imports\/:id\/retry/, (s) => s.importRun({ jobStopped: true })],
  [/^\/api\/crm\/imports\//, (s) => s.importRun()],
  [/^\/api\/crm\/pipelines\//, (s) => s.pipeline()],
  [/^\/api\/targets\//, (s) => s.target()],
  [/^\/api\/playbooks\/:id\/publish/, (s) => s.playbook({ draft: true })],
  [/^\/api\/playbooks\//, (s) => s.playbook()],
  [/^\/api\/goals\/:id\/(agree|request-changes)/, (s) => s.goal({ proposed: true })],
  [/^\/api\/goals\/:id\/progress/, (s) => s.goal({ manual: true })],
  [/^\/api\/goals\//, (s) => s.goal()],
  [/^\/api\/objectives\//, (s) => s.objective()],
  [/^\/api\/metrics\/custom\//, (s) => s.customMetric()],
  [/^\/api\/webhooks\//, (s) => s.webhook()],
  [/^\/api\/invitations\//, async (s) => (await s.invitation()).id],
  [/^\/api\/users\//, async () => ''],
  [/^\/api\/teams\//, (s) => s.team()],
  [/^\/api\/me\/tokens\//, (s) => s.token()],
  [/^\/api\/me\/sessions\//, (s) => s.session()],
  [/^\/api\/notifications\//, (s) => s.notification()],
  [/^\/api\/admin\/jobs\//, (s) => s.deadJob()],
];

const q = (url: string, params: Record<string, string>) => `${url}?${new URLSearchParams(params).toString()}`;

/** Per-route requests (after the path id is filled in as `url`). */
const builders: Record<string, Builder> = {
  'POST /api/auth/logout': async (ctx, _s, actor) =>
    actor === 'anonymous' ? {} : { session: await ctx.freshSession(actor) },
  // Signing in ends the session the browser sent: a signed-in actor tries it from a spare session.
  'POST /api/auth/login': async (ctx, _s, actor) =>
    actor === 'anonymous' ? {} : { session: await ctx.freshSession(actor) },
  'POST /api/me/password': async () => ({ payload: { currentPassword: PASSWORD, newPassword: PASSWORD } }),
  'GET /api/invitations/by-token/:token': async (_c, s) => ({
    url: `/api/invitations/by-token/${(await s.invitation()).token}`,
  }),
  'POST /api/invitations/by-token/:token/accept': async (_c, s) => ({
    url: `/api/invitations/by-token/${(await s.invitation()).token}/accept`,
  }),
  'GET /api/notifications/unsubscribe': async (_c, s) => ({
    url: q('/api/notifications/unsubscribe', { token: s.unsubscribe() }),
  }),
  'POST /api/notifications/unsubscribe': async (_c, s) => ({
    url: q('/api/notifications/unsubscribe', { token: s.unsubscribe() }),
  }),
  'GET /api/users/:id': async (ctx) => ({ url: `/api/users/${ctx.w.repA1.id}` }),
  'PATCH /api/users/:id': async (ctx) => ({ url: `/api/users/${ctx.w.repA1.id}` }),
  'GET /api/teams/:id': async (ctx) => ({ url: `/api/teams/${ctx.w.teamA}` }),
  'POST /api/users': async (_c, _s, actor) => ({
    payload: {
      ...(sampleBodies['POST /api/users'] as object),
      email: `new-${actor}-${Date.now()}@example.test`,
    },
  }),
  'POST /api/invitations': async (_c, _s, actor) => ({
    payload: { email: `inv-${actor}-${Math.random().toString(36).slice(2)}@example.test`, role: 'rep' },
  }),
  'POST /api/crm/contacts': async (_c, s) => ({
    payload: { accountId: await s.account(), name: 'New Contact' },
  }),
  'POST /api/crm/deals': async (_c, s) => ({
    payload: { accountId: await s.account(), name: 'New deal', amountMinor: 500 },
  }),
  'GET /api/crm/notes': async (_c, s) => ({
    url: q('/api/crm/notes', { entityType: 'account', entityId: await s.sharedAccount() }),
  }),
  'POST /api/crm/notes': async (_c, s) => ({
    payload: { entityType: 'account', entityId: await s.account(), body: 'a note' },
  }),
  'POST /api/crm/imports': async () => ({
    url: '/api/crm/imports?entity=accounts&fileName=walk.csv',
    headers: { 'content-type': 'text/csv' },
    payload: 'Account Name\nWalk Co\n',
  }),
  'POST /api/crm/imports/:id/start': async () => ({
    payload: { preset: 'salesforce', mode: 'skip-bad-rows' },
  }),
  'GET /api/crm/accounts/nearby': async () => ({
    url: q('/api/crm/accounts/nearby', { lat: '41.9', lng: '-87.6' }),
  }),
  'POST /api/metrics/custom': async (_c, _s, actor) => ({
    payload: { ...(sampleBodies['POST /api/metrics/custom'] as object), key: `walk_${actor.toLowerCase()}` },
  }),
  'GET /api/metrics/values': async () => ({
    url: q('/api/metrics/values', { metric: 'visits', period: '2026-01' }),
  }),
  'GET /api/metrics/grid': async () => ({
    url: q('/api/metrics/grid', { metrics: 'visits,revenue_won', period: '2026-01' }),
  }),
  'GET /api/metrics/leaderboard': async () => ({
    url: q('/api/metrics/leaderboard', { metric: 'revenue_won', period: '2026-01' }),
  }),
  'GET /api/metrics/records': async (ctx) => ({
    url: q('/api/metrics/records', { metric: 'visits', period: '2026-01', user: ctx.w.repA1.id }),
  }),
  'GET /api/metrics/trend': async (ctx) => ({
    url: q('/api/metrics/trend', { metric: 'visits', period: '2026-01', user: ctx.w.repA1.id }),
  }),
  'GET /api/targets': async (ctx) => ({ url: q('/api/targets', { userId: ctx.w.repA1.id }) }),
  'POST /api/targets': async (ctx, _s, actor) => ({
    payload: {
      subjectType: 'user',
      subjectId: ctx.w.repA1.id,
      metric: 'calls',
      period: `FY2026-Q${(['manager', 'director', 'admin'].indexOf(actor) % 3) + 2}`,
      amount: 100,
    },
  }),
  'GET /api/targets/effective': async (ctx) => ({
    url: q('/api/targets/effective', { userId: ctx.w.repA1.id, period: '2026-01' }),
  }),
  'GET /api/targets/grid': async (ctx) => ({
    url: q('/api/targets/grid', { teamId: ctx.w.teamA, period: 'FY2026-Q2' }),
  }),
  'PUT /api/targets/grid': async (ctx) => ({
    payload: {
      period: 'FY2026-Q2',
      cells: [{ subjectType: 'user', subjectId: ctx.w.repA1.id, metric: 'visits', amount: 40 }],
    },
  }),
  'POST /api/targets/import': async (ctx) => ({
    payload: { csv: `email,metric,period,amount\n${ctx.w.repA1.email},deals_won,FY2026-Q3,4\n` },
  }),
  'DELETE /api/targets/:id': async () => ({}),
  'POST /api/playbooks': async (ctx) => ({
    payload: {
      name: 'Walk team playbook',
      scope: { type: 'team', teamId: ctx.w.teamA },
      document: { responsibilities: ['Walk'], targets: [], metrics: [] },
    },
  }),
  'GET /api/playbooks/:id/diff': async () => ({}),
  'POST /api/playbooks/:id/acknowledge': async () => ({ payload: { version: 1 } }),
  'PATCH /api/goals/:id': async () => ({ payload: { title: 'Log 12 visits to key accounts' } }),
  'POST /api/goals/:id/progress': async () => ({ payload: { value: 1, evidence: 'signed' } }),
  'POST /api/goals': async () => ({
    payload: {
      title: 'Log 10 visits to walk accounts',
      metricKey: 'visits',
      baseline: 0,
      target: 10,
      startDate: '2026-01-05',
      deadline: '2026-01-30',
    },
  }),
  'PUT /api/teams/:id/managers': async (ctx) => ({ payload: { userIds: [ctx.w.managerA.id] } }),
  'PUT /api/crm/pipelines/:id': async () => ({}),
};

export async function buildRequest(
  ctx: AuthzContext,
  s: Subjects,
  method: string,
  path: string,
  actor: ActorKey,
): Promise<Req> {
  const key = `${method} ${path}`;
  let url = path;
  if (path.includes(':id')) {
    const found = pathSubjects.find(([re]) => re.test(path));
    if (!found) throw new Error(`no subject for the :id of ${key}: add one to tests/authz/requests.ts`);
    const id =
      !isWrite(method) && !path.startsWith('/api/me/')
        ? await s.shared(path, () => found[1](s, path))
        : await found[1](s, path);
    url = path.replace(':id', id);
  }
  const base: Req = { method: method as Req['method'], url, payload: sampleBodies[key] };
  const extra = builders[key] ? await builders[key](ctx, s, actor) : {};
  return { ...base, ...extra, url: extra.url ?? base.url };
}
