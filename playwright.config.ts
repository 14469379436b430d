import { mkdtempSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { defineConfig } from '@playwright/test';

/** Asks the OS for a free TCP port on the loopback interface. */
function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.unref();
    server.on('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      const port = typeof address === 'object' && address ? address.port : 0;
      server.close(() => resolve(port));
    });
  });
}

// Playwright evaluates this file in the runner and again in every worker. The runner's first pass picks
// the ports and the scratch directory; workers inherit them through the environment, so all agree.
const env = process.env;
env.E2E_RUN_DIR ??= mkdtempSync(join(tmpdir(), 'outfield-e2e-'));
env.E2E_DEMO_PORT ??= String(await freePort());
env.E2E_SETUP_PORT ??= String(await freePort());
env.E2E_XSS_PORT ??= String(await freePort());
const runDir = env.E2E_RUN_DIR;
const demoUrl = `http://127.0.0.1:${env.E2E_DEMO_PORT}`;
const setupUrl = `http://127.0.0.1:${env.E2E_SETUP_PORT}`;
env.E2E_DEMO_URL = demoUrl;
env.E2E_SETUP_URL = setupUrl;
env.E2E_XSS_URL = `http://127.0.0.1:${env.E2E_XSS_PORT}`;
env.E2E_DEMO_LOG = join(runDir, 'demo.log');

const chromiumArgs = [
  '--no-sandbox',
  '--disable-gpu',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
  '--disable-quic',
  '--no-first-run',
];

// No NODE_ENV here: `start` may build the web app, and Vite would honour NODE_ENV=test with a
// development React build.
const serverEnv = { LOG_LEVEL: 'warn' };

export default defineConfig({
  testDir: 'tests/e2e',
  testMatch: '**/*.spec.ts',
  globalTeardown: './tests/e2e/global-teardown.ts',
  outputDir: 'test-results/e2e',
  fullyParallel: true,
  forbidOnly: Boolean(env.CI),
  retries: env.CI ? 1 : 0,
  workers: 2,
  // Generous per-test limits: a shared CI machine can be slow; the whole suite normally takes about a minute.
  timeout: 60_000,
  expect: { timeout: 15_000 },
  // The whole run: 101 tests take 7–10 minutes on a quiet machine of ours and up to twice that on a
  // loaded one (2026-11-27: 18 tests in 2.7 min, one worker as fast as two — CPU-bound); a limit
  // that stops the run half-way only hides which tests would fail.
  globalTimeout: Number(env.E2E_GLOBAL_TIMEOUT_MS ?? 1_800_000),
  reporter: env.CI ? [['list'], ['html', { open: 'never', outputFolder: 'playwright-report' }]] : 'list',
  use: {
    baseURL: demoUrl,
    // Recording a trace (a screencast plus a DOM snapshot per action) nearly doubled the browser's CPU
    // time per test (measured 2026-11-27: 28 s against 16 s of CPU for the same nine page visits), and
    // a passing test's trace is thrown away. In CI a failed test runs again (retries: 1) and that
    // retry is traced; locally, `--trace on` records one.
    trace: 'on-first-retry',
    screenshot: 'only-on-failure',
    launchOptions: { executablePath: '/usr/bin/chromium', args: chromiumArgs },
  },
  // Started one after the other: the first (`start`) builds the web app when its sources changed, the
  // second then finds it built. Both use fresh SQLite files in a temporary directory.
  webServer: [
    {
      command: 'node_modules/.bin/tsx src/cli/main.ts start',
      url: `${setupUrl}/healthz`,
      env: { ...serverEnv, PORT: env.E2E_SETUP_PORT, DATABASE_URL: `sqlite:${join(runDir, 'setup.db')}` },
      reuseExistingServer: false,
      timeout: 120_000,
      stdout: 'ignore',
      stderr: 'pipe',
    },
    {
      // An empty database of its own for the stored-XSS walk (xss.spec.ts): its org is made of payloads.
      command: 'node_modules/.bin/tsx src/cli/main.ts start',
      url: `${env.E2E_XSS_URL}/healthz`,
      env: { ...serverEnv, PORT: env.E2E_XSS_PORT, DATABASE_URL: `sqlite:${join(runDir, 'xss.db')}` },
      reuseExistingServer: false,
      timeout: 120_000,
      stdout: 'ignore',
      stderr: 'pipe',
    },
    {
      // The demo prints its logins (and their password) on start; the tests read them from this log.
      command: `node_modules/.bin/tsx src/cli/main.ts demo --fresh > "${env.E2E_DEMO_LOG}" 2>&1`,
      url: `${demoUrl}/healthz`,
      env: { ...serverEnv, PORT: env.E2E_DEMO_PORT, DATABASE_URL: `sqlite:${join(runDir, 'demo.db')}` },
      reuseExistingServer: false,
      timeout: 120_000,
    },
  ],
  // A test that only makes sense in one viewport is not skipped at run time: it carries a tag
  // (`{ tag: '@desktop' }` / `{ tag: '@phone' }`, the reason beside it) and the other project leaves
  // it out with `grepInvert`. Everything else runs wherever its file is matched.
  projects: [
    {
      name: 'desktop',
      // Offline logging is a phone flow: it runs in the phone project only.
      testIgnore: ['**/crm-offline.spec.ts'],
      grepInvert: /@phone\b/,
      use: { browserName: 'chromium', viewport: { width: 1280, height: 800 } },
    },
    {
      name: 'phone',
      // The phone checks what a user does on a phone: signing in and out, the burger navigation,
      // accessibility, logging a visit (online and offline), the account page and its map, creating and
      // editing accounts, contacts and deals, the CRM lists as cards with their filters, moving a deal
      // from its card menu, goals, the KPI screens (a rep's dashboard is a phone screen; the peer
      // visibility card's layout, without saving) and the admin
      // screens (teams, users, tokens, objectives: laptop-first, but an admin on the road uses them).
      // First-run setup can only happen once per server; it, the invitation, ops and the KPI admin and
      // org screens run on desktop only (keeping the whole suite short). CSV import and dragging on
      // the board are tagged @desktop.
      grepInvert: /@desktop\b/,
      testMatch: [
        '**/admin.spec.ts',
        '**/crm-board.spec.ts',
        '**/auth.spec.ts',
        '**/phone-nav.spec.ts',
        '**/a11y.spec.ts',
        '**/crm-visit.spec.ts',
        '**/crm-account.spec.ts',
        '**/goals.spec.ts',
        '**/crm-offline.spec.ts',
        '**/metrics.spec.ts',
        '**/xss.spec.ts',
        '**/crm-forms.spec.ts',
        '**/kpi-rep.spec.ts',
        '**/kpi-visibility.spec.ts',
        '**/crm-phone-lists.spec.ts',
      ],
      use: {
        browserName: 'chromium',
        viewport: { width: 390, height: 844 },
        isMobile: true,
        hasTouch: true,
      },
    },
  ],
});
