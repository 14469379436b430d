/**
 * A valid request body for every write route, so suites that walk all routes reach the service
 * (and its access checks) instead of stopping at validation. A write route missing here fails the
 * route-walk suites: add it when you add the route.
 */
export const sampleBodies: Record<string, unknown> = {
  'POST /api/auth/login': { email: 'nobody@example.test', password: 'whatever-password' },
  'POST /api/auth/logout': undefined,
  'POST /api/setup': {
    orgName: 'Walk Org',
    adminName: 'Walker',
    adminEmail: 'walker@example.test',
    password: 'a-long-enough-password',
  },
  'PATCH /api/me': { name: 'Walked Name' },
  'POST /api/me/password': { currentPassword: 'wrong-password', newPassword: 'another-long-password' },
  'POST /api/me/tokens': { name: 'walk token' },
  'DELETE /api/me/tokens/:id': undefined,
  'DELETE /api/me/sessions/:id': undefined,
  'POST /api/invitations': { email: 'walk-invite@example.test', role: 'rep' },
  'DELETE /api/invitations/:id': undefined,
  'POST /api/invitations/by-token/:token/accept': { name: 'Walker', password: 'a-long-enough-password' },
  'PATCH /api/org': { name: 'Walked Org' },
  'POST /api/users': {
    email: 'walk-user@example.test',
    name: 'Walk User',
    role: 'rep',
    password: 'a-long-enough-password',
  },
  'PATCH /api/users/:id': { name: 'Walked User' },
  'POST /api/teams': { name: 'Walk Team' },
  'PATCH /api/teams/:id': { name: 'Walked Team' },
  'DELETE /api/teams/:id': undefined,
  'PUT /api/teams/:id/managers': { userIds: [] },
  'PATCH /api/crm/settings': { visitRadiusMeters: 200 },
  'POST /api/crm/pipelines': {
    name: 'Walk pipeline',
    stages: [
      { name: 'Open', probability: 20, kind: 'open' },
      { name: 'Won', probability: 100, kind: 'won' },
      { name: 'Lost', probability: 0, kind: 'lost' },
    ],
  },
  'PUT /api/crm/pipelines/:id': {
    name: 'Walked pipeline',
    stages: [
      { name: 'Open', probability: 20, kind: 'open' },
      { name: 'Won', probability: 100, kind: 'won' },
      { name: 'Lost', probability: 0, kind: 'lost' },
    ],
  },
  'POST /api/crm/accounts': { name: 'Walk Account' },
  'PATCH /api/crm/accounts/:id': { name: 'Walked Account' },
  'POST /api/crm/contacts': { accountId: '0190aaaa-0000-7000-8000-00000000dead', name: 'Walk Contact' },
  'PATCH /api/crm/contacts/:id': { name: 'Walked Contact' },
  'POST /api/crm/deals': {
    accountId: '0190aaaa-0000-7000-8000-00000000dead',
    name: 'Walk Deal',
    amountMinor: 100,
  },
  'PATCH /api/crm/deals/:id': { name: 'Walked Deal' },
  'POST /api/crm/activities': { kind: 'call', subject: 'Walk call' },
  'PATCH /api/crm/activities/:id': { subject: 'Walked call' },
  'DELETE /api/crm/activities/:id': undefined,
  'POST /api/crm/notes': {
    entityType: 'account',
    entityId: '0190aaaa-0000-7000-8000-00000000dead',
    body: 'walk',
  },
  'PATCH /api/crm/notes/:id': { body: 'walked' },
  'DELETE /api/crm/notes/:id': undefined,
  'POST /api/crm/imports': 'Account Name\nWalk Account\n',
  'POST /api/crm/imports/:id/dry-run': { preset: 'salesforce' },
  'POST /api/crm/imports/:id/start': { preset: 'salesforce', mode: 'skip-bad-rows' },
  'POST /api/crm/imports/:id/retry': undefined,
  'PATCH /api/metrics/settings': { defaultVisibility: 'ranks' },
  'POST /api/metrics/custom': {
    key: 'walk_calls',
    name: 'Walk calls',
    description: 'Calls in the period',
    definition: { block: 'activity_count', filters: { kinds: ['call'] } },
    unit: 'count',
    direction: 'higher',
    format: 'count',
  },
  'PATCH /api/metrics/custom/:id': { name: 'Walked calls' },
  'DELETE /api/metrics/custom/:id': undefined,
  'POST /api/targets': {
    subjectType: 'user',
    subjectId: '0190aaaa-0000-7000-8000-00000000dead',
    metric: 'revenue_won',
    period: 'FY2026-Q2',
    amount: 100,
  },
  'PUT /api/targets/grid': {
    period: 'FY2026-Q2',
    cells: [
      {
        subjectType: 'user',
        subjectId: '0190aaaa-0000-7000-8000-00000000dead',
        metric: 'visits',
        amount: 40,
      },
    ],
  },
  'POST /api/targets/import': {
    csv: 'email,metric,period,amount\nnobody@example.test,visits,FY2026-Q2,40\n',
  },
  'PATCH /api/targets/:id': { amount: 5 },
  'DELETE /api/targets/:id': undefined,
  'POST /api/playbooks': {
    name: 'Walk playbook',
    scope: { type: 'role', role: 'rep' },
    document: { responsibilities: ['Walk'], targets: [], metrics: [] },
  },
  'PUT /api/playbooks/:id/draft': { document: { responsibilities: ['Walked'], targets: [], metrics: [] } },
  'POST /api/playbooks/:id/publish': undefined,
  'POST /api/playbooks/:id/acknowledge': { version: 1 },
  'POST /api/notifications/:id/read': undefined,
  'POST /api/notifications/read-all': undefined,
  'PUT /api/notifications/preferences': {
    items: [{ category: 'feedback', emailImmediate: false, digest: 'daily' }],
  },
  'POST /api/notifications/unsubscribe': undefined,
  'POST /api/admin/jobs/:id/retry': undefined,
  'POST /api/webhooks': { url: 'https://hooks.example.test/outfield', events: ['user.created'] },
  'PATCH /api/webhooks/:id': { description: 'walked' },
  'DELETE /api/webhooks/:id': undefined,
  'POST /api/webhooks/:id/rotate-secret': undefined,
  'POST /api/webhooks/:id/test': undefined,
  'PATCH /api/goals/settings': { horizonDays: 365 },
  'POST /api/goals/smart-check': { title: 'Walk goal', metricKey: 'visits', baseline: 1, target: 2 },
  'POST /api/goals': {
    title: 'Log 10 visits to walk accounts',
    metricKey: 'visits',
    baseline: 0,
    target: 10,
    startDate: '2026-01-05',
    deadline: '2026-01-30',
  },
  'PATCH /api/goals/:id': { title: 'Walked goal' },
  'DELETE /api/goals/:id': undefined,
  'POST /api/goals/:id/propose': {},
  'POST /api/goals/:id/agree': {},
  'POST /api/goals/:id/request-changes': { comment: 'walk' },
  'POST /api/goals/:id/comments': { comment: 'walk' },
  'POST /api/goals/:id/progress': { value: 1, evidence: 'walk' },
  'POST /api/objectives': { title: 'Walk objective' },
  'PATCH /api/objectives/:id': { title: 'Walked objective' },
  'DELETE /api/objectives/:id': undefined,
};

export function routeKey(method: string, url: string): string {
  return `${method} ${url}`;
}

export function isWrite(method: string): boolean {
  return method !== 'GET' && method !== 'HEAD' && method !== 'OPTIONS';
}
