/**
 * Stored XSS through every screen. Runs against its own server on an empty database (see
 * playwright.config.ts, `E2E_XSS_URL`): first-run setup creates an org whose every free-text field
 * carries an XSS payload, then every screen of the web app is opened and the browser must run none of
 * them.
 *
 * Covered automatically, without anyone remembering to add things here:
 * - fields: every write route with a sample body in tests/integration/sample-requests.ts (a route
 *   missing there already fails the route-walk suites) is called with each of its free-text string
 *   fields — a plain string in the route's OpenAPI schema: no enum, format or pattern — replaced by a
 *   payload from the corpus below (fields the server refuses a payload in keep their sample value);
 * - screens: every route path declared in src/web/app.tsx is opened; a path with a parameter this
 *   file cannot fill fails the suite, naming it.
 * A payload "runs" when the page opens a dialog (alert/confirm/prompt) or when the browser reports a
 * Content-Security-Policy violation: the CSP blocks inline scripts, so a violation means markup from
 * data reached the DOM as HTML even though nothing executed. Both are checked to work first.
 */
import { readFileSync } from 'node:fs';
import { type APIRequestContext, type Browser, expect, type Page, test } from '@playwright/test';
import { sampleBodies } from '../integration/sample-requests.ts';

// playwright.config.ts always starts the XSS server and sets its URL; without it this spec cannot run.
const BASE = process.env.E2E_XSS_URL ?? '';
if (!BASE) throw new Error('E2E_XSS_URL is not set: run this spec through playwright.config.ts');
const ADMIN = { email: 'xss-admin@example.test', password: 'xss-admin-password-1' };
const REP = { email: 'xss-rep@example.test', password: 'xss-rep-password-123' };
const DEAD_ID = '0190aaaa-0000-7000-8000-00000000dead';

/** Classic and framework-specific vectors; each stored value is prefixed with a marker `x<n>~`. */
const CORPUS = [
  `<script>alert('xss-script')</script>`,
  `<img src=x onerror="alert('xss-img')">`,
  `"><svg onload=alert('xss-svg')>`,
  `javascript:alert('xss-js-url')`,
  `[click me](javascript:alert('xss-md-link'))`,
  `<a href="javascript:alert('xss-a')">link</a>`,
  `'-alert('xss-quote')-'`,
  `<iframe srcdoc="<script>parent.alert('xss-srcdoc')</script>"></iframe>`,
  `<details open ontoggle=alert('xss-details')>`,
  `![img](x" onerror="alert('xss-md-img'))`,
  `<math><mtext><table><mglyph><style><img src=x onerror=alert('xss-mxss')>`,
  `{{constructor.constructor('alert(1)')()}}`,
  `\u202e<b onmouseover=alert('xss-rtl')>rtl</b>`,
  `<body onload=alert('xss-body')>`,
  `<input autofocus onfocus=alert('xss-focus')>`,
];

/** Write routes whose strings are not stored for display (or that cannot run on this org). */
const NOT_STORED = new Set([
  'POST /api/auth/login',
  'POST /api/auth/logout',
  'POST /api/setup',
  'POST /api/me/password',
  'POST /api/invitations/by-token/:token/accept',
  'POST /api/crm/imports',
  'POST /api/crm/imports/:id/dry-run',
  'POST /api/crm/imports/:id/start',
  'POST /api/crm/imports/:id/retry',
  'POST /api/notifications/unsubscribe',
  'POST /api/admin/jobs/:id/retry',
  'POST /api/webhooks/:id/test',
  'POST /api/goals/smart-check',
  'PUT /api/notifications/preferences',
]);

/** Which created record a body field naming a sample id refers to. */
const ID_FIELDS: Record<string, string> = {
  accountId: '/api/crm/accounts',
  entityId: '/api/crm/accounts',
  contactId: '/api/crm/contacts',
  dealId: '/api/crm/deals',
  teamId: '/api/teams',
};

/** Fills the `:param` of a screen path with a record created by the seeding, or says it cannot. */
const SCREEN_PARAMS: Record<string, (ids: Record<string, string>) => string | undefined> = {
  'crm/accounts/:id': (ids) => ids['/api/crm/accounts'],
  'goals/:id': (ids) => ids['/api/goals'],
  'playbooks/:id': (ids) => ids['/api/playbooks'],
  'invite/:token': (ids) => ids.inviteToken,
};

interface JsonSchema {
  type?: string | string[];
  enum?: unknown[];
  const?: unknown;
  format?: string;
  pattern?: string;
  maxLength?: number;
  properties?: Record<string, JsonSchema>;
  items?: JsonSchema;
  anyOf?: JsonSchema[];
  oneOf?: JsonSchema[];
  allOf?: JsonSchema[];
}

interface Stored {
  marker: string;
  route: string;
  field: string;
}

function isFreeText(schema: JsonSchema | undefined): boolean {
  if (!schema) return false;
  const types = Array.isArray(schema.type) ? schema.type : [schema.type];
  if (!types.includes('string')) return false;
  if (schema.enum || schema.const !== undefined || schema.format || schema.pattern) return false;
  return schema.maxLength === undefined || schema.maxLength >= 60;
}

function variants(schema: JsonSchema | undefined): JsonSchema[] {
  if (!schema) return [];
  const nested = [...(schema.anyOf ?? []), ...(schema.oneOf ?? []), ...(schema.allOf ?? [])];
  return nested.length > 0 ? [schema, ...nested.flatMap(variants)] : [schema];
}

function propertySchema(schema: JsonSchema | undefined, key: string): JsonSchema | undefined {
  return variants(schema).find((s) => s.properties?.[key])?.properties?.[key];
}

function itemSchema(schema: JsonSchema | undefined): JsonSchema | undefined {
  return variants(schema).find((s) => s.items)?.items;
}

/** Fills free-text leaves with payloads and sample ids with created ones; returns what it replaced. */
function fill(
  value: unknown,
  schema: JsonSchema | undefined,
  path: string,
  ctx: { next: () => string; ids: Record<string, string>; replaced: Map<string, string> },
  key?: string,
): unknown {
  if (typeof value === 'string') {
    if (value === DEAD_ID && key && ID_FIELDS[key]) return ctx.ids[ID_FIELDS[key]] ?? value;
    if (value === DEAD_ID && key === 'subjectId') return ctx.ids.adminUserId ?? value;
    if (isFreeText(variants(schema).find((s) => s.type !== undefined) ?? schema)) {
      const payload = ctx.next();
      ctx.replaced.set(path, payload);
      return payload;
    }
    return value;
  }
  if (Array.isArray(value)) return value.map((v, i) => fill(v, itemSchema(schema), `${path}.${i}`, ctx));
  if (value && typeof value === 'object') {
    return Object.fromEntries(
      Object.entries(value).map(([k, v]) => [
        k,
        fill(v, propertySchema(schema, k), path ? `${path}.${k}` : k, ctx, k),
      ]),
    );
  }
  return value;
}

function setAt(target: unknown, path: string, value: unknown): void {
  const keys = path.split('.');
  let node = target as Record<string, unknown>;
  for (const k of keys.slice(0, -1)) node = node[k] as Record<string, unknown>;
  node[keys.at(-1)!] = value;
}

function getAt(source: unknown, path: string): unknown {
  return path.split('.').reduce<unknown>((node, k) => (node as Record<string, unknown>)?.[k], source);
}

interface Seeded {
  stored: Stored[];
  ids: Record<string, string>;
  skipped: string[];
}

async function csrfOf(request: APIRequestContext): Promise<string> {
  const me = await request.get(`${BASE}/api/me`);
  expect(me.status(), await me.text()).toBe(200);
  return (await me.json()).csrfToken as string;
}

/** Stores payloads through every write route as the org's admin (first-run setup included). */
async function seed(request: APIRequestContext): Promise<Seeded> {
  let n = 0;
  const stored: Stored[] = [];
  const next = () => `x${++n}~${CORPUS[(n - 1) % CORPUS.length]}`;

  const setup = await request.post(`${BASE}/api/setup`, {
    data: { orgName: next(), adminName: next(), adminEmail: ADMIN.email, password: ADMIN.password },
  });
  if (setup.status() === 201) {
    stored.push({ marker: 'x1~', route: 'POST /api/setup', field: 'orgName' });
    stored.push({ marker: 'x2~', route: 'POST /api/setup', field: 'adminName' });
  } else {
    // The other browser project seeded this server already: sign in and add another round.
    const login = await request.post(`${BASE}/api/auth/login`, { data: ADMIN });
    expect(login.status(), await login.text()).toBe(200);
  }
  n = Date.now() % 1_000_000; // markers of this round differ from an earlier round's
  const csrf = await csrfOf(request);
  const me = await (await request.get(`${BASE}/api/me`)).json();
  const ids: Record<string, string> = { adminUserId: me.user.id };
  const openapi = await (await request.get(`${BASE}/api/openapi.json`)).json();

  // A rep who owns nothing yet, to see the screens as a rep too.
  await request.post(`${BASE}/api/users`, {
    headers: { 'x-csrf-token': csrf },
    data: { email: REP.email, name: 'XSS Rep', role: 'rep', password: REP.password },
  });

  const skipped: string[] = [];
  for (const [route, sample] of Object.entries(sampleBodies)) {
    const [method, url] = route.split(' ') as [string, string];
    if (method === 'DELETE' || NOT_STORED.has(route) || typeof sample === 'string') continue;
    const collection = url.replace(/\/:[^/]+(\/.*)?$/, '');
    const param = /:([a-zA-Z]+)/.exec(url)?.[1];
    const id = param ? ids[collection] : undefined;
    if (param && !id) {
      skipped.push(`${route} (no record for :${param})`);
      continue;
    }
    const concrete = param ? url.replace(`:${param}`, id!) : url;
    const openapiPath = url.replace(/:([a-zA-Z]+)/g, '{$1}');
    const schema: JsonSchema | undefined =
      openapi.paths?.[openapiPath]?.[method.toLowerCase()]?.requestBody?.content?.['application/json']
        ?.schema;
    const replaced = new Map<string, string>();
    const body =
      sample === undefined ? undefined : fill(structuredClone(sample), schema, '', { next, ids, replaced });
    // Email-like and key-like fields vary per round so that creating twice does not collide.
    if (body && typeof body === 'object' && 'email' in body) {
      (body as { email: string }).email = `xss-${n}@example.test`;
      replaced.delete('email');
    }
    if (body && typeof body === 'object' && 'key' in body) {
      (body as { key: string }).key = `xss_key_${n}`;
      replaced.delete('key');
    }

    let res = await request.fetch(`${BASE}${concrete}`, {
      method,
      headers: { 'x-csrf-token': csrf },
      ...(body === undefined ? {} : { data: body }),
    });
    // A field that refuses a payload (too long, a stricter rule) keeps its sample value.
    for (let attempt = 0; attempt < 4 && res.status() === 400; attempt++) {
      const fields: Array<{ path: string }> = (await res.json()).error?.details?.fields ?? [];
      const refused = fields.map((f) => f.path).filter((p) => replaced.has(p));
      if (refused.length === 0) break;
      for (const p of refused) {
        setAt(body, p, getAt(sample, p));
        replaced.delete(p);
      }
      res = await request.fetch(`${BASE}${concrete}`, {
        method,
        headers: { 'x-csrf-token': csrf },
        data: body,
      });
    }
    if (res.status() >= 300) {
      skipped.push(`${route} (${res.status()}: ${(await res.text()).slice(0, 120)})`);
      continue;
    }
    const answer = res.headers()['content-type']?.includes('json') ? await res.json() : {};
    // The created record's id: at the top of the answer or in its one nested record ({ endpoint, secret }).
    const createdId =
      typeof answer?.id === 'string'
        ? answer.id
        : (Object.values(answer ?? {}).find(
            (v): v is { id: string } => typeof (v as { id?: unknown } | null)?.id === 'string',
          )?.id ?? undefined);
    if (method === 'POST' && !param && createdId) ids[url] = createdId;
    if (route === 'POST /api/invitations' && typeof answer?.url === 'string') {
      ids.inviteToken = answer.url.split('/invite/')[1];
    }
    for (const [field, payload] of replaced) {
      stored.push({ marker: payload.slice(0, payload.indexOf('~') + 1), route, field });
    }
  }
  return { stored, ids, skipped };
}

/** Every path declared in the web app's router (src/web/app.tsx), as a URL path. */
function screenPaths(): string[] {
  const source = readFileSync('src/web/app.tsx', 'utf8');
  const paths = [...source.matchAll(/path: '([^']+)'/g)].map((m) => m[1]!).filter((p) => p !== '*');
  return ['/', ...paths.map((p) => (p.startsWith('/') ? p : `/${p}`))].filter(
    (p, i, all) => all.indexOf(p) === i,
  );
}

interface Findings {
  dialogs: string[];
  violations: string[];
}

async function watch(page: Page, findings: Findings): Promise<void> {
  page.on('dialog', async (dialog) => {
    findings.dialogs.push(`${page.url()}: ${dialog.type()} "${dialog.message()}"`);
    await dialog.dismiss().catch(() => {});
  });
  await page.exposeBinding('__reportCspViolation', ({ page: p }, text: string) => {
    findings.violations.push(`${p.url()}: ${text}`);
  });
  await page.addInitScript(() => {
    document.addEventListener('securitypolicyviolation', (e) => {
      const report = (window as unknown as { __reportCspViolation?: (t: string) => void })
        .__reportCspViolation;
      report?.(
        `${e.violatedDirective} blocked ${e.blockedURI || 'inline'} (${(e.sample ?? '').slice(0, 60)})`,
      );
    });
  });
}

/** Opens every screen signed in as `who`; returns the markers whose text showed up. */
async function walkScreens(
  browser: Browser,
  who: { email: string; password: string },
  seeded: Seeded,
  findings: Findings,
  viewport: { width: number; height: number } | null,
): Promise<{ seen: Set<string>; visited: string[] }> {
  const context = await browser.newContext({ baseURL: BASE, ...(viewport ? { viewport } : {}) });
  const page = await context.newPage();
  await watch(page, findings);
  const login = await page.request.post(`${BASE}/api/auth/login`, { data: who });
  expect(login.status(), await login.text()).toBe(200);
  const seen = new Set<string>();
  const visited: string[] = [];
  for (const path of screenPaths()) {
    const param = /:([a-zA-Z]+)/.exec(path);
    let url = path;
    if (param) {
      const resolve = SCREEN_PARAMS[path.slice(1)];
      expect(
        resolve,
        `screen ${path} has a parameter this suite cannot fill: add it to SCREEN_PARAMS`,
      ).toBeTruthy();
      const value = resolve!(seeded.ids);
      expect(value, `no record was created for screen ${path}`).toBeTruthy();
      url = path.replace(`:${param[1]}`, value!);
    }
    const response = await page.goto(url);
    const csp = response?.headers()['content-security-policy'] ?? '';
    const scriptSrc = /script-src ([^;]*)/.exec(csp)?.[1] ?? '';
    expect(scriptSrc, `CSP of ${path}`).toContain("'self'");
    expect(scriptSrc, `CSP of ${path}`).not.toMatch(/unsafe-inline|unsafe-eval/);
    await page.waitForLoadState('networkidle', { timeout: 5_000 }).catch(() => {});
    // Lazy parts (tables, timelines) render as they come into view.
    await page.mouse.wheel(0, 4000);
    await page.waitForTimeout(300);
    // biome-ignore lint/performance/useDomNodeTextContent: what is rendered visibly is what counts here.
    const text = await page.evaluate(() => document.body.innerText);
    for (const m of text.matchAll(/x\d+~/g)) seen.add(m[0]);
    visited.push(path);
  }
  await context.close();
  return { seen, visited };
}

test.describe('stored XSS through every screen', () => {
  test('the detector catches a script that runs and markup the CSP blocked', async ({ page }) => {
    const findings: Findings = { dialogs: [], violations: [] };
    await watch(page, findings);
    await page.goto(`${BASE}/sign-in`);
    // Markup injected into our page: the CSP refuses its inline handler and reports it.
    await page.evaluate(() => {
      const div = document.createElement('div');
      div.innerHTML = `<img src="data:," onerror="alert('canary')">`;
      document.body.append(div);
    });
    await expect.poll(() => findings.violations.length).toBeGreaterThan(0);
    // A page without our CSP: the same markup runs and the dialog is caught.
    await page.goto('about:blank');
    await page.setContent(`<img src="data:x," onerror="alert('canary')">`);
    await expect.poll(() => findings.dialogs.length).toBeGreaterThan(0);
  });

  test('payloads in every free-text field run on no screen', async ({ browser, request }, testInfo) => {
    test.setTimeout(240_000);
    const seeded = await seed(request);
    const findings: Findings = { dialogs: [], violations: [] };
    const viewport = testInfo.project.use.viewport ?? null;
    const asAdmin = await walkScreens(browser, ADMIN, seeded, findings, viewport);
    // The rep's screens are the same components with less data: once, on the laptop, is enough.
    const asRep =
      testInfo.project.name === 'desktop'
        ? await walkScreens(browser, REP, seeded, findings, viewport)
        : { seen: new Set<string>(), visited: [] };

    const seen = new Set([...asAdmin.seen, ...asRep.seen]);
    const shown = seeded.stored.filter((s) => seen.has(s.marker));
    const routes = new Set(seeded.stored.map((s) => s.route));
    console.log(
      `xss: ${seeded.stored.length} payloads stored through ${routes.size} write routes ` +
        `(${CORPUS.length} vectors); ${asAdmin.visited.length} screens as admin and ` +
        `${asRep.visited.length} as rep; ${shown.length} payloads seen rendered as text; ` +
        `0 expected to run — dialogs ${findings.dialogs.length}, CSP violations ${findings.violations.length}`,
    );
    if (seeded.skipped.length > 0) console.log(`xss: not stored: ${seeded.skipped.join('; ')}`);
    console.log(
      `xss: stored but not on any screen: ${
        seeded.stored
          .filter((s) => !seen.has(s.marker))
          .map((s) => `${s.route} ${s.field}`)
          .join('; ') || 'none'
      }`,
    );

    expect(findings.dialogs, 'a payload ran').toEqual([]);
    expect(findings.violations, 'markup from data reached the DOM').toEqual([]);
    // The walk really rendered the payloads: the main record types show theirs as text.
    const mustShow = [
      '/api/crm/accounts name',
      '/api/crm/contacts name',
      '/api/crm/deals name',
      '/api/crm/activities subject',
      '/api/crm/notes body',
      '/api/teams name',
      '/api/goals title',
      '/api/objectives title',
    ];
    // The one stored by the create, or by the edit that replaced it.
    const collectionOf = (route: string) => route.split(' ')[1]!.replace(/\/:[^/]+(\/.*)?$/, '');
    const shownKeys = new Set(shown.map((s) => `${collectionOf(s.route)} ${s.field}`));
    expect(
      mustShow.filter((k) => !shownKeys.has(k)),
      'payloads stored but not found on any screen',
    ).toEqual([]);
  });
});
