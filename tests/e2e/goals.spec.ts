import { type Browser, expect, type Page, test } from '@playwright/test';
import {
  DEMO,
  demoPasswordFromLog,
  expectNoSeriousA11yViolations,
  signInByApi,
  snap,
  unique,
} from './helpers.ts';

/** Signs `page`'s context in as `email` through the API; returns the CSRF header for writes. */
async function apiSession(page: Page, email: string): Promise<Record<string, string>> {
  const res = await page.request.post('/api/auth/login', {
    data: { email, password: demoPasswordFromLog() },
  });
  expect(res.status()).toBe(200);
  return { 'x-csrf-token': ((await res.json()) as { csrfToken: string }).csrfToken };
}

/** A calendar date `days` from today in the demo org's zone. */
function dayFromToday(days: number): string {
  const today = new Intl.DateTimeFormat('en-CA', {
    timeZone: 'America/Chicago',
    year: 'numeric',
    month: '2-digit',
    day: '2-digit',
  }).format(new Date());
  const [y, m, d] = today.split('-').map(Number) as [number, number, number];
  return new Date(Date.UTC(y, m - 1, d + days)).toISOString().slice(0, 10);
}

async function as(browser: Browser, email: string, path: string): Promise<Page> {
  const context = await browser.newContext({ viewport: { width: 1280, height: 800 } });
  const page = await context.newPage();
  await signInByApi(page, email, path);
  return page;
}

test.describe('SMART goals', () => {
  test.describe.configure({ timeout: 180_000 });
  // The rep's side runs in the project's viewport (a phone in the phone project); the manager
  // reviews in a laptop-sized context of its own (`as`).

  test('a rep fixes a vague goal with the SMART check, proposes it, revises it on request, and the manager agrees', async ({
    page,
    browser,
  }, testInfo) => {
    const title = `Log 40 visits to A-tier accounts in the North territory ${unique(testInfo, 'g')}`;
    await signInByApi(page, DEMO.rep, '/goals');
    await page.getByTestId('new-goal').click();
    await expect(page).toHaveURL(/\/goals\/new$/);

    // A vague goal: the check says what is missing.
    await page.getByTestId('goal-title').fill('Do better');
    await expect(page.getByTestId('smart-S')).toHaveAttribute('data-verdict', 'fail');
    await expect(page.getByTestId('smart-S')).toContainText('"Do better" is too vague on its own');
    await expect(page.getByTestId('smart-M')).toHaveAttribute('data-verdict', 'fail');
    await expect(page.getByTestId('smart-T')).toHaveAttribute('data-verdict', 'fail');
    await expect(page.getByTestId('smart-summary')).toHaveText('Fix the failures before it can be agreed');
    await snap(page, testInfo, 'goal-vague');

    // Fixed: what, how much, by when, with a checkpoint.
    await page.getByTestId('goal-title').fill(title);
    await page.getByRole('combobox', { name: 'Metric' }).click();
    await page.getByRole('option', { name: 'Visits', exact: true }).click();
    await page.getByTestId('goal-baseline').fill('20');
    await page.getByTestId('goal-target').fill('40');
    await page.getByTestId('goal-start').fill(dayFromToday(-1));
    await page.getByTestId('goal-deadline').fill(dayFromToday(60));
    await page.getByRole('button', { name: 'Add a checkpoint' }).click();
    await page.getByTestId('checkpoint-date-0').fill(dayFromToday(30));
    await page.getByTestId('checkpoint-target-0').fill('20');
    for (const letter of ['S', 'M', 'T'])
      await expect(page.getByTestId(`smart-${letter}`)).toHaveAttribute('data-verdict', 'pass');
    await expect(page.getByTestId('smart-summary')).toHaveText('Ready to agree');
    await snap(page, testInfo, 'goal-fixed');
    await page.getByTestId('goal-save').click();
    await expect(page).toHaveURL(/\/goals\/[0-9a-f-]{36}$/);
    const url = page.url();

    await page.getByTestId('goal-propose').click();
    await expect(page.getByTestId('goal-status')).toContainText('Proposed');

    // The manager asks for a change.
    const manager = await as(browser, DEMO.manager, url);
    await expect(manager.getByTestId('awaiting')).toContainText('waits for your agreement');
    await manager.getByTestId('goal-request-changes').click();
    await manager.getByTestId('change-comment').fill('Make it 45: two new A-tier accounts joined the North.');
    await manager.getByTestId('send-change-request').click();
    await expect(manager.getByTestId('goal-status')).toContainText('Changes requested');

    // The rep revises and proposes again.
    await page.reload();
    await expect(page.getByTestId('goal-thread')).toContainText('Make it 45');
    await page.getByTestId('goal-edit').click();
    const dialog = page.getByRole('dialog', { name: 'Edit goal' });
    await dialog.getByTestId('goal-target').fill('45');
    await dialog.getByTestId('goal-save').click();
    await expect(dialog).toBeHidden();
    await page.getByTestId('goal-propose').click();
    await expect(page.getByTestId('goal-status')).toContainText('Proposed');

    // The manager agrees; the progress chart shows.
    await manager.reload();
    await manager.getByTestId('goal-agree').click();
    await expect(manager.getByTestId('goal-status')).toContainText('Agreed');
    await expect(manager.getByTestId('goal-progress-status')).toBeVisible();
    await expect(manager.getByTestId('progress-chart')).toBeVisible();
    await expect(manager.getByTestId('progress-chart').locator('.recharts-line').first()).toBeVisible();
    await snap(manager, testInfo, 'goal-agreed');
    await manager.context().close();

    await page.reload();
    await expect(page.getByTestId('goal-status')).toContainText('Agreed');
    await expect(page.getByTestId('event-agreed')).toBeVisible();
  });
});

test('the goal list and editor work on this screen size with no serious accessibility violations', async ({
  page,
}, testInfo) => {
  test.setTimeout(120_000);
  // An agreed goal, so the list shows every kind of badge.
  let headers = await apiSession(page, DEMO.rep);
  const created = await page.request.post('/api/goals', {
    headers,
    data: {
      title: `Log 40 visits to A-tier accounts ${unique(testInfo, 'a11y')}`,
      metricKey: 'visits',
      baseline: 10,
      target: 40,
      startDate: dayFromToday(0),
      deadline: dayFromToday(25),
    },
  });
  expect(created.status(), await created.text()).toBe(201);
  const goalId = ((await created.json()) as { id: string }).id;
  expect((await page.request.post(`/api/goals/${goalId}/propose`, { headers, data: {} })).status()).toBe(200);
  headers = await apiSession(page, DEMO.manager);
  const agreed = await page.request.post(`/api/goals/${goalId}/agree`, { headers, data: {} });
  expect(agreed.status(), await agreed.text()).toBe(200);

  await signInByApi(page, DEMO.rep, '/goals');
  await expect(page.getByRole('heading', { name: 'Goals', level: 1 })).toBeVisible();
  await expect(page.getByTestId('goal-progress-status').first()).toBeVisible();
  await page.waitForLoadState('networkidle');
  await expectNoSeriousA11yViolations(page);
  await snap(page, testInfo, 'goals-list');
  await page.getByTestId('new-goal').click();
  await page.getByTestId('goal-title').fill('Improve sales');
  await expect(page.getByTestId('smart-S')).toHaveAttribute('data-verdict', 'fail');
  // On a phone the check sits below the form: it is there once scrolled to.
  await page.getByTestId('smart-panel').scrollIntoViewIfNeeded();
  await expect(page.getByTestId('smart-panel')).toBeInViewport();
  await page.waitForLoadState('networkidle');
  await expectNoSeriousA11yViolations(page);
  await snap(page, testInfo, 'goal-editor');
});

test('an admin adds an org objective that goals can then support', async ({ page }, testInfo) => {
  const title = `Grow the North ${unique(testInfo, 'o')}`;
  await signInByApi(page, DEMO.admin, '/admin/objectives');
  await expect(page.getByRole('heading', { name: 'Objectives', level: 1 })).toBeVisible();
  await page.getByLabel('New objective').fill(title);
  await page.getByRole('button', { name: 'Add' }).click();
  await expect(page.getByTestId('objective-row').filter({ hasText: title })).toBeVisible();
  await page.waitForLoadState('networkidle');
  await expectNoSeriousA11yViolations(page);
  await snap(page, testInfo, 'objectives');

  await page.goto('/goals/new');
  await page.getByRole('combobox', { name: 'Supports' }).click();
  await page.getByRole('option', { name: title }).click();
  await page.getByTestId('goal-title').fill('Log 40 visits to A-tier accounts in the North territory');
  await expect(page.getByTestId('smart-R')).toHaveAttribute('data-verdict', 'pass');
  await expect(page.getByTestId('smart-R')).toContainText(`It supports the org objective "${title}".`);
});
