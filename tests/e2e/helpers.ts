import { existsSync, mkdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import AxeBuilder from '@axe-core/playwright';
import { expect, type Locator, type Page, type TestInfo } from '@playwright/test';

export const ARTIFACTS_DIR = join(process.cwd(), 'tests/e2e/artifacts');

export const DEMO = {
  admin: 'admin@northwind.example',
  manager: 'manager@northwind.example',
  rep: 'rep@northwind.example',
} as const;

/** The URL of the server started on an empty database (for first-run setup). */
export function setupServerUrl(): string {
  const url = process.env.E2E_SETUP_URL;
  if (!url) throw new Error('E2E_SETUP_URL is not set (run through playwright.config.ts)');
  return url;
}

let demoPassword: string | null = null;

/** The demo password, as printed by `outfield demo` on start (read from the server's log). */
export function demoPasswordFromLog(): string {
  if (demoPassword) return demoPassword;
  if (process.env.E2E_DEMO_PASSWORD) return process.env.E2E_DEMO_PASSWORD;
  const log = process.env.E2E_DEMO_LOG;
  if (!log || !existsSync(log)) throw new Error(`Demo log not found at ${log ?? '(unset)'}`);
  const match = /password[^:\n]*:\s*([^\s)]+)/i.exec(readFileSync(log, 'utf8'));
  if (!match?.[1]) throw new Error('No demo password in the demo log');
  demoPassword = match[1];
  return demoPassword;
}

/** Signs in through the API (sharing the page's cookie jar) and opens `path` in the signed-in app. */
export async function signInByApi(page: Page, email: string, path = '/'): Promise<void> {
  const response = await page.request.post('/api/auth/login', {
    data: { email, password: demoPasswordFromLog() },
  });
  expect(response.status(), await response.text()).toBe(200);
  await page.goto(path);
}

/**
 * The main navigation, ready to click in either layout: on a laptop it is the sidebar, always shown;
 * on a phone it is folded behind the burger, which is opened first (it closes again after a choice).
 */
export async function openNavigation(page: Page): Promise<Locator> {
  const nav = page.getByRole('navigation', { name: 'Main navigation' });
  await expect(page.getByTestId('nav-home')).toBeAttached();
  const burger = page.getByTestId('nav-burger');
  if ((await burger.isVisible()) && (await burger.getAttribute('aria-expanded')) !== 'true') {
    await burger.click();
    await expect(burger).toHaveAttribute('aria-expanded', 'true');
  }
  await expect(nav).toBeInViewport();
  return nav;
}

/** Saves a screenshot of the current page as tests/e2e/artifacts/<project>-<name>.png. */
export async function snap(page: Page, testInfo: TestInfo, name: string): Promise<void> {
  mkdirSync(ARTIFACTS_DIR, { recursive: true });
  await page.screenshot({
    path: join(ARTIFACTS_DIR, `${testInfo.project.name}-${name}.png`),
    fullPage: true,
  });
}

/** Runs axe on the page and fails on any serious or critical violation, listing them. */
export async function expectNoSeriousA11yViolations(page: Page): Promise<void> {
  // Legacy mode runs axe inside the page itself instead of merging results in an extra blank page: the
  // app has no iframes, and it is several times faster on a busy machine.
  const results = await new AxeBuilder({ page }).setLegacyMode(true).analyze();
  const serious = results.violations
    .filter((violation) => violation.impact === 'serious' || violation.impact === 'critical')
    .map((violation) => ({
      id: violation.id,
      impact: violation.impact,
      help: violation.help,
      targets: violation.nodes.slice(0, 5).map((node) => node.target.join(' ')),
    }));
  expect(serious).toEqual([]);
}

/** A value unique to this test run and worker, for emails and names. */
export function unique(testInfo: TestInfo, prefix: string): string {
  return `${prefix}-${testInfo.project.name}-${testInfo.workerIndex}-${Date.now().toString(36)}`;
}
